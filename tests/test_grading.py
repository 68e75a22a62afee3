"""The nbgrader workflow of ``grading/`` end to end: release, autograde, feedback, score exports.

Every notebook is released once; notebook 02 (the quickest to execute) is then autograded once for
a class of students who each do something a real class does: hand in the solution (with a stray
``utils/`` that must not be imported), the untouched release, one broken function, an infinite
loop, tampered test cells, a file that is not JSON, and a folder that is no assignment.
"""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from grading import cli, course

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
QUICK = "02_padding_and_strides"
TIMEOUT = 25  # s per cell: the slowest cell of notebook 02 takes ~7 s on a busy 2-core machine
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)

pytestmark = pytest.mark.slow


def grading(*args: object) -> subprocess.CompletedProcess:
    """Run ``python -m grading *args`` from the repository, as the Makefile does."""
    command = [sys.executable, "-m", "grading", *map(str, args)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def text_of(nb: nbformat.NotebookNode) -> str:
    return "\n".join(cell.source for cell in nb.cells)


def cell(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def grade_ids(nb: nbformat.NotebookNode) -> list[str]:
    return [
        c.metadata.nbgrader.grade_id
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade")
    ]


def sabotage(nb: nbformat.NotebookNode, grade_id: str, code: str) -> None:
    """Put ``code`` at the start of the solution region of the exercise ``grade_id``."""
    solution = cell(nb, grade_id)
    indent = re.search(r"^( *)### BEGIN SOLUTION", solution.source, re.M).group(1)
    lines = "".join(f"{indent}{line}\n" for line in code.splitlines())
    solution.source = re.sub(r"(### BEGIN SOLUTION\n)", rf"\g<1>{lines}", solution.source, count=1)


def digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release")
    result = grading("release", "--out", out)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, released: Path) -> SimpleNamespace:
    """One autograde run of notebook 02 over every scenario student."""
    tmp = tmp_path_factory.mktemp("class")
    submissions = tmp / "submitted"
    solution = ROOT / "notebooks" / f"{QUICK}.ipynb"
    blank = released / QUICK / f"{QUICK}.ipynb"

    def hand_in(student: str, nb: nbformat.NotebookNode) -> Path:
        folder = submissions / student / QUICK
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{QUICK}.ipynb")
        return folder

    full = hand_in("full", nbformat.read(solution, 4))
    (full / "utils").mkdir()  # a setup cell importing this instead of the course's would crash
    (full / "utils" / "__init__.py").write_text('raise SystemExit("the student\'s utils")\n')
    hand_in("blank", nbformat.read(blank, 4))

    one_wrong = nbformat.read(solution, 4)
    sabotage(one_wrong, "conv_backward", "return None, None, None")
    hand_in("one_wrong", one_wrong)

    loop = nbformat.read(solution, 4)
    sabotage(loop, "pool_backward", "while True:\n    pass")
    hand_in("loop", loop)

    tampered = nbformat.read(solution, 4)
    sabotage(tampered, "pool_backward", "return None")
    cell(tampered, "pool_backward_test").source = 'print("All tests passed")'
    sabotage(tampered, "conv_backward", "return None, None, None")
    tampered.cells.remove(cell(tampered, "conv_backward_test"))
    hand_in("tampered", tampered)

    (submissions / "corrupt" / QUICK).mkdir(parents=True)
    (submissions / "corrupt" / QUICK / f"{QUICK}.ipynb").write_text('{"cells": [')
    (submissions / "eve" / "99_no_such_notebook").mkdir(parents=True)

    before = digests(submissions)
    out = tmp / "grades"
    result = grading("autograde", "--submissions", submissions, "--out", out, "--timeout", TIMEOUT)
    scores = {(row["student"], row["grade_id"]): row for row in read_csv(out / "scores.csv")}
    return SimpleNamespace(
        submissions=submissions,
        before=before,
        out=out,
        result=result,
        scores=scores,
        ids=grade_ids(nbformat.read(solution, 4)),
    )


def points(graded: SimpleNamespace, student: str) -> dict[str, float]:
    return {name: float(graded.scores[student, name]["points"]) for name in graded.ids}


def full_marks(graded: SimpleNamespace) -> dict[str, float]:
    return {name: float(graded.scores["full", name]["max_points"]) for name in graded.ids}


def report(graded: SimpleNamespace, student: str) -> str:
    """The summary lines of one student."""
    match = re.search(rf"^{student} / .*?(?=^\S|\Z)", graded.result.stdout, re.M | re.S)
    assert match, f"{student} is not in the summary:\n{graded.result.stdout}"
    return match.group(0)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_release_has_no_solution_no_hidden_test_and_no_output(released, path):
    source = nbformat.read(path, 4)
    student = nbformat.read(released / path.stem / path.name, 4)
    shown = text_of(student)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in shown
    everything = text_of(source)
    public = HIDDEN.sub("", SOLUTION.sub("", everything))
    secret = {
        line.strip()
        for block in SOLUTION.findall(everything) + HIDDEN.findall(everything)
        for line in block.splitlines()
        if line.strip() and not line.strip().startswith("#") and line.strip() not in public
    }
    assert len(secret) >= 10, "too few distinctive solution and hidden-test lines to check"
    leaked = sorted(line for line in secret if line in shown)
    assert not leaked, f"released solution or hidden-test lines: {leaked}"
    for code in (c for c in student.cells if c.cell_type == "code"):
        assert code.outputs == [] and code.execution_count is None
    stubs = [c for c in student.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(stubs) == len(SOLUTION.findall(everything))
    for stub in stubs:  # the stub, indented like the solution it replaces
        assert course.CODE_STUB in "\n".join(line.strip() for line in stub.source.splitlines())
    assert grade_ids(student) == grade_ids(source), "every test cell is released"
    for name in grade_ids(student):
        released_test = cell(student, name)
        assert released_test.metadata.nbgrader.locked
        assert released_test.source.splitlines()[0] == cell(source, name).source.splitlines()[0]


def test_bad_arguments_are_named_with_what_was_expected(tmp_path, capsys):
    assert cli.main(["release", "--out", str(tmp_path), "07_nope"]) == 2
    error = capsys.readouterr().err
    assert "07_nope" in error and "NB=" in error and QUICK in error
    missing = tmp_path / "missing"
    assert cli.main(["autograde", "--submissions", str(missing), "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "--submissions" in error and str(missing) in error
    (tmp_path / "empty").mkdir()
    empty = ["autograde", "--submissions", str(tmp_path / "empty"), "--out", str(tmp_path / "g")]
    assert cli.main(empty) == 2
    assert "<student>/<assignment>/<assignment>.ipynb" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["autograde", "--submissions", str(tmp_path), "--timeout", "0"])
    assert "--timeout" in capsys.readouterr().err
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(course.GradingError, match="--out"):
        course.make_course(tmp_path, [QUICK])


def test_submissions_are_only_read(graded):
    assert digests(graded.submissions) == graded.before


def test_scores_have_a_row_per_student_and_exercise_and_totals(graded):
    students = {"blank", "full", "loop", "one_wrong", "tampered"}
    assert {student for student, _ in graded.scores} == students
    assert len(graded.scores) == len(students) * len(graded.ids)
    assert len(read_csv(graded.out / "scores.csv")) == len(graded.scores), "duplicated rows"
    totals = {row["student_id"]: row for row in read_csv(graded.out / "grades.csv")}
    assert set(totals) == students
    for student in students:
        assert float(totals[student]["score"]) == sum(points(graded, student).values())
        assert float(totals[student]["max_score"]) == sum(full_marks(graded).values())


def test_the_solution_gets_full_marks_and_the_blank_release_zero(graded):
    assert points(graded, "full") == full_marks(graded)
    assert "extra files ignored: utils/__init__.py" in report(graded, "full")
    assert set(points(graded, "blank").values()) == {0.0}
    assert all(f"- {name} 0/" in report(graded, "blank") for name in graded.ids)


def test_one_broken_function_loses_exactly_its_points(graded):
    assert points(graded, "one_wrong") == {**full_marks(graded), "conv_backward_test": 0.0}
    assert "- conv_backward_test 0/" in report(graded, "one_wrong")


def test_an_infinite_loop_is_interrupted_by_the_timeout(graded):
    assert points(graded, "loop") == {**full_marks(graded), "pool_backward_test": 0.0}
    lines = report(graded, "loop")
    assert f"cell pool_backward_test ran into the {TIMEOUT} s timeout" in lines
    assert f"pool_backward_test 0/2: interrupted after the {TIMEOUT} s timeout" in lines


def test_tampered_test_cells_are_reported_and_earn_nothing(graded):
    expected = {**full_marks(graded), "pool_backward_test": 0.0, "conv_backward_test": 0.0}
    assert points(graded, "tampered") == expected
    lines = report(graded, "tampered")
    assert "locked cell pool_backward_test was edited" in lines
    assert "locked cell conv_backward_test was deleted (nbgrader re-inserted" in lines
    assert "locked cell" not in report(graded, "full") + report(graded, "blank")


def test_unreadable_submissions_are_reported_by_name_and_skipped(graded):
    assert graded.result.returncode == 1, graded.result.stderr
    assert f"{QUICK}.ipynb is not a valid notebook" in report(graded, "corrupt")
    assert "NOT GRADED" in report(graded, "corrupt")
    assert "unknown assignment folder '99_no_such_notebook'" in report(graded, "eve")
    assert "5 of 7 submissions graded" in graded.result.stdout


def test_feedback_is_written_for_every_graded_student(graded):
    for student in ("blank", "full", "loop", "one_wrong", "tampered"):
        html = graded.out / "feedback" / student / QUICK / f"{QUICK}.html"
        assert html.is_file() and "pool_backward_test" in html.read_text()
    assert not (graded.out / "feedback" / "corrupt").exists()
    assert (graded.out / "summary.txt").read_text() in graded.result.stdout


def test_a_second_run_keeps_every_grade_without_duplicates(graded, tmp_path):
    out = tmp_path / "grades"
    shutil.copytree(graded.out, out, symlinks=True)
    again = tmp_path / "submitted"
    shutil.copytree(graded.submissions / "full", again / "full")
    result = grading("autograde", "--submissions", again, "--out", out, "--timeout", TIMEOUT)
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("scores.csv", "grades.csv"):
        assert (out / name).read_text() == (graded.out / name).read_text()


def test_grade_solutions_gives_the_instructor_full_marks():
    result = grading("grade-solutions", QUICK, "--timeout", TIMEOUT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "full marks on all 1 notebooks" in result.stdout


def test_grade_solutions_fails_when_a_solution_loses_points(monkeypatch, capsys):
    lost = course.Outcome("instructor", QUICK, points=10, max_points=12, lost=["x_test 0/2: ..."])
    monkeypatch.setattr(course, "grade_solutions", lambda *args: [lost])
    assert cli.main(["grade-solutions", QUICK]) == 1
    assert "NOT full marks" in capsys.readouterr().out
