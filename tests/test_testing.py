"""utils.testing: the Checker's diagnostics, and the layer-by-layer model summary/comparison."""

from __future__ import annotations

import numpy as np
import pytest

from utils.testing import (
    Checker,
    Difference,
    check_earlier,
    compare_summaries,
    error_line,
    hint_suffix,
    layer_kind,
    learner_line,
    require_callable,
    summary,
)


def failure_of(check: Checker) -> str:
    """The message done() raises (the test fails if done() passes)."""
    with pytest.raises(AssertionError) as info:
        check.done()
    return str(info.value)


# --- Checker.close and done --------------------------------------------------------------------


def test_close_on_equal_arrays_passes_and_prints_exactly_all_tests_passed(capsys):
    check = Checker("conv2d")
    values = np.arange(12.0).reshape(3, 4)
    assert check.close("the output", values.copy(), values) is True
    assert check.close("a list", values.tolist(), values) is True
    assert check.close("within tolerance", values + 1e-7, values) is True
    check.done()
    assert capsys.readouterr().out == "All tests passed\n"


def test_close_scalar():
    check = Checker("mean")
    assert check.close("the mean", 2.5, 2.5)
    assert not check.close("the mean", 2.0, 2.5)
    message = failure_of(check)
    assert "got 2" in message and "expected 2.5" in message


def test_close_respects_atol_and_rtol():
    check = Checker("f")
    assert check.close("x", [1.05], [1.0], atol=0.1)
    assert check.close("x", [101.0], [100.0], atol=0.0, rtol=0.02)
    assert not check.close("x", [1.05], [1.0])
    assert len(check.failures) == 1


def test_close_names_a_usual_mistake_it_recognises():
    expected = np.array([1.0, 2.0, 3.0])
    mistakes = [(expected**2, "it is squared"), (lambda: expected + 1, "the bias is added twice")]
    check = Checker("f")
    assert check.close("y", expected, expected, mistakes=mistakes)
    assert not check.close("y", expected + 1, expected, mistakes=mistakes)
    assert not check.close("y", expected * 3, expected, mistakes=mistakes)
    assert check.failures[0] == "y: the bias is added twice"
    assert check.failures[1].startswith("y: 3 of 3 values are wrong")


def test_shape_mismatch_names_both_shapes_and_the_hint(capsys):
    check = Checker("conv2d")
    ok = check.close("the output", np.zeros((4, 5)), np.zeros((3, 3)), hint="H - f + 1")
    assert ok is False
    message = failure_of(check)
    assert "conv2d" in message
    assert "the output" in message
    assert "(4, 5)" in message
    assert "(3, 3)" in message
    assert "H - f + 1" in message
    assert capsys.readouterr().out == ""  # no "All tests passed" on failure


def test_value_mismatch_gives_index_got_expected_and_count():
    expected = np.zeros((3, 4))
    got = expected.copy()
    got[1, 2] = 5.0  # the worst error
    got[0, 0] = 0.5
    check = Checker("relu")
    assert not check.close("the activation", got, expected, hint="max(0, x)")
    message = failure_of(check)
    assert "the activation" in message
    assert "2 of 12" in message
    assert "(1, 2)" in message
    assert "got 5" in message
    assert "expected 0" in message
    assert "max(0, x)" in message


def test_none_result_mentions_return():
    check = Checker("pad")
    assert not check.close("the padded image", None, np.zeros((2, 2)))
    message = failure_of(check)
    assert "`return`" in message
    assert "pad" in message


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_is_a_failure(bad):
    got = np.ones((2, 2))
    got[0, 1] = bad
    check = Checker("softmax")
    assert not check.close("the probabilities", got, np.ones((2, 2)))
    assert "NaN" in failure_of(check)


def test_equal_true_and_shape_helpers():
    check = Checker("f")
    assert check.equal("the stride", 2, 2)
    assert not check.equal("the stride", 1, 2, hint="s")
    assert check.true(True, "never recorded")
    assert not check.true(False, "the condition failed")
    assert check.shape("y", np.zeros((2, 3)), (2, 3))
    assert not check.shape("y", np.zeros((2, 3)), (3, 2), hint="transpose?")
    assert len(check.failures) == 3
    assert "got 1 but 2 was expected (hint: s)" in check.failures[0]
    assert check.failures[1] == "the condition failed"
    assert "transpose?" in check.failures[2]


