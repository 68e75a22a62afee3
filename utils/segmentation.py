"""Semantic segmentation helpers that are not exercises: data, a compact U-Net, metrics, overlays.

- :func:`make_segmentation_dataset`: the generated scenes of ``utils.shapes_dataset`` (discs,
  triangles and horse silhouettes pasted on crops of real photos) with their **exact** masks: a
  class per pixel (0 is the background) and an instance per pixel (which object owns it).
- :func:`compact_unet` and the settings of the shipped network (:data:`INPUT_SHAPE`,
  :data:`WIDTHS`, :data:`TRAIN`, :data:`HELD_OUT`, ...), shared by notebook 10 and
  ``scripts/train_unet_shapes.py``; :func:`fit_segmenter` trains a segmenter the same way on any
  (images, masks) arrays; :func:`predict_masks` turns its logits into a class per pixel.
- :func:`confusion_matrix` and :func:`segmentation_scores`: pixel accuracy, IoU and Dice per
  class, from one confusion matrix; :func:`iou_table` prints them; :func:`stated_mean_iou` reads
  the mean IoU that the shipped weights' manifest entry states.
- :func:`overlay` and :func:`show_segmentations`: masks drawn over their images.
- :func:`connected_instances`: the connected components of each class of a semantic mask (what
  a semantic mask alone says about instances) and :func:`count_recovered` (how many true
  instances such components recover).
- :func:`load_pets`: the Oxford-IIIT Pet dataset's images and trimaps (online; ``None`` offline),
  read from the two archives registered in ``data/MANIFEST.json``.

Importing this module does not import TensorFlow; the functions that build or run networks do.
"""

from __future__ import annotations

import dataclasses
import io
import tarfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from utils.checks import require_int

SEG_CLASSES = ("background", "disc", "triangle", "horse")
CLASS_COLOURS = np.array(
    [[0.0, 0.0, 0.0], [0.9, 0.1, 0.29], [0.24, 0.71, 0.29], [0.26, 0.39, 0.85]], np.float32
)

# The shipped network and its data (notebook 10 and scripts/train_unet_shapes.py).
NAME = "unet_shapes"
FILENAME = f"{NAME}.weights.h5"
INPUT_SHAPE = (96, 96, 3)
OBJECT_SIZE = (16, 48)  # object heights in pixels: 1/6 to 1/2 of the image
WIDTHS = (12, 24, 48, 96)  # filters per level of the compact U-Net; the last is the bottleneck's
TRAIN = {"n_images": 2000, "seed": 0}
HELD_OUT = {"n_images": 200, "seed": 1}
EPOCHS = 20
BATCH_SIZE = 32
LEARNING_RATE = 2e-3
SEED = 0

# The Oxford-IIIT Pet dataset (online): trimap values 1 (pet), 2 (background), 3 (border).
PETS_CLASSES = ("background", "pet", "border")
PETS_ASSETS = ("oxford_iiit_pet_images", "oxford_iiit_pet_annotations")
_TRIMAP_TO_CLASS = np.array([0, 1, 0, 2], np.int64)  # index: trimap value


# --------------------------------------------------------------------------------------------
# The generated dataset


@dataclasses.dataclass(frozen=True)
class SegmentationSet:
    """Images with their class and instance masks (what :func:`make_segmentation_dataset` returns).

    Attributes:
        images: (n, H, W, 3) float32 in [0, 1].
        masks: (n, H, W) int64 class of each pixel, 0 for the background, ``k + 1`` for class
            ``k`` of ``utils.shapes_dataset.SHAPE_CLASSES`` (so an index into ``class_names``).
        instances: (n, H, W) int16 owner of each pixel, 0 for the background, ``j + 1`` for the
            image's object ``j``.
        classes: n int arrays (k_i,), the class of each object, an index into ``class_names``.
        class_names: the names of the mask values, background first.
    """

    images: np.ndarray
    masks: np.ndarray
    instances: np.ndarray
    classes: list[np.ndarray]
    class_names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.images)


