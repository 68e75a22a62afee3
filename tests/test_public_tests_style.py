"""The public tests of notebook 08 pass the instructor's solution and explain typical mistakes.

The solutions are executed from the notebook's own cells (tests/notebook_code.py); the mistakes
are made by editing their source. ``train_step`` runs on a tiny two-layer extractor.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.notebook_code import solution
from tests.public_test_helpers import (
    assert_mentions,
    assert_passes,
    failure,
    failure_mentioning,
    not_implemented,
)
from utils.public_tests import style as tests

NOTEBOOK = "08_neural_style_transfer.ipynb"
STYLE_LAYERS = [("a", 0.5), ("b", 0.5)]
TESTS = {
    "compute_content_cost": tests.compute_content_cost_test,
    "gram_matrix": tests.gram_matrix_test,
    "compute_layer_style_cost": tests.compute_layer_style_cost_test,
    "compute_style_cost": tests.compute_style_cost_test,
    "total_cost": tests.total_cost_test,
}


def namespace(**overrides) -> dict:
    """tf, np and the notebook's cost functions (each optionally replaced by a wrong one)."""
    scope = {"tf": tf, "np": np, "STYLE_LAYERS": STYLE_LAYERS}
    for name in ("gram_matrix", "compute_layer_style_cost", "compute_content_cost", "total_cost"):
        scope[name] = overrides.get(name) or solution(NOTEBOOK, name, scope)
    scope["compute_style_cost"] = overrides.get("compute_style_cost") or solution(
        NOTEBOOK, "compute_style_cost", scope
    )
    return scope


@pytest.mark.parametrize("name", TESTS)
def test_the_solution_passes(name, capsys):
    assert_passes(capsys, TESTS[name], solution(NOTEBOOK, name, namespace()))


@pytest.mark.parametrize("name", [*TESTS, "train_step"])
def test_a_stub_is_reported_as_not_implemented(name):
    if name == "train_step":
        image = tf.Variable(tf.zeros((1, 4, 4, 3)))
        message = failure(tests.train_step_test, not_implemented, image)
    else:
        message = failure(TESTS[name], not_implemented)
    assert "not implemented yet" in message


def test_hand_computed_constants():
    def gram(values, shape):
        a = np.asarray(values, float).reshape(shape)[0].reshape(-1, shape[-1]).T
        return a @ a.T

    g_s, g_g = gram(*tests.STYLE_2), gram(*tests.GENERATED_2)
    np.testing.assert_array_equal(g_s, [[2, 1], [1, 5]])
    np.testing.assert_array_equal(g_g, [[1, 0], [0, 1]])
    assert np.sum((g_s - g_g) ** 2) / (4 * 2**2 * 3**2) == tests.LAYER_2_COST
    assert np.sum(gram(*tests.STYLE_1) ** 2) / (4 * 2**2 * 2**2) == tests.LAYER_1_COST
    odd = np.arange(24) - np.arange(24)[::-1]
    assert np.sum(odd**2) == 4600


# Typical mistakes: a solution's name, an (old, new) edit of its source, what the message must say.
MISTAKES = {
    "content-cost-with-the-mean-is-told-the-normalisation": (
        "compute_content_cost",
        (
            "tf.reduce_sum(tf.square(a_C - a_G)) / (4.0 * n_H * n_W * n_C)",
            "tf.reduce_mean(tf.square(a_C - a_G))",
        ),
        ("J_content for a_C − a_G = 2 on a 2×2×3 volume", "got 4, expected 1", "1/(4·n_H·n_W·n_C)"),
    ),
    "content-cost-on-the-first-output": (
        "compute_content_cost",
        ("a_C = content_output[-1]", "a_C = content_output[0]"),
        ("the LAST outputs",),
    ),
    "content-cost-without-the-sum-is-told-to-return-a-scalar": (
        "compute_content_cost",
        (
            "tf.reduce_sum(tf.square(a_C - a_G)) / (4.0 * n_H * n_W * n_C)",
            "tf.square(a_C - a_G) / (4.0 * n_H * n_W * n_C)",
        ),
        ("but a scalar was expected",),
    ),
    "gram-of-the-transpose-is-told-the-shape": (
        "gram_matrix",
        ("tf.matmul(A, tf.transpose(A))", "tf.matmul(tf.transpose(A), A)"),
        ("shape (3, 3) but (2, 2) was expected", "G = A·Aᵀ"),
    ),
    "gram-that-forgets-to-return": (
        "gram_matrix",
        ("return GA", "return None"),
        ("forget to `return`",),
    ),
    "layer-style-cost-without-the-transpose": (
        "compute_layer_style_cost",
        (
            "a_S = tf.transpose(tf.reshape(a_S, [-1, n_C]))\n"
            "    a_G = tf.transpose(tf.reshape(a_G, [-1, n_C]))",
            "a_S = tf.reshape(a_S, [n_C, -1])\n    a_G = tf.reshape(a_G, [n_C, -1])",
        ),
        ("J on a 1×3×2 layer", "got 0.3125, expected 0.131944", "then transpose"),
    ),
    "layer-style-cost-with-a-wrong-normalisation": (
        "compute_layer_style_cost",
        ("(4.0 * n_C**2 * (n_H * n_W) ** 2)", "(4.0 * n_C * n_H * n_W)"),
        ("1/(4·n_C²·(n_H·n_W)²)",),
    ),
    "style-cost-without-the-weights": (
        "compute_style_cost",
        ("J_style += weight * compute_layer_style_cost", "J_style += compute_layer_style_cost"),
        ("J_style with weights 0.25 and 0.75", "Σ_l λ_l"),
    ),
    "total-cost-with-swapped-weights": (
        "total_cost",
        ("alpha * J_content + beta * J_style", "beta * J_content + alpha * J_style"),
        ("got 60, expected 90", "J = α·J_content + β·J_style"),
    ),
}


