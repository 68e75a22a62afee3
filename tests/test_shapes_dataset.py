"""utils.shapes_dataset: the generated images, their exact boxes and classes, the seeds."""

from __future__ import annotations

import numpy as np
import pytest

from utils.boxes import box_iou
from utils.shapes_dataset import SHAPE_CLASSES, make_shapes_dataset


@pytest.fixture(scope="module")
def data():
    return make_shapes_dataset(40, size=96, seed=5, object_size=(12, 44), masks=True)


def test_every_box_is_the_bounding_box_of_its_object_s_visible_pixels(data):
    checked = 0
    for index in range(len(data)):
        owner = data.masks[index]
        boxes, classes = data.boxes[index], data.classes[index]
        assert boxes.shape == (len(classes), 4) and boxes.dtype == np.float32
        assert set(np.unique(owner)) == set(range(len(classes) + 1)) | {0}
        for j, box in enumerate(boxes):
            rows, cols = np.nonzero(owner == j + 1)
            expected = [rows.min(), cols.min(), rows.max() + 1, cols.max() + 1]
            np.testing.assert_array_equal(box, expected)
            checked += 1
    assert checked >= 60


def test_images_classes_and_sizes_are_as_documented(data):
    assert data.images.shape == (40, 96, 96, 3) and data.images.dtype == np.float32
    assert data.images.min() >= 0 and data.images.max() <= 1
    np.testing.assert_allclose(data.images * 255, np.round(data.images * 255), atol=1e-4)
    assert data.class_names == SHAPE_CLASSES == ("disc", "triangle", "horse")
    counts = [len(c) for c in data.classes]
    assert min(counts) >= 1 and max(counts) <= 4
    every = np.concatenate(data.classes)
    assert set(every.tolist()) == {0, 1, 2}
    boxes = np.concatenate(data.boxes)
    heights = boxes[:, 2] - boxes[:, 0]
    assert heights.max() <= 44 and np.all(boxes[:, 2:] <= 96) and np.all(boxes[:, :2] >= 0)


def test_objects_overlap_sometimes_but_stay_mostly_visible(data):
    overlapping = 0
    for boxes in data.boxes:
        ious = box_iou(boxes, boxes)
        overlapping += int(np.sum(np.triu(ious, 1) > 0))
    assert overlapping >= 3  # objects may overlap
    for index in range(len(data)):  # ... but each keeps a good share of its pixels
        owner = data.masks[index]
        for j, box in enumerate(data.boxes[index]):
            y1, x1, y2, x2 = box.astype(int)
            visible = np.count_nonzero(owner[y1:y2, x1:x2] == j + 1)
            assert visible >= 0.2 * (y2 - y1) * (x2 - x1)


def test_the_generator_is_deterministic_and_seeded():
    first = make_shapes_dataset(6, size=64, seed=1, object_size=(10, 30))
    again = make_shapes_dataset(6, size=64, seed=1, object_size=(10, 30), uint8=True)
    other = make_shapes_dataset(6, size=64, seed=2, object_size=(10, 30))
    assert again.images.dtype == np.uint8 and again.masks is None
    np.testing.assert_array_equal(first.images, again.images.astype(np.float32) / 255)
    for a, b in zip(first.boxes, again.boxes, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first.images, other.images)


def test_images_without_objects():
    empty = make_shapes_dataset(
        3, size=64, seed=0, min_objects=0, max_objects=0, object_size=(10, 30), masks=True
    )
    assert [b.shape for b in empty.boxes] == [(0, 4)] * 3
    assert [c.shape for c in empty.classes] == [(0,)] * 3
    assert not empty.masks.any()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_images": 0}, "n_images"),
        ({"size": 16}, "size"),
        ({"max_objects": -1}, "max_objects"),
        ({"min_objects": 3, "max_objects": 2}, "min_objects"),
        ({"object_size": (30, 200)}, "object_size"),
        ({"backgrounds": ("nope",)}, "backgrounds"),
    ],
)
def test_bad_generator_arguments_are_named(kwargs, message):
    arguments = {"n_images": 1, "size": 64, "object_size": (10, 30), **kwargs}
    with pytest.raises(ValueError, match=message):
        make_shapes_dataset(**arguments)
