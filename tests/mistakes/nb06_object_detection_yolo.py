"""Notebook 06 (YOLO): wrong answers and correct alternatives of its six exercises."""

from tests.mistakes import Right, Wrong

# The solutions' bodies, for entries that change one thing in them.
CORNERS = """
def yolo_boxes_to_corners(box_xy, box_wh):
    box_mins = box_xy - box_wh / 2.0
    box_maxes = box_xy + box_wh / 2.0
    return tf.concat(
        [box_mins[..., 1:2], box_mins[..., 0:1], box_maxes[..., 1:2], box_maxes[..., 0:1]],
        axis=-1,
    )
"""

FILTER = """
def yolo_filter_boxes(boxes, box_confidence, box_class_probs, threshold=0.6):
    check_yolo_boxes(boxes, box_confidence, box_class_probs)
    box_scores = box_confidence * box_class_probs
    box_classes = tf.math.argmax(box_scores, axis=-1)
    box_class_scores = tf.math.reduce_max(box_scores, axis=-1)
    filtering_mask = box_class_scores >= threshold
    scores = tf.boolean_mask(box_class_scores, filtering_mask)
    boxes = tf.boolean_mask(boxes, filtering_mask)
    classes = tf.boolean_mask(box_classes, filtering_mask)
    return scores, boxes, classes
"""

IOU = """
def iou(box1, box2):
    (box1_x1, box1_y1, box1_x2, box1_y2) = check_box(box1, "box1")
    (box2_x1, box2_y1, box2_x2, box2_y2) = check_box(box2, "box2")
    xi1 = max(box1_x1, box2_x1)
    yi1 = max(box1_y1, box2_y1)
    xi2 = min(box1_x2, box2_x2)
    yi2 = min(box1_y2, box2_y2)
    inter_width = max(xi2 - xi1, 0.0)
    inter_height = max(yi2 - yi1, 0.0)
    inter_area = inter_width * inter_height
    box1_area = (box1_x2 - box1_x1) * (box1_y2 - box1_y1)
    box2_area = (box2_x2 - box2_x1) * (box2_y2 - box2_y1)
    union_area = box1_area + box2_area - inter_area
    if union_area == 0:
        return 0.0
    return inter_area / union_area
"""

NMS = """
def yolo_non_max_suppression(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):
    check_scored_boxes(scores, boxes, classes, max_boxes, iou_threshold)
    scores_np, boxes_np, classes_np = np.asarray(scores), np.asarray(boxes), np.asarray(classes)
    keep = []
    for i in np.argsort(-scores_np, kind="stable"):
        if len(keep) == max_boxes:
            break
        if all(
            classes_np[j] != classes_np[i] or iou(boxes_np[i], boxes_np[j]) <= iou_threshold
            for j in keep
        ):
            keep.append(i)
    keep = tf.constant(keep, dtype=tf.int32)
    return tf.gather(scores, keep), tf.gather(boxes, keep), tf.gather(classes, keep)
"""

SCALE = """
def scale_boxes(boxes, image_shape):
    height, width = image_shape
    image_dims = tf.constant([height, width, height, width], dtype=tf.float32)
    return tf.cast(boxes, tf.float32) * image_dims
"""

EVAL = """
def yolo_eval(
    yolo_outputs, image_shape=(720, 1280), max_boxes=10, score_threshold=0.6, iou_threshold=0.5
):
    box_xy, box_wh, box_confidence, box_class_probs = yolo_outputs
    boxes = yolo_boxes_to_corners(box_xy, box_wh)
    scores, boxes, classes = yolo_filter_boxes(
        boxes, box_confidence, box_class_probs, threshold=score_threshold
    )
    boxes = scale_boxes(boxes, image_shape)
    return yolo_non_max_suppression(
        scores, boxes, classes, max_boxes=max_boxes, iou_threshold=iou_threshold
    )
"""


def edit(source: str, old: str, new: str) -> str:
    """``source`` with its one occurrence of ``old`` replaced by ``new``."""
    if source.count(old) != 1:
        raise ValueError(f"{old!r} occurs {source.count(old)} times")
    return source.replace(old, new)


