"""The shipped MobileNetV2-small weights (notebook 09): manifest entry, stated accuracy, script."""

from __future__ import annotations

import re

import pytest

from scripts import pretrain_mobilenet as script
from utils.assets import registry, resolve, sha256sum
from utils.models import accuracy
from utils.transfer import pretraining_digits, pretraining_model


@pytest.fixture(scope="module")
def entry():
    return registry()[script.NAME]


def test_the_manifest_entry_describes_the_shipped_file(entry):
    path = entry.folder / entry.filename
    assert entry.filename == script.FILENAME and path.is_file()
    assert path.stat().st_size == entry.size_bytes <= 10_000_000
    assert sha256sum(path) == entry.sha256
    assert entry.how == script.HOW == "python -m scripts.pretrain_mobilenet"
    assert entry.url is None and entry.offline is None and entry.cache_subdir == "models"


def test_the_stated_parameter_count_is_the_pretraining_model(entry):
    stated = re.search(r"\(([\d,]+) parameters\)", entry.description).group(1)
    assert int(stated.replace(",", "")) == pretraining_model().count_params() == 52_677


@pytest.mark.slow
def test_the_shipped_weights_reach_the_stated_accuracy(entry):
    correct, total = map(int, re.search(r"\((\d+)/(\d+)\)", entry.description).groups())
    model = pretraining_model()
    model.load_weights(resolve(script.NAME, offline=True))
    _, _, X_test, Y_test, classes = pretraining_digits()
    assert classes.tolist() == [0, 1, 2, 3, 4] and total == len(Y_test)
    assert accuracy(model, X_test, Y_test) == (correct, total)
    assert correct / total >= 0.98
