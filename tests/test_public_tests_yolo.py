"""The public tests of notebook 06 pass the instructor's solution and explain typical mistakes."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from tests.notebook_code import solution
from tests.public_test_helpers import (
    assert_mentions,
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


def namespace(replace: dict[str, tuple[str, str]] | None = None) -> dict:
    """The notebook's names: its imports, then every solution (each may carry one mistake)."""
    scope = {
        "np": np,
        "tf": tf,
        "check_box": check_box,
        "check_scored_boxes": check_scored_boxes,
        "check_yolo_boxes": check_yolo_boxes,
    }
    for name in TESTS:  # in notebook order: later solutions use the earlier ones
        scope[name] = solution(NOTEBOOK, name, scope, (replace or {}).get(name))
    return scope


def mistake_message(name: str, replace: tuple[str, str], under_test: str | None = None) -> str:
    """The message of the public test of ``under_test`` (default ``name``) with one mistake."""
    under_test = under_test or name
    return failure(TESTS[under_test], namespace({name: replace})[under_test])


@pytest.mark.parametrize("name", TESTS)
def test_the_solution_passes(name, capsys):
    assert_passes(capsys, TESTS[name], namespace()[name])


@pytest.mark.parametrize("name", TESTS)
def test_a_stub_is_reported_as_not_implemented(name):
    assert "not implemented yet" in failure(TESTS[name], not_implemented)


@pytest.mark.parametrize("name", TESTS)
def test_returning_none_is_reported(name):
    assert "None" in failure(TESTS[name], returns_none)


# Typical mistakes: a solution's name, an (old, new) edit of its source, what the message must say.
MISTAKES = {
    "corners-in-x-y-order": (
        "yolo_boxes_to_corners",
        (
            "[box_mins[..., 1:2], box_mins[..., 0:1], box_maxes[..., 1:2], box_maxes[..., 0:1]]",
            "[box_mins[..., 0:1], box_mins[..., 1:2], box_maxes[..., 0:1], box_maxes[..., 1:2]]",
        ),
        ("corners for centres", "y FIRST"),
    ),
    "corners-from-the-full-size": (
        "yolo_boxes_to_corners",
        ("box_wh / 2.0", "box_wh"),
        ("y2 − y1 (the heights)",),
    ),
    "filtering-with-a-strict-inequality": (
        "yolo_filter_boxes",
        ("box_class_scores >= threshold", "box_class_scores > threshold"),
        ("yolo_filter_boxes returned scores of shape (1,) but (3,) was expected", ">=, not >"),
    ),
    "filtering-on-class-probabilities-alone": (
        "yolo_filter_boxes",
        ("box_scores = box_confidence * box_class_probs", "box_scores = box_class_probs"),
        ("scores", "p_c · c_i"),
    ),
    "filtering-without-the-input-check": (
        "yolo_filter_boxes",
        ("check_yolo_boxes(boxes, box_confidence, box_class_probs)", "pass"),
        ("with a box whose y2 < y1 did not raise a ValueError",),
    ),
    "iou-without-clipping": (
        "iou",
        ("inter_width = max(xi2 - xi1, 0.0)", "inter_width = xi2 - xi1"),
        ("iou((5, 0, 8, 2), (0, 0, 2, 2))", "clip it at 0"),
    ),
    "iou-with-a-union-that-counts-the-intersection-twice": (
        "iou",
        ("union_area = box1_area + box2_area - inter_area", "union_area = box1_area + box2_area"),
        ("iou((2, 1, 4, 3), (1, 2, 3, 4)): 1 of 1 values are wrong", "counting pixels"),
    ),
    "iou-dividing-by-a-zero-union": (
        "iou",
        ("    if union_area == 0:\n        return 0.0\n", ""),
        ("iou((1, 1, 1, 1), (1, 1, 1, 1)) raised ZeroDivisionError",),
    ),
    "iou-without-the-box-check": (
        "iou",
        (
            '(box1_x1, box1_y1, box1_x2, box1_y2) = check_box(box1, "box1")',
            "(box1_x1, box1_y1, box1_x2, box1_y2) = box1 if len(box1) == 4 else (0, 0, 0, 0)",
        ),
        ("did not raise a ValueError",),
    ),
    "scale-boxes-with-width-and-height-swapped": (
        "scale_boxes",
        ("[height, width, height, width]", "[width, height, width, height]"),
        ("(height, width, height, width)",),
    ),
    "nms-that-ignores-the-classes": (
        "yolo_non_max_suppression",
        ("classes_np[j] != classes_np[i] or iou(", "iou("),
        ("4 hand-made boxes", "the SAME class"),
    ),
    "nms-that-ignores-max-boxes": (
        "yolo_non_max_suppression",
        ("        if len(keep) == max_boxes:\n            break\n", ""),
        ("max_boxes=2", "at most max_boxes"),
    ),
    "nms-that-keeps-boxes-in-input-order": (
        "yolo_non_max_suppression",
        ('np.argsort(-scores_np, kind="stable")', "range(len(scores_np))"),
        ("random boxes", "decreasing score"),
    ),
    "eval-without-scaling": (
        "yolo_eval",
        ("    boxes = scale_boxes(boxes, image_shape)\n", ""),
        ("boxes (in pixels of the 100 × 200 image)",),
    ),
    "eval-that-ignores-its-arguments": (
        "yolo_eval",
        ("threshold=score_threshold", "threshold=0.6"),
        ("score_threshold", "random 19×19×5 outputs"),
    ),
}


@pytest.mark.parametrize(("name", "replace", "fragments"), MISTAKES.values(), ids=MISTAKES)
def test_a_mistake_is_caught_and_explained(name, replace, fragments):
    assert_mentions(mistake_message(name, replace), *fragments)


def test_nms_with_the_library_function_is_refused():
    def library(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):
        keep = tf.image.non_max_suppression(boxes, scores, max_boxes, iou_threshold)
        return tf.gather(scores, keep), tf.gather(boxes, keep), tf.gather(classes, keep)

    message = failure(tests.yolo_non_max_suppression_test, library)
    assert "write it by hand with your `iou`" in message
    assert tf.image.non_max_suppression.__name__ == "non_max_suppression"  # restored


def test_eval_with_a_class_blind_nms_says_so():
    message = mistake_message(
        "yolo_non_max_suppression",
        ("classes_np[j] != classes_np[i] or iou(", "iou("),
        under_test="yolo_eval",
    )
    assert "three overlapping boxes, two of class 1, one of class 0" in message
    assert "box 2 (another class) stays" in message
