"""Building blocks of the public tests: precise diagnostics, then ``All tests passed``.

A public test checks its argument with :func:`require_callable`, creates a :class:`Checker`, calls
the learner's function through :meth:`Checker.call` (a crash stops the test) or
:meth:`Checker.attempt` (a crash is one failed check among others), records checks (shape, dtype,
values, ...) and ends with :meth:`Checker.done`, which prints ``All tests passed`` only when every
check held and otherwise raises an ``AssertionError`` that lists each failed check: what was
checked, expected vs got, and a hint tied to the formula.

A crash in the learner's code is explained by :meth:`Checker.crash`: the exception's first line,
the input it happened on (:meth:`Checker.case`), the learner's own line that raised it
(:func:`learner_line`) and the course's hint — never only the library's text.

:func:`summary` and :func:`compare_summaries` check a Keras 3 model layer by layer, by what each
layer computes (:func:`layer_kind`: ``ReLU()`` and ``Activation("relu")`` are the same layer).
Arguments are checked with :mod:`utils.checks`.
"""

from __future__ import annotations

import contextlib
import io
import re
import sysconfig
import traceback
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

BN_EPSILON = 1e-3  # keras.layers.BatchNormalization's default epsilon


def hint_suffix(hint: str) -> str:
    """`` (hint: …)`` to end a failure message with, or ``""`` when there is no hint."""
    return f" (hint: {hint})" if hint else ""


# Code that is not the learner's: the standard library, installed packages and this package.
_LIBRARY_DIRS = tuple(
    str(Path(path).resolve())
    for path in {
        *(sysconfig.get_path(key) for key in ("stdlib", "platstdlib", "purelib", "platlib")),
        str(Path(__file__).resolve().parent),
    }
)


def _is_library(filename: str) -> bool:
    if filename.startswith("<frozen"):
        return True
    try:
        resolved = str(Path(filename).resolve())
    except (OSError, ValueError):
        return False
    return resolved.startswith(_LIBRARY_DIRS)


# A frame quoted in a tf.function's error message ("in user code: File ..., line N, in name").
_QUOTED_FRAME = re.compile(r'File "([^"]+)", line (\d+), in (\w+)[ *]*\n\s+(.+)')


# Keras wraps a layer's error: "Exception encountered when calling Dense.call().", then the error.
_KERAS_CALL = re.compile(r"Exception encountered when calling (\w+)\.call\(\)\.")
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def error_line(error: BaseException) -> str:
    """The line of ``error``'s message that says what went wrong: its first line; its last for an
    error raised in a ``tf.function`` (whose message starts with "in user code:"); for a Keras
    layer's error ("Exception encountered when calling AveragePooling2D.call()."), the layer and
    the line after (terminal colour codes removed)."""
    lines = [
        _COLOUR.sub("", line).strip() for line in str(error).strip().splitlines() if line.strip()
    ]
    if not lines:
        return ""
    if lines[0] == "in user code:":
        return lines[-1].removeprefix(f"{type(error).__name__}: ")
    layer = _KERAS_CALL.fullmatch(lines[0])
    if layer and len(lines) > 1:
        return f"in {layer[1]}: {lines[1]}"
    return lines[0]


def learner_line(error: BaseException) -> str:
    """Where the learner's own code raised ``error``: its innermost frame outside the libraries.

    Returns:
        e.g. ``"line 7, in conv2d: out[i, j] = np.sum(window * kernel)"`` (the line number is the
        line in the notebook cell that defines the function), or ``""`` when no frame of the
        traceback is the learner's (the error came from a library alone).
    """
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if not _is_library(frame.filename) and "__autograph_generated" not in frame.filename
    ]
    if not frames:  # in a tf.function, the message quotes the learner's frames
        quoted = [m for m in _QUOTED_FRAME.finditer(str(error)) if not _is_library(m[1])]
        return (
            f"line {quoted[-1][2]}, in {quoted[-1][3]}: {quoted[-1][4].strip()}" if quoted else ""
        )
    frame = frames[-1]
    code = f": {frame.line.strip()}" if frame.line and frame.line.strip() else ""
    return f"line {frame.lineno}, in {frame.name}{code}"


def require_callable(target: Any, name: str) -> None:
    """A public test ``<name>_test(target)`` was handed the function ``name`` itself.

    Raises:
        TypeError: when ``target`` is not callable (e.g. the result of calling the function).
    """
    if not callable(target):
        raise TypeError(
            f"{name}_test(target): expected the function {name} itself, got {type(target).__name__}"
        )


