"""utils.public_tests.convolution: every public test passes on a correct implementation and fails
with a precise diagnostic on the typical wrong ones.

The correct implementations are written here, vectorised with NumPy (sliding windows, einsum,
loops over the f×f window offsets only): independent both of the notebook's loop solutions and of
the TensorFlow references inside the public tests. The wrong ones are the mistakes learners make:
a stub, a missing `return`, a wrong shape, a stride or padding ignored, `=` instead of `+=`,
the empty slice `x[pad:-pad]` when pad = 0.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.public_test_helpers import (
    assert_passes,
    failure_mentioning,
    not_implemented,
    returns_none,
)
from utils.public_tests import convolution as pt

# ------------------------------------------------------------------------------------------------
# Correct implementations
# ------------------------------------------------------------------------------------------------


def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))


def conv_single_step(a_slice_prev, W, b):
    return float(np.einsum("ijk,ijk->", a_slice_prev, W) + b.item())


def windows(A, f, stride):
    """Every f×f window of A (m, H, W, C) at the stride: (m, n_H, n_W, C, f, f), a view."""
    return np.lib.stride_tricks.sliding_window_view(A, (f, f), axis=(1, 2))[:, ::stride, ::stride]


def conv_forward(A_prev, W, b, hparameters):
    stride, pad = hparameters["stride"], hparameters["pad"]
    view = windows(zero_pad(A_prev, pad), W.shape[0], stride)
    Z = np.einsum("mhwcij,ijcn->mhwn", view, W) + b
    return Z, (A_prev, W, b, hparameters)


def pool_forward(A_prev, hparameters, mode="max"):
    view = windows(A_prev, hparameters["f"], hparameters["stride"])
    A = view.max(axis=(4, 5)) if mode == "max" else view.mean(axis=(4, 5))
    return A, (A_prev, hparameters)


def conv_backward(dZ, cache):
    A_prev, W, b, hparameters = cache
    stride, pad = hparameters["stride"], hparameters["pad"]
    f = W.shape[0]
    A_pad = zero_pad(A_prev, pad)
    _, n_H, n_W, _ = dZ.shape
    dW = np.einsum("mhwcij,mhwn->ijcn", windows(A_pad, f, stride), dZ)
    db = dZ.sum(axis=(0, 1, 2)).reshape(b.shape)
    dA_pad = np.zeros(A_pad.shape)
    for i in range(f):
        for j in range(f):
            rows = slice(i, i + stride * n_H, stride)
            cols = slice(j, j + stride * n_W, stride)
            dA_pad[:, rows, cols, :] += np.einsum("mhwn,cn->mhwc", dZ, W[i, j])
    dA_prev = dA_pad[:, pad : pad + A_prev.shape[1], pad : pad + A_prev.shape[2], :]
    return dA_prev, dW, db


def create_mask_from_window(x):
    return x == np.max(x)


def distribute_value(dz, shape):
    return np.full(shape, dz / (shape[0] * shape[1]))


def pool_backward(dA, cache, mode="max"):
    A_prev, hparameters = cache
    f, stride = hparameters["f"], hparameters["stride"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    if mode == "average":
        for i in range(f):
            for j in range(f):
                rows = slice(i, i + stride * n_H, stride)
                cols = slice(j, j + stride * n_W, stride)
                dA_prev[:, rows, cols, :] += dA / (f * f)
        return dA_prev
    view = windows(A_prev, f, stride).reshape(m, n_H, n_W, n_C, f * f)
    di, dj = np.divmod(view.argmax(axis=-1), f)
    e, h, w, c = np.indices((m, n_H, n_W, n_C))
    np.add.at(dA_prev, (e, h * stride + di, w * stride + dj, c), dA)
    return dA_prev


# ------------------------------------------------------------------------------------------------
# The public tests and their correct implementations
# ------------------------------------------------------------------------------------------------


PUBLIC_TESTS = {
    "zero_pad": (pt.zero_pad_test, zero_pad),
    "conv_single_step": (pt.conv_single_step_test, conv_single_step),
    "conv_forward": (pt.conv_forward_test, conv_forward),
    "pool_forward": (pt.pool_forward_test, pool_forward),
    "conv_backward": (pt.conv_backward_test, conv_backward),
    "create_mask_from_window": (pt.create_mask_from_window_test, create_mask_from_window),
    "distribute_value": (pt.distribute_value_test, distribute_value),
    "pool_backward": (pt.pool_backward_test, pool_backward),
}


# ------------------------------------------------------------------------------------------------
# Every public test: passes on the correct function, fails on a stub, a missing return and a
# non-function
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PUBLIC_TESTS)
def test_passes_on_a_correct_implementation(name, capsys):
    public_test, correct = PUBLIC_TESTS[name]
    assert_passes(capsys, public_test, correct)


@pytest.mark.parametrize("name", PUBLIC_TESTS)
def test_a_stub_is_reported_as_not_implemented(name):
    public_test, _ = PUBLIC_TESTS[name]
    failure_mentioning(
        public_test,
        not_implemented,
        f"{name} is not implemented yet",
        "raise NotImplementedError()",
    )


@pytest.mark.parametrize("name", PUBLIC_TESTS)
def test_a_missing_return_is_reported(name):
    public_test, _ = PUBLIC_TESTS[name]
    message = failure_mentioning(public_test, returns_none, f"{name}: ")
    assert "None" in message and "return" in message, message


@pytest.mark.parametrize("name", PUBLIC_TESTS)
def test_the_argument_must_be_the_function(name):
    public_test, _ = PUBLIC_TESTS[name]
    with pytest.raises(TypeError, match=f"expected the function {name} itself, got str"):
        public_test(name)


def test_an_exception_names_the_input_it_happened_on():
    def broken(X, pad):
        raise IndexError("index 3 is out of bounds")

    message = failure_mentioning(
        pt.zero_pad_test, broken, "zero_pad raised IndexError: index 3 is out of bounds"
    )
    assert "on X of shape (4, 3, 3, 2), pad=3" in message


# ------------------------------------------------------------------------------------------------
# zero_pad
# ------------------------------------------------------------------------------------------------


def test_zero_pad_padding_every_axis_fails_with_the_shape_formula():
    failure_mentioning(
        pt.zero_pad_test,
        lambda X, pad: np.pad(X, pad),
        "zero_pad returned X_pad of shape (10, 9, 9, 8) but (4, 9, 9, 2) was expected",
        "only the height and width are padded",
        "n_H + 2·pad = 9",
    )


def test_zero_pad_padding_one_side_fails():
    failure_mentioning(
        pt.zero_pad_test,
        lambda X, pad: np.pad(X, ((0, 0), (pad, 0), (pad, 0), (0, 0))),
        "X_pad of shape (4, 6, 6, 2) but (4, 9, 9, 2) was expected",
    )


def test_zero_pad_padding_with_ones_fails_on_the_border():
    failure_mentioning(
        pt.zero_pad_test,
        lambda X, pad: np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), constant_values=1),
        "the border of X_pad (X of shape (4, 3, 3, 2), pad=3)",
        "constant_values=0",
    )


def test_zero_pad_shifting_the_original_fails_on_the_inside():
    def shifted(X, pad):
        return np.pad(X, ((0, 0), (2 * pad, 0), (2 * pad, 0), (0, 0)))

    failure_mentioning(pt.zero_pad_test, shifted, "X_pad[:, 3:6, 3:6, :] (X itself")


def test_zero_pad_changing_its_input_fails():
    def in_place(X, pad):
        X[:] = np.round(X, 1)
        return zero_pad(X, pad)

    failure_mentioning(pt.zero_pad_test, in_place, "zero_pad modified its input X in place")


# ------------------------------------------------------------------------------------------------
# conv_single_step
# ------------------------------------------------------------------------------------------------


def test_conv_single_step_adding_the_bias_array_fails_with_a_scalar_hint():
    failure_mentioning(
        pt.conv_single_step_test,
        lambda a, W, b: np.sum(a * W) + b,
        "conv_single_step returned an array of shape (1, 1, 1) on the hand case",
        "add the bias as a number: b.item()",
    )


def test_conv_single_step_forgetting_the_bias_fails_on_the_hand_case():
    failure_mentioning(
        pt.conv_single_step_test,
        lambda a, W, b: float(np.sum(a * W)),
        "Z on the hand case: the bias b is missing: add b.item()",
    )


def test_conv_single_step_summing_one_channel_fails_on_random_inputs():
    failure_mentioning(
        pt.conv_single_step_test,
        lambda a, W, b: float(np.sum(a[..., 0] * W[..., 0]) + b.item()),
        "Z on random inputs of shape (4, 4, 3)",
        "sum everything",
    )


def test_conv_single_step_returning_a_string_fails():
    failure_mentioning(
        pt.conv_single_step_test,
        lambda a, W, b: str(conv_single_step(a, W, b)),
        "conv_single_step returned a str on the hand case",
    )


# ------------------------------------------------------------------------------------------------
# conv_forward
# ------------------------------------------------------------------------------------------------


def ignore_stride(A, W, b, hp):
    """conv_forward with every window moved by 1 (the cache keeps the real hparameters)."""
    Z, _ = conv_forward(A, W, b, {**hp, "stride": 1})
    return Z, (A, W, b, hp)


def test_conv_forward_ignoring_the_stride_fails_with_the_size_formula():
    failure_mentioning(
        pt.conv_forward_test,
        ignore_stride,
        "conv_forward returned Z of shape (2, 5, 7, 8) but (2, 3, 4, 8) was expected",
        "n_H = ⌊(n_H_prev − f + 2·pad)/stride⌋ + 1 = ⌊(5 − 3 + 2·1)/2⌋ + 1 = 3",
        "n_W = ⌊(7 − 3 + 2·1)/2⌋ + 1 = 4",
    )


def test_conv_forward_ignoring_the_padding_fails_with_the_size_formula():
    failure_mentioning(
        pt.conv_forward_test,
        lambda A, W, b, hp: conv_forward(A, W, b, {**hp, "pad": 0}),
        "Z of shape (2, 2, 3, 8) but (2, 3, 4, 8) was expected",
        "stride=2, pad=1",
    )


def test_conv_forward_moving_the_window_by_one_fails_on_the_values():
    def window_moves_by_one(A, W, b, hp):
        Z, cache = conv_forward(A, W, b, {**hp, "stride": 1})
        n_H = (A.shape[1] + 2 * hp["pad"] - W.shape[0]) // hp["stride"] + 1
        n_W = (A.shape[2] + 2 * hp["pad"] - W.shape[0]) // hp["stride"] + 1
        return Z[:, :n_H, :n_W, :], (A, W, b, hp)

    message = failure_mentioning(
        pt.conv_forward_test,
        window_moves_by_one,
        "Z on A_prev of shape (2, 5, 7, 4), W of shape (3, 3, 4, 8), stride=2, pad=1: the windows "
        "start at row h and column w: they start at h·stride and w·stride",
    )
    assert "returned Z of shape" not in message


def test_conv_forward_using_the_first_bias_for_every_filter_fails():
    failure_mentioning(
        pt.conv_forward_test,
        lambda A, W, b, hp: conv_forward(A, W, np.full_like(b, b[0, 0, 0, 0]), hp),
        "Z on A_prev of shape (2, 5, 7, 4)",
        "b[..., c]",
    )


def test_conv_forward_returning_only_z_fails():
    failure_mentioning(
        pt.conv_forward_test,
        lambda A, W, b, hp: conv_forward(A, W, b, hp)[0],
        "conv_forward must return a tuple (Z, cache), but it returned an array of shape "
        "(2, 3, 4, 8)",
    )


def test_conv_forward_with_a_cache_in_the_wrong_order_fails():
    def wrong_cache(A, W, b, hp):
        Z, _ = conv_forward(A, W, b, hp)
        return Z, (W, A, b, hp)

    failure_mentioning(
        pt.conv_forward_test,
        wrong_cache,
        "cache must be the tuple (A_prev, W, b, hparameters): its item `A_prev` is not the input",
    )


def test_conv_forward_missing_return_says_so():
    failure_mentioning(
        pt.conv_forward_test, returns_none, "it returned None (did you forget the `return`?)"
    )


def test_conv_forward_stops_at_the_first_failing_case():
    message = failure_mentioning(pt.conv_forward_test, ignore_stride)
    assert message.startswith("conv_forward: 1 check(s) failed"), message


# ------------------------------------------------------------------------------------------------
# pool_forward
# ------------------------------------------------------------------------------------------------


def test_pool_forward_always_max_fails_in_average_mode():
    failure_mentioning(
        pt.pool_forward_test,
        lambda A, hp, mode="max": pool_forward(A, hp, "max"),
        "A on A_prev of shape (2, 4, 6, 3), f=2, stride=2, mode='average'",
        "np.mean",
    )


def test_pool_forward_ignoring_the_stride_fails_with_the_size_formula():
    failure_mentioning(
        pt.pool_forward_test,
        lambda A, hp, mode="max": pool_forward(A, {**hp, "stride": 1}, mode),
        "pool_forward returned A of shape (2, 3, 5, 3) but (2, 2, 3, 3) was expected",
        "n_H = ⌊(n_H_prev − f)/stride⌋ + 1 = ⌊(4 − 2)/2⌋ + 1 = 2",
    )


def test_pool_forward_padding_like_a_convolution_fails():
    def padded(A, hp, mode="max"):
        return pool_forward(zero_pad(A, 1), hp, mode)

    failure_mentioning(pt.pool_forward_test, padded, "no padding", "(2, 3, 4, 3) but (2, 2, 3, 3)")


def test_pool_forward_returning_only_a_fails():
    failure_mentioning(
        pt.pool_forward_test,
        lambda A, hp, mode="max": pool_forward(A, hp, mode)[0],
        "pool_forward must return a tuple (A, cache)",
    )


def test_pool_forward_with_a_wrong_cache_fails():
    failure_mentioning(
        pt.pool_forward_test,
        lambda A, hp, mode="max": (pool_forward(A, hp, mode)[0], (A,)),
        "cache must be the tuple (A_prev, hparameters), but it is a tuple of 1 items",
    )


# ------------------------------------------------------------------------------------------------
# conv_backward
# ------------------------------------------------------------------------------------------------


def test_conv_backward_empty_slice_with_pad_0_fails_with_a_hint():
    def pad_minus_pad(dZ, cache):
        A_prev, W, b, hp = cache
        pad = hp["pad"]
        _, dW, db = conv_backward(dZ, cache)
        dA_pad = zero_pad(conv_backward(dZ, cache)[0], pad)
        dA_prev = np.zeros(A_prev.shape)
        for i in range(A_prev.shape[0]):
            dA_prev[i, :, :, :] = dA_pad[i, pad:-pad, pad:-pad, :]
        return dA_prev, dW, db

    failure_mentioning(
        pt.conv_backward_test,
        pad_minus_pad,
        "conv_backward raised ValueError",
        "on A_prev of shape (1, 6, 5, 3), W of shape (2, 2, 3, 2), stride=1, pad=0",
        "x[pad:-pad] is x[0:0], which is empty",
    )


def test_conv_backward_overwriting_dw_fails_with_the_accumulation_hint():
    def overwrite_dW(dZ, cache):
        dA_prev, _, db = conv_backward(dZ, cache)
        A_prev, W, b, hp = cache
        f, s, p = W.shape[0], hp["stride"], hp["pad"]
        last = windows(zero_pad(A_prev, p), f, s)[-1, -1, -1].transpose(1, 2, 0)
        return dA_prev, last[..., None] * dZ[-1, -1, -1], db

    message = failure_mentioning(
        pt.conv_backward_test,
        overwrite_dW,
        "dW on A_prev of shape (2, 5, 7, 4)",
        "dW[:, :, :, c] += a_slice · dZ[i, h, w, c], added up over every example i",
    )
    assert "dA_prev on" not in message and "db on" not in message


def test_conv_backward_summing_db_over_one_example_fails():
    def db_first_example(dZ, cache):
        dA_prev, dW, db = conv_backward(dZ, cache)
        return dA_prev, dW, dZ[:1].sum(axis=(0, 1, 2)).reshape(db.shape)

    failure_mentioning(
        pt.conv_backward_test, db_first_example, "db on A_prev of shape (2, 5, 7, 4)", "n_C)"
    )


def test_conv_backward_without_overlap_accumulation_fails_on_da_prev():
    def no_overlap(dZ, cache):
        dA_prev, dW, db = conv_backward(dZ, cache)
        A_prev, W, b, hp = cache
        f, s, p = W.shape[0], hp["stride"], hp["pad"]
        dA_pad = np.zeros(zero_pad(A_prev, p).shape)
        for h in range(dZ.shape[1]):
            for w in range(dZ.shape[2]):  # `=`: a later window overwrites an earlier one
                window = (slice(None), slice(h * s, h * s + f), slice(w * s, w * s + f))
                dA_pad[window] = np.einsum("mn,ijcn->mijc", dZ[:, h, w], W)
        return dA_pad[:, p : p + A_prev.shape[1], p : p + A_prev.shape[2]], dW, db

    failure_mentioning(
        pt.conv_backward_test, no_overlap, "dA_prev on A_prev of shape (2, 5, 7, 4)", "add"
    )


def test_conv_backward_returning_two_gradients_fails():
    failure_mentioning(
        pt.conv_backward_test,
        lambda dZ, cache: conv_backward(dZ, cache)[:2],
        "conv_backward must return a tuple (dA_prev, dW, db), but it returned a tuple of 2 items",
    )


def test_conv_backward_with_the_padding_left_in_fails_on_the_shape():
    def padded_dA(dZ, cache):
        dA_prev, dW, db = conv_backward(dZ, cache)
        return zero_pad(dA_prev, cache[3]["pad"]), dW, db

    failure_mentioning(
        pt.conv_backward_test,
        padded_dA,
        "conv_backward returned dA_prev of shape (2, 7, 9, 4) but (2, 5, 7, 4) was expected",
    )


# ------------------------------------------------------------------------------------------------
# create_mask_from_window, distribute_value
# ------------------------------------------------------------------------------------------------


def test_create_mask_marking_the_minimum_fails_with_the_window():
    failure_mentioning(
        pt.create_mask_from_window_test,
        lambda x: x == np.min(x),
        "mask for x = [[1.0, 3.0], [4.0, 2.0]]: got [[True, False], [False, False]] but "
        "[[False, False], [True, False]] was expected",
        "x == np.max(x)",
    )


def test_create_mask_returning_the_values_fails():
    failure_mentioning(
        pt.create_mask_from_window_test,
        lambda x: x * (x == np.max(x)),
        "mask for x = [[1.0, 3.0], [4.0, 2.0]]",
    )


def test_create_mask_of_the_largest_magnitude_fails_on_negative_windows():
    failure_mentioning(
        pt.create_mask_from_window_test,
        lambda x: np.abs(x) == np.max(np.abs(x)),
        "mask for x = [[",
    )


def test_create_mask_flattened_fails_on_the_shape():
    failure_mentioning(
        pt.create_mask_from_window_test,
        lambda x: (x == np.max(x)).ravel(),
        "create_mask_from_window returned mask of shape (4,) but (2, 2) was expected",
    )


def test_distribute_value_dividing_by_one_side_fails():
    failure_mentioning(
        pt.distribute_value_test,
        lambda dz, shape: np.full(shape, dz / shape[0]),
        "a for dz=2.0, shape=(2, 2): dz is divided by n_H only: by n_H·n_W",
    )


def test_distribute_value_with_the_shape_transposed_fails():
    failure_mentioning(
        pt.distribute_value_test,
        lambda dz, shape: np.full(shape[::-1], dz / (shape[0] * shape[1])),
        "distribute_value returned a (for dz=3.0, shape=(2, 3)) of shape (3, 2) but (2, 3) was "
        "expected",
    )


# ------------------------------------------------------------------------------------------------
# pool_backward
# ------------------------------------------------------------------------------------------------


def pool_backward_loops(dA, cache, mode="max", *, overwrite=False, average_as_max=False):
    """A learner's loop version, with the two classic mistakes switchable."""
    A_prev, hp = cache
    f, s = hp["f"], hp["stride"]
    dA_prev = np.zeros(A_prev.shape)
    m, n_H, n_W, n_C = dA.shape
    for i, h, w, c in np.ndindex(m, n_H, n_W, n_C):
        window = (i, slice(h * s, h * s + f), slice(w * s, w * s + f), c)
        if mode == "max" or average_as_max:
            share = create_mask_from_window(A_prev[window]) * dA[i, h, w, c]
        else:
            share = distribute_value(dA[i, h, w, c], (f, f))
        if overwrite:
            dA_prev[window] = share
        else:
            dA_prev[window] += share
    return dA_prev


