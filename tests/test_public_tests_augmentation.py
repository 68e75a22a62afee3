"""The public test of notebook 09 passes correct colour augmentations and explains mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from tests.notebook_code import solution
from tests.public_test_helpers import (
    assert_passes,
    failure,
    failure_mentioning,
    not_implemented,
    returns_none,
)
from utils.public_tests.augmentation import colour_image, pca_color_augmentation_test

NOTEBOOK = "09_transfer_learning_and_augmentation.ipynb"
NAME = "pca_color_augmentation"


def notebook_solution(replace: tuple[str, str] | None = None):
    return solution(NOTEBOOK, NAME, {"np": np}, replace)


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


WRONG_WEIGHTING = ("the offsets' covariance should be σ²·C²", "multiplies the eigenvalue λᵢ itself")

# Typical mistakes: an (old, new) edit of the notebook's solution, and what the message must say.
MISTAKES = {
    "an-offset-per-pixel": (
        (
            "alpha = rng.normal(0.0, sigma, size=3)\n"
            "    offset = eigenvectors @ (alpha * eigenvalues)",
            "alpha = rng.normal(0.0, sigma, size=image.shape)\n"
            "    offset = (alpha * eigenvalues) @ eigenvectors.T",
        ),
        ("must add the same colour offset to every pixel", "draw the three αᵢ once per image"),
    ),
    "weighting-by-the-square-root-of-lambda": (
        ("(alpha * eigenvalues)", "(alpha * np.sqrt(np.maximum(eigenvalues, 0.0)))"),
        WRONG_WEIGHTING,
    ),
    "weighting-without-lambda": (("(alpha * eigenvalues)", "(alpha)"), WRONG_WEIGHTING),
    "sigma-used-as-a-variance": (
        ("rng.normal(0.0, sigma, size=3)", "rng.normal(0.0, sigma**2, size=3)"),
        ("σ is a standard deviation, not a variance",),
    ),
    "eigenvectors-taken-as-rows": (
        ("eigenvectors @ (alpha", "eigenvectors.T @ (alpha"),
        ("the offset must be a multiple of d", "np.linalg.eigh"),
    ),
    "an-uncentred-covariance": (
        ("np.cov(pixels, rowvar=False)", "pixels.T @ pixels / len(pixels)"),
        ("the offset must be a multiple of d",),
    ),
    "the-global-random-generator": (
        ("rng.normal(0.0, sigma, size=3)", "np.random.normal(0.0, sigma, size=3)"),
        ("different images for two generators in the same state",),
    ),
    "a-missing-clip": (
        ("np.clip(image + offset, 0.0, 1.0)", "(image + offset)"),
        ("must stay in [0, 1]", "np.clip"),
    ),
    "a-float64-result-for-a-float32-image": (
        (".astype(image.dtype)", ""),
        ("the dtype of the augmented image: got dtype('float64')",),
    ),
    "modifying-the-image-in-place": (
        (
            "augmented = np.clip(image + offset, 0.0, 1.0).astype(image.dtype)",
            "image += offset.astype(image.dtype)\n    augmented = np.clip(image, 0.0, 1.0)",
        ),
        ("modified its input image in place",),
    ),
    "ignoring-sigma": (
        ("rng.normal(0.0, sigma, size=3)", "rng.normal(0.0, 0.1, size=3)"),
        ("the image returned with sigma=0", "every αᵢ is 0"),
    ),
}


@pytest.mark.parametrize(("replace", "fragments"), MISTAKES.values(), ids=MISTAKES)
def test_a_mistake_is_caught_and_explained(replace, fragments):
    failure_mentioning(pca_color_augmentation_test, notebook_solution(replace), *fragments)
