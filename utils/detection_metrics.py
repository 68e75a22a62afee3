"""Mean average precision of a detector, the PASCAL VOC way.

:func:`average_precision` is the all-point interpolated area under one class's precision-recall
curve; :func:`mean_average_precision` matches detections to true boxes (IoU >= a threshold, each
true box at most once) and averages the classes' AP. Boxes are corners ``(y1, x1, y2, x2)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from utils.boxes import box_iou, check_corners
from utils.checks import require_int


def average_precision(recall: Any, precision: Any) -> float:
    """Area under the precision-recall curve, all-point interpolated (PASCAL VOC since 2010).

    The precision is first made non-increasing (at each recall, the best precision reached at
    that recall or beyond), then summed over the recall steps:
    ``AP = Σ (r_{i+1} − r_i) · p_interp(r_{i+1})``.

    Args:
        recall: (n,) recall after each detection, in the order of decreasing score
            (non-decreasing).
        precision: (n,) precision after each detection.
    """
    recall = np.asarray(recall, np.float64).reshape(-1)
    precision = np.asarray(precision, np.float64).reshape(-1)
    if recall.shape != precision.shape:
        raise ValueError(
            f"recall and precision: expected the same shape, got {recall.shape} and "
            f"{precision.shape}"
        )
    if np.any(np.diff(recall) < 0) or np.any((recall < 0) | (recall > 1)):
        raise ValueError("recall: expected non-decreasing values in [0, 1]")
    if np.any((precision < 0) | (precision > 1)):
        raise ValueError("precision: expected values in [0, 1]")
    r = np.concatenate([[0.0], recall, [1.0]])
    p = np.concatenate([[0.0], precision, [0.0]])
    p = np.maximum.accumulate(p[::-1])[::-1]  # the envelope, from the right
    steps = np.nonzero(r[1:] != r[:-1])[0]
    return float(np.sum((r[steps + 1] - r[steps]) * p[steps + 1]))


def mean_average_precision(
    detections: Sequence[tuple[Any, Any, Any]],
    ground_truth: Sequence[tuple[Any, Any]],
    num_classes: int,
    iou_threshold: float = 0.5,
) -> tuple[float, np.ndarray]:
    """mAP@``iou_threshold``: the average precision of each class, averaged over the classes.

    For each class, the detections of all images are sorted by decreasing score; one is a true
    positive when its IoU with the best-overlapping true box of its class in its image is
    >= ``iou_threshold`` and that box was not matched before; otherwise (a duplicate or a miss) a
    false positive. Precision and recall after each detection give the class's AP
    (:func:`average_precision`). Classes without any true box are left out of the mean (NaN).

    Args:
        detections: one ``(scores, boxes, classes)`` triple per image, shapes (k,), (k, 4), (k,);
            boxes ``(y1, x1, y2, x2)``.
        ground_truth: one ``(boxes, classes)`` pair per image, shapes (g, 4) and (g,).
        num_classes: number of classes.
        iou_threshold: IoU needed for a match (0.5 for mAP@0.5).

    Returns:
        ``(mAP, ap_per_class)`` with ap_per_class of shape (num_classes,).
    """
    if len(detections) != len(ground_truth):
        raise ValueError(
            f"detections and ground_truth: expected one entry per image each, got "
            f"{len(detections)} and {len(ground_truth)}"
        )
    num_classes = require_int(num_classes, "num_classes", minimum=1)
    if not 0 < iou_threshold <= 1:
        raise ValueError(f"iou_threshold: expected a number in (0, 1], got {iou_threshold!r}")
    truths, found = [], []
    for index, ((boxes, classes), (scores, pred_boxes, pred_classes)) in enumerate(
        zip(ground_truth, detections, strict=True)
    ):
        boxes = check_corners(boxes, f"ground_truth[{index}] boxes", order="yx").reshape(-1, 4)
        classes = np.asarray(classes, int).reshape(-1)
        pred_boxes = check_corners(pred_boxes, f"detections[{index}] boxes", order="yx")
        pred_boxes = pred_boxes.reshape(-1, 4)
        scores = np.asarray(scores, np.float64).reshape(-1)
        pred_classes = np.asarray(pred_classes, int).reshape(-1)
        if len(classes) != len(boxes):
            raise ValueError(
                f"ground_truth[{index}]: {len(boxes)} boxes but {len(classes)} classes"
            )
        if not len(scores) == len(pred_classes) == len(pred_boxes):
            raise ValueError(
                f"detections[{index}]: {len(scores)} scores, {len(pred_boxes)} boxes and "
                f"{len(pred_classes)} classes; expected as many of each"
            )
        for name, values in (
            (f"ground_truth[{index}]", classes),
            (f"detections[{index}]", pred_classes),
        ):
            if len(values) and (values.min() < 0 or values.max() >= num_classes):
                raise ValueError(f"{name}: class indices must lie in [0, {num_classes})")
        truths.append((boxes, classes))
        found.append((scores, pred_boxes, pred_classes))

    aps = np.full(num_classes, np.nan)
    for label in range(num_classes):
        positives = sum(int(np.sum(classes == label)) for _, classes in truths)
        if positives == 0:
            continue
        candidates = [
            (score, image, box)
            for image, (scores, boxes, classes) in enumerate(found)
            for score, box, cls in zip(scores, boxes, classes, strict=True)
            if cls == label
        ]
        order = np.argsort([-score for score, _, _ in candidates], kind="stable")
        matched = [np.zeros(int(np.sum(classes == label)), bool) for _, classes in truths]
        hits = np.zeros(len(candidates))
        for rank, which in enumerate(order):
            _, image, box = candidates[which]
            boxes, classes = truths[image]
            mine = boxes[classes == label]
            if not len(mine):
                continue
            overlaps = box_iou(box[None], mine)[0]
            best = int(np.argmax(overlaps))
            if overlaps[best] >= iou_threshold and not matched[image][best]:
                matched[image][best] = True
                hits[rank] = 1.0
        true_positives = np.cumsum(hits)
        recall = true_positives / positives
        precision = true_positives / np.arange(1, len(hits) + 1)
        aps[label] = average_precision(recall, precision)
    valid = aps[~np.isnan(aps)]
    return (float(valid.mean()) if len(valid) else float("nan")), aps
