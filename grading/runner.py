"""Grade one submission: run it in the sandbox, judge its tests, return plain results.

:func:`grade_submission` is what a worker (a local process or a Dask worker on another machine)
runs for one student's notebook. It

1. reads the notebook (any nbformat version, any kernel name; metadata is not trusted) and lines
   its cells up with the instructor's: locked cells get the instructor's source, a deleted test
   cell is put back after the cell it followed, a duplicated test cell is judged at each place;
   a notebook of another assignment is not graded (with the reason);
2. runs its code cells one by one in a kernel inside the sandbox (:mod:`grading.sandbox`), each
   at most ``timeout`` seconds, outputs capped (:data:`CELL_OUTPUT_CAP` and the other caps);
   a crashed kernel is restarted, the cells before the crash replayed, and grading goes on;
3. judges each test cell where it stands:

   - *trusted* tests (:data:`grading.assignment.TRUSTED`) run in this process, where student code
     never runs: the test's code (public and hidden) calls a proxy of each graded function, which
     sends the arguments as plain data into the kernel, runs the student's function there and gets
     plain data back (:mod:`grading.wire`; Keras models and blocks as configs and weights,
     :mod:`grading.keras_wire`); the notebook variables a test reads are copied out the same way;
     every comparison runs here, on this process's NumPy, TensorFlow and Keras, so nothing the
     kernel does to itself can change a verdict;
   - the other tests run inside the kernel, as nbgrader does: passed when the cell raises nothing
     (output on stderr, such as a warning, does not fail it);

   a test that failed where it stands is judged again at the end of the notebook (cells run out of
   order); the best result counts;
4. returns the points per test, the flags that explain what happened, the graded notebook (the
   released test code, never the hidden tests) and its HTML feedback.
"""

from __future__ import annotations

import builtins
import contextlib
import copy
import hashlib
import inspect
import io
import json
import secrets
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpec
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output

from grading import assignment as assignments
from grading import keras_wire, sandbox, wire
from grading.assignment import Assignment, Test, grade_id

CELL_OUTPUT_CAP = 20_000  # characters of printed text (stdout, stderr) kept per cell
DISPLAY_CAP = 1_000_000  # characters of one rich output (e.g. a base64 PNG) kept
NOTEBOOK_OUTPUT_CAP = 5_000_000  # characters of output kept per notebook
MAX_RESTARTS = 3  # kernel crashes survived per submission
PROBE_TIMEOUT = 15  # s for a kernel to answer after an interrupted cell


class StudentFailure(Exception):
    """A student's function could not be judged: it crashed the kernel, timed out, or returned
    something that is not plain data."""


@dataclass
class Verdict:
    """The result of one run of one test."""

    passed: bool
    text: str  # what the learner sees: "All tests passed" or the failure
    where: str  # "in place", "at the end"


@dataclass
class Result:
    """What :func:`grade_submission` returns (plain data: JSON-serialisable via :meth:`data`)."""

    student: str
    assignment: str
    status: str = "graded"  # or "not graded"
    reason: str = ""
    flags: list[str] = field(default_factory=list)
    tests: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    key: str = ""
    timestamp: str = ""

    def data(self) -> dict[str, Any]:
        return dict(self.__dict__)


# --- the kernel --------------------------------------------------------------------------------


