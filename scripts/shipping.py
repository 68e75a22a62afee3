"""Shipping what a script trained: the file measured and recorded in its folder's manifest.

:func:`record_shipped` measures a file a script made (size, SHA-256) and records it in
``data/MANIFEST.json`` or ``weights/MANIFEST.json`` (:func:`write_manifest_entry`); every script
that ships a file uses it. These live with the scripts, out of the learner's ``utils``: notebooks
only read the manifests (:mod:`utils.assets`).

``scripts/train_resnet_digits.py`` and ``scripts/pretrain_mobilenet.py`` train from a seed, report
the test accuracy, save the weights and record them in ``weights/MANIFEST.json``
(:func:`ship_trained_network`, :func:`register_weights`).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from utils.assets import FIELDS, MANIFEST, Asset, sha256sum

WEIGHTS = Path(__file__).resolve().parent.parent / "weights"


def write_manifest_entry(folder: str | os.PathLike, entry: dict) -> None:
    """Add ``entry`` to ``<folder>/MANIFEST.json``, replacing the entry of the same name in place.

    The entry is validated as an :class:`Asset` first (the rules of
    :func:`utils.assets.load_manifest`).
    Training scripts use it to record the file they wrote.
    """
    folder = Path(folder)
    if not isinstance(entry, dict) or sorted(entry) != sorted(FIELDS):
        raise ValueError(f"entry: expected a dict with exactly the keys {FIELDS}, got {entry!r}")
    Asset(**entry, folder=folder)
    path = folder / MANIFEST
    data = json.loads(path.read_text(encoding="utf-8"))
    names = [asset.get("name") for asset in data["assets"]]
    if entry["name"] in names:
        data["assets"][names.index(entry["name"])] = entry
    else:
        data["assets"].append(entry)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def record_shipped(
    path: str | os.PathLike, *, name: str, description: str, how: str, update_manifest: bool = True
) -> dict:
    """Measure a file that a script in the repository made and ships, and record it.

    ``path`` is the file, in the folder of the manifest it belongs to. Its size and SHA-256 are
    measured once and printed; unless ``update_manifest`` is False, its entry replaces the one of
    the same name in that folder's ``MANIFEST.json`` (:func:`write_manifest_entry`).

    Returns:
        The entry (valid for :func:`utils.assets.load_manifest`).
    """
    path = Path(path)
    entry = {
        "name": name,
        "filename": path.name,
        "description": description,
        "how": how,
        "sha256": sha256sum(path),
        "md5": None,
        "size_bytes": path.stat().st_size,
        "url": None,
        "offline": None,
        "cache_subdir": "models",
    }
    print(
        f"{path.parent.name}/{path.name}: {entry['size_bytes']:,} bytes, sha256 {entry['sha256']}"
    )
    if update_manifest:
        write_manifest_entry(path.parent, entry)
        print(f"{path.parent.name}/{MANIFEST}: entry {name!r} updated")
    return entry


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
    """Record the weights file at ``path`` (:func:`record_shipped`); returns the entry.

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
