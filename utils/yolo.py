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

import math
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
    box_xy, box_wh, _, _ = _decode(feats, anchors)
    box_confidence = tf.sigmoid(feats[..., 4:5])
    box_class_probs = tf.nn.softmax(feats[..., 5:])
    return box_xy, box_wh, box_confidence, box_class_probs


def _decode(
    feats: Any, anchors: np.ndarray, max_log_size: float | None = None
) -> tuple[Any, Any, Any, Any]:
    """Box centres and sizes, as fractions of the image, from (m, S_h, S_w, A, 5 + C) raw values.

    ``box_xy = (σ(t_xy) + cell) / (S_w, S_h)`` and ``box_wh = e^{t_wh} · anchor / (S_w, S_h)``
    (:func:`yolo_head`), with ``t_wh`` first clipped at ``max_log_size`` when given (the loss
    keeps ``e^{t_wh}`` finite).

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
    kernel, *bias = conv.get_weights()
    darknet_kernel = kernel.transpose(3, 2, 0, 1)  # (h, w, in, out) → Darknet (out, in, h, w)
    if norm is None:
        return [bias[0], darknet_kernel]
    gamma, beta, mean, variance = norm.get_weights()
    return [beta, gamma, mean, variance, darknet_kernel]


def _shapes(conv: Any, norm: Any) -> list[tuple[int, ...]]:
    """The shapes of :func:`_arrays`, from the variables' shapes (no weight is read)."""
    height, width, inputs, outputs = conv.kernel.shape
    if norm is None:
        first = [conv.bias]
    else:
        first = [norm.beta, norm.gamma, norm.moving_mean, norm.moving_variance]
    return [tuple(v.shape) for v in first] + [(outputs, inputs, height, width)]


def _seen_dtype(major: int, minor: int) -> type:
    """Darknet's header: ``seen`` is an int64 when major·10 + minor >= 2 (and major < 1000)."""
    major, minor = int(major), int(minor)
    return np.int64 if major * 10 + minor >= 2 and major < 1000 else np.int32


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
        np.array([0], _seen_dtype(major, minor)).tofile(stream)
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
    seen_dtype = _seen_dtype(major, minor)
    header_size = 12 + np.dtype(seen_dtype).itemsize
    seen = int(np.frombuffer(raw[12:header_size], seen_dtype)[0])
    values = np.frombuffer(raw[header_size:], np.float32)
    layers = [(conv, norm, _shapes(conv, norm)) for conv, norm in _darknet_convs(model)]
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
# Anchors: assignment of a ground-truth box, k-means with the distance 1 − IoU