def _global_names(code: Any) -> set[str]:
    """The global names ``code`` uses, those of its nested comprehensions, lambdas and inner
    functions included (``all(iou(a, b) <= t for b in kept)`` is a code object of its own)."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if hasattr(constant, "co_names"):
            names |= _global_names(constant)
    return names


def check_earlier(
    target: Callable[..., Any], name: str, exercise: int, public_test: Callable[[Any], None]
) -> None:
    """Blame the right exercise: check the learner's earlier function ``name`` before ``target``.

    When ``target``'s code calls a function ``name`` of the learner's namespace (a notebook's
    earlier exercise), ``public_test`` is run on it first, its output hidden.

    Raises:
        AssertionError: "your `name` (exercise N) is wrong: …" with that test's failure, when it
            fails (``target`` cannot be judged on top of a wrong ``name``).
    """
    code = getattr(target, "__code__", None)
    function = getattr(target, "__globals__", {}).get(name)
    if code is None or name not in _global_names(code) or not callable(function):
        return
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            public_test(function)
        except AssertionError as failure:
            raise AssertionError(
                f"your `{name}` (exercise {exercise}) is wrong, and {code.co_name} calls it; "
                f"fix it first: {failure}"
            ) from None


class Checker:
    """Collects the checks of one public test and reports them together.

    Args:
        name: the name of the function under test, used in every message.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.failures: list[str] = []
        self._case = ""
        self._hint = ""

    @contextlib.contextmanager
    def case(self, case: str, hint: str = "") -> Iterator[None]:
        """Within the block, a crash is explained as happening on ``case`` (the input, e.g.
        ``"X of shape (2, 4, 5, 3), pad=1"``) and ends with ``hint`` (what the course says)."""
        saved = self._case, self._hint
        self._case, self._hint = case, hint
        try:
            yield
        finally:
            self._case, self._hint = saved

    def crash(self, error: BaseException) -> str:
        """Explain a crash of the learner's function: the exception's first line, the case, the
        learner's line that raised it (:func:`learner_line`) and the hint of :meth:`case`."""
        first = error_line(error)
        message = f"{self.name} raised {type(error).__name__}" + (f": {first}" if first else "")
        if self._case:
            message += f" — on {self._case}"
        where = learner_line(error)
        if where:
            message += f"; your code, {where}"
        return message + hint_suffix(self._hint)

    def call(self, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Call the learner's ``function``; a crash stops the test with its explanation.

        Raises:
            AssertionError: for an unimplemented stub (``raise NotImplementedError()``), or
                :meth:`crash`'s explanation of any other exception (an AssertionError raised by
                the learner's code goes through unchanged).
        """
        try:
            return function(*args, **kwargs)
        except NotImplementedError as error:
            if str(error):  # a library's, e.g. TensorFlow's .numpy() inside a tf.function
                raise AssertionError(self.crash(error)) from error
            raise AssertionError(
                f"{self.name} is not implemented yet: replace `raise NotImplementedError()` "
                "with your code."
            ) from None
        except AssertionError:
            raise
        except Exception as error:
            raise AssertionError(self.crash(error)) from error

    def attempt(
        self, function: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> tuple[bool, Any]:
        """Like :meth:`call`, but a crash is recorded as a failed check and the test goes on.

        Returns:
            ``(True, result)``, or ``(False, None)`` after recording :meth:`crash`'s explanation.
        """
        try:
            return True, self.call(function, *args, **kwargs)
        except AssertionError as failure:
            if failure.__cause__ is None:  # a stub or the learner's own assert: not a crash
                raise
            self.fail(str(failure))
            return False, None

    def call_or_raise(
        self,
        explain: Callable[[Exception], str],
        function: Callable[..., Any],
        /,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        """:meth:`call` with the crash explained by ``explain(error)``, then the learner's line.

        Raises:
            AssertionError: as :meth:`call`.
        """
        try:
            return self.call(function, *args, **kwargs)
        except AssertionError as failure:
            error = failure.__cause__
            if not isinstance(error, Exception):
                raise
            where = learner_line(error)
            raise AssertionError(
                explain(error) + (f"; your code, {where}" if where else "")
            ) from error

    def call_or_fail(
        self,
        explain: Callable[[Exception], str],
        function: Callable[..., Any],
        /,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[bool, Any]:
        """:meth:`attempt` with the crash explained by ``explain(error)``, then the learner's line.

        Returns:
            As :meth:`attempt`.
        """
        try:
            return True, self.call_or_raise(explain, function, *args, **kwargs)
        except AssertionError as failure:
            if failure.__cause__ is None:
                raise
            self.fail(str(failure))
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
        mistakes: Iterable[tuple[Any, str]] = (),
    ) -> bool:
        """``got`` has ``expected``'s shape and values within ``atol + rtol·|expected|``.

        On a mismatch, when ``got`` is (within the same tolerance) what one of the usual
        ``mistakes`` computes — pairs of (its value, or a function of no arguments computing it;
        the explanation) — the failure is ``"<what>: <explanation>"``. Otherwise the message gives
        the number of wrong entries and the worst one: its index, the value got and the value
        expected.
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
        for mistake, explanation in mistakes:
            wrong = np.asarray(mistake() if callable(mistake) else mistake, dtype=np.float64)
            if wrong.shape == got.shape and np.allclose(got, wrong, rtol=rtol, atol=atol):
                return self.fail(f"{what}: {explanation}")
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


_OPERATION_KINDS = {"Relu": "ReLU", "Relu6": "ReLU6"}  # keras.ops.relu(x), keras.ops.relu6(x)


def layer_kind(layer: Any) -> str:
    """What a Keras layer (or operation) computes, as a name: its class name, except that every
    spelling of a ReLU is ``"ReLU"`` (``keras.layers.ReLU()``, ``Activation("relu")``,
    ``keras.ops.relu``) and every spelling of a ReLU6 is ``"ReLU6"`` (``ReLU(max_value=6)``,
    ``Activation("relu6")``). An operation on tensors, ``x + y``, is named like its layer
    (``"Add"``)."""
    import keras

    if not isinstance(layer, keras.layers.Layer):
        name = type(layer).__name__
        return _OPERATION_KINDS.get(name, name)

    if isinstance(layer, keras.layers.ReLU):
        config = layer.get_config()
        plain = not config.get("negative_slope") and not config.get("threshold")
        if plain and config.get("max_value") is None:
            return "ReLU"
        if plain and config.get("max_value") == 6:
            return "ReLU6"
        settings = ("max_value", "negative_slope", "threshold")
        return "ReLU(" + ", ".join(f"{key}={config.get(key)}" for key in settings) + ")"
    if isinstance(layer, keras.layers.Activation):
        name = keras.activations.serialize(layer.activation)
        name = name if isinstance(name, str) else getattr(layer.activation, "__name__", "")
        if name in ("relu", "relu6"):
            return "ReLU" if name == "relu" else "ReLU6"
    return type(layer).__name__


def _activation_of(layer: Any, kind: str) -> str | None:
    """The activation a layer of its own applies (``"relu"``, ``"softmax"``, ...), else None."""
    import keras

    if kind in ("ReLU", "ReLU6"):
        return kind.lower()
    if isinstance(layer, keras.layers.Activation):
        name = layer.get_config()["activation"]
        return name if isinstance(name, str) else None
    return None


def _feeds_only(previous: Any, layer: Any) -> bool:
    """``layer`` is the one consumer of ``previous``'s output."""
    return getattr(layer, "input", None) is previous.output and len(previous._outbound_nodes) == 1


def summary(model: Any) -> list[list[Any]]:
    """Describe a Keras 3 model layer by layer, by what each layer computes (architecture checks).

    Each row is ``[kind, output shape, number of parameters, *config]``: the kind is
    :func:`layer_kind` (the class name, with every spelling of a ReLU or ReLU6 alike); the config
    entries are those the layer has, in this order: filters, units, kernel size, pool size, strides,
    padding, rate, activation (none for a ReLU or ReLU6 layer: its kind says it). An activation
    layer whose one input is a layer with no activation (``"linear"``) of its own is folded into
    that layer's row: ``Conv2D(6, 5)`` then ``ReLU()`` is ``Conv2D(6, 5, activation="relu")``.
    Operations on tensors in a Functional model (``X + shortcut``) are rows too, like the layer
    that computes the same (``Add()([X, shortcut])``).

    Args:
        model: a built ``keras.Model`` (Sequential or Functional).

    Returns:
        One list per layer or operation, in order (a Functional model's input layer included),
        folded layers left out.
    """
    import keras

    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a keras.Model, got {type(model).__name__}")
    if not model.built:
        raise ValueError("model must be built (call it on an input or give it an Input layer)")
    rows: list[list[Any]] = []
    made_by: dict[int, tuple[Any, list[Any]]] = {}  # id(output tensor) -> (its layer, its row)
    for layer in getattr(model, "operations", model.layers):  # a Sequential has no operations
        out = layer.output
        shape = tuple(out.shape) if hasattr(out, "shape") else [tuple(o.shape) for o in out]
        kind = layer_kind(layer)
        activation = _activation_of(layer, kind)
        producer, producer_row = made_by.get(id(getattr(layer, "input", None)), (None, None))
        if (
            activation is not None
            and producer_row is not None
            and producer_row[-1] == "linear"
            and "activation" in producer.get_config()
            and _feeds_only(producer, layer)
        ):
            producer_row[-1] = activation
            continue
        row = [kind, shape, layer.count_params() if isinstance(layer, keras.layers.Layer) else 0]
        made_by[id(out)] = (layer, row)
        if not isinstance(layer, keras.layers.Layer):
            rows.append(row)
            continue
        if kind in ("ReLU", "ReLU6"):
            rows.append(row)
            continue
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
