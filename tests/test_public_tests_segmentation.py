"""The public tests of notebook 10 pass correct work and explain what is wrong with wrong work.

The correct implementations below are written here from the definitions (a scatter-add transposed
convolution in NumPy, the course's U-Net blocks, IoU from boolean masks), with switches that
introduce the usual mistakes.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras.layers import Conv2D, Conv2DTranspose, Dropout, Input, MaxPooling2D, concatenate

from tests.public_test_helpers import (
    assert_mentions,
    assert_passes,
    failure,
    not_implemented,
    returns_none,
)
from utils.public_tests import segmentation as seg
from utils.testing import summary

# --- transposed convolution -------------------------------------------------------------------


def conv_transpose(
    A_prev,
    W,
    b,
    hparameters,
    *,
    flip=None,
    ignore_pad=False,
    ignore_stride=False,
    no_bias=False,
    gather=False,
):
    """Scatter-add transposed convolution; ``gather=True`` computes it as "spread the input with
    zeros, pad by f − 1, correlate with the 180°-rotated kernel" (the equivalent form)."""
    stride = 1 if ignore_stride else hparameters["stride"]
    pad = 0 if ignore_pad else hparameters["pad"]
    if flip == "both":
        W = W[::-1, ::-1]
    elif flip == "rows":
        W = W[::-1]
    elif flip == "cols":
        W = W[:, ::-1]
    m, n_h, n_w, _ = A_prev.shape
    f, _, _, n_c = W.shape
    if gather:
        spread = np.zeros((m, (n_h - 1) * stride + 1, (n_w - 1) * stride + 1, A_prev.shape[-1]))
        spread[:, ::stride, ::stride] = A_prev
        padded = np.pad(spread, ((0, 0), (f - 1, f - 1), (f - 1, f - 1), (0, 0)))
        rotated = W[::-1, ::-1]
        out_h, out_w = padded.shape[1] - f + 1, padded.shape[2] - f + 1
        full = np.zeros((m, out_h, out_w, n_c))
        for h in range(out_h):
            for w in range(out_w):
                window = padded[:, h : h + f, w : w + f, :]
                full[:, h, w, :] = np.einsum("mabk,abkc->mc", window, rotated)
    else:
        full = np.zeros((m, (n_h - 1) * stride + f, (n_w - 1) * stride + f, n_c))
        for h in range(n_h):
            for w in range(n_w):
                patch = np.einsum("mk,abkc->mabc", A_prev[:, h, w, :], W)
                full[:, h * stride : h * stride + f, w * stride : w * stride + f, :] += patch
    Z = full[:, pad : full.shape[1] - pad, pad : full.shape[2] - pad, :]
    return Z if no_bias else Z + b


def variant(**mistake):
    return lambda A_prev, W, b, hparameters: conv_transpose(A_prev, W, b, hparameters, **mistake)


def test_correct_conv_transpose_passes_in_both_forms(capsys):
    assert_passes(capsys, seg.conv_transpose_test, conv_transpose)
    assert_passes(capsys, seg.conv_transpose_test, variant(gather=True))


def test_the_keras_reference_agrees_with_keras_same_padding():
    """Keras's padding='same' (f = 3, stride 2) keeps the first 2·n rows of the full output."""
    rng = np.random.default_rng(0)
    x, W = rng.standard_normal((1, 4, 3, 2)), rng.standard_normal((3, 3, 2, 5))
    full = seg.keras_conv_transpose(x, W, np.zeros(5), 2, 0)
    layer = keras.layers.Conv2DTranspose(5, 3, strides=2, padding="same", use_bias=False)
    layer.build(x.shape)
    layer.set_weights([W.transpose(0, 1, 3, 2)])
    same = keras.ops.convert_to_numpy(layer(x.astype("float32")))
    np.testing.assert_allclose(same, full[:, :-1, :-1], atol=1e-5)
    np.testing.assert_allclose(conv_transpose(x, W, 0, {"stride": 2, "pad": 0}), full, atol=1e-9)


