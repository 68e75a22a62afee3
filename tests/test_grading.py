"""The grading workflow of ``grading/`` end to end: release, sandboxed autograding, the books.

Every notebook is released once; then one autograde run (two workers) grades a class of students
who each do something a real class does — hand in the solution (with a stray ``utils/``), the
untouched release, one broken function, an infinite loop with a 50 MB print, tampered test cells,
a file that is not JSON, a folder that is no assignment, the notebook of another assignment —
and students who attack the grader: destroy and read files, use the network, patch NumPy and the
public tests, rewrite test cells with an IPython input transformer; and honest students whose
notebooks are messy: a kernel crash, warnings on stderr, copy-pasted and reordered cells, an odd
kernel name and an old nbformat. Student ids carry spaces, commas, unicode and leading dots.

The submissions are the instructor's notebooks cut down to the setup cell and the graded cells
(an honest student may delete the rest too), so that a class is graded in about two minutes.
"""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from grading import assignment, cli, course, sandbox

ROOT = Path(__file__).resolve().parents[1]
INSTRUCTOR = assignment.NOTEBOOKS  # the instructor notebooks (with solutions and hidden tests)
NOTEBOOKS = sorted(INSTRUCTOR.glob("[0-9][0-9]_*.ipynb"))
QUICK = "02_padding_and_strides"
FIRST = "01_edge_detection"
OTHERS = ("06_object_detection_yolo", "09_transfer_learning_and_augmentation")  # trusted too
KERAS = "03_lenet5_and_classic_networks"  # its tests judge Keras models rebuilt in the grader
TIMEOUT = (
    25  # s per cell: the slowest cell of these submissions takes ~7 s on a busy 2-core machine
)
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)

pytestmark = pytest.mark.slow
needs_sandbox = pytest.mark.skipif(
    sandbox.available() is not None, reason=f"no sandbox: {sandbox.available()}"
)


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


def minimal(path: Path) -> nbformat.NotebookNode:
    """The notebook cut down to its setup cell, its imports cell and its graded cells."""
    nb = nbformat.read(path, 4)
    setup = [c for c in nb.cells if c.cell_type == "code"][:2]
    nb.cells = setup + [c for c in nb.cells if "nbgrader" in c.metadata]
    return nb


def sabotage(nb: nbformat.NotebookNode, grade_id: str, code: str) -> None:
    """Put ``code`` at the start of the solution region of the exercise ``grade_id``."""
    solution = cell(nb, grade_id)
    indent = re.search(r"^( *)### BEGIN SOLUTION", solution.source, re.M).group(1)
    lines = "".join(f"{indent}{line}\n" for line in code.splitlines())
    solution.source = re.sub(r"(### BEGIN SOLUTION\n)", rf"\g<1>{lines}", solution.source, count=1)


def stub_all(nb: nbformat.NotebookNode, body: str = "raise NotImplementedError()") -> None:
    """Replace every solution region by ``body`` (indented like the solution)."""
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("solution"):
            indent = re.search(r"^( *)### BEGIN SOLUTION", c.source, re.M).group(1)
            c.source = SOLUTION.sub(
                lambda _, i=indent: f"### BEGIN SOLUTION\n{i}{body}\n{i}### END SOLUTION",
                c.source,
            )


def digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


# Code a hostile student puts in a solution cell (the paths are the real ones: the worst case).
ATTACK = """
import os, shutil, socket, pathlib
def _try(what, action):
    try:
        action()
        print("DONE", what)
    except Exception as error:
        print("BLOCKED", what, type(error).__name__)
_try("delete utils", lambda: shutil.rmtree({utils!r}))
_try("delete utils relative", lambda: shutil.rmtree("../utils"))
_try("append utils", lambda: open({init!r}, "a").write("raise SystemExit"))
_try("append course utils", lambda: open("../utils/__init__.py", "a").write("raise SystemExit"))
_try("zero the gradebook", lambda: open({gradebook!r}, "w").write(""))
_try("delete a submission", lambda: os.remove({victim!r}))
_try("read hidden tests", lambda: print(open({source!r}).read()[:100000]))
_try("connect loopback", lambda: socket.create_connection(("127.0.0.1", {port}), timeout=2))
_try("connect outside", lambda: socket.create_connection(("10.255.255.1", 80), timeout=2))
_try("see other processes", lambda: print(sorted(os.listdir("/proc"))[:5]))
"""

CHEAT = """
import numpy, builtins, sys
numpy.allclose = lambda *a, **k: True
numpy.array_equal = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
for _name, _module in list(sys.modules.items()):
    if _name.startswith("utils.public_tests"):
        for _attr in dir(_module):
            if _attr.endswith("_test"):
                setattr(_module, _attr, lambda *a, **k: print("All tests passed"))
def zero_pad_test(f): print("All tests passed")
def conv2d_test(f): print("All tests passed")
"""

