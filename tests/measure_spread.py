"""How far a notebook's printed numbers move between runs: the evidence behind each tolerance.

Compares executed copies of a notebook (other CPUs, thread counts, ``TF_ENABLE_ONEDNN_OPTS=0``,
Colab's package versions, ...) with the stored outputs, cell by cell, and prints for every cell
whose printed numbers differ: the largest difference of a percentage (in points), the largest
relative and absolute difference of any other number, and the tolerance the cell declares::

    python -m tests.measure_spread instructor/04_residual_networks.ipynb runs/*/04_*.ipynb

Cells whose text (numbers masked) differs are reported as such: no tolerance can cover them.
"""

from __future__ import annotations

import argparse
import configparser
import re
import sys
from pathlib import Path

import nbformat

from tests.tolerance import declared, split_numbers

SANITIZE = Path(__file__).with_name("sanitize.cfg")


def sanitizers() -> list[tuple[re.Pattern, str]]:
    """The (regex, replacement) pairs of tests/sanitize.cfg, as nbval applies them."""
    config = configparser.ConfigParser()
    config.read(SANITIZE, encoding="utf-8")
    return [(re.compile(config[s]["regex"]), config[s]["replace"]) for s in config.sections()]


def cell_text(cell) -> str:
    """The sanitized text outputs of a code cell, joined (images and other MIME types left out)."""
    parts = []
    for output in cell.get("outputs", []):
        if "text" in output:
            parts.append(output["text"])
        elif "text/plain" in output.get("data", {}):
            parts.append(output["data"]["text/plain"])
    text = "".join(parts)
    for regex, replacement in sanitizers():
        text = regex.sub(replacement, text)
    return text


def spread(stored: str, runs: list[str]) -> dict | None:
    """The largest differences of ``runs`` from ``stored``; None when all equal ``stored``."""
    skeleton, numbers = split_numbers(stored)
    worst = {"points": 0.0, "rel": 0.0, "abs": 0.0, "text_differs": False}
    changed = False
    for run in runs:
        if run == stored:
            continue
        changed = True
        run_skeleton, run_numbers = split_numbers(run)
        if run_skeleton != skeleton or len(run_numbers) != len(numbers):
            worst["text_differs"] = True
            continue
        for (s, percent, _), (g, _, _) in zip(numbers, run_numbers, strict=True):
            diff = abs(g - s)
            if percent:
                worst["points"] = max(worst["points"], diff)
            else:
                worst["abs"] = max(worst["abs"], diff)
                if s:
                    worst["rel"] = max(worst["rel"], diff / abs(s))
    return worst if changed else None


def report(stored_path: Path, run_paths: list[Path]) -> list[str]:
    """One line per code cell whose printed numbers differ in any of the runs."""
    stored = nbformat.read(stored_path, as_version=4)
    runs = [nbformat.read(path, as_version=4) for path in run_paths]
    lines = []
    code = [i for i, cell in enumerate(stored.cells) if cell.cell_type == "code"]
    for number, index in enumerate(code):
        cell = stored.cells[index]
        worst = spread(cell_text(cell), [cell_text(run.cells[index]) for run in runs])
        if worst is None:
            continue
        declaration = declared(cell.source)
        what = (
            "text differs"
            if worst["text_differs"]
            else f"±{worst['points']:.2f} points, ±{worst['rel'] * 100:.2f}%, ±{worst['abs']:.4g}"
        )
        lines.append(
            f"{stored_path.name} cell {number}: {what}  [declared: {declaration or 'exact'}]"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stored", type=Path, help="the notebook with its stored outputs")
    parser.add_argument("runs", type=Path, nargs="+", help="executed copies of it")
    args = parser.parse_args(argv)
    for line in report(args.stored, args.runs):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
