"""utils.transfer: framed digits, the compact MobileNetV2 and the classifier put on a backbone."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from utils import transfer


def test_framed_digits_draw_each_digit_in_the_middle_of_a_black_frame():
    X_train, Y_train, X_test, Y_test, classes = transfer.framed_digits(
        size=32, channels=1, digits=range(5, 10)
    )
    assert X_train.shape[1:] == (32, 32, 1) and X_train.dtype == np.float32
    assert classes.tolist() == [5, 6, 7, 8, 9] and set(Y_train.tolist()) == set(range(5))
    assert len(X_train) + len(X_test) == 896 and len(Y_test) == len(X_test)
    margin = np.ones((32, 32), bool)
    margin[6:26, 6:26] = False
    assert X_train[:, margin].max() == 0.0 and X_test[:, margin].max() == 0.0
    assert X_train[:, 6:26, 6:26].max() > 0.5 and X_train.max() <= 1.0


def test_framed_digits_keep_the_split_and_scale_the_margin():
    small = transfer.framed_digits(size=16, channels=1, digits=[3, 4])
    wide = transfer.framed_digits(size=96, channels=3, digits=[3, 4])
    np.testing.assert_array_equal(small[1], wide[1])  # the same stratified split at any size
    X = wide[0]
    assert X.shape[1:] == (96, 96, 3) and np.array_equal(X[..., 0], X[..., 2])
    assert X[:, :18].max() == 0.0 and X[:, 78:].max() == 0.0 and X[:, :, :18].max() == 0.0


@pytest.mark.parametrize("size", [8, 15, 32.0, True])
def test_framed_digits_reject_a_bad_size(size):
    with pytest.raises(ValueError, match="size: expected an int >= 16"):
        transfer.framed_digits(size=size)


def test_mobilenet_v2_small_has_keras_layer_names_shapes_and_momentum():
    backbone = transfer.mobilenet_v2_small()
    names = [layer.name for layer in backbone.layers]
    for name in ("Conv1", "bn_Conv1", "expanded_conv_depthwise", "block_1_expand", "block_2_add"):
        assert name in names
    assert {"block_3_expand", "block_4_add", "Conv_1", "out_relu"} <= set(names)
    assert "block_1_add" not in names and "block_3_add" not in names  # stride 2: no residual
    assert tuple(backbone.output.shape) == (None, 4, 4, 192)
    assert backbone.count_params() == 51_712
    norms = [layer for layer in backbone.layers if type(layer).__name__ == "BatchNormalization"]
    assert len(norms) == 16 and {layer.momentum for layer in norms} == {transfer.BN_MOMENTUM}
    assert tuple(transfer.mobilenet_v2_small((64, 48, 1)).output.shape) == (None, 8, 6, 192)


@pytest.mark.parametrize("shape", [(4, 4, 3), (32, 32), (32, 32, 0), (32.0, 32, 3), "32"])
def test_mobilenet_v2_small_rejects_a_bad_input_shape(shape):
    with pytest.raises(ValueError, match="input_shape"):
        transfer.mobilenet_v2_small(shape)


def test_classifier_rescales_pools_and_classifies():
    model = transfer.classifier(transfer.mobilenet_v2_small(), 5)
    assert model.count_params() == 51_712 + 192 * 5 + 5
    kinds = [type(layer).__name__ for layer in model.layers[1:]]
    assert kinds == ["Rescaling", "Functional", "GlobalAveragePooling2D", "Dense"]
    grey = np.full((1, 32, 32, 3), 0.5, np.float32)  # the backbone sees 0
    assert np.asarray(model.layers[1](grey)).max() == 0.0
    probs = np.asarray(model(np.random.default_rng(0).uniform(size=(3, 32, 32, 3))))
    assert probs.shape == (3, 5) and np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)


def test_only_frozen_batch_normalisation_keeps_its_moving_statistics_in_training():
    """What classifier's docstring promises (Keras 3: fit's training=True reaches nested layers)."""
    import keras

    images = np.random.default_rng(1).uniform(size=(4, 32, 32, 3)).astype(np.float32)
    inputs = keras.Input((32, 32, 3))
    backbone = transfer.mobilenet_v2_small()
    nested_false = keras.Model(inputs, backbone(inputs, training=False))
    alone = np.asarray(nested_false(images[:1], training=True))
    together = np.asarray(nested_false(images, training=True))[:1]
    assert not np.allclose(alone, together, atol=1e-5)  # training=False was overridden
    for layer in backbone.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
    model = transfer.classifier(backbone, 3)
    alone = np.asarray(model(images[:1], training=True))
    together = np.asarray(model(images, training=True))[:1]
    np.testing.assert_allclose(alone, together, atol=1e-6)  # moving statistics: no batch effect


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"classes": 1}, "classes: expected an int >= 2"),
        ({"classes": True}, "classes: expected an int >= 2"),
        ({"base": "mobilenet"}, "base: expected a keras.Model"),
    ],
)
def test_classifier_names_a_bad_argument(kwargs, message):
    call = {"base": transfer.mobilenet_v2_small(), "classes": 5, **kwargs}
    with pytest.raises(ValueError, match=message):
        transfer.classifier(**call)


IMAGENET = "mobilenet_v2_0.35_96_imagenet_no_top"  # notebook 09's online backbone


def test_imagenet_mobilenet_v2_file_is_pinned_on_first_use_and_loads(
    tmp_path, server, monkeypatch, capsys
):
    """Notebook 09's online path on a file in the same format (Keras 2 HDF5 weights, 2 MB)."""
    import keras

    from tests.keras2_weights import write_keras2_weights
    from utils import assets

    def backbone(weights):
        return keras.applications.MobileNetV2(
            (96, 96, 3), alpha=0.35, include_top=False, weights=weights
        )

    real = assets.registry()[IMAGENET]
    www, base = server
    written = write_keras2_weights(www / real.filename, backbone(None), np.random.default_rng(0))
    monkeypatch.delenv("COURSE_OFFLINE", raising=False)
    asset = dataclasses.replace(real, url=f"{base}/{real.filename}", folder=tmp_path / "shipped")
    path = assets.resolve(asset, cache_dir=tmp_path / "cache")
    assert "pinned on first use" in capsys.readouterr().out
    assert assets.pin_file(path).read_text().strip() == assets.sha256sum(www / real.filename)

    model = backbone(str(path))  # as notebook 09 builds it
    for name in ("Conv1", "block_3_expand", "Conv_1_bn"):
        for got, want in zip(model.get_layer(name).get_weights(), written[name], strict=True):
            np.testing.assert_array_equal(got, want)
    with open(path, "r+b") as stored:  # a later copy that differs is refused
        stored.seek(-8, 2)
        stored.write(b"\x00" * 8)
    with pytest.raises(ValueError, match="recorded sha256 mismatch"):
        assets.resolve(asset, cache_dir=tmp_path / "cache")