def semantic_mask(instances: Any, classes: Any) -> np.ndarray:
    """The class of each pixel of one instance map: 0 for the background, ``classes[j] + 1``
    for the pixels of object ``j`` (instance value ``j + 1``).

    Args:
        instances: (H, W) int instance map.
        classes: (k,) int class of each object (0-based, without the background).

    Returns:
        (H, W) int64.
    """
    instances = np.asarray(instances)
    classes = np.asarray(classes, np.int64).reshape(-1)
    if instances.ndim != 2 or not np.issubdtype(instances.dtype, np.integer):
        raise ValueError(
            f"instances: expected an (H, W) int map, got {instances.dtype} {instances.shape}"
        )
    if instances.min(initial=0) < 0 or instances.max(initial=0) > len(classes):
        raise ValueError(
            f"instances: values must lie in [0, {len(classes)}] (one per object of `classes`)"
        )
    lookup = np.concatenate([[0], classes + 1])
    return lookup[instances]


def make_segmentation_dataset(
    n_images: int,
    *,
    size: int = INPUT_SHAPE[0],
    seed: int = 0,
    object_size: tuple[int, int] = OBJECT_SIZE,
    **options: Any,
) -> SegmentationSet:
    """Generated scenes with exact class and instance masks.

    The images are those of ``utils.shapes_dataset.make_shapes_dataset`` with the same arguments
    (1 to 4 discs, triangles or horse silhouettes per crop of a real photo; overlaps allowed, each
    object keeps at least 75% of its pixels visible); the instance map is the one that function
    paints the objects into, so every mask is exact to the pixel.

    Args:
        n_images: number of images (>= 1).
        size: height and width in pixels (>= 32).
        seed: seed of the generator (the same arguments give the same scenes).
        object_size: (smallest, largest) object height in pixels.
        **options: other arguments of ``make_shapes_dataset`` (``max_objects``, ``min_objects``,
            ``backgrounds``).

    Returns:
        A :class:`SegmentationSet`.
    """
    from utils.shapes_dataset import SHAPE_CLASSES, make_shapes_dataset

    for forbidden in ("masks", "uint8"):
        if forbidden in options:
            raise ValueError(f"{forbidden}: not an option here (masks are always returned)")
    data = make_shapes_dataset(
        n_images, size=size, seed=seed, object_size=object_size, masks=True, **options
    )
    masks = np.stack([semantic_mask(m, c) for m, c in zip(data.masks, data.classes, strict=True)])
    return SegmentationSet(
        images=data.images,
        masks=masks,
        instances=data.masks,
        classes=data.classes,
        class_names=("background", *SHAPE_CLASSES),
    )


def scenes(split: dict[str, int]) -> SegmentationSet:
    """The generated scenes of a split of the shipped network: :data:`TRAIN` or :data:`HELD_OUT`."""
    return make_segmentation_dataset(split["n_images"], seed=split["seed"])


# --------------------------------------------------------------------------------------------
# The compact U-Net, its training and its predictions


