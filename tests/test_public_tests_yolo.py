"""The public tests of notebook 06 pass the instructor's solution and explain typical mistakes."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from tests.notebook_code import solution
from utils.detection import check_box, check_scored_boxes, check_yolo_boxes
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


def failure(name: str, replace: tuple[str, str], under_test: str | None = None) -> str:
    """The message of the public test of ``under_test`` (default ``name``) with one mistake."""
    under_test = under_test or name
    with pytest.raises(AssertionError) as info:
        TESTS[under_test](namespace({name: replace})[under_test])
    return str(info.value)


@pytest.mark.parametrize("name", TESTS)
def test_the_solution_passes(name, capsys):
    TESTS[name](namespace()[name])
    assert capsys.readouterr().out == "All tests passed\n"


@pytest.mark.parametrize("name", TESTS)
def test_a_stub_is_reported_as_not_implemented(name):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="not implemented yet"):
        TESTS[name](stub)


@pytest.mark.parametrize("name", TESTS)
def test_returning_none_is_reported(name):
    message = str(pytest.raises(AssertionError, TESTS[name], lambda *a, **k: None).value)
    assert "None" in message


def test_corners_in_x_y_order_are_caught():
    message = failure(
        "yolo_boxes_to_corners",
        (
            "[box_mins[..., 1:2], box_mins[..., 0:1], box_maxes[..., 1:2], box_maxes[..., 0:1]]",
            "[box_mins[..., 0:1], box_mins[..., 1:2], box_maxes[..., 0:1], box_maxes[..., 1:2]]",
        ),
    )
    assert "corners for centres" in message and "y FIRST" in message


def test_corners_from_the_full_size_are_caught():
    message = failure("yolo_boxes_to_corners", ("box_wh / 2.0", "box_wh"))
    assert "y2 − y1 (the heights)" in message


def test_filtering_with_a_strict_inequality_is_caught():
    message = failure(
        "yolo_filter_boxes", ("box_class_scores >= threshold", "box_class_scores > threshold")
    )
    assert "yolo_filter_boxes returned scores of shape (1,) but (3,) was expected" in message
    assert ">=, not >" in message


def test_filtering_on_class_probabilities_alone_is_caught():
    message = failure(
        "yolo_filter_boxes",
        ("box_scores = box_confidence * box_class_probs", "box_scores = box_class_probs"),
    )
    assert "scores" in message and "p_c · c_i" in message


def test_filtering_without_the_input_check_is_caught():
    message = failure(
        "yolo_filter_boxes", ("check_yolo_boxes(boxes, box_confidence, box_class_probs)", "pass")
    )
    assert "with a box whose y2 < y1 did not raise a ValueError" in message


def test_iou_without_clipping_is_caught():
    message = failure("iou", ("inter_width = max(xi2 - xi1, 0.0)", "inter_width = xi2 - xi1"))
    assert "iou((5, 0, 8, 2), (0, 0, 2, 2))" in message
    assert "clip it at 0" in message


def test_iou_with_a_union_that_counts_the_intersection_twice_is_caught():
    message = failure(
        "iou",
        ("union_area = box1_area + box2_area - inter_area", "union_area = box1_area + box2_area"),
    )
    assert "iou((2, 1, 4, 3), (1, 2, 3, 4)): 1 of 1 values are wrong" in message
    assert "counting pixels" in message


def test_iou_dividing_by_a_zero_union_is_caught():
    message = failure("iou", ("    if union_area == 0:\n        return 0.0\n", ""))
    assert "iou((1, 1, 1, 1), (1, 1, 1, 1)) raised ZeroDivisionError" in message


def test_iou_without_the_box_check_is_caught():
    message = failure(
        "iou",
        (
            '(box1_x1, box1_y1, box1_x2, box1_y2) = check_box(box1, "box1")',
            "(box1_x1, box1_y1, box1_x2, box1_y2) = box1 if len(box1) == 4 else (0, 0, 0, 0)",
        ),
    )
    assert "did not raise a ValueError" in message


def test_scale_boxes_with_width_and_height_swapped_is_caught():
    message = failure(
        "scale_boxes", ("[height, width, height, width]", "[width, height, width, height]")
    )
    assert "(height, width, height, width)" in message


def test_nms_that_ignores_the_classes_is_caught():
    message = failure(
        "yolo_non_max_suppression",
        ("classes_np[j] != classes_np[i] or iou(", "iou("),
    )
    assert "4 hand-made boxes" in message and "the SAME class" in message


def test_nms_that_ignores_max_boxes_is_caught():
    message = failure(
        "yolo_non_max_suppression", ("        if len(keep) == max_boxes:\n            break\n", "")
    )
    assert "max_boxes=2" in message and "at most max_boxes" in message


def test_nms_that_keeps_boxes_in_input_order_is_caught():
    message = failure(
        "yolo_non_max_suppression",
        ('np.argsort(-scores_np, kind="stable")', "range(len(scores_np))"),
    )
    assert "random boxes" in message and "decreasing score" in message


def test_nms_with_the_library_function_is_refused():
    def library(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):
        keep = tf.image.non_max_suppression(boxes, scores, max_boxes, iou_threshold)
        return tf.gather(scores, keep), tf.gather(boxes, keep), tf.gather(classes, keep)

    with pytest.raises(AssertionError, match="write it by hand with your `iou`"):
        tests.yolo_non_max_suppression_test(library)
    assert tf.image.non_max_suppression.__name__ == "non_max_suppression"  # restored


def test_eval_without_scaling_is_caught():
    message = failure("yolo_eval", ("    boxes = scale_boxes(boxes, image_shape)\n", ""))
    assert "boxes (in pixels of the 100 × 200 image)" in message


def test_eval_that_ignores_its_arguments_is_caught():
    message = failure(
        "yolo_eval",
        ("threshold=score_threshold", "threshold=0.6"),
    )
    assert "score_threshold" in message and "random 19×19×5 outputs" in message


def test_eval_with_a_class_blind_nms_says_so():
    message = failure(
        "yolo_non_max_suppression",
        ("classes_np[j] != classes_np[i] or iou(", "iou("),
        under_test="yolo_eval",
    )
    assert "three overlapping boxes, two of class 1, one of class 0" in message
    assert "box 2 (another class) stays" in message
