"""Plain data across the sandbox's wall: JSON plus uncompressed ``.npz`` arrays, never pickle.

A value is encoded as a JSON tree of tagged nodes; arrays (NumPy arrays, NumPy scalars and
TensorFlow tensors, as their NumPy values) go to an ``.npz`` file, written uncompressed and read
with ``allow_pickle=False``. Supported: None, bool, int, float, complex, str, tuple, list, dict,
NumPy arrays of booleans and numbers, NumPy scalars, ``tf.Tensor`` and ``tf.Variable``, and NumPy
random ``Generator``s (as their bit generator's state, so that a test's generator advances as the
student's function used it). Keras models, symbolic tensors and initializers cross through a
codec (:mod:`grading.keras_wire`): their configs as JSON, their weights as arrays. Anything else
(a function, an object array) is encoded as ``{"t": "unsupported"}`` and cannot be decoded: it
is not plain data.

This module runs on both sides: in the grader, and — its source sent as code — inside a student's
kernel (see :data:`KERNEL_HELPER`), so it imports nothing outside the standard library and NumPy
at module level. On the grader's side every file is untrusted input: :func:`load` checks sizes,
depth, tags, dtypes and the zip's entries before anything is built.
"""

from __future__ import annotations

import io
import json
import os
import stat
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

MAX_JSON_BYTES = 8 * 2**20
MAX_ARRAY_BYTES = 256 * 2**20  # all arrays of one file together
MAX_DEPTH = 32
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")  # np.random.Generator's
ARRAY_KINDS = "biufc"  # bool, int, uint, float, complex: never objects, strings or records


class WireError(Exception):
    """A value that cannot cross (not plain data), or a malformed file."""


def _tensorflow() -> Any:
    """TensorFlow if this process imported it already (never imported here just for decoding)."""
    return sys.modules.get("tensorflow")


def encode(value: Any, arrays: dict[str, np.ndarray], depth: int = 0, codec: Any = None) -> Any:
    """The JSON node of ``value``; its arrays are added to ``arrays``. ``codec`` (see
    :mod:`grading.keras_wire`) encodes what is not plain data here, or returns None."""
    if depth > MAX_DEPTH:
        return {"t": "unsupported", "type": "too deeply nested"}
    if isinstance(value, np.ndarray | np.generic):
        if value.dtype.kind not in ARRAY_KINDS:
            return {"t": "unsupported", "type": f"array of dtype {value.dtype}"}
        key = f"a{len(arrays)}"
        arrays[key] = np.asarray(value)
        return {"t": "array" if isinstance(value, np.ndarray) else "scalar", "k": key}
    if value is None:
        return {"t": "NoneType"}
    if isinstance(value, bool):
        return {"t": "bool", "v": value}
    if isinstance(value, str):
        return {"t": "str", "v": str(value)}
    if isinstance(value, int):
        return {"t": "int", "v": str(value)}
    if isinstance(value, float):
        return {"t": "float", "v": repr(value)}
    if isinstance(value, complex):
        return {"t": "complex", "v": [repr(value.real), repr(value.imag)]}
    if isinstance(value, tuple | list):
        items = [encode(item, arrays, depth + 1, codec) for item in value]
        return {"t": "tuple" if isinstance(value, tuple) else "list", "v": items}
    if isinstance(value, dict):
        pairs = [
            [encode(k, arrays, depth + 1, codec), encode(v, arrays, depth + 1, codec)]
            for k, v in value.items()
        ]
        return {"t": "dict", "v": pairs}
    if isinstance(value, np.random.Generator):
        name = type(value.bit_generator).__name__
        return {
            "t": "generator",
            "v": encode(value.bit_generator.state, arrays, depth + 1),
            "b": name,
        }
    if codec is not None:
        node = codec.encode(value, arrays, depth)
        if node is not None:
            return node
    tf = _tensorflow()
    if tf is not None and isinstance(value, tf.Tensor | tf.Variable):
        key = f"a{len(arrays)}"
        arrays[key] = np.asarray(value.numpy())
        kind = "variable" if isinstance(value, tf.Variable) else "tensor"
        return {"t": kind, "k": key, "dtype": value.dtype.name}
    return {"t": "unsupported", "type": type(value).__name__}