@pytest.mark.parametrize(
    ("mistake", "fragments"),
    [
        ({"flip": "both"}, ["the kernel is flipped (rotated by 180°)", "W as it is"]),
        (  # spread with zeros and convolve, but forget to rotate the kernel
            {"gather": True, "flip": "both"},
            ["the kernel is flipped (rotated by 180°)", "'spread with zeros, then convolve'"],
        ),
        ({"flip": "rows"}, ["flipped upside down (rows only)"]),
        ({"flip": "cols"}, ["flipped left-right (columns only)"]),
        ({"no_bias": True}, ["the bias b is missing"]),
        ({"ignore_pad": True}, ["the padding is ignored", "(n_H_prev − 1)·stride − 2·pad + f"]),
        ({"ignore_stride": True}, ["the stride is ignored", "(h·stride, w·stride)"]),
    ],
)
def test_conv_transpose_mistakes_are_named(mistake, fragments):
    message = failure(seg.conv_transpose_test, variant(**mistake))
    assert_mentions(message, "conv_transpose", *fragments)


def test_conv_transpose_with_keras_same_size_or_in_place_edit_is_explained():
    def same_size(A_prev, W, b, hparameters):
        s = hparameters["stride"]
        Z = conv_transpose(A_prev, W, b, {"stride": s, "pad": 0})
        return Z[:, : A_prev.shape[1] * s, : A_prev.shape[2] * s]

    assert_mentions(failure(seg.conv_transpose_test, same_size), "padding='same' size")

    def edits_input(A_prev, W, b, hparameters):
        A_prev *= 1.0
        A_prev[0, 0, 0, 0] = 0.0
        return conv_transpose(A_prev, W, b, hparameters)

    assert_mentions(failure(seg.conv_transpose_test, edits_input), "modified its input A_prev")


def test_conv_transpose_stub_and_none_are_explained():
    assert "not implemented yet" in failure(seg.conv_transpose_test, not_implemented)
    assert "forget to `return Z`" in failure(seg.conv_transpose_test, returns_none)
    with pytest.raises(TypeError, match="the function conv_transpose itself"):
        seg.conv_transpose_test(np.zeros(3))


# --- U-Net ------------------------------------------------------------------------------------


def conv(filters, initializer="he_normal", activation="relu", padding="same"):
    return Conv2D(
        filters, 3, activation=activation, padding=padding, kernel_initializer=initializer
    )


def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True, *, mistake=None):
    x = conv(n_filters)(inputs)
    init = "glorot_uniform" if mistake == "initializer" else "he_normal"
    x = conv(n_filters, initializer=init)(x)
    if dropout_prob > 0 and mistake != "no_dropout":
        x = Dropout(dropout_prob)(x)
    skip = x
    pool = (max_pooling or mistake == "always_pool") and mistake != "never_pool"
    next_layer = MaxPooling2D(pool_size=(2, 2))(x) if pool else x
    if mistake == "skip_after_pool":
        skip = next_layer
    if mistake == "swapped":
        return skip, next_layer
    return next_layer, skip


def upsampling_block(expansive_input, contractive_input, n_filters=32, *, mistake=None):
    up = Conv2DTranspose(n_filters, 3, strides=(2, 2), padding="same")(expansive_input)
    if mistake == "no_skip":
        merge = up
    elif mistake == "order":
        merge = concatenate([contractive_input, up], axis=3)
    else:
        merge = concatenate([up, contractive_input], axis=3)
    x = conv(n_filters)(merge)
    return conv(n_filters)(x)


def unet_model(input_size=(96, 128, 3), n_filters=32, n_classes=23, *, mistake=None):
    inputs = Input(input_size)
    c1 = conv_block(inputs, n_filters)
    c2 = conv_block(c1[0], n_filters * 2)
    c3 = conv_block(c2[0], n_filters * 4)
    c4 = conv_block(c3[0], n_filters * 8, dropout_prob=0.3)
    c5 = conv_block(c4[0], n_filters * 16, dropout_prob=0.3, max_pooling=False)
    u6 = upsampling_block(c5[0], c4[1], n_filters * 8)
    u7 = upsampling_block(u6, c3[1], n_filters * 4)
    u8 = upsampling_block(u7, c2[1], n_filters * 2)
    u9 = upsampling_block(u8, c1[1], n_filters * (2 if mistake == "filters" else 1))
    x = conv(n_filters)(u9)
    classes = n_classes - 1 if mistake == "classes" else n_classes
    activation = "softmax" if mistake == "softmax" else None
    outputs = Conv2D(classes, 1, padding="same", activation=activation)(x)
    return keras.Model(inputs=inputs, outputs=outputs)


def test_correct_blocks_pass(capsys):
    assert_passes(capsys, seg.conv_block_test, conv_block)
    assert_passes(capsys, seg.upsampling_block_test, upsampling_block)


