"""The public tests of notebook 07 pass the instructor's solutions and explain typical mistakes."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from tests.notebook_code import solution
from tests.public_test_helpers import (
    assert_passes,
    failure,
    failure_mentioning,
    not_implemented,
    returns_none,
)
from utils.face_alignment import prepare_face
from utils.public_tests import faces as tests

NOTEBOOK = "07_face_recognition.ipynb"
BASE = {"np": np, "tf": tf, "prepare_face": prepare_face}


def namespace(replace_encoding: tuple[str, str] | None = None) -> dict:
    """The notebook's names, with img_to_encoding defined (verify and who_is_it call it)."""
    scope = dict(BASE)
    scope["img_to_encoding"] = solution(NOTEBOOK, "img_to_encoding", BASE, replace_encoding)
    return scope


TESTS = {
    "triplet_loss": tests.triplet_loss_test,
    "img_to_encoding": tests.img_to_encoding_test,
    "verify": tests.verify_test,
    "who_is_it": tests.who_is_it_test,
}


@pytest.mark.parametrize("name", TESTS)
def test_the_solution_passes(name, capsys):
    assert_passes(capsys, TESTS[name], solution(NOTEBOOK, name, namespace()), prints_first=True)


@pytest.mark.parametrize("name", TESTS)
def test_a_stub_is_reported_as_not_implemented(name):
    assert "not implemented yet" in failure(TESTS[name], not_implemented)


@pytest.mark.parametrize("name", TESTS)
def test_returning_none_is_caught(name):
    message = failure(TESTS[name], returns_none)
    assert "None" in message or "return" in message, message


# Typical mistakes: a solution's name, an (old, new) edit of its source, what the message must say.
MISTAKES = {
    "triplet-loss-that-is-nan": (
        "triplet_loss",
        ("tf.reduce_sum(tf.maximum", "np.nan * tf.reduce_sum(tf.maximum"),
        ("the loss is nan, not a finite number",),
    ),
    "triplet-loss-with-a-mean": (
        "triplet_loss",
        ("tf.reduce_sum(tf.maximum", "tf.reduce_mean(tf.maximum"),
        ("two triplets", "got 2.5 but 5 was expected"),
    ),
    "triplet-loss-without-the-hinge": (
        "triplet_loss",
        ("tf.reduce_sum(tf.maximum(basic_loss, 0.0))", "tf.reduce_sum(basic_loss)"),
        ("the hinge gives 0", "got -2 but 0 was expected"),
    ),
    "triplet-loss-summing-distances-over-the-batch": (
        "triplet_loss",
        ("tf.subtract(anchor, positive)), axis=-1)", "tf.subtract(anchor, positive)), axis=None)"),
        ("two triplets",),
    ),
    "triplet-loss-without-reduction-is-told-to-sum": (
        "triplet_loss",
        ("tf.reduce_sum(tf.maximum(basic_loss, 0.0))", "tf.maximum(basic_loss, 0.0)"),
        ("should be a scalar but has shape (1,)",),
    ),
    "triplet-loss-with-a-hard-coded-alpha": (
        "triplet_loss",
        ("neg_dist), alpha)", "neg_dist), 0.2)"),
        ("α = 5",),
    ),
    "an-encoding-that-is-not-normalised": (
        "img_to_encoding",
        ("embedding = embedding / np.linalg.norm(embedding, ord=2)", "pass"),
        ("must have length 1",),
    ),
    "an-encoding-without-the-batch-axis-is-told-the-shape": (
        "img_to_encoding",
        (
            "embedding = embedding / np.linalg.norm(embedding, ord=2)",
            "embedding = embedding[0] / np.linalg.norm(embedding, ord=2)",
        ),
        ("of shape (4,) but (1, 4) was expected",),
    ),
    "an-encoding-of-unscaled-pixels": (
        "img_to_encoding",
        ("x = np.expand_dims(img, axis=0)", "x = np.expand_dims(img * 255, 0)"),
        ("values are wrong", "prepare_face"),
    ),
    "verify-with-a-squared-distance": (
        "verify",
        (
            "dist = np.linalg.norm(encoding - database[identity])",
            "dist = np.sum((encoding - database[identity]) ** 2)",
        ),
        ("dist is 0.2500 but 0.5 was expected", "not squared"),
    ),
    "verify-with-the-door-logic-reversed": (
        "verify",
        ("if dist < threshold:", "if dist > threshold:"),
        ("door_open is False but True was expected",),
    ),
    "verify-ignoring-the-threshold-argument": (
        "verify",
        ("if dist < threshold:", "if dist < 0.7:"),
        ("threshold 1",),
    ),
    "who-is-it-keeping-the-largest-distance": (
        "who_is_it",
        ("if dist < min_dist:", "if dist > min_dist or min_dist == 100:"),
        ("but (0.3, 'younes') was expected",),
    ),
    "who-is-it-starting-from-zero": (
        "who_is_it",
        ("min_dist = 100", "min_dist = 0"),
        ("but (0.3, 'younes') was expected",),
    ),
    "who-is-it-that-never-says-not-in-the-database": (
        "who_is_it",
        ("if min_dist > threshold:", "if False:"),
        ("must print 'Not in the database.'",),
    ),
}


@pytest.mark.parametrize(("name", "replace", "fragments"), MISTAKES.values(), ids=MISTAKES)
def test_a_mistake_is_caught_and_explained(name, replace, fragments):
    wrong = solution(NOTEBOOK, name, namespace(), replace)
    failure_mentioning(TESTS[name], wrong, *fragments)