def test_pool_backward_loops_reference_passes(capsys):
    assert_passes(capsys, pt.pool_backward_test, pool_backward_loops)


def test_pool_backward_overwriting_fails_only_on_overlapping_windows():
    message = failure_mentioning(
        pt.pool_backward_test,
        lambda dA, cache, mode="max": pool_backward_loops(dA, cache, mode, overwrite=True),
        "dA_prev on A_prev of shape (1, 7, 9, 2), f=3, stride=2, mode='max'",
        "the windows overlap here, so use +=",
    )
    assert "(2, 4, 6, 3)" not in message


def test_pool_backward_using_the_mask_in_average_mode_fails():
    failure_mentioning(
        pt.pool_backward_test,
        lambda dA, cache, mode="max": pool_backward_loops(dA, cache, mode, average_as_max=True),
        "dA_prev on A_prev of shape (2, 4, 6, 3), f=2, stride=2, mode='average'",
        "distribute_value(dA[i, h, w, c], (f, f))",
    )


def test_pool_backward_spreading_in_max_mode_fails():
    failure_mentioning(
        pt.pool_backward_test,
        lambda dA, cache, mode="max": pool_backward(dA, cache, "average"),
        "mode='max'",
        "create_mask_from_window(a_prev_slice)",
    )


def test_pool_backward_of_the_wrong_shape_fails():
    failure_mentioning(
        pt.pool_backward_test,
        lambda dA, cache, mode="max": pool_backward(dA, cache, mode)[:, :-1],
        "pool_backward returned dA_prev of shape (2, 3, 6, 3) but (2, 4, 6, 3) was expected",
        "the shape of A_prev",
    )


