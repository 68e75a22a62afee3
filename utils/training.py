"""Training helpers shared by the notebooks and by the scripts that train the shipped weights.

- :func:`cosine_adam`: Adam with a learning rate decayed to 0 along a cosine over the run.
- :class:`EpochLog`: one line per epoch (or every few) — loss, accuracy and the validation ones —
  with no progress bar and no timings, so a notebook's stored output re-executes identically.

Importing this module imports Keras (and so TensorFlow).
"""

from __future__ import annotations

import keras

from utils.checks import require_int


class EpochLog(keras.callbacks.Callback):
    """Print ``epoch e/N: loss …, accuracy …% | validation: loss …, accuracy …%``.

    Args:
        every: print every ``every`` epochs, and after the last one.
        examples: the number of training examples; when given, the training accuracy is also
            shown as a count, e.g. ``96.3% (835/867)``.
    """

    def __init__(self, every: int = 1, examples: int | None = None) -> None:
        super().__init__()
        self.every = require_int(every, "every", minimum=1)
        self.examples = (
            None if examples is None else require_int(examples, "examples (or None)", minimum=1)
        )

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
