"""Public tests of notebook 02: padding, strides, convolution and pooling from scratch (NumPy).

Each ``<function>_test(target)`` calls the learner's ``target`` on fixed inputs drawn from
``np.random.default_rng(<seed>)`` and compares what it returns with an independent reference:

- the forward passes with ``tf.nn.conv2d`` (explicit padding), ``tf.nn.max_pool2d`` and
  ``tf.nn.avg_pool2d`` (``"VALID"``);
- the backward passes with the gradients ``tf.GradientTape`` computes through those same ops;
- small cases with values checkable by hand.

A test prints ``All tests passed``, or raises an ``AssertionError`` that names the output that is
wrong, the input it was computed on, and the formula to check. TensorFlow is imported inside the
tests (after ``utils.setup_notebook`` has run), never when this module is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from utils.testing import Checker, check_earlier, require_callable

CONV_SIZE = "n_H = ⌊(n_H_prev − f + 2·pad)/stride⌋ + 1"
_WINDOW = (
    "the window is a_prev_pad[h·stride : h·stride + f, w·stride : w·stride + f, :], cut from the "
    "padded input zero_pad(A_prev, pad)"
)
POOL_SIZE = "n_H = ⌊(n_H_prev − f)/stride⌋ + 1"
_POOL_WINDOW = (
    "the window of channel c is A_prev[i, h·stride : h·stride + f, w·stride : w·stride + f, c]"
)


# --------------------------------------------------------------------------------------------
# References (TensorFlow) and small helpers
# --------------------------------------------------------------------------------------------


# Every array goes to TensorFlow as tf.constant(array): handed a float64 NumPy array directly,
# tf.nn.max_pool2d (TF 2.21) computes in float32 from its second call on.


def _paddings(pad: int) -> list[list[int]]:
    """``tf.nn.conv2d``'s explicit padding: ``pad`` zeros on each side of the height and width."""
    return [[0, 0], [pad, pad], [pad, pad], [0, 0]]


def _tf_conv(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, stride: int, pad: int) -> np.ndarray:
    """Z = conv(A_prev, W) + b, (m, n_H, n_W, n_C), by ``tf.nn.conv2d``."""
    import tensorflow as tf

    Z = tf.nn.conv2d(tf.constant(A_prev), tf.constant(W), strides=stride, padding=_paddings(pad))
    return Z.numpy() + b


