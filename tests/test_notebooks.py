"""Conventions of the notebooks and their two builds (outputs themselves are checked by nbval).

``source/NN_topic.py`` is the one source; ``instructor/`` and ``notebooks/`` (the learner's) are
built from it by tools/build_notebooks.py. These tests keep the builds fresh, the learner's
notebooks free of answers, and the instructor's notebooks executed and gradable.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tools import build_notebooks as build

ROOT = Path(__file__).resolve().parents[1]
NAMES = build.names()
MACHINE_PATH = re.compile(r"(/root/|/tmp/|/home/|/Users/|/work/|site-packages|[A-Z]:\\\\)")
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def load(folder: str, name: str) -> dict:
    return json.loads((ROOT / folder / f"{name}.ipynb").read_text(encoding="utf-8"))


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


def test_the_series_and_its_three_folders():
    assert NAMES[:2] == ["01_edge_detection", "02_padding_and_strides"], NAMES
    for folder in ("instructor", "notebooks"):
        built = sorted(p.stem for p in (ROOT / folder).glob("[0-9][0-9]_*.ipynb"))
        assert built == NAMES, f"{folder}/ must hold exactly the builds of source/: {built}"


def test_both_builds_are_those_of_the_sources():
    assert build.check(NAMES) == [], "stale builds: run `make notebooks` and commit"


@pytest.mark.parametrize("folder", ["instructor", "notebooks"])
@pytest.mark.parametrize("name", NAMES)
def test_opens_with_the_learners_badge_and_the_generated_setup_cell(folder, name):
    nb = load(folder, name)
    first = source(nb["cells"][0])
    assert first.startswith(build.badge(name)), f"{folder}/{name}: the badge must come first"
    assert f"/blob/main/notebooks/{name}.ipynb" in build.badge(name), "badges open the learner's"
    assert source(code_cells(nb)[0]) == build.SETUP_CELL
    later = "".join(source(cell) for cell in code_cells(nb)[1:])
    assert "sys.path" not in later and "setup_notebook(" not in later


@pytest.mark.parametrize("name", NAMES)
def test_the_instructor_notebook_is_executed_in_order_without_errors_or_machine_paths(name):
    counts = []
    for index, cell in enumerate(code_cells(load("instructor", name))):
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


@pytest.mark.parametrize("name", NAMES)
def test_graded_exercises_follow_nbgrader(name):
    nb = load("instructor", name)
    pairs = graded_pairs(nb)
    assert pairs, f"{name} has no graded exercise"
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
        grade_id = meta["grade_id"]
        test_meta = test.get("metadata", {}).get("nbgrader", {})
        assert test_meta.get("grade") and test_meta.get("locked"), f"{grade_id}: no locked test"
        assert test_meta.get("points", 0) > 0, f"{grade_id}: the test cell gives no points"
        test_text = source(test)
        assert re.search(r"^\w+_test\(", test_text, re.M), f"{grade_id}: no public test call"
        assert "### BEGIN HIDDEN TESTS" in test_text and "### END HIDDEN TESTS" in test_text
        assert "NBVAL_IGNORE_OUTPUT" not in test_text
        shown = "".join(output_text(o) for o in test["outputs"])
        assert "All tests passed" in shown, f"{grade_id}: the stored output must show the pass"


def stripped(text: str) -> list[str]:
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def answer_lines(nb: dict) -> set[str]:
    """Lines only the answers hold: solution and hidden-test lines found nowhere else in ``nb``."""
    answers, elsewhere = set(), set()
    for cell in nb["cells"]:
        text = source(cell)
        regions = SOLUTION.findall(text) + HIDDEN.findall(text)
        for region in regions:
            answers.update(stripped(region))
        rest = HIDDEN.sub("", SOLUTION.sub("", text))
        elsewhere.update(line.strip() for line in rest.splitlines())
        for output in cell.get("outputs", []):
            elsewhere.update(line.strip() for line in output_text(output).splitlines())
    return {line for line in answers - elsewhere if len(line) > 3}


@pytest.mark.parametrize("name", NAMES)
def test_the_learner_notebook_shows_no_answer(name):
    """No solution or hidden-test line anywhere in what the learner opens, outputs included."""
    learner = load("notebooks", name)
    lines = {
        line.strip()
        for cell in learner["cells"]
        for text in [source(cell), *map(output_text, cell.get("outputs", []))]
        for line in text.splitlines()
    }
    everything = json.dumps(learner)
    assert "BEGIN SOLUTION" not in everything and "HIDDEN TESTS" not in everything
    leaked = sorted(answer_lines(load("instructor", name)) & lines)
    assert not leaked, f"notebooks/{name}.ipynb shows answer lines: {leaked[:5]}"
    stubs = [cell for cell, _ in graded_pairs(learner)]
    assert stubs and all("raise NotImplementedError()" in source(cell) for cell in stubs)
    assert all(not cell["outputs"] for cell in stubs), "solution cells keep no output"


@pytest.mark.parametrize("name", NAMES)
def test_the_learner_notebook_with_the_solutions_pasted_back_is_the_instructors(name):
    """Pasting the solutions back gives the instructor's notebook minus its hidden tests (the
    Colab lane executes these pasted-back notebooks: tests/colab/lane.py)."""
    instructor = build.nbformat.reads(json.dumps(load("instructor", name)), as_version=4)
    learner = build.nbformat.reads(json.dumps(load("notebooks", name)), as_version=4)
    pasted = build.paste_back(learner, build.solution_regions(instructor))
    assert len(pasted.cells) == len(instructor.cells)
    for mine, theirs in zip(pasted.cells, instructor.cells, strict=True):
        assert mine.source.strip() == build.HIDDEN_TESTS.sub("", theirs.source).strip()


@pytest.mark.parametrize("name", NAMES)
def test_no_solution_lives_in_utils(name):
    files = sorted((ROOT / "utils").rglob("*.py"))
    utils_code = "\n".join("\n".join(stripped(f.read_text(encoding="utf-8"))) for f in files)
    windows = []
    for solution, _ in graded_pairs(load("instructor", name)):
        for block in SOLUTION.findall(source(solution)):
            lines = stripped(block)
            windows += ["\n".join(lines[i : i + 3]) for i in range(len(lines) - 2)]
    leaked = [window for window in windows if window in utils_code]
    assert not leaked, f"solution code of {name} found in utils/: {leaked}"


def test_make_lab_and_the_readme_open_the_learners_notebooks():
    assert re.search(r"^lab:.*\n\t.*jupyter lab notebooks/", (ROOT / "Makefile").read_text(), re.M)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\(([^()\s]*\.ipynb)\)", readme)
    assert len(links) >= 2 * len(NAMES), "the README links and badges every notebook"
    opened = {re.sub(r"^.*/blob/main/", "", link) for link in links}
    assert opened == {f"notebooks/{name}.ipynb" for name in NAMES}, opened


def test_the_learner_notebooks_are_nbgraders_release_of_the_instructors(tmp_path):
    """`make release` (nbgrader's generate_assignment) gives exactly the learner's cells."""
    from grading import course

    for released in course.release(NAMES, tmp_path):
        nb = build.nbformat.read(released, as_version=4)
        learner = build.nbformat.read(ROOT / "notebooks" / released.name, as_version=4)
        assert [(c.source, c.metadata) for c in nb.cells] == [
            (c.source, c.metadata) for c in learner.cells
        ], f"{released.name}: nbgrader's release differs from the learner build"


def course_files() -> list[Path]:
    """The repository's Python files and notebooks (not venvs, caches or build folders)."""
    skip = {"build", "release", "submitted", "grades"}
    return [
        path
        for pattern in ("*.py", "*.ipynb")
        for path in ROOT.rglob(pattern)
        if not any(part.startswith(".") or part in skip for part in path.relative_to(ROOT).parts)
    ]


def test_nothing_edits_sys_path_and_no_notebook_imports_the_scripts():
    """`utils` is an installed package: no file makes it importable by editing sys.path, and
    notebooks use utils only (what they share with a training script lives there)."""
    edit = re.compile(r"sys\.path\s*(\.(insert|append|extend)\(|\[|\+=|=)")
    files = course_files()
    assert len(files) > 50
    edits = [str(p.relative_to(ROOT)) for p in files if edit.search(p.read_text("utf-8"))]
    assert edits == [], f"sys.path edited in {edits}"
    scripts = re.compile(r"^\s*(from scripts\b|import scripts\b)", re.M)
    notebooks = [*(ROOT / "source").glob("*.py"), *(ROOT / "instructor").glob("*.ipynb")]
    importing = [p.name for p in notebooks if scripts.search(p.read_text("utf-8"))]
    assert importing == [], f"notebooks importing scripts/: {importing}"
