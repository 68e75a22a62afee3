"""utils.public_tests.cnn_models: the public tests pass correct models and explain wrong ones.

The correct models are written here from layer lists (not the notebook's solutions); the wrong
ones are the mistakes learners make: a stub, a missing `return`, the activation folded into the
convolution, batch normalisation over the wrong axis, 'same' padding, average pooling, the
Sequential API where the Functional one is asked for, arguments ignored.
"""

from __future__ import annotations

import pytest

from tests.public_test_helpers import assert_passes, failure, not_implemented, returns_none
from utils.public_tests import cnn_models as pt
from utils.testing import summary

keras = pytest.importorskip("keras")
L = keras.layers

# ------------------------------------------------------------------------------------------------
# Correct models, and builders of wrong variants
# ------------------------------------------------------------------------------------------------


def happy_layers(**changes):
    """The seven layers of happyModel by name; ``changes`` replaces (or, with None, drops) some."""
    layers = {
        "pad": L.ZeroPadding2D(padding=(3, 3)),
        "conv": L.Conv2D(filters=32, kernel_size=(7, 7), strides=(1, 1)),
        "norm": L.BatchNormalization(axis=-1),
        "relu": L.ReLU(),
        "pool": L.MaxPool2D(pool_size=2),
        "flatten": L.Flatten(),
        "out": L.Dense(units=1, activation="sigmoid"),
    }
    layers.update(changes)
    return [layer for layer in layers.values() if layer is not None]


def happy_model(**changes):
    return keras.Sequential([keras.Input((64, 64, 3)), *happy_layers(**changes)])


def lenet_layers(classes=10, activation="relu", pool=L.MaxPooling2D, padding="valid"):
    return [
        L.Conv2D(6, (5, 5), padding=padding, activation=activation),
        pool(pool_size=(2, 2), strides=(2, 2)),
        L.Conv2D(16, (5, 5), activation=activation),
        pool(pool_size=(2, 2), strides=(2, 2)),
        L.Flatten(),
        L.Dense(120, activation=activation),
        L.Dense(84, activation=activation),
        L.Dense(classes, activation="softmax"),
    ]


def lenet5(input_shape=(32, 32, 1), classes=10, **options):
    inputs = keras.Input(shape=input_shape)
    tensor = inputs
    for layer in lenet_layers(classes, **options):
        tensor = layer(tensor)
    return keras.Model(inputs, tensor)


# ------------------------------------------------------------------------------------------------
# The written-out specification agrees with Keras and with the formulas
# ------------------------------------------------------------------------------------------------


def test_the_expected_rows_are_what_keras_reports_for_the_reference_models():
    assert summary(happy_model()) == pt.HAPPY_MODEL_ROWS
    assert summary(lenet5()) == pt.LENET5_ROWS
    assert happy_model().count_params() == pt.HAPPY_MODEL_PARAMETERS == 37_633
    assert lenet5().count_params() == pt.LENET5_PARAMETERS == 61_706
    assert sum(row[2] for row in pt.HAPPY_MODEL_ROWS) == pt.HAPPY_MODEL_PARAMETERS
    assert sum(row[2] for row in pt.LENET5_ROWS) == pt.LENET5_PARAMETERS


@pytest.mark.parametrize(
    ("shape", "classes"), [((32, 32, 1), 10), ((32, 32, 3), 5), ((28, 28, 1), 26), ((41, 37, 2), 3)]
)
def test_lenet5_parameters_matches_keras(shape, classes):
    assert pt.lenet5_parameters(shape, classes) == lenet5(shape, classes).count_params()


def test_lenet5_parameters_of_the_course_example():
    # The course's 32×32×3 example: CONV1 has (5·5·3 + 1)·6 = 456 parameters, 300 more than on
    # one channel.
    assert pt.lenet5_parameters((32, 32, 3), 10) - pt.lenet5_parameters((32, 32, 1), 10) == 300