def compact_unet(
    input_shape: tuple[int, int, int] = INPUT_SHAPE,
    n_classes: int = len(SEG_CLASSES),
    widths: Sequence[int] = WIDTHS,
) -> Any:
    """The compact U-Net whose trained weights the course ships (``weights/unet_shapes``).

    ``len(widths) - 1`` levels down (two 3×3 conv → batch norm → ReLU units, then a 2×2
    max-pool), a bottleneck of two such units with ``widths[-1]`` filters, and as many levels up
    (a 3×3 transposed convolution with stride 2, concatenated with the features of the same
    level on the way down, two units); a 1×1 convolution gives ``n_classes`` logits per pixel.
    Batch normalisation (which the course's ``unet_model`` does not have; momentum 0.9, so that
    its moving statistics follow even a brief training) lets the small network train in a few
    epochs on a CPU. Every layer has a fixed name, so weights load whatever else
    was built before in the session.

    Args:
        input_shape: (height, width, channels); height and width divisible by
            ``2 ** (len(widths) - 1)``.
        n_classes: number of classes (>= 2), the background included.
        widths: filters of each level, the bottleneck's last.

    Returns:
        An uncompiled ``keras.Model``: (m, H, W, C) images → (m, H, W, n_classes) logits.
    """
    import keras
    from keras import layers

    widths = tuple(widths)
    if len(widths) < 2 or not all(isinstance(w, int) and w > 0 for w in widths):
        raise ValueError(f"widths: expected at least 2 positive ints, got {widths!r}")
    levels = len(widths) - 1
    if (
        len(input_shape) != 3
        or not all(isinstance(n, int) and n > 0 for n in input_shape)
        or input_shape[0] % 2**levels
        or input_shape[1] % 2**levels
    ):
        raise ValueError(
            f"input_shape: expected (height, width, channels) with height and width divisible by "
            f"{2**levels}, got {input_shape!r}"
        )
    n_classes = require_int(n_classes, "n_classes", minimum=2)

    def unit(x: Any, filters: int, name: str) -> Any:
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv")(x)
        x = layers.BatchNormalization(momentum=0.9, name=f"{name}_bn")(x)
        return layers.ReLU(name=f"{name}_relu")(x)

    images = keras.Input(input_shape, name="image")
    x, features = images, []
    for level, filters in enumerate(widths[:-1]):
        for part in "ab":
            x = unit(x, filters, f"down{level}{part}")
        features.append(x)
        x = layers.MaxPooling2D(2, name=f"down{level}_pool")(x)
    for part in "ab":
        x = unit(x, widths[-1], f"bottleneck{part}")
    for level in reversed(range(levels)):
        x = layers.Conv2DTranspose(
            widths[level], 3, strides=2, padding="same", name=f"up{level}_transpose"
        )(x)
        x = layers.Concatenate(name=f"up{level}_concat")([x, features[level]])
        for part in "ab":
            x = unit(x, widths[level], f"up{level}{part}")
    logits = layers.Conv2D(n_classes, 1, name="logits")(x)
    return keras.Model(images, logits, name="compact_unet")


def load_compact_unet(path: str | Path, **options: Any) -> Any:
    """:func:`compact_unet` (with ``options``) with the weights of a ``.weights.h5`` file."""
    model = compact_unet(**options)
    model.load_weights(path)
    return model


def fit_segmenter(
    model: Any,
    images: np.ndarray,
    masks: np.ndarray,
    *,
    epochs: int = EPOCHS,
    batch_size: int = BATCH_SIZE,
    learning_rate: float = LEARNING_RATE,
    every: int = 1,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
) -> Any:
    """Train a segmenter that outputs logits, the course's way; returns the Keras History.

    Adam with a learning rate decayed to 0 along a cosine over the run
    (:func:`utils.training.cosine_adam`), pixel-wise softmax cross-entropy on the logits
    (``SparseCategoricalCrossentropy(from_logits=True)``), pixel accuracy as the metric, shuffled
    batches; :class:`utils.training.EpochLog` prints a rounded line every ``every`` epochs.
    Deterministic after ``utils.setup_notebook`` (or ``keras.utils.set_random_seed``).

    Args:
        model: a ``keras.Model`` mapping (m, H, W, C) images to (m, H, W, n_classes) logits.
        images: (m, H, W, C) float32 images.
        masks: (m, H, W) int class of each pixel.
        epochs, batch_size, learning_rate: the run's settings.
        every: print every ``every`` epochs (and after the last).
        validation: optional (images, masks) evaluated after every epoch.
    """
    import keras

    from utils.training import EpochLog, cosine_adam

    images, masks = np.asarray(images), np.asarray(masks)
    if images.ndim != 4 or masks.shape != images.shape[:3]:
        raise ValueError(
            f"images and masks: expected (m, H, W, C) and (m, H, W), got {images.shape} and "
            f"{masks.shape}"
        )
    model.compile(
        optimizer=cosine_adam(
            learning_rate, epochs=epochs, examples=len(images), batch_size=batch_size
        ),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model.fit(
        images,
        masks,
        batch_size=batch_size,
        epochs=epochs,
        verbose=0,
        validation_data=validation,
        callbacks=[EpochLog(every=every)],
    )


def predict_masks(model: Any, images: np.ndarray, batch_size: int = 50) -> np.ndarray:
    """The class of each pixel: the argmax of the model's logits, (m, H, W) int64."""
    logits = model.predict(np.asarray(images), batch_size=batch_size, verbose=0)
    return np.argmax(logits, axis=-1).astype(np.int64)


# --------------------------------------------------------------------------------------------
# Metrics


def confusion_matrix(y_true: Any, y_pred: Any, n_classes: int) -> np.ndarray:
    """(n_classes, n_classes) int64 counts: row = true class, column = predicted class.

    Args:
        y_true, y_pred: int class maps of the same shape (any number of images and pixels).
        n_classes: the number of classes; every value must lie in [0, n_classes).
    """
    n_classes = require_int(n_classes, "n_classes", minimum=1)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred: expected the same shape, got {y_true.shape} and {y_pred.shape}"
        )
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        if not np.issubdtype(values.dtype, np.integer):
            raise ValueError(f"{name}: expected integer class indices, got {values.dtype}")
        if values.size and (values.min() < 0 or values.max() >= n_classes):
            raise ValueError(f"{name}: class indices must lie in [0, {n_classes})")
    pairs = n_classes * y_true.astype(np.int64).ravel() + y_pred.astype(np.int64).ravel()
    return np.bincount(pairs, minlength=n_classes**2).reshape(n_classes, n_classes)


