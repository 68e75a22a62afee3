"""Keras objects across the sandbox's wall, as plain data: configs as JSON, weights as arrays.

A codec extends :mod:`grading.wire` (``codec=`` of :func:`grading.wire.save` and
:func:`grading.wire.load`) for the values a Keras exercise passes and returns. One side of each
pair runs in the grader (:class:`GraderCodec`), the other inside the student's kernel
(:class:`KernelCodec`, this module's source sent as code, like :mod:`grading.wire`).

- **A model** crosses as its Keras config (JSON, compile settings dropped) and its weights (one
  list of arrays per layer, in the ``.npz``). The grader rebuilds it with
  :func:`rebuild`: every class the config names must be one of Keras's own (module ``keras``…)
  or one of the course's registered layers (:data:`COURSE_LAYERS`); then Keras deserialises it
  with ``safe_mode=True`` (no ``Lambda`` code). Never pickle, never a class of the student's.
- **Symbolic tensors** (a block built on ``keras.Input``): each ``KerasTensor`` argument crosses
  as its shape and dtype, and the kernel makes a fresh ``keras.Input`` of it. The symbolic tensors
  the function returns come back as one functional model from those inputs to those outputs (its
  config, as above); the grader rebuilds it on its own tensors (its input layers are the
  grader's), so the test sees the same layers, shapes, parameters and tensor history as if the
  block had been built here.
- **Initializers the test passes** (an ``Initializer``, or a function that returns one) cross as a
  token: in the kernel a stand-in that fills with zeros, in the grader the test's own
  initializer. Layers built with a token are initialised in the grader (their kernel weights are
  not sent).
- **References**: a model or ``tf.Variable`` the kernel sent keeps a number; when the test passes
  it back (``encoder`` to ``verify``, ``generated_image`` to ``train_step``), the kernel gets its
  own object again, and the same object sent twice is the same object in the grader (``is``).
- **Keras's own classes and functions** (a default such as ``initializer=random_uniform``) cross
  by module and name, resolved only among modules of Keras already imported.

Hostile input: a config is checked (:func:`check_config`) before Keras sees it; a missing name,
a wrong weight shape or a foreign class is a :class:`KerasWireError`.
"""

from __future__ import annotations

import importlib
import json
import sys
import types
from typing import Any

import numpy as np

# The course's own layers (utils: trusted code of the grader), by registered package: the module
# that defines them and the function of it that registers them ("" when importing it does).
COURSE_LAYERS = {"course": ("utils.yolo", ""), "course_faces": ("utils.face_models", "_layers")}
TOKEN = "grading>Token"  # the registered name of the initializer stand-in
RESOLVE = "grading>Resolve"  # what a token is resolved by in the grader (never registered)
KERAS_DATA = frozenset({"__keras_tensor__", "__tensor__", "__numpy__"})  # not classes: data
MAX_CONFIG_BYTES = 8 * 2**20


class KerasWireError(Exception):
    """A Keras object that cannot cross or cannot be rebuilt safely."""


def _keras() -> Any:
    keras = sys.modules.get("keras")
    if keras is None:
        raise KerasWireError("Keras is not imported on this side")
    return keras


def _token_class() -> type:
    """The initializer stand-in, registered with Keras (once per process) as :data:`TOKEN`."""
    keras = _keras()
    found = keras.saving.get_registered_object(TOKEN)
    if found is not None:
        return found

    @keras.saving.register_keras_serializable(package="grading", name="Token")
    class Token(keras.initializers.Initializer):
        def __init__(self, token: int, call: list | None = None) -> None:
            self.token, self.call = token, call

        def __call__(self, shape: Any, dtype: Any = None) -> Any:
            return keras.ops.zeros(shape, dtype=dtype or "float32")

        def get_config(self) -> dict[str, Any]:
            return {"token": self.token, "call": self.call}

    return Token


