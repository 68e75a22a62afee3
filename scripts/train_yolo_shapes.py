"""Train the course's compact YOLOv2 detector on generated shapes and ship its weights.

The real YOLOv2 (``utils.yolo.yolo_v2()``, 50,983,561 parameters) needs COCO's weights (194 MB,
``yolov2.weights``), which cannot ship and cannot be trained on a CPU. Notebook 06 uses them when
it can download them; offline it uses this detector instead: **the same network, head, anchors
mechanism, loss and post-processing, made small**:

- ``yolo_v2(input_shape=(160, 160, 3), num_anchors=5, num_classes=3, width=0.125)``: all 23
  convolutions and the passthrough of YOLOv2 with 1/8 of the filters (4 to 128 channels), a 5×5
  grid; 799,588 parameters (3.2 MB). Keeping YOLOv2's layout (rather than a shallower body) lets
  the notebook load both detectors with the same code (``utils.yolo.load_darknet_weights``), and at
  160×160 it costs 36 million multiply-adds per image, which a CPU trains in minutes.
- 5 anchors found by k-means (distance 1 − IoU) on the training boxes (:data:`ANCHORS`).
- Data: ``utils.detection.make_shapes_dataset``: discs, triangles and horse silhouettes 24 to 72
  pixels high (:data:`OBJECT_SIZE`) on crops of the real photos of ``utils.images``, with exact
  boxes. Training images: :data:`TRAIN`; held-out images (never seen in training):
  :data:`HELD_OUT`. Objects smaller than a grid cell are YOLOv2's weak spot: with heights from 20
  pixels (5/8 of a 32-pixel cell) the same training reached a held-out mAP@0.5 of 0.900, a quarter
  of the objects under 30 pixels being placed with an IoU below 0.5.
- Loss: ``utils.yolo.yolo_loss`` (logistic objectness, softmax log-likelihood for the classes,
  squared error for the box; objectness weighted 2, see :data:`LOSS_SCALES`); Adam, learning rate
  warmed up to 2e-3 then cosine-decayed to 0 over 40 epochs; random horizontal flips.

Evaluation: mAP@0.5 on the held-out images (``utils.detection.mean_average_precision``) after the
course's post-processing (score = confidence × class probability, per-class non-max suppression)
done by TensorFlow (``utils.detection.library_eval``); the notebook gets the same detections from
the learner's ``yolo_eval``.

Training is deterministic (``utils.setup_notebook``: seeds, op determinism, 2 TensorFlow threads):
a re-run on the same machine writes a byte-identical file. Weights are saved in Darknet's
``.weights`` format (``utils.yolo.save_darknet_weights``).

Usage (from the repository root)::

    python scripts/train_yolo_shapes.py                 # train, write weights/, update the manifest
    python scripts/train_yolo_shapes.py --no-manifest   # only print the size and SHA-256

It prints one line per epoch, the k-means anchors of the training boxes, the held-out mAP and the
file's size and SHA-256. Measured: about 40 minutes on 2 shared CPU cores (the machine was busy
with other jobs; an idle one is faster).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
NAME = "yolo_shapes"
FILENAME = "yolo_shapes.weights"
INPUT_SHAPE = (160, 160, 3)
WIDTH = 0.125
NUM_CLASSES = 3
TRAIN = {"n_images": 4000, "seed": 0}
HELD_OUT = {"n_images": 200, "seed": 1}
OBJECT_SIZE = (24, 72)  # object heights in pixels: 15% to 45% of the image
# k-means (k = 5, distance 1 − IoU, seed 0) on the widths and heights, in grid cells, of the boxes
# of the TRAIN images; `main` checks that they still come out of the data.
ANCHORS = np.array(
    [
        [0.845, 0.8753],
        [1.179, 1.1337],
        [1.6297, 1.3463],
        [1.7788, 1.8083],
        [2.5695, 1.9733],
    ]
)
# Weights of the loss terms (utils.yolo.yolo_loss): box, objectness with / without object, classes.
LOSS_SCALES = {"coord_scale": 1.0, "object_scale": 2.0, "noobject_scale": 2.0, "class_scale": 1.0}
EPOCHS = 40
BATCH_SIZE = 32
LEARNING_RATE = 2e-3
SEED = 0
# Post-processing for mAP: a low score threshold keeps the whole precision-recall curve.
SCORE_THRESHOLD = 0.05
MAX_BOXES = 10
IOU_THRESHOLD = 0.5
DESCRIPTION = (
    "Compact YOLOv2 (utils.yolo.yolo_v2((160, 160, 3), num_anchors=5, num_classes=3, "
    "width=0.125): {params:,} parameters, Darknet .weights format) trained on "
    "{train:,} images of discs, triangles and horses pasted on real photos "
    "(utils.detection.make_shapes_dataset, seed 0); anchors in scripts/train_yolo_shapes.py; "
    "held-out mAP@0.5 {map:.3f} on {held_out} images (seed 1)."
)


def stated_map(description: str) -> float:
    """The held-out mAP@0.5 that a description written from :data:`DESCRIPTION` states.

    Raises:
        ValueError: the description does not say "held-out mAP@0.5 X.XXX on 200 images".
    """
    found = re.search(
        rf"held-out mAP@0\.5 (\d\.\d{{3}}) on {HELD_OUT['n_images']} images", description
    )
    if not found:
        raise ValueError(
            f"the description must state 'held-out mAP@0.5 X.XXX on {HELD_OUT['n_images']} "
            f"images': {description}"
        )
    return float(found.group(1))


def grid_shape() -> tuple[int, int]:
    """(S_h, S_w) of the detector's output: the input size divided by 32."""
    return INPUT_SHAPE[0] // 32, INPUT_SHAPE[1] // 32


