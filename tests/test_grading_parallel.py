"""Grading on a Dask cluster: a worker killed in the middle of a submission loses nothing."""

from __future__ import annotations

import csv
import os
import signal
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from grading import assignment, course, sandbox

ROOT = Path(__file__).resolve().parents[1]
QUICK = "02_padding_and_strides"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        sandbox.available() is not None, reason=f"no sandbox: {sandbox.available()}"
    ),
]


def test_a_worker_killed_mid_submission_loses_nothing(tmp_path):
    from dask.distributed import Client, LocalCluster

    nb = nbformat.read(assignment.NOTEBOOKS / f"{QUICK}.ipynb", 4)
    setup = [c for c in nb.cells if c.cell_type == "code"][:2]  # the setup and imports cells
    nb.cells = [*setup, nbformat.v4.new_code_cell("import time\ntime.sleep(5)")] + [
        c for c in nb.cells if "nbgrader" in c.metadata
    ]
    folder = tmp_path / "submitted" / "ann" / QUICK
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{QUICK}.ipynb")
    out = tmp_path / "grades"

    cluster = LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    client = Client(cluster)
    outcomes = []
    try:
        grading = threading.Thread(
            target=lambda: outcomes.extend(
                course.autograde(
                    tmp_path / "submitted", out, 60, scheduler=cluster.scheduler_address
                )
            )
        )
        grading.start()
        (pid,) = client.run(os.getpid).values()
        deadline = time.monotonic() + 240
        sandboxes = []
        while not sandboxes and time.monotonic() < deadline:  # the kernel runs: kill the worker
            sandboxes = [
                p for p in psutil.Process(pid).children(recursive=True) if "bwrap" in p.name()
            ]
            time.sleep(0.5)
        assert sandboxes, "the worker never started a sandbox"
        time.sleep(2)
        os.kill(pid, signal.SIGKILL)
        grading.join(timeout=300)
        assert not grading.is_alive()
    finally:
        client.close()
        cluster.close()
    time.sleep(1)
    assert not any(
        p.is_running() and p.status() != "zombie" for p in sandboxes if psutil.pid_exists(p.pid)
    ), "the killed worker's sandbox outlived it"
    (outcome,) = outcomes
    assert outcome.graded and outcome.points == outcome.max_points == 12, outcome
    with (out / "scores.csv").open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 8 and {row["points"] for row in rows} != {""}
