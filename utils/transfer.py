"""Transfer learning offline: the compact MobileNetV2 the course pre-trains, and its digits.

Notebook 09 transfers a pre-trained MobileNetV2 to a task with 100 training images. Online that is
Keras's ImageNet MobileNetV2; offline it is :func:`mobilenet_v2_small`, pre-trained by
``python -m scripts.pretrain_mobilenet`` on the digits 0–4 of :func:`framed_digits` and shipped in
``weights/`` (asset :data:`PRETRAINED_WEIGHTS`). :func:`classifier` puts a new softmax on either
backbone. What the notebook and the script share is here: the pre-training task
(:func:`pretraining_digits`) and network (:func:`pretraining_model`). None of this is a graded
exercise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from utils.checks import require_int

# (expansion t, output channels c, stride s) of each inverted residual block, as in the
# MobileNetV2 paper's Table 2; the first block has no expansion layer.
MOBILENET_V2_SMALL_BLOCKS = ((1, 16, 1), (4, 24, 2), (4, 24, 1), (4, 48, 2), (4, 48, 1))
MOBILENET_V2_SMALL_LAST_CHANNELS = 192
BN_MOMENTUM = 0.9  # short trainings: the moving statistics must follow (see notebook 05)
# The pre-training of the shipped backbone: its weights, input shape and task (the digits 0–4).
PRETRAINED_WEIGHTS = "mobilenet_v2_small_digits"  # the asset (utils.assets.resolve)
PRETRAINING_SHAPE = (32, 32, 3)
PRETRAINING_DIGITS = range(5)


def framed_digits(
    *, size: int = 32, channels: int = 3, digits: Sequence[int] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Offline digits drawn in the middle 5/8 of a black size×size frame, split as load_digits.

    ``utils.datasets.load_digits(size=5 * size // 8, ...)`` padded with zeros on every side: at
    ``size=32`` a 20×20 digit with a 6-pixel margin, as MNIST draws 20×20 digits in 28×28 frames,
    so that crops and small shifts keep the whole digit.

    Args:
        size: height and width of the frame in pixels (>= 16).
        channels: 1 or 3 (the grey value repeated, for RGB networks).
        digits: the digits to keep, e.g. ``range(5)``; None keeps 0–9. Labels are positions in
            this sequence.

    Returns:
        ``(X_train, Y_train, X_test, Y_test, classes)`` as ``load_digits`` returns them, with X of
        shape (m, size, size, channels), float32 in [0, 1].
    """
    from utils.datasets import load_digits

    size = require_int(size, "size", minimum=16)
    inner = 5 * size // 8
    before, after = (size - inner) // 2, size - inner - (size - inner) // 2
    X_train, Y_train, X_test, Y_test, classes = load_digits(
        size=inner, channels=channels, digits=digits
    )
    margins = ((0, 0), (before, after), (before, after), (0, 0))
    return np.pad(X_train, margins), Y_train, np.pad(X_test, margins), Y_test, classes