def wh_iou(wh: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """IoU of boxes and anchors placed on the same centre, from their widths and heights alone.

    ``min(w, w') · min(h, h') / (w·h + w'·h' − min(w, w') · min(h, h'))``.

    Args:
        wh: (N, 2) widths and heights (any unit).
        anchors: (A, 2) widths and heights in the same unit.

    Returns:
        (N, A) IoUs in [0, 1].
    """
    wh, anchors = _pairs("wh", wh), _pairs("anchors", anchors)
    overlap = np.minimum(wh[:, None, :], anchors[None, :, :]).prod(axis=-1)
    union = wh.prod(axis=-1)[:, None] + anchors.prod(axis=-1)[None, :] - overlap
    return np.divide(overlap, union, out=np.zeros_like(overlap), where=union > 0)


def _pairs(name: str, values: Any) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 2 or not np.all(np.isfinite(array)):
        raise ValueError(
            f"{name}: expected an (N, 2) array of finite widths and heights, got {array.shape}"
        )
    if np.any(array < 0):
        raise ValueError(f"{name}: widths and heights must be >= 0")
    return array


def assign_anchor(
    box: Any,
    anchors: np.ndarray,
    grid_shape: tuple[int, int],
    image_shape: tuple[int, int],
) -> tuple[int, int, int, float]:
    """The grid cell and the anchor responsible for a ground-truth box (YOLOv2's rule).

    The cell is the one that holds the box's centre; the anchor is the one whose shape, centred
    on the box, has the highest IoU with it.

    Args:
        box: corners ``(y1, x1, y2, x2)`` in pixels.
        anchors: (A, 2) anchor widths and heights in grid cells.
        grid_shape: (S_h, S_w) rows and columns of the grid.
        image_shape: (H, W) of the image in pixels.

    Returns:
        ``(row, col, anchor, iou)``: the cell, the index of the anchor and its IoU with the box.
    """
    from utils.detection import check_corners

    box = check_corners(box, "box", order="yx")
    row, col, ious = _owner(box, anchors, grid_shape, image_shape)
    best = int(np.argmax(ious))
    return row, col, best, float(ious[best])


def _owner(
    box: np.ndarray, anchors: Any, grid_shape: Any, image_shape: Any
) -> tuple[int, int, np.ndarray]:
    """The cell (row, col) of a checked box's centre and the (A,) IoUs of its shape with anchors."""
    y1, x1, y2, x2 = box
    rows, cols = _grid("grid_shape", grid_shape)
    height, width = _grid("image_shape", image_shape)
    row = min(int((y1 + y2) / 2 / height * rows), rows - 1)
    col = min(int((x1 + x2) / 2 / width * cols), cols - 1)
    ious = wh_iou(sizes_in_cells(box, grid_shape, image_shape), anchors)[0]
    return max(row, 0), max(col, 0), ious


def sizes_in_cells(boxes: Any, grid_shape: tuple[int, int], image_shape: tuple[int, int]) -> Any:
    """(N, 2) widths and heights, in grid cells, of corner boxes ``(y1, x1, y2, x2)`` in pixels.

    The unit of the anchors: a box ``w`` pixels wide is ``w / W · S_w`` cells wide. Float boxes
    keep their dtype; others become float64.
    """
    boxes = np.asarray(boxes)
    if not np.issubdtype(boxes.dtype, np.floating):
        boxes = boxes.astype(np.float64)
    boxes = boxes.reshape(-1, 4)
    rows, cols = _grid("grid_shape", grid_shape)
    height, width = _grid("image_shape", image_shape)
    return np.stack(
        [(boxes[:, 3] - boxes[:, 1]) / width * cols, (boxes[:, 2] - boxes[:, 0]) / height * rows],
        axis=1,
    )


def _grid(name: str, shape: Any) -> tuple[int, int]:
    pair = tuple(shape)
    if len(pair) != 2 or not all(
        isinstance(v, int | np.integer) and not isinstance(v, bool) and v > 0 for v in pair
    ):
        raise ValueError(f"{name}: expected two positive ints, got {shape!r}")
    return int(pair[0]), int(pair[1])


def yolo_targets(
    boxes: Any,
    classes: Any,
    anchors: np.ndarray,
    grid_shape: tuple[int, int],
    image_shape: tuple[int, int],
    num_classes: int,
) -> np.ndarray:
    """The training target of one image, in the layout of the detector's output.

    Each box goes to the cell of its centre and its best anchor (:func:`assign_anchor`); when that
    slot is taken by another box, to the next best anchor of the cell. The slot holds
    ``(x, y, w, h, 1, one-hot class)`` with the centre (x, y) and size (w, h) as fractions of the
    image; every other slot is 0.

    Args:
        boxes: (k, 4) corners ``(y1, x1, y2, x2)`` in pixels.
        classes: (k,) class indices.
        anchors: (A, 2) anchor widths and heights in grid cells.
        grid_shape: (S_h, S_w).
        image_shape: (H, W) in pixels.
        num_classes: number of classes C.

    Returns:
        (S_h, S_w, A · (5 + C)) float32 array.
    """
    from utils.detection import check_corners

    boxes = check_corners(boxes, "boxes", order="yx").reshape(-1, 4)
    classes = np.asarray(classes).reshape(-1)
    if len(classes) != len(boxes):
        raise ValueError(f"classes: expected {len(boxes)} labels (one per box), got {len(classes)}")
    if len(classes) and (classes.min() < 0 or classes.max() >= num_classes):
        raise ValueError(f"classes: expected indices in [0, {num_classes}), got {classes.tolist()}")
    anchors = _pairs("anchors", anchors)
    rows, cols = _grid("grid_shape", grid_shape)
    height, width = _grid("image_shape", image_shape)
    target = np.zeros((rows, cols, len(anchors), 5 + num_classes), np.float32)
    for box, label in zip(boxes, classes, strict=True):
        row, col, ious = _owner(box, anchors, grid_shape, image_shape)
        y1, x1, y2, x2 = box
        for anchor in np.argsort(-ious, kind="stable"):  # the best first, as assign_anchor
            if target[row, col, anchor, 4] == 0:
                target[row, col, anchor, :4] = [
                    (x1 + x2) / 2 / width,
                    (y1 + y2) / 2 / height,
                    (x2 - x1) / width,
                    (y2 - y1) / height,
                ]
                target[row, col, anchor, 4] = 1.0
                target[row, col, anchor, 5 + int(label)] = 1.0
                break
    return target.reshape(rows, cols, -1)


def kmeans_anchors(
    wh: np.ndarray, k: int, *, seed: int = 0, iterations: int = 300, restarts: int = 1
) -> tuple[np.ndarray, float]:
    """Anchor shapes by k-means on box widths and heights with the distance ``1 − IoU``.

    YOLOv2 (§ "Dimension clusters"): the Euclidean distance would favour large boxes; ``1 − IoU``
    of boxes sharing a centre does not. Start from k boxes drawn at random (``seed``); assign every
    box to the centroid with the highest IoU; move each centroid to the mean of its boxes; stop
    when no assignment changes. An empty cluster restarts at the box worst served. Like any
    k-means it can stop in a poor local optimum: ``restarts`` > 1 runs it from that many random
    starts (drawn one after the other from ``seed``) and keeps the best mean IoU.

    Args:
        wh: (N, 2) box widths and heights (N >= k), e.g. in grid cells.
        k: number of anchors.
        seed: seed of the initial choice.
        iterations: at most this many updates.
        restarts: number of runs from different random starts (>= 1).

    Returns:
        ``(anchors, mean_iou)``: (k, 2) centroids sorted by area, and the mean over the boxes of
        the IoU with their best anchor.
    """
    wh = _pairs("wh", wh)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= len(wh):
        raise ValueError(f"k: expected an int in [1, {len(wh)}] (the number of boxes), got {k!r}")
    if isinstance(restarts, bool) or not isinstance(restarts, int) or restarts < 1:
        raise ValueError(f"restarts: expected an int >= 1, got {restarts!r}")
    rng = np.random.default_rng(seed)
    best, best_iou = None, -1.0
    for _ in range(restarts):
        centroids = wh[rng.choice(len(wh), size=k, replace=False)].copy()
        assigned = np.full(len(wh), -1)
        for _ in range(iterations):
            ious = wh_iou(wh, centroids)
            nearest = np.argmax(ious, axis=1)
            if np.array_equal(nearest, assigned):
                break
            assigned = nearest
            for j in range(k):
                members = wh[assigned == j]
                if len(members):
                    centroids[j] = members.mean(axis=0)
                else:
                    centroids[j] = wh[np.argmin(ious.max(axis=1))]
        mean_iou = float(wh_iou(wh, centroids).max(axis=1).mean())
        if mean_iou > best_iou:
            best, best_iou = centroids, mean_iou
    return best[np.argsort(best.prod(axis=1), kind="stable")], best_iou


# --------------------------------------------------------------------------------------------
# The training loss


def yolo_loss(
    y_true: Any,
    y_pred: Any,
    anchors: np.ndarray,
    num_classes: int,
    ignore_threshold: float = 0.6,
    *,
    coord_scale: float = 1.0,
    object_scale: float = 5.0,
    noobject_scale: float = 1.0,
    class_scale: float = 1.0,
) -> Any:
    """YOLOv2's training loss, per image: the practical variant of the course's loss.

    For the slots that hold an object (``y_true`` from :func:`yolo_targets`):

    - box: squared error of the centre offset in the cell, ``(σ(t_x) − (x·S_w − c_x))²`` and the
      same for y, and of the log-size, ``(t_w − log(w·S_w / p_w))²`` and the same for h, weighted
      by ``2 − w·h`` (small boxes count more);
    - objectness: logistic loss ``−log σ(t_o)``;
    - classes: log-likelihood ``−log softmax(class scores)[true class]``.

    For the other slots, the logistic loss ``−log(1 − σ(t_o))``, except where the predicted box
    already overlaps a ground-truth box with IoU >= ``ignore_threshold`` (it is not penalised).

    The four terms are weighted by ``coord_scale``, ``object_scale``, ``noobject_scale`` and
    ``class_scale`` (the defaults are those of Darknet's ``yolov2.cfg``).

    Args:
        y_true: (m, S_h, S_w, A · (5 + C)) targets.
        y_pred: (m, S_h, S_w, A · (5 + C)) raw output of the detector.
        anchors: (A, 2) anchor widths and heights in grid cells.
        num_classes: C.
        ignore_threshold: IoU above which a slot without object is not pushed to confidence 0.
        coord_scale, object_scale, noobject_scale, class_scale: weights of the terms.

    Returns:
        (m,) loss of each image (summed over its slots).
    """
    import tensorflow as tf

    anchors = _pairs("anchors", anchors).astype(np.float32)
    count = len(anchors)
    rows, cols, depth = y_pred.shape[1:]
    if depth != count * (5 + num_classes):
        raise ValueError(f"y_pred: expected {count} · (5 + {num_classes}) channels, got {depth}")
    feats = tf.reshape(tf.cast(y_pred, tf.float32), (-1, rows, cols, count, 5 + num_classes))
    true = tf.reshape(tf.cast(y_true, tf.float32), tf.shape(feats))
    has_object = true[..., 4:5]
    pred_xy, pred_wh, grid, size = _decode(feats, anchors, max_log_size=8.0)

    true_xy, true_wh = true[..., 0:2], true[..., 2:4]
    weight = has_object * (2.0 - true_wh[..., 0:1] * true_wh[..., 1:2])
    offset_error = tf.square(tf.sigmoid(feats[..., 0:2]) - (true_xy * size - grid))
    true_log_wh = tf.math.log(tf.maximum(true_wh * size / anchors, 1e-9))
    size_error = tf.square(feats[..., 2:4] - true_log_wh)
    box_loss = weight * (offset_error + size_error)

    best_iou = tf.stop_gradient(_best_iou(pred_xy, pred_wh, true_xy, true_wh, has_object))
    ignore = tf.cast(best_iou < ignore_threshold, tf.float32)
    logistic = tf.nn.sigmoid_cross_entropy_with_logits(labels=has_object, logits=feats[..., 4:5])
    object_loss = (
        object_scale * has_object + noobject_scale * (1.0 - has_object) * ignore
    ) * logistic
    class_loss = has_object[..., 0] * tf.nn.softmax_cross_entropy_with_logits(
        labels=true[..., 5:], logits=feats[..., 5:]
    )
    per_slot = (
        coord_scale * tf.reduce_sum(box_loss, axis=-1)
        + object_loss[..., 0]
        + class_scale * class_loss
    )
    return tf.reduce_sum(per_slot, axis=[1, 2, 3])


def _best_iou(pred_xy: Any, pred_wh: Any, true_xy: Any, true_wh: Any, has_object: Any) -> Any:
    """(m, S_h, S_w, A, 1): each predicted box's highest IoU with the image's true boxes."""
    import tensorflow as tf

    batch = tf.shape(pred_xy)[0]

    def corners(xy: Any, wh: Any) -> tuple[Any, Any]:
        return tf.reshape(xy - wh / 2, (batch, -1, 2)), tf.reshape(xy + wh / 2, (batch, -1, 2))

    pred_min, pred_max = corners(pred_xy, pred_wh)
    true_min, true_max = corners(true_xy, true_wh)
    inner = tf.maximum(
        tf.minimum(pred_max[:, :, None], true_max[:, None])
        - tf.maximum(pred_min[:, :, None], true_min[:, None]),
        0.0,
    )
    overlap = inner[..., 0] * inner[..., 1]
    pred_area = tf.reduce_prod(pred_max - pred_min, axis=-1)[:, :, None]
    true_area = tf.reduce_prod(true_max - true_min, axis=-1)[:, None, :]
    ious = overlap / tf.maximum(pred_area + true_area - overlap, 1e-9)
    ious *= tf.reshape(has_object, (batch, 1, -1))  # only real boxes count
    return tf.reshape(tf.reduce_max(ious, axis=-1), tf.shape(has_object))


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
    detector of ``scripts/train_yolo_shapes.py``) and this function returns None.

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