def test_shape_of_none_mentions_return_and_the_hint():
    check = Checker("pad")
    assert not check.shape("X_pad", None, (2, 2), hint="n + 2·pad")
    assert check.failures == ["X_pad is None: did pad forget to `return` it? (hint: n + 2·pad)"]
    assert not check.shape("X_pad", np.zeros(3), (2, 2))
    assert check.failures[1] == "pad returned X_pad of shape (3,) but (2, 2) was expected"


def test_hint_suffix():
    assert hint_suffix("n + 2·pad") == " (hint: n + 2·pad)"
    assert hint_suffix("") == ""


# --- Checker.scalar ----------------------------------------------------------------------------


def test_scalar_returns_a_float_for_numbers_and_0d_arrays():
    check = Checker("cost")
    assert check.scalar("J", 2) == 2.0
    assert check.scalar("J", np.float32(0.5)) == 0.5
    assert check.scalar("J", np.array(1.5)) == 1.5
    assert check.failures == []


def test_scalar_explains_none_non_numbers_and_arrays():
    check = Checker("cost")
    assert check.scalar("J", None) is None
    assert check.scalar("J", "1.0 + 2") is None
    assert check.scalar("J", np.zeros((1, 2)), hint="tf.reduce_sum") is None
    custom = "{what} should be a scalar but has shape {shape}"
    assert check.scalar("the loss", [1.0], not_scalar=custom) is None
    assert check.failures == [
        "J is None: did cost forget to `return` it?",
        "J should be a number, got str",
        "cost returned J of shape (1, 2), but a scalar was expected (hint: tf.reduce_sum)",
        "the loss should be a scalar but has shape (1,)",
    ]


def test_scalar_refuses_nan_and_infinity():
    check = Checker("triplet_loss")
    assert check.scalar("the loss", np.float32("nan")) is None
    assert check.scalar("the loss", -np.inf) is None
    assert check.failures == [
        "the loss is nan, not a finite number",
        "the loss is -inf, not a finite number",
    ]


def test_done_lists_every_failure_not_just_the_first():
    check = Checker("max_pool")
    check.close("the shape check", np.zeros((2, 2)), np.zeros((3, 3)))
    check.close("the values", np.ones(3), np.zeros(3))
    check.equal("the pool size", 3, 2)
    message = failure_of(check)
    assert "max_pool" in message
    assert "3 check(s) failed" in message
    assert "the shape check" in message
    assert "the values" in message
    assert "the pool size" in message
    assert message.count("\n  - ") == 3


# --- Checker.call ------------------------------------------------------------------------------


def test_call_returns_the_result():
    check = Checker("add")
    assert check.call(lambda a, b=0: a + b, 2, b=3) == 5


def test_call_turns_not_implemented_into_an_assertion_error():
    def stub(x):
        raise NotImplementedError()

    check = Checker("zero_pad")
    with pytest.raises(AssertionError, match="NotImplementedError") as info:
        check.call(stub, 1)
    assert "zero_pad" in str(info.value)


def broken(x):
    values = {"W1": x}
    return values["W2"]  # the learner's line


def test_call_explains_a_crash_with_the_learners_line():
    check = Checker("forward")
    with pytest.raises(AssertionError) as info:
        check.call(broken, 1)
    assert str(info.value) == (
        "forward raised KeyError: 'W2'; your code, line "
        f"{broken.__code__.co_firstlineno + 2}, in broken: "
        'return values["W2"]  # the learner\'s line'
    )
    assert isinstance(info.value.__cause__, KeyError)
    assert check.failures == []


def test_case_names_the_input_and_the_hint_inside_its_block_only():
    check = Checker("forward")
    with check.case("X of shape (2, 3)", hint="read W1"), pytest.raises(AssertionError) as info:
        check.call(broken, 1)
    assert " — on X of shape (2, 3); your code, line " in str(info.value)
    assert str(info.value).endswith(" (hint: read W1)")
    with pytest.raises(AssertionError) as info:
        check.call(broken, 1)
    assert "on X" not in str(info.value) and "hint" not in str(info.value)


