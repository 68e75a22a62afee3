"""The weight-training scripts run as documented: ``python -m scripts.NAME`` from the repo root.

No script edits ``sys.path``: ``utils`` is the installed package (``pip install -e .``) and
``scripts`` is found from the working directory.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TRAINING_SCRIPTS = sorted(
    path.stem
    for path in (ROOT / "scripts").glob("*.py")
    if path.stem.startswith(("train_", "pretrain_", "make_"))
)


def test_the_training_scripts_are_found():
    assert {
        "make_style_features",
        "pretrain_mobilenet",
        "train_face_encoder",
        "train_resnet_digits",
        "train_unet_shapes",
        "train_yolo_shapes",
    } <= set(TRAINING_SCRIPTS)


@pytest.mark.parametrize("name", TRAINING_SCRIPTS)
def test_no_script_edits_sys_path(name):
    assert "sys.path" not in (ROOT / "scripts" / f"{name}.py").read_text("utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("name", TRAINING_SCRIPTS)
def test_help_prints_the_usage_when_run_as_a_module(name):
    done = subprocess.run(
        [sys.executable, "-m", f"scripts.{name}", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert f"usage: {name}.py" in done.stdout