def _tf_conv_grads(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, stride: int, pad: int, dZ: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dA_prev, dW, db) of the loss Σ Z·dZ, by ``tf.GradientTape`` through ``tf.nn.conv2d``."""
    import tensorflow as tf

    a, w, bias = tf.constant(A_prev), tf.constant(W), tf.constant(b)
    with tf.GradientTape() as tape:
        tape.watch([a, w, bias])
        Z = tf.nn.conv2d(a, w, strides=stride, padding=_paddings(pad)) + bias
        loss = tf.reduce_sum(Z * dZ)
    da, dw, db = tape.gradient(loss, [a, w, bias])
    return da.numpy(), dw.numpy(), db.numpy()


def _tf_pool(A_prev: np.ndarray, f: int, stride: int, mode: str) -> np.ndarray:
    """Max or average pooling of A_prev over f×f windows (no padding), by TensorFlow."""
    import tensorflow as tf

    pool = tf.nn.max_pool2d if mode == "max" else tf.nn.avg_pool2d
    return pool(tf.constant(A_prev), ksize=f, strides=stride, padding="VALID").numpy()


def _tf_pool_grad(A_prev: np.ndarray, f: int, stride: int, mode: str, dA: np.ndarray) -> np.ndarray:
    """dA_prev of the loss Σ pool(A_prev)·dA, by ``tf.GradientTape``."""
    import tensorflow as tf

    pool = tf.nn.max_pool2d if mode == "max" else tf.nn.avg_pool2d
    a = tf.constant(A_prev)
    with tf.GradientTape() as tape:
        tape.watch(a)
        loss = tf.reduce_sum(pool(a, ksize=f, strides=stride, padding="VALID") * dA)
    return tape.gradient(loss, a).numpy()


def _out_size(n: int, f: int, stride: int, pad: int = 0) -> int:
    return (n + 2 * pad - f) // stride + 1


def _describe(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, tuple | list):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__}"


def _unpack(check: Checker, got: Any, names: tuple[str, ...], returns: str) -> tuple | None:
    """``got`` as a tuple of ``len(names)`` items, or None after recording a failure."""
    if isinstance(got, tuple | list) and len(got) == len(names):
        return tuple(got)
    forgot = " (did you forget the `return`?)" if got is None else ""
    check.fail(f"{check.name} must return {returns}, but it returned {_describe(got)}{forgot}")
    return None


# --------------------------------------------------------------------------------------------
# Forward: zero_pad, conv_single_step, conv_forward, pool_forward
# --------------------------------------------------------------------------------------------


def zero_pad_test(target: Callable[[np.ndarray, int], np.ndarray]) -> None:
    """Test ``zero_pad(X, pad)``: X (m, n_H, n_W, n_C) -> X_pad (m, n_H + 2·pad, n_W + 2·pad, n_C).

    Cases: the course's (4, 3, 3, 2) with pad 3, a non-square (2, 4, 5, 3) with pad 1, and pad 0.
    The inside of X_pad must be X, the border zeros, and X itself must stay unchanged.
    """
    require_callable(target, "zero_pad")
    check = Checker("zero_pad")
    rng = np.random.default_rng(1)
    for shape, pad in (((4, 3, 3, 2), 3), ((2, 4, 5, 3), 1), ((1, 2, 3, 1), 0)):
        x = rng.standard_normal(shape)
        case = f"X of shape {shape}, pad={pad}"
        with check.case(case), check.preserves(X=x):
            got = check.call(target, x, pad)
        m, n_H, n_W, n_C = shape
        expected_shape = (m, n_H + 2 * pad, n_W + 2 * pad, n_C)
        hint = (
            f"for {case}: only the height and width are padded, by `pad` on each side: "
            f"n_H + 2·pad = {n_H + 2 * pad}, n_W + 2·pad = {n_W + 2 * pad}; m and n_C are unchanged"
        )
        if check.shape("X_pad", got, expected_shape, hint=hint):
            got = np.asarray(got)
            inside = got[:, pad : pad + n_H, pad : pad + n_W, :]
            check.close(
                f"X_pad[:, {pad}:{pad + n_H}, {pad}:{pad + n_W}, :] (X itself, {case})",
                inside,
                x,
                hint="the original values sit in the middle, shifted by `pad` rows and columns",
            )
            border = np.ones(expected_shape, dtype=bool)
            border[:, pad : pad + n_H, pad : pad + n_W, :] = False
            check.close(
                f"the border of X_pad ({case})",
                got[border],
                np.zeros(int(border.sum())),
                hint="pad with zeros: np.pad(..., mode='constant', constant_values=0)",
            )
        if check.failures:
            break
    check.done()


def conv_single_step_test(
    target: Callable[[np.ndarray, np.ndarray, np.ndarray], float],
) -> None:
    """Test ``conv_single_step(a_slice_prev, W, b)``: one filter on one window -> a float.

    a_slice_prev and W are (f, f, n_C_prev), b is (1, 1, 1). Checked on a hand case
    (Σ ones·[[1, 2], [3, 4]] + 0.5 = 10.5) and on random (4, 4, 3) inputs against ``tf.nn.conv2d``.
    """
    require_callable(target, "conv_single_step")
    check = Checker("conv_single_step")
    rng = np.random.default_rng(2)
    hand = (
        np.ones((2, 2, 1)),
        np.array([1.0, 2.0, 3.0, 4.0]).reshape(2, 2, 1),
        np.full((1, 1, 1), 0.5),
    )
    cases = [("the hand case", hand, 10.5)]
    for shape in ((4, 4, 3), (3, 2, 5)):
        a = rng.standard_normal(shape)
        W = rng.standard_normal(shape)
        b = rng.standard_normal((1, 1, 1))
        reference = _tf_conv(a[None], W[..., None], b[..., None], stride=1, pad=0)
        cases.append((f"random inputs of shape {shape}", (a, W, b), float(reference[0, 0, 0, 0])))
    for case, inputs, expected in cases:
        named = dict(zip(("a_slice_prev", "W", "b"), inputs, strict=True))
        bias = "add the bias as a number, b.item(): float(b) fails on a (1, 1, 1) array"
        with check.case(case, bias), check.preserves(**named):
            got = check.call(target, *inputs)
        if got is None:
            check.fail("Z is None: did conv_single_step forget to `return` it?")
        elif np.ndim(got) != 0:
            check.fail(
                f"conv_single_step returned an array of shape {np.shape(got)} on {case}, but a "
                "scalar was expected (hint: sum over every axis, np.sum(a_slice_prev * W), and "
                "add the bias as a number: b.item())"
            )
        elif not isinstance(got, float | np.floating):
            check.fail(
                f"conv_single_step returned a {type(got).__name__} on {case}, but a float was "
                "expected (hint: return float(Z))"
            )
        else:
            a, W, b = inputs
            check.close(
                f"Z on {case}",
                got,
                expected,
                hint="Z = Σ a_slice_prev ⊙ W + b: multiply elementwise, sum everything, add b",
                mistakes=[
                    (expected - b.item(), "the bias b is missing: add b.item()"),
                    (
                        np.mean(a * W) + b.item(),
                        "it is the mean of a_slice_prev ⊙ W: take the sum, np.sum",
                    ),
                    (np.sum(a * W) - b.item(), "the bias is subtracted: add it"),
                ],
            )
        if check.failures:
            break
    check.done()


def _conv_inputs(
    rng: np.random.Generator,
    shape: tuple[int, int, int, int],
    f: int,
    n_C: int,
    stride: int,
    pad: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Random A_prev of ``shape``, W (f, f, n_C_prev, n_C) and b (1, 1, 1, n_C), drawn in that
    order, and the case they make with ``stride`` and ``pad``, as the messages name it."""
    A_prev = rng.standard_normal(shape)
    W = rng.standard_normal((f, f, shape[-1], n_C))
    b = rng.standard_normal((1, 1, 1, n_C))
    case = f"A_prev of shape {shape}, W of shape {W.shape}, stride={stride}, pad={pad}"
    return A_prev, W, b, case


