"""YOLOv2's anchors: which cell and anchor own a box, the training target, k-means anchor shapes.

- :func:`wh_iou`: IoU of boxes and anchors placed on the same centre (the anchors' similarity).
- :func:`assign_anchor`: the grid cell of a box's centre and its best anchor;
  :func:`yolo_targets` fills a whole image's target volume that way.
- :func:`sizes_in_cells`: box widths and heights in grid cells, the unit of the anchors.
- :func:`kmeans_anchors`: anchor shapes by k-means with the distance ``1 − IoU``.

Boxes are corners ``(y1, x1, y2, x2)`` in pixels; anchors are (A, 2) widths and heights in grid
cells.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from utils.boxes import check_corners
from utils.checks import require_int


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
    k = require_int(k, "k (at most the number of boxes)", minimum=1, maximum=len(wh))
    restarts = require_int(restarts, "restarts", minimum=1)
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