def build_detector(anchors: np.ndarray = ANCHORS):
    """The compact detector, untrained: (m, 160, 160, 3) → (m, 5, 5, 5 · (5 + 3))."""
    from utils.yolo import yolo_v2

    return yolo_v2(INPUT_SHAPE, num_anchors=len(anchors), num_classes=NUM_CLASSES, width=WIDTH)


def load_detector(path: str | Path):
    """The compact detector with the weights of a Darknet ``.weights`` file."""
    from utils.yolo import load_darknet_weights

    model = build_detector()
    load_darknet_weights(model, path)
    return model


def dataset(split: dict[str, int], **options: Any):
    """The generated images of a split (:data:`TRAIN` or :data:`HELD_OUT`)."""
    from utils.detection import make_shapes_dataset

    return make_shapes_dataset(
        split["n_images"],
        size=INPUT_SHAPE[0],
        seed=split["seed"],
        object_size=OBJECT_SIZE,
        **options,
    )


def box_sizes(boxes: list[np.ndarray]) -> np.ndarray:
    """(N, 2) widths and heights, in grid cells, of all the boxes of a dataset."""
    from utils.yolo import sizes_in_cells

    return sizes_in_cells(np.concatenate(boxes), grid_shape(), INPUT_SHAPE[:2])


def detect(
    model: Any,
    images: np.ndarray | None = None,
    *,
    outputs: np.ndarray | None = None,
    anchors: np.ndarray = ANCHORS,
    score_threshold: float = SCORE_THRESHOLD,
    max_boxes: int = MAX_BOXES,
    iou_threshold: float = IOU_THRESHOLD,
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Detections per image, ``(scores, boxes, classes)`` with boxes ``(y1, x1, y2, x2)`` in pixels.

    The course's post-processing done by TensorFlow (``utils.detection.library_eval``): score =
    confidence × best class probability, keep scores >= ``score_threshold``, per-class non-max
    suppression; the ``max_boxes`` best boxes over all classes are returned.

    Args:
        model: the detector (unused when ``outputs`` is given).
        images: (m, 160, 160, 3) images in [0, 1].
        outputs: the detector's raw outputs on the images, (m, 5, 5, 5 · (5 + 3)), when they are
            already computed: no second forward pass.
        anchors, score_threshold, max_boxes, iou_threshold: the post-processing's settings.
    """
    from utils.detection import library_eval
    from utils.yolo import yolo_head

    if outputs is None:
        if images is None:
            raise ValueError("detect: give the images (or the detector's outputs on them)")
        outputs = model.predict(images, batch_size=64, verbose=0)
    return library_eval(
        yolo_head(outputs, anchors, NUM_CLASSES),
        INPUT_SHAPE[:2],
        max_boxes=max_boxes,
        score_threshold=score_threshold,
        iou_threshold=iou_threshold,
    )


def evaluate(
    model: Any, data: Any, *, outputs: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    """mAP@0.5 and the AP of each class of ``model`` on a :class:`DetectionSet`.

    ``outputs``: the model's raw outputs on ``data.images`` when already computed (see
    :func:`detect`).
    """
    from utils.detection import mean_average_precision

    found = detect(model, data.images, outputs=outputs)
    truth = list(zip(data.boxes, data.classes, strict=True))
    return mean_average_precision(found, truth, NUM_CLASSES, iou_threshold=0.5)


def train(epochs: int = EPOCHS, train_split: dict[str, int] = TRAIN) -> tuple[Any, Any]:
    """Train the detector from seed :data:`SEED`; returns it and the training data."""
    import keras

    from utils.yolo import yolo_loss, yolo_targets

    start = time.perf_counter()
    data = dataset(train_split, uint8=True)
    print(
        f"{len(data):,} training images generated in {time.perf_counter() - start:.0f} s",
        flush=True,
    )
    height, width = INPUT_SHAPE[:2]

    def targets(flipped: bool) -> np.ndarray:
        out = []
        for boxes, classes in zip(data.boxes, data.classes, strict=True):
            if flipped:
                boxes = boxes[:, [0, 3, 2, 1]] * [1, -1, 1, -1] + [0, width, 0, width]
            out.append(
                yolo_targets(boxes, classes, ANCHORS, grid_shape(), (height, width), NUM_CLASSES)
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
    model = build_detector()
    steps = epochs * math.ceil(len(data) / BATCH_SIZE)
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=steps, warmup_target=LEARNING_RATE, warmup_steps=min(300, steps // 10)
    )

    def loss(y_true: Any, y_pred: Any) -> Any:
        return yolo_loss(y_true, y_pred, ANCHORS, NUM_CLASSES, **LOSS_SCALES)

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
    parser.add_argument("--train-images", type=int, default=TRAIN["n_images"])
    parser.add_argument("--no-manifest", action="store_true", help="do not update the manifest")
    parser.add_argument("--out", type=Path, default=ROOT / "weights" / FILENAME)
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.train_images < 1:
        parser.error("--epochs and --train-images must be >= 1")

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import utils

    utils.setup_notebook(seed=SEED)  # seeds, op determinism, 2 TensorFlow threads, quiet logs
    from utils.yolo import kmeans_anchors, save_darknet_weights

    start = time.perf_counter()
    split = {**TRAIN, "n_images": args.train_images}
    model, data = train(args.epochs, split)
    anchors, mean_iou = kmeans_anchors(box_sizes(data.boxes), 5, seed=0)
    print(f"k-means anchors of the training boxes (mean IoU {mean_iou:.3f}):\n{anchors.round(4)}")
    if split == TRAIN and not np.allclose(anchors.round(4), ANCHORS):
        raise SystemExit(
            "ANCHORS differ from the k-means anchors of the training boxes: update them"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_darknet_weights(model, args.out)
    print(f"trained in {time.perf_counter() - start:.0f} s: {args.out}")

    held_out = dataset(HELD_OUT)
    mean_ap, aps = evaluate(load_detector(args.out), held_out)
    print(f"held-out mAP@0.5 {mean_ap:.4f} (AP per class {np.round(aps, 4).tolist()})")
    from utils.assets import record_shipped

    description = DESCRIPTION.format(
        params=model.count_params(),
        train=len(data),
        map=mean_ap,
        held_out=HELD_OUT["n_images"],
    )
    record_shipped(
        args.out,
        name=NAME,
        description=description,
        how="python scripts/train_yolo_shapes.py",
        update_manifest=not args.no_manifest,
    )


if __name__ == "__main__":
    main()
