"""The course package as Colab installs it: a wheel of `utils` that carries data/ and weights/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel pip builds from a copy of the project (setuptools writes build/ into its tree)."""
    project = tmp_path_factory.mktemp("project")
    for part in ("utils", "data", "weights"):
        shutil.copytree(ROOT / part, project / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", project)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(out), str(project)],
        check=True, capture_output=True, cwd=out,
    )  # fmt: skip
    (found,) = out.glob("convnets_keras_course-*.whl")
    return found


def test_the_wheel_carries_every_manifest_file_and_no_solution_or_test(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("data", "weights"):
        shipped = [path.name for path in (ROOT / folder).iterdir() if path.is_file()]
        assert "MANIFEST.json" in shipped and len(shipped) > 1, folder
        for name in shipped:
            assert f"utils/{folder}/{name}" in names, f"{folder}/{name} is not in the wheel"
    assert not [n for n in names if n.startswith(("tests/", "scripts/", "grading/", "source/"))]
    assert "utils/public_tests/__init__.py" in names


def test_installed_from_the_wheel_utils_finds_its_data_inside_the_package(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
         str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    probe = (
        "import utils.assets as a, utils.yolo as y; "
        "print(a.DATA_DIR); print(a.WEIGHTS_DIR); print(len(y.read_classes()))"
    )
    env = {**os.environ, "PYTHONPATH": str(target), "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    data, weights, classes = done.stdout.split()
    assert Path(data) == target / "utils" / "data"
    assert Path(weights) == target / "utils" / "weights"
    assert int(classes) == 80
