"""Public tests of notebook 06 (object detection with YOLO).

Every test compares the learner's function with an independent reference: values worked out by
hand (the course's IoU of 0.14285714 among them), IoUs counted pixel by pixel on a raster,
TensorFlow's own non-max suppression (``utils.nms.library_nms`` and ``library_eval``, on
``tf.image.combined_non_max_suppression``) and properties every correct answer has. Malformed boxes
must be rejected with a ValueError.

A crash in the learner's code is reported with the input it happened on and the learner's own line
(:meth:`utils.testing.Checker.attempt`). The learner's earlier functions that a function calls
(``iou`` in non-max suppression; the earlier exercises in ``yolo_eval``) are checked first, so a
failure blames the right exercise (:func:`utils.testing.check_earlier`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from utils.nms import library_eval, library_nms
from utils.testing import Checker, check_earlier


def _numpy(value: Any) -> np.ndarray:
    return np.asarray(value)


def _outputs(check: Checker, got: Any, names: tuple[str, ...]) -> tuple[np.ndarray, ...] | None:
    """Unpack a tuple of results; record a failure and return None when it is not one."""
    if got is None:
        message = f"{check.name} returned None: did you forget to `return` {', '.join(names)}?"
        if message not in check.failures:  # say it once per test
            check.fail(message)
        return None
    if not isinstance(got, tuple | list) or len(got) != len(names):
        check.fail(f"{check.name} must return the {len(names)} values ({', '.join(names)})")
        return None
    return tuple(_numpy(value) for value in got)


def _raises(check: Checker, what: str, call: Callable[[], Any], needle: str) -> None:
    """``call()`` must raise a ValueError whose message contains ``needle``."""
    try:
        call()
    except ValueError as err:
        check.true(
            needle in str(err),
            f"{what} raised ValueError({str(err)!r}), which should name {needle!r}",
        )
        return
    except NotImplementedError:
        raise
    except Exception as err:  # noqa: BLE001  (any other error is the learner's bug to see)
        check.fail(
            f"{what} raised {type(err).__name__} instead of a ValueError (keep the check_* call "
            "at the top of the function)"
        )
        return
    check.fail(f"{what} did not raise a ValueError (keep the check_* call at the top)")


def _attempt(
    check: Checker, target: Callable[..., Any], case: str, /, *args: Any, **kwargs: Any
) -> tuple[bool, Any]:
    """``check.attempt(target, *args, **kwargs)``, a crash explained as happening on ``case``."""
    with check.case(case):
        return check.attempt(target, *args, **kwargs)


# --------------------------------------------------------------------------------------------
# yolo_boxes_to_corners


def yolo_boxes_to_corners_test(target: Callable[..., Any]) -> None:
    """Check ``yolo_boxes_to_corners(box_xy, box_wh)`` → (..., 4) corners (y1, x1, y2, x2)."""
    check = Checker("yolo_boxes_to_corners")
    xy = np.array([[0.5, 0.4], [0.25, 0.75]], np.float32)
    wh = np.array([[0.2, 0.6], [0.5, 0.1]], np.float32)
    ok, got = _attempt(check, target, "centres (2, 2) and sizes (2, 2)", xy, wh)
    if ok and check.shape("corners", got, (2, 4), hint="one (y1, x1, y2, x2) per box"):
        check.close(
            "corners for centres (x, y) = (0.5, 0.4), (0.25, 0.75) and sizes (w, h) = (0.2, 0.6), "
            "(0.5, 0.1)",
            _numpy(got),
            [[0.1, 0.4, 0.7, 0.6], [0.7, 0.0, 0.8, 0.5]],
            hint="(y1, x1, y2, x2) = (y − h/2, x − w/2, y + h/2, x + w/2): y FIRST, as tf.image "
            "expects; box_xy holds (x, y) and box_wh (w, h)",
        )
    rng = np.random.default_rng(0)
    xy = rng.random((19, 19, 5, 2)).astype(np.float32)
    wh = rng.random((19, 19, 5, 2)).astype(np.float32)
    before = xy.copy(), wh.copy()
    ok, got = _attempt(check, target, "(19, 19, 5, 2) centres and sizes", xy, wh)
    check.unchanged("box_xy", before[0], xy)
    check.unchanged("box_wh", before[1], wh)
    if ok and check.shape(
        "corners", got, (19, 19, 5, 4), hint="keep every axis but the last, which becomes 4"
    ):
        got = _numpy(got)
        check.close("y2 − y1 (the heights)", got[..., 2] - got[..., 0], wh[..., 1], atol=1e-5)
        check.close("x2 − x1 (the widths)", got[..., 3] - got[..., 1], wh[..., 0], atol=1e-5)
        check.close("(x1 + x2) / 2 (the centres)", (got[..., 1] + got[..., 3]) / 2, xy[..., 0])
    check.done()


# --------------------------------------------------------------------------------------------
# yolo_filter_boxes


def _filter_case() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """1 × 2 cells × 2 anchors, 3 classes. Best class scores (p_c · c_i), in row-major order:
    0.9 · 0.7 = 0.63 (class 1), 0.3 · 0.9 = 0.27 (class 0), 0.5 · 0.8 = 0.4 (class 2) and
    0.8 · 0.5 = 0.4 (class 0): with threshold 0.4, slots 0, 2 and 3 are kept."""
    boxes = np.array(
        [
            [
                [[0.1, 0.1, 0.3, 0.4], [0.2, 0.2, 0.6, 0.5]],
                [[0.0, 0.5, 0.5, 1.0], [0.4, 0.6, 0.9, 0.9]],
            ]
        ],
        np.float32,
    )
    confidence = np.array([[[[0.9], [0.3]], [[0.5], [0.8]]]], np.float32)
    probs = np.array(
        [[[[0.2, 0.7, 0.1], [0.9, 0.05, 0.05]], [[0.1, 0.1, 0.8], [0.5, 0.25, 0.25]]]], np.float32
    )
    return boxes, confidence, probs


def yolo_filter_boxes_test(target: Callable[..., Any]) -> None:
    """Check ``yolo_filter_boxes(boxes, box_confidence, box_class_probs, threshold)``."""
    check = Checker("yolo_filter_boxes")
    boxes, confidence, probs = _filter_case()
    before = boxes.copy(), confidence.copy(), probs.copy()
    ok, got = _attempt(
        check, target, "a 1×2×2 grid, threshold=0.4", boxes, confidence, probs, threshold=0.4
    )
    for name, original, now in zip(
        ("boxes", "box_confidence", "box_class_probs"),
        before,
        (boxes, confidence, probs),
        strict=True,
    ):
        check.unchanged(name, original, now)
    got = _outputs(check, got, ("scores", "boxes", "classes")) if ok else None
    if got is not None:
        scores, kept, classes = got
        if check.shape(
            "scores",
            scores,
            (3,),
            hint="keep the boxes whose best class score p_c · c_i is >= threshold (>=, not >: "
            "two of the three scores equal 0.4 here)",
        ):
            check.close(
                "scores",
                scores,
                [0.63, 0.4, 0.4],
                hint="score = box_confidence × box_class_probs, then the max over the classes",
            )
            check.close("boxes", kept, boxes.reshape(-1, 4)[[0, 2, 3]])
            check.equal(
                "classes",
                [int(c) for c in classes],
                [1, 2, 0],
                hint="the class is the argmax of p_c · c_i over the last axis",
            )
            check.true(
                np.issubdtype(classes.dtype, np.integer),
                f"classes must be integer class indices, got dtype {classes.dtype}",
            )

    # A (19, 19, 5) grid with 80 classes: properties every correct answer has.
    rng = np.random.default_rng(1)
    ys, xs = np.sort(rng.random((2, 19, 19, 5, 2)), axis=-1).astype(np.float32)
    boxes = np.stack([ys[..., 0], xs[..., 0], ys[..., 1], xs[..., 1]], axis=-1)  # (y1, x1, y2, x2)
    confidence = rng.random((19, 19, 5, 1)).astype(np.float32)
    probs = rng.dirichlet(np.full(80, 0.05), (19, 19, 5)).astype(np.float32)
    ok, got = _attempt(
        check, target, "a 19×19×5 grid, threshold 0.5", boxes, confidence, probs, 0.5
    )
    got = _outputs(check, got, ("scores", "boxes", "classes")) if ok else None
    if got is not None:
        scores, kept, classes = got
        best = (confidence * probs).max(axis=-1).reshape(-1)
        expected_count = int(np.sum(best >= 0.5))
        if (
            check.shape("scores", scores, (expected_count,))
            and check.shape("boxes", kept, (expected_count, 4))
            and check.shape("classes", classes, (expected_count,))
        ):
            flat = boxes.reshape(-1, 4)
            index = [int(np.argmin(np.abs(flat - box).sum(axis=1))) for box in kept]
            check.close("the kept boxes (each one of the input boxes)", kept, flat[index])
            check.true(
                index == sorted(index),
                "the kept boxes must stay in the order of the grid (tf.boolean_mask keeps it)",
            )
            products = (confidence * probs).reshape(-1, 80)[index]
            check.close("scores (p_c · c_i of the kept boxes)", scores, products.max(axis=1))
            check.equal(
                "classes (argmax of p_c · c_i)",
                [int(c) for c in classes],
                [int(c) for c in products.argmax(axis=1)],
            )
    _raises(
        check,
        "yolo_filter_boxes with boxes of shape (19, 19, 5, 3)",
        lambda: target(boxes[..., :3], confidence, probs, 0.5),
        "boxes",
    )
    flipped = boxes.copy()
    flipped[0, 0, 0] = [0.5, 0.1, 0.2, 0.3]  # y2 < y1
    _raises(
        check,
        "yolo_filter_boxes with a box whose y2 < y1",
        lambda: target(flipped, confidence, probs, 0.5),
        "y2 < y1",
    )
    _raises(
        check,
        "yolo_filter_boxes with box_confidence of shape (19, 19, 5)",
        lambda: target(boxes, confidence[..., 0], probs, 0.5),
        "box_confidence",
    )
    check.done()


# --------------------------------------------------------------------------------------------
# iou


def _raster_iou(box1: tuple, box2: tuple, size: int = 12) -> float:
    """IoU of two boxes with integer corners (x1, y1, x2, y2) by counting pixels."""
    masks = []
    for x1, y1, x2, y2 in (box1, box2):
        mask = np.zeros((size, size), bool)
        mask[y1:y2, x1:x2] = True
        masks.append(mask)
    union = np.count_nonzero(masks[0] | masks[1])
    return np.count_nonzero(masks[0] & masks[1]) / union if union else 0.0


def iou_test(target: Callable[..., Any]) -> None:
    """Check ``iou(box1, box2)`` with corners (x1, y1, x2, y2)."""
    check = Checker("iou")
    cases = [
        (
            (2, 1, 4, 3),
            (1, 2, 3, 4),
            1 / 7,
            "the course's example: intersection 1, union 4 + 4 − 1",
        ),
        (
            (1, 2, 3, 4),
            (5, 6, 7, 8),
            0.0,
            "disjoint boxes: clip the intersection's width and height at 0",
        ),
        ((1, 1, 2, 2), (2, 2, 3, 3), 0.0, "boxes touching at a corner share no area"),
        ((0, 0, 4, 2), (0, 2, 4, 4), 0.0, "boxes sharing an edge share no area"),
        (
            (5, 0, 8, 2),
            (0, 0, 2, 2),
            0.0,
            "box2 left of box1: the intersection width is negative, clip it at 0",
        ),
        ((0, 0, 4, 4), (1, 1, 3, 3), 0.25, "a box inside another: intersection 4, union 16"),
        ((1, 1, 3, 3), (1, 1, 3, 3), 1.0, "a box with itself"),
        ((0, 0, 2, 2), (1, 0, 3, 2), 1 / 3, "intersection 2, union 4 + 4 − 2 = 6"),
        ((1, 1, 1, 1), (1, 1, 1, 1), 0.0, "zero-area boxes: the union is 0, return 0"),
        ((0, 0, 0, 5), (0, 0, 4, 4), 0.0, "a zero-width box has no intersection"),
    ]
    for box1, box2, expected, hint in cases:
        ok, got = _attempt(check, target, f"iou({box1}, {box2})", box1, box2)
        if not ok:
            continue
        if got is None:
            check.fail("iou returned None: did you forget to `return iou`?")
            check.done()
        if not check.true(
            np.ndim(got) == 0, f"iou({box1}, {box2}) must return one number, got {got!r}"
        ):
            continue
        check.close(f"iou({box1}, {box2})", float(got), expected, atol=1e-6, hint=hint)
    # Random boxes with integer corners against a pixel count, both argument orders.
    rng = np.random.default_rng(2)
    wrong = 0
    example = None
    for _ in range(200):
        boxes = []
        for _ in range(2):
            x = np.sort(rng.integers(0, 12, 2))
            y = np.sort(rng.integers(0, 12, 2))
            boxes.append((int(x[0]), int(y[0]), int(x[1]), int(y[1])))
        got = []
        for pair in (boxes, boxes[::-1]):
            ok, value = _attempt(check, target, f"iou{tuple(pair)}", *pair)
            if not ok:
                break
            got.append(float(np.asarray(value, np.float64).reshape(-1)[0]))
        if len(got) < 2:
            break
        expected = _raster_iou(*boxes)
        if not np.allclose(got, expected, atol=1e-6):
            wrong += 1
            example = example or (boxes, got[0], expected)
    if example is not None:
        (box1, box2), got, expected = example
        check.fail(
            f"{wrong} of 200 random pairs of boxes have a wrong IoU (or iou(a, b) != iou(b, a)), "
            f"e.g. iou({box1}, {box2}) = {got:.6g} but counting pixels gives {expected:.6g} "
            "(hint: union = area1 + area2 − intersection)"
        )
    _raises(check, "iou((1, 2, 3), (1, 2, 3, 4))", lambda: target((1, 2, 3), (1, 2, 3, 4)), "box1")
    _raises(
        check,
        "iou with box2 = (3, 1, 1, 2), whose x2 < x1",
        lambda: target((0, 0, 1, 1), (3, 1, 1, 2)),
        "x2 < x1",
    )
    _raises(
        check,
        "iou with box1 = (0, 4, 2, 1), whose y2 < y1",
        lambda: target((0, 4, 2, 1), (0, 0, 1, 1)),
        "y2 < y1",
    )
    check.done()


# --------------------------------------------------------------------------------------------
# scale_boxes

_SCALE_HINT = "multiply in float32: tf.constant([height, width, height, width], dtype=tf.float32)"


def _scaled(check: Checker, case: str, got: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    """The scaled boxes as an array, once checked that they are floats of ``shape``."""
    if not check.shape(f"the scaled boxes ({case})", got, shape):
        return None
    got = _numpy(got)
    if not np.issubdtype(got.dtype, np.floating):
        check.fail(
            f"scale_boxes returned {got.dtype} boxes ({case}): corners in [0, 1] cast to integers "
            f"become 0 or 1, so the boxes collapse (hint: {_SCALE_HINT})"
        )
        return None
    return got


def scale_boxes_test(target: Callable[..., Any]) -> None:
    """Check ``scale_boxes(boxes, image_shape)``: corners in [0, 1] → pixels, as floats."""
    check = Checker("scale_boxes")
    boxes = np.array([[0.1, 0.2, 0.5, 0.75], [0.0, 0.0, 1.0, 1.0]], np.float32)
    case = "2 boxes, image_shape=(720, 1280)"
    with check.preserves(boxes=boxes), check.case(case, _SCALE_HINT):
        ok, got = check.attempt(target, boxes, (720, 1280))
    got = _scaled(check, case, got, (2, 4)) if ok else None
    if got is not None:
        check.close(
            "scale_boxes(boxes, image_shape=(720, 1280))",
            got,
            [[72, 256, 360, 960], [0, 0, 720, 1280]],
            atol=1e-3,
            hint="(y1, x1, y2, x2) · (height, width, height, width) with image_shape = (height, "
            "width)",
        )
    grid = np.random.default_rng(3).random((19, 19, 5, 4)).astype(np.float32)
    case = "(19, 19, 5, 4) boxes, image_shape=(608, 300)"
    with check.case(case, _SCALE_HINT):
        ok, got = check.attempt(target, grid, (608, 300))
    got = _scaled(check, case, got, (19, 19, 5, 4)) if ok else None
    if got is not None:
        check.close(
            "scale_boxes(boxes, (608, 300))",
            got,
            grid * [608, 300, 608, 300],
            atol=1e-3,
            hint="use the image_shape you are given",
        )
    check.done()


# --------------------------------------------------------------------------------------------
# yolo_non_max_suppression


@contextlib.contextmanager
def _without_library_nms() -> Iterator[list[str]]:
    """Replace TensorFlow's NMS functions by ones that record their use and fail."""
    import tensorflow as tf

    used: list[str] = []
    names = [
        name
        for name in (
            "non_max_suppression",
            "non_max_suppression_with_scores",
            "non_max_suppression_padded",
            "non_max_suppression_overlaps",
            "combined_non_max_suppression",
        )
        if hasattr(tf.image, name)
    ]
    saved = {name: getattr(tf.image, name) for name in names}

    def forbidden(name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            used.append(name)
            raise RuntimeError(f"tf.image.{name} is not allowed here")

        return call

    for name in names:
        setattr(tf.image, name, forbidden(name))
    try:
        yield used
    finally:
        for name, function in saved.items():
            setattr(tf.image, name, function)


def _random_boxes(rng: np.random.Generator, n: int, classes: int) -> tuple:
    centre = rng.uniform(0, 100, (n, 2))
    size = rng.uniform(10, 40, (n, 2))
    boxes = np.concatenate([centre - size / 2, centre + size / 2], axis=1).astype(np.float32)
    scores = rng.random(n).astype(np.float32)
    labels = rng.integers(0, classes, n).astype(np.int64)
    return scores, boxes, labels


def _compare_nms(check: Checker, case: str, got: Any, expected: tuple, hint: str = "") -> None:
    got = _outputs(check, got, ("scores", "boxes", "classes"))
    if got is None:
        return
    scores, boxes, classes = got
    want_scores, want_boxes, want_classes = expected
    if check.shape(f"scores ({case})", scores, want_scores.shape, hint=hint):
        check.close(f"scores ({case})", scores, want_scores, hint=hint)
        if check.shape(f"boxes ({case})", boxes, want_boxes.shape):
            check.close(f"boxes ({case})", boxes, want_boxes, atol=1e-4)
        if check.shape(f"classes ({case})", classes, want_classes.shape):
            check.equal(
                f"classes ({case})", [int(c) for c in classes], [int(c) for c in want_classes]
            )


# Hand-made cases of one class, each with the boxes (y1, x1, y2, x2) by decreasing score, the
# indices of the boxes kept with iou_threshold 0.5, and the hint when another answer is returned.
_NMS_CASES = (
    (
        "a chain: A suppresses B, and C overlaps only B",
        [[0, 0, 10, 10], [0, 3, 10, 13], [0, 6, 10, 16]],  # IoU(A, B) = IoU(B, C) = 70/130
        [0, 2],
        "B is removed by A (IoU 0.54); C overlaps only B (IoU 0.54), which is already removed, "
        "so C stays: compare each box with the boxes you KEPT, not with every higher-scoring box",
    ),
    (
        "A and B kept, C overlaps A",
        [[0, 0, 10, 10], [20, 20, 30, 30], [0, 1, 10, 11]],  # IoU(A, C) = 90/110, B far away
        [0, 1],
        "C overlaps A (IoU 0.82) and must go although the last kept box, B, is far away: compare "
        "each box with EVERY box kept so far",
    ),
    (
        "two boxes with IoU exactly 0.5",
        [[0, 0, 10, 10], [0, 0, 10, 5]],  # IoU = 50/100
        [0, 1],
        "a box is removed only when its IoU with a kept box is > iou_threshold: IoU = 0.5 with "
        "iou_threshold=0.5 keeps both (keep a box when IoU <= iou_threshold)",
    ),
)


def yolo_non_max_suppression_test(target: Callable[..., Any]) -> None:
    """Check the hand-written, per-class ``yolo_non_max_suppression``."""
    check_earlier(target, "iou", 3, iou_test)
    check = Checker("yolo_non_max_suppression")
    # Hand-worked: boxes 0 and 1 (class 0) overlap with IoU 81/100 > 0.5: only 0 (score 0.9)
    # stays; box 2 overlaps box 0 as much but is of class 1: it stays; box 3 is alone.
    scores = np.array([0.9, 0.8, 0.7, 0.6], np.float32)
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [0, 0, 9, 9], [20, 20, 30, 30]], np.float32)
    classes = np.array([0, 0, 1, 0], np.int64)
    case = "4 hand-made boxes, max_boxes=10, iou_threshold=0.5"
    with _without_library_nms() as used:
        ok, got = _attempt(check, target, case, scores, boxes, classes, 10, 0.5)
    if used:
        check.fail(
            f"yolo_non_max_suppression called tf.image.{used[0]}: write it by hand with your `iou` "
            "(the library version is compared with yours after this exercise)"
        )
        check.done()
        return
    if ok:
        _compare_nms(
            check,
            "4 hand-made boxes",
            got,
            (scores[[0, 2, 3]], boxes[[0, 2, 3]], classes[[0, 2, 3]]),
            hint="a box is removed only by a higher-scoring box of the SAME class with IoU > "
            "iou_threshold; boxes of other classes never suppress it",
        )
    case = "the same boxes with max_boxes=2"
    with _without_library_nms():
        ok, got = _attempt(check, target, case, scores, boxes, classes, 2, 0.5)
    if ok:
        _compare_nms(
            check,
            case,
            got,
            (scores[[0, 2]], boxes[[0, 2]], classes[[0, 2]]),
            hint="return at most max_boxes boxes, the best ones",
        )
    for case, corners, kept, hint in _NMS_CASES:
        boxes = np.array(corners, np.float32)
        scores = np.array([0.9, 0.8, 0.7][: len(boxes)], np.float32)
        classes = np.zeros(len(boxes), np.int64)
        with _without_library_nms():
            ok, got = _attempt(check, target, case, scores, boxes, classes, 10, 0.5)
        if ok:
            _compare_nms(check, case, got, (scores[kept], boxes[kept], classes[kept]), hint=hint)
    # Random boxes against TensorFlow's NMS, class by class.
    rng = np.random.default_rng(4)
    for n, labels, max_boxes, threshold in ((40, 1, 10, 0.5), (60, 3, 10, 0.3), (60, 4, 25, 0.6)):
        scores, boxes, classes = _random_boxes(rng, n, labels)
        expected = library_nms(scores, boxes, classes, max_boxes, threshold)
        case = (
            f"{n} random boxes, {labels} class(es), max_boxes={max_boxes}, "
            f"iou_threshold={threshold}"
        )
        with _without_library_nms():
            ok, got = _attempt(check, target, case, scores, boxes, classes, max_boxes, threshold)
        if ok:
            _compare_nms(
                check,
                case,
                got,
                expected,
                hint="go through the boxes by decreasing score; keep a box unless a kept box of "
                "its class overlaps it with IoU > iou_threshold; stop at max_boxes",
            )
    empty = (np.zeros(0, np.float32), np.zeros((0, 4), np.float32), np.zeros(0, np.int64))
    with _without_library_nms():
        ok, got = _attempt(check, target, "no boxes", *empty)
    got = _outputs(check, got, ("scores", "boxes", "classes")) if ok else None
    if got is not None:
        check.shape("scores (no boxes)", got[0], (0,), hint="nothing to keep: empty results")
        check.shape("boxes (no boxes)", got[1], (0, 4))
        check.shape("classes (no boxes)", got[2], (0,))
    _raises(
        check,
        "yolo_non_max_suppression with 3 scores for 4 boxes",
        lambda: target(scores[:3], boxes[:4], classes[:4]),
        "scores",
    )
    check.done()


