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


def failure(name: str, replace: tuple[str, str]) -> str:
    with pytest.raises(AssertionError) as info:
        TESTS[name](solution(NOTEBOOK, name, namespace(), replace))
    return str(info.value)


@pytest.mark.parametrize("name", TESTS)
def test_the_solution_passes(name, capsys):
    TESTS[name](solution(NOTEBOOK, name, namespace()))
    assert capsys.readouterr().out == "All tests passed\n"


@pytest.mark.parametrize("name", [*TESTS, "train_step"])
def test_a_stub_is_reported_as_not_implemented(name):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="not implemented yet"):
        if name == "train_step":
            tests.train_step_test(stub, tf.Variable(tf.zeros((1, 4, 4, 3))))
        else:
            TESTS[name](stub)


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


def test_content_cost_with_the_mean_is_told_the_normalisation():
    message = failure(
        "compute_content_cost",
        (
            "tf.reduce_sum(tf.square(a_C - a_G)) / (4.0 * n_H * n_W * n_C)",
            "tf.reduce_mean(tf.square(a_C - a_G))",
        ),
    )
    assert "J_content for a_C − a_G = 2 on a 2×2×3 volume" in message
    assert "got 4, expected 1" in message and "1/(4·n_H·n_W·n_C)" in message


def test_content_cost_on_the_first_output_is_caught():
    message = failure(
        "compute_content_cost", ("a_C = content_output[-1]", "a_C = content_output[0]")
    )
    assert "the LAST outputs" in message


def test_content_cost_without_the_sum_is_told_to_return_a_scalar():
    message = failure(
        "compute_content_cost",
        (
            "tf.reduce_sum(tf.square(a_C - a_G)) / (4.0 * n_H * n_W * n_C)",
            "tf.square(a_C - a_G) / (4.0 * n_H * n_W * n_C)",
        ),
    )
    assert "but a scalar was expected" in message


def test_gram_of_the_transpose_is_told_the_shape():
    message = failure(
        "gram_matrix", ("tf.matmul(A, tf.transpose(A))", "tf.matmul(tf.transpose(A), A)")
    )
    assert "shape (3, 3) but (2, 2) was expected" in message and "G = A·Aᵀ" in message


def test_gram_that_forgets_to_return_is_caught():
    message = failure("gram_matrix", ("return GA", "return None"))
    assert "forget to `return`" in message


def test_layer_style_cost_without_the_transpose_is_caught():
    message = failure(
        "compute_layer_style_cost",
        (
            "a_S = tf.transpose(tf.reshape(a_S, [-1, n_C]))\n"
            "    a_G = tf.transpose(tf.reshape(a_G, [-1, n_C]))",
            "a_S = tf.reshape(a_S, [n_C, -1])\n    a_G = tf.reshape(a_G, [n_C, -1])",
        ),
    )
    assert "J on a 1×3×2 layer" in message and "got 0.3125, expected 0.131944" in message
    assert "then transpose" in message


def test_layer_style_cost_with_a_wrong_normalisation_is_caught():
    message = failure(
        "compute_layer_style_cost", ("(4.0 * n_C**2 * (n_H * n_W) ** 2)", "(4.0 * n_C * n_H * n_W)")
    )
    assert "1/(4·n_C²·(n_H·n_W)²)" in message


def test_style_cost_without_the_weights_is_caught():
    message = failure(
        "compute_style_cost",
        ("J_style += weight * compute_layer_style_cost", "J_style += compute_layer_style_cost"),
    )
    assert "J_style with weights 0.25 and 0.75" in message and "Σ_l λ_l" in message


def test_total_cost_with_swapped_weights_is_caught():
    message = failure(
        "total_cost", ("alpha * J_content + beta * J_style", "beta * J_content + alpha * J_style")
    )
    assert "got 60, expected 90" in message and "J = α·J_content + β·J_style" in message


# --- train_step, on a tiny extractor: two conv layers (style: the first, content: the second)


def train_step_scope(replace: tuple[str, str] | None = None) -> tuple:
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


def train_step_failure(replace: tuple[str, str]) -> str:
    step, image = train_step_scope(replace)
    with pytest.raises(AssertionError) as info:
        tests.train_step_test(step, image)
    return str(info.value)


def test_train_step_solution_passes(capsys):
    step, image = train_step_scope()
    tests.train_step_test(step, image)
    assert capsys.readouterr().out == "All tests passed\n"


def test_train_step_without_clipping_is_caught():
    message = train_step_failure(("generated_image.assign(clip_0_1(generated_image))", "pass"))
    assert "generated_image left [0, 1]" in message and "tf.clip_by_value" in message


def test_train_step_that_does_not_apply_the_gradient_is_caught():
    message = train_step_failure(
        ("optimizer.apply_gradients([(grad, generated_image)])", "grad = grad")
    )
    assert "generated_image did not change" in message


def test_train_step_that_ascends_is_caught():
    message = train_step_failure(("[(grad, generated_image)]", "[(-grad, generated_image)]"))
    assert "the cost should fall" in message


def test_train_step_that_steps_twice_is_caught():
    message = train_step_failure(
        (
            "optimizer.apply_gradients([(grad, generated_image)])",
            "optimizer.apply_gradients([(grad, generated_image)])\n"
            "    optimizer.apply_gradients([(grad, generated_image)])",
        )
    )
    assert "move each pixel by about the learning rate" in message


def test_train_step_that_forgets_to_return_is_caught():
    message = train_step_failure(("    return J", "    return None"))
    assert "forget to `return J`" in message


def test_train_step_needs_a_variable():
    step, image = train_step_scope()
    with pytest.raises(ValueError, match="tf.Variable"):
        tests.train_step_test(step, tf.constant(image))
