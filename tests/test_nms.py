"""utils.nms: non-max suppression by TensorFlow (hand-worked cases)."""

from __future__ import annotations

import numpy as np
import pytest

from utils.nms import library_eval, library_nms


def test_library_nms_suppresses_within_a_class_only_and_keeps_the_best():
    # boxes 0 and 1 (class 0) overlap with IoU 81/100: 1 goes; box 2 (class 1) stays; 3 is alone
    scores = np.array([0.9, 0.8, 0.7, 0.6], np.float32)
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [0, 0, 9, 9], [20, 20, 30, 30]], np.float32)
    classes = np.array([0, 0, 1, 0])
    kept_scores, kept_boxes, kept_classes = library_nms(scores, boxes, classes, 10, 0.5)
    np.testing.assert_array_equal(kept_scores, scores[[0, 2, 3]])
    np.testing.assert_array_equal(kept_boxes, boxes[[0, 2, 3]])
    assert kept_classes.tolist() == [0, 1, 0] and kept_classes.dtype == np.int64
    assert library_nms(scores, boxes, classes, 2, 0.5)[2].tolist() == [0, 1]
    assert len(library_nms(scores, boxes, classes, 10, 0.85)[0]) == 4  # IoU 0.81 is not > 0.85
    assert [a.shape for a in library_nms(scores, boxes, classes, 0)] == [(0,), (0, 4), (0,)]
    nothing = library_nms(np.zeros(0), np.zeros((0, 4)), np.zeros(0, int))
    assert [a.shape for a in nothing] == [(0,), (0, 4), (0,)]
    with pytest.raises(ValueError, match="scores"):
        library_nms(scores[:3], boxes, classes)


def test_library_eval_keeps_scores_equal_to_the_threshold_image_by_image():
    # 2 images × 1 row × 3 cells × 1 anchor, 2 classes. Image 0: box 0 (x, y) = (0.5, 0.5),
    # (w, h) = (0.2, 0.4), score 0.81, class 1; box 1 shifted by 0.01, class 1: suppressed; box 2,
    # class 0, score 0.5 exactly: kept (>=). Image 1: every score below the threshold.
    xy = np.tile(
        np.array([[[[0.5, 0.5]], [[0.51, 0.5]], [[0.5, 0.52]]]], np.float32), (2, 1, 1, 1, 1)
    )
    wh = np.full((2, 1, 3, 1, 2), [0.2, 0.4], np.float32)
    confidence = np.array([[[[0.9]], [[0.8]], [[1.0]]]], np.float32)
    confidence = np.stack([confidence, confidence * 0.1])
    probs = np.tile(
        np.array([[[[0.1, 0.9]], [[0.1, 0.9]], [[0.5, 0.5]]]], np.float32), (2, 1, 1, 1, 1)
    )
    first, second = library_eval((xy, wh, confidence, probs), (100, 200), 10, 0.5, 0.5)
    np.testing.assert_allclose(first[0], [0.81, 0.5])
    np.testing.assert_allclose(first[1], [[30, 80, 70, 120], [32, 80, 72, 120]], atol=1e-4)
    assert first[2].tolist() == [1, 0]
    assert [a.shape for a in second] == [(0,), (0, 4), (0,)]
    (one,) = library_eval([a[:1] for a in (xy, wh, confidence, probs)], (100, 200), 1, 0.5, 0.5)
    assert one[2].tolist() == [1]
