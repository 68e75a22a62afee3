"""Training a face encoder with triplets: P×K batches, semi-hard mining, the course's recipe.

- :func:`pk_batch`: a batch of P identities × K photos, so that every anchor has positives and
  negatives in its batch.
- :func:`semihard_triplet_loss`: FaceNet's triplet loss with online semi-hard negatives (§3.2).
- :func:`train_triplet_encoder`: the recipe that trained the shipped compact encoder
  (``python -m scripts.train_face_encoder``, asset :data:`ENCODER_WEIGHTS`); notebook 07 runs
  it for two epochs to watch the loss fall.

The graded ``triplet_loss`` of notebook 07 takes given (anchor, positive, negative) triplets;
nothing here is its solution. Importing this module does not import TensorFlow.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from utils.checks import require_int
from utils.face_identities import SPLIT_SEED, make_identity_photos, split_identities
from utils.face_models import compact_encoder

# The recipe of the shipped encoder (weights/face_encoder_lfw_subset.weights.h5).
ENCODER_WEIGHTS = "face_encoder_lfw_subset"  # the asset (utils.assets.resolve)
EPOCHS = 40
PHOTOS_PER_EPOCH = 16  # new photos of each training identity every epoch
P, K = 16, 4  # identities per batch, photos per identity
STEPS_PER_EPOCH = 15
LEARNING_RATE = 1e-3
MARGIN = 0.2  # α
SEED = 0


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


def train_triplet_encoder(epochs: int = EPOCHS, verbose: bool = True) -> tuple[Any, list[float]]:
    """Train :func:`utils.face_models.compact_encoder` from seed :data:`SEED` with triplets.

    Every epoch makes :data:`PHOTOS_PER_EPOCH` new photos of each of the 60 training identities
    (:func:`utils.face_identities.make_identity_photos` with seed ``1000 + epoch``); each of its
    :data:`STEPS_PER_EPOCH` steps takes a :func:`pk_batch` of P = 16 identities × K = 4 photos and
    minimises :func:`semihard_triplet_loss` (α = :data:`MARGIN`) with Adam
    (:data:`LEARNING_RATE`). Call :func:`utils.setup_notebook` first for a deterministic run.

    Args:
        epochs: number of epochs (>= 1; the shipped encoder had :data:`EPOCHS`).
        verbose: print the mean loss of every epoch.

    Returns:
        ``(model, losses)``: the trained encoder and the mean triplet loss of each epoch.
    """
    import keras
    import tensorflow as tf

    epochs = require_int(epochs, "epochs", minimum=1)
    keras.utils.set_random_seed(SEED)
    model = compact_encoder()
    optimizer = keras.optimizers.Adam(LEARNING_RATE)
    train_ids, _, _ = split_identities(seed=SPLIT_SEED)
    rng = np.random.default_rng(SEED)

    @tf.function(reduce_retracing=True)
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = semihard_triplet_loss(y, model(x, training=True), MARGIN)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    losses = []
    for epoch in range(epochs):
        x, y = make_identity_photos(train_ids, PHOTOS_PER_EPOCH, 1000 + epoch)
        total = 0.0
        for _ in range(STEPS_PER_EPOCH):
            batch = pk_batch(y, P, K, rng)
            total += float(step(tf.constant(x[batch]), tf.constant(y[batch])))
        losses.append(total / STEPS_PER_EPOCH)
        if verbose:
            print(f"epoch {epoch + 1:2d}/{epochs}: triplet loss {losses[-1]:.4f}", flush=True)
    return model, losses
