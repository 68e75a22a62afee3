"""utils.detection_metrics: average precision and mAP (hand-worked cases)."""

from __future__ import annotations

import numpy as np
import pytest

from utils.detection_metrics import average_precision, mean_average_precision


def test_average_precision_all_point_interpolation():
    assert average_precision([0.5, 1.0], [1.0, 1.0]) == pytest.approx(1.0)
    # TP, FP, TP with 2 true boxes: precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1.
    assert average_precision([0.5, 0.5, 1.0], [1, 0.5, 2 / 3]) == pytest.approx(0.5 + 0.5 * 2 / 3)
    # The envelope: FP first, then TP, TP (3 true boxes, one never found).
    recall = [0, 1 / 3, 2 / 3]
    precision = [0, 1 / 2, 2 / 3]
    assert average_precision(recall, precision) == pytest.approx(2 / 3 * 2 / 3)
    assert average_precision([], []) == 0.0
    with pytest.raises(ValueError, match="recall"):
        average_precision([0.5, 0.2], [1, 1])
    with pytest.raises(ValueError, match="same shape"):
        average_precision([0.5], [1, 1])


def det(scores, boxes, classes):
    return np.array(scores, float), np.array(boxes, float).reshape(-1, 4), np.array(classes, int)


def test_map_of_perfect_detections_is_one():
    truth = [(np.array([[0, 0, 10, 10], [20, 20, 40, 30]]), np.array([0, 1]))]
    found = [det([0.9, 0.8], [[0, 0, 10, 10], [20, 20, 40, 30]], [0, 1])]
    mean, aps = mean_average_precision(found, truth, 2)
    assert mean == 1.0 and aps.tolist() == [1.0, 1.0]


def test_map_counts_duplicates_wrong_classes_and_misses():
    truth = [
        (np.array([[0, 0, 10, 10], [50, 50, 60, 60]]), np.array([0, 0])),
        (np.array([[0, 0, 20, 20]]), np.array([1])),
    ]
    found = [
        # a hit (0.9), its duplicate (0.8: a false positive), a box of the wrong class (0.7)
        det([0.9, 0.8, 0.7], [[0, 0, 10, 10], [1, 1, 10, 10], [50, 50, 60, 60]], [0, 0, 1]),
        det([0.6], [[0, 0, 20, 20]], [1]),
    ]
    mean, aps = mean_average_precision(found, truth, 3)
    # class 0: TP, FP; 2 true boxes → precision 1, 1/2; recall 1/2, 1/2 → AP = 1/2
    # class 1: FP (0.7, image 0), TP (0.6) → precision 0, 1/2; recall 0, 1 → AP = 1/2
    # class 2: no true box → NaN, left out of the mean
    assert aps[:2].tolist() == pytest.approx([0.5, 0.5]) and np.isnan(aps[2])
    assert mean == pytest.approx(0.5)


def test_map_iou_threshold_is_inclusive_and_a_class_never_found_scores_zero():
    truth = [(np.array([[0, 0, 10, 10], [30, 30, 40, 40]]), np.array([0, 1]))]
    half = det([0.9], [[0, 0, 10, 20]], [0])  # IoU exactly 0.5 with the first true box
    mean, aps = mean_average_precision([half], truth, 2, iou_threshold=0.5)
    assert aps.tolist() == [1.0, 0.0] and mean == 0.5
    mean, aps = mean_average_precision([half], truth, 2, iou_threshold=0.51)
    assert aps.tolist() == [0.0, 0.0]


def test_map_sorts_by_score_across_images():
    truth = [(np.array([[0, 0, 10, 10]]), np.array([0]))] * 2
    found = [det([0.3], [[0, 0, 10, 10]], [0]), det([0.9], [[50, 50, 60, 60]], [0])]
    # by score: FP (0.9), TP (0.3): precision 0, 1/2 at recall 0, 1/2 → AP = 1/2 · 1/2
    mean, _ = mean_average_precision(found, truth, 1)
    assert mean == pytest.approx(0.25)


def test_map_argument_errors():
    truth = [(np.zeros((0, 4)), np.zeros(0, int))]
    with pytest.raises(ValueError, match="one entry per image"):
        mean_average_precision([], truth, 1)
    with pytest.raises(ValueError, match="class indices"):
        mean_average_precision([det([0.5], [[0, 0, 1, 1]], [3])], truth, 2)
    with pytest.raises(ValueError, match="detections\\[0\\]"):
        mean_average_precision([det([0.5, 0.4], [[0, 0, 1, 1]], [0])], truth, 2)
    with pytest.raises(ValueError, match="iou_threshold"):
        mean_average_precision([det([], [], [])], truth, 1, iou_threshold=0)
    mean, aps = mean_average_precision([det([], [], [])], truth, 1)
    assert np.isnan(mean) and np.isnan(aps[0])
