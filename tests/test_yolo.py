"""utils.yolo and utils.darknet: the model, its head, Darknet weight files, the COCO weights."""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
import pytest

from scripts.train_yolo_shapes import save_darknet_weights
from utils.assets import registry, sha256sum
from utils.darknet import load_darknet_weights
from utils.model_stats import model_cost
from utils.yolo import (
    COCO_WEIGHTS,
    SpaceToDepth,
    coco_yolo_v2,
    read_anchors,
    read_classes,
    yolo_head,
    yolo_v2,
)


def count(weights) -> int:
    return sum(int(np.prod(w.shape)) for w in weights)


@pytest.fixture(scope="module")
def yolo_608():
    return yolo_v2()


def test_yolo_v2_608_has_the_published_size(yolo_608):
    assert yolo_608.output.shape == (None, 19, 19, 425)
    assert yolo_608.count_params() == 50_983_561
    assert count(yolo_608.trainable_weights) == 50_962_889
    assert count(yolo_608.non_trainable_weights) == 20_672
    assert round(2 * model_cost(yolo_608)["macs"] / 1e9, 2) == 62.94  # Darknet's "62.94 BFLOPs"
    assert not any(type(layer).__name__ == "Lambda" for layer in yolo_608.layers)


def small_model(seed: int) -> keras.Model:
    model = yolo_v2((64, 64, 3), num_anchors=2, num_classes=3, width=0.125)
    rng = np.random.default_rng(seed)
    model.set_weights(
        [rng.uniform(0.5, 1.5, w.shape).astype(np.float32) for w in model.get_weights()]
    )
    return model


@pytest.mark.parametrize(("version", "header"), [((0, 2, 0), 20), ((0, 1, 0), 16)])
def test_darknet_round_trip_is_bit_exact(tmp_path, version, header):
    source, target = small_model(1), small_model(2)
    path = tmp_path / "small.weights"
    save_darknet_weights(source, path, version=version)
    values = count(source.weights)  # every weight, BN statistics included, is in the file
    assert path.stat().st_size == header + 4 * values
    info = load_darknet_weights(target, path)
    assert info == {"major": version[0], "minor": version[1], "revision": version[2], "seen": 0}
    for got, expected in zip(target.get_weights(), source.get_weights(), strict=True):
        np.testing.assert_array_equal(got, expected)
    x = np.random.default_rng(3).random((1, 64, 64, 3)).astype(np.float32)
    np.testing.assert_array_equal(target(x), source(x))


def test_darknet_kernel_order_is_out_in_h_w(tmp_path):
    model = small_model(4)
    path = tmp_path / "w.weights"
    save_darknet_weights(model, path)
    values = np.fromfile(path, np.float32, offset=20)
    conv, bn = model.get_layer("conv_1"), model.get_layer("bn_1")
    gamma, beta, mean, variance = bn.get_weights()
    n = gamma.size
    np.testing.assert_array_equal(values[:n], beta)  # Darknet: biases (beta) come first
    np.testing.assert_array_equal(values[n : 2 * n], gamma)
    np.testing.assert_array_equal(values[3 * n : 4 * n], variance)
    kernel = conv.get_weights()[0]  # (h, w, in, out)
    np.testing.assert_array_equal(
        values[4 * n : 4 * n + kernel.size], kernel.transpose(3, 2, 0, 1).ravel()
    )


@pytest.mark.parametrize("change", ["truncate", "extend"])
def test_a_file_of_the_wrong_size_says_how_many_values(tmp_path, change):
    model = small_model(5)
    path = tmp_path / "w.weights"
    save_darknet_weights(model, path)
    data = path.read_bytes()
    path.write_bytes(data[:-40] if change == "truncate" else data + bytes(40))
    needed = count(model.weights)
    held = needed - 10 if change == "truncate" else needed + 10
    with pytest.raises(ValueError, match=f"needs {needed:,} float32 values .* holds {held:,}"):
        load_darknet_weights(small_model(6), path)
    path.write_bytes(b"\0" * 8)
    with pytest.raises(ValueError, match="shorter than a Darknet header"):
        load_darknet_weights(model, path)


def test_models_save_and_load_without_unsafe_deserialisation(tmp_path):
    model = small_model(7)
    model.save(tmp_path / "yolo.keras")
    loaded = keras.models.load_model(tmp_path / "yolo.keras")  # safe_mode stays on
    x = np.random.default_rng(8).random((1, 64, 64, 3)).astype(np.float32)
    np.testing.assert_allclose(loaded(x), model(x), rtol=1e-6)


def test_space_to_depth_moves_2x2_patches_into_channels():
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    out = np.asarray(SpaceToDepth(2)(x))
    assert out.shape == (1, 2, 2, 4)
    np.testing.assert_array_equal(out[0, 0, 0], [0, 1, 4, 5])
    with pytest.raises(ValueError, match="block_size"):
        SpaceToDepth(0)


