"""The public test of notebook 09 passes correct colour augmentations and explains mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from tests.notebook_code import solution
from utils.public_tests.augmentation import colour_image, pca_color_augmentation_test

NOTEBOOK = "09_transfer_learning_and_augmentation.ipynb"
NAME = "pca_color_augmentation"


def notebook_solution(replace: tuple[str, str] | None = None):
    return solution(NOTEBOOK, NAME, {"np": np}, replace)


def failure(target) -> str:
    with pytest.raises(AssertionError) as info:
        pca_color_augmentation_test(target)
    return str(info.value)


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
    pca_color_augmentation_test(notebook_solution())
    assert capsys.readouterr().out == "All tests passed\n"


def test_an_independent_implementation_passes(capsys):
    pca_color_augmentation_test(svd_version)
    assert capsys.readouterr().out == "All tests passed\n"


def test_the_test_image_has_colours_varying_in_three_directions():
    image = colour_image(np.random.default_rng(9))
    assert image.dtype == np.float32 and 0.1 <= image.min() and image.max() <= 0.9
    eigenvalues = np.linalg.eigvalsh(np.cov(image.reshape(-1, 3), rowvar=False))
    assert eigenvalues.min() > 1e-4 and eigenvalues.max() / eigenvalues.min() > 10


def test_a_stub_is_reported_as_not_implemented():
    def stub(image, sigma=0.1, rng=None):
        raise NotImplementedError()

    assert "not implemented yet" in failure(stub)


def test_returning_none_is_reported():
    assert "is None: did pca_color_augmentation forget to `return` it?" in failure(
        lambda image, sigma=0.1, rng=None: None
    )


def test_an_offset_per_pixel_is_caught():
    message = failure(
        notebook_solution(
            (
                "alpha = rng.normal(0.0, sigma, size=3)\n"
                "    offset = eigenvectors @ (alpha * eigenvalues)",
                "alpha = rng.normal(0.0, sigma, size=image.shape)\n"
                "    offset = (alpha * eigenvalues) @ eigenvectors.T",
            )
        )
    )
    assert "must add the same colour offset to every pixel" in message
    assert "draw the three αᵢ once per image" in message


@pytest.mark.parametrize(
    "weights",
    ["alpha * np.sqrt(np.maximum(eigenvalues, 0.0))", "alpha"],
    ids=["square-root-of-lambda", "no-lambda"],
)
def test_a_wrong_weighting_of_the_eigenvectors_is_caught(weights):
    message = failure(notebook_solution(("(alpha * eigenvalues)", f"({weights})")))
    assert "the offsets' covariance should be σ²·C²" in message
    assert "multiplies the eigenvalue λᵢ itself" in message


def test_sigma_used_as_a_variance_is_caught():
    message = failure(
        notebook_solution(("rng.normal(0.0, sigma, size=3)", "rng.normal(0.0, sigma**2, size=3)"))
    )
    assert "σ is a standard deviation, not a variance" in message


def test_eigenvectors_taken_as_rows_are_caught():
    message = failure(notebook_solution(("eigenvectors @ (alpha", "eigenvectors.T @ (alpha")))
    assert "the offset must be a multiple of d" in message
    assert "np.linalg.eigh" in message


def test_an_uncentred_covariance_is_caught():
    message = failure(
        notebook_solution(("np.cov(pixels, rowvar=False)", "pixels.T @ pixels / len(pixels)"))
    )
    assert "the offset must be a multiple of d" in message


def test_the_global_random_generator_is_caught():
    message = failure(
        notebook_solution(
            ("rng.normal(0.0, sigma, size=3)", "np.random.normal(0.0, sigma, size=3)")
        )
    )
    assert "different images for two generators in the same state" in message


def test_a_missing_clip_is_caught():
    message = failure(notebook_solution(("np.clip(image + offset, 0.0, 1.0)", "(image + offset)")))
    assert "must stay in [0, 1]" in message and "np.clip" in message


def test_a_float64_result_for_a_float32_image_is_caught():
    message = failure(notebook_solution((".astype(image.dtype)", "")))
    assert "the dtype of the augmented image: got dtype('float64')" in message


def test_modifying_the_image_in_place_is_caught():
    message = failure(
        notebook_solution(
            (
                "augmented = np.clip(image + offset, 0.0, 1.0).astype(image.dtype)",
                "image += offset.astype(image.dtype)\n    augmented = np.clip(image, 0.0, 1.0)",
            )
        )
    )
    assert "modified its input image in place" in message


def test_ignoring_sigma_is_caught():
    message = failure(
        notebook_solution(("rng.normal(0.0, sigma, size=3)", "rng.normal(0.0, 0.1, size=3)"))
    )
    assert "the image returned with sigma=0" in message and "every αᵢ is 0" in message
