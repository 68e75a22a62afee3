"""Public tests of notebook 09 (transfer learning and data augmentation).

``pca_color_augmentation`` (AlexNet's "fancy PCA") is checked through properties that any correct
implementation has, whatever order it sorts the eigenvectors in or how it draws its numbers:
the output is an image like the input; one offset is added to every pixel; that offset lies along
the directions in which the image's colours vary; over many draws the offsets have the covariance
σ²·C² (C: the 3×3 covariance of the pixels), also for an image whose colours vary equally in two
directions (where the top principal component alone gives offsets along one line); ``sigma=0``
changes nothing; the same generator state
gives the same image; the result is clipped to [0, 1]; the input is not modified.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from utils.testing import Checker

DRAWS = 2000  # offsets drawn for the statistics check


def colour_image(rng: np.random.Generator, shape=(12, 16), directions=None) -> np.ndarray:
    """A float32 test image in [0.1, 0.9] whose colours vary around grey along ``directions``.

    ``directions`` (k, 3): each pixel is 0.5 + Σⱼ tⱼ·directions[j] with tⱼ ~ U(−0.25, 0.25), so the
    pixels' covariance has rank k. The default is three directions of different lengths (full rank).
    """
    if directions is None:
        directions = np.array([[0.6, 0.5, 0.4], [0.3, -0.1, -0.2], [0.0, 0.1, -0.1]])
    directions = np.asarray(directions, dtype=np.float64)
    t = rng.uniform(-0.25, 0.25, (*shape, len(directions)))
    image = 0.5 + t @ directions
    return np.clip(image, 0.1, 0.9).astype(np.float32)


def _offsets(check: Checker, got: np.ndarray, image: np.ndarray) -> np.ndarray | None:
    """The offset added to the pixels, once checked that every unclipped pixel got the same one."""
    got = np.asarray(got, dtype=np.float64)
    difference = got - image
    if not check.true(
        np.all(np.isfinite(difference)),
        f"{check.name} returned NaN or inf values (hint: use the eigenvalues λᵢ as they are; the "
        "smallest can be a tiny negative number, whose square root is NaN)",
    ):
        return None
    inside = difference[np.all((got > 0.0) & (got < 1.0), axis=-1)]  # pixels clipped aside
    if not check.true(
        len(inside) > 0,
        f"{check.name}(image, sigma=0.1) clipped every pixel to 0 or 1: the offset is far too "
        "large (hint: Σ αᵢ·λᵢ·pᵢ with αᵢ ~ N(0, sigma) is a small colour change)",
    ):
        return None
    first = inside[0]
    spread = np.abs(inside - first).max()
    if not check.true(
        spread <= 1e-5,
        f"{check.name} must add the same colour offset to every pixel, but the offsets differ by "
        f"up to {spread:.3g} between pixels (hint: draw the three αᵢ once per image, not per "
        "pixel, and add Σ αᵢ·λᵢ·pᵢ to every pixel)",
    ):
        return None
    return first


def pca_color_augmentation_test(target: Callable[..., Any]) -> None:
    """Check ``pca_color_augmentation(image, sigma=0.1, rng=None)``."""
    check = Checker("pca_color_augmentation")
    rng = np.random.default_rng(9)
    image = colour_image(rng)

    with check.preserves(image=image):
        got = check.call(target, image, 0.1, np.random.default_rng(0))
    if not check.shape(
        "the augmented image", got, image.shape, hint="return the whole image, one offset added"
    ):
        check.done()
        return
    got = np.asarray(got)
    check.equal(
        "the dtype of the augmented image",
        got.dtype,
        image.dtype,
        hint="return an image of the input's dtype, e.g. with `.astype(image.dtype)`",
    )
    offset = _offsets(check, got, image)
    if offset is not None:
        check.true(
            np.abs(offset).max() > 0,
            f"{check.name}(image, sigma=0.1) returned the image unchanged: add the offset "
            "Σ αᵢ·λᵢ·pᵢ with αᵢ drawn from N(0, sigma)",
        )

    same = check.call(target, image, 0.0, np.random.default_rng(0))
    check.close(
        "the image returned with sigma=0",
        same,
        image,
        atol=1e-7,
        hint="with sigma=0 every αᵢ is 0: the image must come back unchanged",
    )

    again = check.call(target, image, 0.1, np.random.default_rng(0))
    other = check.call(target, image, 0.1, np.random.default_rng(1))
    check.true(
        again is not None and np.array_equal(np.asarray(again), got),
        f"{check.name} returned different images for two generators in the same state (hint: "
        "draw α with the `rng` argument, e.g. rng.normal(0.0, sigma, 3); create "
        "np.random.default_rng() only when rng is None)",
    )
    check.true(
        other is not None and not np.array_equal(np.asarray(other), got),
        f"{check.name} returned the same image for generators with different seeds: draw α "
        "from `rng`",
    )

    free = check.call(target, image, 0.1)
    check.shape("the image returned with rng=None", free, image.shape)

    if not check.failures:  # the image comes back whole: now its colours
        _check_direction(check, target)
        if _check_all_components(check, target):
            _check_statistics(check, target, image)
        _check_clipping(check, target, image)
    check.done()


def _check_direction(check: Checker, target: Callable[..., Any]) -> None:
    """Colours varying along one direction d only: the offset must be a multiple of d."""
    direction = np.array([0.8, 0.5, 0.3])
    image = colour_image(np.random.default_rng(3), directions=direction[None])
    got = check.call(target, image, 0.1, np.random.default_rng(4))
    offset = _offsets(check, got, image)
    if offset is None:
        return
    unit = direction / np.linalg.norm(direction)
    across = offset - (offset @ unit) * unit
    check.true(
        np.linalg.norm(across) <= 1e-6 + 1e-3 * np.linalg.norm(offset),
        f"for an image whose colours vary only along d = (0.8, 0.5, 0.3), the offset must be a "
        f"multiple of d, but it was {np.round(offset, 6).tolist()} (hint: the offset is "
        "Σ αᵢ·λᵢ·pᵢ, with pᵢ, λᵢ the eigenvectors and eigenvalues of the 3×3 covariance of the "
        "pixels: np.cov(pixels, rowvar=False) on the (H·W, 3) pixels, then np.linalg.eigh)",
    )


def _check_all_components(check: Checker, target: Callable[..., Any]) -> bool:
    """Colours varying equally along two directions: the offsets must not all lie on one line."""
    directions = np.array([[0.6, 0.3, 0.2], [-0.3, 0.6, 0.0]])  # orthogonal, nearly equal length
    image = colour_image(np.random.default_rng(7), shape=(16, 16), directions=directions)
    rng = np.random.default_rng(8)
    offsets = []
    for _ in range(30):
        offset = _offsets(check, check.call(target, image, 0.1, rng), image)
        if offset is None:
            return False
        offsets.append(offset)
    singular = np.linalg.svd(np.array(offsets), compute_uv=False)
    return check.true(
        singular[1] > 0.1 * singular[0],
        f"for an image whose colours vary about equally along two directions, 30 offsets all lay "
        f"along one line (singular values {np.round(singular, 6).tolist()}): every offset must "
        "add Σᵢ αᵢ·λᵢ·pᵢ over the three principal components, not the top one alone",
    )


def _check_statistics(check: Checker, target: Callable[..., Any], image: np.ndarray) -> None:
    """Over many draws, offset = P·(α ⊙ λ) has mean 0 and covariance σ²·P·diag(λ²)·Pᵀ = σ²·C²."""
    sigma = 0.1
    rng = np.random.default_rng(5)
    offsets = []
    for _ in range(DRAWS):
        offset = _offsets(check, check.call(target, image, sigma, rng), image)
        if offset is None:
            return
        offsets.append(offset)
    offsets = np.array(offsets)
    pixels_cov = np.cov(image.reshape(-1, 3).astype(np.float64), rowvar=False)
    expected = sigma**2 * pixels_cov @ pixels_cov
    got = np.cov(offsets, rowvar=False)
    error = np.linalg.norm(got - expected) / np.linalg.norm(expected)
    check.true(
        error < 0.15,
        f"over {DRAWS} draws with sigma={sigma}, the offsets' covariance should be σ²·C² (C: "
        f"the pixels' 3×3 covariance), i.e. {np.round(np.diag(expected), 8).tolist()} on its "
        f"diagonal, but it was {np.round(np.diag(got), 8).tolist()} (relative error "
        f"{error:.2f}; hint: αᵢ ~ N(0, sigma) multiplies the eigenvalue λᵢ itself — not its "
        "square root, not 1 — and σ is a standard deviation, not a variance)",
    )
    mean = offsets.mean(axis=0)
    check.true(  # 5 standard errors of the mean
        np.all(np.abs(mean) <= 5 * np.sqrt(np.diag(got) / DRAWS) + 1e-12),
        f"over {DRAWS} draws the offsets should average to 0, but their mean is "
        f"{np.round(mean, 8).tolist()} (hint: αᵢ has mean 0)",
    )


def _check_clipping(check: Checker, target: Callable[..., Any], image: np.ndarray) -> None:
    got = np.asarray(check.call(target, image, 100.0, np.random.default_rng(6)))
    check.true(
        got.min() >= 0.0 and got.max() <= 1.0,
        f"with a large sigma the values must stay in [0, 1], but they span [{got.min():.3g}, "
        f"{got.max():.3g}] (hint: np.clip the result to [0, 1])",
    )