def course_class(registered: Any) -> type | None:
    """The course's layer class registered as ``registered`` (``package>Name``), if it is one."""
    package, _, name = str(registered).partition(">")
    if package not in COURSE_LAYERS or not name:
        return None
    module, register = COURSE_LAYERS[package]
    loaded = importlib.import_module(module)
    if register:
        getattr(loaded, register)()
    found = _keras().saving.get_registered_object(str(registered))
    return found if getattr(found, "__module__", "") == module else None


def check_config(node: Any, depth: int = 0) -> None:
    """Raise :class:`KerasWireError` unless each class ``node`` names is Keras's or the course's."""
    if depth > 200:
        raise KerasWireError("the model's config is nested too deeply")
    if isinstance(node, list):
        for item in node:
            check_config(item, depth + 1)
        return
    if not isinstance(node, dict):
        return
    if "class_name" in node:
        name, module = node.get("class_name"), node.get("module")
        registered = node.get("registered_name")
        keras_own = isinstance(module, str) and (module == "keras" or module.startswith("keras."))
        if name == "__lambda__" or name == "function":
            raise KerasWireError(
                f"the model uses a Python function ({str(node.get('config'))[:60]!r}): only "
                "Keras's own layers, activations by name and the course's layers can be rebuilt"
            )
        if not (
            keras_own
            or course_class(registered) is not None
            or registered == TOKEN
            or (module is None and name in KERAS_DATA)
        ):
            raise KerasWireError(
                f"the model uses the class {str(name)[:60]} of {str(module)[:60]}: only Keras's "
                "own layers and the course's can be rebuilt outside the notebook"
            )
    for value in node.values():
        check_config(value, depth + 1)