TRANSFORMER = """
def _rewrite(lines):
    return ['print("All tests passed")\\n'] if "_test(" in "".join(lines) else lines
get_ipython().input_transformers_cleanup.append(_rewrite)
get_ipython().input_transformers_post.append(_rewrite)
"""


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release")
    result = grading("release", "--out", out)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, released: Path) -> SimpleNamespace:
    """One autograde run (two workers) over every scenario student."""
    if sandbox.available() is not None:
        pytest.skip(f"no sandbox (install bubblewrap): {sandbox.available()}")
    tmp = tmp_path_factory.mktemp("class")
    submissions = tmp / "submitted"
    out = tmp / "grades"
    solution = INSTRUCTOR / f"{QUICK}.ipynb"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)

    def hand_in(student: str, nb: nbformat.NotebookNode, assignment: str = QUICK) -> Path:
        folder = submissions / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{assignment}.ipynb")
        return folder

    full = hand_in("zoë", minimal(solution))
    (full / "utils").mkdir()  # a setup cell importing this instead of the course's would crash
    (full / "utils" / "__init__.py").write_text('raise SystemExit("the student\'s utils")\n')
    blank = minimal(released / QUICK / f"{QUICK}.ipynb")
    hand_in("smith, john", blank)

    one_wrong = minimal(solution)
    sabotage(one_wrong, "conv_backward", "return None, None, None")
    hand_in("bob ", one_wrong)

    loop = minimal(solution)
    sabotage(loop, "pool_backward", "while True:\n    pass")
    loop.cells.insert(2, nbformat.v4.new_code_cell('print("x" * 50_000_000)'))
    hand_in("loop", loop)

    tampered = minimal(solution)
    sabotage(tampered, "pool_backward", "return None")
    cell(tampered, "pool_backward_test").source = 'print("All tests passed")'
    sabotage(tampered, "conv_backward", "return None, None, None")
    tampered.cells.remove(cell(tampered, "conv_backward_test"))
    hand_in(".hidden", tampered)

    attacker = minimal(solution)
    victim = submissions / "smith, john" / QUICK / f"{QUICK}.ipynb"
    cell(attacker, "zero_pad").source = (
        ATTACK.format(
            utils=str(ROOT / "utils"),
            init=str(ROOT / "utils" / "__init__.py"),
            gradebook=str(out / "gradebook.db"),
            victim=str(victim),
            source=str(solution),
            port=listener.getsockname()[1],
        )
        + cell(attacker, "zero_pad").source
    )
    hand_in("attacker", attacker)

    cheater = minimal(solution)
    stub_all(cheater, "return np.zeros(1), None")
    cell(cheater, "zero_pad").source = CHEAT + cell(cheater, "zero_pad").source
    hand_in("cheater", cheater)
    cheater01 = minimal(INSTRUCTOR / f"{FIRST}.ipynb")
    stub_all(cheater01, "return np.zeros((4, 4)), [1.0, 0.0]")
    cell(cheater01, "conv2d").source = CHEAT + cell(cheater01, "conv2d").source
    hand_in("cheater", cheater01, FIRST)
    hand_in("zoë", minimal(INSTRUCTOR / f"{FIRST}.ipynb"), FIRST)
    for other in (*OTHERS, KERAS):
        hand_in("zoë", minimal(INSTRUCTOR / f"{other}.ipynb"), other)
    cheater06 = minimal(INSTRUCTOR / f"{OTHERS[0]}.ipynb")
    stub_all(cheater06, "return tf.zeros((1, 4)), tf.zeros((1,)), tf.zeros((1,), tf.int64)")
    first_solution = next(
        c for c in cheater06.cells if c.metadata.get("nbgrader", {}).get("solution")
    )
    first_solution.source = CHEAT + first_solution.source
    hand_in("cheater", cheater06, OTHERS[0])

    transformer = minimal(released / QUICK / f"{QUICK}.ipynb")
    cell(transformer, "zero_pad").source = TRANSFORMER + cell(transformer, "zero_pad").source
    hand_in("transformer", transformer)

    crasher = minimal(solution)
    sabotage(crasher, "zero_pad", "np.float64(1.0) / np.float64(0.0)  # RuntimeWarning on stderr")
    sabotage(crasher, "conv_single_step", 'import sys\nprint("careful", file=sys.stderr)')
    at = crasher.cells.index(cell(crasher, "conv_forward_test")) + 1
    crasher.cells.insert(at, nbformat.v4.new_code_cell("import os\nos._exit(1)"))
    at = crasher.cells.index(cell(crasher, "pool_forward_test")) + 1
    crasher.cells.insert(at, nbformat.v4.new_code_cell("import ctypes\nctypes.string_at(0)"))
    at = crasher.cells.index(cell(crasher, "conv_backward_test")) + 1
    crasher.cells.insert(at, nbformat.v4.new_code_cell("exit()"))
    hand_in("crasher", crasher)

    messy = minimal(solution)
    pasted = nbformat.from_dict({**cell(messy, "zero_pad_test"), "id": "pasted-test"})
    messy.cells.insert(messy.cells.index(cell(messy, "zero_pad_test")) + 1, pasted)
    copied = nbformat.from_dict({**cell(messy, "distribute_value"), "id": "pasted-solution"})
    messy.cells.insert(messy.cells.index(cell(messy, "distribute_value")) + 1, copied)
    moved = cell(messy, "conv_forward")  # now after its test: it passes at the end
    messy.cells.remove(moved)
    messy.cells.insert(messy.cells.index(cell(messy, "conv_forward_test")) + 1, moved)
    messy.metadata.kernelspec = {"name": "my-env-py3", "display_name": "mine", "language": "python"}
    folder = submissions / "messy" / QUICK
    folder.mkdir(parents=True)
    nbformat.write(nbformat.convert(messy, 3), folder / f"{QUICK}.ipynb")  # nbformat 3

    (submissions / "corrupt" / QUICK).mkdir(parents=True)
    (submissions / "corrupt" / QUICK / f"{QUICK}.ipynb").write_text('{"cells": [')
    (submissions / "eve" / "99_no_such_notebook").mkdir(parents=True)
    hand_in("wrong", minimal(solution), FIRST)  # notebook 02 in the folder of 01
    (submissions / "empty").mkdir()
    (submissions / "notes.txt").write_text("not a student")

    before = digests(submissions)
    init_before = (ROOT / "utils" / "__init__.py").read_text()
    result = grading(
        "autograde",
        "--submissions",
        submissions,
        "--out",
        out,
        "--timeout",
        TIMEOUT,
        "--workers",
        2,
    )
    try:
        connection = listener.accept()
    except BlockingIOError:
        connection = None
    listener.close()
    rows = read_csv(out / "scores.csv")
    scores = {(row["student"], row["assignment"], row["grade_id"]): row for row in rows}
    return SimpleNamespace(
        submissions=submissions,
        before=before,
        init_before=init_before,
        connection=connection,
        out=out,
        result=result,
        rows=rows,
        scores=scores,
        ids=grade_ids(nbformat.read(solution, 4)),
        all_ids={
            name: grade_ids(nbformat.read(INSTRUCTOR / f"{name}.ipynb", 4))
            for name in (FIRST, QUICK, *OTHERS, KERAS)
        },
    )


