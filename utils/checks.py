"""Argument checks of the public functions: each raises a ``ValueError`` that names the argument,
says what was expected and shows what was given.

Light on purpose (the standard library only): :mod:`utils.notebook`, imported first in every
notebook, uses it before TensorFlow loads.
"""

from __future__ import annotations

import numbers
from typing import Any


def require_int(
    value: Any, name: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """``value`` is an integer (a Python or NumPy int, not a bool) in [``minimum``, ``maximum``]
    (each bound only if given).

    Args:
        name: the argument as the message names it; may carry context, e.g.
            ``"show_images(ncols)"``.

    Returns:
        ``value`` as a Python int.

    Raises:
        ValueError: e.g. ``"size: expected an int >= 8, got 4"`` or
            ``"seed: expected an int in [0, 4294967295], got -1"``.
    """
    if minimum is not None and maximum is not None:
        expected = f"an int in [{minimum}, {maximum}]"
    elif minimum is not None:
        expected = f"an int >= {minimum}"
    elif maximum is not None:
        expected = f"an int <= {maximum}"
    else:
        expected = "an int"
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or (minimum is not None and value < minimum)
        or (maximum is not None and value > maximum)
    ):
        raise ValueError(f"{name}: expected {expected}, got {value!r}")
    return int(value)


def require_positive_number(value: Any, name: str) -> None:
    """``value`` is a real number (int or float, not a bool) greater than 0 (NaN is not).

    Raises:
        ValueError: e.g. ``"timeout (seconds): expected a positive number, got 0"``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{name}: expected a positive number, got {value!r}")
