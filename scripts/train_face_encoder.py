"""Train notebook 07's compact face encoder with online semi-hard triplet mining; ship its weights.

Data (offline, see ``utils/face_identities.py``): the 100 real LFW face crops of
``skimage.data.lfw_subset()``, one identity each, split into 60 training, 20 validation and 20
test identities (``utils.face_identities.split_identities(seed=0)``). Training is the recipe of
``utils.triplets.train_triplet_encoder``, which notebook 07 also runs for two epochs: every epoch
makes 16 new "photos" of each training identity (``utils.face_identities.make_identity_photos``
with seed ``1000 + epoch``: random pose, mirror, contrast, brightness, gamma, blur and noise); each
step takes a batch of P = 16 identities × K = 4 photos and minimises FaceNet's triplet loss with
online semi-hard negatives (``utils.triplets.semihard_triplet_loss``, α = 0.2) with Adam.

Evaluation (``utils.face_metrics.evaluate_encoder``): the distance threshold is the one with the
best accuracy on the validation identities' pairs; accuracy and ROC AUC are measured on the test
identities' pairs (all 900 same-person pairs and 900 different-person pairs), identities never
seen in training. Deterministic: ``utils.setup_notebook`` seeds everything, enables op
determinism and fixes TensorFlow to 2 threads.

Usage (from the repository root)::

    python -m scripts.train_face_encoder                # train, write weights/, update the manifest
    python -m scripts.train_face_encoder --no-manifest  # train and print, leave the manifest alone
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import utils
from scripts.shipping import record_shipped
from utils import triplets
from utils.face_metrics import evaluate_encoder

ROOT = Path(__file__).resolve().parent.parent
FILENAME = f"{triplets.ENCODER_WEIGHTS}.weights.h5"
HOW = "python -m scripts.train_face_encoder"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-manifest", action="store_true", help="do not update MANIFEST.json")
    parser.add_argument("--epochs", type=int, default=triplets.EPOCHS)
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")

    utils.setup_notebook(seed=triplets.SEED)
    start = time.perf_counter()
    model, _ = triplets.train_triplet_encoder(args.epochs)
    seconds = time.perf_counter() - start
    result = evaluate_encoder(model)
    path = ROOT / "weights" / FILENAME
    model.save_weights(path)
    print(
        f"trained in {seconds:.0f} s; threshold {result['threshold']:.3f} (validation accuracy "
        f"{result['val_accuracy']:.1%}); held-out identities: accuracy "
        f"{result['test_accuracy']:.1%} on {result['n_test_pairs']} pairs, AUC {result['auc']:.4f}"
    )
    description = (
        f"Compact face encoder (utils.face_models.compact_encoder: 32×32×3 → 128-d, "
        f"L2-normalised, {model.count_params():,} parameters) trained by "
        f"utils.triplets.train_triplet_encoder with online semi-hard triplet mining "
        f"(α = {triplets.MARGIN}) on generated photos of 60 of the 100 LFW-subset faces "
        f"(skimage.data.lfw_subset, one identity each; utils.face_identities.make_identity_photos)."
        f" On 20 held-out identities (utils.face_metrics.evaluate_encoder): threshold "
        f"{result['threshold']:.3f} picked on 20 validation identities, accuracy "
        f"{result['test_accuracy']:.1%} on {result['n_test_pairs']:,} balanced pairs, ROC AUC "
        f"{result['auc']:.4f}; training took {seconds:.0f} s on 2 busy CPU cores."
    )
    record_shipped(
        path,
        name=triplets.ENCODER_WEIGHTS,
        description=description,
        how=HOW,
        update_manifest=not args.no_manifest,
    )


if __name__ == "__main__":
    main()
