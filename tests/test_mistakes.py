"""The mistake catalogues (tests/mistakes/) against the notebooks' graded tests.

- every :class:`~tests.mistakes.Wrong` answer fails the exercise's public test (the visible line
  of its test cell) with a message that names what is wrong (matches ``says``);
- every :class:`~tests.mistakes.Right` answer passes the public test and the hidden tests;
- every graded exercise of every notebook has at least two wrong answers and one right one;
- every ``assert`` of a hidden test says what it checked (a message, never a bare assert).

The tests run in this process, as the graded functions run in a notebook: a namespace holds the
notebook's imports (then the catalogue's ``SETUP`` if any) and the instructor's solutions
(``grading.assignment``, which the grader uses too), then the catalogue's ``STATE`` if any; each
entry runs in a copy, with its cell's code on top.
"""

from __future__ import annotations

import ast
import contextlib
import io
import linecache
import re
from functools import cache
from typing import Any

import pytest

from grading.assignment import HIDDEN, Assignment, grade_id, known, load
from tests.mistakes import Entry, Right, Wrong, catalogues

CATALOGUES = catalogues()
ENTRIES = [
    (notebook, entry) for notebook, module in CATALOGUES.items() for entry in module.CATALOGUE
]


def run(source: str, namespace: dict[str, Any], filename: str) -> str:
    """Execute ``source`` in ``namespace`` as a notebook cell named ``filename``; its stdout.

    The source is registered with ``linecache``, as IPython does for cells, so that a traceback
    (and a public test's crash message) shows the cell's lines.
    """
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, filename, "exec"), namespace)  # noqa: S102  (the course's own cells)
    return out.getvalue()


def solutions(assignment: Assignment) -> dict[str, str]:
    """The instructor's solution cells, ``grade_id`` → source, in notebook order."""
    return {
        grade_id(cell): cell.source
        for cell in assignment.cells
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution")
    }


@cache
def notebook_namespace(notebook: str) -> dict[str, Any]:
    """The notebook's imports, the catalogue's ``SETUP``, the instructor's solutions, then the
    catalogue's ``STATE``."""
    assignment = load(notebook)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    run(assignment.imports, namespace, f"<{notebook}: imports>")
    setup = getattr(CATALOGUES[notebook], "SETUP", None)
    if setup:
        run(setup, namespace, f"<{notebook}: SETUP>")
    for name, source in solutions(assignment).items():
        run(source, namespace, f"<{notebook}: solution {name}>")
    state = getattr(CATALOGUES[notebook], "STATE", None)
    if state:
        run(state, namespace, f"<{notebook}: STATE>")
    return namespace


def entry_id(value: tuple[str, Entry]) -> str:
    notebook, entry = value
    return f"{notebook[:2]}-{entry.exercise}-{type(entry).__name__.lower()}-{entry.what}"


@pytest.mark.parametrize("case", ENTRIES, ids=[entry_id(case) for case in ENTRIES])
def test_entry(case: tuple[str, Entry]) -> None:
    """A wrong answer fails the public test, naming the mistake; a right one passes every test."""
    notebook, entry = case
    test = load(notebook).tests[f"{entry.exercise}_test"]
    namespace = dict(notebook_namespace(notebook))
    run(entry.code, namespace, f"<your cell: {entry.exercise}, {entry.what}>")
    if isinstance(entry, Wrong):
        with pytest.raises(AssertionError) as failure:
            run(test.public, namespace, f"<{notebook}: {test.name}>")
        message = str(failure.value)
        assert re.search(entry.says, message, re.S), f"{entry.says!r} not found in:\n{message}"
    else:
        printed = run(test.source, namespace, f"<{notebook}: {test.name} with hidden tests>")
        assert "All tests passed" in printed, printed


@pytest.mark.parametrize("notebook", known())
def test_every_graded_exercise_has_wrong_and_right_answers(notebook: str) -> None:
    assert notebook in CATALOGUES, f"no catalogue tests/mistakes/nb{notebook}.py"
    assignment = load(notebook)
    exercises = list(solutions(assignment))
    entries = CATALOGUES[notebook].CATALOGUE
    unknown = {entry.exercise for entry in entries} - set(exercises)
    assert not unknown, f"entries for exercises the notebook does not have: {sorted(unknown)}"
    for exercise in exercises:
        assert f"{exercise}_test" in assignment.tests, f"{exercise} has no test cell"
        wrong = sum(isinstance(e, Wrong) and e.exercise == exercise for e in entries)
        right = sum(isinstance(e, Right) and e.exercise == exercise for e in entries)
        assert wrong >= 2 and right >= 1, f"{exercise}: {wrong} wrong and {right} right answers"


def is_sentence(node: ast.expr | None) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def silent_checks(source: str) -> list[str]:
    """The checks of ``source`` that would fail without saying what they checked: ``assert``
    without a message (a string), ``np.testing.assert_*`` without ``err_msg``."""
    silent = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assert) and not is_sentence(node.msg):
            silent.append(ast.unparse(node))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr.startswith("assert_")
            and not any(keyword.arg == "err_msg" for keyword in node.keywords)
        ):
            silent.append(ast.unparse(node))
    return silent


@pytest.mark.parametrize("notebook", known())
def test_hidden_tests_say_what_they_checked(notebook: str) -> None:
    silent = {
        test.name: silent_checks("\n".join(HIDDEN.findall(test.source)))
        for test in load(notebook).tests.values()
    }
    assert not any(silent.values()), {name: checks for name, checks in silent.items() if checks}
