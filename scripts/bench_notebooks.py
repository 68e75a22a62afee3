"""How long each notebook takes to run, as the tests run it: the evidence for the time budget.

Executes each notebook in a fresh kernel, offline and as nbval does (the stored notebook is not
changed), and prints its wall time and its slowest cells. It exits with status 1 when a
notebook goes over ``--budget`` seconds. Measure on an idle machine, since other jobs on the
same cores slow every cell::

    python scripts/bench_notebooks.py                  # every notebook, budget 120 s
    python scripts/bench_notebooks.py instructor/04_residual_networks.ipynb --budget 120
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def cell_seconds(cell) -> float:
    """Execution time of a code cell, from the timestamps nbclient records."""
    stamps = cell.metadata.get("execution", {})
    start, end = stamps.get("iopub.execute_input"), stamps.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    parse = datetime.fromisoformat
    return (parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))).total_seconds()


def run(path: Path) -> tuple[float, list[tuple[float, int]]]:
    """Wall time of one notebook and its (seconds, code cell index) list, slowest first."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    start = time.perf_counter()
    client.execute()
    wall = time.perf_counter() - start
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    return wall, sorted(((cell_seconds(c), i) for i, c in enumerate(code)), reverse=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook")
    parser.add_argument("--budget", type=float, default=120.0, help="seconds per notebook")
    args = parser.parse_args(argv)
    os.environ.setdefault("COURSE_OFFLINE", "1")
    os.environ.setdefault("PYTEST_CURRENT_TEST", "bench")  # native stderr as under nbval
    paths = args.notebooks or sorted((ROOT / "instructor").glob("[0-9][0-9]_*.ipynb"))
    over, total = [], 0.0
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} before the first run")
    for path in paths:
        wall, cells = run(path)
        total += wall
        slowest = ", ".join(f"cell {i} {s:.0f} s" for s, i in cells[:3])
        flag = "" if wall <= args.budget else f"  OVER the {args.budget:g} s budget"
        print(f"{path.name:<48} {wall:6.1f} s  (slowest: {slowest}){flag}", flush=True)
        if wall > args.budget:
            over.append(path.name)
    print(f"{len(paths)} notebooks in {total:.0f} s; load average now {os.getloadavg()[0]:.1f}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
