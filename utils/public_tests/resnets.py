"""Public tests of notebook 04 (residual networks).

The references are independent of the exercises:

- the blocks are checked **numerically**: the learner's block is built on a ``keras.Input`` with
  fixed kernels (all ones, as in the course's own test, or a fixed cosine pattern), turned into a
  ``keras.Model`` and called on a fixed batch with ``training=False`` and ``training=True``; the
  expected values come from :func:`block_reference`, a NumPy forward pass written from the
  block's definition (1×1 conv → BN → ReLU → f×f "same" conv → BN → ReLU → 1×1 conv → BN, plus
  the shortcut, then ReLU). For the course's example the values are also derivable by hand
  (e.g. 192.71236 = 4·(16·3·c)·c² + 1 with c = 1/√1.001, checked in the unit tests);
- ResNet50 is checked layer by layer (:func:`utils.testing.summary`) against
  :func:`resnet50_layers`, the layer table derived from the architecture: output sizes from
  ⌊(n + 2p − f)/s⌋ + 1, parameters from (f·f·n_C_prev + 1)·n_C for a convolution and 4·n_C for
  a batch normalisation; and against the course's totals, 23,600,006 parameters of which
  23,546,886 are trainable.

A mistake found by a check is named when it is one of the usual ones (no shortcut, the ReLU before
the addition, the stride on the wrong convolution, batch normalisation forced into one mode, ...).
TensorFlow and Keras are imported inside the tests, never when this module is imported.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from typing import Any

import numpy as np

from utils.checks import require_int
from utils.testing import (
    BN_EPSILON,
    Checker,
    check_earlier,
    compare_summaries,
    require_callable,
    summary,
)

RESNET50_PARAMS = 23_600_006  # the course's ResNet50(input_shape=(64, 64, 3), classes=6)
RESNET50_TRAINABLE = 23_546_886
# (filters of the three convolutions, number of blocks, stride of the stage's convolutional block)
RESNET50_STAGES = (
    ((64, 64, 256), 3, 1),
    ((128, 128, 512), 4, 2),
    ((256, 256, 1024), 6, 2),
    ((512, 512, 2048), 3, 2),
)

_BLOCK_HINT = (
    "main path: Conv2D 1×1 (valid) → BatchNormalization(axis=3) → ReLU → Conv2D f×f (same) → "
    "BatchNormalization → ReLU → Conv2D 1×1 (valid) → BatchNormalization; then Add() the "
    "shortcut and apply ReLU; every Conv2D takes kernel_initializer=initializer(seed=0)"
)
_SHORTCUT_HINT = "shortcut: Conv2D(F3, 1×1, strides=s, valid) → BatchNormalization(axis=3)"
_MODE_HINT = (
    "use plain, trainable BatchNormalization(axis=3) layers: called with training=True (as fit "
    "does) they normalise with the batch's statistics, with training=False (predict, evaluate) "
    "with their moving averages"
)


# --------------------------------------------------------------------------------------------
# Fixed kernels and the NumPy reference
# --------------------------------------------------------------------------------------------


def wave(shape: tuple[int, ...]) -> np.ndarray:
    """A fixed kernel of the given shape: 0.5·cos(0.9·k + 0.3) for its entries k = 0, 1, ..."""
    size = int(np.prod(shape))
    return (0.5 * np.cos(0.9 * np.arange(size) + 0.3)).reshape(shape)


def ones(shape: tuple[int, ...]) -> np.ndarray:
    """The course's test kernel: every weight is 1."""
    return np.ones(shape)


def keras_initializer(kernel: Callable[[tuple[int, ...]], np.ndarray]) -> Callable[..., Any]:
    """An ``initializer`` argument for the blocks: ``initializer(seed=0)`` gives a Keras
    initializer that fills every kernel with ``kernel(shape)`` (the seed is ignored)."""
    import keras

    class Fixed(keras.initializers.Initializer):
        def __call__(self, shape, dtype=None):
            return keras.ops.convert_to_tensor(kernel(tuple(shape)), dtype=dtype or "float32")

        def get_config(self):
            return {}

    def initializer(seed: int | None = 0) -> keras.initializers.Initializer:
        return Fixed()

    return initializer