@pytest.mark.parametrize(
    ("shape", "classes", "message"),
    [
        ((15, 32, 1), 10, "n_H: expected an int >= 16, got 15"),
        ((32, 32, 0), 10, "n_C: expected an int >= 1, got 0"),
        ((32, 32, 1), 0, "classes: expected an int >= 1, got 0"),
        ((32, 32.0, 1), 10, "n_W: expected an int >= 16, got 32.0"),
        ((32, 32), 10, "input_shape: expected (n_H, n_W, n_C), got (32, 32)"),
    ],
)
def test_lenet5_parameters_rejects_impossible_inputs(shape, classes, message):
    with pytest.raises(ValueError) as info:
        pt.lenet5_parameters(shape, classes)
    assert str(info.value) == message


# ------------------------------------------------------------------------------------------------
# Correct work passes
# ------------------------------------------------------------------------------------------------


def test_happy_model_passes(capsys):
    assert_passes(capsys, pt.happyModel_test, happy_model)


def test_happy_model_with_the_course_keras2_style_input_shape_passes(capsys):
    def course_style():
        first = L.ZeroPadding2D(padding=3, input_shape=(64, 64, 3))
        return keras.Sequential([first, *happy_layers(pad=None)])

    with pytest.warns(UserWarning):  # Keras 3 prefers keras.Input, but the model is right
        assert_passes(capsys, pt.happyModel_test, course_style)


def test_lenet5_passes(capsys):
    assert_passes(capsys, pt.LeNet5_test, lenet5)


# ------------------------------------------------------------------------------------------------
# Wrong work fails with a precise diagnostic
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("test", [pt.happyModel_test, pt.LeNet5_test])
def test_a_stub_or_a_missing_return_is_explained(test, capsys):
    assert "not implemented yet" in failure(test, not_implemented)
    message = failure(test, returns_none)
    assert "returned None" in message and "forget to `return`" in message
    assert "must return a keras.Model" in failure(test, lambda *a, **k: [L.Dense(1)])
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("test", [pt.happyModel_test, pt.LeNet5_test])
def test_something_else_than_the_function_is_a_type_error(test):
    with pytest.raises(TypeError, match="expected the function"):
        test("happyModel")


def test_an_exception_inside_the_learners_function_names_the_call():
    def broken(input_shape=(32, 32, 1), classes=10):
        raise ValueError("Input 0 of layer 'dense' is incompatible")

    message = failure(pt.LeNet5_test, broken)
    assert (
        "LeNet5 raised ValueError: Input 0 of layer 'dense' is incompatible — on LeNet5();"
        in message
    )
    assert "in broken: raise ValueError(" in message


def test_an_unbuilt_model_is_told_to_declare_its_input():
    def unbuilt():
        return keras.Sequential(happy_layers())

    message = failure(pt.happyModel_test, unbuilt)
    assert "not built" in message and "keras.Input(shape=(64, 64, 3))" in message


def test_happy_model_with_the_relu_inside_the_convolution_is_told_the_layer_order():
    def fused():
        return happy_model(conv=L.Conv2D(32, 7, activation="relu"), relu=None)

    message = failure(pt.happyModel_test, fused)
    assert "6 layers but 7 were expected" in message
    assert (
        "layer 1 is ['Conv2D', (None, 64, 64, 32), 4736, 32, (7, 7), (1, 1), 'valid', 'relu']"
        in (message)
    )
    assert "the ReLU comes after the BatchNormalization" in message  # the hint of layer 1


def test_happy_model_with_batch_norm_over_the_wrong_axis_fails_on_the_parameters():
    message = failure(pt.happyModel_test, lambda: happy_model(norm=L.BatchNormalization(axis=1)))
    assert "layer 2 is ['BatchNormalization', (None, 64, 64, 32), 256]" in message
    assert "but ['BatchNormalization', (None, 64, 64, 32), 128] was expected" in message
    assert "4·32 = 128 parameters" in message