class CappedClient(NotebookClient):
    """nbclient's client, keeping at most a capped amount of each cell's and the notebook's output,
    and remembering whether the last cell ran into the timeout."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kept: dict[int, int] = {}
        self.total = 0
        self.timed_out = False
        self.status = ""  # of the last execute_reply
        self.on_cell_executed = self._executed

    def _executed(self, cell, cell_index, execute_reply):  # noqa: ANN001, ANN202
        content = (execute_reply or {}).get("content", {})
        self.status = content.get("status", "") if isinstance(content, dict) else ""

    def output(self, outs, msg, display_id, cell_index):  # noqa: ANN001, ANN201 (nbclient's)
        out = super().output(outs, msg, display_id, cell_index)
        if out is None:
            return out
        if out.output_type == "error":  # always kept, shortened
            out.evalue = str(out.get("evalue", ""))[:CELL_OUTPUT_CAP]
            out.traceback = [str(line)[:2000] for line in out.get("traceback", [])[-20:]]
            return out
        stream = out.output_type == "stream"
        size = len(out.get("text", "")) if stream else len(json.dumps(out))
        room = NOTEBOOK_OUTPUT_CAP - self.total
        if stream:
            room = min(room, CELL_OUTPUT_CAP - self.kept.get(cell_index, 0))
        else:
            room = min(room, DISPLAY_CAP)
        if size > room:
            outs.pop()
            if stream and room > 0:
                out.text = out.text[:room]
                outs.append(out)
            if room >= 0:  # one note, then nothing more
                note = "\n[output cut by the grader: more than its cap]\n"
                outs.append(new_output("stream", name="stderr", text=note))
            size = max(room, 0) + 1
        if stream:
            self.kept[cell_index] = self.kept.get(cell_index, 0) + size
        self.total += size
        return out

    async def _async_handle_timeout(self, timeout, cell=None):  # noqa: ANN001, ANN202
        self.timed_out = True
        return await super()._async_handle_timeout(timeout, cell)


class Kernel:
    """A kernel in the sandbox, driven one cell at a time."""

    def __init__(self, folder: Path, timeout: int, unsafe: bool) -> None:
        self.timeout = timeout
        course = folder / "course"
        self.scratch = course / "notebooks"
        self.io = folder / "io"
        self.scratch.mkdir(parents=True)
        self.io.mkdir()
        for name in sandbox.COURSE_FOLDERS:  # the same layout without the sandbox (--unsafe)
            (course / name).symlink_to(sandbox.REPO / name, target_is_directory=True)
        self.argv = sandbox.kernel_argv(self.scratch, self.io, unsafe)
        self.client: CappedClient | None = None
        self.restarts = 0

    def start(self, nb: NotebookNode) -> None:
        # Fresh paths for each kernel: a dead kernel's manager, when garbage-collected, deletes
        # its connection file and sockets.
        self.started = getattr(self, "started", 0) + 1
        km = AsyncKernelManager(
            transport="ipc",
            ip=str(self.io / f"k{self.started}"),
            connection_file=str(self.io / f"kernel{self.started}.json"),
        )
        km._kernel_spec = KernelSpec(
            argv=self.argv, language="python", display_name="sandbox", interrupt_mode="message"
        )
        # nbclient writes each executed cell back into its notebook: give it a copy, with a spare
        # last cell for the grader's own cells (index -1), so the graded notebook is ours alone.
        copied = copy.deepcopy(nb)
        copied.cells.append(new_code_cell(""))
        self.spare = len(copied.cells) - 1
        self.client = CappedClient(
            copied,
            km=km,
            timeout=self.timeout,
            interrupt_on_timeout=True,
            error_on_timeout={
                "ename": "CellTimeoutError",
                "evalue": f"interrupted after the {self.timeout} s timeout",
                "traceback": [],
            },
            allow_errors=True,
            startup_timeout=120,
            kernel_name="sandbox",
        )
        self.client.km = km
        self.client.start_new_kernel(
            cwd=str(self.scratch), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.client.start_new_kernel_client()
        self.helper()

    def stop(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client._cleanup_kernel()
            self.client = None

    def run(self, cell: NotebookNode, index: int, timeout: int | None = None) -> str:
        """Run a code cell: "ok", "error", "timeout" or "dead" (outputs go into ``cell``)."""
        assert self.client is not None
        self.client.timed_out = False
        self.client.status = ""
        self.client.timeout = timeout or self.timeout
        index = self.spare if index < 0 else index
        try:
            self.client.execute_cell(cell, index, store_history=True)
        except DeadKernelError:
            return "dead"
        except Exception as error:  # nbclient's own trouble (e.g. a reply that never came)
            cell.outputs = [*cell.get("outputs", []), _error("GradingError", str(error)[:200])]
            return "dead" if not self.alive() else "error"
        finally:
            self.client.timeout = self.timeout
        if self.client.timed_out:
            probe = new_code_cell("pass")
            self.client.timed_out = False
            try:
                self.client.execute_cell(probe, -1, store_history=False)
            except Exception:
                return "dead"
            return "dead" if self.client.timed_out else "timeout"
        errors = [out for out in cell.get("outputs", []) if out.output_type == "error"]
        return "ok" if self.client.status == "ok" and not errors else "error"

    def alive(self) -> bool:
        try:
            return bool(self.client and self.client.kc and self.client.kc.is_alive())
        except Exception:
            return False

    def helper(self) -> None:
        """(Re)define the kernel's side of the calls: the wire module and ``_grading_call``."""
        code = "import sys as _s, types as _t\n"
        for module, name in ((wire, "_grading_wire"), (keras_wire, "_grading_keras")):
            source = Path(module.__file__).read_text()
            code += (
                f"_m = _t.ModuleType({name!r}); _s.modules[{name!r}] = _m\n"
                f"exec(compile({source!r}, {name!r}, 'exec'), _m.__dict__)\n"
            )
        code += "del _s, _t, _m\n" + wire.KERNEL_HELPER + EXIT_IGNORED
        self.run(new_code_cell(code), -1, timeout=60)

    def restart(self, nb: NotebookNode, replay: list[NotebookNode]) -> None:
        """A fresh kernel, with the code cells that ran before replayed (their outputs dropped).

        A replayed cell that kills the kernel again is dropped from ``replay`` (it did not kill
        the kernel the first time: a delayed death), and the kernel restarted once more.
        """
        for _ in range(2):
            self.stop()
            self.restarts += 1
            self.start(nb)
            for cell in list(replay):
                if self.run(copy.deepcopy(cell), -1) == "dead":
                    replay.remove(cell)
                    break
            else:
                return


