"""Non-max suppression by TensorFlow: the references of the YOLO exercises.

:func:`library_nms` is what the hand-written ``yolo_non_max_suppression`` computes and
:func:`library_eval` what ``yolo_eval`` computes, both done by
``tf.image.combined_non_max_suppression``; the public tests compare the exercises with them, and
:mod:`utils.shapes_detector` post-processes the compact detector's outputs with
:func:`library_eval`.

Boxes are corners ``(y1, x1, y2, x2)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from utils.boxes import check_scored_boxes


def library_nms(
    scores: Any, boxes: Any, classes: Any, max_boxes: int = 10, iou_threshold: float = 0.5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-class non-max suppression by TensorFlow: what ``yolo_non_max_suppression`` computes.

    Within each class, a box is dropped when a higher-scoring box of that class overlaps it with
    IoU > ``iou_threshold``; the ``max_boxes`` best boxes over all classes are kept.

    Args:
        scores: (n,) scores.
        boxes: (n, 4) corners ``(y1, x1, y2, x2)``.
        classes: (n,) class indices.
        max_boxes: at most this many boxes are returned.
        iou_threshold: the IoU above which a box is suppressed.

    Returns:
        ``(scores, boxes, classes)`` of the kept boxes by decreasing score: float32 (k,),
        float32 (k, 4), int64 (k,).
    """
    check_scored_boxes(scores, boxes, classes, max_boxes, iou_threshold)
    (found,) = _combined_nms(
        np.asarray(boxes, np.float32)[None],
        np.asarray(scores, np.float32)[None],
        np.asarray(classes, np.int64)[None],
        max_boxes,
        iou_threshold,
    )
    return found


def library_eval(
    yolo_outputs: Sequence[Any],
    image_shape: tuple[int, int] = (720, 1280),
    max_boxes: int = 10,
    score_threshold: float = 0.6,
    iou_threshold: float = 0.5,
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The course's ``yolo_eval`` by TensorFlow, for a batch of images at once.

    Corners ``(y1, x1, y2, x2)`` scaled to ``image_shape``; each box keeps its best class score
    ``p_c · c_i`` when it is >= ``score_threshold``; then per-class non-max suppression
    (:func:`library_nms`), all images in one ``tf.image.combined_non_max_suppression`` call.

    Args:
        yolo_outputs: what ``utils.yolo.yolo_head`` returns for m images: ``box_xy``
            (m, ..., 2), ``box_wh`` (m, ..., 2), ``box_confidence`` (m, ..., 1) and
            ``box_class_probs`` (m, ..., C). One image's outputs need a leading axis of 1.
        image_shape: (height, width) of the images in pixels.
        max_boxes: at most this many boxes per image.
        score_threshold: keep the boxes whose best class score is >= this.
        iou_threshold: the IoU threshold of non-max suppression.

    Returns:
        m triples ``(scores, boxes, classes)``, as :func:`library_nms` returns them, boxes in
        pixels.
    """
    box_xy, box_wh, confidence, probs = (np.asarray(a, np.float32) for a in yolo_outputs)
    count = len(box_xy)
    low, high = box_xy - box_wh / 2, box_xy + box_wh / 2
    corners = np.concatenate([low[..., ::-1], high[..., ::-1]], axis=-1).reshape(count, -1, 4)
    height, width = image_shape
    corners = corners * np.array([height, width, height, width], np.float32)
    products = (confidence * probs).reshape(count, corners.shape[1], -1)
    scores, classes = products.max(axis=-1), products.argmax(axis=-1)
    scores = np.where(scores >= np.float32(score_threshold), scores, np.float32(-np.inf))
    return _combined_nms(corners, scores, classes, max_boxes, iou_threshold)


def _combined_nms(
    boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, max_boxes: int, iou_threshold: float
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per-class NMS of m images: boxes (m, n, 4), scores (m, n) (−inf: left out), classes (m, n).

    Each box competes only in its own class: its row of the score matrix holds its score there
    and −inf elsewhere.
    """
    import tensorflow as tf

    count, n = scores.shape
    empty = (np.zeros(0, np.float32), np.zeros((0, 4), np.float32), np.zeros(0, np.int64))
    if n == 0 or max_boxes == 0:
        return [empty] * count
    matrix = np.full((count, n, int(classes.max()) + 1), -np.inf, np.float32)
    np.put_along_axis(matrix, classes[..., None], scores[..., None], axis=-1)
    kept_boxes, kept_scores, kept_classes, valid = (
        np.asarray(t)
        for t in tf.image.combined_non_max_suppression(
            boxes[:, :, None, :],
            matrix,
            max_output_size_per_class=max_boxes,
            max_total_size=max_boxes,
            iou_threshold=iou_threshold,
            score_threshold=np.finfo(np.float32).min,  # every finite score takes part
            clip_boxes=False,
        )
    )
    return [
        (kept_scores[i, :k], kept_boxes[i, :k], kept_classes[i, :k].astype(np.int64))
        for i, k in enumerate(valid)
    ]
