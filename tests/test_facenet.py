"""utils.facenet: FaceNet's Inception-ResNet-v1, its pretrained-weights path, prewhitening.

The real 20170512-110547 weights (≈ 90 MB) cannot be downloaded here. The loading path is tested
on a file in the same format — a Keras 2 HDF5 weights file (root attribute ``layer_names``, one
group per layer with its ``weight_names``) written with h5py, as ``keras-facenet`` wrote the real
one — served over loopback and fetched through ``utils.assets.resolve``.
"""

from __future__ import annotations

import dataclasses

import h5py
import numpy as np
import pytest

from tests.keras2_weights import write_keras2_weights
from utils import assets, facenet


@pytest.fixture(scope="module")
def model():
    return facenet.inception_resnet_v1()


@pytest.fixture(scope="module")
def faces_in():
    rng = np.random.default_rng(0)
    return facenet.prewhiten(rng.uniform(0, 255, (2, facenet.INPUT_SIZE, facenet.INPUT_SIZE, 3)))


def test_architecture_is_facenets_inception_resnet_v1(model):
    # The count the Keras port of 20170512-110547 reports: 22,808,144 = 22,779,312 trainable
    # + 28,832 batch-norm statistics.
    assert model.count_params() == 22_808_144
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert trainable == 22_779_312
    assert model.output_shape == (None, 128)
    # Layers with weights: stem 6 conv+BN pairs; Block35 ×5 (6 pairs + 1 conv); Mixed_6a 4 pairs;
    # Block17 ×10 (4 pairs + 1); Mixed_7a 7 pairs; Block8 ×6 (4 pairs + 1); Bottleneck + its BN.
    expected = 12 + 5 * 13 + 8 + 10 * 9 + 14 + 6 * 9 + 2
    assert len([layer for layer in model.layers if layer.weights]) == expected == 245
    names = {layer.name for layer in model.layers}
    for name in (
        "Conv2d_4b_3x3_BatchNorm",
        "Block35_5_Branch_2_Conv2d_0c_3x3",
        "Mixed_6a_Branch_1_Conv2d_1a_3x3",
        "Block17_10_Branch_1_Conv2d_0c_7x1",
        "Mixed_7a_Branch_2_Conv2d_0b_3x3",
        "Block8_6_Conv2d_1x1",
        "Bottleneck_BatchNorm",
    ):
        assert name in names


def test_outputs_are_unit_vectors(model, faces_in):
    out = np.asarray(model(faces_in, training=False))
    assert out.shape == (2, 128)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-5)


def test_bad_input_shape_is_named():
    with pytest.raises(ValueError, match="input_shape"):
        facenet.inception_resnet_v1((160, 160, 1))
    with pytest.raises(ValueError, match="at least 75"):
        facenet.inception_resnet_v1((64, 64, 3))


def test_prewhiten_standardises_each_image():
    rng = np.random.default_rng(1)
    images = rng.uniform(0, 255, (3, 8, 8, 3))
    images[1] *= 0.1  # a dark image standardises the same way
    out = facenet.prewhiten(images)
    np.testing.assert_allclose(out.mean(axis=(1, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(1, 2, 3)), 1, rtol=1e-4)
    flat = facenet.prewhiten(np.full((1, 8, 8, 3), 128.0))
    assert np.all(flat == 0)
    with pytest.raises(ValueError, match=r"\(m, H, W, 3\)"):
        facenet.prewhiten(np.zeros((8, 8, 3)))


def test_facenet_inputs_accepts_any_face_photo():
    gray = np.random.default_rng(2).uniform(0, 1, (25, 25))
    rgba = np.random.default_rng(3).integers(0, 256, (200, 180, 4), dtype=np.uint8)
    out = facenet.facenet_inputs([gray, rgba])
    assert out.shape == (2, 160, 160, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out.mean(axis=(1, 2, 3)), 0, atol=1e-5)


@pytest.fixture(scope="module")
def weights_file(tmp_path_factory, model):
    path = tmp_path_factory.mktemp("www") / "20170512-110547-weights.h5"
    written = write_keras2_weights(path, model, np.random.default_rng(3), reverse=True)
    return path, written


def test_keras2_weights_file_loads_by_name_through_the_resolver(
    tmp_path, server, weights_file, faces_in, monkeypatch
):
    path, written = weights_file
    www, base = server
    (www / path.name).symlink_to(path)
    monkeypatch.delenv("COURSE_OFFLINE", raising=False)
    real = assets.registry()[facenet.ASSET]
    asset = dataclasses.replace(
        real, sha256=assets.sha256sum(path), url=f"{base}/{path.name}", folder=tmp_path / "shipped"
    )
    fetched = assets.resolve(asset, cache_dir=tmp_path / "cache")
    assert fetched == tmp_path / "cache" / "models" / real.filename

    loaded = facenet.load_facenet(fetched)
    for name, values in written.items():
        for got, want in zip(loaded.get_layer(name).get_weights(), values, strict=True):
            np.testing.assert_array_equal(got, want)
    out = np.asarray(loaded(faces_in, training=False))
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-5)


def test_a_file_missing_layers_is_refused_with_their_names(tmp_path, model):
    path = tmp_path / "partial.h5"
    write_keras2_weights(path, model, np.random.default_rng(4), skip={"Block17_3_Conv2d_1x1"})
    with pytest.raises(ValueError, match="Block17_3_Conv2d_1x1") as error:
        facenet.load_facenet(path)
    assert "1 of the 245 layers" in str(error.value)


def test_not_a_weights_file_is_refused(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as stored:
        stored.create_dataset("x", data=np.zeros(3))
    with pytest.raises(ValueError, match="not a Keras HDF5 weights file"):
        facenet.load_facenet(path)
    with pytest.raises(ValueError, match="path"):
        facenet.load_facenet(tmp_path / "absent.h5")


def test_manifest_entry_points_at_the_keras_facenet_release():
    entry = assets.registry()[facenet.ASSET]
    assert entry.url.startswith("https://github.com/faustomorales/keras-facenet/releases/")
    assert entry.url.endswith("/" + entry.filename) and entry.sha256 is not None
    assert entry.offline and entry.size_bytes is None and entry.cache_subdir == "models"