# IPython's exit() and quit() stop the kernel after the cell: under grading they do nothing (a
# learner's stray exit() must not cost the tests after it), and say so in the cell's output.
EXIT_IGNORED = """
def _grading_no_exit(*args, **kwargs):
    print("[the grader ignored exit(): the notebook goes on]", file=__import__("sys").stderr)
get_ipython().ask_exit = _grading_no_exit
"""


def _error(ename: str, evalue: str) -> NotebookNode:
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


# --- trusted judging ---------------------------------------------------------------------------

_PRELUDES: dict[str, dict[str, Any]] = {}
_EXCEPTIONS = {
    name: value
    for name, value in vars(builtins).items()
    if isinstance(value, type)
    and issubclass(value, Exception)
    and not issubclass(value, UnicodeError | OSError)
}


def prelude(task: Assignment) -> dict[str, Any]:
    """The namespace of the instructor notebook's imports, built in this process (cached)."""
    if task.name not in _PRELUDES:
        namespace: dict[str, Any] = {"__name__": "__grading_test__"}
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(task.imports, f"<imports of {task.name}>", "exec"), namespace)
        _PRELUDES[task.name] = namespace
    return dict(_PRELUDES[task.name])


class Link:
    """The grader's end of the calls into one kernel during one trusted test: every request runs
    one helper of :data:`grading.wire.KERNEL_HELPER` in the kernel, and its reply is read back as
    plain data (:mod:`grading.wire`, Keras objects through :class:`keras_wire.GraderCodec`)."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.codec = keras_wire.GraderCodec()
        self.trouble: list[str] = []  # "dead", "timeout"

    def ask(
        self, helper: str, name: str | list[str], payload: Any = None, what: str = ""
    ) -> dict[str, Any]:
        """Run ``helper(name, [payload file,] reply file)`` in the kernel; returns its reply
        (``name``: a function's name, or the names of variables, from the instructor's notebook).

        Raises:
            StudentFailure: the kernel died or timed out, or the reply is not plain data.
        """
        what = what or str(name)
        if "dead" in self.trouble:
            raise StudentFailure(f"{what} was not run: the kernel died earlier in this test")
        nonce = secrets.token_hex(8)
        sent, back = self.kernel.io / f"call-{nonce}-in", self.kernel.io / f"call-{nonce}-out"
        self.codec.begin_call()
        try:
            if payload is not None:
                wire.save(payload, sent, strict=True, codec=self.codec)
                call = f"{helper}({name!r}, {str(sent)!r}, {str(back)!r})"
            else:
                call = f"{helper}({name!r}, {str(back)!r})"
            cell = new_code_cell(call)
            status = self.kernel.run(cell, -1)
            printed = "".join(
                out.get("text", "") for out in cell.outputs if out.output_type == "stream"
            )
            if printed:  # where the test reads it (a test may capture what a function prints)
                sys.stdout.write(printed)
            if status == "dead":
                self.trouble.append("dead")
                raise StudentFailure(f"the kernel died while {what} ran (a crash or exit in it)")
            if status == "timeout":
                self.trouble.append("timeout")
                raise StudentFailure(f"{what} ran into the {self.kernel.timeout} s timeout")
            try:
                reply = wire.load(back, codec=self.codec)
            except wire.WireError as error:
                raise StudentFailure(f"{what} returned {error}") from None
        finally:
            for path in self.kernel.io.glob(f"call-{nonce}-*"):
                path.unlink(missing_ok=True)
        if not isinstance(reply, dict):
            raise StudentFailure(f"{what}: malformed reply from the kernel")
        if "error" in reply:
            ename, message, _ = (list(reply["error"]) + ["", "", ""])[:3]
            kind = _EXCEPTIONS.get(ename) if isinstance(ename, str) else None
            if kind is not None:
                try:
                    error = kind(str(message)[:2000])
                except Exception:
                    error = None
                if error is not None:
                    raise error
            raise StudentFailure(f"{what} raised {str(ename)[:80]}: {str(message)[:2000]}")
        return reply

    def fetch(self, names: list[str]) -> dict[str, Any]:
        """The notebook's variables ``names`` that exist and are data (a model: rebuilt here)."""
        if not names:
            return {}
        reply = self.ask("_grading_fetch", names, what="reading the notebook's variables")
        refused = reply.get("refused")
        for name, kind in refused.items() if isinstance(refused, dict) else []:
            print(f"[grader] the notebook's {str(name)[:40]} is a {str(kind)[:80]}, not data")
        values = reply.get("values")
        return values if isinstance(values, dict) else {}


