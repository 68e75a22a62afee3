"""Object detection helpers that are not exercises: a dataset, box checks, drawing, mAP.

- :func:`make_shapes_dataset` generates a detection dataset offline: discs, triangles and horse
  silhouettes pasted with random size, aspect, colour, position and overlap on crops of the real
  photos of :mod:`utils.images`. Every box is exact: it is the bounding box of the object's visible
  pixels.
- :func:`check_box`, :func:`check_corners`, :func:`check_yolo_boxes` and
  :func:`check_scored_boxes` validate boxes and a detector's arrays with a message that names the
  bad argument (the exercises call them first); :func:`box_iou` is the IoU of two sets of boxes.
- :func:`library_nms` and :func:`library_eval` are the course's post-processing done by
  TensorFlow (``tf.image.combined_non_max_suppression``): the references the hand-written
  ``yolo_non_max_suppression`` and ``yolo_eval`` are compared with, and the post-processing of
  ``scripts/train_yolo_shapes.py``.
- :func:`draw_boxes` / :func:`show_detections` draw labelled boxes (with scores) with matplotlib;
  boxes that stick out of the image are clipped to it.
- :func:`average_precision` and :func:`mean_average_precision` compute mAP@0.5 the PASCAL VOC way
  (all-point interpolated AP per class, averaged over the classes).

Boxes are corners in pixels, ``(y1, x1, y2, x2)`` with ``y1 <= y2`` and ``x1 <= x2`` (the order of
``tf.image.non_max_suppression`` and of the course's ``yolo_boxes_to_corners``); a box covers the
pixels ``y1 <= row < y2``, ``x1 <= col < x2``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

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


# --------------------------------------------------------------------------------------------
# The generated dataset


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
    for name, value, low in (("n_images", n_images, 1), ("size", size, 32)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name}: expected an int >= {low}, got {value!r}")
    if isinstance(max_objects, bool) or not isinstance(max_objects, int) or max_objects < 0:
        raise ValueError(f"max_objects: expected an int >= 0, got {max_objects!r}")
    if (
        isinstance(min_objects, bool)
        or not isinstance(min_objects, int)
        or not 0 <= min_objects <= max_objects
    ):
        raise ValueError(f"min_objects: expected an int in [0, max_objects], got {min_objects!r}")
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


# --------------------------------------------------------------------------------------------
# Checking boxes (the exercises call these first, so a bad input fails with a clear message)

_ORDERS = {"xy": ("x1", "y1", "x2", "y2"), "yx": ("y1", "x1", "y2", "x2")}


def check_corners(boxes: Any, name: str = "boxes", *, order: str = "xy") -> np.ndarray:
    """Validate boxes given by their corners; return them as a float64 array.

    Args:
        boxes: one box (4 numbers) or an array of boxes (..., 4).
        name: the argument's name, used in the error messages.
        order: ``"xy"`` for ``(x1, y1, x2, y2)`` (the course's ``iou``), ``"yx"`` for
            ``(y1, x1, y2, x2)`` (``yolo_boxes_to_corners``, ``tf.image``).

    Raises:
        ValueError: the last axis does not hold 4 numbers, a value is not finite, or a box has
            its second corner before its first (x2 < x1 or y2 < y1).
    """
    if order not in _ORDERS:
        raise ValueError(f"order: expected 'xy' or 'yx', got {order!r}")
    labels = _ORDERS[order]
    form = f"({', '.join(labels)})"
    try:
        array = np.asarray(boxes, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected numbers {form}, got {boxes!r}") from None
    if array.ndim == 0 or array.shape[-1] != 4:
        raise ValueError(f"{name}: expected 4 numbers {form} per box, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name}: the corners must be finite numbers, got {array.tolist()}")
    for first, second in ((0, 2), (1, 3)):
        bad = array[..., second] < array[..., first]
        if np.any(bad):
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            box = array[where] if where else array
            raise ValueError(
                f"{name}{list(where) if where else ''}: {labels[second]} < {labels[first]} "
                f"({labels[first]} = {box[first]:g}, {labels[second]} = {box[second]:g}); the "
                f"corners must be {form} with {labels[0]} <= {labels[2]} and "
                f"{labels[1]} <= {labels[3]}"
            )
    return array


def check_box(box: Any, name: str = "box", *, order: str = "xy") -> tuple[float, ...]:
    """Validate ONE box given by its corners; return its 4 coordinates as floats.

    Args:
        box: 4 numbers, ``(x1, y1, x2, y2)`` for ``order="xy"`` or ``(y1, x1, y2, x2)`` for
            ``order="yx"``.
        name: the argument's name, used in the error messages.
        order: ``"xy"`` or ``"yx"``.

    Raises:
        ValueError: ``box`` is not 4 finite numbers, or its second corner is before its first.
    """
    array = check_corners(box, name, order=order)
    if array.shape != (4,):
        form = f"({', '.join(_ORDERS[order])})"
        raise ValueError(f"{name}: expected one box, 4 numbers {form}, got shape {array.shape}")
    return tuple(float(v) for v in array)


def check_yolo_boxes(boxes: Any, box_confidence: Any, box_class_probs: Any) -> None:
    """Validate the inputs of ``yolo_filter_boxes``.

    Args:
        boxes: (..., 4) corners ``(y1, x1, y2, x2)``.
        box_confidence: (..., 1) probabilities that a box holds an object.
        box_class_probs: (..., C) class probabilities.

    Raises:
        ValueError: naming the argument whose shape or values are wrong.
    """
    boxes = check_corners(boxes, "boxes", order="yx")
    confidence = np.asarray(box_confidence)
    probs = np.asarray(box_class_probs)
    lead = boxes.shape[:-1]
    if confidence.shape != (*lead, 1):
        raise ValueError(
            f"box_confidence: expected shape {(*lead, 1)} (one value per box of `boxes` "
            f"{boxes.shape}), got {confidence.shape}"
        )
    if probs.ndim != len(lead) + 1 or probs.shape[:-1] != lead or probs.shape[-1] < 1:
        raise ValueError(
            f"box_class_probs: expected shape {(*lead, 'C')} (C class probabilities per box of "
            f"`boxes` {boxes.shape}), got {probs.shape}"
        )


def check_scored_boxes(
    scores: Any,
    boxes: Any,
    classes: Any,
    max_boxes: int = 10,
    iou_threshold: float = 0.5,
) -> None:
    """Validate the inputs of ``yolo_non_max_suppression``.

    Args:
        scores: (n,) scores.
        boxes: (n, 4) corners ``(y1, x1, y2, x2)``.
        classes: (n,) class indices.
        max_boxes: an int >= 0.
        iou_threshold: a number in [0, 1].

    Raises:
        ValueError: naming the argument whose shape or value is wrong.
    """
    if isinstance(max_boxes, bool) or not isinstance(max_boxes, int | np.integer) or max_boxes < 0:
        raise ValueError(f"max_boxes: expected an int >= 0, got {max_boxes!r}")
    if isinstance(iou_threshold, bool) or not 0 <= float(iou_threshold) <= 1:
        raise ValueError(f"iou_threshold: expected a number in [0, 1], got {iou_threshold!r}")
    boxes = check_corners(boxes, "boxes", order="yx")
    if boxes.ndim != 2:
        raise ValueError(f"boxes: expected shape (n, 4), got {boxes.shape}")
    for name, values in (("scores", scores), ("classes", classes)):
        if np.shape(values) != (len(boxes),):
            raise ValueError(
                f"{name}: expected shape ({len(boxes)},) (one per box), got {np.shape(values)}"
            )


def box_iou(boxes1: Any, boxes2: Any) -> np.ndarray:
    """IoU of every box of ``boxes1`` with every box of ``boxes2`` (both in the same corner order).

    Args:
        boxes1: (N, 4) corners.
        boxes2: (M, 4) corners.

    Returns:
        (N, M) IoUs; 0 where the union is empty.
    """
    a = check_corners(boxes1, "boxes1", order="yx").reshape(-1, 4)
    b = check_corners(boxes2, "boxes2", order="yx").reshape(-1, 4)
    low = np.maximum(a[:, None, :2], b[None, :, :2])
    high = np.minimum(a[:, None, 2:], b[None, :, 2:])
    overlap = np.clip(high - low, 0.0, None).prod(axis=-1)
    areas_a = (a[:, 2:] - a[:, :2]).prod(axis=-1)
    areas_b = (b[:, 2:] - b[:, :2]).prod(axis=-1)
    union = areas_a[:, None] + areas_b[None, :] - overlap
    return np.divide(overlap, union, out=np.zeros_like(overlap), where=union > 0)


# --------------------------------------------------------------------------------------------
# The course's post-processing by TensorFlow (the references of the exercises)


def library_nms(
    scores: Any, boxes: Any, classes: Any, max_boxes: int = 10, iou_threshold: float = 0.5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-class non-max suppression by TensorFlow: what ``yolo_non_max_suppression`` computes.

    Within each class, a box is dropped when a higher-scoring box of that class overlaps it with
    IoU > ``iou_threshold``; the ``max_boxes`` best boxes over all classes are kept.

    Args:
        scores: (n,) scores.
        boxes: (n, 4) corners ``(y1, x1, y2, x2)``.
        classes: (n,) class indices.
        max_boxes: at most this many boxes are returned.
        iou_threshold: the IoU above which a box is suppressed.

    Returns:
        ``(scores, boxes, classes)`` of the kept boxes by decreasing score: float32 (k,),
        float32 (k, 4), int64 (k,).
    """
    check_scored_boxes(scores, boxes, classes, max_boxes, iou_threshold)
    (found,) = _combined_nms(
        np.asarray(boxes, np.float32)[None],
        np.asarray(scores, np.float32)[None],
        np.asarray(classes, np.int64)[None],
        max_boxes,
        iou_threshold,
    )
    return found


def library_eval(
    yolo_outputs: Sequence[Any],
    image_shape: tuple[int, int] = (720, 1280),
    max_boxes: int = 10,
    score_threshold: float = 0.6,
    iou_threshold: float = 0.5,
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The course's ``yolo_eval`` by TensorFlow, for a batch of images at once.

    Corners ``(y1, x1, y2, x2)`` scaled to ``image_shape``; each box keeps its best class score
    ``p_c · c_i`` when it is >= ``score_threshold``; then per-class non-max suppression
    (:func:`library_nms`), all images in one ``tf.image.combined_non_max_suppression`` call.

    Args:
        yolo_outputs: what ``utils.yolo.yolo_head`` returns for m images: ``box_xy``
            (m, ..., 2), ``box_wh`` (m, ..., 2), ``box_confidence`` (m, ..., 1) and
            ``box_class_probs`` (m, ..., C). One image's outputs need a leading axis of 1.
        image_shape: (height, width) of the images in pixels.
        max_boxes: at most this many boxes per image.
        score_threshold: keep the boxes whose best class score is >= this.
        iou_threshold: the IoU threshold of non-max suppression.

    Returns:
        m triples ``(scores, boxes, classes)``, as :func:`library_nms` returns them, boxes in
        pixels.
    """
    box_xy, box_wh, confidence, probs = (np.asarray(a, np.float32) for a in yolo_outputs)
    count = len(box_xy)
    low, high = box_xy - box_wh / 2, box_xy + box_wh / 2
    corners = np.concatenate([low[..., ::-1], high[..., ::-1]], axis=-1).reshape(count, -1, 4)
    height, width = image_shape
    corners = corners * np.array([height, width, height, width], np.float32)
    products = (confidence * probs).reshape(count, corners.shape[1], -1)
    scores, classes = products.max(axis=-1), products.argmax(axis=-1)
    scores = np.where(scores >= np.float32(score_threshold), scores, np.float32(-np.inf))
    return _combined_nms(corners, scores, classes, max_boxes, iou_threshold)


def _combined_nms(
    boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, max_boxes: int, iou_threshold: float
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per-class NMS of m images: boxes (m, n, 4), scores (m, n) (−inf: left out), classes (m, n).

    Each box competes only in its own class: its row of the score matrix holds its score there
    and −inf elsewhere.
    """
    import tensorflow as tf

    count, n = scores.shape
    empty = (np.zeros(0, np.float32), np.zeros((0, 4), np.float32), np.zeros(0, np.int64))
    if n == 0 or max_boxes == 0:
        return [empty] * count
    matrix = np.full((count, n, int(classes.max()) + 1), -np.inf, np.float32)
    np.put_along_axis(matrix, classes[..., None], scores[..., None], axis=-1)
    kept_boxes, kept_scores, kept_classes, valid = (
        np.asarray(t)
        for t in tf.image.combined_non_max_suppression(
            boxes[:, :, None, :],
            matrix,
            max_output_size_per_class=max_boxes,
            max_total_size=max_boxes,
            iou_threshold=iou_threshold,
            score_threshold=np.finfo(np.float32).min,  # every finite score takes part
            clip_boxes=False,
        )
    )
    return [
        (kept_scores[i, :k], kept_boxes[i, :k], kept_classes[i, :k].astype(np.int64))
        for i, k in enumerate(valid)
    ]


# --------------------------------------------------------------------------------------------
# Drawing

COLOURS = ("#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6")


def draw_boxes(
    ax: Any,
    boxes: Any,
    classes: Any = None,
    scores: Any = None,
    *,
    class_names: Sequence[str] | None = None,
    image_shape: tuple[int, int] | None = None,
    linestyle: str = "-",
    labels: bool = True,
) -> int:
    """Draw labelled boxes on a matplotlib Axes that shows an image.

    A box is clipped to the image (boxes partly outside are drawn up to the border, boxes fully
    outside are skipped); its label ``"name 0.87"`` sits inside its top-left corner.

    Args:
        ax: the Axes (with the image already drawn by ``imshow``).
        boxes: (k, 4) corners ``(y1, x1, y2, x2)`` in pixels.
        classes: (k,) class indices (colours and names), or None.
        scores: (k,) scores written after the names, or None.
        class_names: names for the class indices, or None to write the indices.
        image_shape: (H, W) of the image; None reads it from the Axes' image.
        linestyle: matplotlib line style (e.g. ``"--"`` for ground truth).
        labels: write the class names (and scores) on the boxes.

    Returns:
        The number of boxes drawn (those with a part inside the image).
    """
    from matplotlib.patches import Rectangle

    boxes = check_corners(boxes, "boxes", order="yx").reshape(-1, 4)
    count = len(boxes)
    classes = np.zeros(count, int) if classes is None else np.asarray(classes).reshape(-1)
    if len(classes) != count:
        raise ValueError(f"classes: expected {count} values (one per box), got {len(classes)}")
    if scores is not None and np.shape(scores) != (count,):
        raise ValueError(f"scores: expected shape ({count},), got {np.shape(scores)}")
    if image_shape is None:
        if not ax.images:
            raise ValueError("image_shape: the Axes shows no image; give image_shape=(H, W)")
        image_shape = ax.images[-1].get_array().shape[:2]
    height, width = image_shape
    drawn = 0
    for index, (y1, x1, y2, x2) in enumerate(boxes):
        y1, y2 = np.clip([y1, y2], 0, height)
        x1, x2 = np.clip([x1, x2], 0, width)
        if y2 <= y1 or x2 <= x1:
            continue  # nothing of the box is inside the image
        colour = COLOURS[int(classes[index]) % len(COLOURS)]
        ax.add_patch(
            Rectangle(
                (x1 - 0.5, y1 - 0.5),
                x2 - x1,
                y2 - y1,
                fill=False,
                edgecolor=colour,
                linewidth=1.5,
                linestyle=linestyle,
            )
        )
        drawn += 1
        if not labels:
            continue
        name = class_names[int(classes[index])] if class_names else str(int(classes[index]))
        label = name if scores is None else f"{name} {float(scores[index]):.2f}"
        ax.text(
            x1 - 0.5,
            y1 - 0.5,
            label,
            color="black",
            fontsize=7,
            va="top",
            ha="left",
            bbox={"facecolor": colour, "alpha": 0.8, "pad": 1, "edgecolor": "none"},
            clip_on=True,
        )
    ax.set_xlim(-0.5, width - 0.5)
    ax.set_ylim(height - 0.5, -0.5)
    return drawn


def show_detections(
    images: Sequence[np.ndarray] | np.ndarray,
    detections: Sequence[tuple[Any, Any, Any]],
    class_names: Sequence[str],
    *,
    ground_truth: Sequence[tuple[Any, Any]] | None = None,
    titles: Sequence[str] | None = None,
    ncols: int = 4,
    size: float = 3.0,
) -> None:
    """Show images in a grid with their detections (and the true boxes dashed, unlabelled).

    Args:
        images: n images (H, W, 3).
        detections: n triples ``(scores, boxes, classes)`` as ``yolo_eval`` returns them.
        class_names: the names of the class indices.
        ground_truth: n pairs ``(boxes, classes)`` drawn dashed, or None.
        titles: one title per image, or None.
        ncols: images per row.
        size: size of one panel in inches.
    """
    from utils.plotting import image_grid

    images = list(images)
    if len(detections) != len(images):
        raise ValueError(
            f"detections: expected {len(images)} (one per image), got {len(detections)}"
        )
    if ground_truth is not None and len(ground_truth) != len(images):
        raise ValueError(
            f"ground_truth: expected {len(images)} (one per image), got {len(ground_truth)}"
        )
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"titles: expected {len(images)} (one per image), got {len(titles)}")
    with image_grid(len(images), ncols=ncols, size=size) as (_, axes):
        for index, (ax, image) in enumerate(zip(axes, images, strict=True)):
            ax.imshow(image)
            if ground_truth is not None:
                boxes, classes = ground_truth[index]
                draw_boxes(ax, boxes, classes, linestyle="--", labels=False)
            scores, boxes, classes = (np.asarray(a) for a in detections[index])
            draw_boxes(ax, boxes, classes, scores, class_names=class_names)
            if titles is not None:
                ax.set_title(titles[index])


# --------------------------------------------------------------------------------------------
# Mean average precision


def average_precision(recall: Any, precision: Any) -> float:
    """Area under the precision-recall curve, all-point interpolated (PASCAL VOC since 2010).

    The precision is first made non-increasing (at each recall, the best precision reached at
    that recall or beyond), then summed over the recall steps:
    ``AP = Σ (r_{i+1} − r_i) · p_interp(r_{i+1})``.

    Args:
        recall: (n,) recall after each detection, in the order of decreasing score
            (non-decreasing).
        precision: (n,) precision after each detection.
    """
    recall = np.asarray(recall, np.float64).reshape(-1)
    precision = np.asarray(precision, np.float64).reshape(-1)
    if recall.shape != precision.shape:
        raise ValueError(
            f"recall and precision: expected the same shape, got {recall.shape} and "
            f"{precision.shape}"
        )
    if np.any(np.diff(recall) < 0) or np.any((recall < 0) | (recall > 1)):
        raise ValueError("recall: expected non-decreasing values in [0, 1]")
    if np.any((precision < 0) | (precision > 1)):
        raise ValueError("precision: expected values in [0, 1]")
    r = np.concatenate([[0.0], recall, [1.0]])
    p = np.concatenate([[0.0], precision, [0.0]])
    p = np.maximum.accumulate(p[::-1])[::-1]  # the envelope, from the right
    steps = np.nonzero(r[1:] != r[:-1])[0]
    return float(np.sum((r[steps + 1] - r[steps]) * p[steps + 1]))


def mean_average_precision(
    detections: Sequence[tuple[Any, Any, Any]],
    ground_truth: Sequence[tuple[Any, Any]],
    num_classes: int,
    iou_threshold: float = 0.5,
) -> tuple[float, np.ndarray]:
    """mAP@``iou_threshold``: the average precision of each class, averaged over the classes.

    For each class, the detections of all images are sorted by decreasing score; one is a true
    positive when its IoU with the best-overlapping true box of its class in its image is
    >= ``iou_threshold`` and that box was not matched before; otherwise (a duplicate or a miss) a
    false positive. Precision and recall after each detection give the class's AP
    (:func:`average_precision`). Classes without any true box are left out of the mean (NaN).

    Args:
        detections: one ``(scores, boxes, classes)`` triple per image, shapes (k,), (k, 4), (k,);
            boxes ``(y1, x1, y2, x2)``.
        ground_truth: one ``(boxes, classes)`` pair per image, shapes (g, 4) and (g,).
        num_classes: number of classes.
        iou_threshold: IoU needed for a match (0.5 for mAP@0.5).

    Returns:
        ``(mAP, ap_per_class)`` with ap_per_class of shape (num_classes,).
    """
    if len(detections) != len(ground_truth):
        raise ValueError(
            f"detections and ground_truth: expected one entry per image each, got "
            f"{len(detections)} and {len(ground_truth)}"
        )
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes: expected an int >= 1, got {num_classes!r}")
    if not 0 < iou_threshold <= 1:
        raise ValueError(f"iou_threshold: expected a number in (0, 1], got {iou_threshold!r}")
    truths, found = [], []
    for index, ((boxes, classes), (scores, pred_boxes, pred_classes)) in enumerate(
        zip(ground_truth, detections, strict=True)
    ):
        boxes = check_corners(boxes, f"ground_truth[{index}] boxes", order="yx").reshape(-1, 4)
        classes = np.asarray(classes, int).reshape(-1)
        pred_boxes = check_corners(pred_boxes, f"detections[{index}] boxes", order="yx")
        pred_boxes = pred_boxes.reshape(-1, 4)
        scores = np.asarray(scores, np.float64).reshape(-1)
        pred_classes = np.asarray(pred_classes, int).reshape(-1)
        if len(classes) != len(boxes):
            raise ValueError(
                f"ground_truth[{index}]: {len(boxes)} boxes but {len(classes)} classes"
            )
        if not len(scores) == len(pred_classes) == len(pred_boxes):
            raise ValueError(
                f"detections[{index}]: {len(scores)} scores, {len(pred_boxes)} boxes and "
                f"{len(pred_classes)} classes; expected as many of each"
            )
        for name, values in (
            (f"ground_truth[{index}]", classes),
            (f"detections[{index}]", pred_classes),
        ):
            if len(values) and (values.min() < 0 or values.max() >= num_classes):
                raise ValueError(f"{name}: class indices must lie in [0, {num_classes})")
        truths.append((boxes, classes))
        found.append((scores, pred_boxes, pred_classes))

    aps = np.full(num_classes, np.nan)
    for label in range(num_classes):
        positives = sum(int(np.sum(classes == label)) for _, classes in truths)
        if positives == 0:
            continue
        candidates = [
            (score, image, box)
            for image, (scores, boxes, classes) in enumerate(found)
            for score, box, cls in zip(scores, boxes, classes, strict=True)
            if cls == label
        ]
        order = np.argsort([-score for score, _, _ in candidates], kind="stable")
        matched = [np.zeros(int(np.sum(classes == label)), bool) for _, classes in truths]
        hits = np.zeros(len(candidates))
        for rank, which in enumerate(order):
            _, image, box = candidates[which]
            boxes, classes = truths[image]
            mine = boxes[classes == label]
            if not len(mine):
                continue
            overlaps = box_iou(box[None], mine)[0]
            best = int(np.argmax(overlaps))
            if overlaps[best] >= iou_threshold and not matched[image][best]:
                matched[image][best] = True
                hits[rank] = 1.0
        true_positives = np.cumsum(hits)
        recall = true_positives / positives
        precision = true_positives / np.arange(1, len(hits) + 1)
        aps[label] = average_precision(recall, precision)
    valid = aps[~np.isnan(aps)]
    return (float(valid.mean()) if len(valid) else float("nan")), aps
