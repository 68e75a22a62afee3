"""One source, two builds: ``source/NN_topic.py`` → the instructor and the learner notebook.

The source of every notebook is a jupytext *percent* script (docs/NOTEBOOK_CONVENTIONS.md says
why). From it:

- ``instructor/NN_topic.ipynb``: solutions and hidden tests, executed; nbval's regression test and
  nbgrader's source for grading;
- ``notebooks/NN_topic.ipynb``: the learner's notebook, what ``make lab``, the README and every
  Colab badge open. nbgrader's own preprocessors make it from the instructor notebook, as
  ``generate_assignment`` does (solutions become ``raise NotImplementedError()``, hidden tests
  go, test cells are locked and checksummed), but the outputs of every other cell stay, so the
  learner sees what a correct run prints and draws.

The build adds what is the same in every notebook, so no source repeats it: the Colab badge on top
of the header cell, and the setup cell (:data:`SETUP_CELL`) as the first code cell. It enforces one
skeleton (:func:`skeleton_errors`). The source's cells map to nbgrader cells through two header
keys::

    # %% solution="conv2d"                 a solution cell (### BEGIN/END SOLUTION inside)
    # %% tests="conv2d_test" points=2      its test cell (public test, then ### BEGIN HIDDEN TESTS)

Outputs: when the instructor notebook's code cells are those of the source, its outputs are kept
(a prose change needs no run); otherwise the notebook is executed (offline, like the tests).

    python -m tools.build_notebooks [NN_topic ...]       build (execute what changed)
    python -m tools.build_notebooks --execute [NN ...]   build, executing every notebook
    python -m tools.build_notebooks --check              fail if a committed build is stale
    python -m tools.build_notebooks --paste-back DIR     learner notebooks + solutions, into DIR
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat
from nbformat import NotebookNode

from utils import REPO_URL

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "source"
INSTRUCTOR = REPO / "instructor"
LEARNER = REPO / "notebooks"

BRANCH = "main"  # what the badges open and the setup cell installs
PACKAGE = "convnets-keras-course"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
EXECUTE_TIMEOUT = 600  # seconds per cell

SETUP_CELL = f"""\
# Setup (the same in every notebook). On Colab: install the course package, data and weights.
import os

if "COLAB_RELEASE_TAG" in os.environ:
    %pip install --quiet "{PACKAGE} @ git+{REPO_URL}@{BRANCH}"
import utils

utils.setup_notebook(seed=0)"""

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python"}
JUPYTEXT_KEYS = ("lines_to_next_cell", "title")  # jupytext's own cell metadata
NBGRADER_SCHEMA = 3

TITLE = re.compile(r"# (\d\d) · \S.*")
SECTION = re.compile(r"## (?:(\d+)\. \S.*|Summary)")
EXERCISE = re.compile(r"### Exercise (\d+) — `(\w+)` \((\d+) points?\)")
HIDDEN_TESTS = re.compile(r"\n*### BEGIN HIDDEN TESTS\n.*?### END HIDDEN TESTS\n?", re.S)


class BuildError(Exception):
    """A source breaks the skeleton or the nbgrader conventions (the message lists each place)."""


def badge(name: str) -> str:
    """The Colab badge of the learner notebook ``name`` (its stem)."""
    url = f"https://colab.research.google.com/github/{REPO_URL.removeprefix('https://github.com/')}"
    return (
        "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
        f"({url}/blob/{BRANCH}/notebooks/{name}.ipynb)"
    )


def names(selected: Sequence[str] = ()) -> list[str]:
    """Notebook stems: ``selected`` (stems or paths, checked) or every ``source/NN_*.py``."""
    known = sorted(path.stem for path in SOURCE.glob("[0-9][0-9]_*.py"))
    chosen = [Path(item).stem for item in selected] or known
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise BuildError(f"no source/{unknown[0]}.py; notebooks are: {', '.join(known)}")
    return chosen


# --- source → instructor -------------------------------------------------------------------------


def nbgrader_metadata(meta: dict) -> dict | None:
    """The nbgrader cell metadata for a source cell's ``solution=`` / ``tests=`` header keys."""
    if "solution" in meta:
        return {
            "grade": False,
            "grade_id": meta.pop("solution"),
            "locked": False,
            "schema_version": NBGRADER_SCHEMA,
            "solution": True,
        }
    if "tests" in meta:
        return {
            "grade": True,
            "grade_id": meta.pop("tests"),
            "locked": True,
            "points": meta.pop("points", None),
            "schema_version": NBGRADER_SCHEMA,
            "solution": False,
        }
    return None


