"""Public tests of notebook 08 (neural style transfer).

Every expected value is worked out by hand from small integer tensors (the arithmetic is written
next to it), or is a property of one Adam step; nothing depends on a random generator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from utils.testing import Checker, error_line

_CONTENT_HINT = "J_content = 1/(4·n_H·n_W·n_C) · Σ (a_C − a_G)², with a_C, a_G the LAST outputs"
_GRAM_HINT = "G = A·Aᵀ: entry (i, j) is the dot product of rows i and j of A (n_C × n_C)"
_LAYER_HINT = (
    "unroll each activation to (n_C, n_H·n_W) — reshape to (n_H·n_W, n_C), then transpose — "
    "and J = 1/(4·n_C²·(n_H·n_W)²) · Σ (G_S − G_G)²"
)
_STYLE_HINT = "J_style = Σ_l λ_l · J_style^[l] over (layer, λ) in STYLE_LAYERS and outputs[:-1]"
_TOTAL_HINT = "J = α·J_content + β·J_style"


def _tensor(values: Any, shape: tuple[int, ...]) -> Any:
    import tensorflow as tf

    return tf.constant(np.asarray(values, dtype=np.float32).reshape(shape))


def _scalar(check: Checker, what: str, got: Any, expected: float, hint: str) -> None:
    """``got`` is a single number equal to ``expected``; ``hint`` is the formula."""
    value = check.scalar(what, got, hint="sum over every entry, e.g. tf.reduce_sum")
    if value is not None:
        check.close(what, value, expected, atol=1e-6, rtol=1e-5, hint=hint)


# Layer 1: a_S (1, 1, 2, 2) = positions [1, 0] and [0, 1] → F_S = I (2×2) → G_S = I;
# a_G = 0 → G_G = 0. Σ(G_S − G_G)² = 2; J = 2 / (4·2²·2²) = 2/64.
STYLE_1 = ([1, 0, 0, 1], (1, 1, 2, 2))
GENERATED_1 = ([0, 0, 0, 0], (1, 1, 2, 2))
LAYER_1_COST = 2 / 64
# Layer 2: a_S (1, 1, 3, 2), positions [1, 0], [0, 2], [1, 1] → F_S = [[1, 0, 1], [0, 2, 1]],
# G_S = [[2, 1], [1, 5]]; a_G positions [0, 1], [1, 0], [0, 0] → G_G = [[1, 0], [0, 1]].
# G_S − G_G = [[1, 1], [1, 4]] → Σ² = 19; J = 19 / (4·2²·3²) = 19/144.
STYLE_2 = ([1, 0, 0, 2, 1, 1], (1, 1, 3, 2))
GENERATED_2 = ([0, 1, 1, 0, 0, 0], (1, 1, 3, 2))
LAYER_2_COST = 19 / 144


def compute_content_cost_test(target: Callable[..., Any]) -> None:
    """Check ``compute_content_cost(content_output, generated_output)`` on hand-made outputs."""
    check = Checker("compute_content_cost")
    # A style-layer output, the same in both lists: it must be ignored.
    other = _tensor(np.full(12, 7.0), (1, 2, 2, 3))
    # a_C − a_G = 2 everywhere on (1, 2, 2, 3): Σ = 12·4 = 48, J = 48 / (4·2·2·3) = 1.
    a_C, a_G = _tensor(np.full(12, 3.0), (1, 2, 2, 3)), _tensor(np.ones(12), (1, 2, 2, 3))
    got = check.call(target, [other, a_C], [other, a_G])
    _scalar(check, "J_content for a_C − a_G = 2 on a 2×2×3 volume", got, 1.0, _CONTENT_HINT)
    # (1, 2, 3, 4): a_C = 0..23, a_G = 23..0 → a_C − a_G = ±1, ±3, …, ±23;
    # Σ = 2·(1² + 3² + … + 23²) = 4600, J = 4600 / (4·2·3·4) = 4600/96.
    a_C = _tensor(np.arange(24), (1, 2, 3, 4))
    a_G = _tensor(np.arange(24)[::-1], (1, 2, 3, 4))
    other = _tensor(np.full(24, 7.0), (1, 2, 3, 4))
    got = check.call(target, [other, a_C], [other, a_G])
    _scalar(check, "J_content on a 2×3×4 volume", got, 4600 / 96, _CONTENT_HINT)
    check.done()


def gram_matrix_test(target: Callable[..., Any]) -> None:
    """Check ``gram_matrix(A)`` on two hand-computed matrices."""
    check = Checker("gram_matrix")
    # rows (1, 2, 0) and (0, 1, −1): 1+4+0 = 5, 0+2+0 = 2, 0+1+1 = 2.
    got = check.call(target, _tensor([1, 2, 0, 0, 1, -1], (2, 3)))
    check.close("gram_matrix([[1, 2, 0], [0, 1, −1]])", got, [[5, 2], [2, 2]], hint=_GRAM_HINT)
    got = check.call(target, _tensor([1, 0, 1, 0, 0, 1, 0, 1, 1, 1, 1, 1], (3, 4)))
    expected = [[2, 0, 2], [0, 2, 2], [2, 2, 4]]
    check.close("the Gram matrix of a 3×4 matrix", got, expected, hint=_GRAM_HINT)
    check.done()


def compute_layer_style_cost_test(target: Callable[..., Any]) -> None:
    """Check ``compute_layer_style_cost(a_S, a_G)`` on two hand-made layers."""
    check = Checker("compute_layer_style_cost")
    got = check.call(target, _tensor(*STYLE_1), _tensor(*GENERATED_1))
    _scalar(check, "J for a_S = I (1×2 positions, 2 channels), a_G = 0", got, 2 / 64, _LAYER_HINT)
    got = check.call(target, _tensor(*STYLE_2), _tensor(*GENERATED_2))
    _scalar(check, "J on a 1×3×2 layer (Σ(G_S − G_G)² = 19)", got, 19 / 144, _LAYER_HINT)
    check.done()


def compute_style_cost_test(target: Callable[..., Any]) -> None:
    """Check ``compute_style_cost`` weighs the layers' costs and ignores the content output."""
    check = Checker("compute_style_cost")
    content = _tensor(np.arange(8.0), (1, 2, 2, 2))  # the last output: the content layer
    style_outputs = [_tensor(*STYLE_1), _tensor(*STYLE_2), content]
    generated_outputs = [_tensor(*GENERATED_1), _tensor(*GENERATED_2), content * 3.0]
    layers = [("layer_1", 0.25), ("layer_2", 0.75)]
    got = check.call(target, style_outputs, generated_outputs, STYLE_LAYERS=layers)
    expected = 0.25 * LAYER_1_COST + 0.75 * LAYER_2_COST  # 1/128 + 19/192
    _scalar(check, "J_style with weights 0.25 and 0.75", got, expected, _STYLE_HINT)
    check.done()


