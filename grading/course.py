"""The grading folder, nbgrader's part of it, and the entry points of :mod:`grading.cli`.

nbgrader 0.9.6 is used for what it does well: ``generate_assignment`` (the student version, and
the gradebook's records of each assignment, notebook and test cell) and its SQLite gradebook.
Autograding itself is :mod:`grading.autograde` and :mod:`grading.runner`: nbgrader's own
autograde runs student code with the instructor's permissions and judges tests inside the
student's kernel. The grading folder (``--out``)::

    source/<assignment>/<assignment>.ipynb            copies of the instructor's notebooks
    release/<assignment>/<assignment>.ipynb           the student versions (generate_assignment)
    gradebook.db                                      nbgrader's gradebook: cells and grades
    results/<student>/<assignment>.json               one result per submission (grading.autograde)
    autograded/<student>/<assignment>/<assignment>.ipynb   the graded notebook
    feedback/<student>/<assignment>/<assignment>.html      its HTML feedback
    scores.csv, grades.csv, summary.txt

The course keeps its notebooks flat (``notebooks/NN_topic.ipynb``) and every notebook is one
assignment whose id is the notebook's stem (:func:`make_course`).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from traitlets.config import Config

from grading import autograde as autograding
from grading import sandbox

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "instructor"  # the instructor notebooks, built from source/ (tools/)
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
    reason: str = ""  # why it was not graded

    @property
    def graded(self) -> bool:
        """Whether the submission was graded (its scores are in the gradebook)."""
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
    link = root / "utils"  # made by earlier versions of this grader
    if link.is_symlink():
        link.unlink()
    for assignment in assignments:
        folder = root / "source" / assignment
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(NOTEBOOKS / f"{assignment}.ipynb", folder / f"{assignment}.ipynb")


def nbgrader_api(root: Path, timeout: int = DEFAULT_TIMEOUT) -> NbGraderAPI:
    """nbgrader's API on the course directory ``root``, configured for this course.

    Released solutions become :data:`CODE_STUB`. (The execution settings only matter to
    nbgrader's own autograde, which this course does not use: see :mod:`grading.runner`.)

    The environment is set: ``COURSE_OFFLINE=1`` (notebooks never download) and this Python's
    scripts folder on ``PATH`` (nbgrader runs its ``alembic`` to create the gradebook).
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


def outcome(result: dict) -> Outcome:
    """The summary of one stored result (:mod:`grading.autograde`)."""
    graded = result["status"] == "graded"
    tests = result.get("tests", [])
    found = Outcome(
        result["student"],
        result["assignment"],
        points=sum(t["points"] for t in tests) if graded else None,
        max_points=sum(t["max_points"] for t in tests) if graded else None,
        seconds=result.get("seconds", 0.0),
        flags=list(result.get("flags", [])),
        lost=[
            f"{t['grade_id']} {t['points']:g}/{t['max_points']:g}: {t['error'] or 'failed'}"
            for t in tests
            if t["points"] < t["max_points"]
        ],
        reason=result.get("reason", ""),
    )
    return found


def prepare_course(root: Path, assignments: Sequence[str]) -> None:
    """The grading folder's nbgrader part: instructor copies and gradebook records (forced)."""
    make_course(root, assignments)
    api = nbgrader_api(root)
    for assignment in assignments:
        generate(api, assignment)


def autograde(
    submissions: Path,
    root: Path,
    timeout: int = DEFAULT_TIMEOUT,
    on_graded: Callable[[Outcome], None] | None = None,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    unsafe: bool = False,
    regrade: bool = False,
) -> list[Outcome]:
    """Grade ``submissions/<student>/<assignment>/<assignment>.ipynb`` into the folder ``root``.

    The submissions are only read. Each runs in the sandbox (:mod:`grading.sandbox`; without
    one this raises :class:`GradingError` unless ``unsafe``), its tests are judged as
    :mod:`grading.runner` explains, ``workers`` at a time (or on the Dask cluster at
    ``scheduler``), and the books are kept as :mod:`grading.autograde` explains. ``on_graded``
    is called after each submission; the outcomes of this run are returned.
    """
    if not submissions.is_dir():
        raise GradingError(
            f"submissions (--submissions/SUBMISSIONS=): {str(submissions)!r} is not a folder; "
            "expected nbgrader's layout <student>/<assignment>/<assignment>.ipynb"
        )
    if not any(submissions.iterdir()):
        raise GradingError(
            f"submissions (--submissions/SUBMISSIONS=): nothing in {str(submissions)!r}; "
            "expected nbgrader's layout <student>/<assignment>/<assignment>.ipynb"
        )
    if root.resolve() == submissions.resolve() or submissions.resolve() in root.resolve().parents:
        raise GradingError("the output folder (--out/GRADES=) must not be inside the submissions")
    if scheduler is None and not unsafe and sandbox.available() is not None:
        raise GradingError(
            f"no sandbox: {sandbox.available()}. Install bubblewrap, or pass --unsafe to grade "
            f"anyway: {sandbox.UNSAFE_RISK}."
        )
    make_course(root, [])
    results = autograding.autograde(
        submissions,
        root,
        timeout,
        workers=workers,
        scheduler=scheduler,
        unsafe=unsafe,
        regrade=regrade,
        report=None if on_graded is None else lambda result: on_graded(outcome(result)),
        prepare=prepare_course,
    )
    return [outcome(result) for result in results]


def grade_solutions(
    assignments: Sequence[str],
    timeout: int = DEFAULT_TIMEOUT,
    on_graded: Callable[[Outcome], None] | None = None,
    **options: object,
) -> list[Outcome]:
    """Autograde the instructor's notebooks themselves (student ``instructor``) in a throwaway
    course directory: the release-day check that every solution gets full marks."""
    with tempfile.TemporaryDirectory(prefix="grading-solutions-") as tmp:
        submissions = Path(tmp) / "submissions"
        for assignment in assignments:
            folder = submissions / "instructor" / assignment
            folder.mkdir(parents=True)
            shutil.copyfile(NOTEBOOKS / f"{assignment}.ipynb", folder / f"{assignment}.ipynb")
        return autograde(submissions, Path(tmp) / "course", timeout, on_graded, **options)
