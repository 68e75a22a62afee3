"""A pytest plugin on nbval: a cell that declares ``# tolerance: ...`` compares numbers within it.

nbval compares every stored output exactly (after the sanitizers of ``tests/sanitize.cfg``). That
is right for exact outputs (shapes, counts, graded checks) and wrong for training outputs, whose
last digits depend on the CPU's float rounding. This plugin changes nothing for other cells. For a
cell whose source has a ``# tolerance:`` line (grammar in ``tests/tolerance.py``), it replaces the
nbval item's comparison with one that

1. compares the outputs with every number masked, with nbval's own ``compare_outputs`` (so output
   kinds, counts and all text between the numbers stay exact), then
2. compares the numbers pairwise within the declared tolerance.

It hooks in through pytest's documented ``pytest_collection_modifyitems`` and nbval's public item
class, rather than a fork of nbval, so nbval stays the runner and its options all still apply.
"""

from __future__ import annotations

import copy
import functools

import pytest
from nbval.plugin import IPyNbCell

from tests.tolerance import PLACEHOLDER, Tolerance, ToleranceError, declared, split_numbers

SKIPPED_KEYS = ("image/png", "image/jpeg", "image/svg+xml", "application/json")


def pytest_collection_modifyitems(session, config, items):
    for item in items:
        if not isinstance(item, IPyNbCell):
            continue
        try:
            tolerance = declared(item.cell.source)
        except ToleranceError as err:
            raise pytest.UsageError(f"{item.nodeid}: {err}") from None
        if tolerance is not None:
            item.tolerance = tolerance
            item.compare_outputs = functools.partial(compare_within, item, tolerance)


def _masked(item: IPyNbCell, outputs: list) -> tuple[list, dict[str, list]]:
    """Outputs with numbers replaced by placeholders, and the numbers grouped by output key."""
    masked, numbers = [], {}

    def mask(key: str, value):
        if not isinstance(value, str) or key in SKIPPED_KEYS:
            return value
        skeleton, found = split_numbers(item.sanitize(value))
        numbers.setdefault(key, []).extend(found)
        return skeleton

    for output in outputs:
        out = copy.deepcopy(output)
        if "text" in out:
            out["text"] = mask(out.get("name", "text"), out["text"])
        for key in list(out.get("data", {})):
            out["data"][key] = mask(key, out["data"][key])
        masked.append(out)
    return masked, numbers


def compare_within(item: IPyNbCell, tolerance: Tolerance, test, ref, skip_compare=None) -> bool:
    """nbval's comparison with the numbers of text outputs compared within ``tolerance``."""
    masked_test, got = _masked(item, test)
    masked_ref, stored = _masked(item, ref)
    if not IPyNbCell.compare_outputs(item, masked_test, masked_ref, skip_compare):
        # The text around the numbers differs: let nbval report the real outputs.
        item.comparison_traceback = []
        IPyNbCell.compare_outputs(item, test, ref, skip_compare)
        item.comparison_traceback.insert(
            0, f"(numbers masked as {PLACEHOLDER}, the rest of the output differs)"
        )
        return False
    item.comparison_traceback = []
    for key, stored_numbers in stored.items():
        for index, ((s, percent, s_text), (g, _, g_text)) in enumerate(
            zip(stored_numbers, got.get(key, []), strict=True)
        ):
            if not tolerance.allows(s, g, percent):
                item.comparison_traceback.append(
                    f"{key}: number {index + 1} printed {g_text.strip()}, stored "
                    f"{s_text.strip()}: outside the cell's declared tolerance ({tolerance})"
                )
    return not item.comparison_traceback