def test_a_crash_inside_a_library_points_at_the_learners_call():
    def learner(x):
        return np.reshape(x, (4, 4))  # the learner's line; NumPy raises

    with pytest.raises(AssertionError) as info:
        Checker("flatten").call(learner, np.zeros(3))
    message = str(info.value)
    assert message.startswith("flatten raised ValueError: cannot reshape array of size 3")
    assert "in learner: return np.reshape(x, (4, 4))" in message


def test_learner_line_is_empty_when_only_libraries_ran():
    with pytest.raises(ValueError) as info:
        np.reshape(np.zeros(3), (4, 4))
    assert learner_line(info.value.with_traceback(info.value.__traceback__.tb_next)) == ""


def test_attempt_records_the_crash_and_goes_on():
    check = Checker("forward")
    assert check.attempt(lambda a, b=0: a + b, 2, b=3) == (True, 5)
    with check.case("the first case"):
        assert check.attempt(broken, 1) == (False, None)
    assert len(check.failures) == 1
    assert check.failures[0].startswith("forward raised KeyError: 'W2' — on the first case; ")


def test_attempt_lets_a_stub_and_the_learners_assert_through():
    def stub(x):
        raise NotImplementedError()

    def asserts(x):
        raise AssertionError("the learner's own assert")

    check = Checker("zero_pad")
    with pytest.raises(AssertionError, match="zero_pad is not implemented yet"):
        check.attempt(stub, 1)
    with pytest.raises(AssertionError, match="^the learner's own assert$"):
        check.attempt(asserts, 1)
    assert check.failures == []


def explain(err: Exception) -> str:
    return f"dot(x) raised {type(err).__name__}: {err}"


def test_call_or_raise_returns_the_result_or_explains_the_crash():
    error = ValueError("shapes (3,) and (4,) not aligned")

    def crashes(x):
        raise error

    check = Checker("dot")
    # keyword arguments reach the function, whatever their names
    assert check.call_or_raise(explain, lambda a, function=0: a + function, 2, function=3) == 5
    with pytest.raises(AssertionError) as info:
        check.call_or_raise(explain, crashes, 1)
    assert str(info.value).startswith("dot(x) raised ValueError: shapes (3,) and (4,) not aligned")
    assert str(info.value).endswith("in crashes: raise error")
    assert info.value.__cause__ is error
    assert check.failures == []


def test_call_or_fail_records_the_crash_and_goes_on():
    def crashes(x):
        raise KeyError("W1")

    check = Checker("dot")
    assert check.call_or_fail(explain, lambda a, explain=0: a + explain, 2, explain=3) == (True, 5)
    assert check.call_or_fail(explain, crashes, 1) == (False, None)
    assert len(check.failures) == 1
    assert check.failures[0].startswith("dot(x) raised KeyError: 'W1'; your code, line ")


@pytest.mark.parametrize("method", ["call_or_raise", "call_or_fail"])
def test_call_variants_report_a_stub_and_pass_assertion_errors_through(method):
    def stub(x):
        raise NotImplementedError()

    def asserts(x):
        raise AssertionError("the learner's own assert")

    check = Checker("zero_pad")
    with pytest.raises(AssertionError, match="zero_pad is not implemented yet"):
        getattr(check, method)(explain, stub, 1)
    with pytest.raises(AssertionError, match="^the learner's own assert$"):
        getattr(check, method)(explain, asserts, 1)
    assert check.failures == []


def earlier_test(function):
    """A public test of an earlier exercise: f(2) must be 4."""
    if function(2) != 4:
        raise AssertionError(f"f(2) is {function(2)} but 4 was expected")


def test_check_earlier_blames_the_earlier_exercise_a_function_calls():
    namespace = {}
    exec("def f(x):\n    return x + 1\ndef g(x):\n    return f(x) * 2\n", namespace)
    with pytest.raises(AssertionError) as info:
        check_earlier(namespace["g"], "f", 2, earlier_test)
    assert str(info.value) == (
        "your `f` (exercise 2) is wrong, and g calls it; fix it first: f(2) is 3 but 4 was expected"
    )


