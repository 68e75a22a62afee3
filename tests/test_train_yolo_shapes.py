"""scripts/train_yolo_shapes.py: YOLOv2's training loss (zero when perfect, its terms)."""

from __future__ import annotations

import numpy as np
import pytest

from scripts.train_yolo_shapes import yolo_loss
from utils.anchors import yolo_targets
from utils.yolo import (
    read_anchors,
    yolo_head,
)


def perfect_logits(target: np.ndarray, anchors: np.ndarray, grid: tuple, classes: int):
    """Raw outputs that decode exactly to ``target``'s boxes, confident and of the right class."""
    rows, cols = grid
    t = target.reshape(rows, cols, len(anchors), 5 + classes)
    has = t[..., 4] == 1
    gy, gx = np.mgrid[0:rows, 0:cols]
    offset = t[..., :2] * [cols, rows] - np.stack([gx, gy], -1)[:, :, None]
    offset = np.clip(offset, 1e-6, 1 - 1e-6)
    feats = np.zeros_like(t)
    feats[..., :2] = np.where(has[..., None], np.log(offset / (1 - offset)), 0)
    size = np.maximum(t[..., 2:4] * [cols, rows] / anchors, 1e-9)
    feats[..., 2:4] = np.where(has[..., None], np.log(size), 0)
    feats[..., 4] = np.where(has, 30.0, -30.0)
    feats[..., 5:] = 40.0 * t[..., 5:]
    return feats.reshape(1, rows, cols, -1).astype(np.float32)


def test_yolo_loss_is_zero_for_a_perfect_prediction_and_decodes_the_boxes():
    anchors = np.array([[1.0, 1.0], [2.0, 1.5]])
    boxes = np.array([[10, 20, 50, 40], [60, 60, 100, 150]], float)
    target = yolo_targets(boxes, [1, 0], anchors, (4, 5), (128, 160), 3)
    feats = perfect_logits(target, anchors, (4, 5), 3)
    loss = np.asarray(yolo_loss(target[None], feats, anchors, 3))
    assert loss.shape == (1,) and loss[0] < 1e-6
    xy, wh, confidence, _ = (np.asarray(t)[0] for t in yolo_head(feats, anchors, 3))
    has = confidence[..., 0] > 0.5
    np.testing.assert_allclose(xy[has] * [160, 128], [[30, 30], [105, 80]], atol=1e-3)
    np.testing.assert_allclose(wh[has] * [160, 128], [[20, 40], [90, 40]], atol=1e-3)
    worse = feats.copy()
    worse[..., 2] += 0.5  # every width e^0.5 too large
    assert np.asarray(yolo_loss(target[None], worse, anchors, 3))[0] > 0.4


def test_yolo_loss_ignores_good_boxes_without_object_unless_told_not_to():
    anchors = np.array([[1.0, 1.0], [1.1, 1.1]])
    boxes = np.array([[0, 0, 32, 32]], float)
    target = yolo_targets(boxes, [0], anchors, (4, 5), (128, 160), 3)
    feats = perfect_logits(target, anchors, (4, 5), 3).reshape(4, 5, 2, 8)
    feats[0, 0, 1] = feats[0, 0, 0] - [0, 0, np.log(1.1), np.log(1.1), 0, 0, 0, 0]
    feats[0, 0, 1, 4] = 30.0  # a confident duplicate in the second anchor, IoU 1 with the truth
    feats = feats.reshape(1, 4, 5, 16)
    ignored = np.asarray(yolo_loss(target[None], feats, anchors, 3))[0]
    punished = np.asarray(yolo_loss(target[None], feats, anchors, 3, ignore_threshold=1.01))[0]
    assert ignored < 1e-6 and punished == pytest.approx(30.0, abs=1e-3)  # −log(1 − σ(30))
    scaled = yolo_loss(target[None], feats, anchors, 3, ignore_threshold=1.01, noobject_scale=0.5)
    assert np.asarray(scaled)[0] == pytest.approx(15.0, abs=1e-3)


def test_yolo_loss_terms_and_their_weights():
    anchors = np.array([[1.0, 1.0]])
    target = yolo_targets([[0, 0, 32, 32]], [0], anchors, (1, 1), (32, 32), 2)  # one cell
    feats = np.array([[[[0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0]]]], np.float32)
    # box: offsets σ(0) = 0.5 are right, log-width 0.5 vs 0, weight 2 − 1·1 = 1 → 0.25;
    # objectness −log σ(0) = log 2; classes −log softmax(0, 0)[0] = log 2.
    terms = {"coord_scale": 0.25, "object_scale": np.log(2), "class_scale": np.log(2)}
    for name, value in terms.items():
        weights = {other: float(other == name) for other in terms}
        got = np.asarray(yolo_loss(target[None], feats, anchors, 2, **weights))[0]
        assert got == pytest.approx(value, rel=1e-5), name


def test_yolo_loss_has_finite_gradients_and_checks_the_channels():
    import tensorflow as tf

    anchors = read_anchors()[:2]
    target = yolo_targets([[5, 5, 40, 60]], [1], anchors, (2, 2), (64, 64), 3)[None]
    feats = tf.Variable(np.random.default_rng(0).normal(0, 3, (1, 2, 2, 16)).astype(np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(yolo_loss(target, feats, anchors, 3))
    assert np.all(np.isfinite(tape.gradient(loss, feats)))
    with pytest.raises(ValueError, match="y_pred: expected 2 · \\(5 \\+ 4\\) channels"):
        yolo_loss(target, feats, anchors, 4)
