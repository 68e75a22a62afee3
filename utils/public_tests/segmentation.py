"""Public tests of notebook 10: transposed convolution, U-Net, mean IoU.

The references are independent of the exercises:

- ``conv_transpose`` is compared with ``keras.layers.Conv2DTranspose`` given the same kernel
  (Keras stores it as (f, f, n_C, n_C_prev)) and bias, with ``padding="valid"`` and
  ``output_padding=0``: the full output, (n − 1)·stride + f per side, from which ``pad``
  rows and columns are cut on each side. Usual mistakes (a flipped kernel, the padding or the
  stride ignored, no bias) are recognised by comparing with Keras on the correspondingly wrong
  inputs;
- the U-Net blocks and model are checked layer by layer (:func:`utils.testing.summary`) against
  tables derived from the architecture (output sizes, parameters (f·f·n_C_prev + 1)·n_C per
  convolution), against the course's total of 8,640,471 parameters, and on the graph itself:
  which layer feeds the skip connection and the concatenation, and in which order;
- ``mean_iou`` is compared with ``keras.metrics.IoU`` (per class) and ``keras.metrics.MeanIoU``.

TensorFlow and Keras are imported inside the tests, never when this module is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from utils.testing import Checker, compare_summaries, layer_kind, require_callable, summary

UNET_PARAMS = 8_640_471  # the course's unet_model((96, 128, 3), n_filters=32, n_classes=23)
SIZE_FORMULA = "n_H = (n_H_prev − 1)·stride − 2·pad + f"
_CONV = "Conv2D(n_filters, 3, activation='relu', padding='same', kernel_initializer='he_normal')"
_UP = "Conv2DTranspose(n_filters, 3, strides=(2, 2), padding='same')"


# --------------------------------------------------------------------------------------------
# Transposed convolution
# --------------------------------------------------------------------------------------------


def keras_conv_transpose(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, stride: int, pad: int
) -> np.ndarray:
    """Z by ``keras.layers.Conv2DTranspose`` with kernel ``W`` (f, f, n_C_prev, n_C) and bias
    ``b``: the full ("valid", no output padding) output with ``pad`` rows/columns cut from each
    side. float64 (m, n_H, n_W, n_C)."""
    import keras

    f, _, _, n_c = W.shape
    layer = keras.layers.Conv2DTranspose(
        n_c, f, strides=stride, padding="valid", output_padding=0, dtype="float64"
    )
    layer.build(A_prev.shape)
    layer.set_weights([np.transpose(W, (0, 1, 3, 2)), np.reshape(b, -1)])
    Z = keras.ops.convert_to_numpy(layer(A_prev))
    return Z[:, pad : Z.shape[1] - pad, pad : Z.shape[2] - pad, :]


def _conv_transpose_case(
    check: Checker,
    target: Callable[..., Any],
    seed: int,
    shape: tuple[int, int, int, int],
    f: int,
    n_c: int,
    stride: int,
    pad: int,
) -> None:
    rng = np.random.default_rng(seed)
    A_prev = rng.standard_normal(shape)
    W = rng.standard_normal((f, f, shape[-1], n_c))
    b = rng.standard_normal((1, 1, 1, n_c))
    hparameters = {"stride": stride, "pad": pad}
    label = f"A_prev {shape}, W {W.shape}, stride={stride}, pad={pad}"
    with check.preserves(A_prev=A_prev, W=W, b=b):
        Z = check.call(target, A_prev, W, b, dict(hparameters))
    m, n_h, n_w, _ = shape
    expected_shape = (m, (n_h - 1) * stride - 2 * pad + f, (n_w - 1) * stride - 2 * pad + f, n_c)
    if Z is None:
        check.fail(f"{label}: conv_transpose returned None: did it forget to `return Z`?")
        return
    got_shape = np.shape(Z)
    if got_shape != expected_shape:
        hint = SIZE_FORMULA
        no_pad = (m, (n_h - 1) * stride + f, (n_w - 1) * stride + f, n_c)
        no_stride = (m, n_h - 1 - 2 * pad + f, n_w - 1 - 2 * pad + f, n_c)
        if pad and got_shape == no_pad:
            hint += f"; the padding is ignored: cut `pad` = {pad} rows and columns from each side"
        elif stride > 1 and got_shape == no_stride:
            hint += "; the stride is ignored: input pixel (h, w) lands at (h·stride, w·stride)"
        elif got_shape[1:3] == (n_h * stride, n_w * stride):
            hint += "; that is Keras's padding='same' size (n·stride), not this exercise's"
        check.fail(
            f"{label}: conv_transpose returned Z of shape {got_shape} but {expected_shape} was "
            f"expected (hint: {hint})"
        )
        return
    Z = np.asarray(Z, np.float64)
    expected = keras_conv_transpose(A_prev, W, b, stride, pad)
    if np.allclose(Z, expected, atol=1e-5):
        return
    mistakes = (
        (W[::-1, ::-1], b, "the kernel is flipped (rotated by 180°)"),
        (W[::-1], b, "the kernel is flipped upside down (rows only)"),
        (W[:, ::-1], b, "the kernel is flipped left-right (columns only)"),
        (W, np.zeros_like(b), "the bias b is missing: add b to every output position"),
    )
    explanations = {
        "the kernel is flipped (rotated by 180°)": (
            "input pixel (h, w) adds A_prev[h, w]·W[a, b] at output (h·stride + a, w·stride + b),"
            " with W as it is; only the equivalent 'spread with zeros, then convolve' form "
            "flips the kernel"
        ),
    }
    for kernel, bias, mistake in mistakes:
        wrong = keras_conv_transpose(A_prev, kernel, bias, stride, pad)
        if np.allclose(Z, wrong, atol=1e-5):
            why = explanations.get(mistake, "flip both axes or none")
            if "bias" in mistake:
                why = "Z = (sum of the scattered products) + b"
            check.fail(f"{label}: {mistake} (hint: {why})")
            return
    check.close(
        f"{label}: Z",
        Z,
        expected,
        atol=1e-5,
        rtol=1e-5,
        hint="each input pixel (h, w) adds A_prev[i, h, w, :]·W (an f×f×n_C patch) at rows "
        "h·stride … h·stride + f − 1 and columns w·stride … w·stride + f − 1 of the full output; "
        "then `pad` rows/columns are cut from each side and b is added",
    )


def conv_transpose_test(target: Callable[..., Any]) -> None:
    """Check ``conv_transpose(A_prev, W, b, hparameters)`` against Keras's Conv2DTranspose.

    Strides 1, 2 and 3, padding 0 to 2, kernels smaller and larger than the stride, non-square
    inputs, several channels in and out; then the course's hand-checkable case: a 2×2 kernel of
    ones with stride 2 copies each input pixel into a 2×2 block.
    """
    require_callable(target, "conv_transpose")
    check = Checker("conv_transpose")
    cases = (
        (0, (2, 4, 5, 3), 3, 2, 2, 0),
        (1, (2, 3, 4, 2), 4, 3, 2, 1),
        (2, (1, 3, 3, 2), 2, 2, 3, 0),
        (3, (2, 4, 3, 3), 3, 1, 1, 1),
        (4, (1, 3, 4, 1), 5, 2, 3, 2),
    )
    for seed, shape, f, n_c, stride, pad in cases:
        _conv_transpose_case(check, target, seed, shape, f, n_c, stride, pad)
    A_prev = np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 2, 2, 1)
    Z = check.call(
        target, A_prev, np.ones((2, 2, 1, 1)), np.zeros((1, 1, 1, 1)), {"stride": 2, "pad": 0}
    )
    expected = np.kron(A_prev[0, :, :, 0], np.ones((2, 2)))[None, :, :, None]
    check.close(
        "the 2×2 input [[1, 2], [3, 4]] with a 2×2 kernel of ones, stride 2: Z",
        Z,
        expected,
        hint="each input pixel fills its own 2×2 block (the blocks do not overlap)",
    )
    check.done()


# --------------------------------------------------------------------------------------------
# U-Net: graph helpers and layer tables
# --------------------------------------------------------------------------------------------


def _producer(tensor: Any) -> Any:
    """The layer that output ``tensor`` (an InputLayer for a model input), or None."""
    history = getattr(tensor, "_keras_history", None)
    return history[0] if history else None


def _inputs_of(layer: Any) -> list[Any]:
    """The tensors ``layer`` was called on (its first call)."""
    nodes = getattr(layer, "_inbound_nodes", [])
    return list(nodes[0].input_tensors) if nodes else []


def _before_activation(layer: Any) -> Any:
    """The layer a separate activation layer (``ReLU()``, ``Activation("relu")``) follows, so that
    ``Conv2D(activation="relu")`` and ``Conv2D`` then ``ReLU()`` are alike; other layers as they
    are."""
    while layer_kind(layer) in ("ReLU", "ReLU6") and _inputs_of(layer):
        layer = _producer(_inputs_of(layer)[0])
    return layer


def _upstream_layers(tensor: Any) -> list[Any]:
    """Every layer ``tensor`` depends on, itself included (depth first, each once)."""
    seen, stack, found = set(), [tensor], []
    while stack:
        layer = _producer(stack.pop())
        if layer is None or id(layer) in seen:
            continue
        seen.add(id(layer))
        found.append(layer)
        stack.extend(_inputs_of(layer))
    return found


def _conv_row(shape: tuple, n_prev: int, filters: int, f: int = 3, activation: str = "relu"):
    return [
        "Conv2D",
        shape,
        (f * f * n_prev + 1) * filters,
        filters,
        (f, f),
        (1, 1),
        "same",
        activation,
    ]


def conv_block_layers(
    input_shape: tuple[int, int, int], n_filters: int, dropout_prob: float, max_pooling: bool
) -> list[list[Any]]:
    """The layer table (``utils.testing.summary``) of ``keras.Model(inputs, conv_block(...))``."""
    n_h, n_w, n_c = input_shape
    rows: list[list[Any]] = [["InputLayer", (None, n_h, n_w, n_c), 0]]
    rows.append(_conv_row((None, n_h, n_w, n_filters), n_c, n_filters))
    rows.append(_conv_row((None, n_h, n_w, n_filters), n_filters, n_filters))
    if dropout_prob > 0:
        rows.append(["Dropout", (None, n_h, n_w, n_filters), 0, dropout_prob])
    if max_pooling:
        shape = (None, n_h // 2, n_w // 2, n_filters)
        rows.append(["MaxPooling2D", shape, 0, (2, 2), (2, 2), "valid"])
    return rows


def upsampling_block_layers(
    expansive_shape: tuple[int, int, int], contractive_channels: int, n_filters: int
) -> list[list[Any]]:
    """The table of the block's own layers (no input layers): transposed conv, concatenate, two
    convolutions."""
    n_h, n_w, n_c = expansive_shape
    size = (None, 2 * n_h, 2 * n_w)
    return [
        [
            "Conv2DTranspose",
            (*size, n_filters),
            (9 * n_c + 1) * n_filters,
            n_filters,
            (3, 3),
            (2, 2),
            "same",
            "linear",
        ],
        ["Concatenate", (*size, n_filters + contractive_channels), 0],
        _conv_row((*size, n_filters), n_filters + contractive_channels, n_filters),
        _conv_row((*size, n_filters), n_filters, n_filters),
    ]


def unet_layers(
    input_size: tuple[int, int, int] = (96, 128, 3), n_filters: int = 32, n_classes: int = 23
) -> tuple[list[list[Any]], list[str]]:
    """The layer table of the course's ``unet_model`` in the order Keras lists its layers, and
    where each layer sits (e.g. ``"the decoder block 2 (4·n_filters): Conv2DTranspose"``).

    Encoder blocks with n, 2n, 4n, 8n filters (dropout 0.3 on the 4th), a bottleneck with 16n
    (dropout 0.3, no pooling), decoder blocks with 8n, 4n, 2n, n, a 3×3 convolution with n
    filters and a 1×1 convolution with ``n_classes`` filters (no activation: logits).
    """
    n_h, n_w, n_c = input_size
    rows: list[list[Any]] = [["InputLayer", (None, n_h, n_w, n_c), 0]]
    where = ["the input"]
    skips = []
    for block, (factor, dropout, pool) in enumerate(
        ((1, 0, True), (2, 0, True), (4, 0, True), (8, 0.3, True), (16, 0.3, False)), start=1
    ):
        filters = factor * n_filters
        table = conv_block_layers((n_h, n_w, n_c), filters, dropout, pool)[1:]
        name = "the bottleneck" if not pool else f"the encoder block {block}"
        for row in table:
            rows.append(row)
            where.append(f"{name} ({factor}·n_filters): {row[0]}")
        skips.append(filters)
        n_c = filters
        if pool:
            n_h, n_w = n_h // 2, n_w // 2
    for block, factor in enumerate((8, 4, 2, 1), start=1):
        filters = factor * n_filters
        table = upsampling_block_layers((n_h, n_w, n_c), skips[-1 - block], filters)
        for row in table:
            rows.append(row)
            where.append(f"the decoder block {block} ({factor}·n_filters): {row[0]}")
        n_h, n_w, n_c = 2 * n_h, 2 * n_w, filters
    rows.append(_conv_row((None, n_h, n_w, n_filters), n_c, n_filters))
    where.append("the 3×3 convolution after the last decoder block (n_filters, relu)")
    rows.append(
        _conv_row((None, n_h, n_w, n_classes), n_filters, n_classes, f=1, activation="linear")
    )
    where.append("the output: Conv2D(n_classes, 1, padding='same'), no activation")
    return rows, where


def _initializer_problems(layers: list[Any]) -> list[str]:
    problems = []
    for layer in layers:
        if type(layer).__name__ != "Conv2D" or layer.get_config().get("kernel_size") == (1, 1):
            continue
        init = layer.get_config().get("kernel_initializer") or {}
        name = init.get("class_name") if isinstance(init, dict) else type(init).__name__
        if name != "HeNormal":
            problems.append(
                f"the Conv2D {layer.name} has kernel_initializer {name} but 'he_normal' was "
                "expected"
            )
    return problems


def _is_keras_tensor(value: Any) -> bool:
    import keras

    return isinstance(value, keras.KerasTensor)


# --------------------------------------------------------------------------------------------
# U-Net: the tests
# --------------------------------------------------------------------------------------------


def _conv_block_case(
    check: Checker,
    target: Callable[..., Any],
    input_shape: tuple[int, int, int],
    n_filters: int,
    dropout_prob: float,
    max_pooling: bool,
) -> None:
    import keras

    label = f"conv_block(inputs {input_shape}, {n_filters}, {dropout_prob}, {max_pooling})"
    inputs = keras.Input(input_shape)

    def explain(err: Exception) -> str:
        return f"{label} raised {type(err).__name__}: {err} (hint: two {_CONV})"

    ok, result = check.call_or_fail(explain, target, inputs, n_filters, dropout_prob, max_pooling)
    if not ok:
        return
    if result is None:
        check.fail(f"{label} returned None: did it forget `return next_layer, skip_connection`?")
        return
    if (
        not isinstance(result, tuple | list)
        or len(result) != 2
        or not all(_is_keras_tensor(t) for t in result)
    ):
        check.fail(
            f"{label} must return two tensors (next_layer, skip_connection), got "
            f"{type(result).__name__}"
        )
        return
    next_layer, skip = result
    n_h, n_w, _ = input_shape
    skip_shape = (None, n_h, n_w, n_filters)
    next_shape = (None, n_h // 2, n_w // 2, n_filters) if max_pooling else skip_shape
    got = (tuple(next_layer.shape), tuple(skip.shape))
    if got != (next_shape, skip_shape):
        if got == (skip_shape, next_shape):
            hint = "return (next_layer, skip_connection) in that order"
        elif max_pooling and got[0] == skip_shape:
            hint = "max_pooling=True: next_layer = MaxPooling2D(pool_size=(2, 2))(conv)"
        elif not max_pooling and got[0] != skip_shape:
            hint = "max_pooling=False: no pooling, next_layer is conv itself"
        elif got[1] != skip_shape and got[1][1:3] == next_shape[1:3]:
            hint = "the skip connection is the block's features BEFORE the pooling"
        else:
            hint = f"two {_CONV} keep the size and give n_filters channels"
        check.fail(
            f"{label} returned (next_layer, skip_connection) of shapes {got[0]} and {got[1]} but "
            f"{next_shape} and {skip_shape} were expected (hint: {hint})"
        )
        return
    model = keras.Model(inputs, [next_layer, skip])
    expected = conv_block_layers(input_shape, n_filters, dropout_prob, max_pooling)
    rows = summary(model)
    kinds = [row[0] for row in rows]
    if dropout_prob > 0 and "Dropout" not in kinds:
        check.fail(
            f"{label}: dropout_prob={dropout_prob} but the block has no Dropout layer (hint: "
            "after the second convolution, `if dropout_prob > 0: conv = Dropout(dropout_prob)"
            "(conv)`)"
        )
        return
    if dropout_prob == 0 and "Dropout" in kinds:
        check.fail(
            f"{label}: dropout_prob=0 but the block has a Dropout layer (hint: add it only when "
            "dropout_prob > 0)"
        )
        return
    for _, message in compare_summaries(rows, expected):
        check.fail(f"{label}: {message} (hint: {_CONV} twice, then Dropout, then MaxPooling2D)")
        return
    for problem in _initializer_problems(model.layers):
        check.fail(f"{label}: {problem}")
    source = type(_before_activation(_producer(skip))).__name__
    wanted = "Dropout" if dropout_prob > 0 else "Conv2D"
    check.true(
        source == wanted,
        f"{label}: the skip connection comes from a {source} layer but the {wanted} layer's "
        "output was expected (hint: skip_connection = conv, after the dropout, before the "
        "pooling)",
    )


def conv_block_test(target: Callable[..., Any]) -> None:
    """Check ``conv_block(inputs, n_filters, dropout_prob, max_pooling)`` on Keras inputs:
    the returned pair, its shapes, the layers (filters, kernel, padding, activation,
    initializer, dropout rate, pooling) and which layer feeds the skip connection."""
    require_callable(target, "conv_block")
    check = Checker("conv_block")
    for case in (
        ((16, 20, 3), 8, 0, True),
        ((16, 20, 3), 8, 0.3, False),
        ((12, 8, 5), 6, 0.2, True),
        ((12, 8, 5), 4, 0, False),
    ):
        _conv_block_case(check, target, *case)
    check.done()


def _upsampling_case(
    check: Checker,
    target: Callable[..., Any],
    expansive_shape: tuple[int, int, int],
    contractive_channels: int,
    n_filters: int,
) -> None:
    import keras

    n_h, n_w, _ = expansive_shape
    label = (
        f"upsampling_block(expansive {expansive_shape}, contractive "
        f"{(2 * n_h, 2 * n_w, contractive_channels)}, n_filters={n_filters})"
    )
    expansive = keras.Input(expansive_shape)
    contractive = keras.Input((2 * n_h, 2 * n_w, contractive_channels))

    def explain(err: Exception) -> str:
        return (
            f"{label} raised {type(err).__name__}: {err} (hint: {_UP}, then "
            "concatenate([up, contractive_input], axis=3), then two convolutions)"
        )

    ok, out = check.call_or_fail(explain, target, expansive, contractive, n_filters)
    if not ok:
        return
    if out is None:
        check.fail(f"{label} returned None: did it forget to `return conv`?")
        return
    if not _is_keras_tensor(out):
        check.fail(
            f"{label} must return the output tensor of its last layer, got {type(out).__name__}"
        )
        return
    expected_shape = (None, 2 * n_h, 2 * n_w, n_filters)
    if tuple(out.shape) != expected_shape:
        check.fail(
            f"{label} returned an output of shape {tuple(out.shape)} but {expected_shape} was "
            f"expected (hint: {_UP} doubles the size; the convolutions keep it and have n_filters "
            "channels)"
        )
        return
    layers = _upstream_layers(out)
    concats = [layer for layer in layers if type(layer).__name__ == "Concatenate"]
    if id(_producer(contractive)) not in {id(layer) for layer in layers} or not concats:
        check.fail(
            f"{label}: the skip connection is missing: the output does not use contractive_input "
            "(hint: merge = concatenate([up, contractive_input], axis=3))"
        )
        return
    sources = [_producer(t) for t in _inputs_of(concats[0])]
    names = [type(layer).__name__ for layer in sources]
    if (
        len(sources) != 2
        or sources[1] is not _producer(contractive)
        or names[0] != "Conv2DTranspose"
    ):
        if len(sources) == 2 and sources[0] is _producer(contractive):
            hint = "the order is [up, contractive_input]: the upsampled features first"
        else:
            hint = "concatenate exactly [up, contractive_input], up = the Conv2DTranspose output"
        check.fail(f"{label}: the concatenation joins the outputs of {names} (hint: {hint})")
        return
    if concats[0].get_config().get("axis") not in (3, -1):
        check.fail(f"{label}: concatenate along the channels, axis=3")
    own = [layer for layer in reversed(layers) if type(layer).__name__ != "InputLayer"]
    model = keras.Model([expansive, contractive], out)
    rows = [summary(model)[model.layers.index(layer)] for layer in own]
    expected = upsampling_block_layers(expansive_shape, contractive_channels, n_filters)
    for _, message in compare_summaries(rows, expected):
        check.fail(
            f"{label}: {message} (hint: {_UP} → concatenate → two {_CONV}; layers counted "
            "without the inputs)"
        )
        return
    for problem in _initializer_problems(own):
        check.fail(f"{label}: {problem}")


def upsampling_block_test(target: Callable[..., Any]) -> None:
    """Check ``upsampling_block(expansive_input, contractive_input, n_filters)``: output shape,
    the skip connection and the concatenation's order, the layers and their settings."""
    require_callable(target, "upsampling_block")
    check = Checker("upsampling_block")
    _upsampling_case(check, target, (6, 8, 16), 8, 8)
    _upsampling_case(check, target, (3, 5, 10), 4, 6)
    check.done()