def decode(node: Any, arrays: dict[str, np.ndarray], depth: int = 0, codec: Any = None) -> Any:
    """The value of a JSON node (:func:`encode`'s inverse); raises :class:`WireError` (also for
    whatever ``codec``, which decodes the tags it added, raises)."""
    if depth > MAX_DEPTH or not isinstance(node, dict) or not isinstance(node.get("t"), str):
        raise WireError("malformed value")
    tag, raw = node["t"], node.get("v")
    try:
        if tag == "NoneType":
            return None
        if tag == "bool" and isinstance(raw, bool):
            return raw
        if tag == "str" and isinstance(raw, str):
            return raw
        if tag == "int" and isinstance(raw, str) and len(raw) < 5000:
            return int(raw)
        if tag == "float" and isinstance(raw, str) and len(raw) < 40:
            return float(raw)
        if tag == "complex" and isinstance(raw, list) and len(raw) == 2:
            return complex(float(raw[0][:40]), float(raw[1][:40]))
        if tag in ("tuple", "list") and isinstance(raw, list):
            items = [decode(item, arrays, depth + 1, codec) for item in raw]
            return tuple(items) if tag == "tuple" else items
        if tag == "dict" and isinstance(raw, list):
            return {
                decode(k, arrays, depth + 1, codec): decode(v, arrays, depth + 1, codec)
                for k, v in raw
            }
        if tag == "generator" and node.get("b") in BIT_GENERATORS:
            bits = getattr(np.random, node["b"])()
            bits.state = decode(raw, arrays, depth + 1, codec)
            return np.random.Generator(bits)
        if tag in ("array", "scalar", "tensor", "variable") and node.get("k") in arrays:
            array = arrays[node["k"]]
            if tag == "array":
                return array
            if tag == "scalar":
                return array[()]
            tf = _tensorflow()
            if tf is None:
                return array
            return tf.Variable(array) if tag == "variable" else tf.constant(array)
    except (TypeError, ValueError, KeyError, OverflowError) as error:
        raise WireError(f"malformed {tag}: {error}") from None
    if tag == "unsupported":
        raise WireError(f"a {str(node.get('type'))[:80]} object, which is not plain data")
    if codec is not None:
        try:
            return codec.decode(node, arrays, depth)
        except WireError:
            raise
        except Exception as error:  # the codec's own checks, or Keras refusing hostile input
            raise WireError(f"{type(error).__name__}: {str(error)[:300]}") from None
    raise WireError(f"malformed {tag[:40]}")


def unsupported(node: Any) -> str | None:
    """The type of the first value of an encoded tree that is not plain data, if any."""
    if isinstance(node, dict):
        if node.get("t") == "unsupported":
            return str(node.get("type"))
        children = node.get("v") if isinstance(node.get("v"), list) else []
        for child in children:
            found = unsupported(child)
            if found:
                return found
    if isinstance(node, list):
        for child in node:
            found = unsupported(child)
            if found:
                return found
    return None


def save(value: Any, path: Path, strict: bool = False, codec: Any = None) -> None:
    """Write ``value`` to ``path.json`` and its arrays to ``path.npz`` (atomically: json last).

    ``strict``: raise :class:`WireError` instead of writing a value that is not plain data.
    ``codec``: as in :func:`encode`.
    """
    arrays: dict[str, np.ndarray] = {}
    node = encode(value, arrays, codec=codec)
    if strict and unsupported(node):
        raise WireError(f"a {unsupported(node)} object is not plain data")
    np.savez(path.with_suffix(".npz"), **arrays)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(node))
    tmp.replace(path.with_suffix(".json"))


def read_untrusted(path: Path, limit: int) -> bytes:
    """The bytes of a regular file at most ``limit`` long, never following a link, never waiting
    on a FIFO or device (the sandbox can put anything at a path it knows)."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        raise WireError(f"no readable file {path.name}") from None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise WireError(f"{path.name} is not a regular file")
        if info.st_size > limit:
            raise WireError(f"{path.name} is larger than {limit // 2**20} MB")
        with os.fdopen(handle, "rb", closefd=False) as file:
            data = file.read(limit + 1)
    finally:
        os.close(handle)
    if len(data) > limit:
        raise WireError(f"{path.name} is larger than {limit // 2**20} MB")
    return data


def _load_arrays(path: Path) -> dict[str, np.ndarray]:
    data = io.BytesIO(read_untrusted(path, MAX_ARRAY_BYTES))
    try:
        with zipfile.ZipFile(data) as archive:
            for info in archive.infolist():
                if info.compress_type != zipfile.ZIP_STORED or info.file_size > MAX_ARRAY_BYTES:
                    raise WireError("compressed or oversized array entry")
        data.seek(0)
        with np.load(data, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise WireError(f"unreadable arrays: {str(error)[:100]}") from None
    for array in arrays.values():
        if array.dtype.kind not in ARRAY_KINDS:
            raise WireError(f"array of dtype {array.dtype}")
    return arrays


def load(path: Path, codec: Any = None) -> Any:
    """Read what :func:`save` wrote, treating the files as hostile input (``codec``: as in
    :func:`decode`)."""
    text = read_untrusted(path.with_suffix(".json"), MAX_JSON_BYTES)
    try:
        node = json.loads(text.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise WireError("result is not JSON") from None
    return decode(node, _load_arrays(path.with_suffix(".npz")), codec=codec)


# Runs inside the student's kernel, after this module's source (exec'd as module ``_grading_wire``)
# and grading.keras_wire's (``_grading_keras``, whose ``SESSION`` is a KernelCodec):
# ``_grading_call`` calls a function of the notebook's namespace on decoded arguments and writes
# the result, the arguments as they are after the call (in-place changes), the gradient of a
# scalar result with respect to the float tensors among the arguments (when the grader asks: a
# tape records there), and any exception;
# ``_grading_fetch`` writes variables of the notebook (the state a test reads); and
# ``_grading_signature`` a function's parameters and their defaults.
KERNEL_HELPER = """
def _grading_reply(out, reply):
    import sys
    from pathlib import Path
    wire, keras_wire = sys.modules["_grading_wire"], sys.modules["_grading_keras"]
    try:
        wire.save(reply, Path(out), codec=keras_wire.SESSION)
    except Exception as error:
        failure = ["GradingWireError", f"{type(error).__name__}: {str(error)[:500]}", ""]
        wire.save({"error": failure}, Path(out))


