"""YOLOv2 in Keras 3: the Darknet-19 detector, its output head, and Darknet weight files.

- :func:`yolo_v2` builds the detector of Redmon & Farhadi (2016) as YAD2K lays it out: a Darknet-19
  body, a passthrough from the stride-16 layer (1×1 conv to 64 channels, then space-to-depth) and a
  final 1×1 convolution with ``anchors · (5 + classes)`` outputs per grid cell. At 608×608×3 with 5
  anchors and 80 classes: 50,983,561 parameters (20,672 of them batch-norm statistics).
  ``width`` < 1 thins every layer for a detector that trains on a CPU.
- :func:`yolo_head` turns the raw output into box centres, sizes, confidences and class
  probabilities.
- :func:`load_darknet_weights` / :func:`save_darknet_weights` read and write Darknet's ``.weights``
  format, so the real COCO weights (``yolov2.weights``) fill the model.
- :func:`read_classes` / :func:`read_anchors` read ``data/coco_classes.txt`` and
  ``data/yolo_anchors.txt``.

No layer is a ``Lambda``: models save and load without ``safe_mode=False``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import keras
import numpy as np

DATA = Path(__file__).resolve().parents[1] / "data"


@keras.saving.register_keras_serializable(package="course")
class SpaceToDepth(keras.layers.Layer):
    """Move each ``block × block`` patch of pixels into channels: (h, w, c) → (h/b, w/b, c·b²).

    YOLOv2's "reorg" layer: it lets the fine 38×38 features join the 19×19 ones without losing
    the detail (Darknet's channel order differs; only loaded Darknet weights would notice, and
    they are applied to this layout).
    """

    def __init__(self, block_size: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(block_size, bool) or not isinstance(block_size, int) or block_size < 1:
            raise ValueError(f"block_size: expected a positive int, got {block_size!r}")
        self.block_size = block_size

    def call(self, inputs: Any) -> Any:
        import tensorflow as tf

        return tf.nn.space_to_depth(inputs, self.block_size)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        b = self.block_size
        h, w = (None if s is None else s // b for s in input_shape[1:3])
        return (input_shape[0], h, w, input_shape[3] * b * b)

    def get_config(self) -> dict:
        return {**super().get_config(), "block_size": self.block_size}


class _DarknetConvs:
    """Builds conv → BN → LeakyReLU(0.1) units named ``conv_<n>`` in Darknet's file order."""

    def __init__(self, width: float) -> None:
        self.width = width
        self.count = 0

    def __call__(self, x: Any, filters: int, size: int) -> Any:
        self.count += 1
        n = self.count
        filters = max(4, round(filters * self.width))
        x = keras.layers.Conv2D(filters, size, padding="same", use_bias=False, name=f"conv_{n}")(x)
        x = keras.layers.BatchNormalization(name=f"bn_{n}")(x)
        return keras.layers.LeakyReLU(negative_slope=0.1, name=f"leaky_{n}")(x)


