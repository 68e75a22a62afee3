"""scripts/shipping.py: the command line of the scripts that train a classifier and ship it."""

from __future__ import annotations

import hashlib
import json

import keras
import pytest

from scripts import pretrain_mobilenet, shipping, train_resnet_digits
from utils.assets import FIELDS, Asset, load_manifest, sha256sum

CONTENT = bytes(range(70)) * 100
SHA = hashlib.sha256(CONTENT).hexdigest()


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


def test_write_manifest_entry_replaces_in_place_or_appends(tmp_path):
    entry = {
        "name": "a",
        "filename": "a.bin",
        "description": "first",
        "how": "python make_a.py",
        "sha256": "0" * 64,
        "md5": None,
        "size_bytes": 1,
        "url": None,
        "offline": None,
        "cache_subdir": "models",
    }
    other = {**entry, "name": "b", "filename": "b.bin"}
    (tmp_path / "MANIFEST.json").write_text(json.dumps({"assets": [entry, other]}))
    shipping.write_manifest_entry(tmp_path, {**entry, "description": "second"})
    shipping.write_manifest_entry(tmp_path, {**entry, "name": "c", "filename": "c.bin"})
    loaded = load_manifest(tmp_path)
    assert list(loaded) == ["a", "b", "c"] and loaded["a"].description == "second"
    with pytest.raises(ValueError, match="sha256"):
        shipping.write_manifest_entry(tmp_path, {**entry, "sha256": "x"})


def test_record_shipped_measures_the_file_and_records_it(tmp_path, capsys):
    path = tmp_path / "net.weights.h5"
    path.write_bytes(CONTENT)
    (tmp_path / "MANIFEST.json").write_text(json.dumps({"assets": []}))
    made = shipping.record_shipped(
        path, name="net", description="a net", how="python make.py", update_manifest=False
    )
    assert made["sha256"] == SHA and made["size_bytes"] == len(CONTENT)
    assert made["filename"] == "net.weights.h5" and made["url"] is None
    assert list(made) == list(FIELDS)
    Asset(**made, folder=tmp_path)  # a valid entry
    assert capsys.readouterr().out == f"{tmp_path.name}/net.weights.h5: 7,000 bytes, sha256 {SHA}\n"
    assert load_manifest(tmp_path) == {}  # update_manifest=False leaves it alone
    shipping.record_shipped(path, name="net", description="a net", how="python make.py")
    assert load_manifest(tmp_path)["net"].sha256 == SHA
    assert capsys.readouterr().out.endswith("MANIFEST.json: entry 'net' updated\n")