def test_check_earlier_sees_a_call_inside_a_generator_expression():
    namespace = {}
    exec("def f(x):\n    return x + 1\ndef g(xs):\n    return all(f(x) for x in xs)\n", namespace)
    with pytest.raises(AssertionError, match=r"your `f` \(exercise 2\) is wrong, and g calls it"):
        check_earlier(namespace["g"], "f", 2, earlier_test)


def test_check_earlier_passes_a_right_or_unused_earlier_function(capsys):
    namespace = {}
    exec("def f(x):\n    return x * x\ndef g(x):\n    return f(x) * 2\n", namespace)
    check_earlier(namespace["g"], "f", 2, earlier_test)
    exec("def f(x):\n    return 0\ndef h(x):\n    return x * 4\n", namespace)
    check_earlier(namespace["h"], "f", 2, earlier_test)  # h does not call f
    check_earlier(len, "f", 2, earlier_test)  # no Python code to look into
    assert capsys.readouterr().out == ""


def test_require_callable():
    require_callable(len, "zero_pad")
    with pytest.raises(TypeError) as info:
        require_callable(None, "zero_pad")
    assert (
        str(info.value)
        == "zero_pad_test(target): expected the function zero_pad itself, got NoneType"
    )


# --- Checker.unchanged -------------------------------------------------------------------------


def test_unchanged_detects_in_place_modification():
    image = np.arange(6.0).reshape(2, 3)
    before = image.copy()
    image[0, 0] = -1.0  # what a careless learner's function does
    check = Checker("normalise")
    assert not check.unchanged("image", before, image)
    message = failure_of(check)
    assert "normalise" in message and "image" in message and "in place" in message


def test_unchanged_passes_on_untouched_input(capsys):
    image = np.arange(6.0).reshape(2, 3)
    check = Checker("normalise")
    assert check.unchanged("image", image.copy(), image)
    check.done()
    assert capsys.readouterr().out == "All tests passed\n"


def test_unchanged_accepts_untouched_input_with_nan():
    image = np.array([[0.0, np.nan], [1.0, 2.0]])
    check = Checker("fill_missing")
    assert check.unchanged("image", image.copy(), image)


def test_preserves_checks_every_input_in_order_after_the_block():
    image, kernel, bias = np.ones((2, 2)), np.ones((1, 1)), np.zeros(1)
    check = Checker("conv")
    with check.preserves(kernel=kernel, image=image, bias=bias):
        image *= 2  # what a careless learner's function does
        kernel[0, 0] = 0.0
    assert check.failures == [
        "conv modified its input kernel in place; work on a copy",
        "conv modified its input image in place; work on a copy",
    ]


def test_preserves_checks_nothing_when_the_block_raises():
    image = np.ones(3)
    check = Checker("conv")
    with pytest.raises(ValueError), check.preserves(image=image):
        image[0] = 5.0
        raise ValueError("crash")
    assert check.failures == []


# --- summary and compare_summaries -------------------------------------------------------------


@pytest.fixture(scope="module")
def keras():
    import keras

    return keras


def build_sequential(keras):
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )


def build_functional(keras):
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(3, activation="softmax")(x)
    return keras.Model(inputs, outputs)


EXPECTED_ROWS = [
    ["Conv2D", (None, 8, 8, 4), 40, 4, (3, 3), (1, 1), "same", "relu"],
    ["MaxPooling2D", (None, 4, 4, 4), 0, (2, 2), (2, 2), "valid"],
    ["Flatten", (None, 64), 0],
    ["Dense", (None, 3), 195, 3, "softmax"],
]


def check_rows(model, rows):
    assert len(rows) == len(model.layers)
    for row, layer in zip(rows, model.layers, strict=True):
        assert row[0] == type(layer).__name__
        assert row[1][0] is None  # batch dimension
        assert row[2] == layer.count_params()


def test_summary_of_a_sequential_model(keras):
    model = build_sequential(keras)
    rows = summary(model)
    check_rows(model, rows)
    assert rows == EXPECTED_ROWS
    conv = rows[0]
    assert "same" in conv and "relu" in conv
    assert conv[2] == 3 * 3 * 1 * 4 + 4


def test_summary_of_a_functional_model_includes_the_input_layer(keras):
    model = build_functional(keras)
    rows = summary(model)
    check_rows(model, rows)
    assert rows[0] == ["InputLayer", (None, 8, 8, 1), 0]
    assert rows[1:] == EXPECTED_ROWS


