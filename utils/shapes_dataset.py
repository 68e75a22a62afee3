"""The generated detection dataset: shapes pasted on real photos, with exact boxes (offline).

:func:`make_shapes_dataset` pastes discs, triangles and horse silhouettes (:data:`SHAPE_CLASSES`)
with random size, aspect, colour, position and overlap on crops of the real photos of
:mod:`utils.images`. Every box is exact: it is the bounding box of the object's visible pixels.
Notebook 06 detects them (with the compact detector of :mod:`utils.shapes_detector`) and
:mod:`utils.segmentation` segments them.

Boxes are corners in pixels, ``(y1, x1, y2, x2)`` with ``y1 <= y2`` and ``x1 <= x2`` (the order of
``tf.image.non_max_suppression``); a box covers the pixels ``y1 <= row < y2``, ``x1 <= col < x2``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence

import numpy as np

from utils.checks import require_int

SHAPE_CLASSES = ("disc", "triangle", "horse")
BACKGROUNDS = (
    "astronaut",
    "brick",
    "camera",
    "chelsea",
    "china",
    "coffee",
    "coins",
    "flower",
    "grace_hopper",
    "grass",
    "gravel",
    "hubble_deep_field",
    "immunohistochemistry",
    "moon",
    "retina",
    "rocket",
)
MIN_VISIBLE = 0.75  # an object keeps at least this share of its pixels when others cover it
MIN_CONTRAST = 0.3  # RGB distance between an object's colour and the photo under it


@dataclasses.dataclass(frozen=True)
class DetectionSet:
    """Images with their boxes and classes (what :func:`make_shapes_dataset` returns).

    Attributes:
        images: (n, H, W, 3) float32 in [0, 1] (multiples of 1/255), or uint8 when asked.
        boxes: n arrays of shape (k_i, 4), float32 corners ``(y1, x1, y2, x2)`` in pixels.
        classes: n int arrays of shape (k_i,), indices into ``class_names``.
        class_names: the names of the classes.
        masks: (n, H, W) int16 instance maps (0: background, j + 1: the visible pixels of object
            j of that image), or None.
    """

    images: np.ndarray
    boxes: list[np.ndarray]
    classes: list[np.ndarray]
    class_names: tuple[str, ...]
    masks: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.images)


@functools.lru_cache(maxsize=64)
def _photo(name: str, short_side: int) -> np.ndarray:
    """A catalogue photo, downscaled so that its short side is ``short_side`` (cached)."""
    from utils.images import load_image, resize

    image = load_image(name)
    scale = short_side / min(image.shape[:2])
    if scale < 1:
        height, width = (max(short_side, round(n * scale)) for n in image.shape[:2])
        image = resize(image, (height, width))
    return image


@functools.lru_cache(maxsize=1)
def _horse() -> np.ndarray:
    import skimage.data

    mask = ~skimage.data.horse()  # the file has the horse in black on white
    rows, cols = np.nonzero(mask)
    return mask[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


def _background(rng: np.random.Generator, size: int, names: Sequence[str]) -> np.ndarray:
    """A random crop of a random photo, resized to size×size, maybe mirrored."""
    from utils.images import resize

    photo = _photo(names[rng.integers(len(names))], 2 * size)
    height, width = photo.shape[:2]
    crop = int(rng.integers(size, min(height, width) + 1))
    top = int(rng.integers(0, height - crop + 1))
    left = int(rng.integers(0, width - crop + 1))
    image = photo[top : top + crop, left : left + crop]
    if crop != size:
        image = resize(image, size)
    if rng.random() < 0.5:
        image = image[:, ::-1]
    return np.clip(image, 0.0, 1.0)


def _shape_mask(kind: str, height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """A binary mask of one object, cropped to its bounding box (so the box is exact)."""
    from skimage.draw import ellipse, polygon
    from skimage.transform import resize as sk_resize

    mask = np.zeros((height, width), bool)
    if kind == "disc":
        rr, cc = ellipse((height - 1) / 2, (width - 1) / 2, height / 2, width / 2, (height, width))
        mask[rr, cc] = True
    elif kind == "triangle":
        apex = rng.uniform(0.25, 0.75) * (width - 1)
        rr, cc = polygon([0, height - 1, height - 1], [apex, 0, width - 1], (height, width))
        mask[rr, cc] = True
        mask[height - 1, :] = True  # the base is a full row: the triangle spans the box
        mask[0, int(round(apex))] = True
    elif kind == "horse":
        mask = sk_resize(_horse(), (height, width), order=0, anti_aliasing=False) > 0.5
        if rng.random() < 0.5:
            mask = mask[:, ::-1]
    else:
        raise ValueError(f"kind: expected one of {SHAPE_CLASSES}, got {kind!r}")
    rows, cols = np.nonzero(mask)
    return mask[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


def _paint(
    image: np.ndarray, mask: np.ndarray, top: int, left: int, rng: np.random.Generator
) -> None:
    """Fill ``mask`` at (top, left) with a shaded colour that stands out from the photo under it."""
    height, width = mask.shape
    region = image[top : top + height, left : left + width]
    under = region[mask].mean(axis=0)
    for _ in range(20):
        colour = rng.uniform(0.0, 1.0, 3)
        if np.linalg.norm(colour - under) >= MIN_CONTRAST:
            break
    else:
        colour = np.where(under > 0.5, 0.0, 1.0)
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:height, 0:width]
    ramp = np.cos(angle) * yy / max(height, 1) + np.sin(angle) * xx / max(width, 1)
    shade = 0.8 + 0.2 * (ramp - ramp.min()) / (np.ptp(ramp) or 1.0)
    texture = colour * shade[..., None] + rng.normal(0.0, 0.03, (height, width, 3))
    region[mask] = np.clip(texture[mask], 0.0, 1.0)


def make_shapes_dataset(
    n_images: int,
    *,
    size: int = 160,
    seed: int = 0,
    max_objects: int = 4,
    min_objects: int = 1,
    object_size: tuple[int, int] = (24, 72),
    backgrounds: Sequence[str] = BACKGROUNDS,
    uint8: bool = False,
    masks: bool = False,
) -> DetectionSet:
    """Generate a detection dataset: shapes of 3 classes pasted on crops of real photos.

    Each image is a random square crop of a photo of ``backgrounds`` (resized to size×size, maybe
    mirrored) with ``min_objects`` to ``max_objects`` objects of the classes
    :data:`SHAPE_CLASSES` (disc, triangle, horse silhouette). An object's height is drawn
    log-uniformly in ``object_size``, its width from the height and a random aspect ratio
    (× 0.7–1.4), its colour at an RGB distance of at least 0.3 from the photo under it, with a
    shading ramp and noise. Objects may overlap; a new object is only placed where every earlier
    one keeps 75% of its pixels visible. The box of an object is the bounding box of its visible
    pixels, so it is exact.

    Deterministic: the same arguments give the same dataset (NumPy generator seeded by ``seed``).

    Args:
        n_images: number of images (>= 1).
        size: height and width of the images in pixels (>= 32).
        seed: seed of the generator.
        max_objects: at most this many objects per image (>= 0).
        min_objects: at least this many (fewer when there is no room), 0 <= it <= max_objects.
        object_size: (smallest, largest) object height in pixels, at most ``size``.
        backgrounds: photo names from :func:`utils.images.list_images`.
        uint8: return the images as uint8 (0–255) instead of float32 in [0, 1].
        masks: also return the instance maps (to check the boxes).

    Returns:
        A :class:`DetectionSet`.
    """
    n_images = require_int(n_images, "n_images", minimum=1)
    size = require_int(size, "size", minimum=32)
    max_objects = require_int(max_objects, "max_objects", minimum=0)
    min_objects = require_int(
        min_objects, "min_objects (at most max_objects)", minimum=0, maximum=max_objects
    )
    smallest, largest = object_size
    if not 4 <= smallest <= largest <= size:
        raise ValueError(
            f"object_size: expected 4 <= smallest <= largest <= {size}, got {object_size}"
        )
    from utils.images import CATALOGUE

    backgrounds = tuple(backgrounds)
    unknown = [name for name in backgrounds if name not in CATALOGUE]
    if not backgrounds or unknown:
        raise ValueError(
            f"backgrounds: expected photo names of utils.images, got {unknown or '()'}"
        )

    rng = np.random.default_rng(seed)
    images = np.zeros((n_images, size, size, 3), np.uint8)
    instance_maps = np.zeros((n_images, size, size), np.int16)
    all_boxes, all_classes = [], []
    for index in range(n_images):
        image = _background(rng, size, backgrounds).copy()
        owner = instance_maps[index]
        areas: list[int] = []
        kinds: list[int] = []
        for _ in range(int(rng.integers(min_objects, max_objects + 1))):
            kind = int(rng.integers(len(SHAPE_CLASSES)))
            height = int(round(np.exp(rng.uniform(np.log(smallest), np.log(largest)))))
            aspect = np.exp(rng.uniform(np.log(0.7), np.log(1.4)))
            if SHAPE_CLASSES[kind] == "horse":
                aspect *= 1.25
            width = int(np.clip(round(height * aspect), 4, size))
            mask = _shape_mask(SHAPE_CLASSES[kind], height, width, rng)
            for _ in range(20):
                top = int(rng.integers(0, size - mask.shape[0] + 1))
                left = int(rng.integers(0, size - mask.shape[1] + 1))
                window = owner[top : top + mask.shape[0], left : left + mask.shape[1]]
                covered = np.bincount(window[mask], minlength=len(areas) + 1)[1:]
                left_visible = [
                    np.count_nonzero(owner == j + 1) - covered[j] for j in range(len(areas))
                ]
                if all(v >= MIN_VISIBLE * a for v, a in zip(left_visible, areas, strict=True)):
                    break
            else:
                continue  # no room for this object
            _paint(image, mask, top, left, rng)
            window[mask] = len(areas) + 1
            areas.append(int(mask.sum()))
            kinds.append(kind)
        boxes = []
        for j in range(len(areas)):
            rows, cols = np.nonzero(owner == j + 1)
            boxes.append([rows.min(), cols.min(), rows.max() + 1, cols.max() + 1])
        images[index] = np.round(np.clip(image, 0.0, 1.0) * 255).astype(np.uint8)
        all_boxes.append(np.array(boxes, np.float32).reshape(-1, 4))
        all_classes.append(np.array(kinds, np.int64))
    return DetectionSet(
        images=images if uint8 else images.astype(np.float32) / np.float32(255),
        boxes=all_boxes,
        classes=all_classes,
        class_names=SHAPE_CLASSES,
        masks=instance_maps if masks else None,
    )
