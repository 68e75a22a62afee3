"""Run a notebook's solution code in a test, so tests of public tests need no copy of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

NOTEBOOKS = Path(__file__).resolve().parents[1] / "instructor"


def solution_source(notebook: str, grade_id: str) -> str:
    """The source of the solution cell ``grade_id`` of ``instructor/<notebook>``."""
    cells = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return "".join(cell["source"])
    raise KeyError(f"{notebook} has no cell with grade_id {grade_id!r}")


def solution(
    notebook: str, grade_id: str, namespace: dict[str, Any], replace: tuple[str, str] | None = None
) -> Any:
    """Execute a solution cell in ``namespace`` and return the function it defines.

    ``replace=(old, new)`` edits the source first (to make a typical mistake); ``old`` must occur.
    """
    source = solution_source(notebook, grade_id)
    if replace is not None:
        old, new = replace
        if old not in source:
            raise ValueError(f"{old!r} is not in the solution {grade_id!r}")
        source = source.replace(old, new)
    scope = dict(namespace)
    exec(compile(source, f"{notebook}:{grade_id}", "exec"), scope)  # noqa: S102
    return scope[grade_id]
