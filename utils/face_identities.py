"""An identity-labelled face set made offline, and its fixed train / validation / test splits.

scikit-image ships 100 real LFW face crops (``skimage.data.lfw_subset()``, 25×25 grayscale, one per
person: :func:`lfw_subset_faces`) but no second photo of anyone. Each crop is taken as one
identity and every "photo" of that identity is a new random draw of pose (rotation, scale, shift,
mirror) and camera (contrast, brightness, gamma, blur, noise) applied to it
(:func:`augment_face`, :func:`make_identity_photos`), so same-identity photos share the face, not
the pixels. :func:`split_identities` splits the 100 identities into disjoint train / validation /
test sets; :func:`evaluation_sets` makes the validation and test photos that notebook 07 and
``scripts/train_face_encoder.py`` both evaluate on (:data:`SPLIT_SEED`, :data:`VAL_SEED`,
:data:`TEST_SEED`).
"""

from __future__ import annotations

import numpy as np

from utils.checks import require_int
from utils.face_models import FACE_SIZE
from utils.images import to_rgb

N_IDENTITIES = 100  # face crops in skimage.data.lfw_subset() (images 0–99)


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
    if len(sizes) != 3:
        raise ValueError(f"sizes: expected three positive ints, got {sizes!r}")
    sizes = tuple(require_int(n, f"sizes[{i}]", minimum=1) for i, n in enumerate(sizes))
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
    photos_per_identity = require_int(photos_per_identity, "photos_per_identity", minimum=1)
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


# --------------------------------------------------------------------------------------------
# The evaluation sets shared by scripts/train_face_encoder.py and notebook 07

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