def conv_forward_test(target: Callable[..., tuple[np.ndarray, tuple]]) -> None:
    """Test ``conv_forward(A_prev, W, b, hparameters)`` -> (Z, cache) against ``tf.nn.conv2d``.

    A_prev (m, n_H_prev, n_W_prev, n_C_prev), W (f, f, n_C_prev, n_C), b (1, 1, 1, n_C),
    hparameters {"stride", "pad"}; Z (m, n_H, n_W, n_C), cache = (A_prev, W, b, hparameters).
    Cases: stride 2 with pad 1, a non-square input with pad 0, and a stride that leaves the last
    row and column out (⌊·⌋ in the size formula).
    """
    require_callable(target, "conv_forward")
    check_earlier(target, "zero_pad", 1, zero_pad_test)
    check_earlier(target, "conv_single_step", 2, conv_single_step_test)
    check = Checker("conv_forward")
    rng = np.random.default_rng(3)
    cases = (
        ((2, 5, 7, 4), 3, 8, 2, 1),  # (A_prev shape, f, n_C, stride, pad)
        ((1, 6, 9, 3), 2, 2, 1, 0),
        ((2, 8, 6, 2), 3, 4, 2, 0),
    )
    for shape, f, n_C, stride, pad in cases:
        m, n_H_prev, n_W_prev, _ = shape
        A_prev, W, b, case = _conv_inputs(rng, shape, f, n_C, stride, pad)
        hparameters = {"stride": stride, "pad": pad}
        with check.case(case, _WINDOW), check.preserves(A_prev=A_prev, W=W, b=b):
            got = check.call(target, A_prev, W, b, dict(hparameters))
        out = _unpack(check, got, ("Z", "cache"), "a tuple (Z, cache)")
        if out is not None:
            Z, cache = out
            n_H = _out_size(n_H_prev, f, stride, pad)
            n_W = _out_size(n_W_prev, f, stride, pad)
            hint = (
                f"for {case}: {CONV_SIZE} = ⌊({n_H_prev} − {f} + 2·{pad})/{stride}⌋ + 1 = {n_H}, "
                f"and n_W = ⌊({n_W_prev} − {f} + 2·{pad})/{stride}⌋ + 1 = {n_W}"
            )
            if check.shape("Z", Z, (m, n_H, n_W, n_C), hint=hint):
                check.close(
                    f"Z on {case}",
                    Z,
                    _tf_conv(A_prev, W, b, stride, pad),
                    hint="Z[i, h, w, c] = conv_single_step(window, W[..., c], b[..., c]) where the "
                    "window of the padded input starts at row h·stride and column w·stride",
                    mistakes=[
                        (
                            _tf_conv(A_prev, W, 0 * b, stride, pad),
                            "the bias is missing: conv_single_step(window, W[..., c], b[..., c])",
                        ),
                        (
                            _tf_conv(A_prev, W, b, 1, pad)[:, :n_H, :n_W],
                            "the windows start at row h and column w: they start at h·stride and "
                            "w·stride",
                        ),
                    ],
                )
            _check_cache(
                check, cache, (A_prev, W, b, hparameters), ("A_prev", "W", "b", "hparameters")
            )
        if check.failures:
            break
    check.done()


