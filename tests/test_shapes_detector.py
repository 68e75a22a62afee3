"""utils.shapes_detector: the shipped compact detector, its manifest entry, its stated mAP."""

from __future__ import annotations

import numpy as np
import pytest

from scripts import train_yolo_shapes as script
from utils import shapes_detector as shapes
from utils.assets import registry, resolve, sha256sum

MAX_BYTES = 10 * 1024 * 1024


def test_stated_map_reads_the_figure_the_description_template_writes():
    text = script.DESCRIPTION.format(params=10, train=4000, map=0.93602, held_out=200)
    assert shapes.stated_map(text) == 0.936
    with pytest.raises(ValueError, match="held-out mAP@0.5 X.XXX on 200 images"):
        shapes.stated_map(text.replace("on 200 images", "on 100 images"))


def test_the_shipped_detector_matches_its_manifest_entry():
    asset = registry()[shapes.NAME]
    path = asset.folder / asset.filename
    assert asset.filename == shapes.FILENAME and asset.folder.name == "weights"
    assert path.is_file(), f"{path} is missing: run python -m scripts.train_yolo_shapes"
    assert path.stat().st_size == asset.size_bytes <= MAX_BYTES
    assert sha256sum(path) == asset.sha256
    assert asset.how == script.HOW == "python -m scripts.train_yolo_shapes"
    assert asset.url is None and asset.offline is None
    model = shapes.build_detector()
    assert f"{model.count_params():,} parameters" in asset.description
    assert path.stat().st_size == 20 + 4 * model.count_params()  # header + float32 values
    assert resolve(shapes.NAME, offline=True) == path
    assert shapes.stated_map(asset.description) >= 0.90


@pytest.mark.slow
def test_the_shipped_detector_reaches_its_stated_map_on_the_held_out_images():
    asset = registry()[shapes.NAME]
    model = shapes.load_detector(resolve(shapes.NAME, offline=True))
    held_out = shapes.dataset(shapes.HELD_OUT)
    assert len(held_out) == 200 and sum(map(len, held_out.boxes)) > 400
    outputs = model.predict(held_out.images, batch_size=64, verbose=0)
    mean_ap, aps = shapes.evaluate(None, held_out, outputs=outputs)  # no second forward pass
    assert round(mean_ap, 3) >= shapes.stated_map(asset.description) >= 0.90
    assert np.all(aps > 0.8)
    assert shapes.evaluate(model, held_out)[0] == mean_ap
    with pytest.raises(ValueError, match="give the images"):
        shapes.detect(model)