def segmentation_scores(confusion: Any) -> dict[str, Any]:
    """Pixel accuracy, IoU and Dice of every class, and their means, from a confusion matrix.

    With TP, FP, FN the true positives, false positives and false negatives of a class:
    IoU = TP / (TP + FP + FN) and Dice = 2·TP / (2·TP + FP + FN). A class absent from both the
    truth and the prediction has no score (NaN) and is left out of the means.

    Returns:
        ``{"pixel_accuracy": float, "iou": (C,), "dice": (C,), "mean_iou": float,
        "mean_dice": float}``.
    """
    confusion = np.asarray(confusion, np.float64)
    if confusion.ndim != 2 or confusion.shape[0] != confusion.shape[1]:
        raise ValueError(f"confusion: expected a square matrix, got shape {confusion.shape}")
    tp = np.diag(confusion)
    fp, fn = confusion.sum(axis=0) - tp, confusion.sum(axis=1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(tp + fp + fn > 0, tp / (tp + fp + fn), np.nan)
        dice = np.where(tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), np.nan)
    total = confusion.sum()
    return {
        "pixel_accuracy": float(tp.sum() / total) if total else float("nan"),
        "iou": iou,
        "dice": dice,
        "mean_iou": float(np.nanmean(iou)) if np.any(~np.isnan(iou)) else float("nan"),
        "mean_dice": float(np.nanmean(dice)) if np.any(~np.isnan(dice)) else float("nan"),
    }


def stated_mean_iou(description: str) -> float:
    """The held-out mean IoU that the shipped weights' manifest description states.

    Raises:
        ValueError: the description does not say "held-out mean IoU X.XXX".
    """
    import re

    found = re.search(r"held-out mean IoU (\d\.\d{3})", description)
    if not found:
        raise ValueError(f"the description must state 'held-out mean IoU X.XXX': {description}")
    return float(found.group(1))


# --------------------------------------------------------------------------------------------
# Drawing


def overlay(image: Any, mask: Any, alpha: float = 0.5, colours: Any = CLASS_COLOURS) -> np.ndarray:
    """The image with each non-background pixel tinted with its class's colour.

    Args:
        image: (H, W, 3) floats in [0, 1].
        mask: (H, W) int class of each pixel (0: background, left untouched).
        alpha: weight of the colour (0: the image, 1: the colour).
        colours: (C, 3) RGB colours in [0, 1], one per class.

    Returns:
        (H, W, 3) float32 in [0, 1].
    """
    image, mask = np.asarray(image, np.float32), np.asarray(mask)
    colours = np.asarray(colours, np.float32)
    if image.ndim != 3 or image.shape[-1] != 3 or mask.shape != image.shape[:2]:
        raise ValueError(
            f"image and mask: expected (H, W, 3) and (H, W), got {image.shape} and {mask.shape}"
        )
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha: expected a number in [0, 1], got {alpha!r}")
    if mask.size and (mask.min() < 0 or mask.max() >= len(colours)):
        raise ValueError(f"mask: class indices must lie in [0, {len(colours)}) (one colour each)")
    tinted = (1 - alpha) * image + alpha * colours[mask]
    return np.where((mask > 0)[..., None], tinted, image).astype(np.float32)


