"""Autograde a folder of submissions: find them, grade them in parallel, keep the books.

- :func:`discover` turns every entry of the submissions folder into a job or a "not graded" result
  with its reason: nothing is skipped silently, and a bad folder never stops the run.
- :func:`run_jobs` grades the jobs: in this process (``workers=1``), on a local Dask cluster of
  ``workers`` processes, or on an existing Dask cluster (``scheduler="tcp://host:8786"``) whose
  workers run in a checkout of this repository (see the README). A worker that dies while grading
  loses nothing: Dask gives its submission to another worker. Each result is stored as it arrives.
- The books: ``results/<student>/<assignment>.json`` (one per submission, the source of truth;
  a result whose notebook, instructor notebook, grader code and timeout are unchanged is reused
  on a re-run), the graded notebooks and feedback pages, nbgrader's ``gradebook.db`` and the CSVs,
  all written by this process alone from the stored results.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

from grading import assignment as assignments
from grading import runner, sandbox

MAX_NOTEBOOK_BYTES = 100 * 2**20
IGNORED = {".ipynb_checkpoints", "timestamp.txt", "__pycache__", ".DS_Store"}


def _not_graded(student: str, folder: str, reason: str, flags: list[str] | None = None) -> dict:
    result = runner.Result(student, folder, status="not graded", reason=reason, flags=flags or [])
    return result.data()


def _strip_outputs(text: str) -> str:
    """The notebook without its stored outputs (they are re-made by grading); unchanged if it is
    not JSON (the worker reports that)."""
    try:
        nb = json.loads(text)
        for cell in nb.get("cells", []):
            if isinstance(cell, dict) and "outputs" in cell:
                cell["outputs"] = []
        return json.dumps(nb)
    except Exception:
        return text


def discover(folder: Path, timeout: int, unsafe: bool) -> tuple[list[dict], list[dict]]:
    """The jobs of ``folder/<student>/<assignment>/<assignment>.ipynb`` and the entries that
    cannot be graded (as "not graded" results with the reason).

    Student ids are folder names as they are: spaces, commas, unicode and leading dots included.
    In an assignment folder, ``<assignment>.ipynb`` is graded; failing that, the only notebook
    there (flagged). Other files are ignored and flagged.
    """
    jobs: list[dict] = []
    listed: list[dict] = []
    known = assignments.known()
    for student in sorted(folder.iterdir(), key=lambda p: p.name):
        name = student.name
        if not student.is_dir() or student.is_symlink():
            listed.append(_not_graded(name, "", "not a student folder (a file or a link)"))
            continue
        entries = sorted(student.iterdir(), key=lambda p: p.name)
        stray = [p.name for p in entries if not p.is_dir() and p.name not in IGNORED]
        folders = [p for p in entries if p.is_dir() and p.name not in IGNORED]
        if not folders:
            why = f"no assignment folder (files: {', '.join(stray)})" if stray else "empty folder"
            listed.append(_not_graded(name, "", why))
            continue
        if stray:
            listed.append(
                _not_graded(name, "", f"files outside an assignment folder: {', '.join(stray)}")
            )
        for work in folders:
            if work.is_symlink():
                listed.append(_not_graded(name, work.name, "a link, not a folder: not followed"))
                continue
            if work.name not in known:
                reason = (
                    f"unknown assignment folder {work.name!r}, expected one of: {', '.join(known)}"
                )
                listed.append(_not_graded(name, work.name, reason))
                continue
            job = _job(name, work, timeout, unsafe)
            (jobs if "notebook" in job else listed).append(job)
    return jobs, listed


def _job(student: str, work: Path, timeout: int, unsafe: bool) -> dict:
    assignment = work.name
    flags: list[str] = []
    expected = work / f"{assignment}.ipynb"
    notebooks = sorted(p for p in work.glob("*.ipynb") if p.is_file())
    if expected.is_file():
        path = expected
    elif len(notebooks) == 1:
        path = notebooks[0]
        flags.append(f"graded {path.name} (expected {assignment}.ipynb)")
    else:
        found = ", ".join(p.name for p in notebooks) or "none"
        return _not_graded(
            student, assignment, f"no {assignment}.ipynb in the folder (notebooks: {found})"
        )
    extra = sorted(
        str(p.relative_to(work))
        for p in work.rglob("*")
        if p.is_file()
        and p != path
        and not any(part in IGNORED for part in p.relative_to(work).parts)
    )
    if extra:
        flags.append(f"extra files ignored: {', '.join(extra)}")
    if path.is_symlink():  # it could point at an instructor notebook
        return _not_graded(student, assignment, f"{path.name} is a link: not followed", flags)
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        return _not_graded(
            student,
            assignment,
            f"{path.name} is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB",
            flags,
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return _not_graded(
            student, assignment, f"{path.name} is unreadable ({type(error).__name__})", flags
        )
    stamp = work / "timestamp.txt"
    timestamp = stamp.read_text(errors="replace").strip()[:100] if stamp.is_file() else ""
    text = _strip_outputs(text)
    if unsafe and sandbox.available() is not None:
        flags.append("graded WITHOUT a sandbox (--unsafe)")
    return {
        "student": student,
        "assignment": assignment,
        "notebook": text,
        "timeout": timeout,
        "unsafe": unsafe,
        "timestamp": timestamp,
        "flags": flags,
        "key": runner.submission_key(text, assignment, timeout, unsafe),
    }


# --- the results store -------------------------------------------------------------------------


def result_path(root: Path, student: str, folder: str) -> Path:
    return root / "results" / student / f"{folder or '(student folder)'}.json"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def store(root: Path, reply: dict) -> dict:
    """Store one result (and its graded notebook and feedback); return the result."""
    result = reply["result"]
    student, assignment = result["student"], result["assignment"]
    graded = root / "autograded" / student / assignment / f"{assignment}.ipynb"
    feedback = root / "feedback" / student / assignment / f"{assignment}.html"
    if reply.get("notebook") is not None:
        _write(graded, reply["notebook"])
        _write(feedback, reply["html"])
    else:
        for path in (graded, feedback):
            path.unlink(missing_ok=True)
    _write(result_path(root, student, assignment), json.dumps(result, indent=1))
    return result


def stored(root: Path) -> list[dict]:
    """Every stored result, of this run and earlier ones."""
    results = []
    for path in sorted((root / "results").glob("*/*.json")):
        try:
            results.append(json.loads(path.read_text()))
        except (OSError, ValueError):
            continue
    return results


# --- running the jobs --------------------------------------------------------------------------


class Progress:
    """One line per finished submission on stderr, with the rate and the time left."""

    def __init__(self, total: int, report: Callable[[dict], None] | None) -> None:
        self.total, self.done, self.start, self.report = total, 0, time.monotonic(), report

    def __call__(self, result: dict, cached: bool = False) -> None:
        self.done += 1
        elapsed = time.monotonic() - self.start
        rate = self.done / elapsed * 60 if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate else 0.0
        if result["status"] == "graded":
            points = sum(t["points"] for t in result["tests"])
            top = sum(t["max_points"] for t in result["tests"])
            what = f"{points:g}/{top:g}"
        else:
            what = "not graded"
        print(
            f"  [{self.done}/{self.total}] {result['student']} / {result['assignment']}: {what}"
            f"{' (unchanged, kept)' if cached else ''} — {rate:.1f}/min, about {left:.0f} min left",
            file=sys.stderr,
            flush=True,
        )
        if self.report is not None:
            self.report(result)


def run_jobs(
    jobs: list[dict],
    store_reply: Callable[[dict], dict],
    progress: Progress,
    workers: int,
    scheduler: str | None,
) -> None:
    """Grade ``jobs`` (see the module doc); ``store_reply`` is called as each one finishes."""
    if not jobs:
        return
    if scheduler is None and workers <= 1:
        for job in jobs:
            progress(store_reply(_safely(job)))
        return
    from dask.distributed import Client, LocalCluster, as_completed

    if scheduler is None:
        cluster = LocalCluster(
            n_workers=min(workers, len(jobs)),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    else:  # workers on other machines: their checkout must be this one
        cluster, client = None, Client(scheduler)
        for job in jobs:
            job["checkout"] = runner.checkout(job["assignment"])
    try:
        futures = {
            client.submit(_safely, job, key=f"grade-{job['key'][:16]}-{index}", pure=False): job
            for index, job in enumerate(jobs)
        }
        for future in as_completed(futures):
            job = futures[future]
            try:
                reply = future.result()
            except Exception as error:  # the task could not run at all (e.g. killed too often)
                reply = {
                    "result": _not_graded(
                        job["student"], job["assignment"], f"grader error: {error}"[:300]
                    )
                }
            progress(store_reply(reply))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _safely(job: dict) -> dict:
    """:func:`runner.grade_submission`, with any grader failure turned into a "not graded"."""
    try:
        return runner.grade_submission(job)
    except sandbox.SandboxUnavailable as error:
        reason = f"no sandbox on the worker {os.uname().nodename}: {error}"
    except Exception as error:
        reason = f"grader error: {type(error).__name__}: {error}"
    result = _not_graded(job["student"], job["assignment"], reason[:500], job.get("flags"))
    result["key"] = ""  # never reused: graded again next time
    return {"result": result}


# --- the gradebook and the CSVs ----------------------------------------------------------------


def sync_gradebook(root: Path, results: Iterable[dict]) -> None:
    """nbgrader's gradebook: each graded submission with its scores; a submission that is not
    graded now is removed (its old grade would look current)."""
    from nbgrader.api import Gradebook, MissingEntry

    warnings.filterwarnings("ignore", message="Object of type <.*> not in session")
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        names = {a.name for a in gradebook.assignments}
        for result in results:
            student, assignment = result["student"], result["assignment"]
            if assignment not in names:
                continue
            if result["status"] != "graded":
                try:
                    gradebook.remove_submission(assignment, student)
                except MissingEntry:
                    pass
                continue
            gradebook.update_or_create_student(student)
            gradebook.update_or_create_submission(assignment, student)
            for test in result["tests"]:
                grade = gradebook.find_grade(test["grade_id"], assignment, assignment, student)
                grade.auto_score = test["points"]
            gradebook.db.commit()


def write_csvs(root: Path, results: list[dict]) -> None:
    """``scores.csv`` (a row per test) and ``grades.csv`` (a row per submission or folder).

    ``status`` tells "graded" from "not graded" (points left empty, ``reason`` says why), so a
    submission that could not be graded never reads as a 0.
    """
    order = {name: i for i, name in enumerate(assignments.known())}
    results = sorted(
        results, key=lambda r: (r["student"], order.get(r["assignment"], 99), r["assignment"])
    )
    with (root / "scores.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(
            [
                "student",
                "assignment",
                "notebook",
                "grade_id",
                "points",
                "max_points",
                "status",
                "judged",
                "reason",
            ]
        )
        for result in results:
            student, name = result["student"], result["assignment"]
            if result["status"] == "graded":
                for test in result["tests"]:
                    writer.writerow(
                        [
                            student,
                            name,
                            name,
                            test["grade_id"],
                            f"{test['points']:g}",
                            f"{test['max_points']:g}",
                            "graded",
                            test["judged"],
                            test["error"],
                        ]
                    )
            elif name in order:
                for test in assignments.load(name).tests.values():
                    writer.writerow(
                        [
                            student,
                            name,
                            name,
                            test.name,
                            "",
                            f"{test.points:g}",
                            "not graded",
                            "",
                            result["reason"],
                        ]
                    )
            else:
                writer.writerow([student, name, "", "", "", "", "not graded", "", result["reason"]])
    with (root / "grades.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(
            [
                "assignment",
                "student_id",
                "timestamp",
                "score",
                "max_score",
                "status",
                "reason",
                "flags",
            ]
        )
        for result in results:
            name = result["assignment"]
            top = assignments.load(name).max_points if name in order else ""
            score = (
                sum(t["points"] for t in result["tests"]) if result["status"] == "graded" else ""
            )
            writer.writerow(
                [
                    name,
                    result["student"],
                    result.get("timestamp", ""),
                    f"{score:g}" if score != "" else "",
                    f"{top:g}" if top != "" else "",
                    result["status"],
                    result["reason"],
                    "; ".join(result["flags"]),
                ]
            )


def autograde(
    submissions: Path,
    root: Path,
    timeout: int,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    unsafe: bool = False,
    regrade: bool = False,
    report: Callable[[dict], None] | None = None,
    prepare: Callable[[Path, list[str]], None] | None = None,
) -> list[dict]:
    """Grade every submission of ``submissions`` into ``root`` (see the module doc); return this
    run's results (graded or not, each with its reason and flags), in submission order."""
    jobs, listed = discover(submissions, timeout, unsafe)
    if prepare is not None:
        prepare(root, sorted({job["assignment"] for job in jobs}))
    results: dict[tuple[str, str], dict] = {}
    progress = Progress(len(jobs) + len(listed), report)
    for result in listed:
        store(root, {"result": result})
        results[result["student"], result["assignment"]] = result
        progress(result)
    todo = []
    for job in jobs:
        path = result_path(root, job["student"], job["assignment"])
        if not regrade and path.is_file():
            try:
                old = json.loads(path.read_text())
            except ValueError:
                old = {}
            if old.get("key") == job["key"] and old.get("status") == "graded":
                results[job["student"], job["assignment"]] = old
                progress(old, cached=True)
                continue
        todo.append(job)

    def keep(reply: dict) -> dict:
        result = store(root, reply)
        results[result["student"], result["assignment"]] = result
        return result

    run_jobs(todo, keep, progress, workers, scheduler)
    everything = stored(root)
    sync_gradebook(root, everything)
    write_csvs(root, everything)
    return sorted(results.values(), key=lambda r: (r["student"], r["assignment"]))
