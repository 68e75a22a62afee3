"""Unit tests of utils.style (notebook 08's non-graded helpers) and its shipped scales file."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from tests.keras2_weights import write_keras2_weights
from utils import assets, style

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def vgg():
    import keras

    keras.utils.set_random_seed(0)
    return keras.applications.VGG19(include_top=False, weights=None)


def test_conv_shapes_are_vgg19s(vgg):
    shapes = style.vgg19_conv_shapes()
    assert len(shapes) == 16
    for name, shape in shapes:
        assert vgg.get_layer(name).get_weights()[0].shape == shape


def test_random_kernels_are_seeded_and_he_scaled():
    a, b = style.random_kernels(0), style.random_kernels(0)
    assert all(np.array_equal(a[n], b[n]) for n in a)
    assert not np.array_equal(a["block1_conv1"], style.random_kernels(1)["block1_conv1"])
    std = a["block3_conv1"].std()
    assert abs(std - np.sqrt(2 / (9 * 128))) < 0.01 * std


def test_the_manifest_entry_matches_the_shipped_file():
    asset = assets.registry()[style.SCALED_ASSET]
    path = ROOT / "weights" / asset.filename
    assert path.stat().st_size == asset.size_bytes <= 10_000_000
    assert assets.sha256sum(path) == asset.sha256
    stored = np.load(path)
    assert int(stored["seed"]) == 0
    for name, shape in style.vgg19_conv_shapes():
        assert stored[f"{name}/scale"].shape == stored[f"{name}/bias"].shape == (shape[-1],)
        assert np.all(stored[f"{name}/scale"] > 0)
    entries = json.loads((ROOT / "weights" / "MANIFEST.json").read_text(encoding="utf-8"))
    assert [e["name"] for e in entries["assets"]].count(style.SCALED_ASSET) == 1


def test_scaled_vgg_has_unit_variance_pre_activations_on_the_photos():
    model, used = style.load_vgg19("scaled_random", verbose=False)
    assert used == "scaled_random"
    photos = style.calibration_photos(64)
    extractor = style.feature_extractor(model, ["block1_conv1", "block3_conv1"])
    first, third = (a.numpy() for a in extractor(photos))
    # Post-ReLU of a zero-mean unit-variance pre-activation: about half the units fire.
    assert 0.3 < (first > 0).mean() < 0.7 and 0.3 < (third > 0).mean() < 0.7


def test_auto_falls_back_offline(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # no cached ImageNet weights
    _, used = style.load_vgg19("auto")
    assert used == "random"
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("vgg19_imagenet_notop: offline (COURSE_OFFLINE=1) — using the")
    assert lines[1].endswith("offline substitute: Keras's default initialisation, fixed seed")
    with pytest.raises(FileNotFoundError, match="could not be had"):
        style.load_vgg19("imagenet")
    with pytest.raises(ValueError, match="source must be one of"):
        style.load_vgg19("vgg16")


def imagenet_file_in_cache(monkeypatch, tmp_path, vgg, md5=None):
    """A VGG19 weights file in Keras 2's format in the Keras cache, registered with ``md5``."""
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    real = assets.registry()
    entry = real[style.IMAGENET_ASSET]
    path = tmp_path / entry.cache_subdir / entry.filename
    path.parent.mkdir()
    written = write_keras2_weights(path, vgg, np.random.default_rng(0))
    pinned = dataclasses.replace(entry, md5=md5 or assets.md5sum(path))
    monkeypatch.setattr(assets, "registry", lambda: {**real, style.IMAGENET_ASSET: pinned})
    return written


def test_imagenet_weights_with_keras_md5_are_loaded(monkeypatch, tmp_path, vgg, capsys):
    written = imagenet_file_in_cache(monkeypatch, tmp_path, vgg)
    model, used = style.load_vgg19("auto")
    assert used == "imagenet"
    assert capsys.readouterr().out == "VGG19 (include_top=False): ImageNet weights\n"
    for name, _ in style.vgg19_conv_shapes():
        for got, want in zip(model.get_layer(name).get_weights(), written[name], strict=True):
            np.testing.assert_array_equal(got, want)


def test_imagenet_weights_with_another_md5_are_refused(monkeypatch, tmp_path, vgg):
    imagenet_file_in_cache(monkeypatch, tmp_path, vgg, md5="0" * 32)
    with pytest.raises(ValueError, match="md5 mismatch"):
        style.load_vgg19("auto")