def read_source(name: str) -> NotebookNode:
    """``source/<name>.py`` as an instructor notebook without outputs (badge and setup added)."""
    nb = jupytext.read(SOURCE / f"{name}.py", fmt="py:percent")
    cells = []
    for cell in nb.cells:
        meta = {k: v for k, v in cell.metadata.items() if k not in JUPYTEXT_KEYS}
        grading = nbgrader_metadata(meta)
        if grading:
            meta["nbgrader"] = grading
        if cell.cell_type == "code":
            cells.append(nbformat.v4.new_code_cell(cell.source, metadata=meta))
        else:
            cells.append(nbformat.v4.new_markdown_cell(cell.source, metadata=meta))
    if not cells or cells[0].cell_type != "markdown":
        raise BuildError(f"source/{name}.py: the first cell must be the markdown header")
    cells[0].source = f"{badge(name)}\n\n{cells[0].source}"
    cells.insert(1, nbformat.v4.new_code_cell(SETUP_CELL))
    stable_ids(cells)
    out = nbformat.v4.new_notebook(cells=cells)
    out.metadata = {"kernelspec": KERNELSPEC, "language_info": LANGUAGE_INFO}
    errors = skeleton_errors(name, out)
    if errors:
        raise BuildError(
            f"source/{name}.py breaks the notebook skeleton:\n- " + "\n- ".join(errors)
        )
    return out


def stable_ids(cells: list[NotebookNode]) -> None:
    """Cell ids from the cells' content (nbformat's are random): a rebuild changes no id, an
    edit only the edited cell's."""
    seen: set[str] = set()
    for cell in cells:
        digest = hashlib.sha1(f"{cell.cell_type}\n{cell.source}".encode()).hexdigest()
        cell_id, n = digest[:8], 1
        while cell_id in seen:
            cell_id, n = f"{digest[:8]}-{n}", n + 1
        seen.add(cell_id)
        cell.id = cell_id