def _check_cache(check: Checker, cache: Any, expected: tuple, names: tuple[str, ...]) -> None:
    """The cache is the tuple ``expected`` (the inputs the backward pass needs), in that order."""
    layout = "(" + ", ".join(names) + ")"
    if not (isinstance(cache, tuple | list) and len(cache) == len(expected)):
        check.fail(f"cache must be the tuple {layout}, but it is {_describe(cache)}")
        return
    for name, got, want in zip(names, cache, expected, strict=True):
        if isinstance(want, dict):
            same = isinstance(got, dict) and got == want
        else:
            same = (
                isinstance(got, np.ndarray)
                and got.shape == want.shape
                and np.array_equal(got, want)
            )
        if not same:
            check.fail(
                f"cache must be the tuple {layout}: its item `{name}` is not the input {name} "
                "(the backward pass reads the inputs from the cache)"
            )
            return


def pool_forward_test(target: Callable[..., tuple[np.ndarray, tuple]]) -> None:
    """Test ``pool_forward(A_prev, hparameters, mode)`` -> (A, cache) against TensorFlow pooling.

    A_prev (m, n_H_prev, n_W_prev, n_C), hparameters {"f", "stride"}, mode "max" or "average";
    A (m, n_H, n_W, n_C) with n_H = ⌊(n_H_prev − f)/stride⌋ + 1; cache = (A_prev, hparameters).
    Cases: non-overlapping 2×2 windows, overlapping 3×3 windows with stride 2 on a non-square
    input, and stride 1; each in both modes.
    """
    require_callable(target, "pool_forward")
    check = Checker("pool_forward")
    rng = np.random.default_rng(4)
    cases = []  # (shape, f, stride, A_prev, mode): each A_prev in both modes
    for shape, f, stride in (((2, 4, 6, 3), 2, 2), ((1, 7, 9, 2), 3, 2), ((2, 5, 5, 3), 3, 1)):
        A_prev = rng.standard_normal(shape)
        cases += [(shape, f, stride, A_prev, mode) for mode in ("max", "average")]
    for shape, f, stride, A_prev, mode in cases:
        hparameters = {"f": f, "stride": stride}
        case = f"A_prev of shape {shape}, f={f}, stride={stride}, mode={mode!r}"
        with check.case(case, _POOL_WINDOW), check.preserves(A_prev=A_prev):
            got = check.call(target, A_prev, dict(hparameters), mode)
        out = _unpack(check, got, ("A", "cache"), "a tuple (A, cache)")
        if out is not None:
            A, cache = out
            m, n_H_prev, n_W_prev, n_C = shape
            n_H, n_W = _out_size(n_H_prev, f, stride), _out_size(n_W_prev, f, stride)
            hint = (
                f"for {case}: no padding, {POOL_SIZE} = ⌊({n_H_prev} − {f})/{stride}⌋ + 1 = "
                f"{n_H}, and n_W = ⌊({n_W_prev} − {f})/{stride}⌋ + 1 = {n_W}"
            )
            how = "np.max" if mode == "max" else "np.mean"
            if check.shape("A", A, (m, n_H, n_W, n_C), hint=hint):
                expected = _tf_pool(A_prev, f, stride, mode)
                other = "average" if mode == "max" else "max"
                reduce = np.max if mode == "max" else np.mean
                check.close(
                    f"A on {case}",
                    A,
                    expected,
                    hint=f"mode={mode!r}: A[i, h, w, c] = {how} of the f×f window of channel "
                    "c that starts at row h·stride and column w·stride",
                    mistakes=[
                        (
                            _tf_pool(A_prev, f, stride, other),
                            f"it is the {other} pooling: with mode={mode!r} use {how}",
                        ),
                        (
                            _tf_pool(A_prev, f, 1, mode)[:, :n_H, :n_W],
                            "the windows start at row h and column w: they start at h·stride and "
                            "w·stride",
                        ),
                        (
                            np.broadcast_to(
                                reduce(expected, axis=-1, keepdims=True), expected.shape
                            ),
                            "every channel got the same value: pool each channel c on its own, "
                            "A_prev[i, rows, columns, c]",
                        ),
                    ],
                )
            _check_cache(check, cache, (A_prev, hparameters), ("A_prev", "hparameters"))
        if check.failures:
            break
    check.done()