@pytest.mark.parametrize(
    ("mistake", "fragments"),
    [
        ("no_dropout", ["dropout_prob=0.3 but the block has no Dropout layer"]),
        ("never_pool", ["max_pooling=True: next_layer = MaxPooling2D(pool_size=(2, 2))(conv)"]),
        ("always_pool", ["max_pooling=False: no pooling"]),
        ("skip_after_pool", ["the skip connection is the block's features BEFORE the pooling"]),
        ("swapped", ["return (next_layer, skip_connection) in that order"]),
        ("initializer", ["kernel_initializer GlorotUniform but 'he_normal' was expected"]),
    ],
)
def test_conv_block_mistakes_are_named(mistake, fragments):
    message = failure(
        seg.conv_block_test, lambda i, n, d, p: conv_block(i, n, d, p, mistake=mistake)
    )
    assert_mentions(message, "conv_block(inputs", *fragments)


def test_conv_block_with_dropout_when_none_is_asked_or_wrong_activation():
    def always_dropout(inputs, n_filters, dropout_prob=0, max_pooling=True):
        x = Dropout(dropout_prob)(conv(n_filters)(conv(n_filters)(inputs)))
        return (MaxPooling2D((2, 2))(x) if max_pooling else x), x

    assert_mentions(failure(seg.conv_block_test, always_dropout), "dropout_prob=0 but")

    def linear(inputs, n_filters, dropout_prob=0, max_pooling=True):
        x = conv(n_filters, activation=None)(inputs)
        x = conv(n_filters)(x)
        x = Dropout(dropout_prob)(x) if dropout_prob > 0 else x
        return (MaxPooling2D((2, 2))(x) if max_pooling else x), x

    assert_mentions(failure(seg.conv_block_test, linear), "layer 1 is", "'linear'", "'relu']")


def test_conv_block_stub_none_and_crash_are_explained():
    assert "not implemented yet" in failure(seg.conv_block_test, not_implemented)
    assert "forget `return next_layer, skip_connection`" in failure(
        seg.conv_block_test, returns_none
    )
    message = failure(seg.conv_block_test, lambda i, n, d, p: conv(n)(i))
    assert "must return two tensors (next_layer, skip_connection)" in message

    def crashes(inputs, n_filters, dropout_prob, max_pooling):
        return Conv2D(n_filters, 3, kernel_initializer="he_nrmal")(inputs), inputs

    assert "raised ValueError" in failure(seg.conv_block_test, crashes)


@pytest.mark.parametrize(
    ("mistake", "fragments"),
    [
        ("no_skip", ["the skip connection is missing", "concatenate([up, contractive_input]"]),
        ("order", ["the order is [up, contractive_input]", "['InputLayer', 'Conv2DTranspose']"]),
    ],
)
def test_upsampling_block_mistakes_are_named(mistake, fragments):
    message = failure(
        seg.upsampling_block_test,
        lambda e, c, n: upsampling_block(e, c, n, mistake=mistake),
    )
    assert_mentions(message, "upsampling_block(expansive", *fragments)


def test_upsampling_block_with_wrong_layers_is_explained():
    def no_stride(expansive_input, contractive_input, n_filters=32):
        up = Conv2DTranspose(n_filters, 3, padding="same")(expansive_input)
        up = keras.layers.UpSampling2D()(up)
        return conv(n_filters)(conv(n_filters)(concatenate([up, contractive_input])))

    message = failure(seg.upsampling_block_test, no_stride)
    assert_mentions(message, "the concatenation joins the outputs of ['UpSampling2D'")

    def kernel_2(expansive_input, contractive_input, n_filters=32):
        up = Conv2DTranspose(n_filters, 2, strides=2, padding="same")(expansive_input)
        return conv(n_filters)(conv(n_filters)(concatenate([up, contractive_input], axis=3)))

    message = failure(seg.upsampling_block_test, kernel_2)
    assert_mentions(message, "layer 0 is ['Conv2DTranspose'", "(2, 2), (2, 2), 'same'")
    assert "not implemented yet" in failure(seg.upsampling_block_test, not_implemented)
    assert "forget to `return conv`" in failure(seg.upsampling_block_test, returns_none)


def test_layer_table_adds_up_to_the_course_total():
    rows, where = seg.unet_layers()
    assert len(rows) == len(where) == 35
    assert sum(row[2] for row in rows) == seg.UNET_PARAMS == 8_640_471
    assert rows[12] == ["Dropout", (None, 12, 16, 256), 0, 0.3]
    assert where[-1].startswith("the output: Conv2D(n_classes, 1")


