"""Real photos that ship inside installed packages, loaded by name (no download).

Every image comes from a wheel the course installs anyway: scikit-image's ``skimage.data``,
scikit-learn's sample images and matplotlib's sample data. :func:`load_image` returns float32
values in [0, 1], as an (H, W, 3) RGB array, or (H, W) with ``gray=True``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CatalogueEntry:
    """Where a named photo comes from and what it shows."""

    source: str
    description: str
    loader: Callable[[], np.ndarray]


def _skimage(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        import skimage.data

        return getattr(skimage.data, name)()

    return load


def _sklearn(filename: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from sklearn.datasets import load_sample_image

        return load_sample_image(filename)

    return load


def _matplotlib(filename: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        import matplotlib.cbook
        from PIL import Image

        with matplotlib.cbook.get_sample_data(filename) as file, Image.open(file) as image:
            return np.asarray(image.convert("RGB"))

    return load


_SKIMAGE = {
    "astronaut": "astronaut Eileen Collins, colour portrait (512×512)",
    "camera": "the cameraman, grayscale (512×512)",
    "coffee": "a cup of coffee, colour (400×600)",
    "chelsea": "Chelsea the cat, colour (300×451)",
    "rocket": "a rocket on its launch pad, colour (427×640)",
    "brick": "brick wall texture, grayscale (512×512)",
    "grass": "grass texture, grayscale (512×512)",
    "gravel": "gravel texture, grayscale (512×512)",
    "hubble_deep_field": "Hubble deep field, colour (872×1000)",
    "immunohistochemistry": "stained tissue, colour (512×512)",
    "moon": "surface of the moon, grayscale (512×512)",
    "coins": "Greek coins, grayscale (303×384)",
    "clock": "a clock photographed in motion, grayscale (300×400)",
    "text": "hand-written text, grayscale (172×448)",
    "page": "a scanned page of text, grayscale (191×384)",
    "horse": "horse silhouette, binary (328×400)",
    "checkerboard": "checkerboard, grayscale (200×200)",
    "logo": "scikit-image logo, RGBA composited on white (500×500)",
    "colorwheel": "colour wheel, colour (370×371)",
    "retina": "human retina, colour (1411×1411)",
}

CATALOGUE: dict[str, CatalogueEntry] = {
    **{
        name: CatalogueEntry("scikit-image (skimage.data)", text, _skimage(name))
        for name, text in _SKIMAGE.items()
    },
    "china": CatalogueEntry(
        "scikit-learn (load_sample_image)",
        "a Chinese temple, colour (427×640)",
        _sklearn("china.jpg"),
    ),
    "flower": CatalogueEntry(
        "scikit-learn (load_sample_image)", "a flower, colour (427×640)", _sklearn("flower.jpg")
    ),
    "grace_hopper": CatalogueEntry(
        "matplotlib (sample data)",
        "Grace Hopper, colour portrait (600×512)",
        _matplotlib("grace_hopper.jpg"),
    ),
}


def list_images() -> list[str]:
    """The names :func:`load_image` accepts, sorted."""
    return sorted(CATALOGUE)


def load_image(
    name: str, *, size: int | tuple[int, int] | None = None, gray: bool = False
) -> np.ndarray:
    """Load a catalogue photo as float32 in [0, 1].

    Args:
        name: one of :func:`list_images` (e.g. ``"astronaut"``, ``"camera"``, ``"china"``).
        size: ``(height, width)`` in pixels, or an int for a square; None keeps the original size.
        gray: return luminance (H, W) instead of RGB (H, W, 3).

    Returns:
        (H, W, 3) or, with ``gray=True``, (H, W) float32 array in [0, 1]. Grayscale sources are
        repeated over 3 channels when ``gray=False``.
    """
    if name not in CATALOGUE:
        raise KeyError(f"unknown image name {name!r}; expected one of: {', '.join(list_images())}")
    image = to_float(CATALOGUE[name].loader())
    if image.ndim == 3 and image.shape[-1] == 4:  # RGBA: composite on a white background
        image = image[..., :3] * image[..., 3:] + (1.0 - image[..., 3:])
    if gray:
        image = to_gray(image)
    elif image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=-1)
    if size is not None:
        image = resize(image, size)
    return image.astype(np.float32)


def to_float(image: np.ndarray) -> np.ndarray:
    """Convert a uint8 (0–255), bool or float image to float32 in [0, 1] (any shape)."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image.astype(np.float32) / 255.0
    if image.dtype == bool:
        return image.astype(np.float32)
    if np.issubdtype(image.dtype, np.floating):
        if np.isnan(image).any():
            raise ValueError("image: float values must lie in [0, 1], got NaN")
        if image.size and (image.min() < 0.0 or image.max() > 1.0):
            raise ValueError(
                f"image: float values must lie in [0, 1], got min {image.min():.3g}, "
                f"max {image.max():.3g}"
            )
        return image.astype(np.float32)
    raise ValueError(f"image: expected a uint8, bool or float array, got dtype {image.dtype}")


def to_gray(image: np.ndarray) -> np.ndarray:
    """Luminance (H, W) float32 of an (H, W, 3) RGB image; an (H, W) image is returned unchanged.

    Uses the ITU-R BT.709 weights 0.2125 R + 0.7154 G + 0.0721 B (``skimage.color.rgb2gray``).
    """
    image = np.asarray(image)
    if image.ndim == 2:
        return image
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"image: expected shape (H, W) or (H, W, 3), got {image.shape}")
    from skimage.color import rgb2gray

    return rgb2gray(image).astype(np.float32)


def resize(image: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Resize an (H, W) or (H, W, C) image to ``size`` with anti-aliasing (float output).

    Args:
        image: array of rank 2 or 3.
        size: ``(height, width)`` in pixels, or an int for a square.
    """
    image = np.asarray(image)
    if image.ndim not in (2, 3):
        raise ValueError(f"image: expected shape (H, W) or (H, W, C), got {image.shape}")
    height, width = _check_size(size)
    from skimage.transform import resize as sk_resize

    output_shape = (height, width) + image.shape[2:]
    resized = sk_resize(image, output_shape, anti_aliasing=True, preserve_range=True)
    return resized.astype(np.float32)


def _check_size(size: int | tuple[int, int]) -> tuple[int, int]:
    if isinstance(size, int | np.integer):
        pair = (size, size)
    elif isinstance(size, tuple | list):
        pair = tuple(size)
    else:
        pair = ()
    if len(pair) != 2 or not all(
        isinstance(v, int | np.integer) and not isinstance(v, bool) and v > 0 for v in pair
    ):
        raise ValueError(
            f"size: expected a positive int or (height, width) of positive ints, got {size!r}"
        )
    return int(pair[0]), int(pair[1])
