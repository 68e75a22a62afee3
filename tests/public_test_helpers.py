"""Helpers for the tests of the public tests (utils/public_tests).

A public test either prints ``All tests passed`` or raises an AssertionError whose message explains
the mistake; these helpers run one on a learner-like implementation and check which happened.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

PASSED = "All tests passed\n"


def not_implemented(*args: Any, **kwargs: Any) -> Any:
    """The learner's untouched stub: raises NotImplementedError, whatever the arguments."""
    raise NotImplementedError()


def returns_none(*args: Any, **kwargs: Any) -> None:
    """A learner's function that forgot its ``return``."""
    return None


def failure(public_test: Callable[..., Any], *args: Any) -> str:
    """The message of the AssertionError that ``public_test(*args)`` must raise."""
    with pytest.raises(AssertionError) as info:
        public_test(*args)
    return str(info.value)


def assert_mentions(message: str, *fragments: str) -> None:
    """Every fragment occurs in ``message`` (the first one missing is named, with the message)."""
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"


def failure_mentioning(public_test: Callable[..., Any], target: Any, *fragments: str) -> str:
    """The message of ``public_test(target)``, which must fail and mention every fragment."""
    message = failure(public_test, target)
    assert_mentions(message, *fragments)
    return message


def assert_passes(
    capsys: pytest.CaptureFixture[str],
    public_test: Callable[..., Any],
    *args: Any,
    prints_first: bool = False,
) -> None:
    """``public_test(*args)`` passes: its output is exactly ``All tests passed``.

    With ``prints_first``, the function under test may print before that line (the verdict must
    still end the output).
    """
    public_test(*args)
    out = capsys.readouterr().out
    if prints_first:
        assert out.endswith(PASSED), out
    else:
        assert out == PASSED, out