def _resolving(node: Any) -> Any:
    """``node`` with each :data:`TOKEN` renamed :data:`RESOLVE` (a name nothing registers, so
    that Keras takes it from the scope :func:`rebuild` gives, even where a Token is registered)."""
    if isinstance(node, list):
        return [_resolving(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("registered_name") == TOKEN:
        return {**node, "registered_name": RESOLVE, "class_name": RESOLVE, "module": None}
    return {key: _resolving(value) for key, value in node.items()}


def model_config(model: Any) -> str:
    """A model's Keras config as JSON, without its compile settings (optimizer, loss)."""
    config = _keras().saving.serialize_keras_object(model)
    config.pop("compile_config", None)
    return json.dumps(config)


def _layer_weights(model: Any, arrays: dict[str, np.ndarray]) -> list[list[Any]]:
    """``[[layer name, [array keys]], …]`` for every layer with weights, but those built with a
    :data:`TOKEN` initializer (the grader initialises them itself)."""
    out = []
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights or TOKEN in json.dumps(layer.get_config(), default=str):
            continue
        keys = []
        for weight in weights:
            keys.append(f"a{len(arrays)}")
            arrays[keys[-1]] = np.asarray(weight)
        out.append([layer.name, keys])
    return out


def rebuild(
    config: Any,
    weights: Any,
    arrays: dict[str, np.ndarray],
    initializers: dict[str, Any] | None = None,
    inputs: list[Any] | None = None,
) -> Any:
    """The model of ``config`` (JSON text) with ``weights`` (see :func:`_layer_weights`), rebuilt
    by Keras in safe mode after :func:`check_config`. ``initializers`` maps a token number (as a
    string) to the object its :data:`TOKEN` stands for. ``inputs``: KerasTensors of this side
    that stand for the functional model's inputs, in order: its layers are then called on them
    first (a test that follows a tensor's history sees them), and the model runs from them."""
    keras = _keras()
    if not isinstance(config, str) or len(config) > MAX_CONFIG_BYTES:
        raise KerasWireError("malformed model config")
    try:
        tree = json.loads(config)
    except (ValueError, RecursionError):
        raise KerasWireError("the model's config is not JSON") from None
    check_config(tree)
    tree.pop("compile_config", None)
    found = dict(initializers or {})

    class Resolve:  # Keras calls from_config with the token's config
        @classmethod
        def from_config(cls, inner: dict[str, Any]) -> Any:
            key = str(inner.get("token"))
            if key not in found:
                raise KerasWireError(f"unknown initializer token {key[:20]}")
            target, call = found[key], inner.get("call")
            if isinstance(call, list) and len(call) == 2 and not isinstance(target, type):
                args, kwargs = call
                if isinstance(args, list) and isinstance(kwargs, dict):
                    return target(*args, **kwargs)
            return target

    scope: dict[str, Any] = {RESOLVE: Resolve}
    tree = _resolving(tree)
    if inputs is not None:
        tree = _on_inputs(tree, inputs, scope)
    try:
        with keras.saving.CustomObjectScope(scope):
            model = keras.saving.deserialize_keras_object(tree, safe_mode=True)
    except KerasWireError:
        raise
    except Exception as error:
        raise KerasWireError(f"Keras could not rebuild the model: {str(error)[:200]}") from None
    if not isinstance(model, keras.Model):
        raise KerasWireError(f"not a Keras model but a {type(model).__name__}")
    layers = {layer.name: layer for layer in model.layers}
    if not isinstance(weights, list):
        raise KerasWireError("malformed weights")
    for entry in weights:
        if not (isinstance(entry, list) and len(entry) == 2 and entry[0] in layers):
            raise KerasWireError("weights of an unknown layer")
        name, keys = entry
        layer = layers[name]
        values = [arrays.get(key) if isinstance(key, str) else None for key in keys]
        shapes = [tuple(weight.shape) for weight in layer.weights]
        if any(v is None for v in values) or [v.shape for v in values] != shapes:
            raise KerasWireError(f"the weights of layer {name[:60]} do not fit its shapes")
        layer.set_weights(values)
    return model


def _on_inputs(tree: Any, inputs: list[Any], scope: dict[str, Any]) -> Any:
    """A functional model's config whose input layers are this side's ``inputs``: each input
    layer's entry is resolved (through ``scope``) to the layer that made the tensor, and every
    reference to it points at the tensor's own node."""
    config = tree.get("config") if isinstance(tree, dict) else None
    if not isinstance(config, dict) or not isinstance(config.get("input_layers"), list):
        raise KerasWireError("the returned tensors do not come with a functional graph")
    heads = config["input_layers"]
    if heads and not isinstance(heads[0], list):  # one input: Keras writes a single triple
        heads = [heads]
    if len(heads) != len(inputs) or not all(isinstance(h, list) and h for h in heads):
        raise KerasWireError("the returned tensors do not come from the inputs given")
    history: dict[str, list[Any]] = {}
    for index, (head, tensor) in enumerate(zip(heads, inputs, strict=True)):
        layer, node, position = tensor._keras_history
        name = f"grading>Input{index}"
        history[str(head[0])] = [node, position]

        class Existing:  # Keras calls from_config: the layer that made this side's tensor
            @classmethod
            def from_config(cls, inner: dict[str, Any], layer: Any = layer) -> Any:
                return layer

        scope[name] = Existing
        for entry in config.get("layers", []):
            if isinstance(entry, dict) and entry.get("name") == head[0]:
                entry.update(module=None, class_name=name, registered_name=name, config={})
                entry["inbound_nodes"] = []

    def point(node: Any) -> Any:
        if isinstance(node, list):
            if len(node) == 3 and isinstance(node[0], str) and node[0] in history:
                return [node[0], *history[node[0]]]
            return [point(item) for item in node]
        if isinstance(node, dict):
            return {key: point(value) for key, value in node.items()}
        return node

    config["input_layers"] = point(config["input_layers"])
    for entry in config.get("layers", []):
        if isinstance(entry, dict) and "inbound_nodes" in entry:
            entry["inbound_nodes"] = point(entry["inbound_nodes"])
    return tree


def tensor_leaves(value: Any) -> list[Any]:
    """The float tensors and variables of a value's tuples, lists and dicts, in order: the
    inputs a gradient is computed for."""
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return []
    if isinstance(value, tuple | list):
        return [leaf for item in value for leaf in tensor_leaves(item)]
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in tensor_leaves(item)]
    if isinstance(value, tf.Tensor | tf.Variable):
        return [value] if value.dtype.is_floating else []
    return []


def keras_tensors(value: Any) -> list[Any]:
    """The ``KerasTensor``\\ s of a value's tuples, lists and dicts, in order."""
    keras = sys.modules.get("keras")
    if keras is None:
        return []
    if isinstance(value, tuple | list):
        return [leaf for item in value for leaf in keras_tensors(item)]
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in keras_tensors(item)]
    return [value] if isinstance(value, keras.KerasTensor) else []


