"""Public tests of notebook 05 (1×1 convolutions, Inception, MobileNet).

Each block is built on a Keras ``Input``, wrapped in a model and checked for its output shape, its
layers and parameter count (the course's specification), and its numbers: with constant weights
against values worked out by hand, or with random weights against the same computation written
with TensorFlow's low-level ops (``tf.nn.depthwise_conv2d``, ``tf.nn.conv2d``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

from utils.testing import BN_EPSILON, Checker, summary

COURSE_FILTERS = (64, (96, 128), (16, 32), 32)


def _model(
    block: Callable[..., Any], check: Checker, input_shape: tuple, *args: Any, hint: str = ""
) -> Any:
    """The learner's block built on a ``keras.Input`` of ``input_shape``, as a model; None after
    recording why it cannot be (a crash: its line and ``hint``; not a tensor)."""
    import keras

    inputs = keras.Input(input_shape)

    call = (
        f"{check.name}(X, {', '.join(map(repr, args))}) on an input of shape {(None, *input_shape)}"
    )
    with check.case(call, hint):
        built, outputs = check.attempt(block, inputs, *args)
    if not built:
        return None
    if not check.true(
        isinstance(outputs, keras.KerasTensor),
        f"{check.name} must return the output tensor of its last layer, got "
        f"{type(outputs).__name__}",
    ):
        return None
    return keras.Model(inputs, outputs)


def _layer_counts(model: Any) -> Counter:
    """The model's layers and operations by what they compute (:func:`utils.testing.summary`:
    ``Activation("relu")`` is a ReLU, a ReLU layer after a convolution is part of it)."""
    return Counter(row[0] for row in summary(model) if row[0] != "InputLayer")


def _check_structure(
    check: Checker,
    model: Any,
    *,
    shape: tuple[str, tuple, str],
    layers: tuple[str, dict[str, int], str],
    params: tuple[str, int, str],
) -> None:
    """The model's output shape, its layers (counted by class) and its number of parameters.

    Each is given as (what the message calls it, the expected value, the hint).
    """
    for (what, expected, hint), got in (
        (shape, tuple(model.output.shape)),
        (layers, dict(_layer_counts(model))),
        (params, model.count_params()),
    ):
        check.equal(what, got, expected, hint=hint)


def _expected_inception_corner(filters: tuple) -> np.ndarray:
    """Output at pixel (0, 0) for an all-ones input and kernels 1/fan_in, zero biases.

    Every 1×1 convolution then outputs 1; a same-padded f×f convolution outputs the share of its
    window inside the image: 4/9 at a corner for 3×3, 9/25 for 5×5; max pooling ignores padding.
    """
    f1, (_, f3), (_, f5), fp = filters
    return np.concatenate([np.ones(f1), np.full(f3, 4 / 9), np.full(f5, 9 / 25), np.ones(fp)])


def inception_module_test(target: Callable[..., Any]) -> None:
    """Check ``inception_module(X, filters)`` on the course's 28×28×192 → 28×28×256 module."""
    check = Checker("inception_module")
    model = _model(
        target,
        check,
        (28, 28, 192),
        COURSE_FILTERS,
        hint="every branch keeps the 28×28 size (padding='same', and the pooling branch's "
        "MaxPooling2D(3, strides=1, padding='same')), so the four can be concatenated on the "
        "channel axis",
    )
    if model is None:
        check.done()  # raises: _model recorded why there is no model
    _check_structure(
        check,
        model,
        shape=(
            "the output shape",
            (None, 28, 28, 256),
            "concatenate the four branches on the channel axis: 64 + 128 + 32 + 32 = 256",
        ),
        layers=(
            "the layers",
            {"Conv2D": 6, "MaxPooling2D": 1, "Concatenate": 1},
            "1×1; 1×1→3×3; 1×1→5×5; 3×3 max-pool (stride 1, same)→1×1; then Concatenate",
        ),
        params=(
            "the number of parameters",
            163_696,
            "(f·f·n_C_prev + 1)·n_C per convolution: 12,352 + 18,528 + 110,720 + 3,088 + "
            "12,832 + 6,176",
        ),
    )
    if not check.failures:
        for layer in model.layers:
            if type(layer).__name__ == "Conv2D":
                kernel, bias = layer.get_weights()
                fan_in = np.prod(kernel.shape[:3])
                layer.set_weights([np.full_like(kernel, 1.0 / fan_in), np.zeros_like(bias)])
        ones = np.ones((1, 28, 28, 192), np.float32)
        out = np.asarray(model(ones))
        check.close(
            "output[0, 0, 0] (top-left pixel) with all-ones input and kernels 1/fan_in",
            out[0, 0, 0],
            _expected_inception_corner(COURSE_FILTERS),
            atol=1e-4,
            hint="branches in the order 1×1, 3×3, 5×5, pool; padding='same' everywhere",
        )
        check.close(
            "the output with an all-minus-ones input",
            np.asarray(model(-ones)),
            np.zeros((1, 28, 28, 256)),
            atol=1e-6,
            hint="every convolution is followed by a ReLU",
        )
    check.done()


