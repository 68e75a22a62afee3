"""Network architectures the course ships trained weights for (none is a graded exercise).

- :func:`resnet14`: the compact residual network of notebook 04, trained by
  ``python -m scripts.train_resnet_digits`` on :func:`resnet_digits` and shipped as the asset
  :data:`RESNET14_WEIGHTS`.
- :func:`accuracy`: (correct, total) of a classifier on a labelled set.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from utils.checks import require_int

RESNET14_STAGES = ((16, 1), (32, 2), (64, 2))  # (filters, stride of the stage's first block)
RESNET14_BLOCKS_PER_STAGE = 2
RESNET14_WEIGHTS = "resnet14_digits"  # the shipped weights (utils.assets.resolve)


def resnet14(input_shape: tuple[int, int, int] = (64, 64, 3), classes: int = 6) -> Any:
    """The compact residual network whose trained weights the course ships.

    stem: 3×3 conv, 16 filters, stride 2 → BN → ReLU; three stages of two basic blocks with 16, 32
    and 64 filters (the first block of stages 2 and 3 halves the size with stride 2 and a 1×1
    projection shortcut); global average pooling; dense softmax. Every layer has a fixed name, so
    weights load whatever else was built before in the session.

    Args:
        input_shape: (height, width, channels) of the input images.
        classes: number of output classes.

    Returns:
        An uncompiled ``keras.Model`` mapping (m, *input_shape) images to (m, classes)
        probabilities.
    """
    import keras
    from keras import layers

    if len(input_shape) != 3 or not all(isinstance(n, int) and n > 0 for n in input_shape):
        raise ValueError(f"input_shape: expected (height, width, channels), got {input_shape!r}")
    classes = require_int(classes, "classes", minimum=2)

    def conv_bn(x, filters, kernel, stride, name):
        x = layers.Conv2D(
            filters, kernel, strides=stride, padding="same", use_bias=False, name=f"{name}_conv"
        )(x)
        return layers.BatchNormalization(name=f"{name}_bn")(x)

    def basic_block(x, filters, stride, name):
        """Two 3×3 conv-BN layers; the input (or its 1×1 projection) is added before the ReLU."""
        main = conv_bn(x, filters, 3, stride, f"{name}_a")
        main = layers.ReLU(name=f"{name}_a_relu")(main)
        main = conv_bn(main, filters, 3, 1, f"{name}_b")
        if stride != 1 or x.shape[-1] != filters:
            x = conv_bn(x, filters, 1, stride, f"{name}_projection")
        return layers.ReLU(name=f"{name}_out")(layers.Add(name=f"{name}_add")([main, x]))

    inputs = keras.Input(input_shape, name="image")
    x = layers.ReLU(name="stem_relu")(conv_bn(inputs, RESNET14_STAGES[0][0], 3, 2, "stem"))
    for stage, (filters, stride) in enumerate(RESNET14_STAGES, start=1):
        for block in range(1, RESNET14_BLOCKS_PER_STAGE + 1):
            x = basic_block(x, filters, stride if block == 1 else 1, f"stage{stage}_block{block}")
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = layers.Dense(classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="resnet14")


def resnet_digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Notebook 04's data and ResNet-14's training set: the offline digits 0–5 at 64×64×3.

    ``utils.datasets.load_digits(size=64, channels=3, digits=range(6), one_hot=True)``: the shape
    of the course's SIGNS set.

    Returns:
        ``(X_train, Y_train, X_test, Y_test, classes)``: 866 training and 217 test images
        (m, 64, 64, 3) float32 in [0, 1], one-hot labels (m, 6), and the digits 0–5.
    """
    from utils.datasets import load_digits

    return load_digits(size=64, channels=3, digits=range(6), one_hot=True)


def accuracy(model: Any, X: np.ndarray, Y: np.ndarray) -> tuple[int, int]:
    """(number of correct predictions, number of examples) of ``model`` on ``X``.

    ``Y`` holds one-hot rows (m, classes) or integer labels (m,).
    """
    Y = np.asarray(Y)
    if Y.ndim not in (1, 2) or len(Y) != len(X):
        raise ValueError(
            f"Y: expected (m,) labels or (m, classes) one-hot rows for the {len(X)} "
            f"examples of X, got shape {Y.shape}"
        )
    labels = np.argmax(Y, axis=1) if Y.ndim == 2 else Y
    predicted = np.argmax(model.predict(X, batch_size=128, verbose=0), axis=1)
    return int((predicted == labels).sum()), len(Y)