# --------------------------------------------------------------------------------------------
# Backward: conv_backward, create_mask_from_window, distribute_value, pool_backward
# --------------------------------------------------------------------------------------------


_BACKWARD = {
    "dA_prev": "for every i, h, w, c: da_prev_pad[window] += W[:, :, :, c] · dZ[i, h, w, c] "
    "(windows overlap, so add), then drop the padding: "
    "da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :]",
    "dW": "dW[:, :, :, c] += a_slice · dZ[i, h, w, c], added up over every example i and "
    "position h, w (a_slice: the window of the padded A_prev)",
    "db": "db[:, :, :, c] += dZ[i, h, w, c] over every i, h, w; db has b's shape (1, 1, 1, n_C)",
}


def conv_backward_test(target: Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray]]) -> None:
    """Test ``conv_backward(dZ, cache)`` -> (dA_prev, dW, db) against ``tf.GradientTape``.

    cache = (A_prev, W, b, hparameters) as conv_forward returns it; dZ (m, n_H, n_W, n_C).
    The references are the gradients of Σ Z·dZ through ``tf.nn.conv2d`` with explicit padding.
    Cases: stride 2 with pad 1, pad 0 on a non-square input, and stride 2 with pad 0 where the
    last row and column of A_prev are in no window (their gradient is 0).
    """
    require_callable(target, "conv_backward")
    check_earlier(target, "zero_pad", 1, zero_pad_test)
    check = Checker("conv_backward")
    rng = np.random.default_rng(5)
    cases = (
        ((2, 5, 7, 4), 3, 8, 2, 1),  # (A_prev shape, f, n_C, stride, pad)
        ((1, 6, 5, 3), 2, 2, 1, 0),
        ((2, 6, 6, 2), 3, 3, 2, 0),
    )
    for shape, f, n_C, stride, pad in cases:
        m, n_H_prev, n_W_prev, _ = shape
        A_prev, W, b, case = _conv_inputs(rng, shape, f, n_C, stride, pad)
        n_H, n_W = _out_size(n_H_prev, f, stride, pad), _out_size(n_W_prev, f, stride, pad)
        dZ = rng.standard_normal((m, n_H, n_W, n_C))
        hparameters = {"stride": stride, "pad": pad}
        cache = (A_prev, W, b, hparameters)
        hint = (
            "with pad = 0, a slice like x[pad:-pad] is x[0:0], which is empty: "
            "use x[pad:pad + n_H_prev, pad:pad + n_W_prev]"
            if pad == 0
            else ""
        )
        inputs = {"dZ": dZ, "A_prev": A_prev, "W": W, "b": b}
        with check.case(case, hint), check.preserves(**inputs):
            got = check.call(target, dZ, cache)
        out = _unpack(check, got, ("dA_prev", "dW", "db"), "a tuple (dA_prev, dW, db)")
        if out is not None:
            references = _tf_conv_grads(A_prev, W, b, stride, pad, dZ)
            for name, gradient, reference, input_name in zip(
                ("dA_prev", "dW", "db"), out, references, ("A_prev", "W", "b"), strict=True
            ):
                like = f"{name} has the shape of {input_name}, {reference.shape}"
                if name == "dA_prev" and hint:
                    like += f"; {hint}"
                if check.shape(name, gradient, reference.shape, hint=like):
                    check.close(
                        f"{name} on {case}", gradient, reference, atol=1e-8, hint=_BACKWARD[name]
                    )
        if check.failures:
            break
    check.done()


