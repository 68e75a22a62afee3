"""Boxes given by their corners: checks with a message that names the bad argument, and IoU.

- :func:`check_corners` and :func:`check_box` validate boxes; :func:`check_yolo_boxes` and
  :func:`check_scored_boxes` validate the arrays of the YOLO exercises (``yolo_filter_boxes``,
  ``yolo_non_max_suppression``), which call them first.
- :func:`box_iou` is the IoU of every box of one set with every box of another.

Boxes are corners in pixels or fractions, ``(y1, x1, y2, x2)`` (``order="yx"``, the order of
``tf.image.non_max_suppression`` and of the course's ``yolo_boxes_to_corners``) or
``(x1, y1, x2, y2)`` (``order="xy"``, the course's ``iou``), first corner <= second.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from utils.checks import require_int

_ORDERS = {"xy": ("x1", "y1", "x2", "y2"), "yx": ("y1", "x1", "y2", "x2")}


def check_corners(boxes: Any, name: str = "boxes", *, order: str = "xy") -> np.ndarray:
    """Validate boxes given by their corners; return them as a float64 array.

    Args:
        boxes: one box (4 numbers) or an array of boxes (..., 4).
        name: the argument's name, used in the error messages.
        order: ``"xy"`` for ``(x1, y1, x2, y2)`` (the course's ``iou``), ``"yx"`` for
            ``(y1, x1, y2, x2)`` (``yolo_boxes_to_corners``, ``tf.image``).

    Raises:
        ValueError: the last axis does not hold 4 numbers, a value is not finite, or a box has
            its second corner before its first (x2 < x1 or y2 < y1).
    """
    if order not in _ORDERS:
        raise ValueError(f"order: expected 'xy' or 'yx', got {order!r}")
    labels = _ORDERS[order]
    form = f"({', '.join(labels)})"
    try:
        array = np.asarray(boxes, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected numbers {form}, got {boxes!r}") from None
    if array.ndim == 0 or array.shape[-1] != 4:
        raise ValueError(f"{name}: expected 4 numbers {form} per box, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name}: the corners must be finite numbers, got {array.tolist()}")
    for first, second in ((0, 2), (1, 3)):
        bad = array[..., second] < array[..., first]
        if np.any(bad):
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            box = array[where] if where else array
            raise ValueError(
                f"{name}{list(where) if where else ''}: {labels[second]} < {labels[first]} "
                f"({labels[first]} = {box[first]:g}, {labels[second]} = {box[second]:g}); the "
                f"corners must be {form} with {labels[0]} <= {labels[2]} and "
                f"{labels[1]} <= {labels[3]}"
            )
    return array


def check_box(box: Any, name: str = "box", *, order: str = "xy") -> tuple[float, ...]:
    """Validate ONE box given by its corners; return its 4 coordinates as floats.

    Args:
        box: 4 numbers, ``(x1, y1, x2, y2)`` for ``order="xy"`` or ``(y1, x1, y2, x2)`` for
            ``order="yx"``.
        name: the argument's name, used in the error messages.
        order: ``"xy"`` or ``"yx"``.

    Raises:
        ValueError: ``box`` is not 4 finite numbers, or its second corner is before its first.
    """
    array = check_corners(box, name, order=order)
    if array.shape != (4,):
        form = f"({', '.join(_ORDERS[order])})"
        raise ValueError(f"{name}: expected one box, 4 numbers {form}, got shape {array.shape}")
    return tuple(float(v) for v in array)


def check_yolo_boxes(boxes: Any, box_confidence: Any, box_class_probs: Any) -> None:
    """Validate the inputs of ``yolo_filter_boxes``.

    Args:
        boxes: (..., 4) corners ``(y1, x1, y2, x2)``.
        box_confidence: (..., 1) probabilities that a box holds an object.
        box_class_probs: (..., C) class probabilities.

    Raises:
        ValueError: naming the argument whose shape or values are wrong.
    """
    boxes = check_corners(boxes, "boxes", order="yx")
    confidence = np.asarray(box_confidence)
    probs = np.asarray(box_class_probs)
    lead = boxes.shape[:-1]
    if confidence.shape != (*lead, 1):
        raise ValueError(
            f"box_confidence: expected shape {(*lead, 1)} (one value per box of `boxes` "
            f"{boxes.shape}), got {confidence.shape}"
        )
    if probs.ndim != len(lead) + 1 or probs.shape[:-1] != lead or probs.shape[-1] < 1:
        raise ValueError(
            f"box_class_probs: expected shape {(*lead, 'C')} (C class probabilities per box of "
            f"`boxes` {boxes.shape}), got {probs.shape}"
        )


def check_scored_boxes(
    scores: Any,
    boxes: Any,
    classes: Any,
    max_boxes: int = 10,
    iou_threshold: float = 0.5,
) -> None:
    """Validate the inputs of ``yolo_non_max_suppression``.

    Args:
        scores: (n,) scores.
        boxes: (n, 4) corners ``(y1, x1, y2, x2)``.
        classes: (n,) class indices.
        max_boxes: an int >= 0.
        iou_threshold: a number in [0, 1].

    Raises:
        ValueError: naming the argument whose shape or value is wrong.
    """
    max_boxes = require_int(max_boxes, "max_boxes", minimum=0)
    if isinstance(iou_threshold, bool) or not 0 <= float(iou_threshold) <= 1:
        raise ValueError(f"iou_threshold: expected a number in [0, 1], got {iou_threshold!r}")
    boxes = check_corners(boxes, "boxes", order="yx")
    if boxes.ndim != 2:
        raise ValueError(f"boxes: expected shape (n, 4), got {boxes.shape}")
    for name, values in (("scores", scores), ("classes", classes)):
        if np.shape(values) != (len(boxes),):
            raise ValueError(
                f"{name}: expected shape ({len(boxes)},) (one per box), got {np.shape(values)}"
            )


def box_iou(boxes1: Any, boxes2: Any) -> np.ndarray:
    """IoU of every box of ``boxes1`` with every box of ``boxes2`` (both in the same corner order).

    Args:
        boxes1: (N, 4) corners.
        boxes2: (M, 4) corners.

    Returns:
        (N, M) IoUs; 0 where the union is empty.
    """
    a = check_corners(boxes1, "boxes1", order="yx").reshape(-1, 4)
    b = check_corners(boxes2, "boxes2", order="yx").reshape(-1, 4)
    low = np.maximum(a[:, None, :2], b[None, :, :2])
    high = np.minimum(a[:, None, 2:], b[None, :, 2:])
    overlap = np.clip(high - low, 0.0, None).prod(axis=-1)
    areas_a = (a[:, 2:] - a[:, :2]).prod(axis=-1)
    areas_b = (b[:, 2:] - b[:, :2]).prod(axis=-1)
    union = areas_a[:, None] + areas_b[None, :] - overlap
    return np.divide(overlap, union, out=np.zeros_like(overlap), where=union > 0)
