"""What the units of a ConvNet see: receptive fields, top patches, filters (notebook 08).

- :func:`receptive_fields`, :func:`conv_pool_chain` — the receptive-field arithmetic of a chain
  of convolutions and poolings.
- :func:`top_windows` / :func:`top_patches` — where in a set of images one unit fires most, as
  windows of its receptive field, and the image patches under them.
- :func:`draw_windows` — those windows drawn as rectangles on a photo.
- :func:`filter_grid` — the first-layer kernels of a network as one RGB image.
- :func:`orientation_selectivity` — how much each first-layer kernel prefers one orientation.

Everything works on NumPy arrays; nothing here imports TensorFlow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def receptive_fields(layers: Sequence[tuple[str, int, int]]) -> dict[str, tuple[int, int]]:
    """Receptive field size and jump of every layer of a chain of convolutions/poolings.

    With ``r`` the receptive field (pixels of the input one unit sees along one axis) and ``j``
    the jump (input pixels between neighbouring units), a layer of kernel ``k`` and stride ``s``
    gives ``r_out = r_in + (k − 1)·j_in`` and ``j_out = j_in·s``, starting from ``r = j = 1``.

    Args:
        layers: (name, kernel size, stride) in order, e.g. from :func:`conv_pool_chain`.

    Returns:
        {name: (receptive field, jump)}.
    """
    field, jump, result = 1, 1, {}
    for name, kernel, stride in layers:
        if kernel < 1 or stride < 1:
            raise ValueError(f"{name}: kernel and stride must be >= 1, got {kernel}, {stride}")
        field, jump = field + (kernel - 1) * jump, jump * stride
        result[name] = (field, jump)
    return result


def conv_pool_chain(model: Any) -> list[tuple[str, int, int]]:
    """(name, kernel size, stride) of the Conv2D and pooling layers of a sequential-like model."""
    chain = []
    for layer in model.layers:
        config = layer.get_config()
        size = config.get("kernel_size", config.get("pool_size"))
        if size is None:
            continue
        if len(set(size)) != 1 or len(set(config["strides"])) != 1:
            raise ValueError(f"{layer.name}: only square kernels and strides are supported")
        chain.append((layer.name, int(size[0]), int(config["strides"][0])))
    return chain


def top_windows(
    activations: np.ndarray, unit: int, field: int, jump: int, k: int = 9
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` input windows where ``unit`` fires most, one per map position (no repeats).

    The unit at map position (i, j) sees the window of side ``field`` centred on input pixel
    ``(i·jump + (jump − 1)//2, …)`` ('same' convolutions of stride 1 and 2×2 poolings, as in VGG).
    Positions closer than ``field/2`` input pixels to an already chosen one in the same image are
    skipped, so the windows differ.

    Args:
        activations: (N, h, w, C) outputs of one layer for N images.
        unit: channel index c.
        field, jump: the layer's receptive field and jump (:func:`receptive_fields`).
        k: number of windows (fewer when the maps have fewer distinct positions).

    Returns:
        (windows (k, 3) int: image index, top row, left column — in input pixels, negative or
        past the border where the field passes it —, values (k,)) best first.
    """
    activations = np.asarray(activations)
    if activations.ndim != 4:
        raise ValueError(f"activations: expected (N, h, w, C), got shape {activations.shape}")
    if not 0 <= unit < activations.shape[-1]:
        raise ValueError(f"unit must be in [0, {activations.shape[-1]}), got {unit}")
    if field < 1 or jump < 1 or k < 1:
        raise ValueError(f"field, jump and k must be >= 1, got {field}, {jump}, {k}")
    values = activations[..., unit]
    order = np.argsort(values, axis=None, kind="stable")[::-1]
    half = field // 2
    chosen: list[tuple[int, int, int]] = []
    windows, best = [], []
    for flat in order:
        n, i, j = (int(v) for v in np.unravel_index(flat, values.shape))
        if any(n == m and max(abs(i - a), abs(j - b)) * jump < half for m, a, b in chosen):
            continue
        chosen.append((n, i, j))
        cy, cx = i * jump + (jump - 1) // 2, j * jump + (jump - 1) // 2
        windows.append((n, cy - half, cx - half))
        best.append(values[n, i, j])
        if len(windows) == k:
            break
    return np.asarray(windows, dtype=np.int64), np.asarray(best)


