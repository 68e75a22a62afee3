"""The public tests of notebook 05 pass the instructor's solution and explain typical mistakes."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras.layers import (
    Add,
    BatchNormalization,
    Concatenate,
    Conv2D,
    DepthwiseConv2D,
    MaxPooling2D,
    ReLU,
)

from tests.notebook_code import solution
from utils.public_tests import inception_mobilenet as tests

NOTEBOOK = "05_inception_and_mobilenet.ipynb"
NAMESPACE = {
    "keras": keras,
    "np": np,
    **{
        layer.__name__: layer
        for layer in (
            Add,
            BatchNormalization,
            Concatenate,
            Conv2D,
            DepthwiseConv2D,
            MaxPooling2D,
            ReLU,
        )
    },
}
TESTS = {
    "inception_module": tests.inception_module_test,
    "depthwise_separable_block": tests.depthwise_separable_block_test,
    "bottleneck_block": tests.bottleneck_block_test,
}


def failure(name: str, replace: tuple[str, str]) -> str:
    with pytest.raises(AssertionError) as info:
        TESTS[name](solution(NOTEBOOK, name, NAMESPACE, replace))
    return str(info.value)


@pytest.mark.parametrize("name", TESTS)
def test_the_solution_passes(name, capsys):
    TESTS[name](solution(NOTEBOOK, name, NAMESPACE))
    assert capsys.readouterr().out == "All tests passed\n"


@pytest.mark.parametrize("name", TESTS)
def test_a_stub_is_reported_as_not_implemented(name):
    def stub(*args):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="not implemented yet"):
        TESTS[name](stub)


def test_inception_branches_in_the_wrong_order_are_caught():
    message = failure(
        "inception_module",
        (
            "[branch_1, branch_3, branch_5, branch_pool]",
            "[branch_3, branch_1, branch_5, branch_pool]",
        ),
    )
    assert "output[0, 0, 0] (top-left pixel)" in message
    assert "branches in the order 1×1, 3×3, 5×5, pool" in message


def test_inception_with_valid_padding_is_told_the_shape():
    message = failure(
        "inception_module", ('Conv2D(f_3x3, 3, padding="same"', 'Conv2D(f_3x3, 3, padding="valid"')
    )
    assert "inception_module(X, (64, (96, 128), (16, 32), 32)) on an input of shape" in message
    assert "raised ValueError" in message


def test_inception_without_relu_is_caught():
    message = failure(
        "inception_module",
        ('Conv2D(f_1x1, 1, padding="same", activation="relu")', 'Conv2D(f_1x1, 1, padding="same")'),
    )
    assert "all-minus-ones input" in message and "followed by a ReLU" in message


def test_depthwise_block_with_biases_is_told_the_parameter_count():
    message = failure(
        "depthwise_separable_block",
        (
            'Conv2D(filters, 1, padding="same", use_bias=False)',
            'Conv2D(filters, 1, padding="same")',
        ),
    )
    assert "the number of parameters: got 2784 but 2720 was expected" in message


def test_depthwise_block_with_the_default_momentum_is_caught():
    message = failure("depthwise_separable_block", ("momentum=0.9", "momentum=0.99"))
    assert "BatchNormalization momentum" in message


def test_bottleneck_with_a_relu_after_the_projection_is_caught():
    message = failure(
        "bottleneck_block",
        ("\n    if stride", "\n    X = ReLU(max_value=6.0)(X)\n    if stride"),
    )
    assert "the layers for input (28, 28, 16)" in message and "no ReLU" in message


def test_bottleneck_with_plain_relu_instead_of_relu6_is_caught():
    message = failure("bottleneck_block", ("ReLU(max_value=6.0)", "ReLU()"))
    assert "the output with random weights" in message and "ReLU6" in message


def test_bottleneck_that_always_adds_the_input_is_caught():
    message = failure("bottleneck_block", ("if stride == 1 and n_C_prev == filters:", "if True:"))
    assert "bottleneck_block(X, 6, 24, 2) on an input of shape (None, 28, 28, 16)" in message
