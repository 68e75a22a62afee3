"""The ``# tolerance:`` grammar, the comparison it allows, and the nbval plugin that applies it."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from tests.tolerance import Tolerance, ToleranceError, compare_text, declared, split_numbers

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("# tolerance: ±1.5 points", Tolerance(points=1.5)),
        ("x = 1\n# tolerance: ±2 points, ±10%\n", Tolerance(points=2, rel=0.1)),
        ("#tolerance: ±10%, ±0.005", Tolerance(rel=0.1, abs=0.005)),
        ("print(1)", None),
    ],
)
def test_a_cell_declares_its_tolerance_in_one_line(line, expected):
    assert declared(line) == expected


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("# tolerance: 10%", "is not one of"),
        ("# tolerance: ±1 point", "is not one of"),
        ("# tolerance: ±1%, ±2%", "names 'rel' twice"),
        ("# tolerance: ±1%\n# tolerance: ±2%", "one '# tolerance:' line per cell"),
    ],
)
def test_a_malformed_declaration_is_an_error_that_says_why(line, message):
    with pytest.raises(ToleranceError, match=message):
        declared(line)


def test_numbers_are_split_from_the_text_with_their_kind():
    skeleton, numbers = split_numbers("epoch  3/15: loss 0.0752, accuracy 96.1% (23,600,006)")
    assert skeleton == "epoch §/§: loss §, accuracy §% (§)"
    assert [(v, p) for v, p, _ in numbers] == [
        (3, False),
        (15, False),
        (0.0752, False),
        (96.1, True),
        (23600006, False),
    ]
    # digits inside names are words, not numbers
    assert split_numbers("conv2d_1 block4_conv3 1e-3")[1][0][0] == 1e-3


TRAINING = Tolerance(points=1.5, rel=0.1, abs=0.002)


@pytest.mark.parametrize(
    ("stored", "got"),
    [
        ("accuracy 97.6%", "accuracy 96.2%"),  # 1.4 points
        ("loss 0.4187", "loss 0.4195"),  # the measured CPU-to-CPU drift
        ("loss 0.0016", "loss 0.0031"),  # tiny losses: within the absolute ±0.002
        ("losses [0.1561, 0.1007]", "losses [0.157, 0.103]"),  # other digits printed
        ("  97.6% |  99.0%", " 97.7% | 100.0%"),  # a padded column realigned
    ],
)
def test_training_drift_within_the_tolerance_passes(stored, got):
    assert compare_text(stored, got, TRAINING) is None


@pytest.mark.parametrize(
    ("stored", "got", "why"),
    [
        ("accuracy 97.6%", "accuracy 92.6%", "number 1 is 92.6%"),  # 5 points lower
        ("loss 0.0016", "loss 0.6931", "number 1"),  # a network that stopped learning
        ("loss 0.4187", "loss 0.5", "outside the cell's tolerance"),
        ("accuracy 97.6%", "accuracy 97.6", "text around the numbers"),  # % became a fraction
        ("3 boxes", "4 boxes", "number 1"),  # only percentages declared: counts stay exact
        ("found 3 boxes", "found 3 box", "text around the numbers"),
        ("a 1 b 2", "a 1 b", "text around the numbers"),
    ],
)
def test_a_real_regression_fails(stored, got, why):
    strict = Tolerance(points=1.5)  # percentages only: other numbers exact
    tolerance = strict if stored.endswith("boxes") else TRAINING
    assert why in compare_text(stored, got, tolerance)


def test_an_undeclared_kind_stays_exact():
    assert compare_text("loss 0.4187", "loss 0.4188", Tolerance(points=2)) is not None
    assert compare_text("97.6%", "97.7%", Tolerance(rel=0.5)) is not None
    assert compare_text("nan", "nan", TRAINING) is None  # text, compared as text


# --- the plugin, through nbval, on a notebook of two cells ------------------------------------


def notebook(first_source: str, printed: str, stored: str) -> dict:
    """A notebook whose one code cell prints ``printed`` and stored ``stored``."""
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "cells": [
            {
                "cell_type": "code",
                "id": "c1",
                "execution_count": 1,
                "metadata": {},
                "source": f"{first_source}\nprint({printed!r})",
                "outputs": [{"output_type": "stream", "name": "stdout", "text": stored + "\n"}],
            }
        ],
    }


@pytest.fixture(autouse=True)
def _plugin_importable(monkeypatch):
    """pytester's subprocesses import the plugin ``tests.nbval_tolerance`` from this checkout."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("declaration", "printed", "outcome"),
    [
        ("# tolerance: ±1.5 points, ±10%", "accuracy 96.9%, loss 0.43", "passed"),
        ("# tolerance: ±1.5 points, ±10%", "accuracy 92.1%, loss 0.43", "failed"),
        ("# tolerance: ±1.5 points, ±10%", "accuracy 97.1%, loss 0.69", "failed"),
        ("# tolerance: ±1.5 points, ±10%", "accuracy 97.1% , loss 0.43", "failed"),
        ("", "accuracy 96.9%, loss 0.43", "failed"),  # no declaration: exact, as nbval
        ("# tolerance: ±1.5 points, ±10%", "accuracy 97.1%, loss 0.42", "passed"),
    ],
)
def test_nbval_compares_a_declaring_cell_within_its_tolerance(
    pytester, declaration, printed, outcome
):
    stored = "accuracy 97.1%, loss 0.42"
    path = pytester.path / "cell.ipynb"
    path.write_text(json.dumps(notebook(declaration, printed, stored)))
    (pytester.path / "conftest.py").write_text("pytest_plugins = ['tests.nbval_tolerance']\n")
    result = pytester.runpytest_subprocess(
        "--nbval", "--nbval-current-env", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(**{outcome: 1})
    if outcome == "failed" and declaration:
        assert "declared tolerance" in result.stdout.str() or "differs" in result.stdout.str()


# --- the tolerances of the real notebooks: loose enough for other rounding, tight enough to ---
# --- catch a network that stops learning -------------------------------------------------------

PERTURBED = {"COURSE_TF_THREADS": "3"}  # other float rounding, as `make test-perturbed`

# (notebook, index of its training code cell, how it sets the learning rate, the same set to 0)
TRAINING_CELLS = [
    ("01_edge_detection", 14, "learning_rate=0.05)", "learning_rate=0.0)"),
    ("03_lenet5_and_classic_networks", 8, "learning_rate=1e-3", "learning_rate=0.0"),
]


def truncated_copy(folder: Path, name: str, last_code_cell: int, edit=None) -> Path:
    """The instructor notebook's cells up to its code cell ``last_code_cell``, in ``folder``."""
    nb = nbformat.read(ROOT / "instructor" / f"{name}.ipynb", as_version=4)
    code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    nb.cells = nb.cells[: code[last_code_cell] + 1]
    if edit:
        old, new = edit
        assert old in nb.cells[-1].source, f"{name} code cell {last_code_cell} lacks {old!r}"
        nb.cells[-1].source = nb.cells[-1].source.replace(old, new)
    folder.mkdir()
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def run_nbval(pytester, path: Path):
    (pytester.path / "conftest.py").write_text("pytest_plugins = ['tests.nbval_tolerance']\n")
    return pytester.runpytest_subprocess(
        "--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
        "--nbval-sanitize-with", str(ROOT / "tests" / "sanitize.cfg"), str(path),
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "cell", "rate", "zero"), TRAINING_CELLS, ids=[t[0] for t in TRAINING_CELLS]
)
def test_a_training_cell_passes_other_rounding_and_fails_at_learning_rate_zero(
    pytester, monkeypatch, name, cell, rate, zero
):
    original = truncated_copy(pytester.path / "original", name, cell)
    training = [c for c in nbformat.read(original, as_version=4).cells if c.cell_type == "code"]
    assert declared(training[cell].source) is not None, f"{name} cell {cell}: no tolerance"

    for key, value in PERTURBED.items():
        monkeypatch.setenv(key, value)
    run_nbval(pytester, original).assert_outcomes(passed=cell + 1)

    for key in PERTURBED:
        monkeypatch.delenv(key)
    broken = truncated_copy(pytester.path / "broken", name, cell, edit=(rate, zero))
    result = run_nbval(pytester, broken)
    result.assert_outcomes(passed=cell, failed=1)
    assert f"Cell {cell}: Cell outputs differ" in result.stdout.str()
