"""scripts/shipping.py: the command line of the scripts that train a classifier and ship it."""

from __future__ import annotations

import json

import keras
import pytest

from scripts import pretrain_mobilenet, shipping, train_resnet_digits
from utils.assets import load_manifest, sha256sum


def write_manifest(folder, assets):
    (folder / "MANIFEST.json").write_text(json.dumps({"assets": assets}), "utf-8")


@pytest.mark.parametrize("script", [train_resnet_digits, pretrain_mobilenet])
def test_register_weights_replaces_only_its_own_entry(tmp_path, script):
    other = {"name": "other", "filename": "other.bin", "sha256": "0" * 64}
    write_manifest(tmp_path, [{"name": script.NAME, "sha256": "1" * 64}, other])
    weights = tmp_path / script.FILENAME
    weights.write_bytes(b"weights")
    entry = shipping.register_weights(
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
    assert entry["how"] == f"python -m {script.__name__}"


def fake_train(epochs):
    """A stand-in for a script's ``train``: an untrained 4 → 3 dense layer, 7 of 12 right."""
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)]), (7, 12)


def test_ship_trained_network_trains_saves_and_records(tmp_path, capsys):
    write_manifest(tmp_path, [])
    entry = shipping.ship_trained_network(
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
    result = shipping.ship_trained_network(
        fake_train, **kwargs, doc="d", argv=["--no-manifest"], folder=tmp_path
    )
    assert result is None and (tmp_path / "tiny.weights.h5").is_file()
    assert json.loads((tmp_path / "MANIFEST.json").read_text("utf-8")) == {"assets": []}
    with pytest.raises(SystemExit):
        shipping.ship_trained_network(fake_train, **kwargs, doc="d", argv=["--epochs", "0"])
