"""utils.faces: conversions, the offline identity set, triplet mining, metrics, encoders, MTCNN."""

from __future__ import annotations

import itertools
import socket
import time

import numpy as np
import pytest

from utils import faces


def test_to_rgb_converts_gray_rgba_and_uint8():
    gray = np.full((4, 5), 128, np.uint8)
    rgb = faces.to_rgb(gray)
    assert rgb.shape == (4, 5, 3) and rgb.dtype == np.float32
    assert np.allclose(rgb, 128 / 255)
    rgba = np.zeros((3, 3, 4), np.float32)  # fully transparent black → white
    assert np.allclose(faces.to_rgb(rgba), 1.0)
    assert faces.to_rgb(np.zeros((3, 3, 1))).shape == (3, 3, 3)


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros((2, 3, 3, 3)), "expected a path or an array"),
        (np.zeros((4, 4, 2)), "expected 1, 3 or 4 channels"),
        (np.zeros((1, 1, 3)), "at least 2×2"),
        (np.full((4, 4), 2.0), "must lie in \\[0, 1\\]"),
        ("no/such/file.png", "no file at"),
    ],
)
def test_to_rgb_rejects_bad_input_clearly(bad, message):
    with pytest.raises(ValueError, match=message):
        faces.to_rgb(bad)


def test_prepare_face_resizes_and_reads_files(tmp_path):
    from PIL import Image

    image = (np.arange(10 * 12 * 3) % 256).astype(np.uint8).reshape(10, 12, 3)
    path = tmp_path / "face.png"
    Image.fromarray(image).save(path)
    from_file, from_array = faces.prepare_face(path, 8), faces.prepare_face(image, 8)
    assert from_file.shape == (8, 8, 3) and np.array_equal(from_file, from_array)
    assert faces.prepare_face(image, (10, 12)).max() <= 1.0


def test_split_identities_is_disjoint_and_fixed():
    train, val, test = faces.split_identities(seed=0)
    assert (len(train), len(val), len(test)) == (60, 20, 20)
    assert len(set(train) | set(val) | set(test)) == 100
    assert np.array_equal(test, faces.split_identities(seed=0)[2])
    with pytest.raises(ValueError, match="add up to more"):
        faces.split_identities(sizes=(60, 30, 20))


def test_identity_photos_are_deterministic_and_vary():
    x, y = faces.make_identity_photos([3, 7], 4, seed=5)
    assert x.shape == (8, 32, 32, 3) and x.dtype == np.float32
    assert y.tolist() == [3, 3, 3, 3, 7, 7, 7, 7]
    assert 0.0 <= x.min() and x.max() <= 1.0
    again, _ = faces.make_identity_photos([3, 7], 4, seed=5)
    assert np.array_equal(x, again)
    assert not np.array_equal(x[0], x[1])  # two photos of one identity differ
    assert np.allclose(x[..., 0], x[..., 2])  # gray faces stay gray
    other, _ = faces.make_identity_photos([3, 7], 4, seed=6)
    assert not np.array_equal(x, other)
    with pytest.raises(ValueError, match="identities"):
        faces.make_identity_photos([100], 1, seed=0)


def test_same_identity_photos_are_closer_in_pixels_than_other_identities():
    x, y = faces.make_identity_photos(np.arange(10), 4, seed=0)
    flat = x.reshape(len(x), -1)
    i, j, same = faces.pair_indices(y)
    d = faces.pair_distances(flat, i, j)
    assert d[same].mean() < d[~same].mean()


def test_pk_batch_has_p_identities_with_k_photos():
    labels = np.repeat(np.arange(10), 5)
    batch = faces.pk_batch(labels, 4, 3, np.random.default_rng(0))
    counts = np.unique(labels[batch], return_counts=True)[1]
    assert counts.tolist() == [3, 3, 3, 3] and len(set(batch)) == 12
    with pytest.raises(ValueError, match="k:"):
        faces.pk_batch(labels, 4, 6, np.random.default_rng(0))


def semihard_reference(labels, x, margin):
    """Loop version of the semi-hard rule (FaceNet §3.2, TF Addons' TripletSemiHardLoss)."""
    d = ((x[:, None] - x[None]) ** 2).sum(-1)
    losses = []
    for a, p in itertools.permutations(range(len(labels)), 2):
        if labels[a] != labels[p]:
            continue
        negatives = [d[a, n] for n in range(len(labels)) if labels[n] != labels[a]]
        farther = [v for v in negatives if v > d[a, p]]
        chosen = min(farther) if farther else max(negatives)
        losses.append(max(d[a, p] - chosen + margin, 0.0))
    return np.mean(losses)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_semihard_triplet_loss_matches_a_loop(seed):
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(4), 3)
    x = rng.standard_normal((12, 5))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    got = float(faces.semihard_triplet_loss(labels, x.astype(np.float32), 0.2))
    assert got == pytest.approx(semihard_reference(labels, x, 0.2), abs=1e-5)


def test_semihard_triplet_loss_is_zero_for_separated_clusters():
    labels = np.array([0, 0, 1, 1])
    x = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], np.float32)
    assert float(faces.semihard_triplet_loss(labels, x, 0.2)) == pytest.approx(0.0)


def test_pair_indices_are_balanced_and_correct():
    labels = np.array([0, 0, 0, 1, 1, 2])
    i, j, same = faces.pair_indices(labels)
    assert same.sum() == 4 and (~same).sum() == 4
    assert np.array_equal(labels[i] == labels[j], same) and np.all(i < j)
    with pytest.raises(ValueError, match="at least one identity"):
        faces.pair_indices(np.arange(4))


