"""Measure autograding throughput here and project it to a class (not a test: it takes minutes).

    .venv/bin/python -m scripts.bench_grading [--copies 2] [--workers 1 2] [--notebooks 01_… …]

Grades ``copies`` copies of the instructor's notebooks (default 01, 02 and 03: full notebooks,
every cell runs in the sandbox, with trusted judging — 03's through Keras models rebuilt in the
grader) with each worker count, in a fresh output folder each time, and prints submissions per
minute. Then it projects the time for a class of 300 students x every notebook: each notebook's
grading time is its idle run time (the "Runtime: about N s" its header states, measured on these
2-core machines) times the grading overhead measured here at one worker, and the work is spread
over 16 cores (one worker per core, at the per-worker efficiency measured here at two workers)
and over 10 such machines on one Dask cluster.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import nbformat

from grading import assignment, course

REPO = Path(__file__).resolve().parents[1]

MEASURED = (
    "01_edge_detection",
    "02_padding_and_strides",
    "03_lenet5_and_classic_networks",
)
STUDENTS, CORES, MACHINES = 300, 16, 10


def idle_seconds(name: str) -> float:
    """The idle run time the notebook's header states ("**Runtime**: CPU, about 41 s …")."""
    header = nbformat.read(assignment.NOTEBOOKS / f"{name}.ipynb", 4).cells[0].source
    found = re.search(r"\*\*Runtime\*\*:[^\n]*?about (\d+(?:\.\d+)?) s", header)
    if found is None:
        raise SystemExit(f"{name}: no 'Runtime: … about N s' line in its first cell")
    return float(found.group(1))


def run(copies: int, workers: int, folder: Path, names: list[str]) -> tuple[float, int]:
    """Seconds to grade ``copies`` x ``names`` with ``workers`` workers, and submissions graded."""
    submissions = folder / f"submitted-{workers}"
    for index in range(copies):
        for name in names:
            target = submissions / f"student{index:02d}" / name
            target.mkdir(parents=True)
            shutil.copyfile(assignment.NOTEBOOKS / f"{name}.ipynb", target / f"{name}.ipynb")
    start = time.perf_counter()
    outcomes = course.autograde(submissions, folder / f"grades-{workers}", 300, workers=workers)
    seconds = time.perf_counter() - start
    bad = [o for o in outcomes if not o.graded or o.points != o.max_points]
    if bad:
        raise SystemExit(f"not full marks: {bad}")
    return seconds, len(outcomes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=2, help="copies of each (default 2)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--notebooks", nargs="+", default=list(MEASURED), choices=assignment.known()
    )
    args = parser.parse_args()
    rates = {}
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        for workers in args.workers:
            load = os.getloadavg()[0]
            seconds, count = run(args.copies, workers, Path(tmp), args.notebooks)
            rates[workers] = count / seconds * 60
            print(
                f"{workers} worker(s): {count} submissions in {seconds:.0f} s = "
                f"{rates[workers]:.2f} submissions/min ({seconds / count:.1f} s each; "
                f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end, "
                f"{os.cpu_count()} cores)",
                flush=True,
            )
    one = min(args.workers)
    per_set = 60 / rates[one] * len(args.notebooks) * one  # worker-seconds for one of each
    overhead = per_set / sum(idle_seconds(name) for name in args.notebooks)
    most = max(args.workers)
    efficiency = rates[most] / (rates[one] * most / one)
    every = assignment.known()
    worker_seconds = STUDENTS * sum(idle_seconds(name) for name in every) * overhead
    print(
        f"grading costs {overhead:.2f}x the notebooks' idle run time at {one} worker; "
        f"{most} workers reach {efficiency:.0%} of linear scaling here"
    )
    for machines in (1, MACHINES):
        hours = worker_seconds / (CORES * machines * efficiency) / 3600
        print(
            f"projected: {STUDENTS} students x {len(every)} notebooks on {machines} x {CORES} "
            f"cores: {hours:.1f} h"
        )


if __name__ == "__main__":
    main()
