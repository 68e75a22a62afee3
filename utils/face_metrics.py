"""Face verification metrics and the course's evaluation protocol of a face encoder.

- :func:`pair_indices` (all same-identity pairs and as many different-identity ones),
  :func:`pair_distances`, :func:`choose_threshold` (picked on a validation split),
  :func:`verification_accuracy`, :func:`roc_auc`.
- :func:`evaluate_encoder`: the threshold picked on the validation identities, accuracy and ROC
  AUC on the held-out test identities (:func:`utils.face_identities.evaluation_sets`), as notebook
  07 and ``scripts/train_face_encoder.py`` report them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from utils.face_identities import evaluation_sets
from utils.face_models import encode


def pair_indices(labels: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Balanced verification pairs: every same-identity pair and as many different-identity ones.

    The negative pairs are drawn without replacement from all different-identity pairs with
    ``np.random.default_rng(seed)``.

    Returns:
        i, j: (n_pairs,) indices into ``labels`` (i < j); same: (n_pairs,) bool.
    """
    labels = np.asarray(labels).reshape(-1)
    i, j = np.triu_indices(labels.size, k=1)
    same = labels[i] == labels[j]
    pos, neg = np.flatnonzero(same), np.flatnonzero(~same)
    if pos.size == 0 or neg.size == 0:
        raise ValueError("labels: need at least one identity with 2 photos and 2 identities")
    rng = np.random.default_rng(seed)
    neg = np.sort(rng.choice(neg, size=min(pos.size, neg.size), replace=False))
    keep = np.concatenate([pos, neg])
    return i[keep], j[keep], same[keep]


def pair_distances(encodings: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Euclidean distances ‖f(x_i) − f(x_j)‖ between rows of ``encodings`` (float64)."""
    encodings = np.asarray(encodings, dtype=np.float64)
    return np.linalg.norm(encodings[np.asarray(i)] - encodings[np.asarray(j)], axis=1)


def verification_accuracy(distances: np.ndarray, same: np.ndarray, threshold: float) -> float:
    """Share of pairs judged right when "same person" means ``distance < threshold``."""
    distances, same = np.asarray(distances), np.asarray(same, dtype=bool)
    if distances.shape != same.shape or distances.size == 0:
        raise ValueError("distances and same: expected two non-empty arrays of the same shape")
    return float(np.mean((distances < threshold) == same))


def choose_threshold(distances: np.ndarray, same: np.ndarray) -> float:
    """The threshold with the best accuracy on these (validation) pairs.

    Candidates are the midpoints between consecutive sorted distances (and the ends); ties go to
    the smallest candidate. Pick it on a validation split, then report on held-out pairs.
    """
    distances = np.asarray(distances, dtype=np.float64)
    same = np.asarray(same, dtype=bool)
    if distances.shape != same.shape or distances.size == 0:
        raise ValueError("distances and same: expected two non-empty arrays of the same shape")
    values = np.unique(distances)
    candidates = np.concatenate(
        [[values[0] - 1e-6], (values[:-1] + values[1:]) / 2, [values[-1] + 1e-6]]
    )
    correct = [np.sum((distances < t) == same) for t in candidates]
    return float(candidates[int(np.argmax(correct))])


def roc_auc(distances: np.ndarray, same: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """ROC curve of "same person when distance < t" over all t, and its area.

    Returns:
        fpr, tpr: false/true positive rates (scikit-learn's ``roc_curve`` on ``−distance``);
        auc: the area under the curve (1 = perfect, 0.5 = chance).
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    same = np.asarray(same, dtype=bool)
    scores = -np.asarray(distances, dtype=np.float64)
    fpr, tpr, _ = roc_curve(same, scores)
    return fpr, tpr, float(roc_auc_score(same, scores))


def evaluate_encoder(
    model: Any, prepare: Callable[[np.ndarray], np.ndarray] | None = None
) -> dict[str, Any]:
    """Threshold picked on the validation pairs, accuracy and ROC/AUC on the test pairs.

    ``prepare`` maps the (m, 32, 32, 3) photos in [0, 1] to the model's input (for example
    :func:`utils.facenet.facenet_inputs`); by default they are its input as they are.

    Returns a dict with ``threshold``, ``val_accuracy``, ``test_accuracy``, ``auc``, ``fpr``,
    ``tpr``, ``n_val_pairs``, ``n_test_pairs`` and, for reuse, ``test_encodings`` (m, d) and the
    test pairs ``test_i``, ``test_j``, ``test_same`` with their ``test_distances``.
    """

    def pairs(split: str) -> tuple[np.ndarray, ...]:
        x, y = sets[split]
        i, j, same = pair_indices(y, seed=0)
        encodings = encode(model, x if prepare is None else prepare(x))
        return encodings, i, j, same, pair_distances(encodings, i, j)

    sets = evaluation_sets()
    *_, val_same, val_d = pairs("val")
    encodings, i, j, test_same, test_d = pairs("test")
    threshold = choose_threshold(val_d, val_same)
    fpr, tpr, auc = roc_auc(test_d, test_same)
    return {
        "threshold": threshold,
        "val_accuracy": verification_accuracy(val_d, val_same, threshold),
        "test_accuracy": verification_accuracy(test_d, test_same, threshold),
        "auc": auc,
        "fpr": fpr,
        "tpr": tpr,
        "n_val_pairs": int(val_same.size),
        "n_test_pairs": int(test_same.size),
        "test_encodings": encodings,
        "test_i": i,
        "test_j": j,
        "test_same": test_same,
        "test_distances": test_d,
    }
