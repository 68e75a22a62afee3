"""The nbgrader course directory and the grading steps run in it, through nbgrader's Python API.

nbgrader works in a *course directory*::

    source/<assignment>/<notebook>.ipynb                  the instructor's version
    release/<assignment>/<notebook>.ipynb                 the student version (generate_assignment)
    submitted/<student>/<assignment>/<notebook>.ipynb     what students handed in
    autograded/<student>/<assignment>/<notebook>.ipynb    executed with the hidden tests (autograde)
    feedback/<student>/<assignment>/<notebook>.html       (generate_feedback)
    gradebook.db                                          SQLite: cells, checksums, grades

The course keeps its notebooks flat (``notebooks/NN_topic.ipynb``) and every notebook is one
assignment whose id is the notebook's stem, so a course directory is built around copies of them
(:func:`make_course`). A ``utils`` symlink at its root lets the notebooks' setup cell, which walks
up from the working directory looking for ``utils/__init__.py``, find the course's helpers when
nbgrader executes a notebook in ``autograded/<student>/<assignment>/``: it never clones.
"""

from __future__ import annotations

import csv
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbgrader.apps import NbGraderAPI
from nbgrader.plugins import CsvExportPlugin
from nbgrader.utils import compute_checksum
from traitlets.config import Config

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
COURSE_ID = "convnets-keras"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
DEFAULT_TIMEOUT = 300  # seconds per cell; cells that train a network take a while on a laptop CPU
MARKER = "# nbgrader course directory made by `python -m grading`"


class GradingError(Exception):
    """Bad input (the message names the argument and what was expected), or nbgrader failed."""


@dataclass
class Outcome:
    """What happened to one submission: one student's notebook for one assignment."""

    student: str
    assignment: str
    points: float | None = None  # None: not graded
    max_points: float | None = None
    seconds: float = 0.0  # autograding time
    flags: list[str] = field(default_factory=list)  # integrity and robustness problems
    lost: list[str] = field(default_factory=list)  # "<grade_id> <points>/<max>: <error>"

    @property
    def graded(self) -> bool:
        """Whether nbgrader graded the submission (its scores are in the gradebook)."""
        return self.points is not None


def notebook_ids() -> list[str]:
    """The assignment ids: the stems of ``notebooks/NN_topic.ipynb``, in order."""
    return [path.stem for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))]


def resolve_notebooks(names: Sequence[str]) -> list[str]:
    """Assignment ids for ``names`` (stems, file names or paths of notebooks); none: all of them."""
    known = notebook_ids()
    ids: list[str] = []
    for name in names:
        stem = Path(name).stem
        if stem not in known:
            raise GradingError(
                f"notebook (NB=) {name!r} is not a course notebook; "
                f"expected one of: {', '.join(known)}"
            )
        if stem not in ids:
            ids.append(stem)
    return ids or known


def make_course(root: Path, assignments: Sequence[str]) -> None:
    """Create or refresh the course directory ``root`` for ``assignments`` (see the module doc).

    ``source/`` gets fresh copies of the notebooks, so the gradebook always describes the current
    notebooks; the folder ignores itself in git (and so in ruff). A folder that is neither empty
    nor made by this function is refused: it is never written into.
    """
    gitignore = root / ".gitignore"
    if root.is_file() or (
        root.is_dir()
        and any(root.iterdir())
        and not (gitignore.is_file() and gitignore.read_text().startswith(MARKER))
    ):
        raise GradingError(
            f"output folder (--out/GRADES=) {str(root)!r} is not an empty folder nor a grading "
            "folder made by `python -m grading`; choose a new folder"
        )
    root.mkdir(parents=True, exist_ok=True)
    gitignore.write_text(f"{MARKER}\n*\n")
    link = root / "utils"
    if link.is_symlink():
        link.unlink()
    link.symlink_to(REPO / "utils", target_is_directory=True)
    for assignment in assignments:
        folder = root / "source" / assignment
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(NOTEBOOKS / f"{assignment}.ipynb", folder / f"{assignment}.ipynb")


