"""Faces for notebook 07: detection and alignment, an offline identity set, triplet mining, ROC.

None of these is a graded exercise (``triplet_loss``, ``img_to_encoding``, ``verify`` and
``who_is_it`` are written in the notebook). What is here:

- **Detection and alignment** with MTCNN (the ``mtcnn`` package ships its weights in its wheel, so
  it works offline): :class:`FaceDetector`, :func:`align_face` (eyes horizontal, at fixed
  positions), :func:`extract_face`, and :func:`prepare_face`, which turns any photo (path, uint8 or
  float, grayscale, RGB or RGBA, any size) into the model's input.
- **An identity-labelled face set made offline** (:func:`make_identity_photos`): scikit-image ships
  100 real LFW face crops (``skimage.data.lfw_subset()``, 25×25 grayscale, one per person) but no
  second photo of anyone. Each crop is taken as one identity and every "photo" of that identity is
  a new random draw of pose (rotation, scale, shift, mirror) and camera (contrast, brightness,
  gamma, blur, noise) applied to it — so same-identity photos share the face, not the pixels.
  :func:`split_identities` splits the 100 identities into disjoint train / validation / test sets.
- **Online semi-hard triplet mining** (:func:`semihard_triplet_loss`, FaceNet §3.2) over batches of
  P identities × K photos (:func:`pk_batch`).
- **Verification metrics**: :func:`pair_indices` (all positive pairs and as many negative ones),
  :func:`pair_distances`, :func:`choose_threshold` (picked on a validation split),
  :func:`verification_accuracy`, :func:`roc_auc`.
- **Encoders**: :func:`nn4_small2` (OpenFace's inception network, the course's FaceNet model, at
  96×96×3 channels-last) and :func:`compact_encoder` (a small CNN that trains on a CPU).
- :func:`load_lfw_people`: scikit-learn's real labelled LFW faces when the network allows it.

Importing this module does not import TensorFlow; the functions that need it import it.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from utils.images import to_rgb

FACE_SIZE = 32  # the compact encoder's input: (32, 32, 3)
ALIGNED_SIZE = 96  # nn4.small2's input and the size of aligned crops shown in the notebook
# Where the eyes land in an aligned crop, as fractions of its width/height (OpenFace-like framing
# that matches the LFW-subset crops: the face fills the crop, eyes a third of the way down).
LEFT_EYE = (0.32, 0.36)  # (x, y) of the eye on the left of the image
RIGHT_EYE = (0.68, 0.36)
N_IDENTITIES = 100  # face crops in skimage.data.lfw_subset() (images 0–99)


# --------------------------------------------------------------------------------------------
# Images in, images out
# --------------------------------------------------------------------------------------------


def prepare_face(image: Any, size: int | tuple[int, int] = FACE_SIZE) -> np.ndarray:
    """A face photo as a model input: (size, size, 3) float32 in [0, 1].

    The photo (see :func:`to_rgb` for what is accepted) is resized to ``size`` whatever its shape;
    it should already be a face crop (see :func:`extract_face` to find the face in a photo).
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


# --------------------------------------------------------------------------------------------
# Detection and alignment (MTCNN)
# --------------------------------------------------------------------------------------------


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
        if (
            isinstance(min_face_size, bool)
            or not isinstance(min_face_size, int)
            or min_face_size < 12
        ):
            raise ValueError(f"min_face_size: expected an int >= 12, got {min_face_size!r}")
        from mtcnn import MTCNN

        self.min_confidence = float(min_confidence)
        self.min_face_size = min_face_size
        with _quiet_lz4_finalizers():
            self._mtcnn = MTCNN(device="CPU:0")

    def detect(self, image: Any) -> list[Face]:
        """All faces in a photo (any format :func:`to_rgb` accepts), most confident first."""
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
    if isinstance(size, bool) or not isinstance(size, int) or size < 8:
        raise ValueError(f"size: expected an int >= 8, got {size!r}")
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


# --------------------------------------------------------------------------------------------
# The offline identity set
# --------------------------------------------------------------------------------------------


def lfw_subset_faces() -> np.ndarray:
    """The 100 real face crops of scikit-image's LFW subset: (100, 25, 25) float32 in [0, 1].

    Each is a different person (LFW, Huang et al. 2007); the subset has no identity labels and no
    second photo of anyone.
    """
    import skimage.data

    return skimage.data.lfw_subset()[:N_IDENTITIES].astype(np.float32)


