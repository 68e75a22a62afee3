"""utils.detection: the generated dataset, box checks, drawing, mAP (hand-worked cases)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Rectangle

from utils.detection import (
    SHAPE_CLASSES,
    average_precision,
    box_iou,
    check_box,
    check_corners,
    check_scored_boxes,
    check_yolo_boxes,
    draw_boxes,
    library_eval,
    library_nms,
    make_shapes_dataset,
    mean_average_precision,
    show_detections,
)

# --------------------------------------------------------------------------------------------
# The generated dataset


@pytest.fixture(scope="module")
def data():
    return make_shapes_dataset(40, size=96, seed=5, object_size=(12, 44), masks=True)


def test_every_box_is_the_bounding_box_of_its_object_s_visible_pixels(data):
    checked = 0
    for index in range(len(data)):
        owner = data.masks[index]
        boxes, classes = data.boxes[index], data.classes[index]
        assert boxes.shape == (len(classes), 4) and boxes.dtype == np.float32
        assert set(np.unique(owner)) == set(range(len(classes) + 1)) | {0}
        for j, box in enumerate(boxes):
            rows, cols = np.nonzero(owner == j + 1)
            expected = [rows.min(), cols.min(), rows.max() + 1, cols.max() + 1]
            np.testing.assert_array_equal(box, expected)
            checked += 1
    assert checked >= 60


def test_images_classes_and_sizes_are_as_documented(data):
    assert data.images.shape == (40, 96, 96, 3) and data.images.dtype == np.float32
    assert data.images.min() >= 0 and data.images.max() <= 1
    np.testing.assert_allclose(data.images * 255, np.round(data.images * 255), atol=1e-4)
    assert data.class_names == SHAPE_CLASSES == ("disc", "triangle", "horse")
    counts = [len(c) for c in data.classes]
    assert min(counts) >= 1 and max(counts) <= 4
    every = np.concatenate(data.classes)
    assert set(every.tolist()) == {0, 1, 2}
    boxes = np.concatenate(data.boxes)
    heights = boxes[:, 2] - boxes[:, 0]
    assert heights.max() <= 44 and np.all(boxes[:, 2:] <= 96) and np.all(boxes[:, :2] >= 0)


def test_objects_overlap_sometimes_but_stay_mostly_visible(data):
    overlapping = 0
    for boxes in data.boxes:
        ious = box_iou(boxes, boxes)
        overlapping += int(np.sum(np.triu(ious, 1) > 0))
    assert overlapping >= 3  # objects may overlap
    for index in range(len(data)):  # ... but each keeps a good share of its pixels
        owner = data.masks[index]
        for j, box in enumerate(data.boxes[index]):
            y1, x1, y2, x2 = box.astype(int)
            visible = np.count_nonzero(owner[y1:y2, x1:x2] == j + 1)
            assert visible >= 0.2 * (y2 - y1) * (x2 - x1)


def test_the_generator_is_deterministic_and_seeded():
    first = make_shapes_dataset(6, size=64, seed=1, object_size=(10, 30))
    again = make_shapes_dataset(6, size=64, seed=1, object_size=(10, 30), uint8=True)
    other = make_shapes_dataset(6, size=64, seed=2, object_size=(10, 30))
    assert again.images.dtype == np.uint8 and again.masks is None
    np.testing.assert_array_equal(first.images, again.images.astype(np.float32) / 255)
    for a, b in zip(first.boxes, again.boxes, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first.images, other.images)


def test_images_without_objects():
    empty = make_shapes_dataset(
        3, size=64, seed=0, min_objects=0, max_objects=0, object_size=(10, 30), masks=True
    )
    assert [b.shape for b in empty.boxes] == [(0, 4)] * 3
    assert [c.shape for c in empty.classes] == [(0,)] * 3
    assert not empty.masks.any()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_images": 0}, "n_images"),
        ({"size": 16}, "size"),
        ({"max_objects": -1}, "max_objects"),
        ({"min_objects": 3, "max_objects": 2}, "min_objects"),
        ({"object_size": (30, 200)}, "object_size"),
        ({"backgrounds": ("nope",)}, "backgrounds"),
    ],
)
def test_bad_generator_arguments_are_named(kwargs, message):
    arguments = {"n_images": 1, "size": 64, "object_size": (10, 30), **kwargs}
    with pytest.raises(ValueError, match=message):
        make_shapes_dataset(**arguments)


# --------------------------------------------------------------------------------------------
# Box checks and IoU


def test_check_corners_accepts_good_boxes_and_names_bad_ones():
    np.testing.assert_array_equal(check_corners([[0, 0, 1, 2]]), [[0, 0, 1, 2]])
    assert check_box((1, 2, 3, 4)) == (1.0, 2.0, 3.0, 4.0)
    with pytest.raises(ValueError, match=r"box1: expected 4 numbers \(x1, y1, x2, y2\)"):
        check_box((1, 2, 3), "box1")
    with pytest.raises(ValueError, match=r"box2: x2 < x1 \(x1 = 3, x2 = 1\)"):
        check_box((3, 0, 1, 1), "box2")
    with pytest.raises(ValueError, match=r"boxes\[1\]: y2 < y1"):
        check_corners([[0, 0, 1, 1], [5, 0, 1, 1]], order="yx")
    with pytest.raises(ValueError, match="finite"):
        check_corners([0, 0, np.nan, 1])
    with pytest.raises(ValueError, match="expected one box"):
        check_box([[0, 0, 1, 1]], "box")
    with pytest.raises(ValueError, match="order"):
        check_corners([0, 0, 1, 1], order="xyz")


def test_checks_of_the_yolo_arrays_name_the_argument():
    boxes = np.tile([0.1, 0.1, 0.2, 0.3], (2, 3, 1))
    check_yolo_boxes(boxes, np.ones((2, 3, 1)), np.ones((2, 3, 5)))
    with pytest.raises(ValueError, match="box_confidence: expected shape \\(2, 3, 1\\)"):
        check_yolo_boxes(boxes, np.ones((2, 3)), np.ones((2, 3, 5)))
    with pytest.raises(ValueError, match="box_class_probs"):
        check_yolo_boxes(boxes, np.ones((2, 3, 1)), np.ones((2, 5)))
    check_scored_boxes(np.ones(2), boxes[0, :2], np.zeros(2))
    with pytest.raises(ValueError, match="classes: expected shape \\(2,\\)"):
        check_scored_boxes(np.ones(2), boxes[0, :2], np.zeros(3))
    with pytest.raises(ValueError, match="max_boxes"):
        check_scored_boxes(np.ones(2), boxes[0, :2], np.zeros(2), max_boxes=-1)
    with pytest.raises(ValueError, match="iou_threshold"):
        check_scored_boxes(np.ones(2), boxes[0, :2], np.zeros(2), iou_threshold=1.5)


def test_box_iou_matches_hand_values_and_a_pixel_count():
    a = np.array([[1, 2, 3, 4], [0, 0, 4, 4]])
    b = np.array([[2, 1, 4, 3], [5, 5, 6, 6], [1, 1, 1, 1]])
    np.testing.assert_allclose(box_iou(a, b), [[1 / 7, 0, 0], [4 / 16, 0, 0]])
    rng = np.random.default_rng(0)
    for _ in range(50):
        boxes = [np.concatenate(np.sort(rng.integers(0, 10, (2, 2)), axis=0)) for _ in range(2)]
        masks = []
        for y1, x1, y2, x2 in boxes:
            mask = np.zeros((10, 10), bool)
            mask[y1:y2, x1:x2] = True
            masks.append(mask)
        union = np.sum(masks[0] | masks[1])
        expected = np.sum(masks[0] & masks[1]) / union if union else 0.0
        assert box_iou(boxes[0][None], boxes[1][None])[0, 0] == pytest.approx(expected)


# --------------------------------------------------------------------------------------------
# Drawing


def rectangles(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def test_boxes_partly_outside_are_clipped_and_boxes_outside_skipped():
    fig, ax = plt.subplots()
    ax.imshow(np.zeros((50, 80, 3)))
    boxes = [[-10, -20, 30, 40], [40, 70, 90, 120], [100, 100, 120, 130], [5, 5, 10, 10]]
    drawn = draw_boxes(ax, boxes, [0, 1, 2, 1], [0.9, 0.8, 0.7, 0.6], class_names=SHAPE_CLASSES)
    assert drawn == 3
    shown = rectangles(ax)
    assert len(shown) == 3
    for patch in shown:  # inside the image's extent (pixel edges at -0.5 and size - 0.5)
        x, y = patch.get_xy()
        assert x >= -0.5 and y >= -0.5
        assert x + patch.get_width() <= 79.5 and y + patch.get_height() <= 49.5
    first = shown[0]
    assert (first.get_xy(), first.get_width(), first.get_height()) == ((-0.5, -0.5), 40, 30)
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["disc 0.90", "triangle 0.80", "triangle 0.60"]
    assert ax.get_xlim() == (-0.5, 79.5) and ax.get_ylim() == (49.5, -0.5)
    plt.close(fig)


def test_drawing_without_labels_and_argument_errors():
    fig, ax = plt.subplots()
    assert draw_boxes(ax, [[0, 0, 5, 5]], image_shape=(10, 10), labels=False) == 1
    assert len(ax.texts) == 0
    assert draw_boxes(ax, np.zeros((0, 4)), image_shape=(10, 10)) == 0
    with pytest.raises(ValueError, match="image_shape"):
        draw_boxes(plt.subplots()[1], [[0, 0, 5, 5]])
    with pytest.raises(ValueError, match="classes"):
        draw_boxes(ax, [[0, 0, 5, 5]], [0, 1], image_shape=(10, 10))
    with pytest.raises(ValueError, match="x2 < x1"):
        draw_boxes(ax, [[0, 5, 5, 0]], image_shape=(10, 10))
    plt.close("all")


def test_show_detections_draws_one_panel_per_image(monkeypatch):
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    images = np.zeros((3, 20, 20, 3))
    detections = [
        (np.array([0.9]), np.array([[2, 2, 10, 10]]), np.array([2])),
        (np.zeros(0), np.zeros((0, 4)), np.zeros(0, int)),
        (np.array([0.5, 0.4]), np.array([[0, 0, 5, 5], [5, 5, 25, 25]]), np.array([0, 1])),
    ]
    truth = [(np.array([[2, 2, 11, 11]]), np.array([2]))] * 3
    show_detections(images, detections, SHAPE_CLASSES, ground_truth=truth, ncols=2)
    (fig,) = shown
    axes = [ax for ax in fig.axes if ax.images]
    assert len(axes) == 3
    assert [len(rectangles(ax)) for ax in axes] == [2, 1, 3]
    assert [t.get_text() for t in axes[0].texts] == ["horse 0.90"]
    with pytest.raises(ValueError, match="detections"):
        show_detections(images, detections[:2], SHAPE_CLASSES)
    plt.close("all")


# --------------------------------------------------------------------------------------------
# The post-processing by TensorFlow (hand-worked cases)


def test_library_nms_suppresses_within_a_class_only_and_keeps_the_best():
    # boxes 0 and 1 (class 0) overlap with IoU 81/100: 1 goes; box 2 (class 1) stays; 3 is alone
    scores = np.array([0.9, 0.8, 0.7, 0.6], np.float32)
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [0, 0, 9, 9], [20, 20, 30, 30]], np.float32)
    classes = np.array([0, 0, 1, 0])
    kept_scores, kept_boxes, kept_classes = library_nms(scores, boxes, classes, 10, 0.5)
    np.testing.assert_array_equal(kept_scores, scores[[0, 2, 3]])
    np.testing.assert_array_equal(kept_boxes, boxes[[0, 2, 3]])
    assert kept_classes.tolist() == [0, 1, 0] and kept_classes.dtype == np.int64
    assert library_nms(scores, boxes, classes, 2, 0.5)[2].tolist() == [0, 1]
    assert len(library_nms(scores, boxes, classes, 10, 0.85)[0]) == 4  # IoU 0.81 is not > 0.85
    assert [a.shape for a in library_nms(scores, boxes, classes, 0)] == [(0,), (0, 4), (0,)]
    nothing = library_nms(np.zeros(0), np.zeros((0, 4)), np.zeros(0, int))
    assert [a.shape for a in nothing] == [(0,), (0, 4), (0,)]
    with pytest.raises(ValueError, match="scores"):
        library_nms(scores[:3], boxes, classes)


def test_library_eval_keeps_scores_equal_to_the_threshold_image_by_image():
    # 2 images × 1 row × 3 cells × 1 anchor, 2 classes. Image 0: box 0 (x, y) = (0.5, 0.5),
    # (w, h) = (0.2, 0.4), score 0.81, class 1; box 1 shifted by 0.01, class 1: suppressed; box 2,
    # class 0, score 0.5 exactly: kept (>=). Image 1: every score below the threshold.
    xy = np.tile(
        np.array([[[[0.5, 0.5]], [[0.51, 0.5]], [[0.5, 0.52]]]], np.float32), (2, 1, 1, 1, 1)
    )
    wh = np.full((2, 1, 3, 1, 2), [0.2, 0.4], np.float32)
    confidence = np.array([[[[0.9]], [[0.8]], [[1.0]]]], np.float32)
    confidence = np.stack([confidence, confidence * 0.1])
    probs = np.tile(
        np.array([[[[0.1, 0.9]], [[0.1, 0.9]], [[0.5, 0.5]]]], np.float32), (2, 1, 1, 1, 1)
    )
    first, second = library_eval((xy, wh, confidence, probs), (100, 200), 10, 0.5, 0.5)
    np.testing.assert_allclose(first[0], [0.81, 0.5])
    np.testing.assert_allclose(first[1], [[30, 80, 70, 120], [32, 80, 72, 120]], atol=1e-4)
    assert first[2].tolist() == [1, 0]
    assert [a.shape for a in second] == [(0,), (0, 4), (0,)]
    (one,) = library_eval([a[:1] for a in (xy, wh, confidence, probs)], (100, 200), 1, 0.5, 0.5)
    assert one[2].tolist() == [1]


# --------------------------------------------------------------------------------------------
# Average precision and mAP (hand-worked cases)


def test_average_precision_all_point_interpolation():
    assert average_precision([0.5, 1.0], [1.0, 1.0]) == pytest.approx(1.0)
    # TP, FP, TP with 2 true boxes: precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1.
    assert average_precision([0.5, 0.5, 1.0], [1, 0.5, 2 / 3]) == pytest.approx(0.5 + 0.5 * 2 / 3)
    # The envelope: FP first, then TP, TP (3 true boxes, one never found).
    recall = [0, 1 / 3, 2 / 3]
    precision = [0, 1 / 2, 2 / 3]
    assert average_precision(recall, precision) == pytest.approx(2 / 3 * 2 / 3)
    assert average_precision([], []) == 0.0
    with pytest.raises(ValueError, match="recall"):
        average_precision([0.5, 0.2], [1, 1])
    with pytest.raises(ValueError, match="same shape"):
        average_precision([0.5], [1, 1])


def det(scores, boxes, classes):
    return np.array(scores, float), np.array(boxes, float).reshape(-1, 4), np.array(classes, int)


def test_map_of_perfect_detections_is_one():
    truth = [(np.array([[0, 0, 10, 10], [20, 20, 40, 30]]), np.array([0, 1]))]
    found = [det([0.9, 0.8], [[0, 0, 10, 10], [20, 20, 40, 30]], [0, 1])]
    mean, aps = mean_average_precision(found, truth, 2)
    assert mean == 1.0 and aps.tolist() == [1.0, 1.0]


def test_map_counts_duplicates_wrong_classes_and_misses():
    truth = [
        (np.array([[0, 0, 10, 10], [50, 50, 60, 60]]), np.array([0, 0])),
        (np.array([[0, 0, 20, 20]]), np.array([1])),
    ]
    found = [
        # a hit (0.9), its duplicate (0.8: a false positive), a box of the wrong class (0.7)
        det([0.9, 0.8, 0.7], [[0, 0, 10, 10], [1, 1, 10, 10], [50, 50, 60, 60]], [0, 0, 1]),
        det([0.6], [[0, 0, 20, 20]], [1]),
    ]
    mean, aps = mean_average_precision(found, truth, 3)
    # class 0: TP, FP; 2 true boxes → precision 1, 1/2; recall 1/2, 1/2 → AP = 1/2
    # class 1: FP (0.7, image 0), TP (0.6) → precision 0, 1/2; recall 0, 1 → AP = 1/2
    # class 2: no true box → NaN, left out of the mean
    assert aps[:2].tolist() == pytest.approx([0.5, 0.5]) and np.isnan(aps[2])
    assert mean == pytest.approx(0.5)


def test_map_iou_threshold_is_inclusive_and_a_class_never_found_scores_zero():
    truth = [(np.array([[0, 0, 10, 10], [30, 30, 40, 40]]), np.array([0, 1]))]
    half = det([0.9], [[0, 0, 10, 20]], [0])  # IoU exactly 0.5 with the first true box
    mean, aps = mean_average_precision([half], truth, 2, iou_threshold=0.5)
    assert aps.tolist() == [1.0, 0.0] and mean == 0.5
    mean, aps = mean_average_precision([half], truth, 2, iou_threshold=0.51)
    assert aps.tolist() == [0.0, 0.0]


def test_map_sorts_by_score_across_images():
    truth = [(np.array([[0, 0, 10, 10]]), np.array([0]))] * 2
    found = [det([0.3], [[0, 0, 10, 10]], [0]), det([0.9], [[50, 50, 60, 60]], [0])]
    # by score: FP (0.9), TP (0.3): precision 0, 1/2 at recall 0, 1/2 → AP = 1/2 · 1/2
    mean, _ = mean_average_precision(found, truth, 1)
    assert mean == pytest.approx(0.25)


def test_map_argument_errors():
    truth = [(np.zeros((0, 4)), np.zeros(0, int))]
    with pytest.raises(ValueError, match="one entry per image"):
        mean_average_precision([], truth, 1)
    with pytest.raises(ValueError, match="class indices"):
        mean_average_precision([det([0.5], [[0, 0, 1, 1]], [3])], truth, 2)
    with pytest.raises(ValueError, match="detections\\[0\\]"):
        mean_average_precision([det([0.5, 0.4], [[0, 0, 1, 1]], [0])], truth, 2)
    with pytest.raises(ValueError, match="iou_threshold"):
        mean_average_precision([det([], [], [])], truth, 1, iou_threshold=0)
    mean, aps = mean_average_precision([det([], [], [])], truth, 1)
    assert np.isnan(mean) and np.isnan(aps[0])
