"""Measure autograding throughput here and project it to a class (not a test: it takes minutes).

    .venv/bin/python scripts/bench_grading.py [--copies 3] [--workers 1 2]

Grades ``copies`` copies of the instructor's notebooks 01 and 02 (full notebooks: every cell
runs, in the sandbox, with trusted judging) with each worker count, in a fresh output folder
each time, and prints submissions per minute. Then it projects the time for a class of 300
students x 9 notebooks: each notebook's grading time is its idle nbconvert time
(:data:`NBCONVERT_SECONDS`, measured on these machines, docs in /work/shared/NOTES.md) times the
grading overhead measured here for 01 and 02 at one worker, and the work is spread over 16
cores (one worker per core, at the per-worker efficiency measured here at two workers) and over
10 such machines on one Dask cluster.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from grading import course  # noqa: E402

# Idle `jupyter nbconvert --execute` time per notebook on these 2-core machines (seconds).
NBCONVERT_SECONDS = {
    "01_edge_detection": 18.5,
    "02_padding_and_strides": 11.1,
    "03_lenet5_and_classic_networks": 41.0,
    "04_residual_networks": 176.5,
    "05_inception_and_mobilenet": 66.3,
    "06_object_detection_yolo": 17.5,
    "07_face_recognition": 24.2,
    "08_neural_style_transfer": 49.1,
    "09_transfer_learning_and_augmentation": 65.1,
}
MEASURED = ("01_edge_detection", "02_padding_and_strides")
STUDENTS, NOTEBOOKS, CORES, MACHINES = 300, 9, 16, 10


def run(copies: int, workers: int, folder: Path) -> tuple[float, int]:
    """Seconds to grade ``copies`` x (01, 02) with ``workers`` workers, and submissions graded."""
    submissions = folder / f"submitted-{workers}"
    for index in range(copies):
        for name in MEASURED:
            target = submissions / f"student{index:02d}" / name
            target.mkdir(parents=True)
            shutil.copyfile(REPO / "instructor" / f"{name}.ipynb", target / f"{name}.ipynb")
    start = time.perf_counter()
    outcomes = course.autograde(submissions, folder / f"grades-{workers}", 300, workers=workers)
    seconds = time.perf_counter() - start
    bad = [o for o in outcomes if not o.graded or o.points != o.max_points]
    if bad:
        raise SystemExit(f"not full marks: {bad}")
    return seconds, len(outcomes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=3, help="copies of 01 and 02 (default 3)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    rates = {}
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        for workers in args.workers:
            load = os.getloadavg()[0]
            seconds, count = run(args.copies, workers, Path(tmp))
            rates[workers] = count / seconds * 60
            print(
                f"{workers} worker(s): {count} submissions in {seconds:.0f} s = "
                f"{rates[workers]:.2f} submissions/min ({seconds / count:.1f} s each; "
                f"load average {load:.1f} at the start, {os.cpu_count()} cores)",
                flush=True,
            )
    one = min(args.workers)
    per_pair = 60 / rates[one] * len(MEASURED) * one  # worker-seconds for one 01 + one 02
    overhead = per_pair / sum(NBCONVERT_SECONDS[name] for name in MEASURED)
    most = max(args.workers)
    efficiency = rates[most] / (rates[one] * most / one)
    worker_seconds = STUDENTS * sum(NBCONVERT_SECONDS.values()) * overhead
    print(
        f"grading costs {overhead:.2f}x the notebooks' nbconvert time at {one} worker; "
        f"{most} workers reach {efficiency:.0%} of linear scaling here"
    )
    for machines in (1, MACHINES):
        hours = worker_seconds / (CORES * machines * efficiency) / 3600
        print(
            f"projected: {STUDENTS} students x {NOTEBOOKS} notebooks on {machines} x {CORES} "
            f"cores: {hours:.1f} h"
        )


if __name__ == "__main__":
    main()
