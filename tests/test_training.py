"""utils.training: the epoch log, and the command line of the scripts that ship trained weights."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from scripts import pretrain_mobilenet, train_resnet_digits
from utils import training
from utils.assets import load_manifest, sha256sum


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


def write_manifest(folder, assets):
    (folder / "MANIFEST.json").write_text(json.dumps({"assets": assets}), "utf-8")


@pytest.mark.parametrize("script", [train_resnet_digits, pretrain_mobilenet])
def test_register_weights_replaces_only_its_own_entry(tmp_path, script):
    other = {"name": "other", "filename": "other.bin", "sha256": "0" * 64}
    write_manifest(tmp_path, [{"name": script.NAME, "sha256": "1" * 64}, other])
    weights = tmp_path / script.FILENAME
    weights.write_bytes(b"weights")
    entry = training.register_weights(
        weights,
        name=script.NAME,
        description=script.DESCRIPTION,
        how=script.HOW,
        params=52_677,
        correct=216,
        total=217,
    )
    assets = json.loads((tmp_path / "MANIFEST.json").read_text("utf-8"))["assets"]
    assert assets == [entry, other]
    assert entry["sha256"] == sha256sum(weights) and entry["size_bytes"] == 7
    assert "52,677 parameters" in entry["description"]
    assert "test accuracy 99.5% (216/217)" in entry["description"]
    assert entry["how"] == f"python scripts/{script.__name__.split('.')[-1]}.py"


def fake_train(epochs):
    model = tiny_model()
    X, y = data()
    model.fit(X, y, epochs=epochs, verbose=0)
    return model, (7, 12)


def test_ship_trained_network_trains_saves_and_records(tmp_path, capsys):
    write_manifest(tmp_path, [])
    entry = training.ship_trained_network(
        fake_train,
        name="tiny",
        description="a tiny net ({params:,} parameters); test accuracy {accuracy}",
        how="python make_tiny.py",
        epochs=2,
        doc="Train a tiny net.\n\nMore.",
        argv=["--epochs", "1"],
        folder=tmp_path,
    )
    out = capsys.readouterr().out
    assert "test accuracy 58.3% (7/12)" in out and sha256sum(tmp_path / "tiny.weights.h5") in out
    recorded = load_manifest(tmp_path)["tiny"]
    assert recorded.sha256 == entry["sha256"] and recorded.description.startswith("a tiny net (15")


def test_ship_trained_network_without_manifest_leaves_it_alone(tmp_path):
    write_manifest(tmp_path, [])
    kwargs = dict(name="tiny", description="{params}{accuracy}", how="x", epochs=1)
    result = training.ship_trained_network(
        fake_train, **kwargs, doc="d", argv=["--no-manifest"], folder=tmp_path
    )
    assert result is None and (tmp_path / "tiny.weights.h5").is_file()
    assert json.loads((tmp_path / "MANIFEST.json").read_text("utf-8")) == {"assets": []}
    with pytest.raises(SystemExit):
        training.ship_trained_network(fake_train, **kwargs, doc="d", argv=["--epochs", "0"])
