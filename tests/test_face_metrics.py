"""utils.face_metrics: verification pairs, threshold, ROC, and the evaluation of an encoder."""

from __future__ import annotations

import numpy as np
import pytest

from utils.face_alignment import prepare_faces
from utils.face_metrics import (
    choose_threshold,
    evaluate_encoder,
    pair_distances,
    pair_indices,
    roc_auc,
    verification_accuracy,
)
from utils.face_models import compact_encoder
from utils.triplets import ENCODER_WEIGHTS


def test_pair_indices_are_balanced_and_correct():
    labels = np.array([0, 0, 0, 1, 1, 2])
    i, j, same = pair_indices(labels)
    assert same.sum() == 4 and (~same).sum() == 4
    assert np.array_equal(labels[i] == labels[j], same) and np.all(i < j)
    with pytest.raises(ValueError, match="at least one identity"):
        pair_indices(np.arange(4))


def test_threshold_accuracy_and_roc():
    distances = np.array([0.1, 0.2, 0.3, 0.8, 0.9, 1.0])
    same = np.array([True, True, True, False, False, False])
    threshold = choose_threshold(distances, same)
    assert 0.3 < threshold < 0.8
    assert verification_accuracy(distances, same, threshold) == 1.0
    assert verification_accuracy(distances, same, 0.0) == 0.5
    fpr, tpr, auc = roc_auc(distances, same)
    assert auc == 1.0 and fpr[0] == 0.0 and tpr[-1] == 1.0
    assert roc_auc(distances, ~same)[2] == 0.0
    with pytest.raises(ValueError, match="same shape"):
        choose_threshold(distances, same[:3])


@pytest.mark.slow
def test_shipped_encoder_verifies_held_out_identities():
    from utils.assets import resolve

    model = compact_encoder()
    model.load_weights(resolve(ENCODER_WEIGHTS, offline=True))
    result = evaluate_encoder(model)
    assert result["n_test_pairs"] == 1800
    assert result["test_accuracy"] >= 0.95 and result["auc"] >= 0.98


def test_evaluate_encoder_prepares_the_photos_for_the_model():
    model = compact_encoder((48, 48, 3))
    seen = []

    def prepare(photos):
        seen.append(photos.shape)
        return prepare_faces(photos, 48)

    result = evaluate_encoder(model, prepare=prepare)
    assert seen == [(200, 32, 32, 3)] * 2
    assert result["n_val_pairs"] == result["n_test_pairs"] == 1800 and 0 <= result["auc"] <= 1
    i, j, encodings = result["test_i"], result["test_j"], result["test_encodings"]
    assert encodings.shape == (200, 128)
    np.testing.assert_allclose(result["test_distances"], pair_distances(encodings, i, j), rtol=1e-6)
