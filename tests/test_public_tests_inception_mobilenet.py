"""The public tests of notebook 05 pass the instructor's solution and explain typical mistakes."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from tests.notebook_code import solution
from tests.public_test_helpers import assert_passes, failure, failure_mentioning, not_implemented
from utils.public_tests import inception_mobilenet as tests

NOTEBOOK = "05_inception_and_mobilenet.ipynb"
LAYERS = (
    "Add",
    "BatchNormalization",
    "Concatenate",
    "Conv2D",
    "DepthwiseConv2D",
    "MaxPooling2D",
    "ReLU",
)
NAMESPACE = {"keras": keras, "np": np, **{name: getattr(keras.layers, name) for name in LAYERS}}
TESTS = {
    "inception_module": tests.inception_module_test,
    "depthwise_separable_block": tests.depthwise_separable_block_test,
    "bottleneck_block": tests.bottleneck_block_test,
}


@pytest.mark.parametrize("name", TESTS)
def test_the_solution_passes(name, capsys):
    assert_passes(capsys, TESTS[name], solution(NOTEBOOK, name, NAMESPACE))


@pytest.mark.parametrize("name", TESTS)
def test_a_stub_is_reported_as_not_implemented(name):
    assert "not implemented yet" in failure(TESTS[name], not_implemented)


# Typical mistakes: a solution's name, an (old, new) edit of its source, what the message must say.
MISTAKES = {
    "inception-branches-in-the-wrong-order": (
        "inception_module",
        (
            "[branch_1, branch_3, branch_5, branch_pool]",
            "[branch_3, branch_1, branch_5, branch_pool]",
        ),
        ("output[0, 0, 0] (top-left pixel)", "branches in the order 1×1, 3×3, 5×5, pool"),
    ),
    "inception-with-valid-padding-is-told-the-shape": (
        "inception_module",
        ('Conv2D(f_3x3, 3, padding="same"', 'Conv2D(f_3x3, 3, padding="valid"'),
        (
            "inception_module(X, (64, (96, 128), (16, 32), 32)) on an input of shape",
            "raised ValueError",
        ),
    ),
    "inception-without-relu": (
        "inception_module",
        ('Conv2D(f_1x1, 1, padding="same", activation="relu")', 'Conv2D(f_1x1, 1, padding="same")'),
        ("all-minus-ones input", "followed by a ReLU"),
    ),
    "depthwise-block-with-biases-is-told-the-parameter-count": (
        "depthwise_separable_block",
        (
            'Conv2D(filters, 1, padding="same", use_bias=False)',
            'Conv2D(filters, 1, padding="same")',
        ),
        ("the number of parameters: got 2784 but 2720 was expected",),
    ),
    "depthwise-block-with-the-default-momentum": (
        "depthwise_separable_block",
        ("momentum=0.9", "momentum=0.99"),
        ("BatchNormalization momentum",),
    ),
    "bottleneck-with-a-relu-after-the-projection": (
        "bottleneck_block",
        ("\n    if stride", "\n    X = ReLU(max_value=6.0)(X)\n    if stride"),
        ("the layers for input (28, 28, 16)", "no ReLU"),
    ),
    "bottleneck-with-plain-relu-instead-of-relu6": (
        "bottleneck_block",
        ("ReLU(max_value=6.0)", "ReLU()"),
        ("the layers for input (28, 28, 16)", "'ReLU': 2", "'ReLU6': 2"),
    ),
    "bottleneck-that-always-adds-the-input": (
        "bottleneck_block",
        ("if stride == 1 and n_C_prev == filters:", "if True:"),
        ("bottleneck_block(X, 6, 24, 2) on an input of shape (None, 28, 28, 16)",),
    ),
}


@pytest.mark.parametrize(("name", "replace", "fragments"), MISTAKES.values(), ids=MISTAKES)
def test_a_mistake_is_caught_and_explained(name, replace, fragments):
    wrong = solution(NOTEBOOK, name, NAMESPACE, replace)
    failure_mentioning(TESTS[name], wrong, *fragments)


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (ValueError(), "raised ValueError — on"),  # no message: no colon
        (TypeError("first line\nsecond line"), "raised TypeError: first line — on"),
    ],
)
def test_a_crash_shows_the_first_line_of_its_message_even_when_empty(error, shown):
    def crashes(X, filters):
        raise error

    assert failure(tests.inception_module_test, crashes) == (
        f"inception_module: 1 check(s) failed:\n  - inception_module {shown} inception_module(X, "
        "(64, (96, 128), (16, 32), 32)) on an input of shape (None, 28, 28, 192); your code, line "
        f"{crashes.__code__.co_firstlineno + 1}, in crashes: raise error (hint: every branch keeps "
        "the 28×28 size (padding='same', and the pooling branch's MaxPooling2D(3, strides=1, "
        "padding='same')), so the four can be concatenated on the channel axis)"
    )
