"""The shipped MobileNetV2-small weights (notebook 09): manifest entry, stated accuracy, script."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from scripts import pretrain_mobilenet as script
from utils.assets import registry, resolve, sha256sum


@pytest.fixture(scope="module")
def entry():
    return registry()[script.NAME]


def test_the_manifest_entry_describes_the_shipped_file(entry):
    path = entry.folder / entry.filename
    assert entry.filename == script.FILENAME and path.is_file()
    assert path.stat().st_size == entry.size_bytes <= 10_000_000
    assert sha256sum(path) == entry.sha256
    assert entry.how == "python scripts/pretrain_mobilenet.py"
    assert entry.url is None and entry.offline is None and entry.cache_subdir == "models"


def test_the_stated_parameter_count_is_the_pretraining_model(entry):
    stated = re.search(r"\(([\d,]+) parameters\)", entry.description).group(1)
    assert int(stated.replace(",", "")) == script.pretrained_model().count_params() == 52_677


@pytest.mark.slow
def test_the_shipped_weights_reach_the_stated_accuracy(entry):
    correct, total = map(int, re.search(r"\((\d+)/(\d+)\)", entry.description).groups())
    model = script.pretrained_model()
    model.load_weights(resolve(script.NAME, offline=True))
    _, _, X_test, Y_test, classes = script.load_data()
    assert classes.tolist() == [0, 1, 2, 3, 4] and total == len(Y_test)
    assert script.accuracy(model, X_test, Y_test) == (correct, total)
    assert correct / total >= 0.98


def test_update_manifest_replaces_only_its_own_entry(tmp_path, entry):
    other = {"name": "other", "filename": "other.bin", "sha256": "0" * 64}
    old_self = {"name": script.NAME, "sha256": "1" * 64}
    (tmp_path / "MANIFEST.json").write_text(json.dumps({"assets": [other, old_self]}))
    weights = tmp_path / script.FILENAME
    shutil.copyfile(entry.folder / entry.filename, weights)
    written = script.update_manifest(weights, 52_677, 181, 181)
    assets = json.loads((tmp_path / "MANIFEST.json").read_text())["assets"]
    assert assets == [other, written]
    assert written["sha256"] == entry.sha256 and written["size_bytes"] == entry.size_bytes
    assert "(52,677 parameters)" in written["description"]
    assert "100.0% (181/181)" in written["description"]