def _keras_ref(value: Any) -> dict[str, Any] | None:
    """A class or function of Keras itself, by module and name."""
    module, name = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
    if (
        isinstance(value, type | type(len) | type(_keras_ref))
        and isinstance(module, str)
        and isinstance(name, str)
        and (module == "keras" or module.startswith("keras."))
    ):
        return {"t": "keras_ref", "module": module, "name": name}
    return None


def _resolve_ref(node: dict[str, Any]) -> Any:
    path, name = str(node.get("module")), node.get("name")
    module = sys.modules.get(path) if path.split(".")[0] == "keras" else None
    if module is None or not isinstance(name, str):
        raise KerasWireError("unknown Keras reference")
    value: Any = module
    for part in name.split("."):
        if part.startswith("_") or not hasattr(value, part):
            raise KerasWireError(f"unknown Keras reference {name[:60]}")
        value = getattr(value, part)
    return value


class GraderCodec:
    """The grader's side, for every call of one test (its references live as long as it)."""

    def __init__(self) -> None:
        self.objects: dict[int, Any] = {}  # reference number -> the grader's copy
        self.numbers: dict[int, int] = {}  # id(copy) -> reference number
        self.initializers: dict[str, Any] = {}
        self.inputs: list[Any] = []  # this call's KerasTensor arguments
        self.outputs: list[Any] = []  # this call's KerasTensor results

    def begin_call(self) -> None:
        self.inputs, self.outputs = [], []

    def encode(self, value: Any, arrays: dict[str, np.ndarray], depth: int) -> Any:
        if id(value) in self.numbers and self.objects.get(self.numbers[id(value)]) is value:
            return {"t": "ref", "k": self.numbers[id(value)]}
        keras = sys.modules.get("keras")
        if keras is None:
            return None
        if isinstance(value, keras.KerasTensor):
            self.inputs.append(value)
            shape = [None if d is None else int(d) for d in value.shape]
            return {"t": "keras_input", "shape": shape, "dtype": str(value.dtype)}
        if isinstance(value, keras.Model):
            weights = _layer_weights(value, arrays)
            return {"t": "keras_model", "config": model_config(value), "weights": weights}
        if isinstance(value, keras.initializers.Initializer):
            key = str(len(self.initializers))
            self.initializers[key] = value
            return {"t": "initializer", "k": key}
        ref = _keras_ref(value)
        if ref is not None:
            return ref
        if isinstance(value, types.FunctionType):
            try:  # the test's initializer factory (e.g. keras_initializer(kernel))
                made = value()
            except Exception:
                made = None
            if isinstance(made, keras.initializers.Initializer):
                key = str(len(self.initializers))
                self.initializers[key] = value
                return {"t": "initializer_factory", "k": key}
        return None

    def decode(self, node: dict[str, Any], arrays: dict[str, np.ndarray], depth: int) -> Any:
        tag = node.get("t")
        if tag == "keras_model":
            number = node.get("ref")
            if isinstance(number, int) and number in self.objects:
                return self.objects[number]
            model = rebuild(node.get("config"), node.get("weights"), arrays, self.initializers)
            return self._remember(number, model)
        if tag == "keras_graph":
            config, weights = node.get("config"), node.get("weights")
            graph = rebuild(config, weights, arrays, self.initializers, list(self.inputs))
            self.outputs = list(graph.outputs)
            return None
        if tag == "keras_output":
            index = node.get("i")
            if not isinstance(index, int) or not 0 <= index < len(self.outputs):
                raise KerasWireError("a returned tensor that is not in the returned graph")
            return self.outputs[index]
        if tag == "variable_ref":
            number, key = node.get("k"), node.get("a")
            tf = sys.modules.get("tensorflow")
            if tf is None or not isinstance(key, str) or key not in arrays:
                raise KerasWireError("malformed variable")
            if isinstance(number, int) and number in self.objects:
                variable = self.objects[number]
                variable.assign(arrays[key])
                return variable
            return self._remember(number, tf.Variable(arrays[key]))
        if tag == "keras_ref":
            return _resolve_ref(node)
        raise KerasWireError(f"malformed {str(tag)[:40]}")

    def _remember(self, number: Any, value: Any) -> Any:
        if isinstance(number, int):
            self.objects[number] = value
            self.numbers[id(value)] = number
        return value


