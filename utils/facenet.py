"""FaceNet's Inception-ResNet-v1 in Keras 3, and its pretrained 128-d weights (notebook 07).

The course's pretrained face encoder is FaceNet (Schroff et al., 2015) as David Sandberg's
TensorFlow port trained it: Inception-ResNet-v1 (Szegedy et al., 2016) at 160×160×3, a 128-unit
bottleneck and L2 normalisation; model ``20170512-110547``, trained on MS-Celeb-1M (99.2% on LFW,
as reported by the port). Its weights, converted to a Keras HDF5 weights file by the
``keras-facenet`` package, are the asset ``facenet_20170512_110547`` (≈ 90 MB, not shipped; the
SHA-256 is the one that package pins for the file). Offline, notebook 07 uses the compact encoder
it trains on the offline face set instead.

- :func:`inception_resnet_v1` builds the network with the layer names of that file (the TF-slim
  scope names of the original checkpoint), so the weights load by name.
- :func:`load_facenet` builds it and loads a weights file, after checking that the file holds
  weights for every layer that has some (Keras's by-name loading would skip a missing one
  silently).
- :func:`facenet_inputs` turns face photos into the model's input (160×160, per-image
  standardisation: :func:`prewhiten`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

ASSET = "facenet_20170512_110547"
INPUT_SIZE = 160
EMBEDDING_SIZE = 128
# (scale of the residual, branches); a branch is a list of (name, filters, kernel) convolutions.
BLOCKS = {
    "Block35": (
        0.17,
        [
            [("Conv2d_1x1", 32, 1)],
            [("Conv2d_0a_1x1", 32, 1), ("Conv2d_0b_3x3", 32, 3)],
            [("Conv2d_0a_1x1", 32, 1), ("Conv2d_0b_3x3", 32, 3), ("Conv2d_0c_3x3", 32, 3)],
        ],
    ),
    "Block17": (
        0.10,
        [
            [("Conv2d_1x1", 128, 1)],
            [
                ("Conv2d_0a_1x1", 128, 1),
                ("Conv2d_0b_1x7", 128, (1, 7)),
                ("Conv2d_0c_7x1", 128, (7, 1)),
            ],
        ],
    ),
    "Block8": (
        0.20,
        [
            [("Conv2d_1x1", 192, 1)],
            [
                ("Conv2d_0a_1x1", 192, 1),
                ("Conv2d_0b_1x3", 192, (1, 3)),
                ("Conv2d_0c_3x1", 192, (3, 1)),
            ],
        ],
    ),
}
# Reduction blocks: convolution branches as (name, filters, kernel, strides), where a stride of 2
# means a "valid" 3×3 reduction; a 3×3/2 max-pool branch comes last.
REDUCTIONS = {
    "Mixed_6a": [
        [("Conv2d_1a_3x3", 384, 3, 2)],
        [("Conv2d_0a_1x1", 192, 1, 1), ("Conv2d_0b_3x3", 192, 3, 1), ("Conv2d_1a_3x3", 256, 3, 2)],
    ],
    "Mixed_7a": [
        [("Conv2d_0a_1x1", 256, 1, 1), ("Conv2d_1a_3x3", 384, 3, 2)],
        [("Conv2d_0a_1x1", 256, 1, 1), ("Conv2d_1a_3x3", 256, 3, 2)],
        [("Conv2d_0a_1x1", 256, 1, 1), ("Conv2d_0b_3x3", 256, 3, 1), ("Conv2d_1a_3x3", 256, 3, 2)],
    ],
}


def _conv_bn(x: Any, filters: int, kernel: Any, name: str, strides: int = 1, padding="same"):
    """Convolution without bias → batch norm (no scale, as TF-slim) → ReLU."""
    from keras import layers

    x = layers.Conv2D(filters, kernel, strides, padding, use_bias=False, name=name)(x)
    x = layers.BatchNormalization(
        momentum=0.995, epsilon=1e-3, scale=False, name=f"{name}_BatchNorm"
    )(x)
    return layers.Activation("relu", name=f"{name}_Activation")(x)


def _residual_block(x: Any, kind: str, index: int, activation: bool = True) -> Any:
    """Inception-ResNet block ``kind`` (Block35, 17 or 8): x + scale · conv1×1(branches)."""
    from keras import layers

    scale, branches = BLOCKS[kind]
    prefix = f"{kind}_{index}"
    outputs = []
    for number, convolutions in enumerate(branches):
        y = x
        for name, filters, kernel in convolutions:
            y = _conv_bn(y, filters, kernel, f"{prefix}_Branch_{number}_{name}")
        outputs.append(y)
    mixed = layers.Concatenate(name=f"{prefix}_Concatenate")(outputs)
    up = layers.Conv2D(x.shape[-1], 1, use_bias=True, name=f"{prefix}_Conv2d_1x1")(mixed)
    up = layers.Rescaling(scale, name=f"{prefix}_Scale")(up)
    x = layers.Add(name=f"{prefix}_Add")([x, up])
    return layers.Activation("relu", name=f"{prefix}_Activation")(x) if activation else x


def _reduction(x: Any, name: str) -> Any:
    """Reduction block ``name``: stride-2 convolution branches and a 3×3/2 max-pool."""
    from keras import layers

    outputs = []
    for number, convolutions in enumerate(REDUCTIONS[name]):
        y = x
        for conv, filters, kernel, strides in convolutions:
            padding = "valid" if strides == 2 else "same"
            y = _conv_bn(y, filters, kernel, f"{name}_Branch_{number}_{conv}", strides, padding)
        outputs.append(y)
    pool = f"{name}_Branch_{len(outputs)}_MaxPool_1a_3x3"
    outputs.append(layers.MaxPooling2D(3, strides=2, padding="valid", name=pool)(x))
    return layers.Concatenate(name=name)(outputs)


def inception_resnet_v1(
    input_shape: tuple[int, int, int] = (INPUT_SIZE, INPUT_SIZE, 3),
    embedding_size: int = EMBEDDING_SIZE,
) -> Any:
    """FaceNet's Inception-ResNet-v1: (m, 160, 160, 3) prewhitened faces → (m, 128) unit vectors.

    Stem (7 convolutions, one max-pool) → 5 × Block35 → Mixed_6a → 10 × Block17 → Mixed_7a →
    6 × Block8 (the last without ReLU) → global average pooling → dropout 0.2 → a 128-unit
    ``Bottleneck`` without bias → batch norm → L2 normalisation. Random weights; see
    :func:`load_facenet` for the pretrained ones.
    """
    import keras
    from keras import layers

    if not (isinstance(input_shape, tuple) and len(input_shape) == 3 and input_shape[-1] == 3):
        raise ValueError(f"input_shape must be (height, width, 3), got {input_shape!r}")
    if min(input_shape[:2]) < 75:
        raise ValueError(
            f"input_shape must be at least 75×75 (the stem's reductions), got {input_shape}"
        )
    inputs = keras.Input(input_shape, name="input_1")
    x = _conv_bn(inputs, 32, 3, "Conv2d_1a_3x3", strides=2, padding="valid")
    x = _conv_bn(x, 32, 3, "Conv2d_2a_3x3", padding="valid")
    x = _conv_bn(x, 64, 3, "Conv2d_2b_3x3")
    x = layers.MaxPooling2D(3, strides=2, name="MaxPool_3a_3x3")(x)
    x = _conv_bn(x, 80, 1, "Conv2d_3b_1x1", padding="valid")
    x = _conv_bn(x, 192, 3, "Conv2d_4a_3x3", padding="valid")
    x = _conv_bn(x, 256, 3, "Conv2d_4b_3x3", strides=2, padding="valid")
    for index in range(1, 6):
        x = _residual_block(x, "Block35", index)
    x = _reduction(x, "Mixed_6a")
    for index in range(1, 11):
        x = _residual_block(x, "Block17", index)
    x = _reduction(x, "Mixed_7a")
    for index in range(1, 7):
        x = _residual_block(x, "Block8", index, activation=index < 6)
    x = layers.GlobalAveragePooling2D(name="AvgPool")(x)
    x = layers.Dropout(0.2, name="Dropout")(x)
    x = layers.Dense(embedding_size, use_bias=False, name="Bottleneck")(x)
    x = layers.BatchNormalization(
        momentum=0.995, epsilon=1e-3, scale=False, name="Bottleneck_BatchNorm"
    )(x)
    outputs = layers.UnitNormalization(name="normalize")(x)
    return keras.Model(inputs, outputs, name="inception_resnet_v1")  # 22,808,144 parameters


def stored_layer_names(path: str | os.PathLike[str]) -> list[str]:
    """The names of the layers a Keras HDF5 weights (or legacy model) file holds weights for."""
    import h5py

    with h5py.File(path, "r") as stored:
        group = stored["model_weights"] if "model_weights" in stored else stored
        if "layer_names" not in group.attrs:
            raise ValueError(f"path: {path} is not a Keras HDF5 weights file (no layer_names)")
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in group.attrs["layer_names"]]
        return [name for name in names if len(group[name].attrs.get("weight_names", []))]


def load_facenet(path: str | os.PathLike[str]) -> Any:
    """:func:`inception_resnet_v1` with the weights of the HDF5 file at ``path``, loaded by name.

    Raises:
        ValueError: the file lacks weights for some layer (the first missing names are listed),
            or a stored weight has the wrong shape (Keras names the layer).
    """
    if not isinstance(path, (str, os.PathLike)) or not os.path.isfile(path):
        raise ValueError(f"path: expected the path of a weights file, got {path!r}")
    model = inception_resnet_v1()
    stored = set(stored_layer_names(path))
    needed = [layer.name for layer in model.layers if layer.weights]
    missing = [name for name in needed if name not in stored]
    if missing:
        raise ValueError(
            f"path: {path} has no weights for {len(missing)} of the {len(needed)} layers of "
            f"Inception-ResNet-v1 that need some (first: {', '.join(missing[:4])}); expected the "
            f"Keras weights of FaceNet 20170512-110547 (asset {ASSET!r})"
        )
    model.load_weights(path, by_name=True)
    return model


def prewhiten(images: np.ndarray) -> np.ndarray:
    """Per-image standardisation, as FaceNet 20170512-110547 was trained: (x − mean) / std.

    Args:
        images: (m, H, W, 3) pixel values in 0–255.

    Returns:
        float32 array of the same shape; each image has mean 0 and standard deviation 1 (the
        standard deviation is floored at 1/√(H·W·3), so a flat image gives zeros, not NaN).
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"images: expected shape (m, H, W, 3), got {images.shape}")
    mean = images.mean(axis=(1, 2, 3), keepdims=True)
    floor = float(1.0 / np.sqrt(np.prod(images.shape[1:])))
    std = np.maximum(images.std(axis=(1, 2, 3), keepdims=True), floor)
    return (images - mean) / std


def facenet_inputs(faces: Sequence[Any] | np.ndarray) -> np.ndarray:
    """Face crops (any size; paths, gray, RGB or RGBA, uint8 or float) → (m, 160, 160, 3) input."""
    from utils.face_alignment import prepare_faces

    return prewhiten(prepare_faces(faces, INPUT_SIZE) * 255.0)
