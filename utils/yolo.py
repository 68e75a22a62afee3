"""YOLOv2 in Keras 3: the Darknet-19 detector, its output head, and the real COCO weights.

- :func:`yolo_v2` builds the detector of Redmon & Farhadi (2016) as YAD2K lays it out: a Darknet-19
  body, a passthrough from the stride-16 layer (1×1 conv to 64 channels, then space-to-depth) and a
  final 1×1 convolution with ``anchors · (5 + classes)`` outputs per grid cell. At 608×608×3 with 5
  anchors and 80 classes: 50,983,561 parameters (20,672 of them batch-norm statistics).
  ``width`` < 1 thins every layer for a detector that trains on a CPU.
- :func:`yolo_head` turns the raw output into box centres, sizes, confidences and class
  probabilities (:func:`decode_boxes` the centres and sizes alone).
- :func:`read_classes` / :func:`read_anchors` read ``data/coco_classes.txt`` and
  ``data/yolo_anchors.txt``; :func:`coco_yolo_v2` is YOLOv2 with Darknet's COCO weights (read by
  :mod:`utils.darknet`).

No layer is a ``Lambda``: models save and load without ``safe_mode=False``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import keras
import numpy as np

from utils.assets import DATA_DIR as DATA
from utils.checks import require_int
from utils.darknet import load_darknet_weights


@keras.saving.register_keras_serializable(package="course")
class SpaceToDepth(keras.layers.Layer):
    """Move each ``block × block`` patch of pixels into channels: (h, w, c) → (h/b, w/b, c·b²).

    YOLOv2's "reorg" layer: it lets the fine 38×38 features join the 19×19 ones without losing
    the detail (Darknet's channel order differs; only loaded Darknet weights would notice, and
    they are applied to this layout).
    """

    def __init__(self, block_size: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.block_size = require_int(block_size, "block_size", minimum=1)

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
    num_anchors = require_int(num_anchors, "num_anchors", minimum=1)
    num_classes = require_int(num_classes, "num_classes", minimum=1)
    if not isinstance(width, int | float) or isinstance(width, bool) or not 0 < width <= 1:
        raise ValueError(f"width: expected a number in (0, 1], got {width!r}")

    conv = _DarknetConvs(width)
    pools = iter(range(1, 6))

    def pool() -> Any:
        return keras.layers.MaxPooling2D(name=f"pool_{next(pools)}")

    inputs = keras.Input((h, w, c), name="image")
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
    box_xy, box_wh, _, _ = decode_boxes(feats, anchors)
    box_confidence = tf.sigmoid(feats[..., 4:5])
    box_class_probs = tf.nn.softmax(feats[..., 5:])
    return box_xy, box_wh, box_confidence, box_class_probs


def decode_boxes(
    feats: Any, anchors: np.ndarray, max_log_size: float | None = None
) -> tuple[Any, Any, Any, Any]:
    """Box centres and sizes, as fractions of the image, from (m, S_h, S_w, A, 5 + C) raw values.

    ``box_xy = (σ(t_xy) + cell) / (S_w, S_h)`` and ``box_wh = e^{t_wh} · anchor / (S_w, S_h)``
    (:func:`yolo_head`), with ``t_wh`` first clipped at ``max_log_size`` when given (YOLOv2's
    training loss, in ``scripts/train_yolo_shapes.py``, keeps ``e^{t_wh}`` finite that way).

    Args:
        feats: (m, S_h, S_w, A, 5 + C) raw outputs, float32.
        anchors: (A, 2) anchor widths and heights in grid cells.
        max_log_size: upper bound of ``t_wh``, or None.

    Returns:
        ``(box_xy, box_wh, grid, size)``: grid (S_h, S_w, 1, 2) holds each cell's (c_x, c_y),
        size is (S_w, S_h); both float32.
    """
    import tensorflow as tf

    rows, cols = feats.shape[1:3]
    grid_y, grid_x = tf.meshgrid(tf.range(rows), tf.range(cols), indexing="ij")
    grid = tf.cast(tf.stack([grid_x, grid_y], axis=-1)[:, :, None, :], tf.float32)
    size = tf.constant([cols, rows], tf.float32)
    t_wh = feats[..., 2:4] if max_log_size is None else tf.minimum(feats[..., 2:4], max_log_size)
    box_xy = (tf.sigmoid(feats[..., :2]) + grid) / size
    box_wh = tf.exp(t_wh) * anchors / size
    return box_xy, box_wh, grid, size


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


# --------------------------------------------------------------------------------------------
# The real COCO weights

COCO_WEIGHTS = "yolov2_coco"


def coco_yolo_v2(
    asset: Any = COCO_WEIGHTS,
    *,
    offline: bool | None = None,
    cache_dir: str | os.PathLike | None = None,
    input_shape: tuple[int, int, int] = (608, 608, 3),
    num_anchors: int = 5,
    num_classes: int = 80,
    width: float = 1.0,
) -> keras.Model | None:
    """YOLOv2 with Darknet's COCO weights (``yolov2.weights``, 194 MB), or None when offline.

    The file is found by :func:`utils.assets.resolve`: the copy in ``weights/``, the Keras cache,
    or a download from pjreddie.com, its SHA-256 checked against ``weights/MANIFEST.json``. When
    it cannot be had, ``resolve`` prints one line naming the offline substitute (the compact
    detector of :mod:`utils.shapes_detector`) and this function returns None.

    Args:
        asset: the asset name (or an :class:`utils.assets.Asset`, e.g. a small file in tests).
        offline: passed to ``resolve`` (None reads ``COURSE_OFFLINE``).
        cache_dir: passed to ``resolve`` (the Keras cache root).
        input_shape, num_anchors, num_classes, width: the model the file fills (the defaults are
            the published YOLOv2 608).

    Returns:
        The model with the weights loaded, or None.
    """
    from utils.assets import resolve

    path = resolve(asset, offline=offline, cache_dir=cache_dir)
    if path is None:
        return None
    model = yolo_v2(input_shape, num_anchors=num_anchors, num_classes=num_classes, width=width)
    load_darknet_weights(model, path)
    return model
