"""Train the course's compact YOLOv2 detector on generated shapes and ship its weights.

The real YOLOv2 (``utils.yolo.yolo_v2()``, 50,983,561 parameters) needs COCO's weights (194 MB,
``yolov2.weights``), which cannot ship and cannot be trained on a CPU. Notebook 06 uses them when
it can download them; offline it uses this detector instead: **the same network, head, anchors
mechanism, loss and post-processing, made small**. What the notebook shares with this script (the
detector, its anchors, the data splits, the evaluation) is in ``utils.shapes_detector``:

- ``yolo_v2(input_shape=(160, 160, 3), num_anchors=5, num_classes=3, width=0.125)``: all 23
  convolutions and the passthrough of YOLOv2 with 1/8 of the filters (4 to 128 channels), a 5×5
  grid; 799,588 parameters (3.2 MB). Keeping YOLOv2's layout (rather than a shallower body) lets
  the notebook load both detectors with the same code (``utils.darknet.load_darknet_weights``),
  and at 160×160 it costs 36 million multiply-adds per image, which a CPU trains in minutes.
- 5 anchors found by k-means (distance 1 − IoU) on the training boxes (``shapes.ANCHORS``).
- Data: ``utils.shapes_dataset.make_shapes_dataset``: discs, triangles and horse silhouettes 24 to
  72 pixels high (``shapes.OBJECT_SIZE``) on crops of the real photos of ``utils.images``, with
  exact boxes. Training images: ``shapes.TRAIN``; held-out images (never seen in training):
  ``shapes.HELD_OUT``. Objects smaller than a grid cell are YOLOv2's weak spot: with heights from
  20 pixels (5/8 of a 32-pixel cell) the same training reached a held-out mAP@0.5 of 0.900, a
  quarter of the objects under 30 pixels being placed with an IoU below 0.5.
- Loss: :func:`yolo_loss` (logistic objectness, softmax log-likelihood for the classes, squared
  error for the box; objectness weighted 2, see :data:`LOSS_SCALES`); Adam, learning rate warmed
  up to 2e-3 then cosine-decayed to 0 over 40 epochs; random horizontal flips.

Evaluation: mAP@0.5 on the held-out images (``shapes.evaluate``) after the course's
post-processing (score = confidence × class probability, per-class non-max suppression) done by
TensorFlow (``utils.nms.library_eval``); the notebook gets the same detections from the learner's
``yolo_eval``.

Training is deterministic (``utils.setup_notebook``: seeds, op determinism, 2 TensorFlow threads):
a re-run on the same machine writes a byte-identical file. Weights are saved in Darknet's
``.weights`` format (:func:`save_darknet_weights`).

Usage (from the repository root)::

    python -m scripts.train_yolo_shapes                 # train, write weights/, update the manifest
    python -m scripts.train_yolo_shapes --no-manifest   # only print the size and SHA-256

It prints one line per epoch, the k-means anchors of the training boxes, the held-out mAP and the
file's size and SHA-256. Measured: about 40 minutes on 2 shared CPU cores (the machine was busy
with other jobs; an idle one is faster).
"""

from __future__ import annotations

import argparse
import math
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import utils
from scripts.shipping import record_shipped
from utils import shapes_detector as shapes
from utils.anchors import kmeans_anchors, yolo_targets
from utils.darknet import darknet_layers, seen_dtype
from utils.shapes_dataset import DetectionSet

ROOT = Path(__file__).resolve().parent.parent
HOW = "python -m scripts.train_yolo_shapes"

if TYPE_CHECKING:
    import keras

# Weights of the loss terms (yolo_loss below): box, objectness with / without object, classes.
LOSS_SCALES = {"coord_scale": 1.0, "object_scale": 2.0, "noobject_scale": 2.0, "class_scale": 1.0}
EPOCHS = 40
BATCH_SIZE = 32
LEARNING_RATE = 2e-3
SEED = 0
DESCRIPTION = (
    "Compact YOLOv2 (utils.yolo.yolo_v2((160, 160, 3), num_anchors=5, num_classes=3, "
    "width=0.125): {params:,} parameters, Darknet .weights format) trained on "
    "{train:,} images of discs, triangles and horses pasted on real photos "
    "(utils.shapes_dataset.make_shapes_dataset, seed 0); anchors in utils.shapes_detector; "
    "held-out mAP@0.5 {map:.3f} on {held_out} images (seed 1)."
)