_KINDS = list(type(inspect.Parameter.POSITIONAL_ONLY))  # inspect's parameter kinds, by number


class Opaque:
    """A default value of a student's parameter that is not plain data (shown by its repr)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class Proxy:
    """Stands for a student's function in a trusted test: runs it in the kernel on plain data."""

    def __init__(self, name: str, link: Link) -> None:
        self.__name__ = self.__qualname__ = name
        self.link = link
        self._signature: inspect.Signature | None = None

    def __repr__(self) -> str:
        return f"<function {self.__name__} (in the sandbox)>"

    @property
    def __signature__(self) -> inspect.Signature:  # what inspect.signature(proxy) reads
        if self._signature is None:
            reply = self.link.ask("_grading_signature", self.__name__, what=self.__name__)
            parameters = []
            for entry in reply.get("parameters") or []:
                name, kind, default = (list(entry) + [None, None, None])[:3]
                if not isinstance(name, str) or kind not in range(5):
                    raise StudentFailure(f"{self.__name__}: malformed signature")
                value = inspect.Parameter.empty
                if isinstance(default, list) and len(default) == 2:
                    value = default[1] if default[0] == "value" else Opaque(str(default[1]))
                parameters.append(inspect.Parameter(name, _KINDS[kind], default=value))
            self._signature = inspect.Signature(parameters)
        return self._signature

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        payload = [list(args), kwargs, recording()]
        reply = self.link.ask("_grading_call", self.__name__, payload)
        after, named = reply.get("args"), reply.get("kwargs")
        pairs = list(zip(args, after, strict=False)) if isinstance(after, list) else []
        if isinstance(named, dict):
            pairs += [(kwargs[k], v) for k, v in named.items() if k in kwargs]
        for given, changed in pairs:  # in-place changes of the arguments come back too
            copy_back(given, changed)
        value = reply.get("value")
        grads = reply.get("grads")
        if isinstance(grads, list):
            value = attach_gradient(value, keras_wire.tensor_leaves([list(args), kwargs]), grads)
        return value


def copy_back(given: Any, changed: Any) -> None:
    """Apply the kernel's in-place change of an argument (an array, a generator, a variable)."""
    tf = sys.modules.get("tensorflow")
    if (
        isinstance(given, np.ndarray)
        and isinstance(changed, np.ndarray)
        and given.shape == changed.shape
        and given.flags.writeable
    ):
        np.copyto(given, changed, casting="unsafe")
    elif (
        isinstance(given, np.random.Generator)
        and isinstance(changed, np.random.Generator)
        and type(given.bit_generator) is type(changed.bit_generator)
    ):
        given.bit_generator.state = changed.bit_generator.state
    elif (
        tf is not None
        and isinstance(given, tf.Variable)
        and isinstance(changed, tf.Variable)
        and given is not changed
        and given.shape == changed.shape
    ):
        given.assign(tf.cast(changed, given.dtype))


def recording() -> bool:
    """Whether a ``tf.GradientTape`` records here now (then the kernel sends gradients back)."""
    if "tensorflow" not in sys.modules:
        return False
    try:
        from tensorflow.python.eager import record
    except ImportError:  # TensorFlow's internals moved: always ask for gradients
        return True
    return bool(record.could_possibly_record())


