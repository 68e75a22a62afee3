"""Train notebook 08's patch network offline on the bundled photos and ship its weights.

Notebook 08 looks inside a ConvNet ("what are deep ConvNets learning?"), but VGG19's ImageNet
weights cannot be had offline, and a random network has learned nothing. This script trains
``utils.patch_features.patch_network`` (four convolutions) on a task whose labels come for free
from the 12 photos of ``utils.patch_features.PHOTOS`` (scikit-image, scikit-learn and matplotlib
ship them): for a 32×32 patch, predict **which photo** it comes from. Half of the training
patches are made grey, so that colour alone does not answer. Patches are cut from a fixed
checkerboard of 64-pixel blocks; the held-out blocks (1 in 4) are never trained on.
AdamW (weight decay 0.3) with a cosine schedule, 8 epochs of 16,000 fresh patches, batch 64.

It prints, as the criteria of success:

- the accuracy on patches of the held-out blocks, against chance (1/12);
- the orientation selectivity of the first layer's 32 filters
  (``utils.feature_maps.orientation_selectivity``), trained against the same filters at their
  random initialisation: median index and how many exceed 0.3.

Training is deterministic (``utils.setup_notebook``: seeds, op determinism, 2 TensorFlow
threads). About 2 minutes on 2 CPU cores.

Usage (from the repository root)::

    python -m scripts.train_patch_features                # train, write weights/, update manifest
    python -m scripts.train_patch_features --no-manifest  # only print the size and SHA-256
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import utils
from scripts.shipping import record_shipped
from utils.feature_maps import orientation_selectivity
from utils.patch_features import (
    PHOTOS,
    WEIGHTS,
    count_correct,
    patch_network,
    sample_patches,
    task_photos,
)

FOLDER = Path(__file__).resolve().parent.parent / "weights"
HOW = "python -m scripts.train_patch_features"
SEED = 0
EPOCHS = 8  # each on fresh patches
PATCHES_PER_EPOCH = 16_000
HELD_OUT = 3_000
HELD_OUT_SEED = 10_000
BATCH = 64
LEARNING_RATE = 2e-3
WEIGHT_DECAY = 0.3  # AdamW: shrinks what the random initialisation left that training does not use
GREY = 0.5  # fraction of the training patches made grey
SELECTIVE = 0.3  # an orientation selectivity index above this counts as oriented
DESCRIPTION = (
    "Patch network of notebook 08 (utils.patch_features.patch_network: conv 7×7×32, 3×3×64, "
    "3×3×128, 3×3×128 with 2×2 max-pooling, softmax over 12 photos; {params:,} parameters), "
    "trained on {seen:,} 32×32 patches (half of them grey) of 12 bundled photos "
    "(utils.patch_features.PHOTOS, short side 128 px) to predict which photo a patch comes from. "
    "On {held:,} patches of held-out blocks: {photo} (chance 8.3%). First-layer orientation "
    "selectivity (utils.feature_maps.orientation_selectivity): median {osi_trained:.2f} trained "
    "vs {osi_random:.2f} at initialisation."
)


def percent(correct: int, total: int) -> str:
    return f"{100 * correct / total:.1f}% ({correct}/{total})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"default {EPOCHS}")
    parser.add_argument("--no-manifest", action="store_true", help="do not edit the manifest")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")

    utils.setup_notebook(seed=SEED)
    import keras

    start = time.perf_counter()
    photos = task_photos()
    X_held, Y_held = sample_patches(photos, HELD_OUT, "held-out", HELD_OUT_SEED)
    model = patch_network(SEED)
    random_osi = orientation_selectivity(model.get_layer("conv1").get_weights()[0])
    steps = args.epochs * PATCHES_PER_EPOCH // BATCH
    model.compile(
        optimizer=keras.optimizers.AdamW(
            keras.optimizers.schedules.CosineDecay(LEARNING_RATE, steps), weight_decay=WEIGHT_DECAY
        ),
        loss="sparse_categorical_crossentropy",
        jit_compile=False,
    )
    for epoch in range(args.epochs):
        X, Y = sample_patches(photos, PATCHES_PER_EPOCH, "train", SEED + epoch, grey=GREY)
        history = model.fit(X, Y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
        hits = count_correct(model, X_held, Y_held)
        osi = orientation_selectivity(model.get_layer("conv1").get_weights()[0])
        print(
            f"epoch {epoch + 1}: loss {history.history['loss'][-1]:.3f}; held-out "
            f"{percent(hits, HELD_OUT)}; conv1 selectivity median {np.median(osi):.2f} "
            f"({time.perf_counter() - start:.0f} s)"
        )
    trained_osi = orientation_selectivity(model.get_layer("conv1").get_weights()[0])
    print(f"held-out accuracy: {percent(hits, HELD_OUT)} (chance {100 / len(PHOTOS):.1f}%)")
    for label, osi in (("random (initial)", random_osi), ("trained", trained_osi)):
        print(
            f"conv1 orientation selectivity, {label}: median {np.median(osi):.2f}, "
            f"{int((osi > SELECTIVE).sum())}/{len(osi)} filters above {SELECTIVE}"
        )
    path = FOLDER / f"{WEIGHTS}.weights.h5"
    shipped = patch_network(SEED)  # not compiled: the file holds no optimizer state
    shipped.set_weights(model.get_weights())
    shipped.save_weights(path)
    print(f"trained and saved in {time.perf_counter() - start:.0f} s")
    description = DESCRIPTION.format(
        params=model.count_params(),
        seen=args.epochs * PATCHES_PER_EPOCH,
        held=HELD_OUT,
        photo=percent(hits, HELD_OUT),
        osi_trained=float(np.median(trained_osi)),
        osi_random=float(np.median(random_osi)),
    )
    record_shipped(
        path, name=WEIGHTS, description=description, how=HOW, update_manifest=not args.no_manifest
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
