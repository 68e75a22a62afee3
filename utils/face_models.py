"""The face encoders of notebook 07: OpenFace's nn4.small2 and the compact encoder trained here.

- :func:`nn4_small2`: OpenFace's inception network, the course's FaceNet model, at 96×96×3
  channels-last (3,743,280 parameters with the batch-norm statistics).
- :func:`compact_encoder`: a small CNN that trains on a CPU, 32×32×3 (:data:`FACE_SIZE`) → 128-d;
  its trained weights ship with the course (``scripts/train_face_encoder.py``).
- :func:`encode`: the encodings of a stack of images, batch by batch.

Both encoders end with an L2 normalisation: every encoding lies on the unit sphere. FaceNet's
Inception-ResNet-v1 and its pretrained weights are in :mod:`utils.facenet`. Importing this module
does not import TensorFlow; the functions that need it import it.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

FACE_SIZE = 32  # the compact encoder's input: (32, 32, 3)


@functools.cache
def _layers():
    """Small custom layers (no Lambda: models stay loadable in safe mode)."""
    import keras
    import tensorflow as tf
    from keras import ops

    @keras.saving.register_keras_serializable(package="course_faces")
    class L2Normalize(keras.layers.Layer):
        """x / ‖x‖ along the last axis: every encoding lies on the unit sphere.

        (Keras's UnitNormalization computes the same value but a slightly different gradient:
        the shipped encoder was trained with this one, so its script reproduces it exactly.)
        """

        def call(self, x):
            return x / ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis=-1, keepdims=True), 1e-12))

    @keras.saving.register_keras_serializable(package="course_faces")
    class ToGray(keras.layers.Layer):
        """RGB → luminance (BT.709 weights), one channel."""

        def call(self, x):
            weights = ops.convert_to_tensor([0.2125, 0.7154, 0.0721], dtype=x.dtype)
            return ops.sum(x * weights, axis=-1, keepdims=True)

    @keras.saving.register_keras_serializable(package="course_faces")
    class LRN(keras.layers.Layer):
        """Local response normalisation across channels (OpenFace: size 5, α 1e-4, β 0.75)."""

        def call(self, x):
            return tf.nn.local_response_normalization(
                x, depth_radius=2, bias=1.0, alpha=1e-4 / 5, beta=0.75
            )

    @keras.saving.register_keras_serializable(package="course_faces")
    class L2Pooling2D(keras.layers.Layer):
        """L2 pooling: sqrt of the sum of squares over each 3×3 window, stride 3."""

        def call(self, x):
            pooled = ops.average_pool(ops.square(x), 3, strides=3, padding="valid")
            return ops.sqrt(pooled * 9.0 + 1e-12)

    return L2Normalize, ToGray, LRN, L2Pooling2D


# nn4.small2's inception blocks, in order: per branch, "3x3"/"5x5": (1×1 reduction, filters,
# stride), "pool": (max or l2, 1×1 projection filters or 0, zero padding), "1x1": filters.
NN4_SMALL2_BLOCKS = {
    "3a": {
        "3x3": (96, 128, 1),
        "5x5": (16, 32, 1),
        "pool": ("max", 32, ((3, 4), (3, 4))),
        "1x1": 64,
    },
    "3b": {"3x3": (96, 128, 1), "5x5": (32, 64, 1), "pool": ("l2", 64, 4), "1x1": 64},
    "3c": {"3x3": (128, 256, 2), "5x5": (32, 64, 2), "pool": ("max", 0, ((0, 1), (0, 1)))},
    "4a": {"3x3": (96, 192, 1), "5x5": (32, 64, 1), "pool": ("l2", 128, 2), "1x1": 256},
    "4e": {"3x3": (160, 256, 2), "5x5": (64, 128, 2), "pool": ("max", 0, ((0, 1), (0, 1)))},
    "5a": {"3x3": (96, 384, 1), "pool": ("l2", 96, 1), "1x1": 256},
    "5b": {"3x3": (96, 384, 1), "pool": ("max", 96, 1), "1x1": 256},
}


def nn4_small2(input_shape: tuple[int, int, int] = (96, 96, 3), embedding: int = 128):
    """OpenFace's nn4.small2 (the course's FaceNet encoder), channels-last, random weights.

    The layout of the course's ``faceRecoModel`` (its ``inception_blocks_v2``): a stem (7×7/2 conv
    64, max-pool, LRN, 1×1 conv 64, 3×3 conv 192, LRN, max-pool), inception blocks 3a, 3b, 3c
    (stride 2), 4a, 4e (stride 2), 5a, 5b, 3×3 average pooling, a dense layer of ``embedding``
    units and L2 normalisation. Every convolution has a bias and is followed by batch
    normalisation (ε = 1e-5) and a ReLU.

    Returns:
        A ``keras.Model`` named ``nn4_small2`` mapping (m, 96, 96, 3) to (m, embedding).
    """
    import keras
    from keras import layers

    l2_normalize, _, lrn, l2_pooling = _layers()
    if tuple(input_shape) != (96, 96, 3):
        raise ValueError(f"input_shape: nn4.small2 is defined for (96, 96, 3), got {input_shape}")

    def conv_bn(x, filters, kernel, name, strides=1, pad=0):
        if pad:
            x = layers.ZeroPadding2D(pad, name=f"{name}_pad")(x)
        x = layers.Conv2D(filters, kernel, strides=strides, name=f"{name}_conv")(x)
        x = layers.BatchNormalization(epsilon=1e-5, name=f"{name}_bn")(x)
        return layers.Activation("relu", name=f"{name}_relu")(x)

    def reduce_conv(x, reduce, filters, kernel, name, strides=1):
        x = conv_bn(x, reduce, 1, f"{name}_1")
        return conv_bn(x, filters, kernel, f"{name}_2", strides=strides, pad=kernel // 2)

    def pool_branch(x, kind, filters, pad, name):
        if kind == "max":
            x = layers.MaxPooling2D(3, strides=2, name=f"{name}_maxpool")(x)
        else:
            x = l2_pooling(name=f"{name}_l2pool")(x)
        if filters:
            x = conv_bn(x, filters, 1, f"{name}_proj")
        return layers.ZeroPadding2D(pad, name=f"{name}_pad")(x)

    inputs = keras.Input(input_shape, name="image")
    x = conv_bn(inputs, 64, 7, "conv1", strides=2, pad=3)
    x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = lrn(name="lrn1")(x)
    x = conv_bn(x, 64, 1, "conv2")
    x = conv_bn(x, 192, 3, "conv3", pad=1)
    x = lrn(name="lrn2")(x)
    x = layers.ZeroPadding2D(1, name="pool2_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool2")(x)

    for name, branches in NN4_SMALL2_BLOCKS.items():
        outputs = []
        for branch, spec in branches.items():
            label = f"{name}_{branch}"
            if branch == "pool":
                outputs.append(pool_branch(x, *spec, label))
            elif branch == "1x1":
                outputs.append(conv_bn(x, spec, 1, label))
            else:  # "3x3" or "5x5": a 1×1 reduction, then the k×k convolution
                reduce, filters, strides = spec
                kernel = {"3x3": 3, "5x5": 5}[branch]
                outputs.append(reduce_conv(x, reduce, filters, kernel, label, strides))
        x = layers.Concatenate(name=f"{name}_concat")(outputs)
    x = layers.AveragePooling2D(3, strides=1, name="avgpool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(embedding, name="dense")(x)
    outputs = l2_normalize(name="l2_normalize")(x)
    return keras.Model(inputs, outputs, name="nn4_small2")


def compact_encoder(input_shape: tuple[int, int, int] = (FACE_SIZE, FACE_SIZE, 3), embedding=128):
    """The small encoder the course trains on a CPU: 32×32×3 → 128-d on the unit sphere.

    Grayscale (the offline faces are gray, so colour is not a cue), then three stages of two 3×3
    convolutions (32, 64, 128 filters, batch norm, ReLU; 2×2 max-pooling between stages), global
    average pooling, a dense layer of ``embedding`` units and L2 normalisation. Layers have fixed
    names so that ``load_weights`` works whatever was built before.
    """
    import keras
    from keras import layers

    l2_normalize, to_gray, _, _ = _layers()
    if len(input_shape) != 3 or input_shape[-1] != 3:
        raise ValueError(f"input_shape: expected (height, width, 3), got {input_shape!r}")
    inputs = keras.Input(input_shape, name="face")
    x = to_gray(name="gray")(inputs)
    for stage, filters in enumerate((32, 64, 128), start=1):
        for conv in (1, 2):
            name = f"s{stage}c{conv}"
            x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv")(x)
            x = layers.BatchNormalization(momentum=0.9, name=f"{name}_bn")(x)
            x = layers.Activation("relu", name=f"{name}_relu")(x)
        if stage < 3:
            x = layers.MaxPooling2D(2, name=f"s{stage}_pool")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dense(embedding, name="dense")(x)
    outputs = l2_normalize(name="l2_normalize")(x)
    return keras.Model(inputs, outputs, name="compact_encoder")


def encode(model: Any, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Encodings of a stack of model-ready images, (m, d) float32, in fixed-size batches."""
    images = np.asarray(images, dtype=np.float32)
    out = [
        np.asarray(model(images[start : start + batch_size], training=False))
        for start in range(0, len(images), batch_size)
    ]
    return np.concatenate(out) if out else np.zeros((0, model.output.shape[-1]), np.float32)
