"""The public test of notebook 09 passes correct colour augmentations, reports a stub and a missing
return; typical mistakes are in tests/mistakes/nb09_transfer_learning_and_augmentation.py."""

from __future__ import annotations

import numpy as np

from tests.notebook_code import solution
from tests.public_test_helpers import (
    assert_passes,
    failure,
    not_implemented,
    returns_none,
)
from utils.public_tests.augmentation import colour_image, pca_color_augmentation_test

NOTEBOOK = "09_transfer_learning_and_augmentation.ipynb"
NAME = "pca_color_augmentation"


def notebook_solution():
    return solution(NOTEBOOK, NAME, {"np": np})


def svd_version(image, sigma=0.1, rng=None):
    """An independent correct implementation: SVD of the centred pixels, eigenvalues descending."""
    rng = np.random.default_rng() if rng is None else rng
    pixels = image.reshape(-1, 3).astype(np.float64)
    centred = pixels - pixels.mean(axis=0)
    _, singular, rows = np.linalg.svd(centred, full_matrices=False)
    eigenvalues = singular**2 / (len(pixels) - 1)
    offset = (sigma * rng.standard_normal(3) * eigenvalues) @ rows
    return np.clip(image + offset, 0, 1).astype(image.dtype)


def test_the_notebook_solution_passes(capsys):
    assert_passes(capsys, pca_color_augmentation_test, notebook_solution())


def test_an_independent_implementation_passes(capsys):
    assert_passes(capsys, pca_color_augmentation_test, svd_version)


def test_the_test_image_has_colours_varying_in_three_directions():
    image = colour_image(np.random.default_rng(9))
    assert image.dtype == np.float32 and 0.1 <= image.min() and image.max() <= 0.9
    eigenvalues = np.linalg.eigvalsh(np.cov(image.reshape(-1, 3), rowvar=False))
    assert eigenvalues.min() > 1e-4 and eigenvalues.max() / eigenvalues.min() > 10


def test_a_stub_is_reported_as_not_implemented():
    assert "not implemented yet" in failure(pca_color_augmentation_test, not_implemented)


def test_returning_none_is_reported():
    assert "is None: did pca_color_augmentation forget to `return` it?" in failure(
        pca_color_augmentation_test, returns_none
    )
