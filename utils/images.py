"""Real photos that ship inside installed packages, loaded by name (no download).

Every image comes from a wheel the course installs anyway: scikit-image's ``skimage.data``,
scikit-learn's sample images and matplotlib's sample data. :func:`load_image` returns float32
values in [0, 1], as an (H, W, 3) RGB array, or (H, W) with ``gray=True``. :func:`to_rgb` turns
any photo (a path, or a gray, RGB or RGBA array, uint8 or float) into that RGB form.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    image = CATALOGUE[name].loader()
    if gray:
        image = to_gray(to_float(image) if np.ndim(image) == 2 else to_rgb(image))
    else:
        image = to_rgb(image)
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


def to_rgb(image: Any) -> np.ndarray:
    """Any photo as an (H, W, 3) float32 RGB array in [0, 1].

    Accepts a file path, or an array: (H, W) or (H, W, 1) grayscale (repeated over 3 channels),
    (H, W, 3) RGB, (H, W, 4) RGBA (composited on white); uint8 (0–255), bool or float in [0, 1].

    Raises:
        ValueError: anything else, with what was expected and what was got.
    """
    if isinstance(image, (str, os.PathLike)):
        path = Path(image)
        if not path.is_file():
            raise ValueError(f"image: no file at {str(path)!r}")
        from PIL import Image

        with Image.open(path) as opened:
            image = np.asarray(opened.convert("RGB"))
    array = np.asarray(image)
    if array.dtype == object or array.ndim not in (2, 3):
        raise ValueError(
            f"image: expected a path or an array of shape (H, W), (H, W, 1), (H, W, 3) or "
            f"(H, W, 4), got {type(image).__name__} of shape {np.shape(image)}"
        )
    if array.ndim == 3 and array.shape[-1] not in (1, 3, 4):
        raise ValueError(
            f"image: expected 1, 3 or 4 channels (expected shape (H, W), (H, W, 1), (H, W, 3) "
            f"or (H, W, 4)), got shape {array.shape}"
        )
    if min(array.shape[:2]) < 2:
        raise ValueError(f"image: expected at least 2×2 pixels, got shape {array.shape}")
    array = to_float(array)
    if array.ndim == 2:
        array = array[..., None]
    if array.shape[-1] == 4:  # RGBA: composite on a white background
        array = array[..., :3] * array[..., 3:] + (1.0 - array[..., 3:])
    if array.shape[-1] == 1:
        array = np.repeat(array, 3, axis=-1)
    return np.ascontiguousarray(array, dtype=np.float32)


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
