"""utils.checks: each check returns what it accepted, or names the argument, the expectation and
what was given."""

from __future__ import annotations

import math

import numpy as np
import pytest

from utils.checks import require_int, require_positive_number


@pytest.mark.parametrize("value", [0, 3, np.int64(7)])
def test_require_int_accepts_python_and_numpy_ints(value):
    assert require_int(value, "size", minimum=0) == value
    assert type(require_int(value, "size")) is int


def test_require_int_accepts_its_bounds():
    assert require_int(1, "k", minimum=1, maximum=5) == 1
    assert require_int(np.uint8(5), "k", minimum=1, maximum=5) == 5


@pytest.mark.parametrize(
    ("value", "minimum", "maximum", "message"),
    [
        (True, None, None, "size: expected an int, got True"),
        (np.bool_(True), None, None, "size: expected an int, got np.True_"),
        (2.0, 1, None, "size: expected an int >= 1, got 2.0"),
        ("3", None, None, "size: expected an int, got '3'"),
        (0, 1, None, "size: expected an int >= 1, got 0"),
        (6, 1, 5, "size: expected an int in [1, 5], got 6"),
        (0, 1, 5, "size: expected an int in [1, 5], got 0"),
        (6, None, 5, "size: expected an int <= 5, got 6"),
    ],
)
def test_require_int_names_the_argument_and_the_expectation(value, minimum, maximum, message):
    with pytest.raises(ValueError) as info:
        require_int(value, "size", minimum=minimum, maximum=maximum)
    assert str(info.value) == message


@pytest.mark.parametrize("value", [1, 0.5, np.float32(2.0), math.inf])
def test_require_positive_number_accepts_positive_numbers(value):
    assert require_positive_number(value, "timeout") is None


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0, "0"), (-1.5, "-1.5"), (math.nan, "nan"), (True, "True"), ("3", "'3'"), (None, "None")],
)
def test_require_positive_number_names_the_argument_and_the_expectation(value, shown):
    with pytest.raises(ValueError) as info:
        require_positive_number(value, "timeout (seconds)")
    assert str(info.value) == f"timeout (seconds): expected a positive number, got {shown}"