def split_identities(
    n_identities: int = N_IDENTITIES, sizes: tuple[int, int, int] = (60, 20, 20), seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Disjoint train / validation / test identity indices (a fixed permutation of ``seed``)."""
    if len(sizes) != 3 or any(
        isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in sizes
    ):
        raise ValueError(f"sizes: expected three positive ints, got {sizes!r}")
    if sum(sizes) > n_identities:
        raise ValueError(f"sizes: {sizes} add up to more than the {n_identities} identities")
    order = np.random.default_rng(seed).permutation(n_identities)
    a, b, c = sizes
    return np.sort(order[:a]), np.sort(order[a : a + b]), np.sort(order[a + b : a + b + c])


def augment_face(face: np.ndarray, rng: np.random.Generator, size: int = FACE_SIZE) -> np.ndarray:
    """One new "photo" of a face: random pose and camera applied to a crop.

    Geometry (one similarity transform about the centre): rotation ±10°, scale 0.92–1.08, shift
    ±6% of the size, mirror with probability ½. Camera: contrast ×0.7–1.3 about the mean,
    brightness ±0.12, gamma 0.75–1.35, Gaussian blur σ 0–0.8 px, Gaussian noise σ 0–0.03.

    Args:
        face: (h, w) or (h, w, 3) float image in [0, 1].
        rng: the NumPy generator that draws the variation (same state → same photo).
        size: output height and width.

    Returns:
        (size, size, 3) float32 in [0, 1] (grayscale faces stay gray in all 3 channels).
    """
    from skimage.filters import gaussian
    from skimage.transform import AffineTransform, warp

    rgb = to_rgb(face)
    h, w = rgb.shape[:2]
    angle = np.radians(rng.uniform(-10.0, 10.0))
    scale = rng.uniform(0.92, 1.08)
    shift = rng.uniform(-0.06, 0.06, size=2) * size
    mirror = rng.random() < 0.5
    contrast, brightness = rng.uniform(0.7, 1.3), rng.uniform(-0.12, 0.12)
    gamma, blur, noise = rng.uniform(0.75, 1.35), rng.uniform(0.0, 0.8), rng.uniform(0.0, 0.03)
    noise_field = rng.standard_normal((size, size, 1))

    centre_out = np.array([(size - 1) / 2, (size - 1) / 2])
    centre_in = np.array([(w - 1) / 2, (h - 1) / 2])
    zoom = scale * size / max(h, w)  # input pixels → output pixels
    # output → input: undo shift, rotate back, unzoom, move to the input centre
    to_centre = AffineTransform(translation=-(centre_out + shift))
    turn = AffineTransform(rotation=-angle, scale=1.0 / zoom)
    back = AffineTransform(translation=centre_in)
    transform = AffineTransform(matrix=back.params @ turn.params @ to_centre.params)
    photo = warp(rgb, transform, output_shape=(size, size), order=1, mode="edge")
    if mirror:
        photo = photo[:, ::-1]
    if blur > 0.05:
        photo = gaussian(photo, sigma=blur, channel_axis=-1)
    mean = photo.mean()
    photo = (photo - mean) * contrast + mean + brightness
    photo = np.clip(photo, 0.0, 1.0) ** gamma
    photo = photo + noise * noise_field
    return np.clip(photo, 0.0, 1.0).astype(np.float32)


def make_identity_photos(
    identities: np.ndarray,
    photos_per_identity: int,
    seed: int,
    *,
    faces: np.ndarray | None = None,
    size: int = FACE_SIZE,
) -> tuple[np.ndarray, np.ndarray]:
    """Several "photos" of each identity (see :func:`augment_face`), deterministic in ``seed``.

    Args:
        identities: indices into ``faces`` (default: :func:`lfw_subset_faces`).
        photos_per_identity: photos made of each identity (>= 1).
        seed: the same seed gives the same photos (byte for byte).
        faces: (n, h, w) or (n, h, w, 3) source crops, one per identity.
        size: height and width of each photo.

    Returns:
        X: (len(identities) · photos_per_identity, size, size, 3) float32 in [0, 1];
        y: the identity index of each photo (int64), grouped by identity.
    """
    identities = np.asarray(identities, dtype=np.int64).reshape(-1)
    if (
        isinstance(photos_per_identity, bool)
        or not isinstance(photos_per_identity, int)
        or photos_per_identity < 1
    ):
        raise ValueError(f"photos_per_identity: expected an int >= 1, got {photos_per_identity!r}")
    faces = lfw_subset_faces() if faces is None else np.asarray(faces)
    if identities.size and (identities.min() < 0 or identities.max() >= len(faces)):
        raise ValueError(f"identities: expected indices in [0, {len(faces)}), got {identities}")
    photos, labels = [], []
    for identity in identities:
        rng = np.random.default_rng([int(seed), int(identity)])
        for _ in range(photos_per_identity):
            photos.append(augment_face(faces[identity], rng, size))
            labels.append(identity)
    shape = (0, size, size, 3)
    x = np.stack(photos) if photos else np.zeros(shape, np.float32)
    return x, np.asarray(labels, dtype=np.int64)


def pk_batch(labels: np.ndarray, p: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of a P×K batch: ``p`` random identities, ``k`` random photos of each.

    Every anchor then has ``k − 1`` positives and ``(p − 1)·k`` negatives in the batch, which is
    what online triplet mining needs.
    """
    labels = np.asarray(labels)
    identities = np.unique(labels)
    if p < 2 or p > identities.size:
        raise ValueError(f"p: expected 2 ≤ p ≤ {identities.size} identities, got {p}")
    chosen = rng.choice(identities, size=p, replace=False)
    batch = []
    for identity in chosen:
        members = np.flatnonzero(labels == identity)
        if members.size < k or k < 2:
            raise ValueError(f"k: expected 2 ≤ k ≤ {members.size} photos per identity, got {k}")
        batch.append(rng.choice(members, size=k, replace=False))
    return np.concatenate(batch)


# --------------------------------------------------------------------------------------------
# Online semi-hard triplet mining
# --------------------------------------------------------------------------------------------


def semihard_triplet_loss(labels: Any, embeddings: Any, margin: float = 0.2) -> Any:
    """FaceNet's triplet loss with online semi-hard negatives, over one batch.

    Every (anchor, positive) pair of the batch is used. Its negative is the *semi-hard* one: the
    closest negative that is still farther than the positive, ``d(a, p) < d(a, n) < d(a, p) + α``
    or beyond; when no negative is farther than the positive, the farthest negative is used
    (FaceNet §3.2; the same rule as TensorFlow Addons' ``TripletSemiHardLoss``). Distances are
    squared Euclidean; the loss is the mean of ``max(d(a, p) − d(a, n) + α, 0)`` over the pairs.

    Args:
        labels: (m,) integer identities.
        embeddings: (m, d) float embeddings (L2-normalised in FaceNet).
        margin: α ≥ 0.

    Returns:
        A scalar float32 tensor.
    """
    import tensorflow as tf

    labels = tf.reshape(tf.convert_to_tensor(labels), [-1])
    x = tf.cast(embeddings, tf.float32)
    squared = tf.reduce_sum(tf.square(x), axis=1)
    dist = tf.maximum(squared[:, None] - 2.0 * tf.matmul(x, x, transpose_b=True) + squared, 0.0)
    same = tf.equal(labels[:, None], labels[None, :])
    m = tf.shape(labels)[0]
    positive = tf.logical_and(same, tf.logical_not(tf.eye(m, dtype=tf.bool)))
    negative = tf.logical_not(same)
    big = tf.reduce_max(dist) + 1.0
    # For every (anchor a, positive p): d(a, n) per negative n, shape (m_a, m_p, m_n)
    d_ap = dist[:, :, None]
    d_an = dist[:, None, :]
    neg = negative[:, None, :]
    farther = tf.logical_and(neg, d_an > d_ap)
    semihard = tf.reduce_min(tf.where(farther, d_an, big), axis=2)
    hardest_fallback = tf.reduce_max(tf.where(neg, d_an, 0.0), axis=2)
    has_farther = tf.reduce_any(farther, axis=2)
    chosen = tf.where(has_farther, semihard, hardest_fallback)
    losses = tf.maximum(dist - chosen + margin, 0.0)
    mask = tf.cast(positive, tf.float32)
    return tf.reduce_sum(losses * mask) / tf.maximum(tf.reduce_sum(mask), 1.0)


# --------------------------------------------------------------------------------------------
# Verification metrics
# --------------------------------------------------------------------------------------------


def pair_indices(labels: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Balanced verification pairs: every same-identity pair and as many different-identity ones.

    The negative pairs are drawn without replacement from all different-identity pairs with
    ``np.random.default_rng(seed)``.

    Returns:
        i, j: (n_pairs,) indices into ``labels`` (i < j); same: (n_pairs,) bool.
    """
    labels = np.asarray(labels).reshape(-1)
    i, j = np.triu_indices(labels.size, k=1)
    same = labels[i] == labels[j]
    pos, neg = np.flatnonzero(same), np.flatnonzero(~same)
    if pos.size == 0 or neg.size == 0:
        raise ValueError("labels: need at least one identity with 2 photos and 2 identities")
    rng = np.random.default_rng(seed)
    neg = np.sort(rng.choice(neg, size=min(pos.size, neg.size), replace=False))
    keep = np.concatenate([pos, neg])
    return i[keep], j[keep], same[keep]


def pair_distances(encodings: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Euclidean distances ‖f(x_i) − f(x_j)‖ between rows of ``encodings`` (float64)."""
    encodings = np.asarray(encodings, dtype=np.float64)
    return np.linalg.norm(encodings[np.asarray(i)] - encodings[np.asarray(j)], axis=1)


def verification_accuracy(distances: np.ndarray, same: np.ndarray, threshold: float) -> float:
    """Share of pairs judged right when "same person" means ``distance < threshold``."""
    distances, same = np.asarray(distances), np.asarray(same, dtype=bool)
    if distances.shape != same.shape or distances.size == 0:
        raise ValueError("distances and same: expected two non-empty arrays of the same shape")
    return float(np.mean((distances < threshold) == same))


def choose_threshold(distances: np.ndarray, same: np.ndarray) -> float:
    """The threshold with the best accuracy on these (validation) pairs.

    Candidates are the midpoints between consecutive sorted distances (and the ends); ties go to
    the smallest candidate. Pick it on a validation split, then report on held-out pairs.
    """
    distances = np.asarray(distances, dtype=np.float64)
    same = np.asarray(same, dtype=bool)
    if distances.shape != same.shape or distances.size == 0:
        raise ValueError("distances and same: expected two non-empty arrays of the same shape")
    values = np.unique(distances)
    candidates = np.concatenate(
        [[values[0] - 1e-6], (values[:-1] + values[1:]) / 2, [values[-1] + 1e-6]]
    )
    correct = [np.sum((distances < t) == same) for t in candidates]
    return float(candidates[int(np.argmax(correct))])


def roc_auc(distances: np.ndarray, same: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """ROC curve of "same person when distance < t" over all t, and its area.

    Returns:
        fpr, tpr: false/true positive rates (scikit-learn's ``roc_curve`` on ``−distance``);
        auc: the area under the curve (1 = perfect, 0.5 = chance).
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    same = np.asarray(same, dtype=bool)
    scores = -np.asarray(distances, dtype=np.float64)
    fpr, tpr, _ = roc_curve(same, scores)
    return fpr, tpr, float(roc_auc_score(same, scores))


# --------------------------------------------------------------------------------------------
# Encoders
# --------------------------------------------------------------------------------------------


@functools.cache
def _layers():
    """Small custom layers (no Lambda: models stay loadable in safe mode)."""
    import keras
    import tensorflow as tf
    from keras import ops

    @keras.saving.register_keras_serializable(package="course_faces")
    class L2Normalize(keras.layers.Layer):
        """x / ‖x‖ along the last axis: every encoding lies on the unit sphere.

        (Keras's UnitNormalization computes the same value but a slightly different gradient:
        the shipped encoder was trained with this one, so its script reproduces it exactly.)
        """

        def call(self, x):
            return x / ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis=-1, keepdims=True), 1e-12))

    @keras.saving.register_keras_serializable(package="course_faces")
    class ToGray(keras.layers.Layer):
        """RGB → luminance (BT.709 weights), one channel."""

        def call(self, x):
            weights = ops.convert_to_tensor([0.2125, 0.7154, 0.0721], dtype=x.dtype)
            return ops.sum(x * weights, axis=-1, keepdims=True)

    @keras.saving.register_keras_serializable(package="course_faces")
    class LRN(keras.layers.Layer):
        """Local response normalisation across channels (OpenFace: size 5, α 1e-4, β 0.75)."""

        def call(self, x):
            return tf.nn.local_response_normalization(
                x, depth_radius=2, bias=1.0, alpha=1e-4 / 5, beta=0.75
            )

    @keras.saving.register_keras_serializable(package="course_faces")
    class L2Pooling2D(keras.layers.Layer):
        """L2 pooling: sqrt of the sum of squares over each 3×3 window, stride 3."""

        def call(self, x):
            pooled = ops.average_pool(ops.square(x), 3, strides=3, padding="valid")
            return ops.sqrt(pooled * 9.0 + 1e-12)

    return L2Normalize, ToGray, LRN, L2Pooling2D


# nn4.small2's inception blocks, in order: per branch, "3x3"/"5x5": (1×1 reduction, filters,
# stride), "pool": (max or l2, 1×1 projection filters or 0, zero padding), "1x1": filters.
NN4_SMALL2_BLOCKS = {
    "3a": {
        "3x3": (96, 128, 1),
        "5x5": (16, 32, 1),
        "pool": ("max", 32, ((3, 4), (3, 4))),
        "1x1": 64,
    },
    "3b": {"3x3": (96, 128, 1), "5x5": (32, 64, 1), "pool": ("l2", 64, 4), "1x1": 64},
    "3c": {"3x3": (128, 256, 2), "5x5": (32, 64, 2), "pool": ("max", 0, ((0, 1), (0, 1)))},
    "4a": {"3x3": (96, 192, 1), "5x5": (32, 64, 1), "pool": ("l2", 128, 2), "1x1": 256},
    "4e": {"3x3": (160, 256, 2), "5x5": (64, 128, 2), "pool": ("max", 0, ((0, 1), (0, 1)))},
    "5a": {"3x3": (96, 384, 1), "pool": ("l2", 96, 1), "1x1": 256},
    "5b": {"3x3": (96, 384, 1), "pool": ("max", 96, 1), "1x1": 256},
}


def nn4_small2(input_shape: tuple[int, int, int] = (96, 96, 3), embedding: int = 128):
    """OpenFace's nn4.small2 (the course's FaceNet encoder), channels-last, random weights.

    The layout of the course's ``faceRecoModel`` (its ``inception_blocks_v2``): a stem (7×7/2 conv
    64, max-pool, LRN, 1×1 conv 64, 3×3 conv 192, LRN, max-pool), inception blocks 3a, 3b, 3c
    (stride 2), 4a, 4e (stride 2), 5a, 5b, 3×3 average pooling, a dense layer of ``embedding``
    units and L2 normalisation. Every convolution has a bias and is followed by batch
    normalisation (ε = 1e-5) and a ReLU.

    Returns:
        A ``keras.Model`` named ``nn4_small2`` mapping (m, 96, 96, 3) to (m, embedding).
    """
    import keras
    from keras import layers

    l2_normalize, _, lrn, l2_pooling = _layers()
    if tuple(input_shape) != (96, 96, 3):
        raise ValueError(f"input_shape: nn4.small2 is defined for (96, 96, 3), got {input_shape}")

    def conv_bn(x, filters, kernel, name, strides=1, pad=0):
        if pad:
            x = layers.ZeroPadding2D(pad, name=f"{name}_pad")(x)
        x = layers.Conv2D(filters, kernel, strides=strides, name=f"{name}_conv")(x)
        x = layers.BatchNormalization(epsilon=1e-5, name=f"{name}_bn")(x)
        return layers.Activation("relu", name=f"{name}_relu")(x)

    def reduce_conv(x, reduce, filters, kernel, name, strides=1):
        x = conv_bn(x, reduce, 1, f"{name}_1")
        return conv_bn(x, filters, kernel, f"{name}_2", strides=strides, pad=kernel // 2)

    def pool_branch(x, kind, filters, pad, name):
        if kind == "max":
            x = layers.MaxPooling2D(3, strides=2, name=f"{name}_maxpool")(x)
        else:
            x = l2_pooling(name=f"{name}_l2pool")(x)
        if filters:
            x = conv_bn(x, filters, 1, f"{name}_proj")
        return layers.ZeroPadding2D(pad, name=f"{name}_pad")(x)

    inputs = keras.Input(input_shape, name="image")
    x = conv_bn(inputs, 64, 7, "conv1", strides=2, pad=3)
    x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = lrn(name="lrn1")(x)
    x = conv_bn(x, 64, 1, "conv2")
    x = conv_bn(x, 192, 3, "conv3", pad=1)
    x = lrn(name="lrn2")(x)
    x = layers.ZeroPadding2D(1, name="pool2_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool2")(x)

    for name, branches in NN4_SMALL2_BLOCKS.items():
        outputs = []
        for branch, spec in branches.items():
            label = f"{name}_{branch}"
            if branch == "pool":
                outputs.append(pool_branch(x, *spec, label))
            elif branch == "1x1":
                outputs.append(conv_bn(x, spec, 1, label))
            else:  # "3x3" or "5x5": a 1×1 reduction, then the k×k convolution
                reduce, filters, strides = spec
                kernel = {"3x3": 3, "5x5": 5}[branch]
                outputs.append(reduce_conv(x, reduce, filters, kernel, label, strides))
        x = layers.Concatenate(name=f"{name}_concat")(outputs)
    x = layers.AveragePooling2D(3, strides=1, name="avgpool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(embedding, name="dense")(x)
    outputs = l2_normalize(name="l2_normalize")(x)
    return keras.Model(inputs, outputs, name="nn4_small2")


def compact_encoder(input_shape: tuple[int, int, int] = (FACE_SIZE, FACE_SIZE, 3), embedding=128):
    """The small encoder the course trains on a CPU: 32×32×3 → 128-d on the unit sphere.

    Grayscale (the offline faces are gray, so colour is not a cue), then three stages of two 3×3
    convolutions (32, 64, 128 filters, batch norm, ReLU; 2×2 max-pooling between stages), global
    average pooling, a dense layer of ``embedding`` units and L2 normalisation. Layers have fixed
    names so that ``load_weights`` works whatever was built before.
    """
    import keras
    from keras import layers

    l2_normalize, to_gray, _, _ = _layers()
    if len(input_shape) != 3 or input_shape[-1] != 3:
        raise ValueError(f"input_shape: expected (height, width, 3), got {input_shape!r}")
    inputs = keras.Input(input_shape, name="face")
    x = to_gray(name="gray")(inputs)
    for stage, filters in enumerate((32, 64, 128), start=1):
        for conv in (1, 2):
            name = f"s{stage}c{conv}"
            x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv")(x)
            x = layers.BatchNormalization(momentum=0.9, name=f"{name}_bn")(x)
            x = layers.Activation("relu", name=f"{name}_relu")(x)
        if stage < 3:
            x = layers.MaxPooling2D(2, name=f"s{stage}_pool")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dense(embedding, name="dense")(x)
    outputs = l2_normalize(name="l2_normalize")(x)
    return keras.Model(inputs, outputs, name="compact_encoder")


def encode(model: Any, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Encodings of a stack of model-ready images, (m, d) float32, in fixed-size batches."""
    images = np.asarray(images, dtype=np.float32)
    out = [
        np.asarray(model(images[start : start + batch_size], training=False))
        for start in range(0, len(images), batch_size)
    ]
    return np.concatenate(out) if out else np.zeros((0, model.output.shape[-1]), np.float32)


# --------------------------------------------------------------------------------------------
# Real labelled faces with a network
# --------------------------------------------------------------------------------------------

LFW_HOST = "https://ndownloader.figshare.com/files/5976015"


def load_lfw_people(min_faces_per_person: int = 20, timeout: float = 3.0, deadline: float = 600.0):
    """scikit-learn's labelled LFW faces (``fetch_lfw_people``), or None offline.

    With ``COURSE_OFFLINE=1`` the network is never touched; otherwise the download host is probed
    for ``timeout`` seconds first, so an offline machine answers quickly. scikit-learn's fetcher
    has no timeout of its own, so the download runs in a child process that is stopped after
    ``deadline`` seconds (each read may wait ``timeout`` s). Offline, or when the download fails
    or runs out of time, one line says which substitute the notebook uses.

    Returns:
        ``(images, labels, names)`` as ``fetch_lfw_people`` gives them (float32 gray images in
        [0, 1]), or None.
    """
    from utils.assets import offline_notice, offline_reason, within_deadline

    substitute = (
        "the 100 LFW-subset faces of scikit-image, one identity each, with generated photos "
        "(utils.faces.make_identity_photos)"
    )
    reason = offline_reason(LFW_HOST, timeout=timeout)
    if reason is None:
        try:
            within_deadline(deadline, _fetch_lfw_people, min_faces_per_person, timeout, True)
            people = _fetch_lfw_people(min_faces_per_person, timeout, False)  # from the cache
        except Exception as err:  # network errors surface as various exception types
            reason = f"download failed: {type(err).__name__}: {err}"
        else:
            images = people.images / (255.0 if people.images.max() > 1.0 else 1.0)
            return images.astype(np.float32), people.target, people.target_names
    offline_notice("lfw_people", reason, substitute)
    return None


def _fetch_lfw_people(min_faces_per_person: int, timeout: float, download: bool):
    """``fetch_lfw_people`` with a socket timeout on every read; the Bunch when not downloading."""
    import socket

    from sklearn.datasets import fetch_lfw_people

    if download:  # in the child process only: the setting is process-wide
        socket.setdefaulttimeout(timeout)
    people = fetch_lfw_people(
        min_faces_per_person=min_faces_per_person, resize=0.5, download_if_missing=download
    )
    return None if download else people


# --------------------------------------------------------------------------------------------
# The evaluation protocol shared by scripts/train_face_encoder.py and notebook 07
# --------------------------------------------------------------------------------------------

SPLIT_SEED = 0  # split_identities(seed=...): 60 train / 20 validation / 20 test identities
EVAL_PHOTOS = 10  # photos per validation / test identity
VAL_SEED, TEST_SEED = 101, 102  # photo seeds of the validation and test sets (training uses others)


def evaluation_sets() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The validation and test photos: ``{"val": (X, y), "test": (X, y)}``.

    20 identities each, disjoint from each other and from the 60 training identities, 10 photos
    per identity (``VAL_SEED`` / ``TEST_SEED``), 32×32×3.
    """
    _, val_ids, test_ids = split_identities(seed=SPLIT_SEED)
    return {
        "val": make_identity_photos(val_ids, EVAL_PHOTOS, VAL_SEED),
        "test": make_identity_photos(test_ids, EVAL_PHOTOS, TEST_SEED),
    }


def evaluate_encoder(
    model: Any, prepare: Callable[[np.ndarray], np.ndarray] | None = None
) -> dict[str, Any]:
    """Threshold picked on the validation pairs, accuracy and ROC/AUC on the test pairs.

    ``prepare`` maps the (m, 32, 32, 3) photos in [0, 1] to the model's input (for example
    :func:`utils.facenet.facenet_inputs`); by default they are its input as they are.

    Returns a dict with ``threshold``, ``val_accuracy``, ``test_accuracy``, ``auc``, ``fpr``,
    ``tpr``, ``n_val_pairs``, ``n_test_pairs`` and, for reuse, ``test_encodings`` (m, d) and the
    test pairs ``test_i``, ``test_j``, ``test_same`` with their ``test_distances``.
    """

    def pairs(split: str) -> tuple[np.ndarray, ...]:
        x, y = sets[split]
        i, j, same = pair_indices(y, seed=0)
        encodings = encode(model, x if prepare is None else prepare(x))
        return encodings, i, j, same, pair_distances(encodings, i, j)

    sets = evaluation_sets()
    *_, val_same, val_d = pairs("val")
    encodings, i, j, test_same, test_d = pairs("test")
    threshold = choose_threshold(val_d, val_same)
    fpr, tpr, auc = roc_auc(test_d, test_same)
    return {
        "threshold": threshold,
        "val_accuracy": verification_accuracy(val_d, val_same, threshold),
        "test_accuracy": verification_accuracy(test_d, test_same, threshold),
        "auc": auc,
        "fpr": fpr,
        "tpr": tpr,
        "n_val_pairs": int(val_same.size),
        "n_test_pairs": int(test_same.size),
        "test_encodings": encodings,
        "test_i": i,
        "test_j": j,
        "test_same": test_same,
        "test_distances": test_d,
    }
