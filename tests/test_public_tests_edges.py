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
    """Exact least squares on the image patches, with a made-up decreasing loss curve."""
    f = image.shape[0] - target.shape[0] + 1
    windows = np.lib.stride_tricks.sliding_window_view(image, (f, f))
    patches = windows.reshape(-1, f * f)
    kernel = np.linalg.lstsq(patches, target.ravel(), rcond=None)[0].reshape(f, f)
    return kernel, list(np.geomspace(1.0, 1e-6, steps))


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
    assert "course's 6×6" in message and "largest error is at index" in message
    assert "no kernel flip" in message


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
    assert "vertical 10/0 step" in message and "got 1600, expected 40" in message


def test_fit_kernel_that_does_not_learn_fails():
    def untrained(image, target, steps=300, learning_rate=0.05):
        return np.zeros((3, 3)), [1.0] * steps

    message = failure(edges.fit_kernel_test, untrained)
    assert "the learned kernel" in message and "the loss should fall over 1000×" in message


def test_fit_kernel_with_a_wrong_size_or_return_type_fails():
    message = failure(edges.fit_kernel_test, lambda *a, **k: (np.zeros((5, 5)), [1.0] * 300))
    assert "shape (5, 5) but (3, 3) was expected" in message and "f = H − H_out + 1" in message
    message = failure(edges.fit_kernel_test, lambda *a, **k: np.zeros((3, 3)))
    assert "must return a tuple (kernel, losses)" in message