def test_summary_of_dropout_and_strides(keras):
    model = keras.Sequential(
        [
            keras.Input((9, 9, 3)),
            keras.layers.Conv2D(2, (3, 5), strides=2, padding="valid"),
            keras.layers.Dropout(0.25),
        ]
    )
    conv, dropout = summary(model)
    assert conv == [
        "Conv2D",
        (None, 4, 3, 2),
        3 * 5 * 3 * 2 + 2,
        2,
        (3, 5),
        (2, 2),
        "valid",
        "linear",
    ]
    assert dropout[:3] == ["Dropout", (None, 4, 3, 2), 0]
    assert 0.25 in dropout


@pytest.mark.parametrize("thing", [None, "model", [1, 2], object()])
def test_summary_rejects_non_models(thing):
    with pytest.raises(ValueError, match="keras.Model"):
        summary(thing)


def test_summary_rejects_a_layer(keras):
    with pytest.raises(ValueError, match="keras.Model"):
        summary(keras.layers.Dense(3))


def test_summary_rejects_an_unbuilt_model(keras):
    model = keras.Sequential([keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="built"):
        summary(model)


def test_compare_summaries_finds_no_difference_in_identical_summaries(keras):
    assert (
        compare_summaries(summary(build_sequential(keras)), summary(build_sequential(keras))) == []
    )


def test_compare_summaries_names_the_first_differing_layer(keras):
    expected = summary(build_sequential(keras))
    learner = [list(row) for row in expected]
    learner[1][-1] = "same"  # MaxPooling2D padding
    learner[3][-1] = "relu"  # a later difference is not reported
    differences = compare_summaries(learner, expected)
    assert len(differences) == 1
    layer, message = differences[0]
    assert layer == 1 and message.startswith("layer 1 ")
    assert "'same'" in message and "'valid'" in message
    assert "layer 3" not in message


def test_compare_summaries_reports_a_layer_count_mismatch(keras):
    expected = summary(build_sequential(keras))
    assert compare_summaries(expected[:-1], expected) == [
        Difference(None, "it has 3 layers but 4 were expected")
    ]
    longer = [*expected, ["Dense", (None, 1), 4, 1, "linear"]]
    assert compare_summaries(longer, expected) == [
        Difference(None, "it has 5 layers but 4 were expected")
    ]


def test_compare_summaries_reports_count_and_first_difference_together(keras):
    expected = summary(build_sequential(keras))
    learner = [["Conv2D", (None, 8, 8, 4), 40, 4, (3, 3), (1, 1), "valid", "relu"]]
    count, first = compare_summaries(learner, expected)
    assert count == (None, "it has 1 layers but 4 were expected")
    assert first.layer == 0 and first.message.startswith("layer 0 ")


def test_layer_kind_names_every_spelling_of_relu_and_relu6_alike(keras):
    import tensorflow as tf

    layers = keras.layers
    relu = [layers.ReLU(), layers.Activation("relu"), layers.Activation(tf.nn.relu)]
    relu6 = [layers.ReLU(max_value=6.0), layers.Activation("relu6"), layers.Activation(tf.nn.relu6)]
    assert [layer_kind(layer) for layer in relu] == ["ReLU"] * 3
    assert [layer_kind(layer) for layer in relu6] == ["ReLU6"] * 3
    assert layer_kind(layers.ReLU(negative_slope=0.1)) == (
        "ReLU(max_value=None, negative_slope=0.1, threshold=0.0)"
    )
    assert layer_kind(layers.Activation("sigmoid")) == "Activation"
    assert layer_kind(layers.Dense(2)) == "Dense"


def test_summary_of_relu_spellings_is_the_same(keras):
    def model(relu):
        inputs = keras.Input((4, 4, 2))
        return keras.Model(inputs, relu(keras.layers.BatchNormalization()(inputs)))

    rows = summary(model(keras.layers.ReLU()))
    assert rows == summary(model(keras.layers.Activation("relu")))
    assert rows[-1] == ["ReLU", (None, 4, 4, 2), 0]


def test_summary_folds_an_activation_layer_into_the_linear_layer_it_follows(keras):
    def model(*layers):
        return keras.Sequential([keras.Input((8, 8, 1)), *layers])

    fused = summary(model(keras.layers.Conv2D(4, 3, activation="relu"), keras.layers.Flatten()))
    separate = model(keras.layers.Conv2D(4, 3), keras.layers.ReLU(), keras.layers.Flatten())
    assert summary(separate) == fused
    softmax = model(
        keras.layers.Flatten(), keras.layers.Dense(3), keras.layers.Activation("softmax")
    )
    assert summary(softmax)[-1] == ["Dense", (None, 3), 195, 3, "softmax"]
    # not folded: after a layer with its own activation, after a layer without one (BN)
    twice = summary(model(keras.layers.Conv2D(4, 3, activation="relu"), keras.layers.ReLU()))
    assert [row[0] for row in twice] == ["Conv2D", "ReLU"]
    twice = summary(model(keras.layers.Conv2D(4, 3), keras.layers.ReLU(), keras.layers.ReLU()))
    assert [row[0] for row in twice] == ["Conv2D", "ReLU"] and twice[0][-1] == "relu"
    after_bn = summary(model(keras.layers.BatchNormalization(), keras.layers.ReLU()))
    assert [row[0] for row in after_bn] == ["BatchNormalization", "ReLU"]


def test_summary_folds_activations_of_parallel_branches(keras):
    inputs = keras.Input((4, 4, 2))
    branches = [keras.layers.Conv2D(n, 1)(inputs) for n in (1, 2)]  # both convolutions first
    outputs = keras.layers.Concatenate()([keras.layers.ReLU()(b) for b in branches])
    rows = summary(keras.Model(inputs, outputs))
    assert [row[0] for row in rows] == ["InputLayer", "Conv2D", "Conv2D", "Concatenate"]
    assert rows[1][-1] == rows[2][-1] == "relu"


def test_summary_keeps_an_activation_of_a_shared_output(keras):
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(3)(inputs)
    outputs = [keras.layers.ReLU()(hidden), keras.layers.Dense(2)(hidden)]
    rows = summary(keras.Model(inputs, outputs))
    assert [row[0] for row in rows] == ["InputLayer", "Dense", "ReLU", "Dense"]


def test_a_crash_inside_a_tf_function_shows_the_learners_line():
    import tensorflow as tf

    @tf.function
    def step(x):
        return tf.reshape(x * 2, (4, 4))  # the learner's line

    with pytest.raises(AssertionError) as info:
        Checker("step").call(step, tf.zeros(3))
    message = str(info.value)
    assert message.startswith("step raised ValueError: Cannot reshape a tensor with 3 elements")
    assert message.endswith(
        f"; your code, line {step.python_function.__code__.co_firstlineno + 2}, in step: "
        "return tf.reshape(x * 2, (4, 4))  # the learner's line"
    )


def test_error_line_is_the_first_line_or_the_last_after_in_user_code():
    assert error_line(ValueError("shapes differ\nmore detail")) == "shapes differ"
    quoted = (
        'in user code:\n\n    File "cell", line 3, in step  *\n        y = x\n\n    KeyError: 2'
    )
    assert error_line(ValueError(quoted)) == "KeyError: 2"
    assert error_line(ValueError()) == ""
    keras_error = (
        "Exception encountered when calling AveragePooling2D.call().\n\n\x1b[1mComputed output "
        "size would be zero or negative.\x1b[0m\n\nArguments received by AveragePooling2D.call()"
    )
    assert error_line(ValueError(keras_error)) == (
        "in AveragePooling2D: Computed output size would be zero or negative."
    )


def test_summary_of_operations_is_that_of_the_layers_that_compute_the_same(keras):
    def model(add, relu):
        inputs = keras.Input((4, 4, 2))
        return keras.Model(inputs, relu(add(keras.layers.Conv2D(2, 1)(inputs), inputs)))

    layers = summary(model(lambda x, y: keras.layers.Add()([x, y]), keras.layers.ReLU()))
    operations = summary(model(lambda x, y: x + y, keras.ops.relu))
    assert operations == layers
    assert [row[0] for row in layers] == ["InputLayer", "Conv2D", "Add", "ReLU"]