def _check_momentum(check: Checker, model: Any) -> None:
    momenta = {
        float(layer.momentum)
        for layer in model.layers
        if type(layer).__name__ == "BatchNormalization"
    }
    check.equal(
        "the BatchNormalization momentum",
        momenta,
        {0.9},
        hint="BatchNormalization(momentum=0.9): the moving averages must adapt in a short training",
    )


def _random_weights(model: Any, rng: np.random.Generator, scale: float = 1.0) -> None:
    """Random kernels and BatchNormalization statistics (variances kept positive)."""
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        if type(layer).__name__ == "BatchNormalization":
            gamma, beta, mean, var = weights
            layer.set_weights(
                [
                    rng.uniform(0.5, 1.5, gamma.shape),
                    rng.normal(0.0, 0.2, beta.shape),
                    rng.normal(0.0, 0.2, mean.shape),
                    rng.uniform(0.5, 1.5, var.shape),
                ]
            )
        else:
            layer.set_weights([scale * rng.standard_normal(w.shape) for w in weights])


def _bn(x: Any, layer: Any) -> Any:
    gamma, beta, mean, var = layer.get_weights()
    return (x - mean) / np.sqrt(var + BN_EPSILON) * gamma + beta


def _reference(
    model: Any,
    x: np.ndarray,
    stride: int,
    version: int,
    residual: bool = False,
    stride_on_pointwise: bool = False,
) -> Any:
    """The block's forward pass with TensorFlow ops, reading the weights layer by layer.

    ``version`` 1: MobileNet's depthwise-separable block (ReLU); 2: MobileNetV2's bottleneck
    (ReLU6, an expansion first, a linear projection, ``residual`` adds the input).
    ``stride_on_pointwise``: the usual mistake of striding the 1×1 convolution instead.
    """
    import tensorflow as tf

    out = tf.constant(x)
    convs = iter(layer for layer in model.layers if type(layer).__name__ == "Conv2D")
    norms = iter(layer for layer in model.layers if type(layer).__name__ == "BatchNormalization")
    (depthwise,) = [layer for layer in model.layers if type(layer).__name__ == "DepthwiseConv2D"]
    activation = (lambda t: tf.clip_by_value(t, 0.0, 6.0)) if version == 2 else tf.nn.relu
    if version == 2:  # expansion first
        out = activation(
            _bn(tf.nn.conv2d(out, next(convs).get_weights()[0], 1, "SAME"), next(norms))
        )
    depthwise_stride, pointwise_stride = (1, stride) if stride_on_pointwise else (stride, 1)
    kernel = depthwise.get_weights()[0]
    out = tf.nn.depthwise_conv2d(out, kernel, [1, depthwise_stride, depthwise_stride, 1], "SAME")
    out = activation(_bn(out, next(norms)))
    pointwise = next(convs).get_weights()[0]
    out = _bn(tf.nn.conv2d(out, pointwise, pointwise_stride, "SAME"), next(norms))
    if version == 1:  # ReLU after the pointwise convolution
        return np.asarray(tf.nn.relu(out))
    return np.asarray(out + x if residual else out)


