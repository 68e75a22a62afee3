"""Trusted judging of the Keras notebooks (03, 04, 05, 07, 08, 10), end to end in the sandbox.

For each notebook, one autograde run grades the instructor's solution and a hostile submission
that breaks one exercise and attacks the grader from inside its kernel three ways at once:
NumPy's comparisons replaced, the public tests (in their modules and by name) redefined to print
"All tests passed", and an IPython input transformer that rewrites every test cell. Judged in
the kernel, each attack alone gives the broken exercise full marks (the control below shows it
for 03); judged in the grader — Keras models and blocks rebuilt from their configs and weights,
notebook state copied out as data — the broken exercise gets 0 and every other keeps its points.

Notebooks whose tests read notebook state (07's encoder and database, 08's generated image) are
handed in up to their last test cell; the others cut down to their setup, imports and graded
cells.
"""

from __future__ import annotations

from types import SimpleNamespace

import nbformat
import pytest
from test_grading import CHEAT, TRANSFORMER, grading, minimal, read_csv, sabotage

from grading import assignment, runner, sandbox

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        sandbox.available() is not None, reason=f"no sandbox: {sandbox.available()}"
    ),
]
TIMEOUT = 120  # s per cell: 07 and 08 run their notebooks' cells up to the last test
# notebook: (the exercise the hostile student breaks, the wrong body, whether its tests read state,
# the tests that lose their points: the exercise's and those of the exercises that use it)
BROKEN = {
    "03_lenet5_and_classic_networks": (
        "happyModel",
        "return keras.Sequential()",
        False,
        {"happyModel_test"},
    ),
    "04_residual_networks": (
        "identity_block",
        "return X",
        False,
        {"identity_block_test", "ResNet50_test"},
    ),
    "05_inception_and_mobilenet": (
        "inception_module",
        "return X",
        False,
        {"inception_module_test"},
    ),
    "07_face_recognition": ("triplet_loss", "return tf.constant(0.0)", True, {"triplet_loss_test"}),
    "08_neural_style_transfer": (
        "train_step",
        "return tf.constant(0.0)",
        True,
        {"train_step_test"},
    ),
    "10_semantic_segmentation_unet": (
        "conv_block",
        "return inputs, inputs",
        False,
        {"conv_block_test", "unet_model_test"},
    ),
}


def handed_in(name: str) -> nbformat.NotebookNode:
    """The instructor's notebook as an honest student hands it in (see the module doc)."""
    path = assignment.NOTEBOOKS / f"{name}.ipynb"
    if not BROKEN[name][2]:
        return minimal(path)
    nb = nbformat.read(path, 4)
    last = max(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade"))
    nb.cells = nb.cells[: last + 1]
    return nb


def hostile(name: str) -> nbformat.NotebookNode:
    """One exercise broken, and the three in-kernel attacks in its solution cell."""
    nb = handed_in(name)
    exercise, wrong, _, _ = BROKEN[name]
    sabotage(nb, exercise, wrong)
    tests = assignment.load(name).tests
    redefined = "".join(f"\ndef {test}(*a, **k): print('All tests passed')" for test in tests)
    attacks = CHEAT + redefined + "\n" + TRANSFORMER
    cell = next(c for c in nb.cells if assignment.grade_id(c) == exercise)
    cell.source = attacks + "\n" + cell.source
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    tmp = tmp_path_factory.mktemp("keras")
    submissions, out = tmp / "submitted", tmp / "grades"
    for name in BROKEN:
        for student, nb in (("solution", handed_in(name)), ("hostile", hostile(name))):
            folder = submissions / student / name
            folder.mkdir(parents=True)
            nbformat.write(nb, folder / f"{name}.ipynb")
    args = ["--submissions", submissions, "--out", out, "--timeout", TIMEOUT, "--workers", 2]
    result = grading("autograde", *args)
    rows = read_csv(out / "scores.csv")
    return SimpleNamespace(result=result, rows=rows, out=out)


def points(graded: SimpleNamespace, student: str, name: str) -> dict[str, tuple[float, float]]:
    return {
        row["grade_id"]: (float(row["points"]), float(row["max_points"]))
        for row in graded.rows
        if row["student"] == student and row["assignment"] == name and row["status"] == "graded"
    }


@pytest.mark.parametrize("name", list(BROKEN))
def test_the_solution_gets_full_marks_judged_in_the_grader(graded, name):
    got = points(graded, "solution", name)
    assert set(got) == set(assignment.load(name).tests), graded.result.stdout
    assert all(score == top for score, top in got.values()), (got, graded.result.stdout)
    judged = {r["judged"] for r in graded.rows if r["assignment"] == name}
    assert judged == {"trusted"}


@pytest.mark.parametrize("name", list(BROKEN))
def test_tampering_inside_the_kernel_earns_nothing(graded, name):
    got = points(graded, "hostile", name)
    broken = BROKEN[name][3]
    assert {test: got[test][0] for test in broken} == dict.fromkeys(broken, 0.0), got
    others = {test: value for test, value in got.items() if test not in broken}
    assert all(score == top for score, top in others.values()), (others, graded.result.stdout)


def test_the_same_attacks_pass_a_test_judged_inside_the_kernel(tmp_path, monkeypatch):
    """The control: with 03's tests run in the kernel (as nbgrader does), the hostile notebook
    gets happyModel's points; the attacks above are real."""
    name = "03_lenet5_and_classic_networks"
    for test in assignment.load(name).tests.values():
        monkeypatch.setattr(test, "trusted", False)
    job = {
        "student": "control",
        "assignment": name,
        "notebook": nbformat.writes(hostile(name)),
        "timeout": TIMEOUT,
    }
    result = runner.grade_submission(job)["result"]
    scores = {test["grade_id"]: test["points"] for test in result["tests"]}
    assert scores["happyModel_test"] == 2.0, result
    assert {test["judged"] for test in result["tests"]} == {"in the kernel"}
