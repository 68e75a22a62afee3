"""Training helpers shared by the notebooks and by the scripts that train the shipped weights.

- :func:`cosine_adam`: Adam with a learning rate decayed to 0 along a cosine over the run.
- :class:`EpochLog`: one line per epoch (or every few) — loss, accuracy and the validation ones —
  with no progress bar and no timings, so a notebook's stored output re-executes identically.
- :func:`register_weights` and :func:`ship_trained_network`: the command line shared by
  ``scripts/train_resnet_digits.py`` and ``scripts/pretrain_mobilenet.py`` (train from a seed,
  report the test accuracy, save the weights, record them in ``weights/MANIFEST.json``).

Importing this module imports Keras (and so TensorFlow).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import keras

WEIGHTS = Path(__file__).resolve().parent.parent / "weights"


class EpochLog(keras.callbacks.Callback):
    """Print ``epoch e/N: loss …, accuracy …% | validation: loss …, accuracy …%``.

    Args:
        every: print every ``every`` epochs, and after the last one.
        examples: the number of training examples; when given, the training accuracy is also
            shown as a count, e.g. ``96.3% (835/867)``.
    """

    def __init__(self, every: int = 1, examples: int | None = None) -> None:
        super().__init__()
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a positive int, got {every!r}")
        if examples is not None and (
            isinstance(examples, bool) or not isinstance(examples, int) or examples < 1
        ):
            raise ValueError(f"examples must be a positive int or None, got {examples!r}")
        self.every, self.examples = every, examples

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        epochs, logs = self.params["epochs"], logs or {}
        if (epoch + 1) % self.every and epoch + 1 != epochs:
            return
        line = f"epoch {epoch + 1:>2}/{epochs}: loss {logs['loss']:.4f}"
        if "accuracy" in logs:
            line += f", accuracy {100 * logs['accuracy']:.1f}%"
            if self.examples is not None:
                line += f" ({round(logs['accuracy'] * self.examples)}/{self.examples})"
        if "val_loss" in logs:
            line += f" | validation: loss {logs['val_loss']:.4f}"
            if "val_accuracy" in logs:
                line += f", accuracy {100 * logs['val_accuracy']:.1f}%"
        print(line, flush=True)


def cosine_adam(
    learning_rate: float, *, epochs: int, examples: int, batch_size: int
) -> keras.optimizers.Adam:
    """Adam whose learning rate decays from ``learning_rate`` to 0 along a cosine over the run.

    The run is ``epochs`` passes over ``examples`` in batches of ``batch_size`` (one step each).
    """
    steps = epochs * -(-examples // batch_size)
    return keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(learning_rate, steps))


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
    from utils.assets import record_shipped

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
