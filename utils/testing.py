"""Building blocks of the public tests: precise diagnostics, then ``All tests passed``.

A public test creates a :class:`Checker`, calls the learner's function through
:meth:`Checker.call` (or :meth:`Checker.call_or_raise` / :meth:`Checker.call_or_fail`, which also
explain a crash), records checks (shape, dtype, values, ...) and ends with :meth:`Checker.done`,
which prints ``All tests passed`` only when every check held and otherwise raises an
``AssertionError`` that lists each failed check: what was checked, expected vs got, and a hint tied
to the formula.

:func:`summary` and :func:`compare_summaries` check a Keras 3 model layer by layer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np

BN_EPSILON = 1e-3  # keras.layers.BatchNormalization's default epsilon


def hint_suffix(hint: str) -> str:
    """`` (hint: …)`` to end a failure message with, or ``""`` when there is no hint."""
    return f" (hint: {hint})" if hint else ""


def require_callable(target: Any, name: str) -> None:
    """A public test ``<name>_test(target)`` was handed the function ``name`` itself.

    Raises:
        TypeError: when ``target`` is not callable (e.g. the result of calling the function).
    """
    if not callable(target):
        raise TypeError(
            f"{name}_test(target): expected the function {name} itself, got {type(target).__name__}"
        )


class Checker:
    """Collects the checks of one public test and reports them together.

    Args:
        name: the name of the function under test, used in every message.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.failures: list[str] = []

    def call(self, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Call the learner's ``function``; an unimplemented stub becomes a clear failure.

        Any other exception goes through unchanged.
        """
        try:
            return function(*args, **kwargs)
        except NotImplementedError:
            raise AssertionError(
                f"{self.name} is not implemented yet: replace `raise NotImplementedError()` "
                "with your code."
            ) from None

    def call_or_raise(
        self,
        explain: Callable[[Exception], str],
        function: Callable[..., Any],
        /,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        """Like :meth:`call`, but a crash in ``function`` stops the test with its explanation.

        Raises:
            AssertionError: ``explain(error)`` when ``function`` raised ``error`` (an
                AssertionError, e.g. :meth:`call`'s for a stub, goes through unchanged).
        """
        try:
            return self.call(function, *args, **kwargs)
        except AssertionError:
            raise
        except Exception as error:
            raise AssertionError(explain(error)) from error

    def call_or_fail(
        self,
        explain: Callable[[Exception], str],
        function: Callable[..., Any],
        /,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[bool, Any]:
        """Like :meth:`call`, but a crash in ``function`` is recorded as a failed check.

        Returns:
            ``(True, result)``, or ``(False, None)`` after recording ``explain(error)`` when
            ``function`` raised ``error`` (an AssertionError goes through unchanged).
        """
        try:
            return True, self.call(function, *args, **kwargs)
        except AssertionError:
            raise
        except Exception as error:
            self.fail(explain(error))
            return False, None

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
        return self.fail(f"{what}: got {got!r} but {expected!r} was expected{hint_suffix(hint)}")

    def shape(self, what: str, got: Any, expected_shape: tuple[int, ...], hint: str = "") -> bool:
        """``got`` is an array-like (not None) of ``expected_shape``.

        A failure ends with ``hint`` (the formula the shape comes from), if given.
        """
        if got is None:
            return self.fail(
                f"{what} is None: did {self.name} forget to `return` it?{hint_suffix(hint)}"
            )
        shape = np.shape(got)
        if shape != tuple(expected_shape):
            return self.fail(
                f"{self.name} returned {what} of shape {shape} but {tuple(expected_shape)} was "
                f"expected{hint_suffix(hint)}"
            )
        return True

    def scalar(
        self,
        what: str,
        got: Any,
        hint: str = "",
        *,
        not_scalar: str = "{name} returned {what} of shape {shape}, but a scalar was expected",
    ) -> float | None:
        """``got`` is a single number (a Python number, a 0-d array or tensor).

        Args:
            what: what ``got`` is, e.g. ``"the loss"``.
            got: the value the learner's function returned.
            hint: how to make it a single number, given when ``got`` has a shape.
            not_scalar: the message then (before the hint), formatted with ``name`` (the function
                under test), ``what`` and ``shape``.

        Returns:
            ``got`` as a float, or None after recording why it is not a (finite) number.
        """
        if got is None:
            self.fail(f"{what} is None: did {self.name} forget to `return` it?")
            return None
        try:
            value = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            self.fail(f"{what} should be a number, got {type(got).__name__}")
            return None
        if value.shape != ():
            message = not_scalar.format(name=self.name, what=what, shape=value.shape)
            self.fail(message + hint_suffix(hint))
            return None
        if not np.isfinite(value):
            self.fail(f"{what} is {float(value)}, not a finite number")
            return None
        return float(value)

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
            return self.fail(f"{what} contains NaN or inf{hint_suffix(hint)}")
        error = np.abs(got - expected)
        bad = error > atol + rtol * np.abs(expected)
        if not bad.any():
            return True
        worst = np.unravel_index(np.argmax(np.where(bad, error, -1.0)), expected.shape)
        at = f" at index {tuple(int(i) for i in worst)}" if expected.ndim else ""
        return self.fail(
            f"{what}: {int(bad.sum())} of {bad.size} values are wrong; the largest error is"
            f"{at}: got {got[worst]:.6g}, expected {expected[worst]:.6g}{hint_suffix(hint)}"
        )

    def unchanged(self, what: str, before: np.ndarray, after: np.ndarray) -> bool:
        """The learner's function did not modify its input ``what`` in place."""
        numeric = np.issubdtype(np.asarray(before).dtype, np.number)
        if np.array_equal(before, after, equal_nan=numeric):
            return True
        return self.fail(f"{self.name} modified its input {what} in place; work on a copy")

    @contextlib.contextmanager
    def preserves(self, **inputs: Any) -> Iterator[None]:
        """Check with :meth:`unchanged`, in the order given, that the block's code (the call of the
        learner's function) left every input ``name=array`` as it was.

        Nothing is checked when the block raises.
        """
        before = {name: np.copy(value) for name, value in inputs.items()}
        yield
        for name, value in inputs.items():
            self.unchanged(name, before[name], value)

    def done(self) -> None:
        """Print ``All tests passed`` or raise an AssertionError listing every failed check."""
        if self.failures:
            lines = "\n".join(f"  - {failure}" for failure in self.failures)
            raise AssertionError(f"{self.name}: {len(self.failures)} check(s) failed:\n{lines}")
        print("All tests passed")


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


class Difference(NamedTuple):
    """One difference between two :func:`summary` outputs."""

    layer: int | None  # the index of the differing layer; None for the number of layers
    message: str


def compare_summaries(learner: list[list[Any]], expected: list[list[Any]]) -> list[Difference]:
    """The differences between two :func:`summary` outputs (empty when they agree).

    Names the number of layers when it differs, and the first differing layer with both rows
    (its index is the difference's ``layer``, for the caller to add what that layer should be).
    """
    problems = []
    if len(learner) != len(expected):
        message = f"it has {len(learner)} layers but {len(expected)} were expected"
        problems.append(Difference(None, message))
    for index, (got, want) in enumerate(zip(learner, expected, strict=False)):
        if got != want:
            problems.append(Difference(index, f"layer {index} is {got} but {want} was expected"))
            break
    return problems
