"""Public tests of notebook 01 (edge detection).

References are independent of the exercises: the course's hand-computed values, SciPy's
``signal.correlate2d`` and TensorFlow's ``tf.nn.conv2d``. A wrong answer that is one of the usual
mistakes (a flipped kernel, the squared magnitude, a hard-coded Sobel kernel, a summed loss, ...)
is named; ``gradient_magnitude_test`` first checks the learner's ``conv2d`` when it uses it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from utils.testing import Checker, check_earlier, require_callable

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
SOBEL_X = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)
SCHARR_X = np.array([[3, 0, -3], [10, 0, -10], [3, 0, -3]], dtype=float)

_SIZE_HINT = "a valid output has (H − f_h + 1) rows and (W − f_w + 1) columns"
_VALUE_HINT = "out[i, j] = Σ_u Σ_v image[i + u, j + v] · kernel[u, v] (no kernel flip)"


def correlate(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Valid 2-D cross-correlation by SciPy: (H, W) ⋆ (f_h, f_w) → (H − f_h + 1, W − f_w + 1)."""
    from scipy.signal import correlate2d

    return correlate2d(np.asarray(image, float), np.asarray(kernel, float), mode="valid")


def _conv2d_case(
    check: Checker,
    target: Callable[[np.ndarray, np.ndarray], np.ndarray],
    image: np.ndarray,
    kernel: np.ndarray,
    case: str,
    expected: np.ndarray,
    hint: str,
) -> None:
    """One call of ``conv2d``: no side effects, a float array, the expected values."""
    with check.case(case, hint), check.preserves(image=image, kernel=kernel):
        got = check.call(target, image, kernel)
    if not check.shape(case, got, expected.shape, hint=f"{_SIZE_HINT}; {_VALUE_HINT}"):
        return
    got = np.asarray(got)
    if not np.issubdtype(got.dtype, np.floating):
        check.fail(
            f"conv2d returned {got.dtype} values on {case}: create the output as floats, "
            "np.zeros((n_H, n_W)), so that sums of products are not truncated"
        )
    else:
        flipped = (
            lambda: correlate(image, np.flip(kernel)),
            f"conv2d flipped the kernel: the course's convolution is a cross-correlation; "
            f"{_VALUE_HINT}",
        )
        check.close(case, got, expected, hint=hint, mistakes=[flipped])