CATALOGUE = [
    # --- yolo_boxes_to_corners ---------------------------------------------------------------
    Wrong(
        "yolo_boxes_to_corners",
        "corners in (x, y) order",
        edit(
            CORNERS,
            "[box_mins[..., 1:2], box_mins[..., 0:1], box_maxes[..., 1:2], box_maxes[..., 0:1]]",
            "[box_mins[..., 0:1], box_mins[..., 1:2], box_maxes[..., 0:1], box_maxes[..., 1:2]]",
        ),
        says=r"corners for centres .*y FIRST, as tf.image expects",
    ),
    Wrong(
        "yolo_boxes_to_corners",
        "the full size on each side",
        CORNERS.replace("box_wh / 2.0", "box_wh"),
        says=r"y2 − y1 \(the heights\): \d+ of \d+ values are wrong",
    ),
    Wrong(
        "yolo_boxes_to_corners",
        "width and height swapped",
        """
def yolo_boxes_to_corners(box_xy, box_wh):
    x, y = box_xy[..., 0:1], box_xy[..., 1:2]
    h, w = box_wh[..., 0:1], box_wh[..., 1:2]
    return tf.concat([y - h / 2, x - w / 2, y + h / 2, x + w / 2], axis=-1)
""",
        says=r"y2 − y1 \(the heights\).*\n.*x2 − x1 \(the widths\)",
    ),
    Right(
        "yolo_boxes_to_corners",
        "tf.stack of the four coordinates",
        """
def yolo_boxes_to_corners(box_xy, box_wh):
    x, y = box_xy[..., 0], box_xy[..., 1]
    w, h = box_wh[..., 0], box_wh[..., 1]
    return tf.stack([y - h / 2, x - w / 2, y + h / 2, x + w / 2], axis=-1)
""",
    ),
    Right(
        "yolo_boxes_to_corners",
        "NumPy, reversing (x, y) to (y, x)",
        """
def yolo_boxes_to_corners(box_xy, box_wh):
    centre, size = np.asarray(box_xy)[..., ::-1], np.asarray(box_wh)[..., ::-1]
    return np.concatenate([centre - size / 2, centre + size / 2], axis=-1)
""",
    ),
    # --- yolo_filter_boxes -------------------------------------------------------------------
    Wrong(
        "yolo_filter_boxes",
        "a strict inequality at the threshold",
        FILTER.replace("box_class_scores >= threshold", "box_class_scores > threshold"),
        says=r"scores of shape \(1,\) but \(3,\) was expected.*>=, not >",
    ),
    Wrong(
        "yolo_filter_boxes",
        "class probabilities alone, without p_c",
        FILTER.replace(
            "box_scores = box_confidence * box_class_probs", "box_scores = box_class_probs"
        ),
        says=r"keep the boxes whose best class score p_c · c_i is >= threshold",
    ),
    Wrong(
        "yolo_filter_boxes",
        "the input check removed",
        FILTER.replace("    check_yolo_boxes(boxes, box_confidence, box_class_probs)\n", ""),
        says=r"with a box whose y2 < y1 did not raise a ValueError",
    ),
    Wrong(
        "yolo_filter_boxes",
        "the threshold argument ignored",
        FILTER.replace(">= threshold", ">= 0.6"),
        says=r"scores of shape \(1,\) but \(3,\) was expected",
    ),
    Right(
        "yolo_filter_boxes",
        "NumPy boolean indexing",
        """
def yolo_filter_boxes(boxes, box_confidence, box_class_probs, threshold=0.6):
    check_yolo_boxes(boxes, box_confidence, box_class_probs)
    box_scores = np.asarray(box_confidence) * np.asarray(box_class_probs)
    best = box_scores.max(axis=-1)
    mask = best >= threshold
    return best[mask], np.asarray(boxes)[mask], box_scores.argmax(axis=-1)[mask]
""",
    ),
    Right(
        "yolo_filter_boxes",
        "the class as the argmax of the class probabilities (p_c is one factor per box)",
        FILTER.replace(
            "tf.math.argmax(box_scores, axis=-1)", "tf.math.argmax(box_class_probs, axis=-1)"
        ),
    ),
    # --- iou ---------------------------------------------------------------------------------
    Wrong(
        "iou",
        "the intersection not clipped at 0",
        IOU.replace("max(xi2 - xi1, 0.0)", "xi2 - xi1").replace("max(yi2 - yi1, 0.0)", "yi2 - yi1"),
        says=r"iou\(\(1, 2, 3, 4\), \(5, 6, 7, 8\)\).*got 1, expected 0.*clip the intersection",
    ),
    Wrong(
        "iou",
        "the product clipped instead of each side",
        IOU.replace("inter_width = max(xi2 - xi1, 0.0)", "inter_width = xi2 - xi1")
        .replace("inter_height = max(yi2 - yi1, 0.0)", "inter_height = yi2 - yi1")
        .replace(
            "inter_area = inter_width * inter_height",
            "inter_area = max(inter_width * inter_height, 0)",
        ),
        says=r"disjoint boxes: clip the intersection's width and height at 0",
    ),
    Wrong(
        "iou",
        "the intersection counted twice in the union",
        IOU.replace("box1_area + box2_area - inter_area", "box1_area + box2_area"),
        says=r"iou\(\(2, 1, 4, 3\), \(1, 2, 3, 4\)\).*union 4 \+ 4 − 1",
    ),
    Wrong(
        "iou",
        "a +1 on each side (pixel-count convention)",
        IOU.replace("max(xi2 - xi1, 0.0)", "max(xi2 - xi1 + 1, 0.0)")
        .replace("max(yi2 - yi1, 0.0)", "max(yi2 - yi1 + 1, 0.0)")
        .replace(
            "(box1_x2 - box1_x1) * (box1_y2 - box1_y1)",
            "(box1_x2 - box1_x1 + 1) * (box1_y2 - box1_y1 + 1)",
        )
        .replace(
            "(box2_x2 - box2_x1) * (box2_y2 - box2_y1)",
            "(box2_x2 - box2_x1 + 1) * (box2_y2 - box2_y1 + 1)",
        ),
        says=r"boxes touching at a corner share no area",
    ),
    Wrong(
        "iou",
        "a division by a zero union",
        IOU.replace("    if union_area == 0:\n        return 0.0\n", ""),
        says=r"iou raised ZeroDivisionError.*on iou\(\(1, 1, 1, 1\), \(1, 1, 1, 1\)\); your code, "
        r"line \d+, in iou: return inter_area / union_area",
    ),
    Right(
        "iou",
        "NumPy, vectorised with np.clip",
        """
def iou(box1, box2):
    a = np.array(check_box(box1, "box1"), dtype=float)
    b = np.array(check_box(box2, "box2"), dtype=float)
    low, high = np.maximum(a[:2], b[:2]), np.minimum(a[2:], b[2:])
    inter = np.prod(np.clip(high - low, 0.0, None))
    union = np.prod(a[2:] - a[:2]) + np.prod(b[2:] - b[:2]) - inter
    return float(inter / union) if union > 0 else 0.0
""",
    ),
    # --- yolo_non_max_suppression -------------------------------------------------------------
    Wrong(
        "yolo_non_max_suppression",
        "suppressed by every higher-scoring box, kept or not",
        NMS.replace(
            """    for i in np.argsort(-scores_np, kind="stable"):
        if len(keep) == max_boxes:
            break
        if all(
            classes_np[j] != classes_np[i] or iou(boxes_np[i], boxes_np[j]) <= iou_threshold
            for j in keep
        ):""",
            """    order = np.argsort(-scores_np, kind="stable")
    for rank, i in enumerate(order):
        if len(keep) == max_boxes:
            break
        if all(
            classes_np[j] != classes_np[i] or iou(boxes_np[i], boxes_np[j]) <= iou_threshold
            for j in order[:rank]
        ):""",
        ),
        says=r"a chain: A suppresses B.*compare each box with the boxes you KEPT",
    ),
    Wrong(
        "yolo_non_max_suppression",
        "compared with the last kept box only",
        NMS.replace("for j in keep\n", "for j in keep[-1:]\n"),
        says=r"A and B kept, C overlaps A.*compare each box with EVERY box kept so far",
    ),
    Wrong(
        "yolo_non_max_suppression",
        "suppressed at IoU >= iou_threshold",
        NMS.replace("<= iou_threshold", "< iou_threshold"),
        says=r"two boxes with IoU exactly 0.5.*keep a box when IoU <= iou_threshold",
    ),
    Wrong(
        "yolo_non_max_suppression",
        "class-blind suppression",
        NMS.replace("classes_np[j] != classes_np[i] or iou(", "iou("),
        says=r"4 hand-made boxes.*the SAME class",
    ),
    Wrong(
        "yolo_non_max_suppression",
        "max_boxes applied before the suppression",
        NMS.replace(
            """    for i in np.argsort(-scores_np, kind="stable"):
        if len(keep) == max_boxes:
            break
""",
            """    for i in np.argsort(-scores_np, kind="stable")[:max_boxes]:
""",
        ),
        says=r"the same boxes with max_boxes=2.*at most max_boxes boxes, the best ones",
    ),
    Wrong(
        "yolo_non_max_suppression",
        "TensorFlow's non_max_suppression",
        """
def yolo_non_max_suppression(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):
    check_scored_boxes(scores, boxes, classes, max_boxes, iou_threshold)
    keep = tf.image.non_max_suppression(boxes, scores, max_boxes, iou_threshold)
    return tf.gather(scores, keep), tf.gather(boxes, keep), tf.gather(classes, keep)
""",
        says=r"called tf.image.non_max_suppression: write it by hand",
    ),
    Wrong(
        "yolo_non_max_suppression",
        "a correct NMS on top of an unclipped iou (exercise 3)",
        IOU.replace("max(xi2 - xi1, 0.0)", "xi2 - xi1").replace("max(yi2 - yi1, 0.0)", "yi2 - yi1")
        + NMS,
        says=r"^your `iou` \(exercise 3\) is wrong, and yolo_non_max_suppression calls it; fix it "
        r"first: iou: [\s\S]*clip the intersection",
    ),
    Right(
        "yolo_non_max_suppression",
        "the classic loop: take the best, drop what it suppresses",
        """
def yolo_non_max_suppression(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):
    check_scored_boxes(scores, boxes, classes, max_boxes, iou_threshold)
    s, b, c = np.asarray(scores), np.asarray(boxes), np.asarray(classes)
    remaining = list(np.argsort(-s, kind="stable"))
    keep = []
    while remaining and len(keep) < max_boxes:
        best = remaining.pop(0)
        keep.append(best)
        remaining = [i for i in remaining if c[i] != c[best] or iou(b[i], b[best]) <= iou_threshold]
    keep = np.array(keep, dtype=int)
    return s[keep], b[keep].reshape(-1, 4), c[keep]
""",
    ),
    Right(
        "yolo_non_max_suppression",
        "class by class, then the best max_boxes of all classes",
        """
def yolo_non_max_suppression(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):
    check_scored_boxes(scores, boxes, classes, max_boxes, iou_threshold)
    s, b, c = np.asarray(scores), np.asarray(boxes), np.asarray(classes)
    keep = []
    for label in np.unique(c):
        kept = []
        for i in sorted(np.flatnonzero(c == label), key=lambda i: -s[i]):
            if all(iou(b[i], b[j]) <= iou_threshold for j in kept):
                kept.append(i)
        keep += kept
    keep = np.array(sorted(keep, key=lambda i: (-s[i], i))[:max_boxes], dtype=int)
    return tf.gather(scores, keep), tf.gather(boxes, keep), tf.gather(classes, keep)
""",
    ),
    # --- scale_boxes -------------------------------------------------------------------------
    Wrong(
        "scale_boxes",
        "width and height swapped",
        SCALE.replace("[height, width, height, width]", "[width, height, width, height]"),
        says=r"\(y1, x1, y2, x2\) · \(height, width, height, width\)",
    ),
    Wrong(
        "scale_boxes",
        "integer image_dims (the corners truncated to 0 or 1)",
        """
def scale_boxes(boxes, image_shape):
    height, width = image_shape
    image_dims = tf.constant([height, width, height, width])
    return tf.cast(boxes, image_dims.dtype) * image_dims
""",
        says=r"scale_boxes returned int32 boxes.*become 0 or 1.*dtype=tf.float32",
    ),
    Wrong(
        "scale_boxes",
        "float32 boxes times an int32 tensor",
        """
def scale_boxes(boxes, image_shape):
    height, width = image_shape
    image_dims = tf.constant([height, width, height, width])
    return boxes * image_dims
""",
        says=r"scale_boxes returned int32 boxes \(2 boxes, image_shape=\(720, 1280\)\)",
    ),
    Wrong(
        "scale_boxes",
        "the notebook's image size instead of the argument",
        SCALE.replace("    height, width = image_shape\n", "    height, width = 720, 1280\n"),
        says=r"scale_boxes\(boxes, \(608, 300\)\).*use the image_shape you are given",
    ),
    Right(
        "scale_boxes",
        "NumPy broadcasting",
        """
def scale_boxes(boxes, image_shape):
    height, width = image_shape
    return np.asarray(boxes, np.float32) * np.array([height, width, height, width], np.float32)
""",
    ),
    # --- yolo_eval ---------------------------------------------------------------------------
    Wrong(
        "yolo_eval",
        "iou_threshold not passed on",
        EVAL.replace("iou_threshold=iou_threshold", "iou_threshold=0.5"),
        says=r"the same boxes with iou_threshold=0.95.*pass iou_threshold on",
    ),
    Wrong(
        "yolo_eval",
        "max_boxes not passed on",
        EVAL.replace("max_boxes=max_boxes", "max_boxes=10"),
        says=r"'max_boxes': 20.*of shape \(10,\) but \(20,\) was expected.*use the arguments",
    ),
    Wrong(
        "yolo_eval",
        "no scaling to the image",
        EVAL.replace("    boxes = scale_boxes(boxes, image_shape)\n", ""),
        says=r"boxes \(three overlapping boxes.*in pixels of the 100 × 200 image\).*scale_boxes",
    ),
    Wrong(
        "yolo_eval",
        "image_shape taken as (width, height)",
        EVAL.replace("scale_boxes(boxes, image_shape)", "scale_boxes(boxes, image_shape[::-1])"),
        says=r"in pixels of the 100 × 200 image\).*image_shape = \(height, width\)",
    ),
    Wrong(
        "yolo_eval",
        "score_threshold not passed on",
        EVAL.replace("threshold=score_threshold", "threshold=0.6"),
        says=r"'score_threshold': 0.3.*use the arguments you are given",
    ),
    Wrong(
        "yolo_eval",
        "a correct yolo_eval on top of a class-blind NMS (exercise 4)",
        NMS.replace("classes_np[j] != classes_np[i] or iou(", "iou(") + EVAL,
        says=r"^your `yolo_non_max_suppression` \(exercise 4\) is wrong, and yolo_eval calls it",
    ),
    Right(
        "yolo_eval",
        "scaled after the suppression (IoU does not change with the scale)",
        """
def yolo_eval(
    yolo_outputs, image_shape=(720, 1280), max_boxes=10, score_threshold=0.6, iou_threshold=0.5
):
    box_xy, box_wh, box_confidence, box_class_probs = yolo_outputs
    boxes = yolo_boxes_to_corners(box_xy, box_wh)
    found = yolo_filter_boxes(boxes, box_confidence, box_class_probs, score_threshold)
    scores, boxes, classes = yolo_non_max_suppression(*found, max_boxes, iou_threshold)
    return scores, scale_boxes(boxes, image_shape), classes
""",
    ),
]