def test_threshold_accuracy_and_roc():
    distances = np.array([0.1, 0.2, 0.3, 0.8, 0.9, 1.0])
    same = np.array([True, True, True, False, False, False])
    threshold = faces.choose_threshold(distances, same)
    assert 0.3 < threshold < 0.8
    assert faces.verification_accuracy(distances, same, threshold) == 1.0
    assert faces.verification_accuracy(distances, same, 0.0) == 0.5
    fpr, tpr, auc = faces.roc_auc(distances, same)
    assert auc == 1.0 and fpr[0] == 0.0 and tpr[-1] == 1.0
    assert faces.roc_auc(distances, ~same)[2] == 0.0
    with pytest.raises(ValueError, match="same shape"):
        faces.choose_threshold(distances, same[:3])


@pytest.mark.slow
def test_nn4_small2_has_the_course_parameter_count():
    model = faces.nn4_small2()
    assert model.count_params() == 3_743_280
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == 3_733_968
    out = np.asarray(model(np.zeros((1, 96, 96, 3), np.float32), training=False))
    assert out.shape == (1, 128) and np.linalg.norm(out) == pytest.approx(1.0, abs=1e-4)
    with pytest.raises(ValueError, match="96, 96, 3"):
        faces.nn4_small2((64, 64, 3))


def test_compact_encoder_outputs_unit_vectors():
    model = faces.compact_encoder()
    x, _ = faces.make_identity_photos([0, 1], 2, seed=0)
    out = faces.encode(model, x)
    assert out.shape == (4, 128)
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-4)


@pytest.mark.slow
def test_shipped_encoder_verifies_held_out_identities():
    from utils.assets import resolve

    model = faces.compact_encoder()
    model.load_weights(resolve("face_encoder_lfw_subset", offline=True))
    result = faces.evaluate_encoder(model)
    assert result["n_test_pairs"] == 1800
    assert result["test_accuracy"] >= 0.95 and result["auc"] >= 0.98


def test_evaluate_encoder_prepares_the_photos_for_the_model():
    model = faces.compact_encoder((48, 48, 3))
    seen = []

    def prepare(photos):
        seen.append(photos.shape)
        return faces.prepare_faces(photos, 48)

    result = faces.evaluate_encoder(model, prepare=prepare)
    assert seen == [(200, 32, 32, 3)] * 2
    assert result["n_val_pairs"] == result["n_test_pairs"] == 1800 and 0 <= result["auc"] <= 1
    i, j, encodings = result["test_i"], result["test_j"], result["test_encodings"]
    assert encodings.shape == (200, 128)
    np.testing.assert_allclose(
        result["test_distances"], faces.pair_distances(encodings, i, j), rtol=1e-6
    )


def test_load_lfw_people_offline_prints_the_substitute(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    assert faces.load_lfw_people() is None
    out = capsys.readouterr().out
    assert out.startswith("lfw_people: offline (COURSE_OFFLINE=1)") and out.count("\n") == 1


@pytest.fixture(scope="module")
def detector():
    return faces.FaceDetector()


@pytest.mark.slow
def test_mtcnn_finds_and_aligns_the_astronaut(detector):
    from utils.images import load_image

    photo = load_image("astronaut")
    crop, face = faces.extract_face(photo, detector)
    assert crop.shape == (96, 96, 3) and face.confidence > 0.99
    x, y, w, h = face.box
    assert 150 < x < 230 and 30 < y < 110 and w > 50 and h > 50
    (again,) = detector.detect(np.clip(faces.to_rgb(crop), 0, 1))
    assert abs(faces.eye_angle(again)) < 5.0  # the eyes are level after alignment
    assert detector.detect(photo) == [face]  # deterministic


@pytest.mark.slow
def test_extract_face_explains_no_face_and_two_faces(detector):
    from utils.images import load_image, resize

    with pytest.raises(faces.FaceError, match="no face found"):
        faces.extract_face(load_image("coffee"), detector)
    two = np.concatenate([load_image("astronaut"), resize(load_image("grace_hopper"), 512)], 1)
    with pytest.raises(faces.FaceError, match="2 faces found"):
        faces.extract_face(two, detector)


def test_detector_arguments_are_checked():
    with pytest.raises(ValueError, match="min_confidence"):
        faces.FaceDetector(min_confidence=0)
    with pytest.raises(ValueError, match="min_face_size"):
        faces.FaceDetector(min_face_size=5)


@pytest.mark.parametrize("server_kind", ["stalled", "slow"])
def test_load_lfw_people_gives_up_on_a_bad_network(
    monkeypatch, capsys, tmp_path, slow_server, server_kind
):
    """scikit-learn's fetcher has no timeout: a proxy that never answers, or answers a byte at a
    time, must still end in the one-line fallback, within the deadline."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        proxy = (
            slow_server if server_kind == "slow" else f"http://127.0.0.1:{silent.getsockname()[1]}"
        )
        monkeypatch.delenv("COURSE_OFFLINE", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        for variable in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
            monkeypatch.setenv(variable, proxy)  # every request goes to the loopback server
        monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path))
        start = time.monotonic()
        assert faces.load_lfw_people(timeout=0.5, deadline=3) is None
        elapsed = time.monotonic() - start
    assert elapsed < 3 + 15  # the deadline, plus starting the child process on a busy machine
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("lfw_people: offline (download failed")
    assert "using the offline substitute" in line