def _grading_call(name, path, out):
    import sys, traceback
    from pathlib import Path
    wire, keras_wire = sys.modules["_grading_wire"], sys.modules["_grading_keras"]
    codec, tf = keras_wire.SESSION, sys.modules.get("tensorflow")
    codec.begin_call()
    if name not in get_ipython().user_ns:
        _grading_reply(out, {"error": ["NameError", f"name {name!r} is not defined", ""]})
        return
    try:
        args, kwargs, gradients = wire.load(Path(path), codec=codec)
        function = get_ipython().user_ns[name]
    except Exception as error:
        failure = ["GradingSetupError", f"{type(error).__name__}: {error}", ""]
        _grading_reply(out, {"error": failure})
        return
    watched = keras_wire.tensor_leaves([args, kwargs]) if gradients else []
    try:
        if watched:
            with tf.GradientTape() as tape:
                tape.watch(watched)
                value = function(*args, **kwargs)
        else:
            value = function(*args, **kwargs)
    except BaseException as error:
        text = "".join(traceback.format_exception(error)[-6:])
        _grading_reply(out, {"error": [type(error).__name__, str(error), text]})
        return
    grads = None
    if watched and isinstance(value, tf.Tensor) and value.shape == () and value.dtype.is_floating:
        grads = [None if g is None else g.numpy() for g in tape.gradient(value, watched)]
    try:
        graph = codec.graph(value)
    except Exception as error:
        failure = [
            "ValueError",
            f"{name} returned Keras tensors that are not computed from its inputs: {error}",
            "",
        ]
        _grading_reply(out, {"error": failure})
        return
    changes = (wire.np.ndarray, wire.np.random.Generator) + ((tf.Variable,) if tf else ())
    after = [a if isinstance(a, changes) else None for a in args]
    named = {k: v for k, v in kwargs.items() if isinstance(v, changes)}
    reply = {"graph": graph, "value": value, "args": after, "kwargs": named, "grads": grads}
    _grading_reply(out, reply)


def _grading_fetch(names, out):
    import sys
    wire, keras_wire = sys.modules["_grading_wire"], sys.modules["_grading_keras"]
    namespace, kept, refused = get_ipython().user_ns, {}, {}
    for name in names:
        if name in namespace:
            try:
                node = wire.encode(namespace[name], {}, codec=keras_wire.KernelCodec())
            except Exception:
                node = {"t": "unsupported", "type": "unencodable"}
            if wire.unsupported(node):
                refused[name] = wire.unsupported(node)
            else:
                kept[name] = namespace[name]
    _grading_reply(out, {"values": kept, "refused": refused})


def _grading_signature(name, out):
    import inspect, sys
    wire, keras_wire = sys.modules["_grading_wire"], sys.modules["_grading_keras"]
    try:
        parameters = inspect.signature(get_ipython().user_ns[name]).parameters.values()
    except Exception as error:
        _grading_reply(out, {"error": [type(error).__name__, str(error), ""]})
        return
    described = []
    for parameter in parameters:
        default = None
        if parameter.default is not inspect.Parameter.empty:
            node = wire.encode(parameter.default, {}, codec=keras_wire.KernelCodec())
            if wire.unsupported(node):
                default = ["opaque", repr(parameter.default)[:100]]
            else:
                default = ["value", parameter.default]
        described.append([parameter.name, int(parameter.kind), default])
    _grading_reply(out, {"parameters": described})
"""
