"""utils.face_alignment (and the photo formats it reads): prepare_face, MTCNN, alignment."""

from __future__ import annotations

import numpy as np
import pytest

from utils.face_alignment import FaceDetector, FaceError, extract_face, eye_angle, prepare_face
from utils.images import to_rgb


def test_to_rgb_converts_gray_rgba_and_uint8():
    gray = np.full((4, 5), 128, np.uint8)
    rgb = to_rgb(gray)
    assert rgb.shape == (4, 5, 3) and rgb.dtype == np.float32
    assert np.allclose(rgb, 128 / 255)
    rgba = np.zeros((3, 3, 4), np.float32)  # fully transparent black → white
    assert np.allclose(to_rgb(rgba), 1.0)
    assert to_rgb(np.zeros((3, 3, 1))).shape == (3, 3, 3)


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
        to_rgb(bad)


def test_prepare_face_resizes_and_reads_files(tmp_path):
    from PIL import Image

    image = (np.arange(10 * 12 * 3) % 256).astype(np.uint8).reshape(10, 12, 3)
    path = tmp_path / "face.png"
    Image.fromarray(image).save(path)
    from_file, from_array = prepare_face(path, 8), prepare_face(image, 8)
    assert from_file.shape == (8, 8, 3) and np.array_equal(from_file, from_array)
    assert prepare_face(image, (10, 12)).max() <= 1.0


@pytest.fixture(scope="module")
def detector():
    return FaceDetector()


@pytest.mark.slow
def test_mtcnn_finds_and_aligns_the_astronaut(detector):
    from utils.images import load_image

    photo = load_image("astronaut")
    crop, face = extract_face(photo, detector)
    assert crop.shape == (96, 96, 3) and face.confidence > 0.99
    x, y, w, h = face.box
    assert 150 < x < 230 and 30 < y < 110 and w > 50 and h > 50
    (again,) = detector.detect(np.clip(to_rgb(crop), 0, 1))
    assert abs(eye_angle(again)) < 5.0  # the eyes are level after alignment
    assert detector.detect(photo) == [face]  # deterministic


@pytest.mark.slow
def test_extract_face_explains_no_face_and_two_faces(detector):
    from utils.images import load_image, resize

    with pytest.raises(FaceError, match="no face found"):
        extract_face(load_image("coffee"), detector)
    two = np.concatenate([load_image("astronaut"), resize(load_image("grace_hopper"), 512)], 1)
    with pytest.raises(FaceError, match="2 faces found"):
        extract_face(two, detector)


def test_detector_arguments_are_checked():
    with pytest.raises(ValueError, match="min_confidence"):
        FaceDetector(min_confidence=0)
    with pytest.raises(ValueError, match="min_face_size"):
        FaceDetector(min_face_size=5)