def skeleton_errors(name: str, nb: NotebookNode) -> list[str]:
    """What in ``nb`` departs from the course's one notebook skeleton (empty: none).

    - header cell: badge, ``# NN · Title`` (NN of the file name), a one-line description in a
      quote (``> ...``), a ``**Runtime**:`` line saying CPU or GPU, a ``**Data**:`` line;
    - sections ``## 1. …``, ``## 2. …`` numbered in order, the last one ``## Summary``;
    - every solution cell is announced by ``### Exercise K — `name` (P points)`` in the markdown
      before it (K = 1, 2, … in order, ``name`` its grade_id) and followed by its test cell
      ``<name>_test`` worth P points.
    """
    errors: list[str] = []
    lines = nb.cells[0].source.splitlines()
    title = lines[2] if len(lines) > 2 else ""
    match = TITLE.fullmatch(title)
    if not match or match.group(1) != name[:2]:
        errors.append(f"header: the title line must be '# {name[:2]} · <title>', got {title!r}")
    if len(lines) < 5 or not lines[4].startswith("> ") or lines[5:6] not in ([], [""]):
        errors.append("header: a one-line description as a quote ('> ...') must follow the title")
    runtime = [line for line in lines if line.startswith("**Runtime**: ")]
    if len(runtime) != 1 or not re.search(r"\b(CPU|GPU)\b", runtime[0]):
        errors.append("header: one '**Runtime**: ' line saying CPU or GPU is needed")
    if sum(line.startswith("**Data**: ") for line in lines) != 1:
        errors.append("header: one '**Data**: ' line is needed")

    sections = [
        line
        for cell in nb.cells[1:]
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("## ")
    ]
    for number, line in enumerate(sections[:-1], start=1):
        match = SECTION.fullmatch(line)
        if not match or match.group(1) != str(number):
            errors.append(f"section {number}: expected '## {number}. <title>', got {line!r}")
    if not sections or sections[-1] != "## Summary":
        errors.append("the last section must be '## Summary'")

    exercise, last_markdown = 0, ""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            last_markdown = cell.source
            continue
        grading = cell.metadata.get("nbgrader")
        if not grading or not grading["solution"]:
            continue
        exercise += 1
        grade_id = grading["grade_id"]
        heading = EXERCISE.search(last_markdown)
        following = next((c for c in nb.cells[index + 1 :] if c.cell_type == "code"), None)
        test = (following or {}).get("metadata", {}).get("nbgrader", {})
        if test.get("grade_id") != f"{grade_id}_test" or not test.get("grade"):
            errors.append(
                f"exercise {grade_id!r}: the next code cell must be tests={grade_id}_test"
            )
        if not heading:
            errors.append(
                f"exercise {grade_id!r}: no '### Exercise {exercise} — `{grade_id}` (P points)'"
            )
            continue
        number, heading_id, points = int(heading[1]), heading[2], int(heading[3])
        if (number, heading_id) != (exercise, grade_id):
            errors.append(
                f"exercise {grade_id!r}: heading says Exercise {number} — `{heading_id}`, "
                f"expected Exercise {exercise} — `{grade_id}`"
            )
        if test.get("points") != points:
            errors.append(
                f"exercise {grade_id!r}: heading says {points} points, its test cell "
                f"{test.get('points')}"
            )
    return errors


def code_sources(nb: NotebookNode) -> list[str]:
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


def with_outputs(built: NotebookNode, executed: NotebookNode | None) -> NotebookNode | None:
    """``built`` with the outputs of ``executed`` when both have the same code cells, else None."""
    if executed is None or code_sources(built) != code_sources(executed):
        return None
    result = copy.deepcopy(built)
    ran = iter(cell for cell in executed.cells if cell.cell_type == "code")
    for cell in result.cells:
        if cell.cell_type == "code":
            old = next(ran)
            cell.outputs = old.outputs
            cell.execution_count = old.execution_count
    return result


def execute(nb: NotebookNode, name: str) -> NotebookNode:
    """Run ``nb`` as the tests do (offline, in ``instructor/``, native stderr not captured)."""
    from nbclient import NotebookClient

    os.environ["COURSE_OFFLINE"] = "1"
    os.environ.setdefault("PYTEST_CURRENT_TEST", "build-notebooks")
    print(f"executing {name} ...", flush=True)
    client = NotebookClient(
        copy.deepcopy(nb),
        timeout=EXECUTE_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(INSTRUCTOR)}},
        extra_arguments=["--IPKernelApp.capture_fd_output=False", "--IPKernelApp.log_level=ERROR"],
    )
    done = client.execute()
    for cell in done.cells:
        cell.metadata.pop("execution", None)
    done.metadata = nb.metadata
    return done


# --- instructor → learner ------------------------------------------------------------------------


def learner(instructor: NotebookNode) -> NotebookNode:
    """The learner's notebook: nbgrader's release of ``instructor``, other outputs kept."""
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearHiddenTests,
        ClearSolutions,
        ComputeChecksums,
        LockCells,
    )
    from traitlets.config import Config

    config = Config()
    config.ClearSolutions.code_stub = {"python": CODE_STUB}
    nb = copy.deepcopy(instructor)
    resources: dict = {}
    for step in (LockCells, ClearSolutions, ClearHiddenTests, ComputeChecksums, CheckCellMetadata):
        nb, resources = step(config=config).preprocess(nb, resources)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.outputs, cell.execution_count = [], None
    return nb