def nbgrader_api(root: Path, timeout: int = DEFAULT_TIMEOUT) -> NbGraderAPI:
    """nbgrader's API on the course directory ``root``, configured for this course.

    - released solutions become :data:`CODE_STUB`;
    - each cell may run ``timeout`` seconds, then the kernel is interrupted and the cell gets a
      ``CellTimeoutError`` (nbgrader's ``Execute`` preprocessor, an nbconvert
      ``ExecutePreprocessor``); the rest of the notebook still runs;
    - a deleted locked test cell is put back (from the gradebook) before grading;
    - the kernel's native (C/C++) stderr is not captured into cell outputs, as under the tests:
      nbgrader gives 0 points to a test cell with any stderr output.

    The environment is set for grading: ``COURSE_OFFLINE=1`` (notebooks never download) and this
    Python's scripts folder on ``PATH`` (nbgrader runs its ``alembic`` to create the gradebook).
    """
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([scripts, os.environ.get("PATH", "")])
    os.environ["COURSE_OFFLINE"] = "1"
    config = Config()
    config.CourseDirectory.root = str(root.resolve())
    config.CourseDirectory.course_id = COURSE_ID
    config.ClearSolutions.code_stub = {"python": CODE_STUB}
    config.Execute.timeout = timeout
    config.Execute.extra_arguments = [
        "--IPKernelApp.capture_fd_output=False",
        "--IPKernelApp.log_level=ERROR",  # not one "running over TCP" warning per submission
    ]
    config.OverwriteCells.add_missing_cells = True
    return NbGraderAPI(config=config)


def generate(api: NbGraderAPI, assignment: str) -> None:
    """Run nbgrader's generate_assignment (forced): the release and the gradebook's records."""
    result = api.generate_assignment(assignment)
    if not result["success"]:
        log = result.get("log", "") + result.get("error", "")
        raise GradingError(f"nbgrader generate_assignment failed for {assignment}:\n{log}")


def release(assignments: Sequence[str], dest: Path) -> list[Path]:
    """Write the student version of each assignment to ``dest/<id>/<id>.ipynb``; return the paths.

    nbgrader's generate_assignment replaces every solution region by :data:`CODE_STUB`, removes
    the hidden tests, clears the outputs and locks the test cells. It runs in a throwaway course
    directory; autograding rebuilds the same gradebook records from the same notebooks.
    """
    with tempfile.TemporaryDirectory(prefix="grading-release-") as tmp:
        root = Path(tmp) / "course"
        make_course(root, assignments)
        api = nbgrader_api(root)
        for assignment in assignments:
            generate(api, assignment)
            shutil.rmtree(dest / assignment, ignore_errors=True)
            shutil.copytree(root / "release" / assignment, dest / assignment)
    return [dest / assignment / f"{assignment}.ipynb" for assignment in assignments]


def find_submissions(folder: Path) -> list[tuple[str, str]]:
    """The (student, assignment) pairs of ``folder/<student>/<assignment>/`` (dot-names skipped)."""
    expected = "expected nbgrader's layout <student>/<assignment>/<assignment>.ipynb"
    if not folder.is_dir():
        raise GradingError(
            f"submissions (--submissions/SUBMISSIONS=): {str(folder)!r} is not a folder; {expected}"
        )
    pairs = [
        (student.name, assignment.name)
        for student in sorted(folder.iterdir())
        if student.is_dir() and not student.name.startswith(".")
        for assignment in sorted(student.iterdir())
        if assignment.is_dir() and not assignment.name.startswith(".")
    ]
    if not pairs:
        raise GradingError(
            f"submissions (--submissions/SUBMISSIONS=): nothing in {str(folder)!r}; {expected}"
        )
    return pairs


def stage(source: Path, dest: Path, outcome: Outcome) -> bool:
    """Copy a submission's notebook (and nbgrader's ``timestamp.txt``) to ``dest``.

    Nothing else is copied: a file a student adds, say ``utils/__init__.py`` (the setup cell would
    import it instead of the course's), is reported and ignored. A missing or unreadable notebook
    is reported and the submission skipped (False); ``dest`` is then left as it was.
    """
    name = f"{outcome.assignment}.ipynb"
    if not (source / name).is_file():
        found = ", ".join(sorted(path.name for path in source.glob("*.ipynb"))) or "none"
        outcome.flags.append(f"no {name} in the submission (notebooks: {found}); skipped")
        return False
    try:
        nbformat.read(source / name, as_version=4)
    except Exception as error:  # nbformat raises many types on a malformed file
        reason = str(error).splitlines()[0][:100] if str(error) else type(error).__name__
        outcome.flags.append(f"{name} is not a valid notebook ({reason}); skipped")
        return False
    keep = [name, "timestamp.txt"]
    extra = sorted(
        str(path.relative_to(source))
        for path in source.rglob("*")
        if path.is_file()
        and str(path.relative_to(source)) not in keep
        and not any(part.startswith(".") for part in path.relative_to(source).parts)
    )
    if extra:
        outcome.flags.append(f"extra files ignored: {', '.join(extra)}")
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for filename in keep:
        if (source / filename).is_file():
            shutil.copyfile(source / filename, dest / filename)
    return True