def total_cost_test(target: Callable[..., Any]) -> None:
    """Check ``total_cost(J_content, J_style, alpha=10, beta=40)``."""
    check = Checker("total_cost")
    got = check.call(target, 1.0, 2.0)
    _scalar(check, "total_cost(1, 2) with the default α = 10, β = 40", got, 90.0, _TOTAL_HINT)
    got = check.call(target, 0.5, 0.25, alpha=2, beta=3)
    _scalar(check, "total_cost(0.5, 0.25, alpha=2, beta=3)", got, 1.75, _TOTAL_HINT)
    check.done()


_STEP_HINT = (
    "compute a_G and J inside `with tf.GradientTape() as tape:`, then, after the block, "
    "grad = tape.gradient(J, generated_image) once, optimizer.apply_gradients([(grad, "
    "generated_image)]) and generated_image.assign(clip_0_1(generated_image))"
)


def _explain_step_crash(error: Exception) -> str:
    """What a crash of ``train_step`` means, in the course's terms."""
    text = str(error)
    first = error_line(error)
    if isinstance(error, RuntimeError) and "GradientTape" in text:
        why = (
            "a GradientTape records only inside its `with` block and gives one gradient: the tape "
            "was used without `with tf.GradientTape() as tape:` around the cost, or "
            "tape.gradient was called twice"
        )
    elif "No gradients provided" in text:
        why = (
            "the gradient of J with respect to generated_image is None: J was computed outside "
            "the tape's `with` block (or from NumPy values), so the tape did not record it"
        )
    else:
        return f"train_step raised {type(error).__name__}: {first} (hint: {_STEP_HINT})"
    return f"train_step raised {type(error).__name__}: {first} — {why} (hint: {_STEP_HINT})"


