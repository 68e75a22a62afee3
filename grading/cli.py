"""Command line: ``python -m grading release|autograde|grade-solutions`` (see ``--help``).

Exit status: 0 when everything was done (autograde: every submission graded; grade-solutions:
full marks everywhere), 1 when a submission could not be graded or a solution lost points, 2 on
bad input (the message names the argument and what was expected).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import nbformat

from grading import course, sandbox
from grading.course import DEFAULT_TIMEOUT, GradingError, Outcome


def shown(path: Path) -> str:
    """``path`` relative to the working directory when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def seconds(text: str) -> int:
    """argparse type of ``--timeout``: a whole number of seconds, at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of seconds >= 1, got {text!r}")
    return int(text)


def describe(outcome: Outcome) -> str:
    """A submission's summary: its points, then flagged problems (!) and lost points (-)."""
    if outcome.graded:
        result = f"{outcome.points:g}/{outcome.max_points:g} points ({outcome.seconds:.1f} s)"
    else:
        result = f"NOT GRADED: {outcome.reason}"
    lines = [f"{outcome.student} / {outcome.assignment or '(folder)'}: {result}"]
    lines += [f"    ! {flag}" for flag in outcome.flags]
    lines += [f"    - {lost}" for lost in outcome.lost]
    return "\n".join(lines)


def workers(text: str) -> int:
    """argparse type of ``--workers``: a whole number, at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of workers >= 1, got {text!r}")
    return int(text)


def options(args: argparse.Namespace) -> dict:
    """The grading options shared by autograde and grade-solutions."""
    if args.unsafe:
        print(f"warning: --unsafe: {sandbox.UNSAFE_RISK}", file=sys.stderr)
    return {
        "workers": args.workers,
        "scheduler": args.scheduler,
        "unsafe": args.unsafe,
    }


def run_release(args: argparse.Namespace) -> int:
    """``release``: the student version of each notebook, in ``<out>/<id>/<id>.ipynb``."""
    for path in course.release(course.resolve_notebooks(args.notebooks), args.out):
        tests = [
            cell.metadata.nbgrader
            for cell in nbformat.read(path, 4).cells
            if cell.metadata.get("nbgrader", {}).get("grade")
        ]
        points = sum(test["points"] for test in tests)
        print(f"{shown(path)}: {len(tests)} graded exercises, {points:g} points")
    return 0


def run_autograde(args: argparse.Namespace) -> int:
    """``autograde``: grade a folder of submissions into the output folder, print the summary."""
    where = args.scheduler or f"{args.workers} worker(s) here"
    print(
        f"autograding {shown(args.submissions)} (timeout {args.timeout} s per cell, {where})",
        file=sys.stderr,
    )
    outcomes = course.autograde(
        args.submissions, args.out, args.timeout, regrade=args.regrade, **options(args)
    )
    summary = "\n".join(describe(outcome) for outcome in outcomes)
    (args.out / "summary.txt").write_text(summary + "\n")
    out = shown(args.out)
    print(summary)
    print(
        f"\n{sum(o.graded for o in outcomes)} of {len(outcomes)} submissions graded. "
        f"Per exercise: {out}/scores.csv; per assignment: {out}/grades.csv; "
        f"feedback: {out}/feedback/<student>/<assignment>/; this summary: {out}/summary.txt"
    )
    return 0 if all(outcome.graded for outcome in outcomes) else 1


def run_grade_solutions(args: argparse.Namespace) -> int:
    """``grade-solutions``: the instructor's notebooks must get full marks, with nothing flagged."""
    assignments = course.resolve_notebooks(args.notebooks)
    start = time.perf_counter()
    outcomes = course.grade_solutions(assignments, args.timeout, **options(args))
    print("\n".join(describe(outcome) for outcome in outcomes))
    failed = [
        outcome.assignment
        for outcome in outcomes
        if not outcome.graded or outcome.points < outcome.max_points or outcome.flags
    ]
    took = f"{time.perf_counter() - start:.0f} s"
    if failed:
        print(f"\nNOT full marks ({took}): {', '.join(failed)}")
        return 1
    print(f"\nfull marks on all {len(outcomes)} notebooks ({took})")
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser, one sub-command per step."""
    main_parser = argparse.ArgumentParser(
        prog="python -m grading", description="Grade the course's exercises with nbgrader."
    )
    commands = main_parser.add_subparsers(required=True, metavar="command")
    notebooks = {
        "nargs": "*",
        "metavar": "notebook",
        "help": "NN_topic (or its .ipynb path); default: every notebooks/NN_*.ipynb",
    }
    timeout = {
        "type": seconds,
        "default": DEFAULT_TIMEOUT,
        "help": f"seconds a cell may run before it is interrupted (default {DEFAULT_TIMEOUT})",
    }

    release = commands.add_parser("release", help="write the student versions")
    release.add_argument("notebooks", **notebooks)
    release.add_argument(
        "--out", type=Path, default=course.REPO / "release", help="default: release/ of the repo"
    )
    release.set_defaults(run=run_release)

    solutions = commands.add_parser("grade-solutions", help="the solutions must get full marks")
    solutions.add_argument("notebooks", **notebooks)
    solutions.add_argument("--timeout", **timeout)
    solutions.set_defaults(run=run_grade_solutions)

    autograde = commands.add_parser("autograde", help="grade submissions, write CSVs and feedback")
    autograde.add_argument(
        "--submissions",
        type=Path,
        required=True,
        help="folder of <student>/<assignment>/<assignment>.ipynb (only read)",
    )
    autograde.add_argument(
        "--out", type=Path, default=Path("grades"), help="grading folder (default: grades)"
    )
    autograde.add_argument("--timeout", **timeout)
    for command in (autograde, solutions):
        command.add_argument(
            "--workers",
            type=workers,
            default=os.cpu_count() or 1,
            help="submissions graded at once on this machine (default: the number of cores)",
        )
        command.add_argument(
            "--scheduler",
            metavar="ADDRESS",
            help="grade on an existing Dask cluster (tcp://host:8786) instead of this machine",
        )
        command.add_argument(
            "--unsafe",
            action="store_true",
            help="grade without a sandbox when none is available (student code runs as you)",
        )
    autograde.add_argument(
        "--regrade",
        action="store_true",
        help="grade again submissions whose stored result is current (default: keep it)",
    )
    autograde.set_defaults(run=run_autograde)

    return main_parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = parser().parse_args(argv)
    # Noise nbgrader causes itself: SQLAlchemy session warnings from its gradebook code, and the
    # re-inserted test cells it writes without a cell id.
    warnings.filterwarnings("ignore", message="Object of type <.*> not in session")
    warnings.filterwarnings("ignore", message="Cell is missing an id field")
    try:
        return args.run(args)
    except GradingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