@pytest.mark.parametrize(("name", "replace", "fragments"), MISTAKES.values(), ids=MISTAKES)
def test_a_mistake_is_caught_and_explained(name, replace, fragments):
    wrong = solution(NOTEBOOK, name, namespace(), replace)
    failure_mentioning(TESTS[name], wrong, *fragments)


# --- train_step, on a tiny extractor: two conv layers (style: the first, content: the second)


def train_step_scope(replace: tuple[str, str] | None = None) -> tuple:
    """The arguments of train_step_test: the solution (with one optional edit), an image."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 3))
    first = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    second = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(first)
    extractor = keras.Model(inputs, [first, second])
    rng = np.random.default_rng(0)
    content = rng.random((1, 8, 8, 3)).astype(np.float32)
    style = rng.random((1, 8, 8, 3)).astype(np.float32)
    scope = namespace()
    scope.update(
        STYLE_LAYERS=[("first", 1.0)],
        vgg_model_outputs=extractor,
        a_C=extractor(content),
        a_S=extractor(style),
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        ALPHA=10,
        BETA=40,
        clip_0_1=lambda image: tf.clip_by_value(image, 0.0, 1.0),
    )
    scope["compute_style_cost"] = solution(NOTEBOOK, "compute_style_cost", scope)
    step = solution(NOTEBOOK, "train_step", scope, replace)
    noisy = np.clip(content + rng.uniform(-0.25, 0.25, content.shape), 0, 1).astype(np.float32)
    return step, tf.Variable(noisy)


def test_train_step_solution_passes(capsys):
    assert_passes(capsys, tests.train_step_test, *train_step_scope())


# Typical mistakes in train_step: an (old, new) edit of its source, what the message must say.
TRAIN_STEP_MISTAKES = {
    "without-clipping": (
        ("generated_image.assign(clip_0_1(generated_image))", "pass"),
        ("generated_image left [0, 1]", "tf.clip_by_value"),
    ),
    "that-does-not-apply-the-gradient": (
        ("optimizer.apply_gradients([(grad, generated_image)])", "grad = grad"),
        ("generated_image did not change",),
    ),
    "that-ascends": (
        ("[(grad, generated_image)]", "[(-grad, generated_image)]"),
        ("the cost should fall",),
    ),
    "that-steps-twice": (
        (
            "optimizer.apply_gradients([(grad, generated_image)])",
            "optimizer.apply_gradients([(grad, generated_image)])\n"
            "    optimizer.apply_gradients([(grad, generated_image)])",
        ),
        ("move each pixel by about the learning rate",),
    ),
    "that-forgets-to-return": (
        ("    return J", "    return None"),
        ("forget to `return J`",),
    ),
}


@pytest.mark.parametrize(
    ("replace", "fragments"), TRAIN_STEP_MISTAKES.values(), ids=TRAIN_STEP_MISTAKES
)
def test_a_train_step_mistake_is_caught_and_explained(replace, fragments):
    assert_mentions(failure(tests.train_step_test, *train_step_scope(replace)), *fragments)


def test_train_step_needs_a_variable():
    step, image = train_step_scope()
    with pytest.raises(ValueError, match="tf.Variable"):
        tests.train_step_test(step, tf.constant(image))


def test_train_step_on_an_optimizer_that_already_stepped_says_to_rerun_its_cell():
    """The learner's trap: a first (wrong) attempt moved the notebook's optimizer; after the fix
    the test says what to re-run instead of blaming the correct train_step."""
    step, image = train_step_scope()
    step(image)  # an earlier run: the optimizer's first step is taken
    assert_mentions(
        failure(tests.train_step_test, step, image),
        "already taken 1 step(s)",
        "re-run the cell that creates generated_image and optimizer",
    )