def create_mask_from_window_test(target: Callable[[np.ndarray], np.ndarray]) -> None:
    """Test ``create_mask_from_window(x)``: True where the (f, f) window x has its maximum.

    Cases: a hand 2×2 window, a random 3×3 window and an all-negative 2×4 window.
    """
    require_callable(target, "create_mask_from_window")
    check = Checker("create_mask_from_window")
    rng = np.random.default_rng(6)
    windows = [
        np.array([[1.0, 3.0], [4.0, 2.0]]),
        rng.standard_normal((3, 3)),
        -np.abs(rng.standard_normal((2, 4))) - 0.1,
    ]
    for x in windows:
        expected = np.zeros(x.shape, dtype=bool)
        expected[np.unravel_index(np.argmax(x), x.shape)] = True
        with check.case(f"x of shape {x.shape}"), check.preserves(x=x):
            got = check.call(target, x)
        if check.shape("mask", got, x.shape, hint="the mask has the window's shape"):
            if not np.array_equal(np.asarray(got), expected):
                check.fail(
                    f"mask for x = {np.round(x, 2).tolist()}: got {np.asarray(got).tolist()} but "
                    f"{expected.tolist()} was expected (hint: True exactly where x equals its "
                    "maximum: x == np.max(x))"
                )
        if check.failures:
            break
    check.done()


def distribute_value_test(target: Callable[[float, tuple[int, int]], np.ndarray]) -> None:
    """Test ``distribute_value(dz, shape)``: dz spread evenly over an (n_H, n_W) array.

    The reference is the gradient of average pooling over one window of that shape
    (``tf.nn.avg_pool2d`` through ``tf.GradientTape``). Cases: 2 over (2, 2) (0.5 each),
    3 over (2, 3), −1.2 over (3, 3).
    """
    require_callable(target, "distribute_value")
    import tensorflow as tf

    check = Checker("distribute_value")
    for dz, shape in ((2.0, (2, 2)), (3.0, (2, 3)), (-1.2, (3, 3))):
        a = tf.constant(np.zeros((1, *shape, 1)))
        with tf.GradientTape() as tape:
            tape.watch(a)
            out = tf.nn.avg_pool2d(a, ksize=shape, strides=shape, padding="VALID") * dz
        expected = tape.gradient(out, a).numpy()[0, :, :, 0]
        with check.case(f"dz={dz}, shape={shape}"):
            got = check.call(target, dz, shape)
        if check.shape(f"a (for dz={dz}, shape={shape})", got, shape, hint="a has the given shape"):
            check.close(
                f"a for dz={dz}, shape={shape}",
                got,
                expected,
                hint="every entry is dz / (n_H·n_W), so the entries add up to dz",
                mistakes=[
                    (np.full(shape, dz), "every entry is dz: divide it by n_H·n_W"),
                    (np.full(shape, dz / shape[0]), "dz is divided by n_H only: by n_H·n_W"),
                    (np.full(shape, dz / shape[1]), "dz is divided by n_W only: by n_H·n_W"),
                ],
            )
        if check.failures:
            break
    check.done()


