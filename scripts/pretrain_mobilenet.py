"""Pre-train a compact MobileNetV2 on the offline digits 0–4: notebook 09's pre-trained network.

Notebook 09 transfers a pre-trained MobileNetV2 to a new task with little data. Online it uses
Keras's ImageNet MobileNetV2; offline there are no ImageNet weights, so this script makes the
substitute the course ships: ``utils.transfer.mobilenet_v2_small`` (a 3×3 stem, five inverted
residual blocks and a 1×1 convolution to 192 channels; 51,712 parameters) with a 5-way softmax
(``utils.transfer.pretraining_model``), pre-trained on one task — the digits 0–4 — and
transferred in the notebook to another — the digits 5–9.

Data: ``utils.transfer.pretraining_digits()`` (``framed_digits(size=32, channels=3,
digits=range(5))``): scikit-learn's digits 0–4 drawn 20×20 in the middle of a 32×32 frame, 720
training and 181 test images. Training: Adam, learning rate 3e-3 decayed to 0 (cosine), batch 32, 30
epochs, random rotations (±18°), zooms (±15%) and shifts (±10%) — augmentation makes the features
more general. ``utils.setup_notebook`` seeds Python, NumPy and TensorFlow, enables op determinism
and fixes TensorFlow to 2 threads, so a re-run on the same machine writes a byte-identical file.

Usage (from the repository root)::

    python -m scripts.pretrain_mobilenet                # train, write weights/, update the manifest
    python -m scripts.pretrain_mobilenet --no-manifest  # only print the size and SHA-256

It prints one line per 5 epochs, the test accuracy, the file's size and SHA-256, and (unless
``--no-manifest``) writes them into the ``mobilenet_v2_small_digits`` entry of
``weights/MANIFEST.json``. The file holds the whole pre-training model (backbone and its 5-way
softmax), so a test can check the stated accuracy; the notebook keeps only the backbone.
"""

from __future__ import annotations

from typing import Any

import utils
from scripts.shipping import ship_trained_network
from utils.models import accuracy
from utils.transfer import (
    PRETRAINED_WEIGHTS,
    PRETRAINING_SHAPE,
    pretraining_digits,
    pretraining_model,
)

NAME = PRETRAINED_WEIGHTS
FILENAME = f"{NAME}.weights.h5"
HOW = "python -m scripts.pretrain_mobilenet"
EPOCHS = 30
BATCH_SIZE = 32
LEARNING_RATE = 3e-3
SEED = 0
DESCRIPTION = (
    "MobileNetV2-small (utils.transfer.mobilenet_v2_small: 3×3 stem, 5 inverted residual blocks, "
    "1×1 conv to 192) with its 5-way softmax ({params:,} parameters), pre-trained on the offline "
    "digits 0–4 drawn 20×20 in 32×32×3 frames (utils.transfer.pretraining_digits, 720 training "
    "images, augmented); test accuracy {accuracy}. Notebook 09's offline substitute for the "
    "ImageNet MobileNetV2."
)


def train(epochs: int = EPOCHS) -> tuple[Any, tuple[int, int]]:
    """Pre-train from seed ``SEED``; returns the model and its (correct, total) on the test set."""
    import keras
    from keras import layers

    from utils.training import EpochLog, cosine_adam

    X_train, Y_train, X_test, Y_test, _ = pretraining_digits()
    keras.utils.set_random_seed(SEED)
    model = pretraining_model()
    augment = keras.Sequential(
        [
            layers.RandomRotation(0.05, fill_mode="constant", seed=1),
            layers.RandomZoom(0.15, fill_mode="constant", seed=2),
            layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=3),
        ],
        name="augment",
    )
    trainer = keras.Sequential([keras.Input(PRETRAINING_SHAPE), augment, model])
    optimizer = cosine_adam(
        LEARNING_RATE, epochs=epochs, examples=len(X_train), batch_size=BATCH_SIZE
    )
    trainer.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=False,
    )

    trainer.fit(
        X_train,
        Y_train,
        batch_size=BATCH_SIZE,
        epochs=epochs,
        verbose=0,
        callbacks=[EpochLog(every=5)],
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