def attach_gradient(value: Any, inputs: list[Any], grads: list[Any]) -> Any:
    """``value`` (a scalar tensor computed in the kernel) made differentiable here with respect
    to ``inputs``, with the gradients the kernel computed (None: not differentiable there)."""
    tf = sys.modules.get("tensorflow")
    if tf is None or not isinstance(value, tf.Tensor) or value.shape != () or not inputs:
        return value
    if len(grads) != len(inputs):
        raise StudentFailure("malformed gradients from the kernel")
    for grad, tensor in zip(grads, inputs, strict=True):
        if grad is not None and (
            not isinstance(grad, np.ndarray | np.generic) or grad.shape != tuple(tensor.shape)
        ):
            raise StudentFailure("malformed gradients from the kernel")

    @tf.custom_gradient
    def forward(*tensors: Any) -> Any:
        def backward(upstream: Any) -> list[Any]:
            return [
                None if grad is None else upstream * tf.constant(grad, dtype=tensor.dtype)
                for grad, tensor in zip(grads, tensors, strict=True)
            ]

        return tf.identity(value), backward

    return forward(*inputs)


def judge_trusted(test: Test, task: Assignment, kernel: Kernel) -> tuple[Verdict, str]:
    """Run ``test``'s code here with proxies of the student's functions and copies of the
    notebook's variables it reads (:attr:`Test.state`); returns the verdict and what happened to
    the kernel: "ok", "timeout" (a call was interrupted) or "dead"."""
    kernel.helper()
    namespace = prelude(task)
    link = Link(kernel)
    for name in assignments.free_names(test.source) & task.functions:
        namespace[name] = Proxy(name, link)
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            namespace.update(link.fetch(sorted(test.state)))
            exec(compile(test.source, f"<{test.name}>", "exec"), namespace)
        passed, failure = True, ""
    except Exception as error:
        message = str(error).strip() or "a hidden test failed"
        passed, failure = False, f"{type(error).__name__}: {message}"
    finally:
        release_keras()
    text = printed.getvalue()[:CELL_OUTPUT_CAP] + failure
    status = "dead" if "dead" in link.trouble else "timeout" if link.trouble else "ok"
    return Verdict(passed, text, "in place"), status


def release_keras() -> None:
    """Forget the Keras models a test built here (a worker judges many submissions)."""
    keras = sys.modules.get("keras")
    if keras is not None:
        keras.backend.clear_session()


# --- one submission ----------------------------------------------------------------------------


