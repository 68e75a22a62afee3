"""utils.triplets: P×K batches, the semi-hard triplet loss against a loop, the recipe."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from utils.triplets import MARGIN, pk_batch, semihard_triplet_loss, train_triplet_encoder


def test_pk_batch_has_p_identities_with_k_photos():
    labels = np.repeat(np.arange(10), 5)
    batch = pk_batch(labels, 4, 3, np.random.default_rng(0))
    counts = np.unique(labels[batch], return_counts=True)[1]
    assert counts.tolist() == [3, 3, 3, 3] and len(set(batch)) == 12
    with pytest.raises(ValueError, match="k:"):
        pk_batch(labels, 4, 6, np.random.default_rng(0))


def semihard_reference(labels, x, margin):
    """Loop version of the semi-hard rule (FaceNet §3.2, TF Addons' TripletSemiHardLoss)."""
    d = ((x[:, None] - x[None]) ** 2).sum(-1)
    losses = []
    for a, p in itertools.permutations(range(len(labels)), 2):
        if labels[a] != labels[p]:
            continue
        negatives = [d[a, n] for n in range(len(labels)) if labels[n] != labels[a]]
        farther = [v for v in negatives if v > d[a, p]]
        chosen = min(farther) if farther else max(negatives)
        losses.append(max(d[a, p] - chosen + margin, 0.0))
    return np.mean(losses)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_semihard_triplet_loss_matches_a_loop(seed):
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(4), 3)
    x = rng.standard_normal((12, 5))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    got = float(semihard_triplet_loss(labels, x.astype(np.float32), 0.2))
    assert got == pytest.approx(semihard_reference(labels, x, 0.2), abs=1e-5)


def test_semihard_triplet_loss_is_zero_for_separated_clusters():
    labels = np.array([0, 0, 1, 1])
    x = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], np.float32)
    assert float(semihard_triplet_loss(labels, x, 0.2)) == pytest.approx(0.0)


@pytest.mark.slow
def test_train_triplet_encoder_gives_unit_encodings_and_a_loss_per_epoch(capsys):
    model, losses = train_triplet_encoder(epochs=1)
    assert len(losses) == 1 and 0 < losses[0] <= 4 + MARGIN  # squared distances on a sphere
    assert capsys.readouterr().out.startswith("epoch  1/1: triplet loss ")
    encodings = np.asarray(model(np.zeros((2, 32, 32, 3), np.float32), training=False))
    np.testing.assert_allclose(np.linalg.norm(encodings, axis=1), 1.0, atol=1e-4)
    with pytest.raises(ValueError, match="epochs: expected an int >= 1"):
        train_triplet_encoder(epochs=0)