def grade_id(cell: NotebookNode) -> str | None:
    """The nbgrader ``grade_id`` of a cell, if it has one."""
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def check_locked_cells(api: NbGraderAPI, root: Path, outcome: Outcome) -> None:
    """Flag locked cells the student deleted or edited.

    A cell is intact when nbgrader's checksum of it matches the instructor's version, the released
    one (hidden tests removed), or the checksum the release wrote in its metadata (the version the
    student got, if a test was changed after release). Whatever the flag, nbgrader grades with the
    instructor's locked cells: it overwrites edited ones and re-inserts deleted test cells.
    """
    assignment = outcome.assignment
    filename = f"{assignment}.ipynb"
    submitted = nbformat.read(root / "submitted" / outcome.student / assignment / filename, 4)
    released = nbformat.read(root / "release" / assignment / filename, 4)
    with api.gradebook as gradebook:
        notebook = gradebook.find_notebook(assignment, assignment)
        originals = {cell.name: cell.checksum for cell in notebook.source_cells if cell.locked}
        tests = {cell.name for cell in notebook.grade_cells}
    released_sums = {
        grade_id(cell): cell.metadata.nbgrader.get("checksum")
        for cell in released.cells
        if "nbgrader" in cell.metadata
    }
    cells = {grade_id(cell): cell for cell in submitted.cells}
    for name, checksum in originals.items():
        cell = cells.get(name)
        if cell is None:
            put_back = " (nbgrader re-inserted the original)" if name in tests else ""
            outcome.flags.append(f"locked cell {name} was deleted{put_back}")
            continue
        try:
            found = compute_checksum(cell)
        except (KeyError, TypeError, ValueError):  # its nbgrader metadata was mangled
            found = None
        intact = {checksum, released_sums.get(name), cell.metadata.nbgrader.get("checksum")}
        if found is None or found not in intact:
            outcome.flags.append(f"locked cell {name} was edited (nbgrader graded the original)")


def cell_errors(notebook: NotebookNode, timeout: int) -> dict[str, str]:
    """The first error of each cell of an executed notebook, by grade_id or ``In [<count>]``."""
    errors = {}
    for cell in notebook.cells:
        found = [out for out in cell.get("outputs", []) if out.output_type == "error"]
        name = grade_id(cell) or f"In [{cell.get('execution_count')}]"
        if any(out.ename == "CellTimeoutError" for out in found):
            errors[name] = f"interrupted after the {timeout} s timeout"
        elif found:
            message = found[0].evalue.splitlines()[0] if found[0].evalue else ""
            errors[name] = f"{found[0].ename}: {message}"[:120]
    return errors


def grade(api: NbGraderAPI, root: Path, outcome: Outcome, timeout: int) -> None:
    """Autograde one staged submission, write its feedback and log, and fill in ``outcome``."""
    student, assignment = outcome.student, outcome.assignment
    log = root / "logs" / assignment / f"{student}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    result = api.autograde(assignment, student)  # forced: a re-run re-grades, never duplicates
    outcome.seconds = time.perf_counter() - start
    log.write_text(result.get("log", "") + result.get("error", ""))
    if not result["success"]:
        outcome.flags.append(f"nbgrader could not grade it; see {log}")
        return
    feedback = api.generate_feedback(assignment, student)
    if not feedback["success"]:
        with log.open("a") as file:
            file.write(feedback.get("log", "") + feedback.get("error", ""))
        outcome.flags.append(f"nbgrader could not write the feedback; see {log}")
    executed = nbformat.read(root / "autograded" / student / assignment / f"{assignment}.ipynb", 4)
    errors = cell_errors(executed, timeout)
    outcome.flags += [
        f"cell {name} ran into the {timeout} s timeout and was interrupted"
        for name, error in errors.items()
        if error.startswith("interrupted")
    ]
    order = {grade_id(cell): index for index, cell in enumerate(executed.cells)}
    with api.gradebook as gradebook:
        submission = gradebook.find_submission_notebook(assignment, assignment, student)
        outcome.points, outcome.max_points = submission.score, submission.max_score
        grades = sorted(submission.grades, key=lambda grade: order.get(grade.name, len(order)))
        outcome.lost = [
            f"{grade.name} {grade.score:g}/{grade.max_score:g}: "
            + errors.get(grade.name, "no error, but output on stderr")
            for grade in grades
            if grade.score < grade.max_score
        ]


