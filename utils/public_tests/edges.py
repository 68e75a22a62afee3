"""Public tests of notebook 01 (edge detection).

References are independent of the exercises: the course's hand-computed values, SciPy's
``signal.correlate2d`` and TensorFlow's ``tf.nn.conv2d``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from utils.testing import Checker

# The course's worked example: a 6×6 image and the vertical edge detector.
COURSE_IMAGE = np.array(
    [
        [3, 0, 1, 2, 7, 4],
        [1, 5, 8, 9, 3, 1],
        [2, 7, 2, 5, 1, 3],
        [0, 1, 3, 1, 7, 8],
        [4, 2, 1, 6, 2, 8],
        [2, 4, 5, 2, 3, 9],
    ],
    dtype=float,
)
VERTICAL = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype=float)
COURSE_OUTPUT = np.array(
    [[-5, -4, 0, 8], [-10, -2, 2, 3], [0, -2, -4, -7], [-3, -2, -3, -16]], dtype=float
)

_SIZE_HINT = "a valid output has (H − f_h + 1) rows and (W − f_w + 1) columns"
_VALUE_HINT = "out[i, j] = Σ_u Σ_v image[i + u, j + v] · kernel[u, v] (no kernel flip)"


def correlate(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Valid 2-D cross-correlation by SciPy: (H, W) ⋆ (f_h, f_w) → (H − f_h + 1, W − f_w + 1)."""
    from scipy.signal import correlate2d

    return correlate2d(np.asarray(image, float), np.asarray(kernel, float), mode="valid")


def conv2d_test(target: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
    """Check ``conv2d(image, kernel)``: the course's example, a non-square case, no side effects."""
    check = Checker("conv2d")
    image, kernel = COURSE_IMAGE.copy(), VERTICAL.copy()
    with check.preserves(image=image, kernel=kernel):
        got = check.call(target, image, kernel)
    check.close("the course's 6×6 ⋆ vertical-edge example", got, COURSE_OUTPUT, hint=_VALUE_HINT)

    rng = np.random.default_rng(1)
    image, kernel = rng.standard_normal((5, 8)), rng.standard_normal((2, 3))
    got = check.call(target, image, kernel)
    check.close(
        "a 5×8 image with a 2×3 kernel",
        got,
        correlate(image, kernel),
        hint=f"{_SIZE_HINT}; {_VALUE_HINT}",
    )
    check.done()


def gradient_magnitude_test(target: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
    """Check ``gradient_magnitude(image, kernel_x)`` = sqrt(Gx² + Gy²) with Gy from kernel_x.T."""
    check = Checker("gradient_magnitude")
    sobel_x = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)
    step = np.zeros((6, 6))
    step[:, :3] = 10.0
    got = check.call(target, step, sobel_x)
    check.close(
        "the magnitude on a vertical 10/0 step",
        got,
        np.tile([0.0, 40.0, 40.0, 0.0], (4, 1)),
        hint="Gx = conv2d(image, kernel_x) is ±40 across the step and Gy = 0",
    )
    image = np.random.default_rng(2).random((7, 9))
    expected = np.hypot(correlate(image, sobel_x), correlate(image, sobel_x.T))
    got = check.call(target, image, sobel_x)
    check.close(
        "a random 7×9 image",
        got,
        expected,
        hint="the vertical-gradient kernel is kernel_x.T; magnitude = sqrt(Gx² + Gy²)",
    )
    check.done()


def fit_kernel_test(target: Callable[..., tuple[np.ndarray, list[float]]]) -> None:
    """Check ``fit_kernel(image, target, steps, learning_rate)`` recovers a known 3×3 kernel."""
    import tensorflow as tf

    check = Checker("fit_kernel")
    rng = np.random.default_rng(3)
    image = rng.random((20, 20)).astype(np.float32)
    true_kernel = np.array([[0.5, 0.0, -0.5], [1.0, 0.0, -1.0], [0.5, 0.0, -0.5]], np.float32)
    edges = tf.nn.conv2d(image[None, :, :, None], true_kernel[:, :, None, None], 1, "VALID")
    edges = edges.numpy()[0, :, :, 0]
    result = check.call(target, image, edges, steps=300, learning_rate=0.05)
    if check.true(
        isinstance(result, tuple) and len(result) == 2,
        f"fit_kernel must return a tuple (kernel, losses), got {type(result).__name__}",
    ):
        kernel, losses = result
        hint = "f = H − H_out + 1 (the kernel size follows from the image and target shapes)"
        if check.shape("kernel", kernel, (3, 3), hint=hint):
            check.close(
                "the learned kernel",
                kernel,
                true_kernel,
                atol=0.05,
                rtol=0.0,
                hint="minimise mean((conv2d(image, kernel) − target)²) with Adam from zeros",
            )
        if check.equal("len(losses)", len(losses), 300, hint="one loss value per step"):
            check.true(
                losses[-1] < 1e-3 * losses[0],
                f"the loss should fall over 1000×: it went from {losses[0]:.4g} to "
                f"{losses[-1]:.4g}",
            )
    check.done()
