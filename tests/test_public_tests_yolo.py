"""The public tests of notebook 06 pass the solution and report a stub and a missing return.

Typical mistakes and correct alternatives are in tests/mistakes/nb06_object_detection_yolo.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from tests.notebook_code import solution
from tests.public_test_helpers import (
    assert_passes,
    failure,
    not_implemented,
    returns_none,
)
from utils.boxes import check_box, check_scored_boxes, check_yolo_boxes
from utils.public_tests import yolo as tests

NOTEBOOK = "06_object_detection_yolo.ipynb"
TESTS = {
    "yolo_boxes_to_corners": tests.yolo_boxes_to_corners_test,
    "yolo_filter_boxes": tests.yolo_filter_boxes_test,
    "iou": tests.iou_test,
    "scale_boxes": tests.scale_boxes_test,
    "yolo_non_max_suppression": tests.yolo_non_max_suppression_test,
    "yolo_eval": tests.yolo_eval_test,
}


def namespace() -> dict:
    """The notebook's names: its imports, then every solution."""
    scope = {
        "np": np,
        "tf": tf,
        "check_box": check_box,
        "check_scored_boxes": check_scored_boxes,
        "check_yolo_boxes": check_yolo_boxes,
    }
    for name in TESTS:  # in notebook order: later solutions use the earlier ones
        scope[name] = solution(NOTEBOOK, name, scope)
    return scope


@pytest.mark.parametrize("name", TESTS)
def test_the_solution_passes(name, capsys):
    assert_passes(capsys, TESTS[name], namespace()[name])


@pytest.mark.parametrize("name", TESTS)
def test_a_stub_is_reported_as_not_implemented(name):
    assert "not implemented yet" in failure(TESTS[name], not_implemented)


@pytest.mark.parametrize("name", TESTS)
def test_returning_none_is_reported(name):
    assert "None" in failure(TESTS[name], returns_none)


def test_nms_with_the_library_function_is_refused():
    def library(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):
        keep = tf.image.non_max_suppression(boxes, scores, max_boxes, iou_threshold)
        return tf.gather(scores, keep), tf.gather(boxes, keep), tf.gather(classes, keep)

    message = failure(tests.yolo_non_max_suppression_test, library)
    assert "write it by hand with your `iou`" in message
    assert tf.image.non_max_suppression.__name__ == "non_max_suppression"  # restored