# --------------------------------------------------------------------------------------------
# yolo_eval


def _random_outputs(rng: np.random.Generator, shape: tuple, classes: int) -> tuple:
    xy = rng.random((*shape, 2)).astype(np.float32)
    wh = rng.uniform(0.05, 0.4, (*shape, 2)).astype(np.float32)
    confidence = rng.random((*shape, 1)).astype(np.float32)
    probs = rng.dirichlet(np.full(classes, 0.1), shape).astype(np.float32)
    return xy, wh, confidence, probs


def yolo_eval_test(target: Callable[..., Any]) -> None:
    """Check ``yolo_eval(yolo_outputs, image_shape, max_boxes, score_threshold, iou_threshold)``."""
    for exercise, (name, test) in enumerate(
        (
            ("yolo_boxes_to_corners", yolo_boxes_to_corners_test),
            ("yolo_filter_boxes", yolo_filter_boxes_test),
            ("iou", iou_test),
            ("yolo_non_max_suppression", yolo_non_max_suppression_test),
            ("scale_boxes", scale_boxes_test),
        ),
        start=1,
    ):
        check_earlier(target, name, exercise, test)
    check = Checker("yolo_eval")
    # Hand-worked: 1 × 3 cells × 1 anchor, 2 classes. Box 0: centre (x, y) = (0.5, 0.5), size
    # (w, h) = (0.2, 0.4), score 0.9 · 0.9 = 0.81, class 1. Box 1: the same shifted by 0.01 in x,
    # score 0.8 · 0.9 = 0.72, class 1: IoU 1520/1680 = 0.90 with box 0, suppressed at
    # iou_threshold 0.5, kept at 0.95. Box 2: shifted by 0.02 in y, score 0.8 · 0.875 = 0.7 but
    # class 0: kept. In a 100 × 200 image box 0 is y 30–70, x 80–120.
    xy = np.array([[[[0.5, 0.5]], [[0.51, 0.5]], [[0.5, 0.52]]]], np.float32)
    wh = np.full((1, 3, 1, 2), [0.2, 0.4], np.float32)
    confidence = np.array([[[[0.9]], [[0.8]], [[0.8]]]], np.float32)
    probs = np.array([[[[0.1, 0.9]], [[0.1, 0.9]], [[0.875, 0.125]]]], np.float32)
    all_boxes = np.array([[30, 80, 70, 120], [30, 82, 70, 122], [32, 80, 72, 120]], np.float32)
    hand_cases = (
        (
            0.5,
            [0, 2],
            "three overlapping boxes, two of class 1, one of class 0",
            "corners → filter (score_threshold) → scale_boxes → non-max suppression class by "
            "class: box 1 goes, box 2 (another class) stays",
        ),
        (
            0.95,
            [0, 1, 2],
            "the same boxes with iou_threshold=0.95",
            "boxes 0 and 1 overlap with IoU 0.90 < 0.95: both stay; pass iou_threshold on to "
            "yolo_non_max_suppression",
        ),
    )
    for iou_threshold, kept, case, hint in hand_cases:
        outputs = (xy, wh, confidence, probs)
        ok, got = _attempt(check, target, case, outputs, (100, 200), 10, 0.6, iou_threshold)
        got = _outputs(check, got, ("scores", "boxes", "classes")) if ok else None
        if got is None:
            continue
        scores, boxes, classes = got
        if check.shape(f"scores ({case})", scores, (len(kept),), hint=hint):
            check.close(f"scores ({case})", scores, np.array([0.81, 0.72, 0.7])[kept])
            check.close(
                f"boxes ({case}, in pixels of the 100 × 200 image)",
                boxes,
                all_boxes[kept],
                atol=1e-3,
                hint="scale the corners to image_shape = (height, width) with scale_boxes",
            )
            check.equal(
                f"classes ({case})", [int(c) for c in classes], [[1, 1, 0][k] for k in kept]
            )
    # Random outputs of a 19 × 19 × 5 grid with 80 classes, against TensorFlow's combined NMS.
    rng = np.random.default_rng(5)
    for kwargs in (
        {},
        {"image_shape": (608, 608), "max_boxes": 20, "score_threshold": 0.3, "iou_threshold": 0.4},
    ):
        outputs = _random_outputs(rng, (19, 19, 5), 80)
        options = {
            "image_shape": (720, 1280),
            "max_boxes": 10,
            "score_threshold": 0.6,
            "iou_threshold": 0.5,
            **kwargs,
        }
        (expected,) = library_eval([a[None] for a in outputs], **options)
        case = f"random 19×19×5 outputs, {kwargs or 'default arguments'}"
        ok, got = _attempt(check, target, case, outputs, **kwargs)
        if ok:
            _compare_nms(
                check,
                case,
                got,
                expected,
                hint="use the arguments you are given (image_shape=(720, 1280), max_boxes=10, "
                "score_threshold=.6, iou_threshold=.5 by default)",
            )
    # An image with nothing to find: every confidence is tiny.
    xy, wh, confidence, probs = _random_outputs(rng, (19, 19, 5), 80)
    case = "an image with nothing to find"
    ok, got = _attempt(check, target, case, (xy, wh, confidence * 1e-3, probs))
    got = _outputs(check, got, ("scores", "boxes", "classes")) if ok else None
    if got is not None:
        check.shape(
            "scores (nothing to find)", got[0], (0,), hint="return empty results, not an error"
        )
        check.shape("boxes (nothing to find)", got[1], (0, 4))
        check.shape("classes (nothing to find)", got[2], (0,))
    check.done()
