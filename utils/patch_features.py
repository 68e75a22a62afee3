"""A small ConvNet trained offline on patches of the bundled photos (notebook 08, section 2).

Without ImageNet, notebook 08 could only look inside a *random* VGG19. This module holds a
network whose features were *learned* from natural images that ship with scikit-image and
scikit-learn, by a task whose labels come for free: cut a 32×32 patch out of one of the 12
:data:`PHOTOS` and ask the network **which photo it comes from**. Half of the training patches
are turned grey, so colour alone does not answer: the network must also learn the photos'
textures and edges (the stripes of the cat, the bricks, the grass).

- :data:`PHOTOS`, :func:`task_photos` — the 12 photos, scaled to a short side of
  :data:`PHOTO_SIDE` pixels.
- :func:`sample_patches` — labelled patches from the training or the held-out blocks of the
  photos (a fixed checkerboard of :data:`BLOCK`-pixel blocks: no held-out pixel is ever trained on).
- :func:`patch_network` — the model: four 'same' convolutions (7×7, then 3×3) with 2×2
  max-pooling between them, global average pooling, a softmax over the 12 photos.
- :func:`load_patch_network` — the model with the shipped weights (``weights/MANIFEST.json``,
  entry :data:`WEIGHTS`, made by ``python -m scripts.train_patch_features``).

TensorFlow is imported only inside the functions that need it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from utils.checks import require_int
from utils.images import load_image

WEIGHTS = "patch_features_photos"
PHOTOS = (
    "astronaut",
    "brick",
    "camera",
    "chelsea",
    "china",
    "coffee",
    "coins",
    "flower",
    "grace_hopper",
    "grass",
    "gravel",
    "rocket",
)
PHOTO_SIDE = 128  # pixels of each photo's shorter side
PATCH = 32  # patch side, pixels
BLOCK = 64  # side of the blocks of the train/held-out checkerboard, pixels
CONV_FILTERS = (32, 64, 128, 128)
FIRST_KERNEL = 7  # side of conv1's kernels: big enough to show an edge's orientation
SPLITS = ("train", "held-out")


def task_photos(side: int = PHOTO_SIDE) -> list[np.ndarray]:
    """The photos of :data:`PHOTOS`, each (H, W, 3) float32 in [0, 1] with min(H, W) = ``side``.

    Aspect ratios are kept; grayscale photos are repeated over the 3 channels.
    """
    side = require_int(side, "side (at least one block)", minimum=BLOCK)
    photos = []
    for name in PHOTOS:
        height, width = load_image(name).shape[:2]
        scale = side / min(height, width)
        photos.append(load_image(name, size=(round(height * scale), round(width * scale))))
    return photos


def held_out_block(row: int, column: int) -> bool:
    """Whether the block at (row, column) of the checkerboard is held out (1 block in 4)."""
    return (row + 2 * column) % 4 == 0


def sample_patches(
    photos: list[np.ndarray], count: int, split: str, seed: int, grey: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` patches labelled with their photo, each inside one block of ``split``.

    Each patch: a photo drawn uniformly, one of its complete blocks of ``split`` drawn uniformly,
    and a :data:`PATCH`-pixel window inside that block drawn uniformly; with probability
    ``grey``, its channels are replaced by their mean.

    Args:
        photos: from :func:`task_photos` (index i is class i).
        count: number of patches (>= 1).
        split: ``"train"`` or ``"held-out"`` (the blocks where :func:`held_out_block` is True).
        seed: seed of ``np.random.default_rng``: the same arguments give the same patches.
        grey: fraction of the patches made grey, in [0, 1].

    Returns:
        (X (count, PATCH, PATCH, 3) float32 in [0, 1], labels (count,) int64: photo indices).
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    count = require_int(count, "count", minimum=1)
    if not 0.0 <= grey <= 1.0:
        raise ValueError(f"grey must be a fraction in [0, 1], got {grey!r}")
    blocks = []
    for photo in photos:
        rows, columns = photo.shape[0] // BLOCK, photo.shape[1] // BLOCK
        chosen = [
            (r, c)
            for r in range(rows)
            for c in range(columns)
            if held_out_block(r, c) == (split == "held-out")
        ]
        if not chosen:
            raise ValueError(f"a photo of shape {photo.shape} has no {split} block of {BLOCK} px")
        blocks.append(chosen)
    rng = np.random.default_rng(seed)
    which = rng.integers(len(photos), size=count)
    X = np.empty((count, PATCH, PATCH, 3), np.float32)
    for n, p in enumerate(which):
        row, column = blocks[p][rng.integers(len(blocks[p]))]
        top, left = rng.integers(BLOCK - PATCH + 1, size=2)
        y, x = row * BLOCK + top, column * BLOCK + left
        X[n] = photos[p][y : y + PATCH, x : x + PATCH]
    greyed = rng.random(count) < grey
    X[greyed] = X[greyed].mean(axis=-1, keepdims=True)
    return X, which.astype(np.int64)


def patch_network(seed: int = 0) -> Any:
    """The patch network, with Keras's default initialisation drawn from ``seed``.

    Input (None, None, 3) in [0, 1] (fully convolutional up to the pooling, so it also runs on
    whole photos); ``conv1`` 7×7×3×32, ``pool1`` 2×2, ``conv2`` 3×3×32×64, ``pool2``, ``conv3``
    3×3×64×128, ``pool3``, ``conv4`` 3×3×128×128 (all 'same', stride 1, ReLU), global average
    pooling, and a softmax ``photo`` over the 12 photos.
    """
    import keras
    from keras import layers

    inputs = keras.Input((None, None, 3), name="image")
    x = layers.Rescaling(2.0, offset=-1.0, name="to_minus1_1")(inputs)
    for index, filters in enumerate(CONV_FILTERS, 1):
        if index > 1:
            x = layers.MaxPooling2D(2, name=f"pool{index - 1}")(x)
        x = layers.Conv2D(
            filters,
            FIRST_KERNEL if index == 1 else 3,
            padding="same",
            activation="relu",
            kernel_initializer=keras.initializers.GlorotUniform(seed=10 * seed + index),
            name=f"conv{index}",
        )(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = layers.Dense(
        len(PHOTOS),
        activation="softmax",
        kernel_initializer=keras.initializers.GlorotUniform(seed=10 * seed + 5),
        name="photo",
    )(x)
    return keras.Model(inputs, outputs, name="patch_network")


def load_patch_network() -> Any:
    """:func:`patch_network` with the shipped weights (checked against their SHA-256)."""
    from utils.assets import resolve

    model = patch_network()
    model.load_weights(resolve(WEIGHTS))
    return model


def count_correct(model: Any, X: np.ndarray, labels: np.ndarray) -> int:
    """How many of the patches ``X`` (m, PATCH, PATCH, 3) the model assigns to their photo."""
    probabilities = np.asarray(model.predict(X, batch_size=256, verbose=0))
    return int((probabilities.argmax(axis=1) == labels).sum())


def conv_features(model: Any, names: list[str]) -> Any:
    """A model from (m, H, W, 3) images in [0, 1] (any H, W) to the outputs of layers ``names``."""
    import keras

    valid = [layer.name for layer in model.layers]
    unknown = [name for name in names if name not in valid]
    if unknown or not names:
        raise ValueError(f"names: expected some of {valid}, got {names!r}")
    return keras.Model(model.input, [model.get_layer(name).output for name in names])