@pytest.fixture(scope="module")
def unet():
    return unet_model()


def test_layer_tables_match_keras_models_built_from_the_description(unet):
    assert summary(unet) == seg.unet_layers()[0]
    assert summary(unet_model((64, 64, 1), 4, 5)) == seg.unet_layers((64, 64, 1), 4, 5)[0]
    inputs = Input((8, 6, 3))
    block = keras.Model(inputs, list(conv_block(inputs, 5, 0.2, True)))
    assert summary(block) == seg.conv_block_layers((8, 6, 3), 5, 0.2, True)


def test_correct_unet_passes(unet, capsys):
    def built(input_size=(96, 128, 3), n_filters=32, n_classes=23):
        if (input_size, n_filters, n_classes) == ((96, 128, 3), 32, 23):
            return unet
        return unet_model(input_size, n_filters, n_classes)

    assert_passes(capsys, seg.unet_model_test, built)


@pytest.mark.parametrize(
    ("mistake", "fragments"),
    [
        (
            "classes",
            [
                "(None, 96, 128, 22) but (None, 96, 128, 23) was expected",
                "the last layer is Conv2D(n_classes, 1, padding='same')",
            ],
        ),
        ("softmax", ["'softmax'] but", "no activation"]),
        ("filters", ["the number of parameters: got", "decoder block 4 (1·n_filters)"]),
    ],
)
def test_unet_mistakes_are_named(mistake, fragments):
    message = failure(seg.unet_model_test, lambda **kw: unet_model(**kw, mistake=mistake))
    assert_mentions(message, "unet_model((96, 128, 3), n_filters=32, n_classes=23)", *fragments)


def test_unet_with_hardcoded_settings_or_not_a_model_is_explained(unet):
    message = failure(seg.unet_model_test, lambda **kw: unet)
    assert_mentions(message, "unet_model((64, 64, 1), n_filters=4, n_classes=5): the output has")
    assert "must return a keras.Model" in failure(seg.unet_model_test, lambda **kw: unet.output)
    assert "not implemented yet" in failure(seg.unet_model_test, not_implemented)


# --- mean IoU ---------------------------------------------------------------------------------


def mean_iou(y_true, y_pred, n_classes, *, mistake=None):
    iou = np.full(n_classes, np.nan)
    for k in range(n_classes):
        a, b = y_true == k, y_pred == k
        inter = np.sum(a & b)
        union = np.sum(a | b)
        if mistake == "no_subtraction":
            union = a.sum() + b.sum()
        if mistake == "dice":
            union = (a.sum() + b.sum()) / 2
        if union > 0:
            iou[k] = inter / union
        elif mistake == "zero_absent":
            iou[k] = 0.0
    mean = np.nanmean(iou)
    if mistake == "mean_with_zeros":
        mean = np.nan_to_num(iou).mean()
    return mean, iou


def test_correct_mean_iou_passes_and_the_hand_case_holds(capsys):
    assert_passes(capsys, seg.mean_iou_test, mean_iou)
    y_true = np.array([[0, 0, 0, 1], [1, 2, 2, 2]])
    y_pred = np.array([[0, 0, 1, 1], [2, 2, 2, 2]])
    mean, iou = seg.keras_ious(y_true, y_pred, 3)
    np.testing.assert_allclose(iou, [2 / 3, 1 / 3, 3 / 4], atol=1e-6)
    assert mean == pytest.approx((2 / 3 + 1 / 3 + 3 / 4) / 3, abs=1e-6)


@pytest.mark.parametrize(
    ("mistake", "fragment"),
    [
        ("no_subtraction", "union = |true| + |predicted| − intersection"),
        ("dice", "that is the Dice coefficient"),
        ("zero_absent", "their IoU is 0/0: return NaN for them"),
        ("mean_with_zeros", "absent classes were counted as 0"),
    ],
)
def test_mean_iou_mistakes_are_named(mistake, fragment):
    message = failure(seg.mean_iou_test, lambda t, p, n: mean_iou(t, p, n, mistake=mistake))
    assert_mentions(message, "mean_iou", fragment)


def test_mean_iou_stub_none_and_wrong_return_are_explained():
    assert "not implemented yet" in failure(seg.mean_iou_test, not_implemented)
    assert "forget `return mean, iou`" in failure(seg.mean_iou_test, returns_none)
    message = failure(seg.mean_iou_test, lambda t, p, n: mean_iou(t, p, n)[0])
    assert "must return two values (mean, iou)" in message
