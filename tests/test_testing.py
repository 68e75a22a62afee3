"""utils.testing: the Checker's diagnostics, and the layer-by-layer model summary/comparator."""

from __future__ import annotations

import numpy as np
import pytest

from utils.testing import Checker, comparator, summary


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


def test_call_lets_other_exceptions_through_unchanged():
    error = ValueError("shapes (3,) and (4,) not aligned")

    def broken(x):
        raise error

    with pytest.raises(ValueError) as info:
        Checker("dot").call(broken, 1)
    assert info.value is error


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


# --- summary and comparator --------------------------------------------------------------------


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


def test_comparator_passes_on_identical_summaries(keras, capsys):
    comparator(summary(build_sequential(keras)), summary(build_sequential(keras)))
    assert capsys.readouterr().out == "All tests passed\n"


def test_comparator_names_the_first_differing_layer(keras):
    expected = summary(build_sequential(keras))
    learner = [list(row) for row in expected]
    learner[1][-1] = "same"  # MaxPooling2D padding
    learner[3][-1] = "relu"  # a later difference is not reported
    with pytest.raises(AssertionError) as info:
        comparator(learner, expected)
    message = str(info.value)
    assert "layer 1 " in message
    assert "'same'" in message and "'valid'" in message
    assert "layer 3" not in message
    assert "1 check(s) failed" in message


def test_comparator_reports_a_layer_count_mismatch(keras):
    expected = summary(build_sequential(keras))
    with pytest.raises(AssertionError) as info:
        comparator(expected[:-1], expected)
    message = str(info.value)
    assert "3 layers but 4 were expected" in message
    with pytest.raises(AssertionError, match="5 layers but 4 were expected"):
        comparator([*expected, ["Dense", (None, 1), 4, 1, "linear"]], expected)


def test_comparator_reports_count_and_first_difference_together(keras):
    expected = summary(build_sequential(keras))
    learner = [["Conv2D", (None, 8, 8, 4), 40, 4, (3, 3), (1, 1), "valid", "relu"]]
    with pytest.raises(AssertionError) as info:
        comparator(learner, expected)
    message = str(info.value)
    assert "1 layers but 4 were expected" in message
    assert "layer 0 " in message