def show_segmentations(
    images: Any,
    rows: Sequence[tuple[str, Any]],
    *,
    class_names: Sequence[str] = SEG_CLASSES,
    size: float = 2.0,
    alpha: float = 0.55,
) -> None:
    """A grid: one column per image, one row per set of masks drawn over the images.

    Args:
        images: n images (H, W, 3).
        rows: (label, masks) pairs, masks (n, H, W) int; a label ``"image"`` with masks None
            shows the plain images.
        class_names: names of the classes, for the legend (one colour each, background first).
        size: size of one panel in inches.
        alpha: weight of the colours.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    images = list(images)
    if not images or not rows:
        raise ValueError("images and rows: expected at least one image and one row")
    fig, axes = plt.subplots(
        len(rows), len(images), figsize=(size * len(images), size * len(rows)), squeeze=False
    )
    for r, (label, masks) in enumerate(rows):
        if masks is not None and len(masks) != len(images):
            raise ValueError(f"rows[{r}]: expected {len(images)} masks, got {len(masks)}")
        for c, image in enumerate(images):
            ax = axes[r][c]
            shown = image if masks is None else overlay(image, masks[c], alpha)
            ax.imshow(shown)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r][0].set_ylabel(label)
    handles = [
        Patch(color=CLASS_COLOURS[k], label=name)
        for k, name in enumerate(class_names)
        if k > 0 and k < len(CLASS_COLOURS)
    ]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    plt.show()


# --------------------------------------------------------------------------------------------
# Instances


def connected_instances(mask: Any, connectivity: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The instances a semantic mask alone suggests: the connected components of each class.

    Args:
        mask: (H, W) int class of each pixel (0: background).
        connectivity: 1 (4-neighbours) or 2 (8-neighbours).

    Returns:
        ``(labels, classes)``: (H, W) int32 map, 0 for the background and ``j + 1`` for the
        pixels of component ``j``; (k,) int64 class (the mask's value) of each component.
    """
    from scipy import ndimage

    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"mask: expected an (H, W) class map, got shape {mask.shape}")
    if connectivity not in (1, 2):
        raise ValueError(f"connectivity: expected 1 or 2, got {connectivity!r}")
    structure = ndimage.generate_binary_structure(2, connectivity)
    labels = np.zeros(mask.shape, np.int32)
    classes: list[int] = []
    for value in np.unique(mask):
        if value == 0:
            continue
        found, count = ndimage.label(mask == value, structure=structure)
        labels[found > 0] = found[found > 0] + len(classes)
        classes += [int(value)] * count
    return labels, np.array(classes, np.int64)


def count_recovered(instances: Any, candidates: Any, threshold: float = 0.5) -> int:
    """How many true instances some candidate instance covers with IoU >= ``threshold``.

    With ``threshold`` > 0.5 a candidate can match at most one true instance (two true instances
    are disjoint, so one region cannot overlap both by more than half of their union).

    Args:
        instances: (H, W) int true instance map (0: background).
        candidates: (H, W) int candidate instance map (0: background).
        threshold: IoU needed.
    """
    instances, candidates = np.asarray(instances), np.asarray(candidates)
    if instances.shape != candidates.shape:
        raise ValueError(
            f"instances and candidates: expected the same shape, got {instances.shape} and "
            f"{candidates.shape}"
        )
    n_true, n_found = int(instances.max(initial=0)), int(candidates.max(initial=0))
    if n_true == 0 or n_found == 0:
        return 0
    overlap = np.bincount(
        instances.ravel().astype(np.int64) * (n_found + 1) + candidates.ravel(),
        minlength=(n_true + 1) * (n_found + 1),
    ).reshape(n_true + 1, n_found + 1)[1:, 1:]
    areas_true = np.bincount(instances.ravel(), minlength=n_true + 1)[1:]
    areas_found = np.bincount(candidates.ravel(), minlength=n_found + 1)[1:]
    union = areas_true[:, None] + areas_found[None, :] - overlap
    iou = np.divide(overlap, union, out=np.zeros(overlap.shape), where=union > 0)
    return int(np.sum(iou.max(axis=1) >= threshold))


# --------------------------------------------------------------------------------------------
# The Oxford-IIIT Pet dataset (online)