def unet_model_test(target: Callable[..., Any]) -> None:
    """Check ``unet_model(input_size=(96, 128, 3), n_filters=32, n_classes=23)``: the course's
    8,640,471 parameters, every layer, and a second configuration ((64, 64, 1), 4, 5)."""
    import keras

    require_callable(target, "unet_model")
    check = Checker("unet_model")
    for config in (((96, 128, 3), 32, 23), ((64, 64, 1), 4, 5)):
        input_size, n_filters, n_classes = config
        label = f"unet_model({input_size}, n_filters={n_filters}, n_classes={n_classes})"

        def explain(err: Exception, label: str = label) -> str:
            return f"{label} raised {type(err).__name__}: {err}"

        ok, model = check.call_or_fail(
            explain, target, input_size=input_size, n_filters=n_filters, n_classes=n_classes
        )
        if not ok:
            continue
        if not isinstance(model, keras.Model):
            check.fail(
                f"{label} must return a keras.Model (Model(inputs=inputs, outputs=conv10)), got "
                f"{type(model).__name__}"
            )
            continue
        expected, where = unet_layers(input_size, n_filters, n_classes)
        total = sum(row[2] for row in expected)  # 8,640,471 for the course's configuration
        out_shape = (None, *input_size[:2], n_classes)
        if tuple(model.output.shape) != out_shape:
            hint = "the last layer is Conv2D(n_classes, 1, padding='same')"
            if tuple(model.output.shape)[:3] != out_shape[:3]:
                hint = "four poolings down and four Conv2DTranspose(strides=2) up: same size out"
            check.fail(
                f"{label}: the output has shape {tuple(model.output.shape)} but {out_shape} was "
                f"expected (hint: {hint})"
            )
        check.equal(
            f"{label}: the number of parameters",
            model.count_params(),
            total,
            hint="compare the filters of each block with the table above",
        )
        for layer, message in compare_summaries(summary(model), expected):
            if layer is not None and layer < len(where):
                message += f" (that layer should be {where[layer]})"
            check.fail(f"{label}: {message}")
    check.done()


