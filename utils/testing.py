"""Building blocks of the public tests: precise diagnostics, then ``All tests passed``.

A public test creates a :class:`Checker`, calls the learner's function through
:meth:`Checker.call`, records checks (shape, dtype, values, ...) and ends with
:meth:`Checker.done`, which prints ``All tests passed`` only when every check held and otherwise
raises an ``AssertionError`` that lists each failed check: what was checked, expected vs got, and a
hint tied to the formula.

:func:`summary` and :func:`comparator` check a Keras 3 model layer by layer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


class Checker:
    """Collects the checks of one public test and reports them together.

    Args:
        name: the name of the function under test, used in every message.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.failures: list[str] = []

    def call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call the learner's ``function``; an unimplemented stub becomes a clear failure."""
        try:
            return function(*args, **kwargs)
        except NotImplementedError:
            raise AssertionError(
                f"{self.name} is not implemented yet: replace `raise NotImplementedError()` "
                "with your code."
            ) from None

    def fail(self, message: str) -> bool:
        """Record a failed check; returns False so checks can be chained with ``and``."""
        self.failures.append(message)
        return False

    def true(self, condition: bool, message: str) -> bool:
        """Record ``message`` as a failure unless ``condition`` holds."""
        return bool(condition) or self.fail(message)

    def equal(self, what: str, got: Any, expected: Any, hint: str = "") -> bool:
        """Exact equality of plain values (ints, tuples, strings)."""
        if got == expected:
            return True
        return self.fail(f"{what}: got {got!r} but {expected!r} was expected{_hint(hint)}")

    def array(self, what: str, got: Any, expected_shape: tuple[int, ...]) -> bool:
        """``got`` is an array-like (not None) of ``expected_shape``."""
        if got is None:
            return self.fail(f"{what} is None: did {self.name} forget to `return` it?")
        shape = np.shape(got)
        if shape != tuple(expected_shape):
            return self.fail(
                f"{self.name} returned {what} of shape {shape} but {tuple(expected_shape)} was "
                "expected"
            )
        return True

    def shape(self, what: str, got: Any, expected_shape: tuple[int, ...], hint: str = "") -> bool:
        """Like :meth:`array`, with a hint (the formula the shape comes from) on a mismatch."""
        ok = self.array(what, got, expected_shape)
        if not ok and hint:
            self.failures[-1] += _hint(hint)
        return ok

    def close(
        self,
        what: str,
        got: Any,
        expected: Any,
        *,
        atol: float = 1e-6,
        rtol: float = 1e-5,
        hint: str = "",
    ) -> bool:
        """``got`` has ``expected``'s shape and values within ``atol + rtol·|expected|``.

        On a mismatch the message gives the number of wrong entries and the worst one: its index,
        the value got and the value expected.
        """
        expected = np.asarray(expected)
        if not self.shape(what, got, expected.shape, hint):
            return False
        got = np.asarray(got, dtype=np.float64)
        if not np.all(np.isfinite(got)):
            return self.fail(f"{what} contains NaN or inf{_hint(hint)}")
        error = np.abs(got - expected)
        bad = error > atol + rtol * np.abs(expected)
        if not bad.any():
            return True
        worst = np.unravel_index(np.argmax(np.where(bad, error, -1.0)), expected.shape)
        at = f" at index {tuple(int(i) for i in worst)}" if expected.ndim else ""
        return self.fail(
            f"{what}: {int(bad.sum())} of {bad.size} values are wrong; the largest error is"
            f"{at}: got {got[worst]:.6g}, expected {expected[worst]:.6g}{_hint(hint)}"
        )

    def unchanged(self, what: str, before: np.ndarray, after: np.ndarray) -> bool:
        """The learner's function did not modify its input ``what`` in place."""
        numeric = np.issubdtype(np.asarray(before).dtype, np.number)
        if np.array_equal(before, after, equal_nan=numeric):
            return True
        return self.fail(f"{self.name} modified its input {what} in place; work on a copy")

    def done(self) -> None:
        """Print ``All tests passed`` or raise an AssertionError listing every failed check."""
        if self.failures:
            lines = "\n".join(f"  - {failure}" for failure in self.failures)
            raise AssertionError(f"{self.name}: {len(self.failures)} check(s) failed:\n{lines}")
        print("All tests passed")


def _hint(hint: str) -> str:
    return f" (hint: {hint})" if hint else ""


def summary(model: Any) -> list[list[Any]]:
    """Describe a Keras 3 model layer by layer, for architecture checks.

    Each row is ``[class name, output shape, number of parameters, *config]`` where the config
    entries are those the layer has, in this order: filters, units, kernel size, pool size,
    strides, padding, rate, activation.

    Args:
        model: a built ``keras.Model`` (Sequential or Functional).

    Returns:
        One list per layer, in ``model.layers`` order (the input layer included).
    """
    import keras

    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a keras.Model, got {type(model).__name__}")
    if not model.built:
        raise ValueError("model must be built (call it on an input or give it an Input layer)")
    rows = []
    for layer in model.layers:
        out = layer.output
        shape = tuple(out.shape) if hasattr(out, "shape") else [tuple(o.shape) for o in out]
        row = [type(layer).__name__, shape, layer.count_params()]
        config = layer.get_config()
        for key in ("filters", "units", "kernel_size", "pool_size", "strides", "padding", "rate"):
            if key in config:
                value = config[key]
                row.append(tuple(value) if isinstance(value, list) else value)
        if "activation" in config:
            row.append(config["activation"])
        rows.append(row)
    return rows


def compare_summaries(learner: list[list[Any]], expected: list[list[Any]]) -> list[str]:
    """The differences between two :func:`summary` outputs (empty when they agree).

    Names the number of layers when it differs, and the first differing layer with both rows.
    """
    problems = []
    if len(learner) != len(expected):
        problems.append(f"it has {len(learner)} layers but {len(expected)} were expected")
    for index, (got, want) in enumerate(zip(learner, expected, strict=False)):
        if got != want:
            problems.append(f"layer {index} is {got} but {want} was expected")
            break
    return problems


def comparator(learner: list[list[Any]], expected: list[list[Any]]) -> None:
    """Compare two :func:`summary` outputs; print ``All tests passed`` or say where they differ.

    Raises:
        AssertionError: listing :func:`compare_summaries`'s differences.
    """
    check = Checker("the model")
    for problem in compare_summaries(learner, expected):
        check.fail(problem)
    check.done()