class Graph:
    """The functional model of one call's symbolic results (:meth:`KernelCodec.graph`)."""

    def __init__(self, model: Any) -> None:
        self.model = model


class KernelCodec:
    """The kernel's side: keeps every model and variable it sent (by number) for one test."""

    def __init__(self) -> None:
        self.sent: list[Any] = []
        self.inputs: list[Any] = []
        self.outputs: list[Any] = []

    def begin_call(self) -> None:
        self.inputs, self.outputs = [], []

    def number(self, value: Any) -> int:
        for index, sent in enumerate(self.sent):
            if sent is value:
                return index
        self.sent.append(value)
        return len(self.sent) - 1

    def graph(self, value: Any) -> Graph | None:
        """The functional model from this call's inputs to the KerasTensors in ``value``."""
        self.outputs = keras_tensors(value)
        if not self.outputs:
            return None
        return Graph(_keras().Model(list(self.inputs), list(self.outputs)))

    def encode(self, value: Any, arrays: dict[str, np.ndarray], depth: int) -> Any:
        keras, tf = sys.modules.get("keras"), sys.modules.get("tensorflow")
        if isinstance(value, Graph):
            config, weights = model_config(value.model), _layer_weights(value.model, arrays)
            return {"t": "keras_graph", "config": config, "weights": weights}
        if keras is not None and isinstance(value, keras.KerasTensor):
            for index, output in enumerate(self.outputs):
                if output is value:
                    return {"t": "keras_output", "i": index}
            return None
        if keras is not None and isinstance(value, keras.Model):
            number = self.number(value)
            weights = _layer_weights(value, arrays)
            config = model_config(value)
            return {"t": "keras_model", "config": config, "weights": weights, "ref": number}
        if tf is not None and isinstance(value, tf.Variable):
            key = f"a{len(arrays)}"
            arrays[key] = np.asarray(value.numpy())
            return {"t": "variable_ref", "k": self.number(value), "a": key}
        return _keras_ref(value)

    def decode(self, node: dict[str, Any], arrays: dict[str, np.ndarray], depth: int) -> Any:
        tag = node.get("t")
        if tag == "ref":
            number = node.get("k")
            if not isinstance(number, int) or not 0 <= number < len(self.sent):
                raise KerasWireError("unknown reference")
            return self.sent[number]
        keras = _keras()
        if tag == "keras_input":
            tensor = keras.Input(batch_shape=tuple(node["shape"]), dtype=node.get("dtype"))
            self.inputs.append(tensor)
            return tensor
        if tag == "keras_model":
            return rebuild(node.get("config"), node.get("weights"), arrays)
        if tag == "initializer":
            return _token_class()(int(node["k"]))
        if tag == "initializer_factory":
            token = _token_class()
            key = int(node["k"])

            def factory(*args: Any, **kwargs: Any) -> Any:
                plain = (int, float, str, bool, type(None))
                call = None
                if all(isinstance(v, plain) for v in [*args, *kwargs.values()]):
                    call = [list(args), kwargs]
                return token(key, call)

            return factory
        if tag == "keras_ref":
            return _resolve_ref(node)
        raise KerasWireError(f"malformed {str(tag)[:40]}")


SESSION = KernelCodec()  # inside the kernel: the codec of the test being judged (see wire)