# --------------------------------------------------------------------------------------------
# Mean IoU
# --------------------------------------------------------------------------------------------


def keras_ious(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> tuple[float, np.ndarray]:
    """(mean IoU, IoU of each class) by ``keras.metrics.MeanIoU`` and ``keras.metrics.IoU``;
    a class absent from both maps gets NaN (Keras leaves it out of the mean)."""
    import keras

    mean = keras.metrics.MeanIoU(num_classes=n_classes)
    mean.update_state(y_true, y_pred)
    per_class = []
    for k in range(n_classes):
        if not np.any(y_true == k) and not np.any(y_pred == k):
            per_class.append(np.nan)
            continue
        metric = keras.metrics.IoU(num_classes=n_classes, target_class_ids=[k])
        metric.update_state(y_true, y_pred)
        per_class.append(float(metric.result()))
    return float(mean.result()), np.array(per_class)


def _mean_iou_case(
    check: Checker,
    target: Callable[..., Any],
    y_true: np.ndarray,
    y_pred: np.ndarray,
    n_classes: int,
    label: str,
) -> None:
    with check.preserves(y_true=y_true, y_pred=y_pred):
        result = check.call(target, y_true, y_pred, n_classes)
    if result is None:
        check.fail(f"{label}: mean_iou returned None: did it forget `return mean, iou`?")
        return
    if not isinstance(result, tuple | list) or len(result) != 2:
        check.fail(
            f"{label}: mean_iou must return two values (mean, iou), got {type(result).__name__}"
        )
        return
    mean, per_class = result
    expected_mean, expected = keras_ious(y_true, y_pred, n_classes)
    per_class = np.asarray(per_class, np.float64) if per_class is not None else None
    if not check.shape(f"iou ({label})", per_class, (n_classes,), hint="one IoU per class"):
        return
    absent = np.isnan(expected)
    if np.any(absent) and not np.all(np.isnan(per_class[absent])):
        check.fail(
            f"{label}: class(es) {np.nonzero(absent)[0].tolist()} appear in neither map, so "
            f"their IoU is 0/0: return NaN for them (got {per_class[absent].tolist()})"
        )
        return
    present = ~absent
    got, want = per_class[present], expected[present]
    if not np.allclose(got, want, atol=1e-6):
        overlap = np.array(
            [np.sum((y_true == k) & (y_pred == k)) for k in range(n_classes)], np.float64
        )
        sums = np.array(
            [np.sum(y_true == k) + np.sum(y_pred == k) for k in range(n_classes)], np.float64
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            no_subtraction = overlap / sums
            dice = 2 * overlap / sums
        if np.allclose(got, no_subtraction[present], atol=1e-6):
            hint = "union = |true| + |predicted| − intersection (the overlap was counted twice)"
        elif np.allclose(got, dice[present], atol=1e-6):
            hint = "that is the Dice coefficient 2·|A∩B|/(|A|+|B|); IoU is |A∩B|/|A∪B|"
        else:
            hint = "IoU_k = |{true = k} ∩ {pred = k}| / |{true = k} ∪ {pred = k}|"
        check.close(f"iou ({label})", got, want, atol=1e-6, hint=hint)
        return
    value = check.scalar(f"mean ({label})", mean, hint="np.nanmean of the per-class IoUs")
    if value is None:
        return
    if not np.isclose(value, expected_mean, atol=1e-6):
        hint = "the mean over the classes present in y_true or y_pred (np.nanmean)"
        if np.isclose(value, np.nan_to_num(expected).mean(), atol=1e-6):
            hint = "absent classes were counted as 0: leave them out of the mean (np.nanmean)"
        check.fail(
            f"{label}: mean is {value:.6g} but {expected_mean:.6g} was expected (hint: {hint})"
        )


def mean_iou_test(target: Callable[..., Any]) -> None:
    """Check ``mean_iou(y_true, y_pred, n_classes)`` against ``keras.metrics.IoU`` / ``MeanIoU``:
    random maps, a hand-checkable case, and a class absent from both maps."""
    require_callable(target, "mean_iou")
    check = Checker("mean_iou")
    rng = np.random.default_rng(7)
    y_true = rng.integers(0, 4, (3, 6, 5))
    y_pred = np.where(rng.random((3, 6, 5)) < 0.7, y_true, rng.integers(0, 4, (3, 6, 5)))
    _mean_iou_case(check, target, y_true, y_pred, 4, "random (3, 6, 5) maps, 4 classes")
    # By hand: class 0: 2 shared pixels of 3 in the union → 2/3; class 1: 1/3; class 2: 3/4.
    y_true = np.array([[0, 0, 0, 1], [1, 2, 2, 2]])
    y_pred = np.array([[0, 0, 1, 1], [2, 2, 2, 2]])
    _mean_iou_case(
        check,
        target,
        y_true,
        y_pred,
        3,
        "the 2×4 maps [[0,0,0,1],[1,2,2,2]] vs [[0,0,1,1],[2,2,2,2]]",
    )
    y_true = rng.integers(0, 3, (2, 4, 4)) * 2  # classes 0, 2, 4 only; 1, 3 absent
    y_pred = np.where(rng.random((2, 4, 4)) < 0.8, y_true, 0)
    _mean_iou_case(check, target, y_true, y_pred, 5, "classes 1 and 3 in neither map")
    check.done()
