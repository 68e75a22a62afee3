"""Faces found, aligned and made model inputs (notebook 07).

- :class:`FaceDetector`: MTCNN (the ``mtcnn`` package ships its weights in its wheel, so it works
  offline); each :class:`Face` holds a box, a confidence and five landmarks.
- :func:`align_face` rotates, scales and crops so that the eyes are horizontal and at fixed
  places (:data:`LEFT_EYE`, :data:`RIGHT_EYE`); :func:`extract_face` does both for a photo with
  exactly one face (:class:`FaceError` otherwise); :func:`eye_angle` measures the tilt.
- :func:`prepare_face` / :func:`prepare_faces` turn any face crop (path, uint8 or float,
  grayscale, RGB or RGBA, any size) into a model's input.

None of these is a graded exercise. Importing this module does not import TensorFlow.
"""

from __future__ import annotations

import contextlib
import gc
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from utils.checks import require_int
from utils.face_models import FACE_SIZE
from utils.images import to_rgb

ALIGNED_SIZE = 96  # nn4.small2's input and the size of aligned crops shown in the notebook
# Where the eyes land in an aligned crop, as fractions of its width/height (OpenFace-like framing
# that matches the LFW-subset crops: the face fills the crop, eyes a third of the way down).
LEFT_EYE = (0.32, 0.36)  # (x, y) of the eye on the left of the image
RIGHT_EYE = (0.68, 0.36)


def prepare_face(image: Any, size: int | tuple[int, int] = FACE_SIZE) -> np.ndarray:
    """A face photo as a model input: (size, size, 3) float32 in [0, 1].

    The photo (see :func:`utils.images.to_rgb` for what is accepted) is resized to ``size``
    whatever its shape; it should already be a face crop (see :func:`extract_face` to find the
    face in a photo).
    """
    from utils.images import _check_size, resize

    height, width = _check_size(size)
    rgb = to_rgb(image)
    if rgb.shape[:2] != (height, width):
        rgb = np.clip(resize(rgb, (height, width)), 0.0, 1.0)
    return rgb.astype(np.float32)


def prepare_faces(photos: Any, size: int | tuple[int, int] = FACE_SIZE) -> np.ndarray:
    """:func:`prepare_face` of each photo, stacked: (m, size, size, 3) float32 in [0, 1]."""
    return np.stack([prepare_face(photo, size) for photo in photos])


@dataclass(frozen=True)
class Face:
    """One detected face: its box ``(x, y, width, height)`` in pixels, the detector's confidence
    and five landmarks ``(x, y)``: left_eye, right_eye, nose, mouth_left, mouth_right ("left" is
    the left of the image)."""

    box: tuple[int, int, int, int]
    confidence: float
    keypoints: dict[str, tuple[int, int]]

    def describe(self) -> str:
        """One deterministic line: box, confidence to 3 decimals and the eye positions."""
        x, y, w, h = self.box
        left, right = self.keypoints["left_eye"], self.keypoints["right_eye"]
        return (
            f"box (x={x}, y={y}, w={w}, h={h}), confidence {self.confidence:.3f}, "
            f"eyes at {tuple(left)} and {tuple(right)}"
        )


class FaceDetector:
    """MTCNN (Zhang et al., 2016) from the ``mtcnn`` package: weights ship in its wheel.

    Args:
        min_confidence: faces below this confidence are dropped (0 < value ≤ 1).
        min_face_size: smallest face searched for, in pixels.
    """

    def __init__(self, min_confidence: float = 0.9, min_face_size: int = 20) -> None:
        if (
            isinstance(min_confidence, bool)
            or not isinstance(min_confidence, (int, float))
            or not 0.0 < min_confidence <= 1.0
        ):
            raise ValueError(f"min_confidence: expected a number in (0, 1], got {min_confidence!r}")
        min_face_size = require_int(min_face_size, "min_face_size", minimum=12)
        from mtcnn import MTCNN

        self.min_confidence = float(min_confidence)
        self.min_face_size = min_face_size
        with _quiet_lz4_finalizers():
            self._mtcnn = MTCNN(device="CPU:0")

    def detect(self, image: Any) -> list[Face]:
        """All faces in a photo (as :func:`utils.images.to_rgb` reads it), most confident first."""
        rgb = to_rgb(image)
        pixels = np.round(rgb * 255.0).astype(np.uint8)
        try:
            found = self._mtcnn.detect_faces(pixels, min_face_size=self.min_face_size)
        except ValueError as err:  # Keras < 3.15 refuses the empty batch of a stage with no
            if "empty output" not in str(err):  # candidates (mtcnn expects TF's error there)
                raise
            found = []
        faces = []
        for item in found or []:
            confidence = float(item["confidence"])
            if confidence < self.min_confidence:
                continue
            box = tuple(int(v) for v in item["box"])
            points = {k: (int(v[0]), int(v[1])) for k, v in item["keypoints"].items()}
            faces.append(Face(box, round(confidence, 6), points))
        return sorted(faces, key=lambda face: (-face.confidence, face.box))


