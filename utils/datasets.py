"""Real datasets that work offline: handwritten digits and face / not-face crops.

- :func:`load_digits`: scikit-learn's 1,797 bundled 8×8 scans of handwritten digits (about 180 per
  digit), resized (32×32×1 for LeNet-5; digits 0–5 at 64×64×3 have the shape and size of the
  course's SIGNS set). With ``source="mnist"`` the full MNIST is used instead when it can be had
  (shipped, cached or downloaded through :mod:`utils.assets`); otherwise the bundled digits are.
- :func:`load_faces`: scikit-image's bundled LFW subset, 100 face crops and 100 non-faces.

Both split the data with a fixed, stratified train/test split and return
``(X_train, Y_train, X_test, Y_test, classes)``; images are float32 in [0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from utils.checks import require_int
from utils.images import resize


def load_digits(
    *,
    size: int = 32,
    channels: int = 1,
    digits: Sequence[int] | None = None,
    test_fraction: float = 0.2,
    seed: int = 0,
    one_hot: bool = False,
    source: str = "offline",
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Handwritten digits, resized, split into a stratified train and test set.

    Args:
        size: height and width of the returned images in pixels (>= 8).
        channels: 1 (grayscale) or 3 (the gray value repeated, for RGB models).
        digits: the digits to keep, e.g. ``range(6)``; None keeps 0–9. Labels are positions in
            this list (digits 0–5 keep labels 0–5).
        test_fraction: share of each class held out for the test set, in (0, 1).
        seed: seed of the split (the same seed always gives the same split).
        one_hot: return Y as one-hot rows instead of integer labels.
        source: ``"offline"`` (scikit-learn's 8×8 digits) or ``"mnist"`` (the full MNIST when it
            can be had, with its own 60,000/10,000 split; otherwise the offline digits).

    Returns:
        X_train: (m_train, size, size, channels) float32 in [0, 1].
        Y_train: (m_train,) int64 labels, or (m_train, n_classes) float32 one-hot.
        X_test, Y_test: the same for the test set.
        classes: (n_classes,) int64, the digit each label stands for.
    """
    size = require_int(size, "size", minimum=8)
    if (
        isinstance(channels, bool)
        or not isinstance(channels, int | np.integer)
        or channels not in (1, 3)
    ):
        raise ValueError(f"channels: expected 1 or 3, got {channels!r}")
    if digits is not None and (isinstance(digits, str) or not hasattr(digits, "__iter__")):
        raise ValueError(
            f"digits: expected a sequence of distinct integers in 0..9, got {digits!r}"
        )
    classes = np.arange(10) if digits is None else np.asarray(list(digits))
    if (
        classes.ndim != 1
        or classes.size == 0
        or not np.issubdtype(classes.dtype, np.integer)
        or len(set(classes.tolist())) != classes.size
        or classes.min() < 0
        or classes.max() > 9
    ):
        raise ValueError(
            f"digits: expected a sequence of distinct integers in 0..9, got {digits!r}"
        )
    _check_split(test_fraction, seed)
    if not isinstance(one_hot, bool):
        raise ValueError(f"one_hot: expected True or False, got {one_hot!r}")
    if source not in ("offline", "mnist"):
        raise ValueError(f"source: expected 'offline' or 'mnist', got {source!r}")

    mnist = _mnist() if source == "mnist" else None
    if mnist is None:
        from sklearn.datasets import load_digits as sklearn_digits

        bunch = sklearn_digits()
        images, labels = bunch.images / 16.0, bunch.target
        keep = np.isin(labels, classes)
        split = _split(images[keep], _positions(labels[keep], classes), test_fraction, seed)
    else:
        split = []
        for images, labels in mnist:
            keep = np.isin(labels, classes)
            split += [images[keep] / 255.0, _positions(labels[keep], classes)]
    x_train, y_train, x_test, y_test = split
    return (
        _images(x_train, size, channels),
        _labels(y_train, classes.size, one_hot),
        _images(x_test, size, channels),
        _labels(y_test, classes.size, one_hot),
        classes.astype(np.int64),
    )


def load_faces(
    *, size: int = 64, test_fraction: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Face / not-face: scikit-image's LFW subset (100 face crops, 100 non-face patches).

    Args:
        size: height and width of the returned RGB images (>= 8); the crops are 25×25 grayscale.
        test_fraction: share of each class held out for the test set, in (0, 1).
        seed: seed of the stratified split.

    Returns:
        X_train: (m_train, size, size, 3) float32 in [0, 1]; Y_train: (m_train, 1) float32, 1 for
        a face; X_test, Y_test likewise; classes: ``array(["not face", "face"])``.
    """
    size = require_int(size, "size", minimum=8)
    _check_split(test_fraction, seed)
    import skimage.data

    images = skimage.data.lfw_subset()
    labels = (np.arange(len(images)) < 100).astype(np.int64)  # images 0–99 are faces
    x_train, y_train, x_test, y_test = _split(images, labels, test_fraction, seed)
    return (
        _images(x_train, size, 3),
        y_train[:, None].astype(np.float32),
        _images(x_test, size, 3),
        y_test[:, None].astype(np.float32),
        np.array(["not face", "face"]),
    )


def _check_split(test_fraction: float, seed: int) -> None:
    if (
        isinstance(test_fraction, bool)
        or not isinstance(test_fraction, int | float | np.floating)
        or not 0.0 < test_fraction < 1.0
    ):
        raise ValueError(f"test_fraction: expected a number in (0, 1), got {test_fraction!r}")
    require_int(seed, "seed", minimum=0, maximum=2**32 - 1)


def _positions(labels: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Map each label to its position in ``classes``."""
    lookup = np.full(10, -1)
    lookup[classes] = np.arange(classes.size)
    return lookup[labels]


def _split(images: np.ndarray, labels: np.ndarray, test_fraction: float, seed: int) -> list:
    """Stratified split; every class must keep at least one image on each side."""
    from sklearn.model_selection import train_test_split

    n_classes = len(np.unique(labels))
    n_test = math.ceil(test_fraction * len(labels))  # as train_test_split rounds it
    if n_test < n_classes or len(labels) - n_test < n_classes:
        raise ValueError(
            f"test_fraction: {test_fraction} leaves a class without a test or training image "
            f"({len(labels)} images, the smallest class has {int(np.bincount(labels).min())})"
        )

    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, test_size=float(test_fraction), random_state=int(seed), stratify=labels
    )
    return [x_train, y_train, x_test, y_test]


def _images(images: np.ndarray, size: int, channels: int) -> np.ndarray:
    """(m, h, w) grayscale in [0, 1] → (m, size, size, channels) float32."""
    if images.shape[1:] != (size, size):
        images = np.stack([resize(image, size) for image in images]) if len(images) else images
    images = np.clip(images, 0.0, 1.0).astype(np.float32)[..., None]
    return np.repeat(images, channels, axis=-1) if channels == 3 else images


def _labels(labels: np.ndarray, n_classes: int, one_hot: bool) -> np.ndarray:
    labels = labels.astype(np.int64)
    return np.eye(n_classes, dtype=np.float32)[labels] if one_hot else labels


def _mnist() -> list[tuple[np.ndarray, np.ndarray]] | None:
    """MNIST's (train, test) pairs of (images, labels), or None when only the substitute exists."""
    from utils.assets import resolve

    path = resolve("mnist")
    if path is None:
        return None
    with np.load(path) as data:
        return [(data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])]
