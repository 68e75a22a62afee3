"""utils.boxes: box checks that name the bad argument, and IoU (hand values, pixel counts)."""

from __future__ import annotations

import numpy as np
import pytest

from utils.boxes import box_iou, check_box, check_corners, check_scored_boxes, check_yolo_boxes


def test_check_corners_accepts_good_boxes_and_names_bad_ones():
    np.testing.assert_array_equal(check_corners([[0, 0, 1, 2]]), [[0, 0, 1, 2]])
    assert check_box((1, 2, 3, 4)) == (1.0, 2.0, 3.0, 4.0)
    with pytest.raises(ValueError, match=r"box1: expected 4 numbers \(x1, y1, x2, y2\)"):
        check_box((1, 2, 3), "box1")
    with pytest.raises(ValueError, match=r"box2: x2 < x1 \(x1 = 3, x2 = 1\)"):
        check_box((3, 0, 1, 1), "box2")
    with pytest.raises(ValueError, match=r"boxes\[1\]: y2 < y1"):
        check_corners([[0, 0, 1, 1], [5, 0, 1, 1]], order="yx")
    with pytest.raises(ValueError, match="finite"):
        check_corners([0, 0, np.nan, 1])
    with pytest.raises(ValueError, match="expected one box"):
        check_box([[0, 0, 1, 1]], "box")
    with pytest.raises(ValueError, match="order"):
        check_corners([0, 0, 1, 1], order="xyz")


def test_checks_of_the_yolo_arrays_name_the_argument():
    boxes = np.tile([0.1, 0.1, 0.2, 0.3], (2, 3, 1))
    check_yolo_boxes(boxes, np.ones((2, 3, 1)), np.ones((2, 3, 5)))
    with pytest.raises(ValueError, match="box_confidence: expected shape \\(2, 3, 1\\)"):
        check_yolo_boxes(boxes, np.ones((2, 3)), np.ones((2, 3, 5)))
    with pytest.raises(ValueError, match="box_class_probs"):
        check_yolo_boxes(boxes, np.ones((2, 3, 1)), np.ones((2, 5)))
    check_scored_boxes(np.ones(2), boxes[0, :2], np.zeros(2))
    with pytest.raises(ValueError, match="classes: expected shape \\(2,\\)"):
        check_scored_boxes(np.ones(2), boxes[0, :2], np.zeros(3))
    with pytest.raises(ValueError, match="max_boxes"):
        check_scored_boxes(np.ones(2), boxes[0, :2], np.zeros(2), max_boxes=-1)
    with pytest.raises(ValueError, match="iou_threshold"):
        check_scored_boxes(np.ones(2), boxes[0, :2], np.zeros(2), iou_threshold=1.5)


def test_box_iou_matches_hand_values_and_a_pixel_count():
    a = np.array([[1, 2, 3, 4], [0, 0, 4, 4]])
    b = np.array([[2, 1, 4, 3], [5, 5, 6, 6], [1, 1, 1, 1]])
    np.testing.assert_allclose(box_iou(a, b), [[1 / 7, 0, 0], [4 / 16, 0, 0]])
    rng = np.random.default_rng(0)
    for _ in range(50):
        boxes = [np.concatenate(np.sort(rng.integers(0, 10, (2, 2)), axis=0)) for _ in range(2)]
        masks = []
        for y1, x1, y2, x2 in boxes:
            mask = np.zeros((10, 10), bool)
            mask[y1:y2, x1:x2] = True
            masks.append(mask)
        union = np.sum(masks[0] | masks[1])
        expected = np.sum(masks[0] & masks[1]) / union if union else 0.0
        assert box_iou(boxes[0][None], boxes[1][None])[0, 0] == pytest.approx(expected)