def read_notebook(text: str) -> NotebookNode:
    """Any nbformat version, converted to v4; validation problems tolerated (metadata untrusted)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nb = nbformat.reads(text, as_version=4)
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError("no cells")
    cells = []
    for cell in nb.cells:
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            continue
        source = cell.get("source", "")
        cell["source"] = "".join(source) if isinstance(source, list) else str(source)
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = nbformat.NotebookNode()
        cell.pop("id", None)
        cells.append(cell)
    nb.cells = cells
    nb.metadata = nbformat.from_dict(
        {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )
    nb.nbformat, nb.nbformat_minor = 4, 4
    return nb


def plan(nb: NotebookNode, task: Assignment, result: Result) -> list[tuple[str, int, str]] | None:
    """Line the student's cells up with the instructor's; return the steps (kind, cell index,
    grade_id) — kinds "code" and "test" — or None when the notebook is not of this assignment.

    Modifies ``nb``: locked cells get the instructor's source (tests: the released one), deleted
    test cells are re-inserted.
    """
    ids = [grade_id(cell) for cell in nb.cells]
    mine = {name for name in ids if name in task.ids}
    if not mine:
        others = [
            other
            for other in assignments.known()
            if other != task.name and set(ids) & assignments.load(other).ids
        ]
        defined = {
            name for cell in nb.cells for name in task.functions if f"def {name}(" in cell.source
        }
        if others:
            result.reason = f"this is a notebook of {others[0]}, not {task.name}"
            return None
        if not defined:
            result.reason = f"not a notebook of {task.name}: none of its exercises is in it"
            return None
        result.flags.append(
            "no nbgrader cell metadata (not the released notebook?): every test runs at the end"
        )
    for name in sorted({n for n in ids if n in task.ids and ids.count(n) > 1}):
        what = "test" if name in task.tests else "cell"
        result.flags.append(
            f"{what} {name} appears {ids.count(name)} times (copy-pasted?): "
            + (
                "judged at each place, the best result kept"
                if name in task.tests
                else "all copies run"
            )
        )
    for index, cell in enumerate(nb.cells):
        name = ids[index]
        if name in task.locked and cell.cell_type == "code":
            original = task.locked[name]
            public = task.tests[name].public if name in task.tests else original
            if cell.source.strip() not in (original.strip(), public.strip()):
                result.flags.append(f"locked cell {name} was edited (graded with the original)")
            cell.source = public
        elif name in task.tests:  # a test cell turned into markdown
            nb.cells[index] = new_code_cell(task.tests[name].public, metadata=cell.metadata)
            result.flags.append(f"locked cell {name} was edited (graded with the original)")
    # Deleted tests go back after the cell they followed in the instructor's notebook.
    for name, test in task.tests.items():
        if name in ids:
            continue
        before = [grade_id(c) for c in task.cells[: test.index]]
        anchors = [i for i, cell_id in enumerate(ids) if cell_id and cell_id in before]
        at = (max(anchors) + 1) if anchors and mine else len(nb.cells)
        cell = new_code_cell(test.public, metadata={"nbgrader": {"grade_id": name, "grade": True}})
        nb.cells.insert(at, cell)
        ids.insert(at, name)
        if mine:
            result.flags.append(f"locked cell {name} was deleted (put back and graded)")
    return [
        ("test" if ids[i] in task.tests else "code", i, ids[i] or "")
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.source.strip() or ids[i] in task.tests)
    ]


def grade_submission(job: dict[str, Any]) -> dict[str, Any]:
    """Grade one submission (see the module doc). ``job``: student, assignment, notebook (text),
    timeout, unsafe, key, timestamp. Returns ``{"result": …, "notebook": …, "html": …}``."""
    start = time.monotonic()
    if job.get("checkout") and job["checkout"] != checkout(job["assignment"]):
        raise RuntimeError(
            "this worker's checkout differs from the grader's (instructor notebook, grading/ or "
            "utils/public_tests/): run workers on the same commit"
        )
    task = assignments.load(job["assignment"])
    result = Result(job["student"], job["assignment"], key=job.get("key", ""))
    result.timestamp = job.get("timestamp", "")
    result.flags += job.get("flags", [])
    try:
        nb = read_notebook(job["notebook"])
    except Exception as error:
        reason = (str(error).splitlines() or [type(error).__name__])[0][:100]
        result.status, result.reason = "not graded", f"not a valid notebook ({reason})"
        return {"result": result.data(), "notebook": None, "html": None}
    steps = plan(nb, task, result)
    if steps is None:
        result.status = "not graded"
        return {"result": result.data(), "notebook": None, "html": None}
    verdicts: dict[str, list[Verdict]] = {name: [] for name in task.tests}
    with tempfile.TemporaryDirectory(prefix="grading-") as tmp:
        kernel = Kernel(Path(tmp), job["timeout"], job.get("unsafe", False))
        try:
            kernel.start(nb)
            run_steps(nb, steps, task, kernel, verdicts, result)
        finally:
            kernel.stop()
    for name, test in task.tests.items():
        runs = verdicts[name]
        best = next((v for v in runs if v.passed), runs[-1] if runs else None)
        result.tests.append(
            {
                "grade_id": name,
                "points": test.points if best and best.passed else 0.0,
                "max_points": test.points,
                "judged": "trusted" if test.trusted else "in the kernel",
                "error": ""
                if best and best.passed
                else (best.text.splitlines() or [""])[-1][:300]
                if best
                else "not run",
            }
        )
    result.seconds = round(time.monotonic() - start, 2)
    graded = annotate(nb, result)
    return {"result": result.data(), "notebook": nbformat.writes(graded), "html": to_html(graded)}


def run_steps(nb, steps, task, kernel, verdicts, result) -> None:  # noqa: ANN001
    """Execute the planned steps (see :func:`grade_submission`), filling ``verdicts``."""
    replay: list[NotebookNode] = []  # code cells that ran, for a restart
    count = 0
    for kind, index, name in steps:
        cell = nb.cells[index]
        count += 1
        if kernel.client is None:
            break
        if kind == "code" or not task.tests[name].trusted:
            source = task.tests[name].source if kind == "test" else cell.source
            run_cell = copy.deepcopy(cell)
            run_cell.source = source
            status = kernel.run(run_cell, index)
            cell.outputs, cell.execution_count = run_cell.outputs, count
            if kind == "test":
                failure = next((o for o in cell.outputs if o.output_type == "error"), None)
                text = f"{failure.ename}: {failure.evalue}" if failure else "passed"
                for out in cell.outputs:  # a traceback would quote the hidden tests
                    if out.output_type == "error":
                        out.traceback = [f"{out.ename}: {out.evalue}"]
                verdicts[name].append(Verdict(status == "ok", text, "in place"))
            elif status in ("ok", "error"):
                replay.append(cell)
        else:
            verdict, status = judge_trusted(task.tests[name], task, kernel)
            verdicts[name].append(verdict)
            cell.outputs = [new_output("stream", name="stdout", text=verdict.text + "\n")]
            cell.execution_count = count
        first = next((line for line in cell.source.splitlines() if line.strip()), "")[:40]
        where = name or f"#{count} ({first})"
        if status == "timeout":
            result.flags.append(
                f"cell {where} ran into the {kernel.timeout} s timeout and was interrupted"
            )
        if status == "dead":
            result.flags.append(
                f"the kernel died in cell {where} (os._exit, a segfault, no memory "
                "left or a kill); tests before it keep their results, the kernel was restarted"
            )
            if kernel.restarts >= MAX_RESTARTS:
                result.flags.append(f"gave up after {MAX_RESTARTS} restarts: later cells not run")
                kernel.stop()
                break
            kernel.restart(nb, replay)
    if kernel.client is None:
        return
    # Cells out of order: a failed test is judged again at the end, after every cell ran.
    for name, test in task.tests.items():
        runs = verdicts[name]
        if any(v.passed for v in runs) or any("timeout" in v.text for v in runs):
            continue
        if test.trusted:
            verdict, status = judge_trusted(test, task, kernel)
        else:
            status = kernel.run(new_code_cell(test.source), -1)
            verdict = Verdict(status == "ok", "", "at the end")
        died = status == "dead"
        if verdict.passed:
            verdict.where = "at the end"
            runs.append(verdict)
            result.flags.append(
                f"test {name} passed only when run at the end of the notebook (cells out of order?)"
            )
        if died:
            break


def one_line(text: str) -> str:
    """A failure on one line: its lines stripped and joined, at most 300 characters."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip())[:300]


