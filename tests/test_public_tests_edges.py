"""The public tests of notebook 01 pass correct work and explain what is wrong with wrong work.

The "correct" implementations here are library calls (SciPy, NumPy least squares), not the
notebook's solutions.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from tests.public_test_helpers import assert_passes, failure, not_implemented, returns_none
from utils.public_tests import edges


def conv2d(image, kernel):
    return signal.correlate2d(image, kernel, mode="valid")


def gradient_magnitude(image, kernel_x):
    return np.hypot(conv2d(image, kernel_x), conv2d(image, kernel_x.T))


def fit_kernel(image, target, steps=300, learning_rate=0.05):
    """Steps from zeros towards the exact least-squares kernel; each loss is the MSE before it."""
    f = image.shape[0] - target.shape[0] + 1
    windows = np.lib.stride_tricks.sliding_window_view(image, (f, f))
    patches = windows.reshape(-1, f * f)
    solution = np.linalg.lstsq(patches, target.ravel(), rcond=None)[0].reshape(f, f)
    kernel, losses = np.zeros((f, f)), []
    for _ in range(steps):
        losses.append(float(np.mean((conv2d(image, kernel) - target) ** 2)))
        kernel = kernel + min(1.0, 10 * learning_rate) * (solution - kernel)
    return kernel, losses


def test_course_constants_are_the_lecture_example():
    np.testing.assert_array_equal(
        edges.correlate(edges.COURSE_IMAGE, edges.VERTICAL)[0], [-5, -4, 0, 8]
    )
    assert edges.COURSE_OUTPUT[3, 3] == -16


@pytest.mark.parametrize(
    ("test", "implementation"),
    [
        (edges.conv2d_test, conv2d),
        (edges.gradient_magnitude_test, gradient_magnitude),
        (edges.fit_kernel_test, fit_kernel),
    ],
)
def test_correct_work_passes(test, implementation, capsys):
    assert_passes(capsys, test, implementation)


def test_conv2d_with_a_flipped_kernel_is_told_the_formula():
    message = failure(edges.conv2d_test, lambda image, kernel: conv2d(image, np.flip(kernel)))
    assert "the course's 6×6 ⋆ vertical-edge example: conv2d flipped the kernel" in message
    assert "no kernel flip" in message


def test_conv2d_with_a_wrong_value_gets_the_worst_entry_and_the_formula():
    message = failure(edges.conv2d_test, lambda image, kernel: conv2d(image, kernel) + 0.5)
    assert "course's 6×6" in message and "largest error is at index" in message
    assert "no kernel flip" in message


def test_conv2d_with_an_integer_output_is_told_to_use_floats():
    message = failure(edges.conv2d_test, lambda image, kernel: conv2d(image, kernel).astype(int))
    assert "conv2d returned int64 values" in message and "np.zeros((n_H, n_W))" in message


def test_conv2d_crash_names_the_case_the_learners_line_and_the_hint():
    def square_window(image, kernel):
        f = kernel.shape[0]
        return np.array(
            [
                [
                    np.sum(image[i : i + f, j : j + f] * kernel)
                    for j in range(image.shape[1] - f + 1)
                ]
                for i in range(image.shape[0] - f + 1)
            ]
        )

    message = failure(edges.conv2d_test, square_window)
    assert "conv2d raised ValueError: operands could not be broadcast" in message
    assert "on a 5×8 image with a 2×3 kernel" in message
    assert "in <listcomp>" in message or "in square_window" in message
    assert "image[i : i + f, j : j + f] * kernel" in message
    assert "f_h, f_w = kernel.shape" in message


def test_conv2d_with_same_padding_is_told_the_output_size():
    message = failure(edges.conv2d_test, lambda i, k: signal.correlate2d(i, k, mode="same"))
    assert "shape (6, 6) but (4, 4) was expected" in message
    assert "(H − f_h + 1) rows" in message


def test_conv2d_that_modifies_its_input_is_caught():
    def in_place(image, kernel):
        result = conv2d(image, kernel)
        image[:] = 0
        return result

    assert "modified its input image in place" in failure(edges.conv2d_test, in_place)


def test_stub_and_missing_return_are_explained():
    assert "not implemented yet" in failure(edges.conv2d_test, not_implemented)
    assert "forget to `return`" in failure(edges.conv2d_test, returns_none)


def test_gradient_magnitude_without_the_square_root_fails():
    message = failure(
        edges.gradient_magnitude_test,
        lambda image, k: conv2d(image, k) ** 2 + conv2d(image, k.T) ** 2,
    )
    assert "vertical 10/0 step" in message and "it is Gx² + Gy²: take the square root" in message


def test_gradient_magnitude_with_a_hard_coded_sobel_kernel_is_named():
    sobel = edges.SOBEL_X
    message = failure(
        edges.gradient_magnitude_test,
        lambda image, k: np.hypot(conv2d(image, sobel), conv2d(image, sobel.T)),
    )
    assert "Scharr" in message and "use the kernel_x argument" in message


def test_gradient_magnitude_blames_a_wrong_conv2d_it_calls():
    namespace = {"np": np}
    exec(  # a notebook: conv2d (exercise 1) off by one, gradient_magnitude right
        "def conv2d(image, kernel):\n"
        "    f = kernel.shape[0]\n"
        "    return np.zeros((image.shape[0] - f, image.shape[1] - f))\n"
        "def gradient_magnitude(image, kernel_x):\n"
        "    return np.hypot(conv2d(image, kernel_x), conv2d(image, kernel_x.T))\n",
        namespace,
    )
    message = failure(edges.gradient_magnitude_test, namespace["gradient_magnitude"])
    assert message.startswith("your `conv2d` (exercise 1) is wrong, and gradient_magnitude")
    assert "(H − f_h + 1) rows" in message


def test_fit_kernel_that_does_not_learn_fails():
    def untrained(image, target, steps=300, learning_rate=0.05):
        return np.zeros((3, 3)), [1.0] * steps

    message = failure(edges.fit_kernel_test, untrained)
    assert "losses[0] is 1 but the mean squared error of the returned kernel is" in message


@pytest.mark.parametrize(
    ("loss", "named"),
    [
        (lambda e: np.sum(e**2), "the sum of the squared errors"),
        (lambda e: np.mean(np.abs(e)), "the mean absolute error"),
        (lambda e: np.sqrt(np.mean(e**2)), "the root of the mean squared error"),
    ],
)
def test_fit_kernel_with_another_loss_is_named(loss, named):
    def other_loss(image, target, steps=300, learning_rate=0.05):
        kernel, _ = fit_kernel(image, target, steps, learning_rate)
        return kernel, [float(loss(conv2d(image, np.zeros_like(kernel)) - target))] * steps

    assert named in failure(edges.fit_kernel_test, other_loss)


def test_fit_kernel_that_ignores_steps_is_caught():
    message = failure(
        edges.fit_kernel_test, lambda i, t, steps=300, learning_rate=0.05: fit_kernel(i, t)
    )
    assert "len(losses) with steps=1: got 300 but 1 was expected" in message


def test_fit_kernel_with_a_wrong_size_or_return_type_fails():
    message = failure(edges.fit_kernel_test, lambda *a, **k: (np.zeros((5, 5)), [1.0] * 300))
    assert "shape (5, 5) but (3, 3) was expected" in message and "f = H − H_out + 1" in message
    message = failure(edges.fit_kernel_test, lambda *a, **k: np.zeros((3, 3)))
    assert "must return a tuple (kernel, losses)" in message