def test_yolo_head_on_zero_logits_gives_cell_centres_and_anchor_sizes():
    anchors = np.array([[1.0, 2.0], [3.0, 0.5]])
    feats = np.zeros((1, 2, 3, 2 * (5 + 4)), np.float32)  # 2 rows, 3 columns, 2 anchors, 4 classes
    box_xy, box_wh, box_confidence, box_class_probs = (
        np.asarray(t) for t in yolo_head(feats, anchors, 4)
    )
    assert box_xy.shape == (1, 2, 3, 2, 2) and box_class_probs.shape == (1, 2, 3, 2, 4)
    np.testing.assert_allclose(box_xy[0, 1, 2, 0], [(0.5 + 2) / 3, (0.5 + 1) / 2])  # (x, y)
    np.testing.assert_allclose(box_wh[0, 0, 0], [[1 / 3, 2 / 2], [3 / 3, 0.5 / 2]])
    np.testing.assert_allclose(box_confidence, 0.5)
    np.testing.assert_allclose(box_class_probs, 0.25)


def test_yolo_head_and_model_reject_bad_shapes():
    with pytest.raises(ValueError, match="feats: expected 2 · \\(5 \\+ 4\\) = 18 channels, got 17"):
        yolo_head(np.zeros((1, 2, 2, 17)), np.ones((2, 2)), 4)
    with pytest.raises(ValueError, match="anchors: expected shape"):
        yolo_head(np.zeros((1, 2, 2, 18)), np.ones(4), 4)
    with pytest.raises(ValueError, match="input_shape"):
        yolo_v2((600, 600, 3))
    with pytest.raises(ValueError, match="width"):
        yolo_v2(width=0)
    with pytest.raises(ValueError, match="num_classes"):
        yolo_v2(num_classes=0)


def test_class_names_and_anchors_ship_in_data(tmp_path):
    classes = read_classes()
    assert len(classes) == 80 and classes[0] == "person" and classes[-1] == "toothbrush"
    anchors = read_anchors()
    assert anchors.shape == (5, 2) and anchors[0, 0] == pytest.approx(0.57273)
    (tmp_path / "odd.txt").write_text("1, 2, 3")
    with pytest.raises(ValueError, match="even number"):
        read_anchors(tmp_path / "odd.txt")


def test_layers_have_stable_names():
    model = yolo_v2((64, 64, 3), num_anchors=2, num_classes=3, width=0.125)
    names = [layer.name for layer in model.layers]
    assert names[0] == "image"
    assert [n for n in names if n.startswith("pool_")] == [f"pool_{k}" for k in range(1, 6)]


# --------------------------------------------------------------------------------------------
# The COCO weights: manifest entry and the loading path (tested with a small random file)


def test_the_coco_weights_are_registered_with_their_published_checksum():
    asset = registry()[COCO_WEIGHTS]
    assert asset.filename == "yolov2.weights" and asset.folder.name == "weights"
    assert asset.url == "https://pjreddie.com/media/files/yolov2.weights"
    assert asset.sha256 == "d9945162ed6f54ce1a901e3ec537bdba4d572ecae7873087bd730e5a7942df3f"
    assert asset.size_bytes is None  # not shipped; 16 header bytes + 4 · 50,983,561
    assert "203,934,260 bytes" in asset.description and 16 + 4 * 50_983_561 == 203_934_260
    assert "yolo_shapes" in asset.offline and asset.cache_subdir == "models"


def test_coco_yolo_v2_offline_prints_one_line_and_returns_none(tmp_path, capsys):
    assert coco_yolo_v2(offline=True, cache_dir=tmp_path) is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith(f"{COCO_WEIGHTS}: offline (offline=True)")
    assert "offline substitute" in out


def test_coco_yolo_v2_loads_a_verified_file_through_the_resolver(tmp_path, capsys):
    source = small_model(9)
    path = tmp_path / "tiny.weights"
    save_darknet_weights(source, path)
    asset = dataclasses.replace(
        registry()[COCO_WEIGHTS], filename=path.name, sha256=sha256sum(path), folder=tmp_path
    )
    small = {"input_shape": (64, 64, 3), "num_anchors": 2, "num_classes": 3, "width": 0.125}
    model = coco_yolo_v2(asset, offline=True, **small)
    assert capsys.readouterr().out == ""
    for got, expected in zip(model.get_weights(), source.get_weights(), strict=True):
        np.testing.assert_array_equal(got, expected)
    cached = dataclasses.replace(asset, folder=tmp_path / "elsewhere")  # found in the Keras cache
    (tmp_path / "cache" / "models").mkdir(parents=True)
    (tmp_path / "cache" / "models" / path.name).write_bytes(path.read_bytes())
    assert coco_yolo_v2(cached, offline=True, cache_dir=tmp_path / "cache", **small) is not None
    path.write_bytes(path.read_bytes()[:-4] + b"\0\0\0\1")
    with pytest.raises(ValueError, match="sha256 mismatch"):
        coco_yolo_v2(asset, offline=True, **small)
