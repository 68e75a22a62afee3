"""Unit tests of utils.patch_features (notebook 08's patch network) and its shipped weights."""

from __future__ import annotations

import numpy as np
import pytest

from utils import patch_features as pf
from utils.assets import registry


@pytest.fixture(scope="module")
def photos():
    return pf.task_photos()


def test_task_photos_keep_their_aspect(photos):
    assert len(photos) == len(pf.PHOTOS) == 12
    for photo in photos:
        assert min(photo.shape[:2]) == pf.PHOTO_SIDE and photo.shape[2] == 3
        assert photo.dtype == np.float32 and 0.0 <= photo.min() and photo.max() <= 1.0
    rocket = photos[pf.PHOTOS.index("rocket")]  # 427×640
    assert rocket.shape[:2] == (128, 192)
    with pytest.raises(
        ValueError, match=r"side \(at least one block\): expected an int >= 64, got 32"
    ):
        pf.task_photos(32)


def test_held_out_blocks_are_one_in_four():
    held = [pf.held_out_block(r, c) for r in range(4) for c in range(4)]
    assert sum(held) == 4


def test_patches_come_from_their_split_only(photos):
    """Every held-out patch is found in a held-out block of its photo, never in a training one."""
    X, Y = pf.sample_patches(photos, 15, "held-out", seed=3)
    assert X.shape == (15, pf.PATCH, pf.PATCH, 3) and X.dtype == np.float32
    assert Y.shape == (15,) and Y.min() >= 0 and Y.max() < 12
    for patch, label in zip(X, Y, strict=True):
        photo = photos[label]
        found = [
            (y // pf.BLOCK, x // pf.BLOCK)
            for y in range(photo.shape[0] - pf.PATCH + 1)
            for x in range(photo.shape[1] - pf.PATCH + 1)
            if np.array_equal(photo[y : y + pf.PATCH, x : x + pf.PATCH], patch)
        ]
        assert found and all(pf.held_out_block(r, c) for r, c in found)


def test_sampling_is_seeded_and_greys_a_fraction(photos):
    X, Y = pf.sample_patches(photos, 200, "train", seed=5, grey=0.5)
    X2, Y2 = pf.sample_patches(photos, 200, "train", seed=5, grey=0.5)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(Y, Y2)
    colour, Y3 = pf.sample_patches(photos, 200, "train", seed=5)  # the same windows, in colour
    np.testing.assert_array_equal(Y, Y3)
    changed = np.abs(X - colour).max(axis=(1, 2, 3)) > 1e-4  # grey photos stay (almost) the same
    means = colour[changed].mean(axis=-1, keepdims=True)
    np.testing.assert_allclose(X[changed], np.broadcast_to(means, X[changed].shape))
    was_colour = (colour.max(axis=-1) - colour.min(axis=-1)).max(axis=(1, 2)) > 1e-3
    assert 0.35 < changed.sum() / was_colour.sum() < 0.65  # about half of the colour patches
    with pytest.raises(ValueError, match="split must be one of"):
        pf.sample_patches(photos, 2, "test", seed=0)
    with pytest.raises(ValueError, match="count: expected an int >= 1, got 0"):
        pf.sample_patches(photos, 0, "train", seed=0)
    with pytest.raises(ValueError, match="grey must be a fraction"):
        pf.sample_patches(photos, 2, "train", seed=0, grey=2)


def test_patch_network_shapes_and_feature_model():
    model = pf.patch_network()
    assert model.count_params() == 246_220
    assert model.get_layer("conv1").get_weights()[0].shape == (7, 7, 3, 32)
    assert tuple(model.output.shape) == (None, 12)
    features = pf.conv_features(model, ["conv2", "conv4"])
    maps = features(np.zeros((1, 64, 96, 3), np.float32))
    assert [tuple(m.shape) for m in maps] == [(1, 32, 48, 64), (1, 8, 12, 128)]
    with pytest.raises(ValueError, match="names: expected some of"):
        pf.conv_features(model, ["conv9"])


@pytest.mark.slow
def test_shipped_weights_beat_chance_on_held_out_patches(photos):
    """The promise of the manifest entry: far above 1/12 on patches of the held-out blocks."""
    assert pf.WEIGHTS in registry()
    model = pf.load_patch_network()
    X, Y = pf.sample_patches(photos, 600, "held-out", seed=10_000)
    assert pf.count_correct(model, X, Y) / len(Y) > 0.6
