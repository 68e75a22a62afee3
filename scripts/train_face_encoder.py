"""Train notebook 07's compact face encoder with online semi-hard triplet mining; ship its weights.

Data (offline, see ``utils/faces.py``): the 100 real LFW face crops of
``skimage.data.lfw_subset()``, one identity each, split into 60 training, 20 validation and 20
test identities
(``utils.faces.split_identities(seed=0)``). Every epoch makes 16 new "photos" of each training
identity (``utils.faces.make_identity_photos`` with seed ``1000 + epoch``: random pose, mirror,
contrast, brightness, gamma, blur and noise). Each step takes a batch of P = 16 identities × K = 4
photos and minimises FaceNet's triplet loss with online semi-hard negatives
(``utils.faces.semihard_triplet_loss``, α = 0.2) with Adam.

Evaluation (``utils.faces.evaluate_encoder``): the distance threshold is the one with the best
accuracy on the validation identities' pairs; accuracy and ROC AUC are measured on the test
identities' pairs (all 900 same-person pairs and 900 different-person pairs), identities never
seen in training. Deterministic: ``utils.setup_notebook`` seeds everything, enables op determinism
and fixes TensorFlow to 2 threads.

Usage (from the repository root)::

    python scripts/train_face_encoder.py                # train, write weights/, update the manifest
    python scripts/train_face_encoder.py --no-manifest  # train and print, leave the manifest alone
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "face_encoder_lfw_subset"
FILENAME = f"{NAME}.weights.h5"
EPOCHS = 40
PHOTOS_PER_EPOCH = 16  # per training identity
P, K = 16, 4
STEPS_PER_EPOCH = 15
LEARNING_RATE = 1e-3
MARGIN = 0.2
SEED = 0


def train(epochs: int = EPOCHS, verbose: bool = True):
    """Train the compact encoder; returns ``(model, losses)`` (mean loss per epoch)."""
    import keras
    import numpy as np
    import tensorflow as tf

    from utils import faces

    keras.utils.set_random_seed(SEED)
    model = faces.compact_encoder()
    optimizer = keras.optimizers.Adam(LEARNING_RATE)
    train_ids, _, _ = faces.split_identities(seed=faces.SPLIT_SEED)
    rng = np.random.default_rng(SEED)

    @tf.function(reduce_retracing=True)
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = faces.semihard_triplet_loss(y, model(x, training=True), MARGIN)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    losses = []
    for epoch in range(epochs):
        x, y = faces.make_identity_photos(train_ids, PHOTOS_PER_EPOCH, 1000 + epoch)
        total = 0.0
        for _ in range(STEPS_PER_EPOCH):
            batch = faces.pk_batch(y, P, K, rng)
            total += float(step(tf.constant(x[batch]), tf.constant(y[batch])))
        losses.append(total / STEPS_PER_EPOCH)
        if verbose:
            print(f"epoch {epoch + 1:2d}/{epochs}: triplet loss {losses[-1]:.4f}", flush=True)
    return model, losses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-manifest", action="store_true", help="do not update MANIFEST.json")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    args = parser.parse_args()
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")

    sys.path.insert(0, str(ROOT))
    import utils

    utils.setup_notebook(seed=SEED)
    from utils import faces
    from utils.assets import record_shipped

    start = time.perf_counter()
    model, _ = train(args.epochs)
    seconds = time.perf_counter() - start
    result = faces.evaluate_encoder(model)
    path = ROOT / "weights" / FILENAME
    model.save_weights(path)
    print(
        f"trained in {seconds:.0f} s; threshold {result['threshold']:.3f} (validation accuracy "
        f"{result['val_accuracy']:.1%}); held-out identities: accuracy "
        f"{result['test_accuracy']:.1%} on {result['n_test_pairs']} pairs, AUC {result['auc']:.4f}"
    )
    description = (
        f"Compact face encoder (utils.faces.compact_encoder: 32×32×3 → 128-d, L2-normalised, "
        f"{model.count_params():,} parameters) trained by scripts/train_face_encoder.py with "
        f"online semi-hard triplet mining (α = {MARGIN}) on generated photos of 60 of the 100 "
        f"LFW-subset faces (skimage.data.lfw_subset, one identity each; "
        f"utils.faces.make_identity_photos). On 20 held-out identities "
        f"(utils.faces.evaluate_encoder): threshold {result['threshold']:.3f} picked on 20 "
        f"validation identities, accuracy {result['test_accuracy']:.1%} on "
        f"{result['n_test_pairs']:,} balanced pairs, ROC AUC {result['auc']:.4f}; training "
        f"took {seconds:.0f} s on 2 busy CPU cores."
    )
    record_shipped(
        path,
        name=NAME,
        description=description,
        how="python scripts/train_face_encoder.py",
        update_manifest=not args.no_manifest,
    )


if __name__ == "__main__":
    main()
