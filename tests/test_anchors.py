"""utils.anchors: IoU of shapes, the owner cell and anchor of a box, targets, k-means."""

from __future__ import annotations

import numpy as np
import pytest

from utils.anchors import assign_anchor, kmeans_anchors, sizes_in_cells, wh_iou, yolo_targets


def test_wh_iou_of_boxes_sharing_a_centre():
    ious = wh_iou([[2, 2], [1, 4], [0, 0]], [[2, 2], [4, 1]])
    np.testing.assert_allclose(ious, [[1, 2 / 6], [2 / 6, 1 / 7], [0, 0]])
    with pytest.raises(ValueError, match="wh: expected an \\(N, 2\\) array"):
        wh_iou([1, 2, 3], [[1, 1]])
    with pytest.raises(ValueError, match="anchors"):
        wh_iou([[1, 1]], [[-1, 1]])


def test_assign_anchor_picks_the_centre_cell_and_the_best_shape():
    anchors = np.array([[1.0, 1.0], [2.0, 1.0], [1.0, 3.0]])  # (w, h) in cells
    # 4 rows × 5 columns on a 128 × 160 image: cells of 32 × 32 px.
    tall = (10, 70, 100, 100)  # y1, x1, y2, x2: centre (55, 85) → row 1, col 2; 30 × 90 px
    row, col, anchor, overlap = assign_anchor(tall, anchors, (4, 5), (128, 160))
    assert (row, col, anchor) == (1, 2, 2)
    assert overlap == pytest.approx((30 / 32 * 90 / 32) / (1 * 3))
    wide = (0, 0, 32, 62)  # centre (16, 31): row 0, col 0; 62 × 32 px
    assert assign_anchor(wide, anchors, (4, 5), (128, 160))[:3] == (0, 0, 1)
    corner = (120, 150, 128, 160)  # centre on the last row and column
    assert assign_anchor(corner, anchors, (4, 5), (128, 160))[:2] == (3, 4)
    with pytest.raises(ValueError, match="x2 < x1"):
        assign_anchor((0, 10, 5, 0), anchors, (4, 5), (128, 160))
    with pytest.raises(ValueError, match="grid_shape"):
        assign_anchor(wide, anchors, (0, 5), (128, 160))


def test_sizes_in_cells_are_the_unit_of_the_anchors():
    boxes = np.array([[10, 70, 100, 100], [0, 0, 32, 62]], np.float32)  # (y1, x1, y2, x2)
    sizes = sizes_in_cells(boxes, (4, 5), (128, 160))  # cells of 32 × 32 px
    np.testing.assert_allclose(sizes, [[30 / 32, 90 / 32], [62 / 32, 1.0]])
    assert sizes.dtype == np.float32 and sizes_in_cells([0, 0, 2, 4], (1, 1), (4, 4)).shape == (
        1,
        2,
    )
    with pytest.raises(ValueError, match="image_shape"):
        sizes_in_cells(boxes, (4, 5), (128, 0))


def test_yolo_targets_fill_one_slot_per_box_and_share_a_cell_between_anchors():
    anchors = np.array([[1.0, 1.0], [2.0, 2.0]])
    boxes = np.array([[0, 0, 32, 32], [2, 2, 30, 30], [64, 96, 128, 160]], float)
    target = yolo_targets(boxes, [2, 0, 1], anchors, (4, 5), (128, 160), 3).reshape(4, 5, 2, 8)
    assert target.shape == (4, 5, 2, 8) and target[..., 4].sum() == 3
    np.testing.assert_allclose(target[0, 0, 0], [0.1, 0.125, 0.2, 0.25, 1, 0, 0, 1])
    # the second box wants the same cell and anchor: it gets the cell's next best anchor
    np.testing.assert_allclose(target[0, 0, 1, :5], [0.1, 0.125, 28 / 160, 28 / 128, 1])
    assert target[0, 0, 1, 5] == 1
    np.testing.assert_allclose(target[3, 4, 1], [0.8, 0.75, 0.4, 0.5, 1, 0, 1, 0])
    assert yolo_targets(np.zeros((0, 4)), [], anchors, (4, 5), (128, 160), 3).sum() == 0
    with pytest.raises(ValueError, match="classes: expected indices in \\[0, 3\\)"):
        yolo_targets(boxes, [0, 1, 3], anchors, (4, 5), (128, 160), 3)
    with pytest.raises(ValueError, match="one per box"):
        yolo_targets(boxes, [0, 1], anchors, (4, 5), (128, 160), 3)


def test_kmeans_with_1_minus_iou_finds_the_shapes_of_clustered_boxes():
    rng = np.random.default_rng(0)
    shapes = np.array([[0.5, 0.5], [3.0, 1.0], [1.0, 3.0]])
    wh = np.repeat(shapes, 30, axis=0) * rng.uniform(0.97, 1.03, (90, 2))
    stuck, stuck_iou = kmeans_anchors(wh, 3, seed=1)  # a poor local optimum from this start
    anchors, mean_iou = kmeans_anchors(wh, 3, seed=1, restarts=5)
    by_width = anchors[np.argsort(anchors[:, 0])]  # (3, 1) and (1, 3) have the same area
    np.testing.assert_allclose(by_width, shapes[[0, 2, 1]], rtol=0.02)
    assert np.all(np.diff(anchors.prod(axis=1)) >= 0)  # sorted by area
    assert mean_iou > 0.95 > stuck_iou
    again, again_iou = kmeans_anchors(wh, 3, seed=1, restarts=5)
    np.testing.assert_array_equal(again, anchors)
    one, one_iou = kmeans_anchors(wh, 1)
    assert one_iou < mean_iou
    with pytest.raises(
        ValueError, match=r"k \(at most the number of boxes\): expected an int in \[1, 90\], got 91"
    ):
        kmeans_anchors(wh, 91)
    with pytest.raises(ValueError, match="restarts: expected an int >= 1, got 0"):
        kmeans_anchors(wh, 2, restarts=0)
