"""The command line of the scripts that train a classifier and ship its weights.

``scripts/train_resnet_digits.py`` and ``scripts/pretrain_mobilenet.py`` train from a seed, report
the test accuracy, save the weights and record them in ``weights/MANIFEST.json``
(:func:`ship_trained_network`, :func:`register_weights`).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from utils.assets import record_shipped

WEIGHTS = Path(__file__).resolve().parent.parent / "weights"


def register_weights(
    path: str | Path,
    *,
    name: str,
    description: str,
    how: str,
    params: int,
    correct: int,
    total: int,
    update_manifest: bool = True,
) -> dict:
    """Record the weights file at ``path`` (:func:`utils.assets.record_shipped`); returns the entry.

    ``description`` is a template with ``{params}`` and ``{accuracy}`` fields, filled with the
    parameter count and ``"P% (correct/total)"``. The manifest is the one in ``path``'s folder.
    """
    accuracy = f"{100 * correct / total:.1f}% ({correct}/{total})"
    text = description.format(params=params, accuracy=accuracy)
    return record_shipped(
        path, name=name, description=text, how=how, update_manifest=update_manifest
    )


def ship_trained_network(
    train: Callable[[int], tuple[Any, tuple[int, int]]],
    *,
    name: str,
    description: str,
    how: str,
    epochs: int,
    doc: str,
    argv: Sequence[str] | None = None,
    folder: Path = WEIGHTS,
) -> dict | None:
    """The command line of a script that trains a shipped network.

    Options: ``--epochs N`` (default ``epochs``) and ``--no-manifest``. Call
    :func:`utils.setup_notebook` first (seeds, determinism, threads). It calls ``train(epochs)``
    (which returns the model and its (correct, total) on the test set), saves the weights to
    ``<folder>/<name>.weights.h5``, prints the test accuracy, the time, the size and the SHA-256,
    and (unless ``--no-manifest``) records the file with :func:`register_weights`.

    Returns:
        The manifest entry written, or None with ``--no-manifest``.
    """
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=epochs, help=f"epochs (default {epochs})")
    parser.add_argument("--no-manifest", action="store_true", help="do not update the manifest")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")

    start = time.perf_counter()
    model, (correct, total) = train(args.epochs)
    print(f"test accuracy {100 * correct / total:.1f}% ({correct}/{total})")
    path = Path(folder) / f"{name}.weights.h5"
    model.save_weights(path)
    print(
        f"trained and saved in {time.perf_counter() - start:.0f} s: {path.parent.name}/{path.name}"
    )
    entry = register_weights(
        path,
        name=name,
        description=description,
        how=how,
        params=model.count_params(),
        correct=correct,
        total=total,
        update_manifest=not args.no_manifest,
    )
    return None if args.no_manifest else entry