def solution_regions(instructor: NotebookNode) -> dict[str, str]:
    """``grade_id`` → the solution cell's source, for each solution cell."""
    return {
        cell.metadata["nbgrader"]["grade_id"]: cell.source
        for cell in instructor.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }


def paste_back(learner_nb: NotebookNode, solutions: dict[str, str]) -> NotebookNode:
    """The learner notebook with each solution cell's source replaced by the instructor's."""
    nb = copy.deepcopy(learner_nb)
    missing = set(solutions)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in solutions and cell.metadata["nbgrader"].get("solution"):
            cell.source = solutions[grade_id]
            missing.discard(grade_id)
    if missing:
        raise BuildError(f"learner notebook has no solution cell for {sorted(missing)}")
    return nb


# --- the command ---------------------------------------------------------------------------------


@dataclass
class Build:
    """The two products of one source, and whether the instructor notebook had to run."""

    name: str
    instructor: NotebookNode | None  # None: the code changed and the notebook was not executed
    learner: NotebookNode | None


def build(name: str, run: bool, force: bool = False) -> Build:
    """Build ``name`` from its source; execute the instructor notebook if its code changed (or
    ``force``)."""
    built = read_source(name)
    path = INSTRUCTOR / f"{name}.ipynb"
    committed = nbformat.read(path, as_version=4) if path.exists() and not force else None
    instructor = with_outputs(built, committed)
    if instructor is None and run:
        instructor = execute(built, name)
    return Build(name, instructor, learner(instructor) if instructor else None)


def text(nb: NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


def check(selected: Sequence[str]) -> list[str]:
    """Problems of the committed builds: stale, missing or out of date with their source."""
    problems = []
    for name in names(selected):
        result = build(name, run=False)
        if result.instructor is None:
            problems.append(f"instructor/{name}.ipynb: its code is not source/{name}.py's (re-run)")
            continue
        for path, nb in (
            (INSTRUCTOR / f"{name}.ipynb", result.instructor),
            (LEARNER / f"{name}.ipynb", result.learner),
        ):
            if not path.exists() or path.read_text() != text(nb):
                problems.append(f"{path.relative_to(REPO)}: not the build of source/{name}.py")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="NN_topic stems (default: all)")
    parser.add_argument("--check", action="store_true", help="only check the committed builds")
    parser.add_argument("--execute", action="store_true", help="execute even if code is unchanged")
    parser.add_argument("--paste-back", type=Path, metavar="DIR", help="write learner+solutions")
    args = parser.parse_args(argv)
    try:
        if args.check:
            problems = check(args.notebooks)
            for problem in problems:
                print(problem)
            if problems:
                print("run `make notebooks` (NB=NN_topic for one) and commit the result")
            return 1 if problems else 0
        if args.paste_back:
            args.paste_back.mkdir(parents=True, exist_ok=True)
            for name in names(args.notebooks):
                instructor = nbformat.read(INSTRUCTOR / f"{name}.ipynb", as_version=4)
                learner_nb = nbformat.read(LEARNER / f"{name}.ipynb", as_version=4)
                pasted = paste_back(learner_nb, solution_regions(instructor))
                (args.paste_back / f"{name}.ipynb").write_text(text(pasted))
            return 0
        for name in names(args.notebooks):
            result = build(name, run=True, force=args.execute)
            for folder, nb in ((INSTRUCTOR, result.instructor), (LEARNER, result.learner)):
                folder.mkdir(exist_ok=True)
                (folder / f"{name}.ipynb").write_text(text(nb))
            print(f"built instructor/{name}.ipynb and notebooks/{name}.ipynb")
    except BuildError as err:
        print(err, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
