"""Tolerances that notebook cells declare for the numbers they print, and the comparison they allow.

A cell whose printed numbers come from training or optimisation declares how far they may move on
another machine with one comment line::

    # tolerance: ±1.5 points, ±10%

Items, separated by commas:

- ``±N points``: a number printed with a percent sign (``97.6%``) may differ by N percentage
  points;
- ``±N%``: any other number may differ by N percent of the stored value;
- ``±N``: any other number may differ by N (absolute). With both ``±N%`` and ``±N``, a number
  passes when it is within either.

A kind of number the line does not name stays exact, and so does all text between the numbers
(runs of spaces excepted, so that a column of padded numbers may realign). Cells without the line
are compared exactly, as nbval does.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

MARKER = re.compile(r"^\s*#\s*tolerance:\s*(?P<items>.+?)\s*$", re.M)
ITEM = re.compile(r"^±\s*(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>points|%)?$")
NUMBER = re.compile(
    r"(?<![\w.])[-+−]?(?:\d+(?:,\d{3})*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?P<pct>\s?%)?"
)
PLACEHOLDER = "\N{SECTION SIGN}"


class ToleranceError(ValueError):
    """A ``# tolerance:`` line that does not follow the grammar above."""


@dataclass(frozen=True)
class Tolerance:
    """How far printed numbers may move: ``points`` for percentages, ``rel``/``abs`` for others.

    ``None`` means that kind of number must match exactly.
    """

    points: float | None = None
    rel: float | None = None  # a fraction: ±10% is 0.1
    abs: float | None = None

    def __str__(self) -> str:
        parts = []
        if self.points is not None:
            parts.append(f"±{self.points:g} points")
        if self.rel is not None:
            parts.append(f"±{self.rel * 100:g}%")
        if self.abs is not None:
            parts.append(f"±{self.abs:g}")
        return ", ".join(parts)

    def allows(self, stored: float, got: float, percent: bool) -> bool:
        """Whether ``got`` may stand for ``stored`` (a percentage when ``percent``)."""
        if stored == got:
            return True
        if not (math.isfinite(stored) and math.isfinite(got)):
            return False
        diff = abs(got - stored)
        if percent:
            return self.points is not None and diff <= self.points + 1e-9
        by_rel = self.rel is not None and diff <= self.rel * abs(stored) + 1e-12
        by_abs = self.abs is not None and diff <= self.abs + 1e-12
        return by_rel or by_abs


def declared(source: str) -> Tolerance | None:
    """The tolerance a cell's source declares, or None when it declares none.

    Raises:
        ToleranceError: the line is malformed, repeated, or names one kind twice.
    """
    lines = MARKER.findall(source)
    if not lines:
        return None
    if len(lines) > 1:
        raise ToleranceError(f"one '# tolerance:' line per cell, found {len(lines)}")
    found: dict[str, float] = {}
    for raw in lines[0].split(","):
        item = raw.strip()
        match = ITEM.match(item)
        if not match:
            raise ToleranceError(
                f"'# tolerance:' item {item!r} is not one of '±N points', '±N%', '±N'"
            )
        value = float(match["value"])
        kind = {"points": "points", "%": "rel", None: "abs"}[match["unit"]]
        if kind in found:
            raise ToleranceError(f"'# tolerance:' names {kind!r} twice in {lines[0]!r}")
        found[kind] = value / 100 if kind == "rel" else value
    return Tolerance(**found)


def split_numbers(text: str) -> tuple[str, list[tuple[float, bool, str]]]:
    """``text`` with every number replaced by a placeholder, and the numbers in order.

    Each number is ``(value, printed_with_percent_sign, as_printed)``. Spaces are collapsed so
    that padded columns compare equal.
    """
    numbers: list[tuple[float, bool, str]] = []

    def take(match: re.Match) -> str:
        token = match.group(0)
        digits = token.removesuffix("%").strip().replace("−", "-").replace(",", "")
        numbers.append((float(digits), match["pct"] is not None, token))
        return PLACEHOLDER + ("%" if match["pct"] else "")

    skeleton = NUMBER.sub(take, text)
    return re.sub(r"[ \t]+", " ", skeleton), numbers


def compare_text(stored: str, got: str, tolerance: Tolerance) -> str | None:
    """None when ``got`` matches ``stored`` within ``tolerance``, else the first difference."""
    stored_skeleton, stored_numbers = split_numbers(stored)
    got_skeleton, got_numbers = split_numbers(got)
    if stored_skeleton != got_skeleton or len(stored_numbers) != len(got_numbers):
        return "the text around the numbers differs"
    for index, ((s, percent, s_text), (g, _, g_text)) in enumerate(
        zip(stored_numbers, got_numbers, strict=True)
    ):
        if not tolerance.allows(s, g, percent):
            return (
                f"number {index + 1} is {g_text.strip()}, stored {s_text.strip()}: "
                f"outside the cell's tolerance ({tolerance})"
            )
    return None