def points(graded: SimpleNamespace, student: str, assignment: str = QUICK) -> dict[str, float]:
    ids = graded.all_ids[assignment]
    return {name: float(graded.scores[student, assignment, name]["points"]) for name in ids}


def full_marks(graded: SimpleNamespace, assignment: str = QUICK) -> dict[str, float]:
    ids = graded.all_ids[assignment]
    return {name: float(graded.scores["zoë", assignment, name]["max_points"]) for name in ids}


def report(graded: SimpleNamespace, student: str, assignment: str = QUICK) -> str:
    """The summary lines of one student's assignment."""
    head = re.escape(f"{student} / {assignment}")
    match = re.search(rf"^{head}: .*?(?=^\S|\Z)", graded.result.stdout, re.M | re.S)
    assert match, f"{student} / {assignment} is not in the summary:\n{graded.result.stdout}"
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
    with pytest.raises(SystemExit):
        cli.main(["autograde", "--submissions", str(tmp_path), "--workers", "0"])
    assert "--workers" in capsys.readouterr().err
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(course.GradingError, match="--out"):
        course.make_course(tmp_path, [QUICK])


def test_submissions_and_the_course_are_only_read(graded):
    assert digests(graded.submissions) == graded.before
    assert (ROOT / "utils" / "__init__.py").read_text() == graded.init_before
    assert (INSTRUCTOR / f"{QUICK}.ipynb").is_file()


