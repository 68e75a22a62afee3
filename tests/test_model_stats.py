"""Multiplication, parameter and activation counts against hand-computed values."""

import keras
import numpy as np
import pytest

from utils.model_stats import conv_macs, deferred_weights, layer_macs, layer_table, model_cost


def test_conv_macs_reproduces_the_course_numbers():
    assert conv_macs((28, 28), (5, 5), 192, 32) == 120_422_400
    bottleneck = conv_macs((28, 28), (1, 1), 192, 16) + conv_macs((28, 28), (5, 5), 16, 32)
    assert bottleneck == 2_408_448 + 10_035_200 == 12_443_648
    assert conv_macs((4, 4), (3, 3), 3, 5) == 2_160
    assert conv_macs((4, 4), (3, 3), 1, 3) + conv_macs((4, 4), (1, 1), 3, 5) == 432 + 240


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (((28, 28), (5,), 3, 4), "kernel_size: expected 2 entries"),
        (((), (5,), 3, 4), "output_size"),
        (((28, 0), (5, 5), 3, 4), "output_size"),
        (((28, 28), (5, 5), 0, 4), "in_channels"),
        (((28, 28), (5, 5), 3, True), "filters"),
    ],
)
def test_conv_macs_rejects_bad_shapes(args, message):
    with pytest.raises(ValueError, match=message):
        conv_macs(*args)


def small_model():
    return keras.Sequential(
        [
            keras.Input((6, 6, 3)),
            keras.layers.Conv2D(5, 3),  # 4×4×5: 4·4·9·3·5 = 2,160
            keras.layers.DepthwiseConv2D(3),  # 2×2×5: 2·2·9·5 = 180
            keras.layers.SeparableConv2D(4, 1),  # 2·2·1·5 + 2·2·5·4 = 20 + 80
            keras.layers.MaxPooling2D(2),  # not counted
            keras.layers.Flatten(),
            keras.layers.Dense(7),  # 4·7 = 28
        ]
    )


def test_layer_table_counts_each_layer():
    rows = layer_table(small_model())
    assert [row["macs"] for row in rows] == [2_160, 180, 100, 0, 0, 28]
    assert [row["activations"] for row in rows] == [80, 20, 16, 4, 0, 7]  # Flatten: a view
    assert [row["output_shape"] for row in rows][0] == (None, 4, 4, 5)
    assert model_cost(small_model()) == {
        "params": 140 + 50 + 29 + 35,
        "macs": 2_468,
        "activations": 127,
    }


def test_conv1d_conv3d_groups_and_nested_models():
    conv1d = keras.Sequential([keras.Input((14, 1)), keras.layers.Conv1D(16, 5)])
    assert layer_macs(conv1d.layers[0]) == 10 * 5 * 1 * 16
    conv3d = keras.Sequential([keras.Input((6, 6, 6, 2)), keras.layers.Conv3D(4, 3)])
    assert layer_macs(conv3d.layers[0]) == 4**3 * 27 * 2 * 4
    grouped = keras.Sequential([keras.Input((5, 5, 4)), keras.layers.Conv2D(6, 1, groups=2)])
    assert layer_macs(grouped.layers[0]) == 25 * 2 * 6
    inputs = keras.Input((6, 6, 3))
    outer = keras.Model(inputs, small_model()(inputs))
    assert model_cost(outer)["macs"] == 2_468


def test_vgg16_matches_its_published_size():
    cost = model_cost(keras.applications.VGG16(weights=None))
    assert cost["params"] == 138_357_544
    assert round(cost["macs"] / 1e9, 2) == 15.47  # the usual "15.5 G multiply-adds"


def test_layer_table_rejects_what_is_not_a_built_model():
    with pytest.raises(ValueError, match="model: expected a built keras.Model"):
        layer_table("vgg")


def test_deferred_weights_builds_the_same_model_and_draws_its_weights_when_used():
    def build():
        keras.utils.set_random_seed(0)
        return keras.Sequential([keras.Input((6, 6, 3)), keras.layers.Conv2D(5, 3)])

    with deferred_weights():
        deferred = build()
    eager = build()
    assert model_cost(deferred) == model_cost(eager)
    assert deferred.count_params() == eager.count_params() == 140
    image = np.ones((1, 6, 6, 3), np.float32)
    assert deferred(image).shape == (1, 4, 4, 5)  # the weights are drawn on first use
    kernel, bias = deferred.get_weights()
    assert kernel.shape == (3, 3, 3, 5) and np.ptp(kernel) > 0 and not bias.any()