@contextlib.contextmanager
def _quiet_lz4_finalizers() -> Iterator[None]:
    """Hide lz4's 'I/O operation on closed file' finaliser noise while MTCNN reads its weights.

    With Python 3.13 (Colab's), joblib closes the weights file before lz4's frame reader is
    finalised, and Python prints "Exception ignored ... I/O operation on closed file" to stderr:
    harmless (the weights were read), but it looks like an error. Other errors still show.
    """
    previous = sys.unraisablehook

    def hook(unraisable) -> None:
        frames = traceback.extract_tb(unraisable.exc_traceback)
        if isinstance(unraisable.exc_value, ValueError) and any(
            "lz4" in frame.filename for frame in frames
        ):
            return
        previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield
        gc.collect()  # finalise the readers now, while the hook is in place
    finally:
        sys.unraisablehook = previous


def align_face(image: Any, face: Face, size: int = ALIGNED_SIZE) -> np.ndarray:
    """Rotate, scale and crop so that the eyes are horizontal and at fixed places.

    The similarity transform (rotation + uniform scale + shift) that sends the two detected eyes
    to ``LEFT_EYE`` and ``RIGHT_EYE`` (fractions of ``size``) is applied with bilinear
    interpolation; pixels from outside the photo are filled with the edge values.

    Returns:
        (size, size, 3) float32 in [0, 1].
    """
    from skimage.transform import SimilarityTransform, warp

    if not isinstance(face, Face):
        raise ValueError(f"face: expected a Face from FaceDetector.detect, got {face!r}")
    size = require_int(size, "size", minimum=8)
    rgb = to_rgb(image)
    source = np.array([face.keypoints["left_eye"], face.keypoints["right_eye"]], dtype=float)
    target = np.array([LEFT_EYE, RIGHT_EYE], dtype=float) * size
    if np.allclose(source[0], source[1]):
        raise ValueError("face: the two eyes are at the same place; cannot align")
    if hasattr(SimilarityTransform, "from_estimate"):  # scikit-image >= 0.26
        transform = SimilarityTransform.from_estimate(target, source)  # output → input coords
    else:  # scikit-image 0.25 (Colab's)
        transform = SimilarityTransform()
        transform.estimate(target, source)
    aligned = warp(rgb, transform, output_shape=(size, size), order=1, mode="edge")
    return np.clip(aligned, 0.0, 1.0).astype(np.float32)


def eye_angle(face: Face) -> float:
    """Angle in degrees of the line from the left to the right eye (0 = horizontal)."""
    (x1, y1), (x2, y2) = face.keypoints["left_eye"], face.keypoints["right_eye"]
    return float(np.degrees(np.arctan2(y2 - y1, x2 - x1)))


class FaceError(ValueError):
    """A photo that does not hold exactly one face."""


def extract_face(
    image: Any, detector: FaceDetector, size: int = ALIGNED_SIZE
) -> tuple[np.ndarray, Face]:
    """The aligned crop of the one face in a photo, and its detection.

    Raises:
        FaceError: no face, or more than one (the message says how many and where); use
            :meth:`FaceDetector.detect` and :func:`align_face` to pick one of several.
    """
    faces = detector.detect(image)
    if not faces:
        raise FaceError(
            f"no face found (confidence ≥ {detector.min_confidence:g}); use a photo with one "
            "visible, roughly frontal face"
        )
    if len(faces) > 1:
        boxes = ", ".join(str(face.box) for face in faces)
        raise FaceError(
            f"{len(faces)} faces found (boxes {boxes}); crop the photo to one person, or align "
            "one of FaceDetector.detect(image) with align_face"
        )
    return align_face(image, faces[0], size), faces[0]
