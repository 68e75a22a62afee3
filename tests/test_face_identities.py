"""utils.face_identities: the fixed identity splits and the generated photos of each identity."""

from __future__ import annotations

import numpy as np
import pytest

from utils.face_identities import make_identity_photos, split_identities
from utils.face_metrics import pair_distances, pair_indices


def test_split_identities_is_disjoint_and_fixed():
    train, val, test = split_identities(seed=0)
    assert (len(train), len(val), len(test)) == (60, 20, 20)
    assert len(set(train) | set(val) | set(test)) == 100
    assert np.array_equal(test, split_identities(seed=0)[2])
    with pytest.raises(ValueError, match="add up to more"):
        split_identities(sizes=(60, 30, 20))


def test_identity_photos_are_deterministic_and_vary():
    x, y = make_identity_photos([3, 7], 4, seed=5)
    assert x.shape == (8, 32, 32, 3) and x.dtype == np.float32
    assert y.tolist() == [3, 3, 3, 3, 7, 7, 7, 7]
    assert 0.0 <= x.min() and x.max() <= 1.0
    again, _ = make_identity_photos([3, 7], 4, seed=5)
    assert np.array_equal(x, again)
    assert not np.array_equal(x[0], x[1])  # two photos of one identity differ
    assert np.allclose(x[..., 0], x[..., 2])  # gray faces stay gray
    other, _ = make_identity_photos([3, 7], 4, seed=6)
    assert not np.array_equal(x, other)
    with pytest.raises(ValueError, match="identities"):
        make_identity_photos([100], 1, seed=0)


def test_same_identity_photos_are_closer_in_pixels_than_other_identities():
    x, y = make_identity_photos(np.arange(10), 4, seed=0)
    flat = x.reshape(len(x), -1)
    i, j, same = pair_indices(y)
    d = pair_distances(flat, i, j)
    assert d[same].mean() < d[~same].mean()