def pool_backward_test(target: Callable[..., np.ndarray]) -> None:
    """Test ``pool_backward(dA, cache, mode)`` -> dA_prev against ``tf.GradientTape``.

    cache = (A_prev, hparameters) as pool_forward returns it, dA (m, n_H, n_W, n_C); the
    references are the gradients of Σ pool(A_prev)·dA through ``tf.nn.max_pool2d`` /
    ``tf.nn.avg_pool2d``. Cases: non-overlapping 2×2 windows, overlapping 3×3 windows with
    stride 2 (a position can be in, and be the maximum of, several windows), and 2×2 with
    stride 1; each in both modes.
    """
    require_callable(target, "pool_backward")
    check_earlier(target, "create_mask_from_window", 6, create_mask_from_window_test)
    check_earlier(target, "distribute_value", 7, distribute_value_test)
    check = Checker("pool_backward")
    rng = np.random.default_rng(7)
    cases = []  # (shape, f, stride, A_prev, dA, mode): each (A_prev, dA) in both modes
    for shape, f, stride in (((2, 4, 6, 3), 2, 2), ((1, 7, 9, 2), 3, 2), ((2, 5, 4, 2), 2, 1)):
        m, n_H_prev, n_W_prev, n_C = shape
        A_prev = rng.standard_normal(shape)
        n_H, n_W = _out_size(n_H_prev, f, stride), _out_size(n_W_prev, f, stride)
        dA = rng.standard_normal((m, n_H, n_W, n_C))
        cases += [(shape, f, stride, A_prev, dA, mode) for mode in ("max", "average")]
    for shape, f, stride, A_prev, dA, mode in cases:
        hparameters = {"f": f, "stride": stride}
        case = f"A_prev of shape {shape}, f={f}, stride={stride}, mode={mode!r}"
        with check.case(case), check.preserves(dA=dA, A_prev=A_prev):
            got = check.call(target, dA, (A_prev, dict(hparameters)), mode)
        if mode == "max":
            hint = (
                "each window sends dA[i, h, w, c] to the position of its maximum only: "
                "dA_prev[i, window, c] += "
                "create_mask_from_window(a_prev_slice) · dA[i, h, w, c]"
            )
        else:
            hint = (
                "each window spreads dA[i, h, w, c] evenly over its f×f positions: "
                "dA_prev[i, window, c] += distribute_value(dA[i, h, w, c], (f, f))"
            )
        if f > stride:
            hint += "; the windows overlap here, so use += (the contributions add up)"
        if check.shape("dA_prev", got, shape, hint="dA_prev has the shape of A_prev"):
            check.close(
                f"dA_prev on {case}",
                got,
                _tf_pool_grad(A_prev, f, stride, mode, dA),
                atol=1e-8,
                hint=hint,
                mistakes=[
                    (
                        _tf_pool_grad(A_prev, f, stride, other, dA),
                        f"it is the gradient of {other} pooling: with mode={mode!r}, {hint}",
                    )
                    for other in {"max", "average"} - {mode}
                ],
            )
        if check.failures:
            break
    check.done()