def write_scores(api: NbGraderAPI, root: Path) -> None:
    """Export the whole gradebook: ``scores.csv`` and nbgrader's ``grades.csv``.

    ``scores.csv`` has one row per student, assignment, notebook and test cell (``grade_id``, in
    notebook order) with its points and max points; ``grades.csv`` (nbgrader's CSV export) one row
    per student and assignment with the totals (0 for an assignment not handed in).
    """
    rows = []
    with api.gradebook as gradebook:
        for assignment in gradebook.assignments:
            for submission in assignment.submissions:
                for notebook in submission.notebooks:
                    path = root / "source" / assignment.name / f"{notebook.name}.ipynb"
                    cells = nbformat.read(path, 4).cells if path.is_file() else []
                    order = {grade_id(cell): index for index, cell in enumerate(cells)}
                    rows += [
                        (submission.student.id, assignment.name, notebook.name)
                        + (order.get(grade.name, len(order)), grade.name)
                        + (grade.score, grade.max_score)
                        for grade in notebook.grades
                    ]
        CsvExportPlugin(to=str(root / "grades.csv")).export(gradebook)
    with (root / "scores.csv").open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["student", "assignment", "notebook", "grade_id", "points", "max_points"])
        for student, assignment, notebook, _, name, points, max_points in sorted(rows):
            writer.writerow([student, assignment, notebook, name, f"{points:g}", f"{max_points:g}"])


def autograde(
    submissions: Path,
    root: Path,
    timeout: int = DEFAULT_TIMEOUT,
    on_graded: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Grade ``submissions/<student>/<assignment>/<assignment>.ipynb`` in course folder ``root``.

    The submissions are only read: each notebook is copied into ``root/submitted/`` (replacing
    that student's previous copy), checked for tampered locked cells, autograded by nbgrader with
    the hidden tests restored from the instructor's version and a per-cell ``timeout``, and given
    an HTML feedback in ``root/feedback/``. The gradebook (``root/gradebook.db``) accumulates:
    grades of earlier runs stay, a re-graded submission replaces its own. Then ``scores.csv`` and
    ``grades.csv`` are written from the whole gradebook. ``on_graded`` is called after each
    submission (progress); the outcomes are returned in submission order.
    """
    pairs = find_submissions(submissions)
    if submissions.resolve() == (root / "submitted").resolve():
        raise GradingError("submissions (--submissions/SUBMISSIONS=) must not be the output's copy")
    known = notebook_ids()
    assignments = sorted({assignment for _, assignment in pairs if assignment in known})
    make_course(root, assignments)
    api = nbgrader_api(root, timeout)
    for assignment in assignments:
        generate(api, assignment)
    outcomes = []
    for student, assignment in pairs:
        outcome = Outcome(student, assignment)
        if assignment not in known:
            outcome.flags.append(
                f"unknown assignment folder {assignment!r}, expected one of: {', '.join(known)}"
            )
        elif stage(
            submissions / student / assignment, root / "submitted" / student / assignment, outcome
        ):
            check_locked_cells(api, root, outcome)
            grade(api, root, outcome, timeout)
        outcomes.append(outcome)
        if on_graded is not None:
            on_graded(outcome)
    write_scores(api, root)
    return outcomes


def grade_solutions(
    assignments: Sequence[str],
    timeout: int = DEFAULT_TIMEOUT,
    on_graded: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Autograde the instructor's notebooks themselves (student ``instructor``) in a throwaway
    course directory: the release-day check that every solution gets full marks."""
    with tempfile.TemporaryDirectory(prefix="grading-solutions-") as tmp:
        submissions = Path(tmp) / "submissions"
        for assignment in assignments:
            folder = submissions / "instructor" / assignment
            folder.mkdir(parents=True)
            shutil.copyfile(NOTEBOOKS / f"{assignment}.ipynb", folder / f"{assignment}.ipynb")
        return autograde(submissions, Path(tmp) / "course", timeout, on_graded)