def top_patches(
    activations: np.ndarray,
    images: np.ndarray,
    unit: int,
    field: int,
    jump: int,
    k: int = 9,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` image patches that excite ``unit`` most: the windows of :func:`top_windows`.

    Windows are cut from the images padded with grey where they pass the border.

    Args:
        activations: (N, h, w, C) outputs of one layer for ``images``.
        images: (N, H, W, 3) float images in [0, 1].
        unit, field, jump, k: as for :func:`top_windows`.

    Returns:
        (patches (k, field, field, 3), values (k,)) best first.
    """
    activations, images = np.asarray(activations), np.asarray(images)
    if activations.ndim != 4 or images.ndim != 4 or len(activations) != len(images):
        raise ValueError(
            f"activations (N, h, w, C) and images (N, H, W, 3) must match, got "
            f"{activations.shape} and {images.shape}"
        )
    windows, values = top_windows(activations, unit, field, jump, k)
    half = field // 2
    padded = np.pad(images, ((0, 0), (half, half), (half, half), (0, 0)), constant_values=0.5)
    patches = [
        padded[n, y + half : y + half + field, x + half : x + half + field] for n, y, x in windows
    ]
    return np.stack(patches), values


def draw_windows(ax: Any, image: np.ndarray, windows: np.ndarray, field: int, **style: Any) -> None:
    """Show ``image`` on the matplotlib axes ``ax`` with square windows drawn on it.

    Args:
        ax: a matplotlib Axes.
        image: (H, W, 3) float image in [0, 1].
        windows: (k, 2) (top, left) or (k, 3) (image index, top, left) in pixels, e.g. the rows
            of :func:`top_windows` that belong to this image.
        field: side of the windows, pixels.
        style: passed to ``matplotlib.patches.Rectangle`` (default: yellow edges, no fill).
    """
    from matplotlib.patches import Rectangle

    windows = np.asarray(windows).reshape(-1, np.shape(windows)[-1] if np.size(windows) else 2)
    if windows.shape[-1] not in (2, 3):
        raise ValueError(f"windows: expected (k, 2) or (k, 3), got shape {windows.shape}")
    ax.imshow(np.clip(image, 0, 1))
    options = {"edgecolor": "yellow", "facecolor": "none", "linewidth": 1.2, **style}
    for top, left in windows[:, -2:]:
        ax.add_patch(Rectangle((left - 0.5, top - 0.5), field, field, **options))
    ax.set_xlim(-0.5, image.shape[1] - 0.5)
    ax.set_ylim(image.shape[0] - 0.5, -0.5)
    ax.axis("off")


def filter_grid(kernels: np.ndarray, ncols: int = 8, gap: int = 1) -> np.ndarray:
    """First-layer kernels as one RGB image: a grid of filters, each scaled on its own.

    Each filter is mapped to ``0.5 + 0.5·w / max|w|``: zero is grey, so the sign and the colour
    of every weight are visible, and learned and random filters are shown on the same footing.

    Args:
        kernels: (k, k, 3, C) Conv2D kernel (input channels RGB).
        ncols: filters per row.
        gap: white pixels between filters.

    Returns:
        (rows·(k + gap) − gap, ncols·(k + gap) − gap, 3) float32 in [0, 1], rows = ⌈C / ncols⌉.
    """
    kernels = np.asarray(kernels, np.float32)
    if kernels.ndim != 4 or kernels.shape[2] != 3:
        raise ValueError(f"kernels: expected (k, k, 3, C), got shape {kernels.shape}")
    if ncols < 1 or gap < 0:
        raise ValueError(f"ncols must be >= 1 and gap >= 0, got {ncols}, {gap}")
    size, channels = kernels.shape[0], kernels.shape[-1]
    rows = -(-channels // ncols)
    step = size + gap
    grid = np.ones((rows * step - gap, ncols * step - gap, 3), np.float32)
    for c in range(channels):
        w = kernels[..., c]
        scale = np.abs(w).max() or 1.0
        top, left = (c // ncols) * step, (c % ncols) * step
        grid[top : top + size, left : left + kernels.shape[1]] = 0.5 + 0.5 * w / scale
    return grid


def orientation_selectivity(
    kernels: np.ndarray, orientations: int = 16, frequencies: Sequence[float] = (0.125, 0.25, 0.375)
) -> np.ndarray:
    """Orientation selectivity index of each first-layer kernel, in [0, 1].

    A linear filter's response to a sinusoidal grating of wave vector ω (radians per pixel) has
    amplitude |K̂(ω)| = |Σ_{y,x} k(y, x)·e^{−i(ω_y·y + ω_x·x)}|. Each kernel is first reduced to
    one 2-D filter: its projection on its dominant colour direction (the first right-singular
    vector of its (k·k, 3) weights), so colour-opponent edges count as well as grey ones. With
    A(θ) the largest amplitude over ``frequencies`` (cycles per pixel) at orientation θ,

        OSI = |Σ_θ A(θ)·e^{2iθ}| / Σ_θ A(θ)

    (θ over ``orientations`` angles in [0, π)): 0 when all orientations give the same response
    (a blob, or an isotropic filter), 1 when only one does (an ideal edge or bar detector).

    Args:
        kernels: (k, k, 3, C) Conv2D kernel.
        orientations: number of angles (>= 4).
        frequencies: grating frequencies in cycles per pixel, each in (0, 0.5].

    Returns:
        (C,) float64.
    """
    kernels = np.asarray(kernels, np.float64)
    if kernels.ndim != 4:
        raise ValueError(f"kernels: expected (k, k, channels, C), got shape {kernels.shape}")
    if orientations < 4:
        raise ValueError(f"orientations must be >= 4, got {orientations}")
    frequencies = np.asarray(frequencies, np.float64)
    if (
        frequencies.ndim != 1
        or not len(frequencies)
        or np.any((frequencies <= 0) | (frequencies > 0.5))
    ):
        raise ValueError(f"frequencies must be values in (0, 0.5], got {frequencies!r}")
    size_y, size_x, channels, count = kernels.shape
    y, x = np.mgrid[0:size_y, 0:size_x]
    theta = np.pi * np.arange(orientations) / orientations
    omega = 2 * np.pi * frequencies[:, None, None] * np.stack([np.sin(theta), np.cos(theta)], -1)
    # waves[f, θ, y, x] = exp(−i(ω_y y + ω_x x))
    waves = np.exp(-1j * (omega[..., 0, None, None] * y + omega[..., 1, None, None] * x))
    result = np.empty(count)
    for c in range(count):
        weights = kernels[..., c].reshape(-1, channels)
        direction = np.linalg.svd(weights, full_matrices=False)[2][0]
        plane = (weights @ direction).reshape(size_y, size_x)
        amplitude = np.abs(np.einsum("ftyx,yx->ft", waves, plane)).max(axis=0)
        total = amplitude.sum()
        result[c] = np.abs(np.sum(amplitude * np.exp(2j * theta))) / total if total > 0 else 0.0
    return result
