"""Conventions every notebook keeps (the notebooks' outputs themselves are checked by nbval)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import utils

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MACHINE_PATH = re.compile(r"(/root/|/tmp/|/home/|/Users/|/work/|site-packages|[A-Z]:\\\\)")


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    text = cell["source"]
    return "".join(text) if isinstance(text, list) else text


def code_cells(nb: dict) -> list[dict]:
    return [cell for cell in nb["cells"] if cell["cell_type"] == "code"]


def output_text(output: dict) -> str:
    if output["output_type"] == "stream":
        text = output["text"]
    else:
        text = output.get("data", {}).get("text/plain", "")
    return "".join(text) if isinstance(text, list) else text


def test_the_series_starts_with_notebooks_01_and_02():
    names = [path.name for path in NOTEBOOKS]
    assert names[:2] == ["01_edge_detection.ipynb", "02_padding_and_strides.ipynb"], names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_opens_with_a_colab_badge_and_the_setup_cell(path):
    nb = load(path)
    first = nb["cells"][0]
    assert first["cell_type"] == "markdown"
    repo = utils.REPO_URL.removeprefix("https://github.com/")
    badge = f"https://colab.research.google.com/github/{repo}/blob/main/notebooks/{path.name}"
    assert badge in source(first), f"{path.name}: the badge must link to {badge}"
    setup = source(code_cells(nb)[0])
    assert f'REPO_URL = "{utils.REPO_URL}"' in setup, "the clone URL must be utils.REPO_URL"
    assert "utils.setup_notebook(" in setup
    before_setup = setup.split("utils.setup_notebook(")[0]
    assert not re.search(r"^\s*(import|from) (tensorflow|keras)", before_setup, re.M), (
        "setup_notebook must run before TensorFlow is imported"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_is_executed_in_order_without_errors_or_machine_paths(path):
    counts = []
    for index, cell in enumerate(code_cells(load(path))):
        assert cell["execution_count"] is not None, f"code cell {index} was not executed"
        counts.append(cell["execution_count"])
        for output in cell["outputs"]:
            assert output["output_type"] != "error", f"code cell {index} stored an error"
            found = MACHINE_PATH.search(output_text(output))
            assert not found, f"code cell {index} prints a machine path: {found.group(0)!r}"
    assert counts == list(range(1, len(counts) + 1)), "cells must be executed top to bottom once"


def graded_pairs(nb: dict) -> list[tuple[dict, dict]]:
    cells = nb["cells"]
    return [
        (cell, cells[i + 1] if i + 1 < len(cells) else {})
        for i, cell in enumerate(cells)
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_graded_exercises_follow_nbgrader(path):
    nb = load(path)
    pairs = graded_pairs(nb)
    assert pairs, f"{path.name} has no graded exercise"
    ids = [
        cell["metadata"]["nbgrader"]["grade_id"]
        for cell in nb["cells"]
        if "nbgrader" in cell.get("metadata", {})
    ]
    assert len(ids) == len(set(ids)), f"grade_ids must be unique: {ids}"
    marked = [c for c in nb["cells"] if "### BEGIN SOLUTION" in source(c)]
    assert len(marked) == len(pairs), "every ### BEGIN SOLUTION cell needs nbgrader metadata"
    for solution, test in pairs:
        meta = solution["metadata"]["nbgrader"]
        text = source(solution)
        assert meta["grade"] is False and meta["schema_version"] == 3
        assert text.count("### BEGIN SOLUTION") == text.count("### END SOLUTION") >= 1
        name = meta["grade_id"]
        test_meta = test.get("metadata", {}).get("nbgrader", {})
        assert test_meta.get("grade") and test_meta.get("locked"), f"{name}: no locked test cell"
        assert test_meta.get("points", 0) > 0, f"{name}: the test cell gives no points"
        test_text = source(test)
        assert re.search(r"^\w+_test\(", test_text, re.M), f"{name}: no public test call"
        assert "### BEGIN HIDDEN TESTS" in test_text and "### END HIDDEN TESTS" in test_text
        assert "NBVAL_IGNORE_OUTPUT" not in test_text
        shown = "".join(output_text(o) for o in test["outputs"])
        assert "All tests passed" in shown, f"{name}: the stored output must show the pass"


def stripped(text: str) -> list[str]:
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def solution_windows(nb: dict, size: int = 3) -> list[str]:
    """Every run of ``size`` consecutive code lines of the notebook's solutions."""
    windows = []
    for solution, _ in graded_pairs(nb):
        for block in re.findall(
            r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", source(solution), re.S
        ):
            lines = stripped(block)
            windows += ["\n".join(lines[i : i + size]) for i in range(len(lines) - size + 1)]
    return windows


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_solution_lives_in_utils(path):
    files = sorted((ROOT / "utils").rglob("*.py"))
    utils_code = "\n".join("\n".join(stripped(f.read_text(encoding="utf-8"))) for f in files)
    leaked = [window for window in solution_windows(load(path)) if window in utils_code]
    assert not leaked, f"solution code of {path.name} found in utils/: {leaked}"
