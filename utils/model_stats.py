"""What a network costs: multiplications, parameters and activation memory, counted from shapes.

A multiplication here is one multiply-accumulate (MAC) of a forward pass for ONE example; FLOPs are
usually quoted as 2 × MACs. Convolutions (1-D/2-D/3-D, depthwise, separable) and dense layers are
counted; pooling, normalisation, activations and additions are not (they are a small share).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from typing import Any


def conv_macs(
    output_size: Sequence[int], kernel_size: Sequence[int], in_channels: int, filters: int
) -> int:
    """Multiplications of one convolution: every output value is a dot product over its window.

    ``∏ output_size · ∏ kernel_size · in_channels · filters``. For example a 5×5 "same" convolution
    with 32 filters on 28×28×192 costs 28·28 · 5·5 · 192 · 32 = 120,422,400.

    Args:
        output_size: spatial size of the output, e.g. ``(28, 28)`` (any number of axes).
        kernel_size: spatial size of the kernel, e.g. ``(5, 5)``, one entry per output axis.
        in_channels: channels each filter spans (n_C_prev; 1 for a depthwise filter).
        filters: number of filters (output channels).
    """
    output_size, kernel_size = tuple(output_size), tuple(kernel_size)
    for name, sizes in (("output_size", output_size), ("kernel_size", kernel_size)):
        if not sizes or not all(_positive_int(v) for v in sizes):
            raise ValueError(f"{name}: expected a non-empty sequence of positive ints, got {sizes}")
    if len(output_size) != len(kernel_size):
        raise ValueError(
            f"kernel_size: expected {len(output_size)} entries like output_size, got {kernel_size}"
        )
    for name, value in (("in_channels", in_channels), ("filters", filters)):
        if not _positive_int(value):
            raise ValueError(f"{name}: expected a positive int, got {value!r}")
    return math.prod(output_size) * math.prod(kernel_size) * in_channels * filters


def layer_macs(layer: Any) -> int:
    """Multiplications of one built Keras layer for one example (0 for uncounted layers)."""
    import keras

    kind = type(layer).__name__
    if isinstance(layer, keras.Model):
        return sum(layer_macs(inner) for inner in layer.layers)
    if kind == "Dense":
        in_features = layer.input.shape[-1]
        positions = math.prod(layer.output.shape[1:-1])  # Dense on (batch, ..., features)
        return positions * in_features * layer.units
    if kind in ("Conv1D", "Conv2D", "Conv3D", "DepthwiseConv2D", "SeparableConv2D"):
        spatial = tuple(layer.output.shape[1:-1])
        in_channels = layer.input.shape[-1]
        if kind == "DepthwiseConv2D":
            return conv_macs(spatial, layer.kernel_size, 1, in_channels * layer.depth_multiplier)
        if kind == "SeparableConv2D":
            depthwise = in_channels * layer.depth_multiplier
            return conv_macs(spatial, layer.kernel_size, 1, depthwise) + conv_macs(
                spatial, (1,) * len(spatial), depthwise, layer.filters
            )
        return conv_macs(spatial, layer.kernel_size, in_channels // layer.groups, layer.filters)
    return 0


def layer_table(model: Any) -> list[dict[str, Any]]:
    """One row per layer: name, type, output shape, parameters, multiplications, activations.

    ``activations`` is the number of values the layer stores for one example (its memory is
    ``4 ×`` that in bytes for float32); ``Flatten`` and ``Reshape`` store none: their output is a
    view of their input.
    """
    import keras

    if not isinstance(model, keras.Model) or not model.built:
        raise ValueError(f"model: expected a built keras.Model, got {type(model).__name__}")
    rows = []
    for layer in model.layers:
        outputs = layer.output if isinstance(layer.output, list) else [layer.output]
        rows.append(
            {
                "name": layer.name,
                "type": type(layer).__name__,
                "output_shape": tuple(outputs[0].shape),
                "params": layer.count_params(),
                "macs": layer_macs(layer),
                "activations": 0
                if isinstance(layer, keras.layers.Flatten | keras.layers.Reshape)
                else sum(math.prod(out.shape[1:]) for out in outputs),
            }
        )
    return rows


def model_cost(model: Any) -> dict[str, int]:
    """Totals of :func:`layer_table`: ``params``, ``macs`` and ``activations`` per example."""
    rows = layer_table(model)
    return {key: sum(row[key] for row in rows) for key in ("params", "macs", "activations")}


@contextlib.contextmanager
def deferred_weights() -> Iterator[None]:
    """Build Keras models whose initial weights are drawn only when they are first used.

    Counting parameters and multiplications needs only the layers' shapes, yet Keras draws the
    random initial values of every weight as it builds a layer: most of the time it takes to build
    ResNet-152 (60 million parameters) or Xception. Inside this context (Keras's
    ``StatelessScope(initialize_variables=False)``) the variables are created without their values;
    Keras draws each one the first time the model is run, trained or its weights are read, so the
    model stays fully usable.

    Example::

        with deferred_weights():
            model = keras.applications.ResNet152(weights=None)
        model_cost(model)  # 60,419,944 parameters, 11.3 G multiplications, in about a second
    """
    import keras

    with keras.StatelessScope(initialize_variables=False):
        yield


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
