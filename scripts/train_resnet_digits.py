"""Train the course's compact residual network on the offline digits 0–5 and ship its weights.

Notebook 04 builds ResNet50 from the graded bottleneck blocks, but ResNet50's weights take ~94 MB
in float32: too big to ship. This script trains a much smaller residual network instead, whose
weights the notebook loads: **ResNet-14**, the CIFAR-style network of He et al. (2016, §4.2) with
``n = 2`` *basic* blocks per stage (two 3×3 convolutions and an identity or 1×1 projection
shortcut), 16/32/64 filters, and a stride-2 stem for 64×64 inputs: ``utils.models.resnet14``
(its basic block differs from the graded identity/convolutional blocks, so nothing of the
exercises is given away).

Data: ``utils.models.resnet_digits()`` (notebook 04's data: the digits 0–5 at 64×64×3, one-hot),
866 training and 217 test images (the shape of the course's SIGNS set). Training is deterministic:
``utils.setup_notebook`` seeds Python, NumPy and TensorFlow, enables op determinism and fixes
TensorFlow to 2 threads, so a re-run on the same machine writes a byte-identical file.

Usage (from the repository root)::

    python -m scripts.train_resnet_digits                # train, write weights/, update manifest
    python -m scripts.train_resnet_digits --no-manifest  # only print the size and SHA-256

It prints one line per epoch, the test accuracy, and the file's size and SHA-256, and (unless
``--no-manifest``) writes them into the ``resnet14_digits`` entry of ``weights/MANIFEST.json``.
"""

from __future__ import annotations

from typing import Any

import utils
from scripts.shipping import ship_trained_network
from utils.models import RESNET14_WEIGHTS, accuracy, resnet14, resnet_digits

NAME = RESNET14_WEIGHTS
FILENAME = f"{NAME}.weights.h5"
HOW = "python -m scripts.train_resnet_digits"
EPOCHS = 30
BATCH_SIZE = 32
LEARNING_RATE = 1e-3
SEED = 0
DESCRIPTION = (
    "ResNet-14 (basic residual blocks, 16/32/64 filters, {params:,} parameters; "
    "utils.models.resnet14) trained on the offline digits 0–5 at 64×64×3 "
    "(utils.models.resnet_digits, 866 training images); test accuracy {accuracy}."
)


def train(epochs: int = EPOCHS) -> tuple[Any, tuple[int, int]]:
    """Train ResNet-14 from seed ``SEED``; returns the model and its (correct, total) on the test.

    Adam, learning rate 1e-3 decayed to 0 over the run (cosine), batch 32, categorical
    cross-entropy, no augmentation, no early stopping: the test set is only used once, at the end.
    """
    import keras

    from utils.training import EpochLog, cosine_adam

    X_train, Y_train, X_test, Y_test, _ = resnet_digits()
    keras.utils.set_random_seed(SEED)
    model = resnet14()
    optimizer = cosine_adam(
        LEARNING_RATE, epochs=epochs, examples=len(X_train), batch_size=BATCH_SIZE
    )
    model.compile(
        optimizer=optimizer,
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )

    model.fit(
        X_train, Y_train, batch_size=BATCH_SIZE, epochs=epochs, verbose=0, callbacks=[EpochLog()]
    )
    return model, accuracy(model, X_test, Y_test)


def main(argv: list[str] | None = None) -> None:
    utils.setup_notebook(seed=SEED)  # seeds, op determinism, 2 TensorFlow threads, quiet logs
    ship_trained_network(
        train,
        name=NAME,
        description=DESCRIPTION,
        how=HOW,
        epochs=EPOCHS,
        doc=__doc__,
        argv=argv,
    )


if __name__ == "__main__":
    main()
