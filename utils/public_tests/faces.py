"""Public tests of notebook 07 (face recognition): fixed inputs, hand-checkable expected values.

The encoders used here are tiny Keras models with fixed weights, and database entries are unit
vectors placed at exact distances from the encoding of the test photo, so every expected distance
is known in advance (no random generator decides a value). The thresholds are also checked at
their boundary (a distance equal to the threshold), and ``verify`` and ``who_is_it`` check the
learner's ``img_to_encoding`` first (:func:`utils.testing.check_earlier`), so a wrong encoding
blames its own exercise.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from typing import Any

import numpy as np

from utils.face_alignment import prepare_face
from utils.testing import Checker, check_earlier

HINT_TRIPLET = (
    "loss = Σ_i max(‖f(A_i) − f(P_i)‖² − ‖f(A_i) − f(N_i)‖² + α, 0): squared distances summed "
    "over the last axis (one per example), then the hinge, then a sum over the examples"
)


def _scalar(check: Checker, what: str, value: Any) -> float | None:
    return check.scalar(
        what,
        value,
        hint="reduce over the examples with tf.reduce_sum",
        not_scalar="{what} should be a scalar but has shape {shape}",
    )


def triplet_loss_test(target: Callable[..., Any]) -> None:
    """``triplet_loss(y_true, y_pred, alpha=0.2)`` on hand-computed triplets."""
    check = Checker("triplet_loss")
    ones, zeros = [[1.0, 1.0]], [[0.0, 0.0]]
    cases = [
        # (anchor, positive, negative, alpha or None for the default, expected, why)
        (ones, ones, ones, None, 0.2, "A = P = N: both distances are 0, so the loss is α = 0.2"),
        (ones, ones, ones, 5.0, 5.0, "A = P = N with α = 5: loss 5"),
        (ones, ones, zeros, 3.0, 1.0, "‖A−P‖² = 0, ‖A−N‖² = 2, α = 3: 0 − 2 + 3 = 1"),
        (ones, zeros, ones, 0.0, 2.0, "‖A−P‖² = 2, ‖A−N‖² = 0, α = 0: 2"),
        (zeros, zeros, zeros, -2.0, 0.0, "0 − 0 − 2 < 0, so the hinge gives 0"),
        (
            [[1.0, 1.0], [2.0, 0.0]],
            [[0.0, 3.0], [1.0, 1.0]],
            [[1.0, 0.0], [0.0, 1.0]],
            1.0,
            5.0,
            "two triplets: max(5 − 1 + 1, 0) + max(2 − 5 + 1, 0) = 5 + 0 = 5",
        ),
    ]
    for anchor, positive, negative, alpha, expected, why in cases:
        y_pred = (
            np.array(anchor, np.float32),
            np.array(positive, np.float32),
            np.array(negative, np.float32),
        )
        kwargs = {} if alpha is None else {"alpha": alpha}
        named = dict(zip(("anchor", "positive", "negative"), y_pred, strict=True))
        with check.preserves(**named):
            got = check.call(target, None, y_pred, **kwargs)
        value = _scalar(check, "the loss", got)
        if value is None:
            break
        if abs(value - expected) > 1e-5:
            check.fail(
                f"{why}; got {value:.6g} but {expected:g} was expected (hint: {HINT_TRIPLET})"
            )
    _check_gradient(check, target)
    check.done()


def _check_gradient(check: Checker, target: Callable[..., Any]) -> None:
    """Keras trains the encoder with the loss: its gradient must flow back to the anchor.

    A = (1, 1), P = (0, 0), N = (1, 1), α = 0.2: loss = 2 − 0 + 0.2 > 0, so
    ∂loss/∂A = 2(A − P) − 2(A − N) = (2, 2).
    """
    import tensorflow as tf

    anchor = tf.Variable([[1.0, 1.0]])
    others = tf.constant([[0.0, 0.0]]), tf.constant([[1.0, 1.0]])
    with tf.GradientTape() as tape:
        loss = check.call(target, None, (anchor, *others))
    try:
        gradient = tape.gradient(loss, anchor)
    except (TypeError, ValueError, AttributeError):
        gradient = None
    if gradient is None:
        check.fail(
            "the gradient of the loss with respect to the anchor is None, so Keras could not "
            "train the encoder with it (hint: compute with TensorFlow operations — tf.square, "
            "tf.reduce_sum, tf.maximum — not NumPy, and return the tensor, not float(loss))"
        )
        return
    check.close(
        "∂loss/∂anchor for A = (1, 1), P = (0, 0), N = (1, 1), α = 0.2",
        np.asarray(gradient),
        [[2.0, 2.0]],
        atol=1e-5,
        hint="2(A − P) − 2(A − N) when the hinge is active",
    )


def _toy_encoder(size: int = 8, units: int = 4):
    """A fixed-weight encoder: (size, size, 3) → Flatten → Dense(units), no normalisation."""
    import keras

    inputs = keras.Input((size, size, 3))
    dense = keras.layers.Dense(units, use_bias=True)
    outputs = dense(keras.layers.Flatten()(inputs))
    n_in = size * size * 3
    grid = np.arange(n_in * units, dtype=np.float64).reshape(n_in, units)
    kernel = np.cos(0.37 * grid) / np.sqrt(n_in)  # fixed, not random
    dense.set_weights([kernel.astype(np.float32), np.array([0.5, -0.25, 0.1, 0.3], np.float32)])
    return keras.Model(inputs, outputs)


def _photo(height: int = 11, width: int = 13) -> np.ndarray:
    """A fixed uint8 colour photo with a smooth pattern."""
    rows, cols = np.mgrid[0:height, 0:width]
    channels = [np.sin(0.5 * rows + 0.3 * cols + k) for k in range(3)]
    return np.round((np.stack(channels, axis=-1) + 1.0) * 127.5).astype(np.uint8)


def _reference_encoding(model: Any, image: Any) -> np.ndarray:
    x = prepare_face(image, tuple(model.input_shape[1:3]))[None]
    encoding = np.asarray(model(x), dtype=np.float64)
    return encoding / np.linalg.norm(encoding)


def img_to_encoding_test(target: Callable[..., Any]) -> None:
    """``img_to_encoding(image, model)``: (1, d), the model's output scaled to unit length."""
    check = Checker("img_to_encoding")
    model = _toy_encoder()
    for what, image in [
        ("a uint8 RGB photo of 11×13 pixels", _photo()),
        ("a float grayscale photo of 20×20 pixels", _photo(20, 20)[..., 0] / 255.0),
    ]:
        with check.preserves(image=image):
            got = check.call(target, image, model)
        expected = _reference_encoding(model, image)
        if not check.shape(
            f"the encoding of {what}", got, (1, 4), hint="np.expand_dims(img, axis=0) → (1, d)"
        ):
            break
        norm = float(np.linalg.norm(np.asarray(got, dtype=np.float64)))
        if not check.true(
            abs(norm - 1.0) < 1e-4,
            f"the encoding of {what} has length {norm:.4f} but must have length 1 (hint: divide "
            "by np.linalg.norm(embedding, ord=2))",
        ):
            break
        check.close(
            f"the encoding of {what}",
            got,
            expected,
            atol=1e-4,
            hint="resize with prepare_face(image, size) (values in [0, 1]), then model(x)",
        )
    check.done()


