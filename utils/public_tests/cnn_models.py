"""Public tests of notebook 03 (LeNet-5 and classic networks): Keras models checked layer by layer.

The specification of each model is written out below as the rows :func:`utils.testing.summary`
gives for a correct model — layer class, output shape, parameter count and the layer's settings
(filters, units, kernel size, pool size, strides, padding, activation) — as in the course's
``test_utils``. :func:`utils.testing.compare_summaries` compares the learner's model with those
rows; a difference is reported for the first layer that differs, with the formula its shape or
parameter count comes from. Parameter counts for other input shapes are derived here from the
formulas (f·f·n_C_prev + 1)·n_C and (n_in + 1)·n_out, independently of any solution.

Keras (and so TensorFlow) is imported inside the tests, never when this module is imported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from utils.checks import require_int
from utils.testing import (
    Checker,
    compare_summaries,
    hint_suffix,
    require_callable,
    summary,
)

# --------------------------------------------------------------------------------------------
# happyModel: ZEROPAD(3) -> CONV(32, 7×7) -> BN -> RELU -> MAXPOOL -> FLATTEN -> DENSE(1, sigmoid)
# --------------------------------------------------------------------------------------------

HAPPY_MODEL_ROWS: list[list[Any]] = [
    ["ZeroPadding2D", (None, 70, 70, 3), 0, ((3, 3), (3, 3))],
    ["Conv2D", (None, 64, 64, 32), 4736, 32, (7, 7), (1, 1), "valid", "linear"],
    ["BatchNormalization", (None, 64, 64, 32), 128],
    ["ReLU", (None, 64, 64, 32), 0],
    ["MaxPooling2D", (None, 32, 32, 32), 0, (2, 2), (2, 2), "valid"],
    ["Flatten", (None, 32768), 0],
    ["Dense", (None, 1), 32769, 1, "sigmoid"],
]
HAPPY_MODEL_PARAMETERS = 37_633  # 4,736 + 128 + 32,769

_HAPPY_MODEL_HINTS = (
    "ZeroPadding2D(padding=3) on the 64×64×3 input: 64 + 2·3 = 70",
    "Conv2D(32, 7, strides=1) with no activation: the ReLU comes after the BatchNormalization; "
    "70 − 7 + 1 = 64, and (7·7·3 + 1)·32 = 4,736 parameters",
    "BatchNormalization(axis=3) normalises each of the 32 channels: γ, β, moving mean and moving "
    "variance, 4·32 = 128 parameters",
    "keras.layers.ReLU() after the batch normalisation",
    "MaxPooling2D() with its default 2×2 window and stride 2: 64 / 2 = 32",
    "Flatten(): 32·32·32 = 32,768 values",
    "Dense(1, activation='sigmoid'): 32,768 + 1 = 32,769 parameters, one probability per image",
)

# --------------------------------------------------------------------------------------------
# LeNet5 (Functional API): CONV(6, 5×5) -> MAXPOOL -> CONV(16, 5×5) -> MAXPOOL -> FLATTEN
#                          -> DENSE(120) -> DENSE(84) -> DENSE(classes, softmax); ReLU inside
# --------------------------------------------------------------------------------------------

LENET5_ROWS: list[list[Any]] = [
    ["InputLayer", (None, 32, 32, 1), 0],
    ["Conv2D", (None, 28, 28, 6), 156, 6, (5, 5), (1, 1), "valid", "relu"],
    ["MaxPooling2D", (None, 14, 14, 6), 0, (2, 2), (2, 2), "valid"],
    ["Conv2D", (None, 10, 10, 16), 2416, 16, (5, 5), (1, 1), "valid", "relu"],
    ["MaxPooling2D", (None, 5, 5, 16), 0, (2, 2), (2, 2), "valid"],
    ["Flatten", (None, 400), 0],
    ["Dense", (None, 120), 48120, 120, "relu"],
    ["Dense", (None, 84), 10164, 84, "relu"],
    ["Dense", (None, 10), 850, 10, "softmax"],
]
LENET5_PARAMETERS = 61_706  # 156 + 2,416 + 48,120 + 10,164 + 850

_LENET5_HINTS = (
    "inputs = keras.Input(shape=input_shape)",
    "Conv2D(6, 5, activation='relu'), padding 'valid' and stride 1: 32 − 5 + 1 = 28, and "
    "(5·5·1 + 1)·6 = 156 parameters",
    "MaxPooling2D(pool_size=2, strides=2): 28 / 2 = 14",
    "Conv2D(16, 5, activation='relu'), 'valid': 14 − 5 + 1 = 10, and (5·5·6 + 1)·16 = 2,416 "
    "parameters",
    "MaxPooling2D(pool_size=2, strides=2): 10 / 2 = 5",
    "Flatten(): 5·5·16 = 400 values",
    "Dense(120, activation='relu'): (400 + 1)·120 = 48,120 parameters",
    "Dense(84, activation='relu'): (120 + 1)·84 = 10,164 parameters",
    "Dense(classes, activation='softmax'): (84 + 1)·10 = 850 parameters",
)


def lenet5_parameters(input_shape: Sequence[int], classes: int) -> int:
    """LeNet-5's parameter count for an (n_H, n_W, n_C) input, by the formulas.

    conv 6@5×5 → pool 2 → conv 16@5×5 → pool 2 → flatten → 120 → 84 → ``classes``, all 'valid'.
    """
    if len(input_shape) != 3:
        raise ValueError(f"input_shape: expected (n_H, n_W, n_C), got {input_shape!r}")
    n_H, n_W, n_C = (
        require_int(value, name, minimum=minimum)
        for value, name, minimum in zip(
            input_shape, ("n_H", "n_W", "n_C"), (16, 16, 1), strict=True
        )
    )
    require_int(classes, "classes", minimum=1)
    height, width = ((n_H - 4) // 2 - 4) // 2, ((n_W - 4) // 2 - 4) // 2
    flat = height * width * 16
    return (
        (5 * 5 * n_C + 1) * 6
        + (5 * 5 * 6 + 1) * 16
        + (flat + 1) * 120
        + (120 + 1) * 84
        + (84 + 1) * classes
    )


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _built_model(check: Checker, model: Any, call: str, first_layer: str) -> bool:
    """``model`` is a built ``keras.Model``; otherwise record why not."""
    import keras

    if model is None:
        return check.fail(f"{call} returned None: did {check.name} forget to `return` the model?")
    if not isinstance(model, keras.Model):
        return check.fail(
            f"{call} must return a keras.Model, but it returned a {type(model).__name__}"
        )
    if not model.built:
        return check.fail(
            f"{call} returned a model that is not built: give it its input shape, "
            f"starting with {first_layer}"
        )
    return True


def _architecture(
    check: Checker, model: Any, expected: list[list[Any]], hints: Sequence[str]
) -> bool:
    """Compare ``summary(model)`` with ``expected``; hint the first differing layer."""
    problems = compare_summaries(summary(model), expected)
    sequence = " → ".join(row[0] for row in expected)
    for layer, message in problems:
        if layer is not None and layer < len(hints):
            hint = f"layer {layer}: {hints[layer]}"
        else:
            hint = f"the layers are, in order: {sequence}"
        check.fail(f"the architecture: {message}{hint_suffix(hint)}")
    return not problems


# --------------------------------------------------------------------------------------------
# The public tests
# --------------------------------------------------------------------------------------------


def happyModel_test(target: Callable[[], Any]) -> None:
    """Test ``happyModel()``: a ``keras.Sequential`` face / not-face model for 64×64×3 images.

    Checked layer by layer against :data:`HAPPY_MODEL_ROWS` (shapes, parameters, settings), the
    batch normalisation's axis (the channels) and the total of 37,633 parameters.
    """
    import keras

    require_callable(target, "happyModel")
    check = Checker("happyModel")
    with check.case("happyModel()"):
        model = check.call(target)
    if _built_model(check, model, "happyModel()", "keras.Input(shape=(64, 64, 3))"):
        if not isinstance(model, keras.Sequential):
            check.fail(
                f"happyModel() must build a keras.Sequential model, got {type(model).__name__}"
                + hint_suffix(
                    "model = keras.Sequential([keras.Input(shape=(64, 64, 3)), ...layers])"
                )
            )
        else:
            norms = [la for la in model.layers if isinstance(la, keras.layers.BatchNormalization)]
            for norm in norms:
                axis = norm.get_config()["axis"]
                check.true(
                    axis in (3, -1, [3], [-1]),
                    f"the BatchNormalization layer normalises axis {axis!r}, but axis 3 (the "
                    "channels of (m, n_H, n_W, n_C)) was expected"
                    + hint_suffix("keras.layers.BatchNormalization(axis=3)"),
                )
            if _architecture(check, model, HAPPY_MODEL_ROWS, _HAPPY_MODEL_HINTS):
                check.equal(
                    "model.count_params()",
                    model.count_params(),
                    HAPPY_MODEL_PARAMETERS,
                    hint="4,736 (conv) + 128 (batch norm) + 32,769 (dense)",
                )
    check.done()


def LeNet5_test(target: Callable[..., Any]) -> None:
    """Test ``LeNet5(input_shape=(32, 32, 1), classes=10)``, built with the Functional API.

    - The default model, layer by layer against :data:`LENET5_ROWS`, and its 61,706 parameters.
    - ``LeNet5(input_shape=(32, 32, 3), classes=5)``: the arguments are used (the course's CONV1 on
      a 32×32×3 input has (5·5·3 + 1)·6 = 456 parameters; the output has 5 units).
    """
    import keras

    require_callable(target, "LeNet5")
    check = Checker("LeNet5")
    with check.case("LeNet5()"):
        model = check.call(target)
    if _built_model(check, model, "LeNet5()", "inputs = keras.Input(shape=input_shape)"):
        if isinstance(model, keras.Sequential):
            check.fail(
                "LeNet5() must be built with the Functional API, not keras.Sequential"
                + hint_suffix(
                    "inputs = keras.Input(shape=input_shape); "
                    "x = keras.layers.Conv2D(...)(inputs); ...; "
                    "model = keras.Model(inputs=inputs, outputs=outputs)"
                )
            )
        elif _architecture(check, model, LENET5_ROWS, _LENET5_HINTS):
            check.equal(
                "LeNet5().count_params()",
                model.count_params(),
                LENET5_PARAMETERS,
                hint="156 + 2,416 + 48,120 + 10,164 + 850",
            )
    if not check.failures:
        shape, classes = (32, 32, 3), 5
        call = f"LeNet5(input_shape={shape}, classes={classes})"
        with check.case(call):
            other = check.call(target, input_shape=shape, classes=classes)
        if _built_model(check, other, call, "inputs = keras.Input(shape=input_shape)"):
            check.equal(
                f"{call}: the input shape",
                tuple(other.input_shape),
                (None, *shape),
                hint="keras.Input(shape=input_shape), not a fixed (32, 32, 1)",
            )
            check.equal(
                f"{call}: the output shape",
                tuple(other.output_shape),
                (None, classes),
                hint="the last layer is Dense(classes, activation='softmax')",
            )
            check.equal(
                f"{call}: count_params()",
                other.count_params(),
                lenet5_parameters(shape, classes),
                hint="the first convolution sees 3 channels: (5·5·3 + 1)·6 = 456 parameters, "
                "and the last layer has (84 + 1)·5 = 425",
            )
    check.done()