def test_feature_extractor_lists_valid_names(vgg):
    with pytest.raises(ValueError) as info:
        style.feature_extractor(vgg, ["block1_conv1", "block6_conv1"])
    message = str(info.value)
    assert "'block6_conv1'" in message and "block5_conv4" in message and "block1_pool" in message
    with pytest.raises(ValueError, match="non-empty list"):
        style.feature_extractor(vgg, "block1_conv1")


def test_feature_extractor_does_the_caffe_preprocessing(vgg):
    import keras

    image = np.random.default_rng(0).random((1, 32, 32, 3)).astype(np.float32)
    got = style.feature_extractor(vgg, ["block1_conv2"])(image).numpy()  # one layer: a tensor
    reference = keras.Model(vgg.input, vgg.get_layer("block1_conv2").output)
    caffe = keras.applications.vgg19.preprocess_input(image * 255.0)
    np.testing.assert_allclose(got, reference(caffe).numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((30, 50), np.uint8),
        np.ones((40, 20, 1), np.float32),
        np.full((25, 25, 4), 0.5, np.float32),
        np.zeros((10, 12, 3), bool),
    ],
    ids=["gray-uint8", "HW1", "RGBA", "bool"],
)
def test_prepare_image_accepts_any_channel_count(image):
    got = style.prepare_image(image, (16, 24))
    assert got.shape == (16, 24, 3) and got.dtype == np.float32
    assert 0.0 <= got.min() and got.max() <= 1.0


def test_rgba_is_composited_on_white():
    rgba = np.zeros((8, 8, 4), np.float32)  # fully transparent
    np.testing.assert_allclose(style.prepare_image(rgba, 8), 1.0, atol=1e-6)


def test_prepare_image_rejects_bad_input():
    with pytest.raises(ValueError, match="expected shape"):
        style.prepare_image(np.zeros((4, 4, 2)), 8)
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        style.prepare_image(np.full((4, 4), 3.0), 8)
    with pytest.raises(KeyError, match="unknown image name"):
        style.prepare_image("mona_lisa", 8)


def test_load_pair_gives_one_size():
    content, style_image = style.load_pair("chelsea", "brick", 32)
    assert content.shape == style_image.shape == (32, 32, 3)


def test_painted_style_is_deterministic():
    a, b = style.painted_style(32, strokes=50), style.painted_style(32, strokes=50)
    assert a.shape == (32, 32, 3) and np.array_equal(a, b)
    assert 0.0 <= a.min() and a.max() <= 1.0 and a.std() > 0.05
    with pytest.raises(ValueError, match="^size: expected an int >= 16, got 8$"):
        style.painted_style(8)


def test_save_png_writes_and_never_overwrites_inputs(tmp_path, monkeypatch):
    from PIL import Image

    monkeypatch.chdir(tmp_path)
    image = np.linspace(0, 1, 4 * 5 * 3).reshape(1, 4, 5, 3)
    path = style.save_png(image, "result.png", "output")
    assert path == Path("output/result.png")
    assert np.asarray(Image.open(path)).shape == (4, 5, 3)
    style.save_png(image[0], "result.png", "output")  # its own earlier result is replaced
    source = tmp_path / "output" / "mine.png"
    source.write_bytes(b"input")
    with pytest.raises(ValueError, match="refusing to overwrite the input image"):
        style.save_png(image, "mine.png", "output", inputs=[source])
    assert source.read_bytes() == b"input"
    for bad in ("chelsea.png", "../x.png", "x.jpg"):
        with pytest.raises(ValueError):
            style.save_png(image, bad, "output")
    with pytest.raises(ValueError, match="expected shape"):
        style.save_png(np.zeros((4, 4)), "gray.png", "output")


def test_the_random_substitute_is_seeded_glorot():
    first, _ = style.load_vgg19("random", verbose=False)
    again, _ = style.load_vgg19("random", verbose=False)
    other, _ = style.load_vgg19("random", seed=1, verbose=False)
    kernel = first.get_layer("block2_conv1").get_weights()[0]
    np.testing.assert_array_equal(kernel, again.get_layer("block2_conv1").get_weights()[0])
    assert not np.array_equal(kernel, other.get_layer("block2_conv1").get_weights()[0])
    limit = np.sqrt(6 / (9 * 64 + 9 * 128))  # Glorot-uniform: U(−limit, limit)
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.9 * limit
    assert not first.get_layer("block2_conv1").get_weights()[1].any()
