"""utils.training: the epoch log (every k epochs, validation, counts) and its argument checks."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from utils import training


def tiny_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(12, 4)).astype("float32"), rng.integers(0, 3, 12)


def test_epoch_log_prints_every_k_epochs_and_the_last(capsys):
    X, y = data()
    tiny_model().fit(X, y, epochs=5, verbose=0, callbacks=[training.EpochLog(every=2)])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["epoch  2/5", "epoch  4/5", "epoch  5/5"]
    assert all("loss " in line and "accuracy " in line and "%" in line for line in lines)


def test_epoch_log_shows_validation_and_counts(capsys):
    X, y = data()
    log = training.EpochLog(examples=8)
    history = tiny_model().fit(X, y, epochs=1, validation_split=1 / 3, verbose=0, callbacks=[log])
    line = capsys.readouterr().out.strip()
    right = round(history.history["accuracy"][0] * 8)
    assert f"({right}/8) | validation: loss " in line
    assert line.endswith(f"accuracy {100 * history.history['val_accuracy'][0]:.1f}%")


@pytest.mark.parametrize("kwargs", [{"every": 0}, {"every": True}, {"examples": 0}])
def test_epoch_log_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        training.EpochLog(**kwargs)