def annotate(nb: NotebookNode, result: Result) -> NotebookNode:
    """The graded notebook: the student's, with a score line after each test and a summary."""
    graded = copy.deepcopy(nb)
    scores = {test["grade_id"]: test for test in result.tests}
    cells = []
    for cell in graded.cells:
        cells.append(cell)
        name = grade_id(cell)
        if name in scores and cell.cell_type == "code":
            test = scores.pop(name)
            how = "judged by the grader" if test["judged"] == "trusted" else "run in your kernel"
            cells.append(
                new_markdown_cell(
                    f"**{name}: {test['points']:g} / {test['max_points']:g} points** ({how})"
                )
            )
    total = sum(t["points"] for t in result.tests)
    top = sum(t["max_points"] for t in result.tests)
    lines = [f"# {result.assignment}: {total:g} / {top:g} points ({result.student})"]
    lines += [f"- {flag}" for flag in result.flags]
    graded.cells = [new_markdown_cell("\n".join(lines)), *cells]
    return graded


def to_html(nb: NotebookNode) -> str:
    """The feedback page (nbconvert, student HTML sanitised)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="classic", sanitize_html=True)
    html, _ = exporter.from_notebook_node(nb)
    return html


@cache
def checkout(assignment: str) -> str:
    """The digest of what grading ``assignment`` depends on in this checkout: the instructor's
    notebook, the grader's code and the course's public tests (read once per process)."""
    digest = hashlib.sha256((assignments.NOTEBOOKS / f"{assignment}.ipynb").read_bytes())
    for folder in (Path(__file__).parent, assignments.REPO / "utils" / "public_tests"):
        for path in sorted(folder.glob("*.py")):
            digest.update(path.read_bytes())
    return digest.hexdigest()


def submission_key(text: str, assignment: str, timeout: int, unsafe: bool) -> str:
    """What a result depends on: the notebook, this checkout (:func:`checkout`), the options."""
    digest = hashlib.sha256(text.encode())
    digest.update(f"{checkout(assignment)}:{timeout}:{unsafe}".encode())
    return digest.hexdigest()