def yolo_v2(
    input_shape: tuple[int, int, int] = (608, 608, 3),
    num_anchors: int = 5,
    num_classes: int = 80,
    width: float = 1.0,
) -> keras.Model:
    """The YOLOv2 detector: (m, H, W, 3) images → (m, H/32, W/32, num_anchors · (5 + num_classes)).

    Args:
        input_shape: (H, W, 3) with H and W multiples of 32 (608 gives the 19×19 grid).
        num_anchors: anchor boxes per grid cell (5 in YOLOv2).
        num_classes: object classes (80 for COCO).
        width: multiplier of every layer's number of filters (1.0 is the published model).
    """
    h, w, c = _check_shape(input_shape)
    for name, value in (("num_anchors", num_anchors), ("num_classes", num_classes)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}: expected a positive int, got {value!r}")
    if not isinstance(width, int | float) or isinstance(width, bool) or not 0 < width <= 1:
        raise ValueError(f"width: expected a number in (0, 1], got {width!r}")

    conv = _DarknetConvs(width)
    pool = keras.layers.MaxPooling2D
    inputs = keras.Input((h, w, c))
    x = pool()(conv(inputs, 32, 3))
    x = pool()(conv(x, 64, 3))
    for filters in (128, 256):
        x = pool()(conv(conv(conv(x, filters, 3), filters // 2, 1), filters, 3))
    for _ in range(2):
        x = conv(conv(x, 512, 3), 256, 1)
    fine = conv(x, 512, 3)  # conv_13: 38×38 at 608
    x = pool()(fine)
    for _ in range(2):
        x = conv(conv(x, 1024, 3), 512, 1)
    x = conv(x, 1024, 3)
    x = conv(conv(x, 1024, 3), 1024, 3)  # conv_19, conv_20: the detection head
    passthrough = SpaceToDepth(2, name="space_to_depth")(conv(fine, 64, 1))  # conv_21
    x = keras.layers.Concatenate(name="passthrough")([passthrough, x])
    x = conv(x, 1024, 3)  # conv_22
    outputs = keras.layers.Conv2D(
        num_anchors * (5 + num_classes), 1, name=f"conv_{conv.count + 1}"
    )(x)
    return keras.Model(inputs, outputs, name="yolo_v2")


def _check_shape(input_shape: tuple[int, int, int]) -> tuple[int, int, int]:
    shape = tuple(input_shape)
    if (
        len(shape) != 3
        or shape[2] != 3
        or not all(isinstance(v, int) and v > 0 for v in shape)
        or shape[0] % 32
        or shape[1] % 32
    ):
        raise ValueError(f"input_shape: expected (H, W, 3) with H, W multiples of 32, got {shape}")
    return shape


def yolo_head(feats: Any, anchors: np.ndarray, num_classes: int) -> tuple[Any, Any, Any, Any]:
    """Convert the detector's raw output into boxes (the course's ``yolo_head``).

    For every cell (cy, cx) and anchor a with prior size (p_w, p_h) in grid cells, the raw values
    (t_x, t_y, t_w, t_h, t_o, class scores) become

    - centre ``box_xy = ((σ(t_x) + cx) / S_w, (σ(t_y) + cy) / S_h)``, in [0, 1] of the image;
    - size ``box_wh = (p_w · e^{t_w} / S_w, p_h · e^{t_h} / S_h)``, as fractions of the image;
    - ``box_confidence = σ(t_o)`` (probability that the box holds an object);
    - ``box_class_probs = softmax(class scores)``.

    Args:
        feats: (m, S_h, S_w, A · (5 + num_classes)) tensor.
        anchors: (A, 2) anchor widths and heights in grid cells.
        num_classes: number of classes.

    Returns:
        box_xy (m, S_h, S_w, A, 2), box_wh (m, S_h, S_w, A, 2), box_confidence
        (m, S_h, S_w, A, 1), box_class_probs (m, S_h, S_w, A, num_classes).
    """
    import tensorflow as tf

    anchors = np.asarray(anchors, dtype=np.float32)
    if anchors.ndim != 2 or anchors.shape[1] != 2:
        raise ValueError(f"anchors: expected shape (A, 2), got {anchors.shape}")
    feats = tf.convert_to_tensor(feats, dtype=tf.float32)
    rows, cols, depth = feats.shape[1:]
    if depth != len(anchors) * (5 + num_classes):
        raise ValueError(
            f"feats: expected {len(anchors)} · (5 + {num_classes}) = "
            f"{len(anchors) * (5 + num_classes)} channels, got {depth}"
        )
    feats = tf.reshape(feats, (-1, rows, cols, len(anchors), 5 + num_classes))
    grid_y, grid_x = tf.meshgrid(tf.range(rows), tf.range(cols), indexing="ij")
    grid = tf.cast(tf.stack([grid_x, grid_y], axis=-1)[:, :, None, :], tf.float32)
    size = tf.constant([cols, rows], tf.float32)
    box_xy = (tf.sigmoid(feats[..., :2]) + grid) / size
    box_wh = tf.exp(feats[..., 2:4]) * anchors / size
    box_confidence = tf.sigmoid(feats[..., 4:5])
    box_class_probs = tf.nn.softmax(feats[..., 5:])
    return box_xy, box_wh, box_confidence, box_class_probs


def _darknet_convs(model: keras.Model) -> list[tuple[Any, Any]]:
    """(Conv2D, BatchNormalization or None) pairs in Darknet's file order (``conv_<n>`` names)."""
    convs = {}
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D) and layer.name.startswith("conv_"):
            convs[int(layer.name.removeprefix("conv_"))] = layer
    if sorted(convs) != list(range(1, len(convs) + 1)) or not convs:
        raise ValueError("model: expected Conv2D layers named conv_1, conv_2, ... (see yolo_v2)")
    names = {layer.name: layer for layer in model.layers}
    return [(convs[n], names.get(f"bn_{n}")) for n in sorted(convs)]


def _arrays(conv: Any, norm: Any) -> list[np.ndarray]:
    """One layer's arrays in Darknet order: bias (or BN beta, gamma, mean, variance), kernel."""
    kernel = conv.get_weights()[0]  # (h, w, in, out) → Darknet (out, in, h, w)
    darknet_kernel = kernel.transpose(3, 2, 0, 1)
    if norm is None:
        return [conv.get_weights()[1], darknet_kernel]
    gamma, beta, mean, variance = norm.get_weights()
    return [beta, gamma, mean, variance, darknet_kernel]


def save_darknet_weights(
    model: keras.Model, path: str | os.PathLike, version: tuple[int, int, int] = (0, 2, 0)
) -> None:
    """Write ``model``'s convolutions to a Darknet ``.weights`` file.

    The header is ``major, minor, revision`` (int32) and ``seen`` (int64 when major·10 + minor
    >= 2, else int32): 20 or 16 bytes. Then, layer by layer in ``conv_<n>`` order: the biases
    (or batch norm's beta, gamma, moving mean and variance) and the kernel in (out, in, h, w) order,
    all float32.
    """
    major, minor, revision = version
    with open(path, "wb") as stream:
        np.array([major, minor, revision], np.int32).tofile(stream)
        seen_dtype = np.int64 if major * 10 + minor >= 2 and major < 1000 else np.int32
        np.array([0], seen_dtype).tofile(stream)
        for conv, norm in _darknet_convs(model):
            for array in _arrays(conv, norm):
                np.asarray(array, np.float32).tofile(stream)


def load_darknet_weights(model: keras.Model, path: str | os.PathLike) -> dict[str, int]:
    """Fill ``model`` (built by :func:`yolo_v2` with matching sizes) from a Darknet weights file.

    Returns:
        The header: ``{"major", "minor", "revision", "seen"}``.

    Raises:
        ValueError: the file holds fewer or more values than the model needs (both counts named).
    """
    raw = Path(path).read_bytes()
    if len(raw) < 16:
        raise ValueError(f"{path}: {len(raw)} bytes is shorter than a Darknet header (16 or 20)")
    major, minor, revision = np.frombuffer(raw[:12], np.int32)
    wide = major * 10 + minor >= 2 and major < 1000
    header_size = 20 if wide else 16
    seen = int(np.frombuffer(raw[12:header_size], np.int64 if wide else np.int32)[0])
    values = np.frombuffer(raw[header_size:], np.float32)
    layers = _darknet_convs(model)
    needed = sum(a.size for conv, norm in layers for a in _arrays(conv, norm))
    if (len(raw) - header_size) % 4 or values.size != needed:
        raise ValueError(
            f"{path}: the model needs {needed:,} float32 values after the {header_size}-byte "
            f"header, the file holds {(len(raw) - header_size) / 4:,.2f}"
        )
    offset = 0
    for conv, norm in layers:
        arrays = []
        for template in _arrays(conv, norm):
            arrays.append(values[offset : offset + template.size].reshape(template.shape))
            offset += template.size
        kernel = arrays[-1].transpose(2, 3, 1, 0)
        if norm is None:
            conv.set_weights([kernel, arrays[0]])
        else:
            beta, gamma, mean, variance = arrays[:4]
            conv.set_weights([kernel])
            norm.set_weights([gamma, beta, mean, variance])
    return {"major": int(major), "minor": int(minor), "revision": int(revision), "seen": seen}


def read_classes(path: str | os.PathLike = DATA / "coco_classes.txt") -> list[str]:
    """Class names, one per line (default: the 80 COCO classes)."""
    names = [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines()]
    return [name for name in names if name]


def read_anchors(path: str | os.PathLike = DATA / "yolo_anchors.txt") -> np.ndarray:
    """(A, 2) anchor widths and heights in grid cells from a comma-separated line."""
    values = np.array(Path(path).read_text(encoding="utf-8").replace(",", " ").split(), float)
    if values.size == 0 or values.size % 2:
        raise ValueError(
            f"{path}: expected an even number of values (w, h pairs), got {values.size}"
        )
    return values.reshape(-1, 2)