def _steps_taken(target: Callable[..., Any]) -> int:
    """How many steps the optimizer ``train_step`` uses (the notebook's global ``optimizer``) has
    taken already; 0 when it cannot be found (e.g. a function that is not the notebook's)."""
    function = getattr(target, "python_function", target)  # a tf.function wraps the Python one
    optimizer = getattr(function, "__globals__", {}).get("optimizer")
    iterations = getattr(optimizer, "iterations", None)
    return int(np.asarray(iterations)) if iterations is not None else 0


def train_step_test(target: Callable[[Any], Any], generated_image: Any, learning_rate=0.01) -> None:
    """Check two calls of ``train_step(generated_image)`` with a fresh Adam optimizer.

    Properties checked: it returns a finite scalar J; it updates ``generated_image`` in place;
    Adam's first step moves each pixel by about ``learning_rate`` (|m̂/√v̂| = 1); the values stay
    in [0, 1]; the cost of the second call is lower than the first. An optimizer that has already
    stepped (an earlier run of ``train_step``) is reported as such: its next step is not a first
    step, so the test could not judge a correct ``train_step``.
    """
    import tensorflow as tf

    check = Checker("train_step")
    if not isinstance(generated_image, tf.Variable):
        raise ValueError("generated_image must be a tf.Variable (the test updates it)")
    steps = _steps_taken(target)
    if steps:
        raise AssertionError(
            f"train_step's optimizer has already taken {steps} step(s) (train_step ran before "
            "this test, e.g. an earlier attempt or an earlier run of this cell), so Adam's next "
            "step is not a first step: re-run the cell that creates generated_image and "
            "optimizer, then the cell of train_step, then this test"
        )
    before = generated_image.numpy().copy()
    J1 = check.call_or_raise(_explain_step_crash, target, generated_image)
    after = generated_image.numpy().copy()
    if J1 is None:
        check.fail("J is None: did train_step forget to `return J`?")
    elif np.shape(J1) != () or not np.isfinite(np.asarray(J1, np.float64)):
        check.fail(f"train_step must return the cost J as a finite scalar, got {J1!r}")
    moved = np.abs(after - before)
    if check.true(
        moved.max() > 0,
        "generated_image did not change: apply the gradient with "
        "optimizer.apply_gradients([(grad, generated_image)])",
    ):
        check.true(
            after.min() >= 0.0 and after.max() <= 1.0,
            f"generated_image left [0, 1] (min {after.min():.4f}, max {after.max():.4f}): "
            "assign clip_0_1(generated_image) (tf.clip_by_value(…, 0, 1)) after the step",
        )
        inside = (after > 0.0) & (after < 1.0) & (moved > 0)
        typical = float(np.median(moved[inside])) if inside.any() else 0.0
        check.true(
            abs(typical - learning_rate) <= 0.1 * learning_rate,
            f"Adam's first step should move each pixel by about the learning rate "
            f"{learning_rate:g}, but the median move was {typical:.4g} (hint: one "
            "optimizer.apply_gradients per call, with the gradient of J with respect to "
            "generated_image, on a fresh optimizer)",
        )
    J2 = check.call_or_raise(_explain_step_crash, target, generated_image)
    if J1 is not None and J2 is not None and np.shape(J2) == ():
        check.true(
            float(J2) < float(J1),
            f"the cost should fall from the first to the second step: {float(J1):.6g} → "
            f"{float(J2):.6g} (hint: descend the gradient of J = α·J_content + β·J_style)",
        )
    check.done()
