"""Darknet's ``.weights`` files: the layer order and header of the format, and the reader.

A file is a header, ``major, minor, revision`` (int32) and ``seen`` (int64 when major·10 + minor
>= 2, else int32: :func:`seen_dtype`), then, convolution by convolution in ``conv_<n>`` order
(:func:`darknet_layers`), the biases (or batch norm's beta, gamma, moving mean and variance) and
the kernel in (out, in, h, w) order, all float32. :func:`load_darknet_weights` fills a model built
by :func:`utils.yolo.yolo_v2` (the real ``yolov2.weights`` or the course's compact detector).

Importing this module does not import Keras; its functions do.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import keras


def darknet_layers(model: keras.Model) -> list[tuple[Any, Any]]:
    """(Conv2D, BatchNormalization or None) pairs in Darknet's file order (``conv_<n>`` names)."""
    import keras

    convs = {}
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D) and layer.name.startswith("conv_"):
            convs[int(layer.name.removeprefix("conv_"))] = layer
    if sorted(convs) != list(range(1, len(convs) + 1)) or not convs:
        raise ValueError("model: expected Conv2D layers named conv_1, conv_2, ... (see yolo_v2)")
    names = {layer.name: layer for layer in model.layers}
    return [(convs[n], names.get(f"bn_{n}")) for n in sorted(convs)]


def _shapes(conv: Any, norm: Any) -> list[tuple[int, ...]]:
    """The shapes of one layer's arrays in file order, from its variables (no weight is read).

    Bias (or BN beta, gamma, moving mean, moving variance), then the kernel as (out, in, h, w).
    """
    height, width, inputs, outputs = conv.kernel.shape
    if norm is None:
        first = [conv.bias]
    else:
        first = [norm.beta, norm.gamma, norm.moving_mean, norm.moving_variance]
    return [tuple(v.shape) for v in first] + [(outputs, inputs, height, width)]


def seen_dtype(major: int, minor: int) -> type:
    """Darknet's header: ``seen`` is an int64 when major·10 + minor >= 2 (and major < 1000)."""
    major, minor = int(major), int(minor)
    return np.int64 if major * 10 + minor >= 2 and major < 1000 else np.int32


def load_darknet_weights(model: keras.Model, path: str | os.PathLike) -> dict[str, int]:
    """Fill ``model`` (:func:`utils.yolo.yolo_v2` with matching sizes) from a Darknet weights file.

    Returns:
        The header: ``{"major", "minor", "revision", "seen"}``.

    Raises:
        ValueError: the file holds fewer or more values than the model needs (both counts named).
    """
    raw = Path(path).read_bytes()
    if len(raw) < 16:
        raise ValueError(f"{path}: {len(raw)} bytes is shorter than a Darknet header (16 or 20)")
    major, minor, revision = np.frombuffer(raw[:12], np.int32)
    header_dtype = seen_dtype(major, minor)
    header_size = 12 + np.dtype(header_dtype).itemsize
    seen = int(np.frombuffer(raw[12:header_size], header_dtype)[0])
    values = np.frombuffer(raw[header_size:], np.float32)
    layers = [(conv, norm, _shapes(conv, norm)) for conv, norm in darknet_layers(model)]
    needed = sum(math.prod(shape) for _, _, shapes in layers for shape in shapes)
    if (len(raw) - header_size) % 4 or values.size != needed:
        raise ValueError(
            f"{path}: the model needs {needed:,} float32 values after the {header_size}-byte "
            f"header, the file holds {(len(raw) - header_size) / 4:,.2f}"
        )
    offset = 0
    for conv, norm, shapes in layers:
        arrays = []
        for shape in shapes:
            arrays.append(values[offset : offset + math.prod(shape)].reshape(shape))
            offset += math.prod(shape)
        kernel = arrays[-1].transpose(2, 3, 1, 0)
        if norm is None:
            conv.set_weights([kernel, arrays[0]])
        else:
            beta, gamma, mean, variance = arrays[:4]
            conv.set_weights([kernel])
            norm.set_weights([gamma, beta, mean, variance])
    return {"major": int(major), "minor": int(minor), "revision": int(revision), "seen": seen}