def load_pets(
    split: str = "trainval",
    *,
    size: tuple[int, int] = INPUT_SHAPE[:2],
    limit: int | None = None,
    assets: Sequence[Any] = PETS_ASSETS,
    cache_dir: str | Path | None = None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Oxford-IIIT Pet images and their trimaps as 3-class masks, or None offline.

    The two archives (``images.tar.gz``, ``annotations.tar.gz``) are found or downloaded and
    checked by ``utils.assets.resolve`` (their SHA-256 in ``data/MANIFEST.json``); without them
    one line per archive is printed and None returned. The images of ``split`` (the order of
    ``annotations/<split>.txt``) are read from the archives, converted to RGB and resized to
    ``size`` (bilinear), their trimaps to ``size`` (nearest) and mapped to
    :data:`PETS_CLASSES`: 0 background (trimap 2), 1 pet (trimap 1), 2 border (trimap 3).

    Args:
        split: ``"trainval"`` (3,680 images) or ``"test"`` (3,669 images).
        size: (height, width) of the returned images.
        limit: keep only the first ``limit`` images of the split (None: all).
        assets: the names (or ``utils.assets.Asset`` objects) of the images and annotations
            archives.
        cache_dir: the Keras cache root (``utils.assets.resolve``'s argument).

    Returns:
        ``(images, masks)``: (n, H, W, 3) float32 in [0, 1] and (n, H, W) int64; or None.
    """
    from PIL import Image

    from utils.assets import resolve

    if split not in ("trainval", "test"):
        raise ValueError(f"split: expected 'trainval' or 'test', got {split!r}")
    if limit is not None:
        limit = require_int(limit, "limit (or None)", minimum=1)
    height, width = size
    paths = [resolve(asset, cache_dir=cache_dir) for asset in assets]
    if any(path is None for path in paths):
        return None
    images_path, annotations_path = paths

    with tarfile.open(annotations_path, "r:*") as archive:
        listing = archive.extractfile(f"annotations/{split}.txt")
        if listing is None:
            raise ValueError(f"{annotations_path}: annotations/{split}.txt is missing")
        names = [line.split()[0] for line in listing.read().decode().splitlines() if line.strip()]
        names = names[:limit] if limit is not None else names
        wanted = set(names)
        trimaps = {}
        for member in archive:
            path = Path(member.name)
            if (
                member.isfile()
                and path.parent.name == "trimaps"
                and path.stem in wanted
                and not path.name.startswith("._")
            ):
                with Image.open(io.BytesIO(archive.extractfile(member).read())) as trimap:
                    resized = trimap.resize((width, height), Image.Resampling.NEAREST)
                    trimaps[path.stem] = _TRIMAP_TO_CLASS[np.asarray(resized, np.int64)]
    photos = {}
    with tarfile.open(images_path, "r:*") as archive:
        for member in archive:
            path = Path(member.name)
            if (
                member.isfile()
                and path.suffix == ".jpg"
                and path.stem in wanted
                and not path.name.startswith("._")
            ):
                with Image.open(io.BytesIO(archive.extractfile(member).read())) as photo:
                    resized = photo.convert("RGB").resize(
                        (width, height), Image.Resampling.BILINEAR
                    )
                    photos[path.stem] = np.asarray(resized, np.float32) / 255.0
    missing = [name for name in names if name not in photos or name not in trimaps]
    if missing:
        raise ValueError(
            f"load_pets: {len(missing)} image(s) of {split}.txt have no photo or trimap in the "
            f"archives, e.g. {missing[:3]}"
        )
    return np.stack([photos[n] for n in names]), np.stack([trimaps[n] for n in names])


def iou_table(scores: dict[str, Any], class_names: Sequence[str]) -> str:
    """The per-class IoU and Dice of :func:`segmentation_scores` as a small text table."""
    lines = [f"{'class':<11} {'IoU':>6} {'Dice':>6}"]
    for name, iou, dice in zip(class_names, scores["iou"], scores["dice"], strict=True):
        lines.append(f"{name:<11} {iou:>6.3f} {dice:>6.3f}")
    lines.append(f"{'mean':<11} {scores['mean_iou']:>6.3f} {scores['mean_dice']:>6.3f}")
    return "\n".join(lines)