def test_happy_model_with_same_padding_instead_of_zero_padding_is_caught():
    def same():
        return happy_model(pad=None, conv=L.Conv2D(32, 7, padding="same"))

    message = failure(pt.happyModel_test, same)
    assert "6 layers but 7 were expected" in message
    assert "layer 0 is ['Conv2D'" in message and "64 + 2·3 = 70" in message


def test_happy_model_with_a_softmax_of_two_units_is_caught():
    message = failure(pt.happyModel_test, lambda: happy_model(out=L.Dense(2, activation="softmax")))
    assert "layer 6 is ['Dense', (None, 2), 65538, 2, 'softmax']" in message
    assert "32,768 + 1 = 32,769 parameters" in message


def test_happy_model_built_with_the_functional_api_is_asked_for_sequential():
    def functional():
        inputs = keras.Input((64, 64, 3))
        tensor = inputs
        for layer in happy_layers():
            tensor = layer(tensor)
        return keras.Model(inputs, tensor)

    message = failure(pt.happyModel_test, functional)
    assert "must build a keras.Sequential model, got Functional" in message


def test_happy_model_batch_norm_axis_is_checked_even_when_the_count_matches():
    # On a square 64×64×32 volume, axis=2 has 64 entries: caught by the rows. The explicit
    # axis check covers what the rows cannot see; exercise it with a monkey-patched config.
    class BatchNormalization(L.BatchNormalization):
        def get_config(self):
            return {**super().get_config(), "axis": 2}

    message = failure(pt.happyModel_test, lambda: happy_model(norm=BatchNormalization(axis=3)))
    assert "normalises axis 2" in message and "BatchNormalization(axis=3)" in message


def test_lenet5_with_the_sequential_api_is_asked_for_the_functional_api():
    def sequential(input_shape=(32, 32, 1), classes=10):
        return keras.Sequential([keras.Input(input_shape), *lenet_layers(classes)])

    message = failure(pt.LeNet5_test, sequential)
    assert "must be built with the Functional API" in message
    assert "keras.Model(inputs=inputs, outputs=outputs)" in message


def test_lenet5_with_same_padding_is_told_the_output_size():
    message = failure(pt.LeNet5_test, lambda **kw: lenet5(padding="same", **kw))
    assert "layer 1 is ['Conv2D', (None, 32, 32, 6), 156" in message
    assert "32 − 5 + 1 = 28" in message


def test_lenet5_with_average_pooling_or_tanh_is_caught():
    message = failure(pt.LeNet5_test, lambda **kw: lenet5(pool=L.AveragePooling2D, **kw))
    assert "layer 2 is ['AveragePooling2D'" in message and "MaxPooling2D(pool_size=2" in message
    message = failure(pt.LeNet5_test, lambda **kw: lenet5(activation="tanh", **kw))
    assert "layer 1 is" in message and "'tanh'" in message and "activation='relu'" in message


def test_lenet5_that_ignores_its_arguments_fails_the_second_configuration():
    def fixed(input_shape=(32, 32, 1), classes=10):
        return lenet5()

    message = failure(pt.LeNet5_test, fixed)
    assert "LeNet5(input_shape=(32, 32, 3), classes=5): the input shape" in message
    assert "the output shape: got (None, 10) but (None, 5) was expected" in message
    assert "count_params(): got 61706 but 61581 was expected" in message
    assert "(5·5·3 + 1)·6 = 456" in message


def test_lenet5_with_a_missing_dense_layer_is_told_the_layer_sequence():
    def short(input_shape=(32, 32, 1), classes=10):
        inputs = keras.Input(shape=input_shape)
        tensor = inputs
        for layer in lenet_layers(classes)[:5] + lenet_layers(classes)[6:]:
            tensor = layer(tensor)
        return keras.Model(inputs, tensor)

    message = failure(pt.LeNet5_test, short)
    assert "8 layers but 9 were expected" in message
    assert "the layers are, in order: InputLayer → Conv2D → MaxPooling2D" in message
    assert "layer 6 is ['Dense', (None, 84), 33684" in message