def test_scores_have_a_row_per_student_and_exercise_and_totals(graded):
    graded_students = {
        "zoë",
        "smith, john",
        "bob ",
        "loop",
        ".hidden",
        "attacker",
        "cheater",
        "transformer",
        "crasher",
        "messy",
    }
    rows = [r for r in graded.rows if r["assignment"] == QUICK and r["status"] == "graded"]
    assert {r["student"] for r in rows} == graded_students
    assert len(rows) == len(graded_students) * len(graded.ids), "missing or duplicated rows"
    totals = {
        (row["student_id"], row["assignment"]): row for row in read_csv(graded.out / "grades.csv")
    }
    for student in graded_students:
        total = totals[student, QUICK]
        assert total["status"] == "graded"
        assert float(total["score"]) == sum(points(graded, student).values())
        assert float(total["max_score"]) == sum(full_marks(graded).values())


def test_the_solution_gets_full_marks_and_the_blank_release_zero(graded):
    assert points(graded, "zoë") == full_marks(graded)
    for other in (FIRST, *OTHERS, KERAS):
        assert points(graded, "zoë", other) == full_marks(graded, other), other
    assert "extra files ignored: utils/__init__.py" in report(graded, "zoë")
    assert set(points(graded, "smith, john").values()) == {0.0}
    assert all(f"- {name} 0/" in report(graded, "smith, john") for name in graded.ids)
    judged = {(r["assignment"], r["judged"]) for r in graded.rows if r["student"] == "zoë"}
    assert judged == {(name, "trusted") for name in (FIRST, QUICK, *OTHERS, KERAS)}


def test_one_broken_function_loses_exactly_its_points(graded):
    assert points(graded, "bob ") == {**full_marks(graded), "conv_backward_test": 0.0}
    assert "- conv_backward_test 0/" in report(graded, "bob ")


def test_an_infinite_loop_is_interrupted_and_a_huge_print_is_capped(graded):
    assert points(graded, "loop") == {**full_marks(graded), "pool_backward_test": 0.0}
    lines = report(graded, "loop")
    assert f"pool_backward_test ran into the {TIMEOUT} s timeout" in lines
    notebook = graded.out / "autograded" / "loop" / QUICK / f"{QUICK}.ipynb"
    feedback = graded.out / "feedback" / "loop" / QUICK / f"{QUICK}.html"
    assert notebook.stat().st_size < 2_000_000 and feedback.stat().st_size < 2_000_000
    assert "output cut by the grader" in notebook.read_text()


def test_tampered_test_cells_are_reported_and_earn_nothing(graded):
    expected = {**full_marks(graded), "pool_backward_test": 0.0, "conv_backward_test": 0.0}
    assert points(graded, ".hidden") == expected
    lines = report(graded, ".hidden")
    assert "locked cell pool_backward_test was edited" in lines
    assert "locked cell conv_backward_test was deleted (put back" in lines
    assert "locked cell" not in report(graded, "zoë") + report(graded, "smith, john")


def test_a_hostile_submission_reaches_nothing_outside_its_sandbox(graded):
    assert points(graded, "attacker") == full_marks(graded), "its own grade is unaffected"
    assert points(graded, "smith, john") == dict.fromkeys(graded.ids, 0.0)  # still graded
    assert graded.connection is None, "the sandbox reached the grader's loopback"
    path = graded.out / "autograded" / "attacker" / QUICK / f"{QUICK}.ipynb"
    notebook = "".join(
        out.get("text", "") for c in nbformat.read(path, 4).cells for out in c.get("outputs", [])
    )
    assert "DONE" not in notebook.replace("DONE see other processes", "")
    for attack in ("delete utils", "append utils", "zero the gradebook", "delete a submission"):
        assert f"BLOCKED {attack}" in notebook
    assert "BLOCKED read hidden tests" in notebook and "BLOCKED connect outside" in notebook
    # The sandbox has its own processes only, and the hidden tests never enter it.
    for path in (graded.out / "feedback").rglob("*.html"):
        assert "BEGIN HIDDEN TESTS" not in path.read_text()
        assert "default_rng(1002)" not in path.read_text()
        assert "_grading_call" not in path.read_text()
    for path in (graded.out / "autograded").rglob("*.ipynb"):  # every test scored in place
        nb = nbformat.read(path, 4)
        scored = [
            c for c in nb.cells if re.match(r"\*\*\w+_test: [\d.]+ / [\d.]+ points", c.source)
        ]
        assert len(scored) == len(set(grade_ids(nb))), path


def test_cheating_inside_the_kernel_earns_nothing(graded):
    """Patched NumPy, patched and redefined public tests, an input transformer that rewrites every
    test cell: each passes under nbgrader; here the verdicts are computed outside the kernel."""
    assert set(points(graded, "cheater").values()) == {0.0}
    assert set(points(graded, "cheater", FIRST).values()) == {0.0}
    assert set(points(graded, "cheater", OTHERS[0]).values()) == {0.0}
    assert set(points(graded, "transformer").values()) == {0.0}


