"""utils.landmark_dataset: triangles whose three corners are exact, in a fixed order, and seeds."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.draw import polygon

from utils.landmark_dataset import TRIANGLE_LANDMARKS, make_landmark_dataset, triangle_corners


@pytest.fixture(scope="module")
def data():
    return make_landmark_dataset(60, size=40, seed=3, object_size=(12, 30), masks=True)


def test_images_flags_and_landmarks_have_the_documented_shapes(data):
    assert len(data) == 60
    assert data.images.shape == (60, 40, 40, 3) and data.images.dtype == np.float32
    assert data.images.min() >= 0 and data.images.max() <= 1
    np.testing.assert_allclose(data.images * 255, np.round(data.images * 255), atol=1e-4)
    assert data.present.shape == (60,) and data.present.dtype == bool
    assert 15 <= data.present.sum() <= 45  # presence 0.5
    assert data.landmarks.shape == (60, 3, 2) and data.landmarks.dtype == np.float32
    assert data.landmark_names == TRIANGLE_LANDMARKS == ("apex", "base left", "base right")
    assert np.isnan(data.landmarks[~data.present]).all()
    assert not np.isnan(data.landmarks[data.present]).any()


def test_the_landmarks_are_the_corners_of_the_painted_triangle(data):
    for image, mask, corners, present in zip(
        data.images, data.masks, data.landmarks, data.present, strict=True
    ):
        if not present:
            assert not mask.any()
            continue
        assert np.all(corners >= 1) and np.all(corners <= 40 - 2), corners  # inside the image
        rows, cols = polygon(corners[:, 1], corners[:, 0], mask.shape)  # (x, y) = (col, row)
        expected = np.zeros_like(mask)
        expected[rows, cols] = True
        np.testing.assert_array_equal(mask, expected)
        inside, outside = image[mask], image[~mask]
        assert np.linalg.norm(inside.mean(axis=0) - outside.mean(axis=0)) > 0.05  # it stands out


def test_corners_come_in_a_fixed_order_apex_on_top_base_left_then_right():
    rng = np.random.default_rng(0)
    for _ in range(200):
        apex, left, right = triangle_corners(rng, 32, (10, 24), 25.0)
        assert apex[1] < min(left[1], right[1])  # the apex is the highest corner (smallest y)
        assert left[0] < right[0]
        base = right - left
        assert abs(np.degrees(np.arctan2(base[1], base[0]))) <= 25.0 + 1e-9


def test_triangles_too_large_once_rotated_are_shrunk_to_fit():
    rng = np.random.default_rng(1)
    for _ in range(100):
        corners = triangle_corners(rng, 16, (13, 13), 50.0)
        assert np.all(corners >= 1 - 1e-9) and np.all(corners <= 14 + 1e-9)


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    first = make_landmark_dataset(8, seed=11)
    again = make_landmark_dataset(8, seed=11)
    other = make_landmark_dataset(8, seed=12)
    np.testing.assert_array_equal(first.images, again.images)
    np.testing.assert_array_equal(first.landmarks, again.landmarks)
    assert not np.array_equal(first.images, other.images)
    assert first.images.shape == (8, 32, 32, 3) and first.masks is None


def test_presence_and_distractors_are_probabilities_that_hold():
    none = make_landmark_dataset(10, seed=0, presence=0.0, distractors=0.0)
    assert not none.present.any()
    every = make_landmark_dataset(10, seed=0, presence=1.0)
    assert every.present.all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_images": 0}, "n_images"),
        ({"size": 8}, "size"),
        ({"presence": 1.5}, "presence"),
        ({"distractors": -0.1}, "distractors"),
        ({"object_size": (10, 40)}, "object_size"),
        ({"max_rotation": 90.0}, "max_rotation"),
        ({"backgrounds": ("nowhere",)}, "backgrounds"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    arguments = {"n_images": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        make_landmark_dataset(**arguments)
