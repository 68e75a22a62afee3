"""utils.box_drawing: boxes clipped to the image, labels, one panel per image."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Rectangle

from utils.box_drawing import draw_boxes, show_detections
from utils.shapes_dataset import SHAPE_CLASSES


def rectangles(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def test_boxes_partly_outside_are_clipped_and_boxes_outside_skipped():
    fig, ax = plt.subplots()
    ax.imshow(np.zeros((50, 80, 3)))
    boxes = [[-10, -20, 30, 40], [40, 70, 90, 120], [100, 100, 120, 130], [5, 5, 10, 10]]
    drawn = draw_boxes(ax, boxes, [0, 1, 2, 1], [0.9, 0.8, 0.7, 0.6], class_names=SHAPE_CLASSES)
    assert drawn == 3
    shown = rectangles(ax)
    assert len(shown) == 3
    for patch in shown:  # inside the image's extent (pixel edges at -0.5 and size - 0.5)
        x, y = patch.get_xy()
        assert x >= -0.5 and y >= -0.5
        assert x + patch.get_width() <= 79.5 and y + patch.get_height() <= 49.5
    first = shown[0]
    assert (first.get_xy(), first.get_width(), first.get_height()) == ((-0.5, -0.5), 40, 30)
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["disc 0.90", "triangle 0.80", "triangle 0.60"]
    assert ax.get_xlim() == (-0.5, 79.5) and ax.get_ylim() == (49.5, -0.5)
    plt.close(fig)


def test_drawing_without_labels_and_argument_errors():
    fig, ax = plt.subplots()
    assert draw_boxes(ax, [[0, 0, 5, 5]], image_shape=(10, 10), labels=False) == 1
    assert len(ax.texts) == 0
    assert draw_boxes(ax, np.zeros((0, 4)), image_shape=(10, 10)) == 0
    with pytest.raises(ValueError, match="image_shape"):
        draw_boxes(plt.subplots()[1], [[0, 0, 5, 5]])
    with pytest.raises(ValueError, match="classes"):
        draw_boxes(ax, [[0, 0, 5, 5]], [0, 1], image_shape=(10, 10))
    with pytest.raises(ValueError, match="x2 < x1"):
        draw_boxes(ax, [[0, 5, 5, 0]], image_shape=(10, 10))
    plt.close("all")


def test_show_detections_draws_one_panel_per_image(monkeypatch):
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    images = np.zeros((3, 20, 20, 3))
    detections = [
        (np.array([0.9]), np.array([[2, 2, 10, 10]]), np.array([2])),
        (np.zeros(0), np.zeros((0, 4)), np.zeros(0, int)),
        (np.array([0.5, 0.4]), np.array([[0, 0, 5, 5], [5, 5, 25, 25]]), np.array([0, 1])),
    ]
    truth = [(np.array([[2, 2, 11, 11]]), np.array([2]))] * 3
    show_detections(images, detections, SHAPE_CLASSES, ground_truth=truth, ncols=2)
    (fig,) = shown
    axes = [ax for ax in fig.axes if ax.images]
    assert len(axes) == 3
    assert [len(rectangles(ax)) for ax in axes] == [2, 1, 3]
    assert [t.get_text() for t in axes[0].texts] == ["horse 0.90"]
    with pytest.raises(ValueError, match="detections"):
        show_detections(images, detections[:2], SHAPE_CLASSES)
    plt.close("all")
