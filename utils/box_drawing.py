"""Drawing labelled boxes (with scores) on images with matplotlib.

:func:`draw_boxes` draws boxes on one Axes, :func:`show_detections` a grid of images with their
detections (and the true boxes dashed). Boxes are corners ``(y1, x1, y2, x2)`` in pixels; those
that stick out of the image are clipped to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from utils.boxes import check_corners

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
