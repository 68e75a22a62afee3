"""The course's compact YOLOv2 on the generated shapes: its settings, data, loading and evaluation.

The real YOLOv2 (:func:`utils.yolo.yolo_v2`, 50,983,561 parameters) needs COCO's weights (194 MB),
which cannot ship and cannot be trained on a CPU. Offline, notebook 06 uses this detector instead:
**the same network, head, anchors mechanism and post-processing, made small**, trained by
``python -m scripts.train_yolo_shapes`` and shipped in ``weights/``. What the notebook and the
script share lives here:

- the detector: ``yolo_v2((160, 160, 3), num_anchors=5, num_classes=3, width=0.125)``
  (:func:`build_detector`, :func:`load_detector`: 799,588 parameters in Darknet's format) with
  the 5 k-means :data:`ANCHORS` of its training boxes;
- the data: :func:`dataset` of the :data:`TRAIN` or :data:`HELD_OUT` split
  (:func:`utils.shapes_dataset.make_shapes_dataset` with objects :data:`OBJECT_SIZE` pixels high);
- the evaluation: :func:`detect` (the course's post-processing by TensorFlow,
  :func:`utils.nms.library_eval`, at :data:`SCORE_THRESHOLD`, :data:`MAX_BOXES`,
  :data:`IOU_THRESHOLD`) and :func:`evaluate` (mAP@0.5); :func:`stated_map` reads the mAP that the
  manifest states.
"""

from __future__ import annotations

import os
import re
from typing import Any

import numpy as np

from utils.anchors import sizes_in_cells
from utils.detection_metrics import mean_average_precision
from utils.nms import library_eval
from utils.shapes_dataset import DetectionSet, make_shapes_dataset

NAME = "yolo_shapes"
FILENAME = "yolo_shapes.weights"
INPUT_SHAPE = (160, 160, 3)
WIDTH = 0.125
NUM_CLASSES = 3
TRAIN = {"n_images": 4000, "seed": 0}
HELD_OUT = {"n_images": 200, "seed": 1}
OBJECT_SIZE = (24, 72)  # object heights in pixels: 15% to 45% of the image
# k-means (k = 5, distance 1 − IoU, seed 0) on the widths and heights, in grid cells, of the boxes
# of the TRAIN images; scripts/train_yolo_shapes.py checks that they still come out of the data.
ANCHORS = np.array(
    [
        [0.845, 0.8753],
        [1.179, 1.1337],
        [1.6297, 1.3463],
        [1.7788, 1.8083],
        [2.5695, 1.9733],
    ]
)
# Post-processing for mAP: a low score threshold keeps the whole precision-recall curve.
SCORE_THRESHOLD = 0.05
MAX_BOXES = 10
IOU_THRESHOLD = 0.5


def stated_map(description: str) -> float:
    """The held-out mAP@0.5 that the detector's manifest description states.

    The description is written by ``scripts/train_yolo_shapes.py`` from its template.

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


def build_detector(anchors: np.ndarray = ANCHORS) -> Any:
    """The compact detector, untrained: (m, 160, 160, 3) → (m, 5, 5, 5 · (5 + 3))."""
    from utils.yolo import yolo_v2

    return yolo_v2(INPUT_SHAPE, num_anchors=len(anchors), num_classes=NUM_CLASSES, width=WIDTH)


def load_detector(path: str | os.PathLike) -> Any:
    """The compact detector with the weights of a Darknet ``.weights`` file."""
    from utils.darknet import load_darknet_weights

    model = build_detector()
    load_darknet_weights(model, path)
    return model


def dataset(split: dict[str, int], **options: Any) -> DetectionSet:
    """The generated images of a split (:data:`TRAIN` or :data:`HELD_OUT`), 160×160.

    ``options`` go to :func:`utils.shapes_dataset.make_shapes_dataset` (e.g. ``uint8=True``).
    """
    return make_shapes_dataset(
        split["n_images"],
        size=INPUT_SHAPE[0],
        seed=split["seed"],
        object_size=OBJECT_SIZE,
        **options,
    )


def box_sizes(boxes: list[np.ndarray]) -> np.ndarray:
    """(N, 2) widths and heights, in grid cells, of all the boxes of a dataset."""
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

    The course's post-processing done by TensorFlow (:func:`utils.nms.library_eval`): score =
    confidence × best class probability, keep scores >= ``score_threshold``, per-class non-max
    suppression; the ``max_boxes`` best boxes over all classes are returned.

    Args:
        model: the detector (unused when ``outputs`` is given).
        images: (m, 160, 160, 3) images in [0, 1].
        outputs: the detector's raw outputs on the images, (m, 5, 5, 5 · (5 + 3)), when they are
            already computed: no second forward pass.
        anchors, score_threshold, max_boxes, iou_threshold: the post-processing's settings.
    """
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
    model: Any, data: DetectionSet, *, outputs: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    """mAP@0.5 and the AP of each class of ``model`` on a generated set (utils.shapes_dataset).

    ``outputs``: the model's raw outputs on ``data.images`` when already computed (see
    :func:`detect`).
    """
    found = detect(model, data.images, outputs=outputs)
    truth = list(zip(data.boxes, data.classes, strict=True))
    return mean_average_precision(found, truth, NUM_CLASSES, iou_threshold=0.5)