def mobilenet_v2_small(input_shape: tuple[int, int, int] = (32, 32, 3)) -> Any:
    """A compact MobileNetV2 backbone (no top): images in [-1, 1] → feature maps.

    The first stages of MobileNetV2 (Sandler et al., 2018): ``Conv1`` 3×3/2 (16 filters) → BN →
    ReLU6; the inverted residual blocks :data:`MOBILENET_V2_SMALL_BLOCKS` (1×1 expansion → BN →
    ReLU6 → 3×3 depthwise → BN → ReLU6 → 1×1 linear projection → BN, plus the input when the shapes
    match; expansion 4 instead of 6, to stay small); ``Conv_1`` 1×1 (192) → BN → ReLU6. No biases
    (batch normalisation follows every convolution); BN momentum :data:`BN_MOMENTUM`. Layers are
    named as in ``keras.applications.MobileNetV2`` (``Conv1``, ``expanded_conv_*``,
    ``block_<i>_*``, ``Conv_1``, ``out_relu``), so code that freezes "the layers before
    ``block_3_expand``" works on both, and weights load whatever was built before.

    Args:
        input_shape: (height, width, channels); height and width >= 8.

    Returns:
        An uncompiled ``keras.Model`` named ``"mobilenet_v2_small"`` mapping (m, *input_shape)
        images scaled to [-1, 1] to (m, ⌈height/8⌉, ⌈width/8⌉, 192) features; 51,712 parameters
        for 3 input channels.
    """
    import keras
    from keras import layers

    if (
        not isinstance(input_shape, tuple | list)
        or len(input_shape) != 3
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in input_shape)
        or min(input_shape[:2]) < 8
        or input_shape[2] < 1
    ):
        raise ValueError(
            f"input_shape: expected (height, width, channels) with height, width >= 8, got "
            f"{input_shape!r}"
        )

    def conv_bn(x, filters, kernel, stride, name, bn_name):
        x = layers.Conv2D(
            filters, kernel, strides=stride, padding="same", use_bias=False, name=name
        )(x)
        return layers.BatchNormalization(momentum=BN_MOMENTUM, name=bn_name)(x)

    def inverted_residual(x, expansion, filters, stride, prefix):
        shortcut, channels = x, x.shape[-1]
        if expansion != 1:
            x = conv_bn(x, expansion * channels, 1, 1, f"{prefix}expand", f"{prefix}expand_BN")
            x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
        x = layers.DepthwiseConv2D(
            3, strides=stride, padding="same", use_bias=False, name=f"{prefix}depthwise"
        )(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{prefix}depthwise_BN")(x)
        x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
        x = conv_bn(x, filters, 1, 1, f"{prefix}project", f"{prefix}project_BN")
        if stride == 1 and channels == filters:
            x = layers.Add(name=f"{prefix}add")([shortcut, x])
        return x

    inputs = keras.Input(tuple(input_shape), name="image")
    x = layers.ReLU(6.0, name="Conv1_relu")(conv_bn(inputs, 16, 3, 2, "Conv1", "bn_Conv1"))
    for index, (expansion, filters, stride) in enumerate(MOBILENET_V2_SMALL_BLOCKS):
        prefix = "expanded_conv_" if index == 0 else f"block_{index}_"
        x = inverted_residual(x, expansion, filters, stride, prefix)
    x = conv_bn(x, MOBILENET_V2_SMALL_LAST_CHANNELS, 1, 1, "Conv_1", "Conv_1_bn")
    outputs = layers.ReLU(6.0, name="out_relu")(x)
    return keras.Model(inputs, outputs, name="mobilenet_v2_small")


def classifier(base: Any, classes: int) -> Any:
    """A new softmax classifier on top of a backbone: the model to pre-train or to transfer.

    Images in [0, 1] → ``Rescaling`` to [-1, 1] (MobileNetV2's input range) → ``base`` →
    global average pooling → ``Dense(classes, softmax)``.

    To keep the backbone's batch normalisation on its moving statistics while fine-tuning, freeze
    those layers (``layer.trainable = False``): in Keras 3, ``fit`` calls every layer with
    ``training=True``, even inside a backbone called with ``training=False``
    (keras-team/keras#20285), and only a frozen ``BatchNormalization`` ignores it.

    Args:
        base: a backbone ``keras.Model`` (:func:`mobilenet_v2_small`, or Keras's MobileNetV2 built
            with ``include_top=False``).
        classes: number of output classes (>= 2).

    Returns:
        An uncompiled ``keras.Model`` mapping (m, H, W, C) images to (m, classes) probabilities.
    """
    import keras
    from keras import layers

    if not isinstance(base, keras.Model):
        raise ValueError(f"base: expected a keras.Model, got {type(base).__name__}")
    classes = require_int(classes, "classes", minimum=2)
    inputs = keras.Input(base.input.shape[1:], name="pixels")
    x = layers.Rescaling(2.0, offset=-1.0, name="to_minus1_1")(inputs)
    x = layers.GlobalAveragePooling2D(name="pool")(base(x))
    outputs = layers.Dense(classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=f"{base.name}_classifier")


def pretraining_digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The pre-training task: the digits 0–4 in 32×32×3 frames (:func:`framed_digits`).

    Returns:
        ``(X_train, Y_train, X_test, Y_test, classes)``: 720 training and 181 test images
        (m, 32, 32, 3) float32 in [0, 1], integer labels 0–4.
    """
    size, _, channels = PRETRAINING_SHAPE
    return framed_digits(size=size, channels=channels, digits=PRETRAINING_DIGITS)


def pretraining_model() -> Any:
    """The pre-training network, random weights: :func:`mobilenet_v2_small` with a 5-way softmax.

    (m, 32, 32, 3) images in [0, 1] → (m, 5) probabilities; 52,677 parameters. The shipped file
    :data:`PRETRAINED_WEIGHTS` holds its weights; ``get_layer("mobilenet_v2_small")`` is the
    backbone.
    """
    return classifier(mobilenet_v2_small(PRETRAINING_SHAPE), len(PRETRAINING_DIGITS))