def conv2d_test(target: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
    """Check ``conv2d(image, kernel)``: the course's example, non-square cases, no side effects."""
    require_callable(target, "conv2d")
    check = Checker("conv2d")
    _conv2d_case(
        check,
        target,
        COURSE_IMAGE.copy(),
        VERTICAL.copy(),
        "the course's 6×6 ⋆ vertical-edge example",
        COURSE_OUTPUT,
        _VALUE_HINT,
    )
    rng = np.random.default_rng(1)
    for shape, kernel_shape in (((5, 8), (2, 3)), ((7, 4), (3, 1))):
        image, kernel = rng.standard_normal(shape), rng.standard_normal(kernel_shape)
        case = f"a {shape[0]}×{shape[1]} image with a {kernel_shape[0]}×{kernel_shape[1]} kernel"
        hint = f"the window has f_h, f_w = kernel.shape rows and columns; {_VALUE_HINT}"
        _conv2d_case(check, target, image, kernel, case, correlate(image, kernel), hint)
        if check.failures:
            break
    check.done()


def _magnitude_mistakes(
    gx: np.ndarray, gy: np.ndarray, image: np.ndarray
) -> list[tuple[Callable[[], np.ndarray], str]]:
    """What the usual mistakes compute from Gx, Gy and the image, and what to say about them."""
    return [
        (lambda: gx**2 + gy**2, "it is Gx² + Gy²: take the square root"),
        (lambda: np.abs(gx) + np.abs(gy), "it is |Gx| + |Gy|: use sqrt(Gx² + Gy²)"),
        (
            lambda: np.sqrt(2) * np.abs(gx),
            "Gy was computed with kernel_x itself: the vertical-gradient kernel is kernel_x.T",
        ),
        (lambda: np.abs(gx), "only Gx is used: magnitude = sqrt(Gx² + Gy²)"),
        (
            lambda: np.hypot(correlate(image, SOBEL_X), correlate(image, SOBEL_X.T)),
            "the result is the Sobel magnitude whatever kernel_x is: use the kernel_x argument",
        ),
    ]


def gradient_magnitude_test(target: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
    """Check ``gradient_magnitude(image, kernel_x)`` = sqrt(Gx² + Gy²) with Gy from kernel_x.T.

    When the learner's function calls their ``conv2d`` (exercise 1), that is checked first.
    Cases: a vertical step with the Sobel kernel, then a random image with the Scharr kernel (so a
    hard-coded kernel shows).
    """
    require_callable(target, "gradient_magnitude")
    check_earlier(target, "conv2d", 1, conv2d_test)
    check = Checker("gradient_magnitude")
    step = np.zeros((6, 6))
    step[:, :3] = 10.0
    image = np.random.default_rng(2).random((7, 9))
    cases = (
        ("a vertical 10/0 step, Sobel kernel_x", step, SOBEL_X),
        ("a random 7×9 image, Scharr kernel_x", image, SCHARR_X),
    )
    for case, x, kernel_x in cases:
        kernel = kernel_x.copy()
        with check.case(case), check.preserves(image=x, kernel_x=kernel):
            got = check.call(target, x, kernel)
        gx, gy = correlate(x, kernel_x), correlate(x, kernel_x.T)
        check.close(
            case,
            got,
            np.hypot(gx, gy),
            hint="Gx = conv2d(image, kernel_x), Gy = conv2d(image, kernel_x.T), "
            "magnitude = sqrt(Gx² + Gy²); conv2d's valid output size",
            mistakes=_magnitude_mistakes(gx, gy, x),
        )
        if check.failures:
            break
    check.done()


def _mse(image: np.ndarray, kernel: np.ndarray, target: np.ndarray) -> float:
    return float(np.mean((correlate(image, kernel) - target) ** 2))


def fit_kernel_test(target: Callable[..., tuple[np.ndarray, list[float]]]) -> None:
    """Check ``fit_kernel(image, target, steps, learning_rate)`` recovers a known 3×3 kernel.

    - One step with ``learning_rate=0.0``: the kernel does not move, so ``losses[0]`` must be the
      mean squared error of the returned kernel (a sum, an absolute error or a root shows here).
    - 250 steps (not the default 300) at learning rate 0.05 from the image and the target edges:
      one loss per step, the learned kernel within 0.05 of the true one, the loss falling 1000×.
    """
    import tensorflow as tf

    require_callable(target, "fit_kernel")
    check = Checker("fit_kernel")
    rng = np.random.default_rng(3)
    image = rng.random((20, 20)).astype(np.float32)
    true_kernel = np.array([[0.5, 0.0, -0.5], [1.0, 0.0, -1.0], [0.5, 0.0, -0.5]], np.float32)
    edges = tf.nn.conv2d(image[None, :, :, None], true_kernel[:, :, None, None], 1, "VALID")
    edges = edges.numpy()[0, :, :, 0]
    size_hint = "f = H − H_out + 1 (the kernel size follows from the image and target shapes)"

    def result(case: str, steps: int, learning_rate: float) -> tuple[np.ndarray, list] | None:
        with check.case(case), check.preserves(image=image, target=edges):
            got = check.call(target, image, edges, steps=steps, learning_rate=learning_rate)
        if not check.true(
            isinstance(got, tuple | list) and len(got) == 2,
            f"fit_kernel must return a tuple (kernel, losses), got {type(got).__name__}",
        ):
            return None
        kernel, losses = got
        if not check.shape("kernel", kernel, (3, 3), hint=size_hint):
            return None
        if not check.equal(
            f"len(losses) with steps={steps}", len(losses), steps, hint="one loss value per step"
        ):
            return None
        return np.asarray(kernel, dtype=np.float64), [float(loss) for loss in losses]

    still = result("steps=1, learning_rate=0.0", 1, 0.0)
    if still is not None:
        kernel, (loss,) = still
        mse = _mse(image, kernel, edges)
        if not np.isclose(loss, mse, rtol=1e-3, atol=1e-6):
            errors = correlate(image, kernel) - edges
            named = (
                (np.sum(errors**2), "it is the sum of the squared errors: take their mean"),
                (np.mean(np.abs(errors)), "it is the mean absolute error: square the errors"),
                (np.sqrt(mse), "it is the root of the mean squared error: do not take the root"),
            )
            reason = next(
                (why for value, why in named if np.isclose(loss, value, rtol=1e-3)),
                "is learning_rate used (at 0.0 the kernel must not move)?",
            )
            check.fail(
                f"with steps=1 and learning_rate=0.0, losses[0] is {loss:.6g} but the mean "
                f"squared error of the returned kernel is {mse:.6g}: {reason} "
                "(hint: loss = mean((conv2d(image, kernel) − target)²))"
            )
    trained = None if check.failures else result("steps=250, learning_rate=0.05", 250, 0.05)
    if trained is not None:
        kernel, losses = trained
        check.close(
            "the learned kernel",
            kernel,
            true_kernel,
            atol=0.05,
            rtol=0.0,
            hint="minimise mean((conv2d(image, kernel) − target)²) with Adam(learning_rate) "
            "for `steps` steps",
        )
        check.true(
            losses[-1] < 1e-3 * losses[0],
            f"the loss should fall over 1000×: it went from {losses[0]:.4g} to {losses[-1]:.4g}",
        )
    check.done()