# --------------------------------------------------------------------------------------------
# YOLOv2's training loss


def yolo_loss(
    y_true: Any,
    y_pred: Any,
    anchors: np.ndarray,
    num_classes: int,
    ignore_threshold: float = 0.6,
    *,
    coord_scale: float = 1.0,
    object_scale: float = 5.0,
    noobject_scale: float = 1.0,
    class_scale: float = 1.0,
) -> Any:
    """YOLOv2's training loss, per image: the practical variant of the course's loss.

    For the slots that hold an object (``y_true`` from :func:`utils.anchors.yolo_targets`):

    - box: squared error of the centre offset in the cell, ``(σ(t_x) − (x·S_w − c_x))²`` and the
      same for y, and of the log-size, ``(t_w − log(w·S_w / p_w))²`` and the same for h, weighted
      by ``2 − w·h`` (small boxes count more);
    - objectness: logistic loss ``−log σ(t_o)``;
    - classes: log-likelihood ``−log softmax(class scores)[true class]``.

    For the other slots, the logistic loss ``−log(1 − σ(t_o))``, except where the predicted box
    already overlaps a ground-truth box with IoU >= ``ignore_threshold`` (it is not penalised).

    The four terms are weighted by ``coord_scale``, ``object_scale``, ``noobject_scale`` and
    ``class_scale`` (the defaults are those of Darknet's ``yolov2.cfg``).

    Args:
        y_true: (m, S_h, S_w, A · (5 + C)) targets.
        y_pred: (m, S_h, S_w, A · (5 + C)) raw output of the detector.
        anchors: (A, 2) anchor widths and heights in grid cells.
        num_classes: C.
        ignore_threshold: IoU above which a slot without object is not pushed to confidence 0.
        coord_scale, object_scale, noobject_scale, class_scale: weights of the terms.

    Returns:
        (m,) loss of each image (summed over its slots).
    """
    import tensorflow as tf

    from utils.yolo import decode_boxes

    anchors = np.asarray(anchors, np.float32)
    if anchors.ndim != 2 or anchors.shape[1] != 2:
        raise ValueError(f"anchors: expected shape (A, 2), got {anchors.shape}")
    count = len(anchors)
    rows, cols, depth = y_pred.shape[1:]
    if depth != count * (5 + num_classes):
        raise ValueError(f"y_pred: expected {count} · (5 + {num_classes}) channels, got {depth}")
    feats = tf.reshape(tf.cast(y_pred, tf.float32), (-1, rows, cols, count, 5 + num_classes))
    true = tf.reshape(tf.cast(y_true, tf.float32), tf.shape(feats))
    has_object = true[..., 4:5]
    pred_xy, pred_wh, grid, size = decode_boxes(feats, anchors, max_log_size=8.0)

    true_xy, true_wh = true[..., 0:2], true[..., 2:4]
    weight = has_object * (2.0 - true_wh[..., 0:1] * true_wh[..., 1:2])
    offset_error = tf.square(tf.sigmoid(feats[..., 0:2]) - (true_xy * size - grid))
    true_log_wh = tf.math.log(tf.maximum(true_wh * size / anchors, 1e-9))
    size_error = tf.square(feats[..., 2:4] - true_log_wh)
    box_loss = weight * (offset_error + size_error)

    best_iou = tf.stop_gradient(_best_iou(pred_xy, pred_wh, true_xy, true_wh, has_object))
    ignore = tf.cast(best_iou < ignore_threshold, tf.float32)
    logistic = tf.nn.sigmoid_cross_entropy_with_logits(labels=has_object, logits=feats[..., 4:5])
    object_loss = (
        object_scale * has_object + noobject_scale * (1.0 - has_object) * ignore
    ) * logistic
    class_loss = has_object[..., 0] * tf.nn.softmax_cross_entropy_with_logits(
        labels=true[..., 5:], logits=feats[..., 5:]
    )
    per_slot = (
        coord_scale * tf.reduce_sum(box_loss, axis=-1)
        + object_loss[..., 0]
        + class_scale * class_loss
    )
    return tf.reduce_sum(per_slot, axis=[1, 2, 3])