def test_a_crash_keeps_the_tests_that_ran_and_warnings_cost_nothing(graded):
    assert points(graded, "crasher") == full_marks(graded)
    lines = report(graded, "crasher")
    assert lines.count("the kernel died in cell") == 2
    assert "tests before it keep their results" in lines
    notebook = (graded.out / "autograded" / "crasher" / QUICK / f"{QUICK}.ipynb").read_text()
    assert "the grader ignored exit()" in notebook


def test_copied_reordered_and_old_format_notebooks_keep_their_points(graded):
    assert points(graded, "messy") == full_marks(graded)
    lines = report(graded, "messy")
    assert "test zero_pad_test appears 2 times (copy-pasted?)" in lines
    assert "cell distribute_value appears 2 times" in lines
    assert "test conv_forward_test passed only when run at the end" in lines


def test_every_folder_is_graded_or_listed_with_its_reason(graded):
    assert graded.result.returncode == 1, graded.result.stderr
    assert "NOT GRADED: not a valid notebook" in report(graded, "corrupt")
    assert "unknown assignment folder '99_no_such_notebook'" in report(
        graded, "eve", "99_no_such_notebook"
    )
    assert f"this is a notebook of {QUICK}, not {FIRST}" in report(graded, "wrong", FIRST)
    assert "empty folder" in report(graded, "empty", "(folder)")
    assert "not a student folder" in report(graded, "notes.txt", "(folder)")
    totals = read_csv(graded.out / "grades.csv")
    not_graded = {(r["student_id"], r["assignment"]): r for r in totals if r["status"] != "graded"}
    assert set(not_graded) == {
        ("corrupt", QUICK),
        ("eve", "99_no_such_notebook"),
        ("wrong", FIRST),
        ("empty", ""),
        ("notes.txt", ""),
    }
    for row in not_graded.values():  # never a 0 that looks real
        assert row["status"] == "not graded" and row["score"] == "" and row["reason"]
    wrong = [r for r in graded.rows if r["student"] == "wrong"]
    assert wrong and all(r["points"] == "" and r["status"] == "not graded" for r in wrong)
    assert "16 of 21 submissions graded" in graded.result.stdout
    progress = r"\[21/21\] .*: .* — [\d.]+/min, about \d+ min left"
    assert re.search(progress, graded.result.stderr), "progress with the rate and time left"


def test_feedback_is_written_for_every_graded_student(graded):
    for student in ("zoë", "smith, john", "bob ", "loop", ".hidden", "messy"):
        html = graded.out / "feedback" / student / QUICK / f"{QUICK}.html"
        assert html.is_file() and "pool_backward_test" in html.read_text()
    assert not (graded.out / "feedback" / "corrupt").exists()
    assert (graded.out / "summary.txt").read_text() in graded.result.stdout


def test_the_gradebook_holds_every_graded_submission(graded):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{graded.out / 'gradebook.db'}") as gradebook:
        scores = {
            (s.student.id, s.assignment.name): s.score
            for a in gradebook.assignments
            for s in a.submissions
        }
    assert scores["smith, john", QUICK] == 0 and scores["zoë", FIRST] == 5
    assert scores["bob ", QUICK] == sum(points(graded, "bob ").values())
    assert ("wrong", FIRST) not in scores and ("corrupt", QUICK) not in scores


def test_a_second_run_keeps_every_grade_without_duplicates(graded, tmp_path):
    out = tmp_path / "grades"
    shutil.copytree(graded.out, out, symlinks=True)
    again = tmp_path / "submitted"
    shutil.copytree(graded.submissions / "zoë", again / "zoë")
    result = grading("autograde", "--submissions", again, "--out", out, "--timeout", TIMEOUT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(unchanged, kept)" in result.stderr, "an unchanged submission is not graded again"
    for name in ("scores.csv", "grades.csv"):
        assert (out / name).read_text() == (graded.out / name).read_text()


@needs_sandbox
def test_grade_solutions_gives_the_instructor_full_marks():
    result = grading("grade-solutions", QUICK, "--timeout", 60, "--workers", 1)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "full marks on all 1 notebooks" in result.stdout


def test_grade_solutions_fails_when_a_solution_loses_points(monkeypatch, capsys):
    lost = course.Outcome("instructor", QUICK, points=10, max_points=12, lost=["x_test 0/2: ..."])
    monkeypatch.setattr(course, "grade_solutions", lambda *args, **kwargs: [lost])
    assert cli.main(["grade-solutions", QUICK]) == 1
    assert "NOT full marks" in capsys.readouterr().out
