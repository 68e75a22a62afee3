"""YOLOv2: model, head, Darknet weight files, anchors, targets, loss, COCO and shipped weights."""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
import pytest

from scripts import train_yolo_shapes as shapes
from utils.assets import registry, resolve, sha256sum
from utils.model_stats import model_cost
from utils.yolo import (
    COCO_WEIGHTS,
    SpaceToDepth,
    assign_anchor,
    coco_yolo_v2,
    kmeans_anchors,
    load_darknet_weights,
    read_anchors,
    read_classes,
    save_darknet_weights,
    sizes_in_cells,
    wh_iou,
    yolo_head,
    yolo_loss,
    yolo_targets,
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
# Anchors, targets, k-means


def test_wh_iou_of_boxes_sharing_a_centre():
    ious = wh_iou([[2, 2], [1, 4], [0, 0]], [[2, 2], [4, 1]])
    np.testing.assert_allclose(ious, [[1, 2 / 6], [2 / 6, 1 / 7], [0, 0]])
    with pytest.raises(ValueError, match="wh: expected an \\(N, 2\\) array"):
        wh_iou([1, 2, 3], [[1, 1]])
    with pytest.raises(ValueError, match="anchors"):
        wh_iou([[1, 1]], [[-1, 1]])


def test_assign_anchor_picks_the_centre_cell_and_the_best_shape():
    anchors = np.array([[1.0, 1.0], [2.0, 1.0], [1.0, 3.0]])  # (w, h) in cells
    # 4 rows × 5 columns on a 128 × 160 image: cells of 32 × 32 px.
    tall = (10, 70, 100, 100)  # y1, x1, y2, x2: centre (55, 85) → row 1, col 2; 30 × 90 px
    row, col, anchor, overlap = assign_anchor(tall, anchors, (4, 5), (128, 160))
    assert (row, col, anchor) == (1, 2, 2)
    assert overlap == pytest.approx((30 / 32 * 90 / 32) / (1 * 3))
    wide = (0, 0, 32, 62)  # centre (16, 31): row 0, col 0; 62 × 32 px
    assert assign_anchor(wide, anchors, (4, 5), (128, 160))[:3] == (0, 0, 1)
    corner = (120, 150, 128, 160)  # centre on the last row and column
    assert assign_anchor(corner, anchors, (4, 5), (128, 160))[:2] == (3, 4)
    with pytest.raises(ValueError, match="x2 < x1"):
        assign_anchor((0, 10, 5, 0), anchors, (4, 5), (128, 160))
    with pytest.raises(ValueError, match="grid_shape"):
        assign_anchor(wide, anchors, (0, 5), (128, 160))


def test_sizes_in_cells_are_the_unit_of_the_anchors():
    boxes = np.array([[10, 70, 100, 100], [0, 0, 32, 62]], np.float32)  # (y1, x1, y2, x2)
    sizes = sizes_in_cells(boxes, (4, 5), (128, 160))  # cells of 32 × 32 px
    np.testing.assert_allclose(sizes, [[30 / 32, 90 / 32], [62 / 32, 1.0]])
    assert sizes.dtype == np.float32 and sizes_in_cells([0, 0, 2, 4], (1, 1), (4, 4)).shape == (
        1,
        2,
    )
    with pytest.raises(ValueError, match="image_shape"):
        sizes_in_cells(boxes, (4, 5), (128, 0))


def test_yolo_targets_fill_one_slot_per_box_and_share_a_cell_between_anchors():
    anchors = np.array([[1.0, 1.0], [2.0, 2.0]])
    boxes = np.array([[0, 0, 32, 32], [2, 2, 30, 30], [64, 96, 128, 160]], float)
    target = yolo_targets(boxes, [2, 0, 1], anchors, (4, 5), (128, 160), 3).reshape(4, 5, 2, 8)
    assert target.shape == (4, 5, 2, 8) and target[..., 4].sum() == 3
    np.testing.assert_allclose(target[0, 0, 0], [0.1, 0.125, 0.2, 0.25, 1, 0, 0, 1])
    # the second box wants the same cell and anchor: it gets the cell's next best anchor
    np.testing.assert_allclose(target[0, 0, 1, :5], [0.1, 0.125, 28 / 160, 28 / 128, 1])
    assert target[0, 0, 1, 5] == 1
    np.testing.assert_allclose(target[3, 4, 1], [0.8, 0.75, 0.4, 0.5, 1, 0, 1, 0])
    assert yolo_targets(np.zeros((0, 4)), [], anchors, (4, 5), (128, 160), 3).sum() == 0
    with pytest.raises(ValueError, match="classes: expected indices in \\[0, 3\\)"):
        yolo_targets(boxes, [0, 1, 3], anchors, (4, 5), (128, 160), 3)
    with pytest.raises(ValueError, match="one per box"):
        yolo_targets(boxes, [0, 1], anchors, (4, 5), (128, 160), 3)


def test_kmeans_with_1_minus_iou_finds_the_shapes_of_clustered_boxes():
    rng = np.random.default_rng(0)
    shapes = np.array([[0.5, 0.5], [3.0, 1.0], [1.0, 3.0]])
    wh = np.repeat(shapes, 30, axis=0) * rng.uniform(0.97, 1.03, (90, 2))
    stuck, stuck_iou = kmeans_anchors(wh, 3, seed=1)  # a poor local optimum from this start
    anchors, mean_iou = kmeans_anchors(wh, 3, seed=1, restarts=5)
    by_width = anchors[np.argsort(anchors[:, 0])]  # (3, 1) and (1, 3) have the same area
    np.testing.assert_allclose(by_width, shapes[[0, 2, 1]], rtol=0.02)
    assert np.all(np.diff(anchors.prod(axis=1)) >= 0)  # sorted by area
    assert mean_iou > 0.95 > stuck_iou
    again, again_iou = kmeans_anchors(wh, 3, seed=1, restarts=5)
    np.testing.assert_array_equal(again, anchors)
    one, one_iou = kmeans_anchors(wh, 1)
    assert one_iou < mean_iou
    with pytest.raises(ValueError, match="k: expected an int in \\[1, 90\\]"):
        kmeans_anchors(wh, 91)
    with pytest.raises(ValueError, match="restarts"):
        kmeans_anchors(wh, 2, restarts=0)


# --------------------------------------------------------------------------------------------
# The loss


def perfect_logits(target: np.ndarray, anchors: np.ndarray, grid: tuple, classes: int):
    """Raw outputs that decode exactly to ``target``'s boxes, confident and of the right class."""
    rows, cols = grid
    t = target.reshape(rows, cols, len(anchors), 5 + classes)
    has = t[..., 4] == 1
    gy, gx = np.mgrid[0:rows, 0:cols]
    offset = t[..., :2] * [cols, rows] - np.stack([gx, gy], -1)[:, :, None]
    offset = np.clip(offset, 1e-6, 1 - 1e-6)
    feats = np.zeros_like(t)
    feats[..., :2] = np.where(has[..., None], np.log(offset / (1 - offset)), 0)
    size = np.maximum(t[..., 2:4] * [cols, rows] / anchors, 1e-9)
    feats[..., 2:4] = np.where(has[..., None], np.log(size), 0)
    feats[..., 4] = np.where(has, 30.0, -30.0)
    feats[..., 5:] = 40.0 * t[..., 5:]
    return feats.reshape(1, rows, cols, -1).astype(np.float32)


def test_yolo_loss_is_zero_for_a_perfect_prediction_and_decodes_the_boxes():
    anchors = np.array([[1.0, 1.0], [2.0, 1.5]])
    boxes = np.array([[10, 20, 50, 40], [60, 60, 100, 150]], float)
    target = yolo_targets(boxes, [1, 0], anchors, (4, 5), (128, 160), 3)
    feats = perfect_logits(target, anchors, (4, 5), 3)
    loss = np.asarray(yolo_loss(target[None], feats, anchors, 3))
    assert loss.shape == (1,) and loss[0] < 1e-6
    xy, wh, confidence, _ = (np.asarray(t)[0] for t in yolo_head(feats, anchors, 3))
    has = confidence[..., 0] > 0.5
    np.testing.assert_allclose(xy[has] * [160, 128], [[30, 30], [105, 80]], atol=1e-3)
    np.testing.assert_allclose(wh[has] * [160, 128], [[20, 40], [90, 40]], atol=1e-3)
    worse = feats.copy()
    worse[..., 2] += 0.5  # every width e^0.5 too large
    assert np.asarray(yolo_loss(target[None], worse, anchors, 3))[0] > 0.4


def test_yolo_loss_ignores_good_boxes_without_object_unless_told_not_to():
    anchors = np.array([[1.0, 1.0], [1.1, 1.1]])
    boxes = np.array([[0, 0, 32, 32]], float)
    target = yolo_targets(boxes, [0], anchors, (4, 5), (128, 160), 3)
    feats = perfect_logits(target, anchors, (4, 5), 3).reshape(4, 5, 2, 8)
    feats[0, 0, 1] = feats[0, 0, 0] - [0, 0, np.log(1.1), np.log(1.1), 0, 0, 0, 0]
    feats[0, 0, 1, 4] = 30.0  # a confident duplicate in the second anchor, IoU 1 with the truth
    feats = feats.reshape(1, 4, 5, 16)
    ignored = np.asarray(yolo_loss(target[None], feats, anchors, 3))[0]
    punished = np.asarray(yolo_loss(target[None], feats, anchors, 3, ignore_threshold=1.01))[0]
    assert ignored < 1e-6 and punished == pytest.approx(30.0, abs=1e-3)  # −log(1 − σ(30))
    scaled = yolo_loss(target[None], feats, anchors, 3, ignore_threshold=1.01, noobject_scale=0.5)
    assert np.asarray(scaled)[0] == pytest.approx(15.0, abs=1e-3)


def test_yolo_loss_terms_and_their_weights():
    anchors = np.array([[1.0, 1.0]])
    target = yolo_targets([[0, 0, 32, 32]], [0], anchors, (1, 1), (32, 32), 2)  # one cell
    feats = np.array([[[[0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0]]]], np.float32)
    # box: offsets σ(0) = 0.5 are right, log-width 0.5 vs 0, weight 2 − 1·1 = 1 → 0.25;
    # objectness −log σ(0) = log 2; classes −log softmax(0, 0)[0] = log 2.
    terms = {"coord_scale": 0.25, "object_scale": np.log(2), "class_scale": np.log(2)}
    for name, value in terms.items():
        weights = {other: float(other == name) for other in terms}
        got = np.asarray(yolo_loss(target[None], feats, anchors, 2, **weights))[0]
        assert got == pytest.approx(value, rel=1e-5), name


def test_yolo_loss_has_finite_gradients_and_checks_the_channels():
    import tensorflow as tf

    anchors = read_anchors()[:2]
    target = yolo_targets([[5, 5, 40, 60]], [1], anchors, (2, 2), (64, 64), 3)[None]
    feats = tf.Variable(np.random.default_rng(0).normal(0, 3, (1, 2, 2, 16)).astype(np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(yolo_loss(target, feats, anchors, 3))
    assert np.all(np.isfinite(tape.gradient(loss, feats)))
    with pytest.raises(ValueError, match="y_pred: expected 2 · \\(5 \\+ 4\\) channels"):
        yolo_loss(target, feats, anchors, 4)


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


# --------------------------------------------------------------------------------------------
# The shipped compact detector (scripts/train_yolo_shapes.py)

MAX_BYTES = 10 * 1024 * 1024


def test_stated_map_reads_the_figure_the_description_template_writes():
    text = shapes.DESCRIPTION.format(params=10, train=4000, map=0.93602, held_out=200)
    assert shapes.stated_map(text) == 0.936
    with pytest.raises(ValueError, match="held-out mAP@0.5 X.XXX on 200 images"):
        shapes.stated_map(text.replace("on 200 images", "on 100 images"))


def test_the_shipped_detector_matches_its_manifest_entry():
    asset = registry()[shapes.NAME]
    path = asset.folder / asset.filename
    assert asset.filename == shapes.FILENAME and asset.folder.name == "weights"
    assert path.is_file(), f"{path} is missing: run python scripts/train_yolo_shapes.py"
    assert path.stat().st_size == asset.size_bytes <= MAX_BYTES
    assert sha256sum(path) == asset.sha256
    assert asset.how == "python scripts/train_yolo_shapes.py"
    assert asset.url is None and asset.offline is None
    model = shapes.build_detector()
    assert f"{model.count_params():,} parameters" in asset.description
    assert path.stat().st_size == 20 + 4 * model.count_params()  # header + float32 values
    assert resolve(shapes.NAME, offline=True) == path
    assert shapes.stated_map(asset.description) >= 0.90


@pytest.mark.slow
def test_the_shipped_detector_reaches_its_stated_map_on_the_held_out_images():
    asset = registry()[shapes.NAME]
    model = shapes.load_detector(resolve(shapes.NAME, offline=True))
    held_out = shapes.dataset(shapes.HELD_OUT)
    assert len(held_out) == 200 and sum(map(len, held_out.boxes)) > 400
    outputs = model.predict(held_out.images, batch_size=64, verbose=0)
    mean_ap, aps = shapes.evaluate(None, held_out, outputs=outputs)  # no second forward pass
    assert round(mean_ap, 3) >= shapes.stated_map(asset.description) >= 0.90
    assert np.all(aps > 0.8)
    assert shapes.evaluate(model, held_out)[0] == mean_ap
    with pytest.raises(ValueError, match="give the images"):
        shapes.detect(model)