def test_pool_backward_changing_da_in_place_fails():
    def in_place(dA, cache, mode="max"):
        dA *= 2
        return pool_backward(dA / 2, cache, mode)

    failure_mentioning(
        pt.pool_backward_test, in_place, "pool_backward modified its input dA in place"
    )


# ------------------------------------------------------------------------------------------------
# The references of the public tests are independent of this file's implementations
# ------------------------------------------------------------------------------------------------


def test_tf_references_match_the_numpy_implementations():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((2, 7, 6, 3))
    W = rng.standard_normal((3, 3, 3, 4))
    b = rng.standard_normal((1, 1, 1, 4))
    Z, _ = conv_forward(A, W, b, {"stride": 2, "pad": 1})
    np.testing.assert_allclose(pt._tf_conv(A, W, b, 2, 1), Z, atol=1e-12)
    dZ = rng.standard_normal(Z.shape)
    for got, want in zip(
        pt._tf_conv_grads(A, W, b, 2, 1, dZ),
        conv_backward(dZ, (A, W, b, {"stride": 2, "pad": 1})),
        strict=True,
    ):
        np.testing.assert_allclose(got, want, atol=1e-12)
    for mode in ("max", "average"):
        for _ in range(2):  # twice: tf.nn.max_pool2d used to switch to float32 on its 2nd call
            P, _ = pool_forward(A, {"f": 3, "stride": 2}, mode)
            np.testing.assert_allclose(pt._tf_pool(A, 3, 2, mode), P, rtol=0, atol=1e-14)
        dP = rng.standard_normal(P.shape)
        np.testing.assert_allclose(
            pt._tf_pool_grad(A, 3, 2, mode, dP),
            pool_backward(dP, (A, {"f": 3, "stride": 2}), mode),
            atol=1e-12,
        )


def test_module_imports_no_tensorflow_at_import_time():
    source = open(pt.__file__, encoding="utf-8").read()
    top_level = [line for line in source.splitlines() if re.match(r"(import|from) ", line)]
    assert not any("tensorflow" in line for line in top_level), top_level