def _best_iou(pred_xy: Any, pred_wh: Any, true_xy: Any, true_wh: Any, has_object: Any) -> Any:
    """(m, S_h, S_w, A, 1): each predicted box's highest IoU with the image's true boxes."""
    import tensorflow as tf

    batch = tf.shape(pred_xy)[0]

    def corners(xy: Any, wh: Any) -> tuple[Any, Any]:
        return tf.reshape(xy - wh / 2, (batch, -1, 2)), tf.reshape(xy + wh / 2, (batch, -1, 2))

    pred_min, pred_max = corners(pred_xy, pred_wh)
    true_min, true_max = corners(true_xy, true_wh)
    inner = tf.maximum(
        tf.minimum(pred_max[:, :, None], true_max[:, None])
        - tf.maximum(pred_min[:, :, None], true_min[:, None]),
        0.0,
    )
    overlap = inner[..., 0] * inner[..., 1]
    pred_area = tf.reduce_prod(pred_max - pred_min, axis=-1)[:, :, None]
    true_area = tf.reduce_prod(true_max - true_min, axis=-1)[:, None, :]
    ious = overlap / tf.maximum(pred_area + true_area - overlap, 1e-9)
    ious *= tf.reshape(has_object, (batch, 1, -1))  # only real boxes count
    return tf.reshape(tf.reduce_max(ious, axis=-1), tf.shape(has_object))


# --------------------------------------------------------------------------------------------
# Darknet's weights file, written


def save_darknet_weights(
    model: keras.Model, path: str | os.PathLike, version: tuple[int, int, int] = (0, 2, 0)
) -> None:
    """Write ``model``'s convolutions to a Darknet ``.weights`` file.

    The header is ``major, minor, revision`` (int32) and ``seen`` (int64 when major·10 + minor
    >= 2, else int32): 20 or 16 bytes. Then, layer by layer in ``conv_<n>`` order: the biases
    (or batch norm's beta, gamma, moving mean and variance) and the kernel in (out, in, h, w) order,
    all float32.
    """
    major, minor, revision = version
    with open(path, "wb") as stream:
        np.array([major, minor, revision], np.int32).tofile(stream)
        np.array([0], seen_dtype(major, minor)).tofile(stream)
        for conv, norm in darknet_layers(model):
            for array in _arrays(conv, norm):
                np.asarray(array, np.float32).tofile(stream)


def _arrays(conv: Any, norm: Any) -> list[np.ndarray]:
    """One layer's arrays in Darknet order: bias (or BN beta, gamma, mean, variance), kernel."""
    kernel, *bias = conv.get_weights()
    darknet_kernel = kernel.transpose(3, 2, 0, 1)  # (h, w, in, out) → Darknet (out, in, h, w)
    if norm is None:
        return [bias[0], darknet_kernel]
    gamma, beta, mean, variance = norm.get_weights()
    return [beta, gamma, mean, variance, darknet_kernel]


# --------------------------------------------------------------------------------------------
# Training


