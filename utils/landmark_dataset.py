"""A generated landmark dataset: triangles on real photos, with their three corners exact (offline).

:func:`make_landmark_dataset` pastes at most one triangle on each crop of a real photo (the photos
and the painting of :mod:`utils.shapes_dataset`) and returns its corners, always in the same order
(:data:`TRIANGLE_LANDMARKS`): the landmarks of notebook 06's landmark detector. Images without a
triangle may show a disc or a horse silhouette instead, so that "is there a triangle" is not
"is there anything".

Coordinates are ``(x, y)`` in pixels, where the centre of the pixel at row ``r`` and column ``c``
is ``(c, r)``: ``plt.imshow`` shows a landmark ``(x, y)`` at ``plt.plot(x, y)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from utils.checks import require_int
from utils.shapes_dataset import BACKGROUNDS, _paint, _photo, _shape_mask

TRIANGLE_LANDMARKS = ("apex", "base left", "base right")


@dataclasses.dataclass(frozen=True)
class LandmarkSet:
    """Images, whether each holds a triangle, and its corners (what :func:`make_landmark_dataset`
    returns).

    Attributes:
        images: (n, size, size, 3) float32 in [0, 1] (multiples of 1/255).
        present: (n,) bool, True where the image holds a triangle.
        landmarks: (n, 3, 2) float32 corners ``(x, y)`` in pixels, in the order of
            ``landmark_names``; NaN where there is no triangle.
        landmark_names: the names of the corners.
        masks: (n, size, size) bool, the triangle's pixels (all False without one), or None.
    """

    images: np.ndarray
    present: np.ndarray
    landmarks: np.ndarray
    landmark_names: tuple[str, ...]
    masks: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.images)


def triangle_corners(
    rng: np.random.Generator, size: int, object_size: tuple[int, int], max_rotation: float
) -> np.ndarray:
    """Random corners (apex, base left, base right) of a triangle inside a size×size image.

    The height is drawn log-uniformly in ``object_size``, the base 0.8–1.4 times the height, the
    apex anywhere above the middle 60% of the base, the rotation about the centroid within
    ±``max_rotation`` degrees (so the apex stays the top corner), and the position so that every
    corner is at least one pixel inside the image.

    Returns:
        (3, 2) float64 ``(x, y)`` in pixels.
    """
    height = np.exp(rng.uniform(np.log(object_size[0]), np.log(object_size[1])))
    width = height * rng.uniform(0.8, 1.4)
    apex = rng.uniform(0.2, 0.8) * width
    corners = np.array([[apex, 0.0], [0.0, height], [width, height]])
    corners -= corners.mean(axis=0)
    angle = np.radians(rng.uniform(-max_rotation, max_rotation))
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    corners = corners @ rotation.T
    extent = (corners.max(axis=0) - corners.min(axis=0)).max()
    if extent > size - 3:  # too large for the image once rotated: shrink it to fit
        corners *= (size - 3) / extent
    low, high = 1.0 - corners.min(axis=0), size - 2.0 - corners.max(axis=0)
    return corners + rng.uniform(low, np.maximum(low, high))  # (max: float rounding)


def make_landmark_dataset(
    n_images: int,
    *,
    size: int = 32,
    seed: int = 0,
    presence: float = 0.5,
    distractors: float = 0.5,
    object_size: tuple[int, int] = (10, 24),
    max_rotation: float = 25.0,
    backgrounds: Sequence[str] = BACKGROUNDS,
    masks: bool = False,
) -> LandmarkSet:
    """Generate images that hold a triangle (with its three corners) or none.

    Each image is a random size×size crop of a photo of ``backgrounds`` (downscaled so that its
    short side is ``2 · size``), maybe mirrored. With probability ``presence`` a triangle
    (:func:`triangle_corners`) is painted on it, in a shaded colour that stands out from the photo
    under it; otherwise, with probability ``distractors``, a disc or a horse silhouette of the same
    sizes. Deterministic: the same arguments give the same dataset.

    Args:
        n_images: number of images (>= 1).
        size: height and width of the images in pixels (>= 16).
        seed: seed of the NumPy generator.
        presence: probability that an image holds a triangle, in [0, 1].
        distractors: probability that an image without a triangle holds another shape, in [0, 1].
        object_size: (smallest, largest) triangle height in pixels before rotation,
            4 <= smallest <= largest <= size - 3.
        max_rotation: largest rotation of a triangle in degrees, in [0, 60).
        backgrounds: photo names from :func:`utils.images.list_images`.
        masks: also return the triangles' pixels.

    Returns:
        A :class:`LandmarkSet`.
    """
    n_images = require_int(n_images, "n_images", minimum=1)
    size = require_int(size, "size", minimum=16)
    for name, value in (("presence", presence), ("distractors", distractors)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name}: expected a probability in [0, 1], got {value!r}")
    smallest, largest = object_size
    if not 4 <= smallest <= largest <= size - 3:
        raise ValueError(
            f"object_size: expected 4 <= smallest <= largest <= {size - 3}, got {object_size}"
        )
    if not 0.0 <= max_rotation < 60.0:
        raise ValueError(f"max_rotation: expected degrees in [0, 60), got {max_rotation!r}")
    from skimage.draw import polygon

    from utils.images import CATALOGUE

    backgrounds = tuple(backgrounds)
    unknown = [name for name in backgrounds if name not in CATALOGUE]
    if not backgrounds or unknown:
        raise ValueError(
            f"backgrounds: expected photo names of utils.images, got {unknown or '()'}"
        )

    rng = np.random.default_rng(seed)
    images = np.zeros((n_images, size, size, 3), np.uint8)
    present = rng.random(n_images) < presence
    landmarks = np.full((n_images, 3, 2), np.nan, np.float32)
    triangle_masks = np.zeros((n_images, size, size), bool)
    for index in range(n_images):
        photo = _photo(backgrounds[rng.integers(len(backgrounds))], 2 * size)
        top = int(rng.integers(0, photo.shape[0] - size + 1))
        left = int(rng.integers(0, photo.shape[1] - size + 1))
        image = np.clip(photo[top : top + size, left : left + size], 0.0, 1.0)
        if rng.random() < 0.5:
            image = image[:, ::-1]
        image = image.copy()
        if present[index]:
            corners = triangle_corners(rng, size, object_size, max_rotation)
            rows, cols = polygon(corners[:, 1], corners[:, 0], (size, size))
            triangle_masks[index, rows, cols] = True
            _paint(image, triangle_masks[index], 0, 0, rng)
            landmarks[index] = corners
        elif rng.random() < distractors:
            kind = ("disc", "horse")[rng.integers(2)]
            height = int(round(np.exp(rng.uniform(np.log(smallest), np.log(largest)))))
            width = int(np.clip(round(height * rng.uniform(0.8, 1.4)), 4, size - 2))
            mask = _shape_mask(kind, height, width, rng)
            y = int(rng.integers(0, size - mask.shape[0] + 1))
            x = int(rng.integers(0, size - mask.shape[1] + 1))
            _paint(image, mask, y, x, rng)
        images[index] = np.round(np.clip(image, 0.0, 1.0) * 255).astype(np.uint8)
    return LandmarkSet(
        images=images.astype(np.float32) / np.float32(255),
        present=present,
        landmarks=landmarks,
        landmark_names=TRIANGLE_LANDMARKS,
        masks=triangle_masks if masks else None,
    )
