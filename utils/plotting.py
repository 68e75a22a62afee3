"""Figures the notebooks share: image grids, a matrix with its numbers, training curves.

Each function draws one figure and shows it (``plt.show()``), so a notebook cell displays it
exactly once; it returns nothing. :func:`image_grid` is the grid of panels that
:func:`show_images` and ``utils.box_drawing.show_detections`` draw into.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from utils.checks import require_int


def show_images(
    images: Sequence[np.ndarray] | np.ndarray,
    titles: Sequence[str] | None = None,
    *,
    ncols: int = 4,
    size: float = 3.0,
    cmap: str = "gray",
    signed: bool = False,
    suptitle: str | None = None,
) -> None:
    """Show images in a grid.

    Args:
        images: a sequence of (H, W) or (H, W, 3) arrays, or one (N, H, W[, 3]) array. RGB values
            are floats in [0, 1] or uint8; (H, W) maps are drawn with ``cmap``.
        titles: one title per image, or None.
        ncols: images per row (>= 1).
        size: height and width of one panel, in inches (> 0).
        cmap: colour map for single-channel images.
        signed: draw each single-channel map that has negative values (edge maps, kernels)
            centred on 0 with a diverging colour map (negative blue, positive red) and a colour
            bar; maps without negative values keep ``cmap``.
        suptitle: a title over the whole grid.
    """
    images = list(images)
    if not images:
        raise ValueError("images: expected at least one image, got none")
    for index, image in enumerate(images):
        shape = np.shape(image)
        if len(shape) not in (2, 3) or (len(shape) == 3 and shape[-1] not in (1, 3)):
            raise ValueError(f"images[{index}]: expected shape (H, W) or (H, W, 3), got {shape}")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"titles: expected one title per image ({len(images)}), got {len(titles)}")
    ncols = require_int(ncols, "ncols", minimum=1)
    if size <= 0:
        raise ValueError(f"size: expected a positive number of inches, got {size!r}")

    with image_grid(len(images), ncols=ncols, size=size, suptitle=suptitle) as (fig, axes):
        for index, (ax, image) in enumerate(zip(axes, images, strict=True)):
            image = np.asarray(image)
            if image.ndim == 3 and image.shape[-1] == 1:
                image = image[..., 0]
            if image.ndim == 2 and signed and image.min() < 0:
                limit = float(np.abs(image).max()) or 1.0
                shown = ax.imshow(image, cmap="RdBu_r", vmin=-limit, vmax=limit)
                fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
            elif image.ndim == 2:
                ax.imshow(image, cmap=cmap)
            else:
                ax.imshow(image)
            if titles is not None:
                ax.set_title(titles[index])


@contextlib.contextmanager
def image_grid(
    count: int, *, ncols: int = 4, size: float = 3.0, suptitle: str | None = None
) -> Iterator[tuple[Any, list[Any]]]:
    """A grid of ``count`` panels without axes, shown when the ``with`` block ends.

    ``min(ncols, count)`` panels per row (at least 1), as many rows as needed, each panel
    ``size`` inches square; the unused cells of the last row stay empty. On leaving the block
    the figure gets its ``suptitle``, a tight layout, and is shown (``plt.show()``).

    Yields:
        ``(fig, axes)``: the figure and its first ``count`` Axes, row by row.
    """
    ncols = max(1, min(ncols, count))
    nrows = -(-count // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    yield fig, list(axes.flat[:count])
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    plt.show()


def show_matrix(
    matrix: np.ndarray,
    title: str | None = None,
    *,
    fmt: str = "{:g}",
    ax: plt.Axes | None = None,
) -> None:
    """Draw a 2-D matrix (an image patch, a kernel) as coloured cells with its numbers written in.

    Args:
        matrix: (H, W) array of numbers; H, W <= 20 so the numbers stay readable.
        title: title of the panel.
        fmt: format of each number (``str.format`` syntax, e.g. ``"{:.2f}"``).
        ax: draw into this Axes (e.g. one panel of a figure the caller shows); None makes and
            shows a new figure.
    """
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.size == 0:
        raise ValueError(f"matrix: expected a non-empty 2-D array, got shape {matrix.shape}")
    if max(matrix.shape) > 20:
        raise ValueError(f"matrix: at most 20×20 to stay readable, got {matrix.shape}")
    own_figure = ax is None
    if own_figure:
        _, ax = plt.subplots(figsize=(0.5 * matrix.shape[1] + 1, 0.5 * matrix.shape[0] + 0.8))
    limit = float(np.abs(matrix).max()) or 1.0
    ax.imshow(matrix, cmap="RdBu_r", vmin=-limit, vmax=limit)
    for (row, col), value in np.ndenumerate(matrix):
        colour = "white" if abs(value) > 0.6 * limit else "black"
        text = fmt.format(value)
        if "-" in text and not text.strip(" -0."):  # a tiny negative shown as "-0.00"
            text = text.replace("-", " " if text.startswith(" ") else "", 1)
        ax.text(col, row, text, ha="center", va="center", fontsize=8, color=colour)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    if own_figure:
        plt.show()


def plot_history(
    history: Any,
    metrics: Sequence[str] = ("loss",),
    *,
    title: str | None = None,
    xlabel: str = "epoch",
    log: bool = False,
) -> None:
    """Plot training curves, one panel per metric, with the validation curve when present.

    Args:
        history: a ``keras.callbacks.History`` or a mapping ``{metric: [value per epoch]}``
            (keys like ``"loss"``, ``"val_loss"``, ``"accuracy"``).
        metrics: the metric names to draw (or one name); ``"val_" + metric`` is added when the
            history has it.
        title: a title over the figure.
        xlabel: what one point of a curve is (``"epoch"``, ``"step"``).
        log: use a logarithmic y axis (losses that fall by orders of magnitude).
    """
    if isinstance(metrics, str):
        metrics = (metrics,)
    logs: Mapping[str, Sequence[float]] = getattr(history, "history", history)
    if not isinstance(logs, Mapping):
        raise ValueError(
            f"history: expected a keras History or a mapping, got {type(history).__name__}"
        )
    missing = [m for m in metrics if m not in logs]
    if missing:
        raise KeyError(f"metrics {missing} are not in the history; it has {sorted(logs)}")
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.2), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        epochs = np.arange(1, len(logs[metric]) + 1)
        ax.plot(epochs, logs[metric], label="train")
        if f"val_{metric}" in logs:
            ax.plot(epochs, logs[f"val_{metric}"], label="validation")
            ax.legend()
        ax.set_xlabel(xlabel)
        ax.set_ylabel(metric)
        if log:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    plt.show()
