"""The public tests of notebook 07 pass the instructor's solutions and explain typical mistakes."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from tests.notebook_code import solution
from utils.faces import prepare_face
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


def failure(name: str, replace: tuple[str, str], scope: dict | None = None) -> str:
    with pytest.raises(AssertionError) as info:
        TESTS[name](solution(NOTEBOOK, name, scope or namespace(), replace))
    return str(info.value)


@pytest.mark.parametrize("name", TESTS)
def test_the_solution_passes(name, capsys):
    TESTS[name](solution(NOTEBOOK, name, namespace()))
    assert capsys.readouterr().out.endswith("All tests passed\n")


@pytest.mark.parametrize("name", TESTS)
def test_a_stub_is_reported_as_not_implemented(name):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="not implemented yet"):
        TESTS[name](stub)


@pytest.mark.parametrize("name", TESTS)
def test_returning_none_is_caught(name):
    with pytest.raises(AssertionError, match="None|return"):
        TESTS[name](lambda *args, **kwargs: None)


def test_triplet_loss_with_a_mean_is_caught():
    message = failure("triplet_loss", ("tf.reduce_sum(tf.maximum", "tf.reduce_mean(tf.maximum"))
    assert "two triplets" in message and "got 2.5 but 5 was expected" in message


def test_triplet_loss_without_the_hinge_is_caught():
    message = failure(
        "triplet_loss",
        ("tf.reduce_sum(tf.maximum(basic_loss, 0.0))", "tf.reduce_sum(basic_loss)"),
    )
    assert "the hinge gives 0" in message and "got -2 but 0 was expected" in message


def test_triplet_loss_summing_distances_over_the_batch_is_caught():
    message = failure(
        "triplet_loss",
        ("tf.subtract(anchor, positive)), axis=-1)", "tf.subtract(anchor, positive)), axis=None)"),
    )
    assert "two triplets" in message


def test_triplet_loss_without_reduction_is_told_to_sum():
    message = failure(
        "triplet_loss",
        ("tf.reduce_sum(tf.maximum(basic_loss, 0.0))", "tf.maximum(basic_loss, 0.0)"),
    )
    assert "should be a scalar but has shape (1,)" in message


def test_triplet_loss_with_a_hard_coded_alpha_is_caught():
    message = failure("triplet_loss", ("neg_dist), alpha)", "neg_dist), 0.2)"))
    assert "α = 5" in message


def test_an_encoding_that_is_not_normalised_is_caught():
    message = failure(
        "img_to_encoding",
        ("embedding = embedding / np.linalg.norm(embedding, ord=2)", "pass"),
    )
    assert "must have length 1" in message


def test_an_encoding_without_the_batch_axis_is_told_the_shape():
    message = failure(
        "img_to_encoding",
        (
            "embedding = embedding / np.linalg.norm(embedding, ord=2)",
            "embedding = embedding[0] / np.linalg.norm(embedding, ord=2)",
        ),
    )
    assert "of shape (4,) but (1, 4) was expected" in message


def test_an_encoding_of_unscaled_pixels_is_caught():
    message = failure(
        "img_to_encoding", ("x = np.expand_dims(img, axis=0)", "x = np.expand_dims(img * 255, 0)")
    )
    assert "values are wrong" in message and "prepare_face" in message


def test_verify_with_a_squared_distance_is_caught():
    message = failure(
        "verify",
        (
            "dist = np.linalg.norm(encoding - database[identity])",
            "dist = np.sum((encoding - database[identity]) ** 2)",
        ),
    )
    assert "dist is 0.2500 but 0.5 was expected" in message and "not squared" in message


def test_verify_with_the_door_logic_reversed_is_caught():
    message = failure("verify", ("if dist < threshold:", "if dist > threshold:"))
    assert "door_open is False but True was expected" in message


def test_verify_ignoring_the_threshold_argument_is_caught():
    message = failure("verify", ("if dist < threshold:", "if dist < 0.7:"))
    assert "threshold 1" in message


def test_who_is_it_keeping_the_largest_distance_is_caught():
    message = failure(
        "who_is_it", ("if dist < min_dist:", "if dist > min_dist or min_dist == 100:")
    )
    assert "but (0.3, 'younes') was expected" in message


def test_who_is_it_starting_from_zero_is_caught():
    message = failure("who_is_it", ("min_dist = 100", "min_dist = 0"))
    assert "but (0.3, 'younes') was expected" in message


def test_who_is_it_that_never_says_not_in_the_database_is_caught():
    message = failure("who_is_it", ("if min_dist > threshold:", "if False:"))
    assert "must print 'Not in the database.'" in message