def conv2d_nhwc(x: np.ndarray, kernel: np.ndarray, stride: int, padding: str) -> np.ndarray:
    """(m, n_H, n_W, n_C) ⋆ (f, f, n_C, n_F) → (m, n_H', n_W', n_F), no bias.

    ``padding="valid"``: n' = ⌊(n − f)/stride⌋ + 1. ``"same"``: n' = ⌈n/stride⌉, padded the way
    TensorFlow pads (an odd total puts the extra zero row/column after, i.e. bottom/right).
    """
    f = kernel.shape[0]
    if padding == "same":
        pads = [(0, 0)]
        for n in x.shape[1:3]:
            total = max((-(-n // stride) - 1) * stride + f - n, 0)
            pads.append((total // 2, total - total // 2))
        x = np.pad(x, [*pads, (0, 0)])
    elif padding != "valid":
        raise ValueError(f"padding: expected 'valid' or 'same', got {padding!r}")
    # every f×f window (m, n_H', n_W', n_C, f, f), one row/column of windows every `stride`
    windows = np.lib.stride_tricks.sliding_window_view(x, (f, f), axis=(1, 2))
    windows = windows[:, ::stride, ::stride]
    return np.einsum("mhwcij,ijcd->mhwd", windows, kernel)


def batch_norm(x: np.ndarray, training: bool) -> np.ndarray:
    """A fresh BatchNormalization(axis=3) (γ = 1, β = 0, moving mean 0, moving variance 1).

    ``training=True`` normalises with the batch's mean and (biased) variance of every channel;
    ``training=False`` with the moving statistics, i.e. x / √(1 + ε).
    """
    if training:
        mean, variance = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))
    else:
        mean, variance = 0.0, 1.0
    return (x - mean) / np.sqrt(variance + BN_EPSILON)


def block_reference(
    X: np.ndarray,
    f: int,
    filters: tuple[int, int, int],
    kernel: Callable[[tuple[int, ...]], np.ndarray],
    *,
    s: int = 1,
    projection: bool = False,
    training: bool = False,
    shortcut: bool = True,
    relu_before_add: bool = False,
    final_relu: bool = True,
    stride_on_middle: bool = False,
    shortcut_bn: bool = True,
) -> np.ndarray:
    """NumPy forward pass of a freshly built residual block with kernels ``kernel(shape)``.

    ``projection=False`` is the identity block (the shortcut is X), ``True`` the convolutional
    block (the shortcut is a 1×1 convolution with stride ``s``, then BN). The remaining keyword
    arguments describe usual mistakes, to recognise them: no shortcut, a ReLU before the addition,
    no final ReLU, the stride on the f×f convolution, no BN on the shortcut.

    Returns:
        (m, n_H, n_W, F3) float64 array.
    """
    X = np.asarray(X, dtype=np.float64)
    F1, F2, F3 = filters
    n_C = X.shape[-1]
    s_first, s_middle = (1, s) if stride_on_middle else (s, 1)

    def relu(z):
        return np.maximum(z, 0.0)

    main = relu(batch_norm(conv2d_nhwc(X, kernel((1, 1, n_C, F1)), s_first, "valid"), training))
    main = relu(batch_norm(conv2d_nhwc(main, kernel((f, f, F1, F2)), s_middle, "same"), training))
    main = batch_norm(conv2d_nhwc(main, kernel((1, 1, F2, F3)), 1, "valid"), training)
    if relu_before_add:
        main = relu(main)
    side = X
    if projection:
        side = conv2d_nhwc(X, kernel((1, 1, n_C, F3)), s, "valid")
        side = batch_norm(side, training) if shortcut_bn else side
    out = main + side if shortcut else main
    return relu(out) if final_relu else out


def course_input() -> np.ndarray:
    """The course's test batch: three 4×4×3 examples, all −1, all 1 and all 3 (float32)."""
    return np.concatenate([np.full((1, 4, 4, 3), v, np.float32) for v in (-1.0, 1.0, 3.0)])


# --------------------------------------------------------------------------------------------
# The block tests
# --------------------------------------------------------------------------------------------

_IDENTITY_MISTAKES = (
    ({"shortcut": False}, "the shortcut is missing: Add()([X, X_shortcut]) before the last ReLU"),
    (
        {"relu_before_add": True},
        "there is a ReLU between the third BatchNormalization and the addition: add the "
        "shortcut first, then apply the ReLU",
    ),
    ({"final_relu": False}, "the ReLU after the addition is missing"),
)
_CONVOLUTIONAL_MISTAKES = (
    *_IDENTITY_MISTAKES,
    (
        {"stride_on_middle": True},
        "the stride s belongs to the first 1×1 convolution (and to the shortcut's), the f×f "
        "convolution has stride 1",
    ),
    ({"shortcut_bn": False}, "the shortcut needs its BatchNormalization(axis=3) after the conv"),
)


def _block_case(
    check: Checker,
    target: Callable[..., Any],
    X: np.ndarray,
    f: int,
    filters: list[int],
    kernel: Callable[[tuple[int, ...]], np.ndarray],
    label: str,
    *,
    s: int | None = None,
    mistakes: tuple = (),
) -> None:
    """Build the learner's block on an Input, run it in both modes, compare with the reference."""
    import keras

    projection = s is not None
    stride = s if projection else 1
    kwargs = {"initializer": keras_initializer(kernel)}
    if projection:
        kwargs["s"] = s
    inputs = keras.Input(X.shape[1:])

    block_hint = f"{_BLOCK_HINT}; {_SHORTCUT_HINT}" if projection else _BLOCK_HINT
    with check.case(f"{label}, built on a keras.Input", block_hint):
        built, outputs = check.attempt(target, inputs, f, list(filters), **kwargs)
    if not built:
        return
    if outputs is None:
        check.fail(f"{label}: {check.name} returned None: did it forget to `return X`?")
        return
    if not isinstance(outputs, keras.KerasTensor):
        check.fail(
            f"{label}: {check.name} must return the output tensor of its last layer (a "
            f"KerasTensor), got {type(outputs).__name__}"
        )
        return
    reference = {"s": stride, "projection": projection}
    expected = {
        training: block_reference(X, f, filters, kernel, training=training, **reference)
        for training in (False, True)
    }
    expected_shape = expected[False].shape
    got_shape = tuple(outputs.shape)
    if got_shape != (None, *expected_shape[1:]):
        if projection:
            hint = (
                "n_H = ⌊(n_H_prev − 1)/s⌋ + 1 after the 1×1 convolutions with stride s (the main "
                "path's first one and the shortcut's); the f×f convolution keeps the size "
                "(padding='same'); the block has F3 channels"
            )
        else:
            hint = (
                "the identity block keeps the shape of X: stride 1 everywhere, padding='same' "
                "for the f×f convolution, and F3 = n_C"
            )
        check.fail(
            f"{label}: {check.name} returned an output of shape {got_shape} but "
            f"{(None, *expected_shape[1:])} was expected (hint: {hint})"
        )
        return
    model = keras.Model(inputs, outputs)

    for training in (False, True):  # inference first: a training call moves the BN statistics
        got = np.asarray(model(X, training=training), dtype=np.float64)
        what = f"{label}, model(X, training={training})"
        if np.allclose(got, expected[training], rtol=1e-4, atol=1e-4):
            continue
        if np.allclose(got, expected[not training], rtol=1e-4, atol=1e-4):
            mode = "the batch's statistics" if not training else "the moving statistics"
            check.fail(f"{what}: BatchNormalization used {mode}: {_MODE_HINT}")
            continue
        for mistake, explanation in mistakes:
            wrong = block_reference(
                X, f, filters, kernel, training=training, **reference, **mistake
            )
            if wrong.shape == got.shape and np.allclose(got, wrong, rtol=1e-4, atol=1e-4):
                check.fail(f"{what}: {explanation}")
                break
        else:
            if (got < 0).any():
                check.fail(f"{what}: the output has negative values: the last ReLU is missing")
            else:
                hint = f"{_BLOCK_HINT}; {_SHORTCUT_HINT}" if projection else _BLOCK_HINT
                check.close(what, got, expected[training], rtol=1e-4, atol=1e-4, hint=hint)


def identity_block_test(target: Callable[..., Any]) -> None:
    """Check ``identity_block(X, f, filters, initializer)`` numerically, in both BN modes.

    The course's example (inputs −1/1/3, f = 2, filters [4, 4, 3], kernels of ones), then a random
    batch with f = 3 and the fixed cosine kernels of :func:`wave`.
    """
    require_callable(target, "identity_block")
    check = Checker("identity_block")
    _block_case(
        check,
        target,
        course_input(),
        2,
        [4, 4, 3],
        ones,
        "the course's example (f=2, filters [4, 4, 3], kernels of ones)",
        mistakes=_IDENTITY_MISTAKES,
    )
    X = np.random.default_rng(4).standard_normal((2, 5, 5, 6)).astype(np.float32)
    _block_case(
        check,
        target,
        X,
        3,
        [3, 4, 6],
        wave,
        "a random (2, 5, 5, 6) batch (f=3, filters [3, 4, 6], cosine kernels)",
        mistakes=_IDENTITY_MISTAKES,
    )
    check.done()


def convolutional_block_test(target: Callable[..., Any]) -> None:
    """Check ``convolutional_block(X, f, filters, s, initializer)`` numerically, in both modes.

    The course's inputs with f = 2, filters [2, 4, 6], s = 2 and kernels of ones (output 2×2×6),
    then a random batch with f = 3, filters [3, 5, 7], s = 3 and the cosine kernels, and s = 1.
    """
    require_callable(target, "convolutional_block")
    check = Checker("convolutional_block")
    _block_case(
        check,
        target,
        course_input(),
        2,
        [2, 4, 6],
        ones,
        "the course's inputs (f=2, filters [2, 4, 6], s=2, kernels of ones)",
        s=2,
        mistakes=_CONVOLUTIONAL_MISTAKES,
    )
    X = np.random.default_rng(5).standard_normal((2, 6, 6, 4)).astype(np.float32)
    for s in (3, 1):
        _block_case(
            check,
            target,
            X,
            3,
            [3, 5, 7],
            wave,
            f"a random (2, 6, 6, 4) batch (f=3, filters [3, 5, 7], s={s}, cosine kernels)",
            s=s,
            mistakes=_CONVOLUTIONAL_MISTAKES,
        )
    check.done()


# --------------------------------------------------------------------------------------------
# ResNet50
# --------------------------------------------------------------------------------------------


def resnet50_layers(
    input_shape: tuple[int, int, int] = (64, 64, 3), classes: int = 6
) -> tuple[list[list[Any]], list[str]]:
    """The layer table of the course's ResNet50, in :func:`utils.testing.summary`'s format.

    Derived from the architecture: ZeroPadding2D(3) → Conv2D 7×7/2 (64) → BN → ReLU →
    MaxPooling2D 3×3/2 → stages 2–5 (:data:`RESNET50_STAGES`: a convolutional block, then
    identity blocks, f = 3) → AveragePooling2D(2) → Flatten → Dense softmax. Layers are in the
    order Keras lists them (``model.layers``): within a convolutional block, the main path's third
    convolution, then the shortcut's convolution, then their two batch normalisations.

    Returns:
        rows: one row per layer (the input layer first).
        where: for each row, where that layer sits, e.g. ``"stage 3, block 1 (convolutional):
        shortcut conv 1×1"``.
    """
    if len(input_shape) != 3:
        raise ValueError(f"input_shape: expected (n_H, n_W, n_C), got {input_shape!r}")
    n_h, n_w, n_c = (
        require_int(value, name, minimum=1)
        for value, name in zip(input_shape, ("n_H", "n_W", "n_C"), strict=True)
    )
    require_int(classes, "classes", minimum=1)
    rows: list[list[Any]] = [["InputLayer", (None, n_h, n_w, n_c), 0]]
    where = ["input"]

    def add(place: str, row: list[Any]) -> None:
        rows.append(row)
        where.append(place)

    def conv(place, f, s, padding, filters):
        nonlocal n_h, n_w, n_c
        if padding == "valid":
            n_h, n_w = (n_h - f) // s + 1, (n_w - f) // s + 1
        params = (f * f * n_c + 1) * filters
        n_c = filters
        shape = (None, n_h, n_w, n_c)
        add(place, ["Conv2D", shape, params, n_c, (f, f), (s, s), padding, "linear"])

    def bn(place, channels=None):
        shape = (None, n_h, n_w, channels or n_c)
        add(place, ["BatchNormalization", shape, 4 * (channels or n_c)])

    def relu(place):
        add(place, ["ReLU", (None, n_h, n_w, n_c), 0])

    n_h, n_w = n_h + 6, n_w + 6
    add("stage 1: zero padding 3", ["ZeroPadding2D", (None, n_h, n_w, n_c), 0, ((3, 3), (3, 3))])
    conv("stage 1: conv 7×7, stride 2", 7, 2, "valid", 64)
    bn("stage 1: BatchNormalization")
    relu("stage 1: ReLU")
    n_h, n_w = (n_h - 3) // 2 + 1, (n_w - 3) // 2 + 1
    add("stage 1: max pooling 3×3, stride 2", ["MaxPooling2D", (None, n_h, n_w, n_c), 0])
    rows[-1] += [(3, 3), (2, 2), "valid"]

    for stage, ((F1, F2, F3), blocks, s) in enumerate(RESNET50_STAGES, start=2):
        for block in range(1, blocks + 1):
            kind = "convolutional" if block == 1 else "identity"
            at = f"stage {stage}, block {block} ({kind}): "
            n_in, size_in = n_c, (n_h, n_w)
            conv(at + "conv 1×1", 1, s if block == 1 else 1, "valid", F1)
            bn(at + "BatchNormalization 1")
            relu(at + "ReLU 1")
            conv(at + "conv f×f (same)", 3, 1, "same", F2)
            bn(at + "BatchNormalization 2")
            relu(at + "ReLU 2")
            conv(at + "conv 1×1", 1, 1, "valid", F3)
            if block == 1:
                n_main = (n_h, n_w)
                n_c, (n_h, n_w) = n_in, size_in
                conv(at + "shortcut conv 1×1", 1, s, "valid", F3)
                assert (n_h, n_w) == n_main
                bn(at + "BatchNormalization 3")
                bn(at + "shortcut BatchNormalization")
            else:
                bn(at + "BatchNormalization 3")
            add(at + "Add (main path + shortcut)", ["Add", (None, n_h, n_w, n_c), 0])
            relu(at + "ReLU after the addition")

    n_h, n_w = (n_h - 2) // 2 + 1, (n_w - 2) // 2 + 1
    add("average pooling 2×2", ["AveragePooling2D", (None, n_h, n_w, n_c), 0])
    rows[-1] += [(2, 2), (2, 2), "valid"]
    add("flatten", ["Flatten", (None, n_h * n_w * n_c), 0])
    units = n_h * n_w * n_c
    add("dense softmax", ["Dense", (None, classes), (units + 1) * classes, classes, "softmax"])
    return rows, where


_SIZES_HINT = (
    "on a 64×64 input the sizes are 64 → 70 (zero padding 3) → 32 (conv 7×7, stride 2) → 15 (max "
    "pooling 3×3, stride 2) → 15, 8, 4, 2 (stages 2–5, their convolutional blocks with s = 1, 2, "
    "2, 2) → 1 (average pooling 2×2): one stride of 2 too many leaves nothing to pool; each stage "
    "is a convolutional block, then identity blocks with the same filters"
)
_STAGE_2_HINT = (
    "stage 2's convolutional block takes s=1, not convolutional_block's default s=2: the max "
    "pooling has already halved the size"
)
_LARGER = (128, 128, 3)  # an input on which a ResNet50 with one stride too many still builds


def _locate(check: Checker, target: Callable[..., Any]) -> None:
    """After a crash on 64×64: build the learner's model on a larger input, where one stride too
    many still fits, and name its first layer that differs from the architecture."""
    import keras

    try:
        with contextlib.redirect_stdout(io.StringIO()):
            model = target(input_shape=_LARGER, classes=6)
    except Exception:  # noqa: BLE001  (it crashes there too: the crash above is the message)
        return
    if not isinstance(model, keras.Model):
        return
    expected, where = resnet50_layers(_LARGER, 6)
    for layer, message in compare_summaries(summary(model), expected):
        if layer is None:
            continue
        hint = ""
        if where[layer].startswith("stage 2, block 1") and "(2, 2)" in message:
            hint = f" (hint: {_STAGE_2_HINT})"
        check.fail(
            f"built on a 128×128×3 input instead, where it fits: {message} (that layer should be "
            f"{where[layer]}){hint}"
        )
        return


def ResNet50_test(target: Callable[..., Any]) -> None:  # noqa: N802  (the course's name)
    """Check ``ResNet50(input_shape=(64, 64, 3), classes=6)``: parameters, every layer, output.

    The learner's ``identity_block`` and ``convolutional_block`` (exercises 1 and 2) are checked
    first when ResNet50 calls them. The layers are compared by what they compute
    (:func:`utils.testing.summary`: ``ReLU()`` and ``Activation("relu")`` alike). When the model
    cannot be built on 64×64, it is built on 128×128 to name the layer that differs (most often
    stage 2 with the default stride 2). Then ``ResNet50(input_shape=(64, 64, 1), classes=3)``: the
    arguments are used.
    """
    import keras

    require_callable(target, "ResNet50")
    check_earlier(target, "identity_block", 1, identity_block_test)
    check_earlier(target, "convolutional_block", 2, convolutional_block_test)
    check = Checker("ResNet50")

    with check.case("ResNet50(input_shape=(64, 64, 3), classes=6)", _SIZES_HINT):
        built, model = check.attempt(target, input_shape=(64, 64, 3), classes=6)
    if not built:
        _locate(check, target)
        check.done()
    if not isinstance(model, keras.Model):
        check.fail(
            f"ResNet50 must return a keras.Model (Model(inputs=X_input, outputs=X)), got "
            f"{type(model).__name__}"
        )
        check.done()

    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    check.equal(
        "the number of parameters",
        model.count_params(),
        RESNET50_PARAMS,
        hint="compare the stages' filters and block counts with the table above",
    )
    check.equal(
        "the number of trainable parameters",
        trainable,
        RESNET50_TRAINABLE,
        hint="each BatchNormalization has 2·n_C trainable (γ, β) and 2·n_C fixed (moving mean "
        "and variance) parameters",
    )

    expected, where = resnet50_layers((64, 64, 3), 6)
    for layer, message in compare_summaries(summary(model), expected):
        if layer is not None and layer < len(where):
            message += f" (that layer should be {where[layer]})"
        check.fail(message)

    if model.output_shape == (None, 6):
        probabilities = np.asarray(model(np.zeros((2, 64, 64, 3), np.float32), training=False))
        check.true(
            np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5) and (probabilities >= 0).all(),
            "the outputs are not probabilities: the last Dense layer needs activation='softmax'",
        )
    if not check.failures:
        shape, classes = (64, 64, 1), 3
        call = f"ResNet50(input_shape={shape}, classes={classes})"
        with check.case(call, _SIZES_HINT):
            other = check.call(target, input_shape=shape, classes=classes)
        check.equal(
            f"{call}: the input shape",
            tuple(other.input_shape),
            (None, *shape),
            hint="X_input = Input(input_shape), not a fixed (64, 64, 3)",
        )
        check.equal(
            f"{call}: the output shape",
            tuple(other.output_shape),
            (None, classes),
            hint="the last layer is Dense(classes, activation='softmax')",
        )
    check.done()