def train(
    epochs: int = EPOCHS, train_split: dict[str, int] = shapes.TRAIN
) -> tuple[Any, DetectionSet]:
    """Train the detector from seed :data:`SEED`; returns it and the training data."""
    import keras

    start = time.perf_counter()
    data = shapes.dataset(train_split, uint8=True)
    print(
        f"{len(data):,} training images generated in {time.perf_counter() - start:.0f} s",
        flush=True,
    )
    height, width = shapes.INPUT_SHAPE[:2]

    def targets(flipped: bool) -> np.ndarray:
        out = []
        for boxes, classes in zip(data.boxes, data.classes, strict=True):
            if flipped:
                boxes = boxes[:, [0, 3, 2, 1]] * [1, -1, 1, -1] + [0, width, 0, width]
            out.append(
                yolo_targets(
                    boxes,
                    classes,
                    shapes.ANCHORS,
                    shapes.grid_shape(),
                    (height, width),
                    shapes.NUM_CLASSES,
                )
            )
        return np.stack(out)

    y_plain, y_flipped = targets(False), targets(True)

    class Batches(keras.utils.PyDataset):
        """Shuffled batches, each image mirrored with probability 1/2 (a new draw every epoch)."""

        def __init__(self) -> None:
            super().__init__()
            self.epoch = 0
            self.on_epoch_end()

        def __len__(self) -> int:
            return math.ceil(len(data) / BATCH_SIZE)

        def on_epoch_end(self) -> None:
            rng = np.random.default_rng([SEED, self.epoch])
            self.order = rng.permutation(len(data))
            self.flip = rng.random(len(data)) < 0.5
            self.epoch += 1

        def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
            chosen = self.order[index * BATCH_SIZE : (index + 1) * BATCH_SIZE]
            flip = self.flip[chosen]
            images = data.images[chosen].astype(np.float32) / 255.0
            images[flip] = images[flip][:, :, ::-1]
            y = np.where(flip[:, None, None, None], y_flipped[chosen], y_plain[chosen])
            return images, y

    keras.utils.set_random_seed(SEED)
    model = shapes.build_detector()
    steps = epochs * math.ceil(len(data) / BATCH_SIZE)
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=steps, warmup_target=LEARNING_RATE, warmup_steps=min(300, steps // 10)
    )

    def loss(y_true: Any, y_pred: Any) -> Any:
        return yolo_loss(y_true, y_pred, shapes.ANCHORS, shapes.NUM_CLASSES, **LOSS_SCALES)

    model.compile(optimizer=keras.optimizers.Adam(schedule), loss=loss)

    class Report(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            seconds = time.perf_counter() - self.start
            print(
                f"epoch {epoch + 1:2d}/{epochs}: loss {logs['loss']:.3f} ({seconds:.0f} s)",
                flush=True,
            )

    model.fit(Batches(), epochs=epochs, verbose=0, callbacks=[Report()])
    return model, data


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"default {EPOCHS}")
    parser.add_argument("--train-images", type=int, default=shapes.TRAIN["n_images"])
    parser.add_argument("--no-manifest", action="store_true", help="do not update the manifest")
    parser.add_argument("--out", type=Path, default=ROOT / "weights" / shapes.FILENAME)
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.train_images < 1:
        parser.error("--epochs and --train-images must be >= 1")

    utils.setup_notebook(seed=SEED)  # seeds, op determinism, 2 TensorFlow threads, quiet logs
    start = time.perf_counter()
    split = {**shapes.TRAIN, "n_images": args.train_images}
    model, data = train(args.epochs, split)
    anchors, mean_iou = kmeans_anchors(shapes.box_sizes(data.boxes), 5, seed=0)
    print(f"k-means anchors of the training boxes (mean IoU {mean_iou:.3f}):\n{anchors.round(4)}")
    if split == shapes.TRAIN and not np.allclose(anchors.round(4), shapes.ANCHORS):
        raise SystemExit(
            "utils.shapes_detector.ANCHORS differ from the k-means anchors of the training "
            "boxes: update them"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_darknet_weights(model, args.out)
    print(f"trained in {time.perf_counter() - start:.0f} s: {args.out}")

    held_out = shapes.dataset(shapes.HELD_OUT)
    mean_ap, aps = shapes.evaluate(shapes.load_detector(args.out), held_out)
    print(f"held-out mAP@0.5 {mean_ap:.4f} (AP per class {np.round(aps, 4).tolist()})")
    description = DESCRIPTION.format(
        params=model.count_params(),
        train=len(data),
        map=mean_ap,
        held_out=shapes.HELD_OUT["n_images"],
    )
    record_shipped(
        args.out,
        name=shapes.NAME,
        description=description,
        how=HOW,
        update_manifest=not args.no_manifest,
    )


if __name__ == "__main__":
    main()