def _unit_at(u: np.ndarray, distance: float, axis: int) -> np.ndarray:
    """A unit vector at Euclidean ``distance`` from the unit vector ``u``."""
    w = np.zeros_like(u)
    w[axis] = 1.0
    w = w - (w @ u) * u
    w /= np.linalg.norm(w)
    theta = 2.0 * np.arcsin(distance / 2.0)
    return (np.cos(theta) * u + np.sin(theta) * w)[None].astype(np.float32)


def _database(model: Any, photo: np.ndarray, distances: dict[str, float]) -> dict[str, np.ndarray]:
    u = _reference_encoding(model, photo)[0]
    return {name: _unit_at(u, d, axis) for axis, (name, d) in enumerate(distances.items())}


def _printed_call(
    check: Checker, fn: Callable[..., Any], *args: Any, **kwargs: Any
) -> tuple[Any, str]:
    """``check.call(fn, *args, **kwargs)`` and what it printed (not shown)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = check.call(fn, *args, **kwargs)
    return result, out.getvalue()


def _pair(check: Checker, got: Any, names: tuple[str, str]) -> tuple[Any, Any] | None:
    if not isinstance(got, tuple | list) or len(got) != 2:
        check.fail(f"{check.name} must return a pair ({names[0]}, {names[1]}), got {got!r}")
        return None
    return got[0], got[1]


def verify_test(target: Callable[..., Any]) -> None:
    """``verify(image, identity, database, model)`` → (dist, door_open), open when dist < 0.7."""
    check_earlier(target, "img_to_encoding", 2, img_to_encoding_test)
    check = Checker("verify")
    model, photo = _toy_encoder(), _photo()
    database = _database(model, photo, {"younes": 0.5, "kian": 0.9, "bertrand": 0.0})
    cases = [
        ("younes", {}, 0.5, True),
        ("kian", {}, 0.9, False),
        ("bertrand", {}, 0.0, True),
        ("kian", {"threshold": 1.0}, 0.9, True),
    ]
    for identity, kwargs, distance, door in cases:
        got, _ = _printed_call(check, target, photo, identity, database, model, **kwargs)
        pair = _pair(check, got, ("dist", "door_open"))
        if pair is None:
            break
        dist = _scalar(check, "dist", pair[0])
        if dist is None:
            break
        setting = f"threshold {kwargs['threshold']:g}" if kwargs else "the default threshold 0.7"
        check.true(
            abs(dist - distance) < 1e-3,
            f"for identity {identity!r} dist is {dist:.4f} but {distance} was expected (hint: "
            "dist = np.linalg.norm(encoding − database[identity]), not squared)",
        )
        check.true(
            isinstance(pair[1], bool | np.bool_) and bool(pair[1]) is door,
            f"for identity {identity!r} (dist {distance}, {setting}) door_open is {pair[1]!r} "
            f"but {door} was expected (hint: the door opens when dist < threshold)",
        )
    # The boundary: with the threshold equal to the distance the door stays closed.
    pair = _pair(
        check,
        _printed_call(check, target, photo, "younes", database, model)[0],
        ("dist", "door_open"),
    )
    dist = None if pair is None else _scalar(check, "dist", pair[0])
    if dist is not None:
        pair = _pair(
            check,
            _printed_call(check, target, photo, "younes", database, model, threshold=dist)[0],
            ("dist", "door_open"),
        )
        check.true(
            pair is None or not bool(pair[1]),
            f"with threshold equal to the distance ({dist:.6g}) the door opened: it opens only "
            "when dist < threshold, strictly (`<`, not `<=`)",
        )
    check.done()


def who_is_it_test(target: Callable[..., Any]) -> None:
    """``who_is_it(image, database, model)`` → (min_dist, identity) of the closest person."""
    check_earlier(target, "img_to_encoding", 2, img_to_encoding_test)
    check = Checker("who_is_it")
    model, photo = _toy_encoder(), _photo()
    near = {"danielle": 0.9, "younes": 0.3, "kian": 0.5}
    far = {"danielle": 1.2, "kian": 0.8}
    known, strangers = _database(model, photo, near), _database(model, photo, far)
    cases = [
        # (distances to the photo, the database, keyword arguments, the expected (min_dist,
        #  identity) and the end of the message when it is wrong (None: not checked), whether the
        #  person is recognised, the message when the printed verdict is wrong ({printed}: what
        #  it printed))
        (
            near,
            known,
            {},
            (0.3, "younes", "(hint: keep the smallest distance; start from min_dist = 100)"),
            True,
            "younes (distance 0.3 < 0.7) was reported as not in the database",
        ),
        (
            far,
            strangers,
            {},
            (0.8, "kian", "(the closest, even when too far)"),
            False,
            "min_dist 0.8 > 0.7 must print 'Not in the database.', it printed {printed!r}",
        ),
        (
            far,
            strangers,
            {"threshold": 0.85},
            None,
            True,
            "with threshold=0.85, kian at 0.8 is recognised; use the `threshold` argument",
        ),
    ]
    for distances, database, kwargs, expected, recognised, verdict in cases:
        got, printed = _printed_call(check, target, photo, database, model, **kwargs)
        pair = _pair(check, got, ("min_dist", "identity"))
        if pair is None:
            continue
        if expected is not None:
            dist = _scalar(check, "min_dist", pair[0])
            if dist is not None:
                distance, identity, explanation = expected
                listed = ", ".join(f"{name} {d}" for name, d in distances.items())
                check.true(
                    abs(dist - distance) < 1e-3 and pair[1] == identity,
                    f"with distances {listed} it returned ({dist:.4f}, {pair[1]!r}) but "
                    f"({distance}, {identity!r}) was expected {explanation}",
                )
        check.true(
            ("not in the database" not in printed.lower()) is recognised,
            verdict.format(printed=printed),
        )
    # The boundary: at min_dist == threshold the person is recognised (not in the database only
    # when min_dist > threshold).
    pair = _pair(
        check, _printed_call(check, target, photo, known, model)[0], ("min_dist", "identity")
    )
    dist = None if pair is None else _scalar(check, "min_dist", pair[0])
    if dist is not None:
        _, printed = _printed_call(check, target, photo, known, model, threshold=dist)
        check.true(
            "not in the database" not in printed.lower(),
            f"with threshold equal to min_dist ({dist:.6g}) it printed 'Not in the database.': "
            "that is only for min_dist > threshold, strictly (`>`, not `>=`)",
        )
    check.done()