def depthwise_separable_block_test(target: Callable[..., Any]) -> None:
    """Check ``depthwise_separable_block(X, filters, stride)`` (MobileNet v1)."""
    check = Checker("depthwise_separable_block")
    model = _model(target, check, (28, 28, 32), 64, 2)
    if model is None:
        check.done()  # raises: _model recorded why there is no model
    _check_structure(
        check,
        model,
        shape=(
            "the output shape for 28×28×32, filters=64, stride=2",
            (None, 14, 14, 64),
            "the depthwise 3×3 convolution carries the stride; padding='same'",
        ),
        layers=(
            "the layers",
            {"DepthwiseConv2D": 1, "BatchNormalization": 2, "ReLU": 2, "Conv2D": 1},
            "depthwise 3×3 → BN → ReLU → 1×1 conv → BN → ReLU",
        ),
        params=(
            "the number of parameters",
            2_720,
            "no biases (BN follows): 9·32 depthwise + 32·64 pointwise + 4·(32 + 64) BN",
        ),
    )
    _check_momentum(check, model)
    if not check.failures:
        rng = np.random.default_rng(5)
        _random_weights(model, rng)
        x = rng.standard_normal((2, 28, 28, 32)).astype(np.float32)
        check.close(
            "the output with random weights",
            np.asarray(model(x, training=False)),
            _reference(model, x, stride=2, version=1),
            atol=1e-3,
            rtol=1e-3,
            hint="depthwise 3×3 (with the stride, padding='same') → BN → ReLU → pointwise 1×1 → "
            "BN → ReLU",
            mistakes=[
                (
                    lambda: _reference(model, x, stride=2, version=1, stride_on_pointwise=True),
                    "the stride is on the pointwise 1×1 convolution: it belongs to the depthwise "
                    "3×3 one",
                )
            ],
        )
    check.done()


def bottleneck_block_test(target: Callable[..., Any]) -> None:
    """Check ``bottleneck_block(X, expansion, filters, stride)`` (MobileNetV2)."""
    check = Checker("bottleneck_block")
    cases = [
        ((28, 28, 16), 6, 16, 1, (None, 28, 28, 16), 4_768, True),
        ((28, 28, 16), 6, 24, 2, (None, 14, 14, 24), 5_568, False),
    ]
    rng = np.random.default_rng(6)
    for shape, expansion, filters, stride, out_shape, params, residual in cases:
        case = f"input {shape}, expansion={expansion}, filters={filters}, stride={stride}"
        model = _model(
            target,
            check,
            shape,
            expansion,
            filters,
            stride,
            hint="add the input only when stride is 1 and the channels match (n_C_prev == "
            "filters): otherwise the shapes differ",
        )
        if model is None:
            break
        layers = {"Conv2D": 2, "BatchNormalization": 3, "ReLU6": 2, "DepthwiseConv2D": 1}
        if residual:
            layers["Add"] = 1
        _check_structure(
            check,
            model,
            shape=(f"the output shape for {case}", out_shape, ""),
            layers=(
                f"the layers for {case}",
                layers,
                "1×1 expand → BN → ReLU6 → depthwise 3×3 → BN → ReLU6 → 1×1 project → BN "
                "(no ReLU), + input only when stride is 1 and the channels match",
            ),
            params=(
                f"the number of parameters for {case}",
                params,
                "no biases; expanded channels = expansion · n_C_prev",
            ),
        )
        _check_momentum(check, model)
        if check.failures:
            break
        _random_weights(model, rng, scale=0.5)
        x = 3.0 * rng.standard_normal((2, *shape)).astype(np.float32)
        check.close(
            f"the output with random weights for {case}",
            np.asarray(model(x, training=False)),
            _reference(model, x, stride=stride, version=2, residual=residual),
            atol=1e-3,
            rtol=1e-3,
            hint="ReLU6 = min(max(x, 0), 6); the projection is linear",
        )
    check.done()
