"""Train the course's compact U-Net on generated scenes with exact masks and ship its weights.

The course's ``unet_model`` (8,640,471 parameters at 96×128×3 with 32 base filters) is what
notebook 10 builds and checks; trained to convergence it needs a GPU. The network whose weights
ship with the course is a **compact U-Net**, ``utils.segmentation.compact_unet``: the same
encoder-decoder with skip connections, 3 levels of 12/24/48 filters and a 96-filter bottleneck,
batch normalisation after every 3×3 convolution (so that it trains in minutes on a CPU), 4 output
classes (background, disc, triangle, horse).

Data: ``utils.segmentation.make_segmentation_dataset`` — discs, triangles and horse silhouettes
16 to 48 pixels high pasted on 96×96 crops of the real photos of ``utils.images``, with masks exact
to the pixel. Training: :data:`utils.segmentation.TRAIN` (2,000 scenes, seed 0); evaluation:
:data:`utils.segmentation.HELD_OUT` (200 scenes, seed 1, never seen in training). Loss: softmax
cross-entropy per pixel; Adam 2e-3 decayed to 0 along a cosine over 20 epochs, batch 32
(``utils.segmentation.fit_segmenter``, the code notebook 10 also uses for the Oxford-IIIT Pet
dataset online).

Training is deterministic (``utils.setup_notebook``: seeds, op determinism, 2 TensorFlow threads):
a re-run on the same machine writes a byte-identical file.

Usage (from the repository root)::

    python -m scripts.train_unet_shapes                 # train, write weights/, update the manifest
    python -m scripts.train_unet_shapes --no-manifest   # only print the size and SHA-256

It prints a line per epoch, the held-out pixel accuracy and the IoU and Dice of every class, and
the file's size and SHA-256.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import utils
from scripts.shipping import record_shipped
from utils import segmentation as seg

ROOT = Path(__file__).resolve().parent.parent
HOW = "python -m scripts.train_unet_shapes"
DESCRIPTION = (
    "Compact U-Net (utils.segmentation.compact_unet: 96×96×3 → 4 classes, 12/24/48 filters and a "
    "96-filter bottleneck, batch norm; {params:,} parameters) trained on {train:,} generated "
    "scenes of discs, triangles and horses pasted on real photos with exact masks "
    "(utils.segmentation.make_segmentation_dataset, seed 0) for {epochs} epochs; held-out mean "
    "IoU {mean_iou:.3f} on {held_out} scenes (seed 1; IoU {per_class}), pixel accuracy "
    "{accuracy:.1%}; training took {minutes:.0f} min on 2 shared CPU cores."
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=seg.EPOCHS, help=f"default {seg.EPOCHS}")
    parser.add_argument("--train-images", type=int, default=seg.TRAIN["n_images"])
    parser.add_argument("--no-manifest", action="store_true", help="do not update the manifest")
    parser.add_argument("--out", type=Path, default=ROOT / "weights" / seg.FILENAME)
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.train_images < 1:
        parser.error("--epochs and --train-images must be >= 1")

    utils.setup_notebook(seed=seg.SEED)  # seeds, op determinism, 2 TensorFlow threads, quiet logs
    import keras

    start = time.perf_counter()
    train = seg.scenes({**seg.TRAIN, "n_images": args.train_images})
    print(f"{len(train):,} training scenes generated in {time.perf_counter() - start:.0f} s")
    keras.utils.set_random_seed(seg.SEED)
    model = seg.compact_unet()
    seg.fit_segmenter(model, train.images, train.masks, epochs=args.epochs)
    minutes = (time.perf_counter() - start) / 60
    ship(
        model,
        args.out,
        train=len(train),
        epochs=args.epochs,
        minutes=minutes,
        update_manifest=not args.no_manifest,
    )


def ship(
    model, out: Path, *, train: int, epochs: int, minutes: float, update_manifest: bool = True
) -> dict:
    """Save the weights of a trained compact U-Net (without the optimizer's state: a fresh copy
    of the network holds them), evaluate them on the held-out scenes and record the file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    weights_only = seg.compact_unet()
    weights_only.set_weights(model.get_weights())
    weights_only.save_weights(out)
    print(f"trained in {minutes:.1f} min, saved: {out.parent.name}/{out.name}")

    held_out = seg.scenes(seg.HELD_OUT)
    predicted = seg.predict_masks(seg.load_compact_unet(out), held_out.images)
    scores = seg.segmentation_scores(
        seg.confusion_matrix(held_out.masks, predicted, len(seg.SEG_CLASSES))
    )
    print(f"held-out pixel accuracy {scores['pixel_accuracy']:.1%}")
    print(seg.iou_table(scores, seg.SEG_CLASSES))
    per_class = ", ".join(
        f"{name} {iou:.3f}" for name, iou in zip(seg.SEG_CLASSES, scores["iou"], strict=True)
    )
    description = DESCRIPTION.format(
        params=model.count_params(),
        train=train,
        epochs=epochs,
        mean_iou=scores["mean_iou"],
        held_out=seg.HELD_OUT["n_images"],
        per_class=per_class,
        accuracy=scores["pixel_accuracy"],
        minutes=minutes,
    )
    return record_shipped(
        out, name=seg.NAME, description=description, how=HOW, update_manifest=update_manifest
    )


if __name__ == "__main__":
    main()
