"""The shipped ResNet-14 weights: the file the manifest describes, loadable, as accurate as stated.

``weights/resnet14_digits.weights.h5`` is written by ``python -m scripts.train_resnet_digits``
(which also writes its manifest entry); notebook 04 loads it through ``utils.assets.resolve``.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from scripts import train_resnet_digits as script
from utils.assets import registry, resolve, sha256sum
from utils.models import accuracy, resnet14, resnet_digits

MAX_BYTES = 10 * 1024 * 1024


@pytest.fixture(scope="module")
def asset():
    return registry()[script.NAME]


def stated_accuracy(description: str) -> tuple[int, int]:
    found = re.search(r"test accuracy \d+\.\d% \((\d+)/(\d+)\)", description)
    assert found, f"the description must state 'test accuracy P% (correct/total)': {description}"
    return int(found.group(1)), int(found.group(2))


def test_manifest_entry_describes_the_shipped_file(asset):
    path = asset.folder / asset.filename
    assert asset.filename == script.FILENAME and asset.folder.name == "weights"
    assert path.is_file(), f"{path} is missing: run python -m scripts.train_resnet_digits"
    assert path.stat().st_size == asset.size_bytes <= MAX_BYTES
    assert sha256sum(path) == asset.sha256
    assert asset.how == script.HOW == "python -m scripts.train_resnet_digits"
    assert asset.url is None and asset.offline is None and asset.cache_subdir == "models"
    correct, total = stated_accuracy(asset.description)
    assert total == 217 and correct / total >= 0.95


def test_resolve_finds_the_shipped_file_without_a_network(asset, tmp_path):
    path = resolve(script.NAME, offline=True, cache_dir=tmp_path)
    assert path == asset.folder / asset.filename


@pytest.mark.slow
def test_weights_load_and_reach_the_stated_test_accuracy(asset):
    model = resnet14()
    model.load_weights(resolve(script.NAME, offline=True))
    assert model.count_params() == 176_118
    _, _, X_test, Y_test, classes = resnet_digits()
    assert X_test.shape == (217, 64, 64, 3) and list(classes) == [0, 1, 2, 3, 4, 5]
    correct, total = accuracy(model, X_test, Y_test)
    assert total == 217
    stated, _ = stated_accuracy(asset.description)
    assert correct >= stated, f"{correct}/{total} test images right, the manifest states {stated}"
    probabilities = model.predict(X_test[:4], verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
