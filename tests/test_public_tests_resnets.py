"""The public tests of notebook 04 pass correct work and explain what is wrong with wrong work.

The correct blocks and ResNet50 below are written here from the architecture's description (they
are what the tests must accept), with switches that introduce the usual mistakes. The NumPy
reference of the public tests is itself checked against hand-derived values and against
TensorFlow's own convolution and batch normalisation.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras.initializers import glorot_uniform, random_uniform
from keras.layers import (
    Activation,
    Add,
    AveragePooling2D,
    BatchNormalization,
    Conv2D,
    Dense,
    Flatten,
    Input,
    MaxPooling2D,
    ReLU,
    ZeroPadding2D,
)

from tests.public_test_helpers import assert_passes, failure, not_implemented, returns_none
from utils.public_tests import resnets
from utils.testing import BN_EPSILON, summary


def block(
    X,
    f,
    filters,
    s=1,
    initializer=random_uniform,
    *,
    projection=False,
    shortcut=True,
    relu_before_add=False,
    final_relu=True,
    stride_on_middle=False,
    shortcut_bn=True,
    bn_trainable=True,
    middle_padding="same",
    use_initializer=True,
):
    """The residual block of the course, with switches for the usual mistakes."""
    F1, F2, F3 = filters
    init = {"kernel_initializer": initializer(seed=0)} if use_initializer else {}
    s_first, s_middle = (1, s) if stride_on_middle else (s, 1)
    X_shortcut = X
    X = Conv2D(F1, 1, strides=s_first, padding="valid", **init)(X)
    X = BatchNormalization(axis=3, trainable=bn_trainable)(X)
    X = Activation("relu")(X)
    X = Conv2D(F2, f, strides=s_middle, padding=middle_padding, **init)(X)
    X = BatchNormalization(axis=3, trainable=bn_trainable)(X)
    X = Activation("relu")(X)
    X = Conv2D(F3, 1, strides=1, padding="valid", **init)(X)
    X = BatchNormalization(axis=3, trainable=bn_trainable)(X)
    if relu_before_add:
        X = Activation("relu")(X)
    if projection:
        X_shortcut = Conv2D(F3, 1, strides=s, padding="valid", **init)(X_shortcut)
        if shortcut_bn:
            X_shortcut = BatchNormalization(axis=3, trainable=bn_trainable)(X_shortcut)
    if shortcut:
        X = Add()([X, X_shortcut])
    return Activation("relu")(X) if final_relu else X


def identity_block(X, f, filters, initializer=random_uniform, **mistakes):
    return block(X, f, filters, 1, initializer, **mistakes)


def convolutional_block(X, f, filters, s=2, initializer=glorot_uniform, **mistakes):
    return block(X, f, filters, s, initializer, projection=True, **mistakes)


STAGES = [([64, 64, 256], 3, 1), ([128, 128, 512], 4, 2), ([256, 256, 1024], 6, 2)]


def ResNet50(input_shape=(64, 64, 3), classes=6, stages=(*STAGES, ([512, 512, 2048], 3, 2))):  # noqa: N802
    X_input = Input(input_shape)
    X = ZeroPadding2D((3, 3))(X_input)
    X = Conv2D(64, (7, 7), strides=(2, 2), kernel_initializer=glorot_uniform(seed=0))(X)
    X = BatchNormalization(axis=3)(X)
    X = Activation("relu")(X)
    X = MaxPooling2D((3, 3), strides=(2, 2))(X)
    for filters, blocks, s in stages:
        X = convolutional_block(X, f=3, filters=filters, s=s)
        for _ in range(blocks - 1):
            X = identity_block(X, 3, filters)
    X = AveragePooling2D(pool_size=(2, 2))(X)
    X = Flatten()(X)
    X = Dense(classes, activation="softmax", kernel_initializer=glorot_uniform(seed=0))(X)
    return keras.Model(inputs=X_input, outputs=X)


# --- the NumPy reference ----------------------------------------------------------------------


def test_reference_reproduces_the_course_values_derived_by_hand():
    """Kernels of ones, inference mode: BN divides by √(1 + ε); 16 = 2×2 window × 4 channels."""
    c = 1 / np.sqrt(1 + BN_EPSILON)
    out = resnets.block_reference(resnets.course_input(), 2, (4, 4, 3), resnets.ones)
    interior = 3 * 4 * 16 * c**3 + 1  # input 1: conv 1×1 → 3, f×f → ·16, 1×1 → ·4
    assert np.isclose(out[1, 0, 0, 0], interior) and np.isclose(interior, 192.71236, atol=1e-5)
    assert np.isclose(out[1, 0, 3, 0], 3 * 4 * 8 * c**3 + 1)  # last column: half the window
    assert np.isclose(out[2, 3, 3, 0], 3 * (3 * 4 * 4 * c**3) + 3)  # corner: a quarter, input 3
    assert np.allclose(out[0], 0.0)  # input −1: every ReLU gives 0, and −1 + 0 → 0
    # the course's published numbers (mean over channels of rows 0 and 3)
    course = [[192.71236, 192.71236, 192.71236, 96.85619], [96.85619, 96.85619, 96.85619, 48.9281]]
    assert np.allclose(out[1][[0, -1]].mean(axis=2), course, atol=1e-4)


@pytest.mark.parametrize(
    ("stride", "padding", "size"), [(1, "same", 7), (2, "same", 7), (3, "valid", 8)]
)
def test_reference_convolution_and_batch_norm_agree_with_tensorflow(stride, padding, size):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, size, size + 1, 3))
    for f in (1, 2, 3):
        kernel = rng.standard_normal((f, f, 3, 4))
        expected = tf.nn.conv2d(x, kernel, stride, padding.upper()).numpy()
        got = resnets.conv2d_nhwc(x, kernel, stride, padding)
        np.testing.assert_allclose(got, expected, atol=1e-10)
    mean, variance = tf.nn.moments(tf.constant(x), axes=[0, 1, 2])
    expected = tf.nn.batch_normalization(x, mean, variance, None, None, BN_EPSILON).numpy()
    np.testing.assert_allclose(resnets.batch_norm(x, training=True), expected, atol=1e-10)


def test_wave_kernels_are_fixed_and_reach_keras_unchanged():
    initializer = resnets.keras_initializer(resnets.wave)(seed=0)
    values = keras.ops.convert_to_numpy(initializer((2, 2, 3, 4)))
    np.testing.assert_allclose(values, resnets.wave((2, 2, 3, 4)), atol=1e-7)
    assert resnets.wave((3,))[0] == pytest.approx(0.5 * np.cos(0.3))


# --- the blocks: correct work passes ----------------------------------------------------------


@pytest.mark.parametrize(
    ("test", "implementation"),
    [
        (resnets.identity_block_test, identity_block),
        (resnets.convolutional_block_test, convolutional_block),
    ],
)
def test_correct_blocks_pass(test, implementation, capsys):
    assert_passes(capsys, test, implementation)


def test_block_with_relu_layers_and_shortcut_first_also_passes(capsys):
    """The order of the code and ReLU() instead of Activation("relu") do not matter here."""

    def convolutional(X, f, filters, s=2, initializer=glorot_uniform):
        F1, F2, F3 = filters
        shortcut = Conv2D(F3, 1, strides=s, kernel_initializer=initializer(seed=0))(X)
        shortcut = BatchNormalization(axis=3)(shortcut)
        X = Conv2D(F1, 1, strides=s, kernel_initializer=initializer(seed=0))(X)
        X = ReLU()(BatchNormalization(axis=3)(X))
        X = Conv2D(F2, f, padding="same", kernel_initializer=initializer(seed=0))(X)
        X = ReLU()(BatchNormalization(axis=3)(X))
        X = Conv2D(F3, 1, kernel_initializer=initializer(seed=0))(X)
        return ReLU()(Add()([shortcut, BatchNormalization(axis=3)(X)]))

    assert_passes(capsys, resnets.convolutional_block_test, convolutional)


# --- the blocks: wrong work is explained ------------------------------------------------------


@pytest.mark.parametrize(
    ("mistake", "expected"),
    [
        ({"shortcut": False}, "the shortcut is missing"),
        ({"relu_before_add": True}, "add the shortcut first, then apply the ReLU"),
        ({"final_relu": False}, "the ReLU after the addition is missing"),
        ({"bn_trainable": False}, "BatchNormalization used the moving statistics"),
    ],
)
def test_identity_block_mistakes_are_named(mistake, expected):
    message = failure(
        resnets.identity_block_test, lambda X, f, F, **kw: identity_block(X, f, F, **kw, **mistake)
    )
    assert expected in message, message
    assert "identity_block" in message and "training=" in message


@pytest.mark.parametrize(
    ("mistake", "expected"),
    [
        ({"stride_on_middle": True}, "the stride s belongs to the first 1×1 convolution"),
        ({"shortcut_bn": False}, "the shortcut needs its BatchNormalization"),
        ({"shortcut": False}, "the shortcut is missing"),
    ],
)
def test_convolutional_block_mistakes_are_named(mistake, expected):
    def wrong(X, f, filters, s=2, initializer=glorot_uniform):
        return convolutional_block(X, f, filters, s, initializer, **mistake)

    message = failure(resnets.convolutional_block_test, wrong)
    assert expected in message, message


def test_an_unrecognised_error_shows_the_worst_value_and_the_recipe():
    def ignores_initializer(X, f, filters, initializer=random_uniform):
        return identity_block(X, f, filters, initializer, use_initializer=False)

    message = failure(resnets.identity_block_test, ignores_initializer)
    assert "values are wrong; the largest error is at index" in message
    assert "kernel_initializer=initializer(seed=0)" in message


def test_wrong_shapes_get_the_size_formula():
    message = failure(
        resnets.identity_block_test,
        lambda X, f, F, initializer=random_uniform: identity_block(
            X, f, F, initializer, middle_padding="valid"
        ),
    )
    # the main path shrinks to 3×3, so Add() cannot add it to the 4×4 input
    assert "identity_block raised ValueError: " in message
    assert "built on a keras.Input; your code, line " in message
    assert "Conv2D f×f (same)" in message

    def no_stride(X, f, filters, s=2, initializer=glorot_uniform):
        return convolutional_block(X, f, filters, 1, initializer)

    message = failure(resnets.convolutional_block_test, no_stride)
    assert "(None, 4, 4, 6) but (None, 2, 2, 6) was expected" in message
    assert "⌊(n_H_prev − 1)/s⌋ + 1" in message


def test_stub_none_crash_and_numpy_results_are_explained():
    assert "not implemented yet" in failure(resnets.identity_block_test, not_implemented)
    assert "forget to `return X`" in failure(resnets.identity_block_test, returns_none)
    assert "must return the output tensor" in failure(
        resnets.identity_block_test, lambda X, *a, **k: np.zeros((3, 4, 4, 3))
    )

    def crashes(X, f, filters, initializer=random_uniform):
        return Conv2D(filters[0], 1, kernel_initializer=initializer)(X)  # not initializer(seed=0)

    message = failure(resnets.identity_block_test, crashes)
    assert "identity_block raised TypeError: " in message
    assert "in crashes: return Conv2D(filters[0], 1, kernel_initializer=initializer)(X)" in message


# --- ResNet50 ---------------------------------------------------------------------------------


def test_layer_table_adds_up_to_the_course_totals():
    rows, where = resnets.resnet50_layers((64, 64, 3), 6)
    assert len(rows) == len(where) == 177
    total = sum(row[2] for row in rows)
    moving = sum(row[2] // 2 for row in rows if row[0] == "BatchNormalization")
    assert total == resnets.RESNET50_PARAMS == 23_600_006
    assert total - moving == resnets.RESNET50_TRAINABLE == 23_546_886
    assert rows[5] == ["MaxPooling2D", (None, 15, 15, 64), 0, (3, 3), (2, 2), "valid"]
    assert rows[-4][1] == (None, 2, 2, 2048) and rows[-1] == [
        "Dense",
        (None, 6),
        12294,
        6,
        "softmax",
    ]
    assert where[13] == "stage 2, block 1 (convolutional): shortcut conv 1×1"


@pytest.fixture(scope="module")
def resnet50():
    """The correct ResNet50(input_shape=(64, 64, 3), classes=6), for the tests that only read it."""
    return ResNet50((64, 64, 3), 6)


def built(model):
    """A learner's ResNet50 that returns ``model``, built for the public test's arguments."""

    def learners(input_shape=(64, 64, 3), classes=6):
        if (input_shape, classes) == ((64, 64, 3), 6):
            return model
        return ResNet50(input_shape, classes)  # the arguments are used

    return learners


def test_layer_table_matches_a_keras_model_built_from_the_description(resnet50):
    assert summary(resnet50) == resnets.resnet50_layers((64, 64, 3), 6)[0]
    shape, classes = (96, 80, 1), 10
    assert summary(ResNet50(shape, classes)) == resnets.resnet50_layers(shape, classes)[0]


def test_correct_resnet50_passes(resnet50, capsys):
    assert_passes(capsys, resnets.ResNet50_test, built(resnet50))


def test_resnet50_with_a_stage_missing_a_block_says_where():
    fewer = [STAGES[0], STAGES[1], ([256, 256, 1024], 5, 2), ([512, 512, 2048], 3, 2)]
    message = failure(resnets.ResNet50_test, lambda **kw: ResNet50(**kw, stages=fewer))
    assert "the number of parameters: got" in message and "23600006 was expected" in message
    assert "it has 167 layers but 177 were expected" in message
    assert "(that layer should be stage 4, block 6 (identity): conv 1×1)" in message


def test_resnet50_without_softmax_or_model_is_explained(resnet50):
    def no_softmax(input_shape=(64, 64, 3), classes=6):
        model = ResNet50(input_shape, classes)  # its own: the last layer is changed
        model.layers[-1].activation = keras.activations.linear
        return model

    message = failure(resnets.ResNet50_test, no_softmax)
    assert "needs activation='softmax'" in message
    message = failure(resnets.ResNet50_test, lambda **kw: built(resnet50)(**kw).output)
    assert "must return a keras.Model" in message


def test_resnet50_that_crashes_is_explained():
    def crashes(input_shape=(64, 64, 3), classes=6):
        raise ValueError("the stages do not fit")

    assert failure(resnets.ResNet50_test, crashes) == (
        "ResNet50: 1 check(s) failed:\n"
        "  - ResNet50 raised ValueError: the stages do not fit — on "
        "ResNet50(input_shape=(64, 64, 3), classes=6); your code, line "
        f"{crashes.__code__.co_firstlineno + 1}, in crashes: "
        'raise ValueError("the stages do not fit") (hint: on a 64×64 input the sizes are 64 → 70 '
        "(zero padding 3) → 32 (conv 7×7, stride 2) → 15 (max pooling 3×3, stride 2) → 15, 8, 4, "
        "2 (stages 2–5, their convolutional blocks with s = 1, 2, 2, 2) → 1 (average pooling "
        "2×2): one stride of 2 too many leaves nothing to pool; each stage is a convolutional "
        "block, then identity blocks with the same filters)"
    )


def test_resnet50_with_stage_2_at_stride_2_is_told_where_and_why():
    def default_stride(input_shape=(64, 64, 3), classes=6):
        stages = [(STAGES[0][0], 3, 2), *STAGES[1:], ([512, 512, 2048], 3, 2)]
        return ResNet50(input_shape, classes, stages=stages)

    message = failure(resnets.ResNet50_test, default_stride)
    assert "in AveragePooling2D: Computed output size would be zero or negative" in message
    assert "built on a 128×128×3 input instead, where it fits: layer 6 is" in message
    assert "(that layer should be stage 2, block 1 (convolutional): conv 1×1)" in message
    assert "stage 2's convolutional block takes s=1" in message


def test_resnet50_that_ignores_its_arguments_is_told():
    message = failure(resnets.ResNet50_test, lambda **kw: ResNet50())
    assert "ResNet50(input_shape=(64, 64, 1), classes=3): the input shape: got" in message
    assert "the output shape: got (None, 6) but (None, 3) was expected" in message


@pytest.mark.parametrize(
    ("shape", "classes", "message"),
    [
        ((64, 64), 6, "input_shape: expected (n_H, n_W, n_C), got (64, 64)"),
        ((64, 64.0, 3), 6, "n_W: expected an int >= 1, got 64.0"),
        ((64, 64, 3), 0, "classes: expected an int >= 1, got 0"),
    ],
)
def test_layer_table_rejects_impossible_arguments(shape, classes, message):
    with pytest.raises(ValueError) as info:
        resnets.resnet50_layers(shape, classes)
    assert str(info.value) == message
