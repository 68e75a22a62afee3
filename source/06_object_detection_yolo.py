# %% [markdown]
# # 06 · Object detection with YOLOv2: from one box to many
#
# > YOLOv2 from a grid of predictions to a few boxes: IoU, score filtering, non-max suppression, real detections.
#
# **Runtime**: CPU, about 23 s on 2 cores (measured, offline); no GPU needed.
#
# A classifier says *what* is in an image; a detector says what, **where**, and **how many**. This
# notebook walks the course's path from classification with localisation to YOLO: a box as four more
# outputs of a network, sliding windows made cheap by convolutions, a grid of cells with anchor boxes,
# and the post-processing that turns YOLO's 19×19×425 output into a few labelled boxes. It ends with
# real boxes drawn on real images, offline.
#
# **What you will build**
# - The target $y = [p_c, b_x, b_y, b_h, b_w, c_1, c_2, c_3]$ of a labelled image and the course's loss, with its practical variant.
# - Landmark detection: a small network trained to output $1 + 2k$ numbers (is there a triangle, and its 3 corners), its loss, and its predictions drawn.
# - Sliding windows as one convolutional pass: fully connected layers turned into convolutions, shown equal to four separate crops, and timed; the naive detector run crop by crop against it; the course's strided example computed.
# - Anchor boxes: the (cell, anchor) that owns a ground-truth box, and anchor shapes found by k-means with the distance $1 - \text{IoU}$.
# - Graded: `yolo_boxes_to_corners`, `yolo_filter_boxes`, `iou`, a hand-written per-class `yolo_non_max_suppression`, `scale_boxes` and `yolo_eval`.
# - YOLOv2 at 608×608×3 (50,983,561 parameters, 62.94 billion FLOPs) and its head, then detections with your `yolo_eval` and their mAP@0.5.
#
# **Data**: Offline: a detection dataset generated from the photos that ship with
# scikit-image, scikit-learn and matplotlib (discs, triangles and horse silhouettes with exact boxes),
# and a compact YOLOv2 trained on it by `scripts/train_yolo_shapes.py` (`weights/yolo_shapes.weights`,
# 3.2 MB). Online (e.g. on Colab), Darknet's COCO weights `yolov2.weights` (194 MB) are downloaded and
# the full YOLOv2 runs on the photos too.

# %%
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from utils import shapes_detector as shapes
from utils.anchors import assign_anchor, kmeans_anchors, wh_iou, yolo_targets
from utils.assets import registry, resolve
from utils.box_drawing import draw_boxes, show_detections
from utils.boxes import check_box, check_scored_boxes, check_yolo_boxes
from utils.detection_metrics import mean_average_precision
from utils.images import load_image, resize
from utils.landmark_dataset import TRIANGLE_LANDMARKS, make_landmark_dataset
from utils.model_stats import layer_table, model_cost
from utils.nms import library_nms
from utils.public_tests.yolo import (
    iou_test,
    scale_boxes_test,
    yolo_boxes_to_corners_test,
    yolo_eval_test,
    yolo_filter_boxes_test,
    yolo_non_max_suppression_test,
)
from utils.shapes_dataset import SHAPE_CLASSES, make_shapes_dataset
from utils.yolo import coco_yolo_v2, read_anchors, read_classes, yolo_head, yolo_v2

# %% [markdown]
# ## 1. Classification with localisation
#
# A classifier's softmax says which of $C$ classes an image shows. To also say **where**, the network
# outputs four more numbers, a bounding box: its centre $(b_x, b_y)$ and its height and width
# $(b_h, b_w)$, all as fractions of the image (top-left corner $(0, 0)$, bottom-right $(1, 1)$). One
# more output, $p_c$, says whether there is an object at all. With the course's three classes
# (pedestrian, car, motorcycle; here **disc, triangle, horse**) the target is
#
# $$ y = [\,p_c,\; b_x,\; b_y,\; b_h,\; b_w,\; c_1,\; c_2,\; c_3\,]^T . $$
#
# When there is no object, $p_c = 0$ and the other seven values are "don't care".
#
# The images come from `utils.shapes_dataset.make_shapes_dataset`: crops of real photos with discs,
# triangles and horse silhouettes pasted on them. Here, one image with one object and one with none:

# %%
CLASS_NAMES = SHAPE_CLASSES  # ("disc", "triangle", "horse")
one = make_shapes_dataset(1, seed=3, max_objects=1)
empty = make_shapes_dataset(1, seed=4, min_objects=0, max_objects=0)
(box,), (label,) = one.boxes[0], one.classes[0]
print(f"{one.images.shape[1:]} image, one {CLASS_NAMES[label]}: corners (y1, x1, y2, x2) = {box}")


def localisation_target(box, label, image_shape, num_classes=3):
    """y = [p_c, b_x, b_y, b_h, b_w, c_1, ..., c_C] for one box (y1, x1, y2, x2) in pixels.

    box=None means "no object": p_c = 0, and the rest (don't care) is left at 0.
    """
    y = np.zeros(5 + num_classes)
    if box is None:
        return y
    height, width = image_shape
    y1, x1, y2, x2 = box
    y[:5] = [
        1,
        (x1 + x2) / 2 / width,
        (y1 + y2) / 2 / height,
        (y2 - y1) / height,
        (x2 - x1) / width,
    ]
    y[5 + label] = 1
    return y


y_object = localisation_target(box, label, one.images.shape[1:3])
y_nothing = localisation_target(None, None, empty.images.shape[1:3])
print("y with the object:", np.round(y_object, 4))
print("y without object: ", y_nothing)

fig, axes = plt.subplots(1, 2, figsize=(6, 3))
axes[0].imshow(one.images[0])
draw_boxes(axes[0], one.boxes[0], one.classes[0], class_names=CLASS_NAMES)
axes[0].set_title("p_c = 1")
axes[1].imshow(empty.images[0])
axes[1].set_title("p_c = 0")
for ax in axes:
    ax.axis("off")
plt.show()


# %% [markdown]
# **The course's loss** is the squared error on all eight components when there is an object, and on
# $p_c$ alone when there is none:
#
# $$ \mathcal{L}(\hat y, y) = \begin{cases} \sum_{i=1}^{8} (\hat y_i - y_i)^2 & \text{if } y_1 = 1 \\
# (\hat y_1 - y_1)^2 & \text{if } y_1 = 0. \end{cases} $$
#
# **In practice** each part gets the loss that suits it: a logistic loss for $p_c$ (the network
# outputs a logit, $\hat p_c = \sigma(t)$), the log-likelihood of the softmax for the classes, and
# the squared error for the four box values; the box and class terms count only when there is an
# object. YOLOv2's loss (`yolo_loss` in `scripts/train_yolo_shapes.py`, which trains the detector of
# section 6) is built this way.

# %%
def course_loss(y_hat, y):
    if y[0] == 1:
        return np.sum((y_hat - y) ** 2)
    return (y_hat[0] - y[0]) ** 2


def practical_loss(p_c_logit, box_hat, class_logits, y):
    p_c = 1 / (1 + np.exp(-p_c_logit))
    loss = -(y[0] * np.log(p_c) + (1 - y[0]) * np.log(1 - p_c))  # logistic loss on p_c
    if y[0] == 1:
        loss += np.sum((box_hat - y[1:5]) ** 2)  # squared error on the box
        log_softmax = class_logits - np.log(np.sum(np.exp(class_logits)))
        loss -= log_softmax[np.argmax(y[5:])]  # log-likelihood of the true class
    return loss


# One prediction: confident there is an object (p_c = σ(2.2) = 0.90), the box a little off,
# the right class at 0.8.
p_c_logit = 2.2
box_hat = y_object[1:5] + [0.03, -0.02, 0.05, -0.04]
class_probs = np.full(3, 0.1)
class_probs[label] = 0.8
class_logits = np.log(class_probs)
y_hat = np.concatenate([[1 / (1 + np.exp(-p_c_logit))], box_hat, class_probs])
print("ŷ =", np.round(y_hat, 4))
print(
    f"course's loss:   with the object {course_loss(y_hat, y_object):.4f}, "
    f"on the empty image {course_loss(y_hat, y_nothing):.4f}"
)
with_object = practical_loss(p_c_logit, box_hat, class_logits, y_object)
without = practical_loss(p_c_logit, box_hat, class_logits, y_nothing)
print(f"practical loss:  with the object {with_object:.4f}, on the empty image {without:.4f}")

# %% [markdown]
# On the empty image only $p_c$ is penalised; the logistic loss punishes a confident wrong $p_c$ much
# harder ($-\log(1 - 0.9) = 2.3$) than the squared error ($0.9^2 = 0.81$).
#
# **Landmarks.** The same idea gives *landmark detection*: instead of a box, the network outputs the
# coordinates $(l_{x}, l_{y})$ of chosen points (the corners of the eyes, a pose's joints): 64 points
# on a face make $1 + 2 \cdot 64 = 129$ outputs. The labels must name the same point in the same
# position of $y$ in every image.


# %% [markdown]
# ### Landmark detection, trained
#
# For $k$ landmarks the target is
#
# $$ y = [\,p,\; l_{1x},\; l_{1y},\; \dots,\; l_{kx},\; l_{ky}\,]^T , $$
#
# $1 + 2k$ numbers, with $p = 1$ when the object is there. Here the object is a **triangle** and
# its $k = 3$ landmarks are its corners, always in the same order: apex, base left, base right.
# The images are 32×32 crops of the course's photos from
# `utils.landmark_dataset.make_landmark_dataset`: half hold a triangle (10 to 24 pixels high,
# turned by up to ±25°), the other half none, and most of those a disc or a horse instead, so that
# the network must tell a triangle from other shapes. The generator paints the triangles itself,
# so their corners are exact; the targets give them as fractions of the image size.
#
# The loss is the practical one of above: a logistic loss on $p$ (the network outputs a logit $t$,
# $\hat p = \sigma(t)$) and the squared error of the $2k$ coordinates **only where there is a
# triangle**:
#
# $$ \mathcal{L} = -\big[p \log \sigma(t) + (1 - p) \log\big(1 - \sigma(t)\big)\big]
#    + \lambda\, p \sum_{i=1}^{2k} (\hat l_i - l_i)^2 , \qquad \lambda = 5 $$
#
# ($\lambda$ weighs the coordinates, whose squared errors are small numbers). Without the factor
# $p$, the network would be pulled towards corners that images without a triangle do not have.

# %%
LANDMARK_SIZE, K_LANDMARKS = 32, len(TRIANGLE_LANDMARKS)
landmarks_train = make_landmark_dataset(3000, seed=0)  # 32×32 images, triangles 10–24 px high
landmarks_test = make_landmark_dataset(300, seed=1)  # held out: other photos crops, other shapes


def landmark_targets(data):
    """y = [p, l1x, l1y, ..., lkx, lky] per image: (m, 1 + 2k), coordinates / image size."""
    y = np.zeros((len(data), 1 + 2 * K_LANDMARKS), np.float32)
    y[:, 0] = data.present
    y[data.present, 1:] = data.landmarks[data.present].reshape(-1, 2 * K_LANDMARKS) / LANDMARK_SIZE
    return y


Y_landmarks_train, Y_landmarks_test = map(landmark_targets, (landmarks_train, landmarks_test))
sizes_text = f"images {landmarks_train.images.shape}, targets {Y_landmarks_train.shape}"
print(f"{sizes_text}: 1 + 2·{K_LANDMARKS} numbers per image")
print(
    f"with a triangle: {landmarks_train.present.sum()} of 3000 training, "
    f"{landmarks_test.present.sum()} of 300 held-out images"
)
example = int(np.argmax(landmarks_train.present))
corners_px = np.round(landmarks_train.landmarks[example].astype(float), 1).tolist()
print(f"training image {example}: corners (x, y) in pixels {corners_px}")
print("  its target y =", np.round(Y_landmarks_train[example].astype(float), 3).tolist())
mean_corners = landmarks_train.landmarks[landmarks_train.present].mean(axis=0)
guess_error = np.linalg.norm(landmarks_test.landmarks - mean_corners, axis=2)[
    landmarks_test.present
]
print(f"answering the mean corners of the training triangles: {guess_error.mean():.2f} px off")


# %%
# tolerance: ±4 points, ±20%
def landmark_loss(y_true, y_pred):
    """Logistic loss on p (y_pred[:, 0] is a logit) + λ · p · squared error of the coordinates."""
    present = y_true[:, 0]
    presence = keras.ops.binary_crossentropy(present, y_pred[:, 0], from_logits=True)
    squared = keras.ops.sum(keras.ops.square(y_pred[:, 1:] - y_true[:, 1:]), axis=1)
    return keras.ops.mean(presence + 5.0 * present * squared)


keras.utils.set_random_seed(0)
landmark_net = keras.Sequential(
    [
        keras.Input((LANDMARK_SIZE, LANDMARK_SIZE, 3)),
        keras.layers.Conv2D(16, 5, activation="relu"),  # valid convolutions: 28×28×16
        keras.layers.MaxPooling2D(2),  # 14×14×16
        keras.layers.Conv2D(32, 3, activation="relu"),  # 12×12×32
        keras.layers.MaxPooling2D(2),  # 6×6×32
        keras.layers.Conv2D(64, 3, activation="relu"),  # 4×4×64
        keras.layers.MaxPooling2D(2),  # 2×2×64
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(1 + 2 * K_LANDMARKS),  # [t, l1x, l1y, l2x, l2y, l3x, l3y]
    ],
    name="landmark_net",
)
landmark_net.compile(optimizer=keras.optimizers.Adam(0.003), loss=landmark_loss)
start = time.perf_counter()
history = landmark_net.fit(
    landmarks_train.images, Y_landmarks_train, epochs=10, batch_size=32, verbose=0
)
seconds = time.perf_counter() - start

landmark_outputs = landmark_net.predict(landmarks_test.images, verbose=0)
says_present = landmark_outputs[:, 0] > 0  # σ(t) > 0.5
landmark_corners = landmark_outputs[:, 1:].reshape(-1, K_LANDMARKS, 2) * LANDMARK_SIZE
errors = np.linalg.norm(landmark_corners - landmarks_test.landmarks, axis=2)[landmarks_test.present]
losses = history.history["loss"]
print(f"{landmark_net.count_params():,} parameters; loss {losses[0]:.3f} → {losses[-1]:.3f}")
right = np.mean(says_present == landmarks_test.present)
print(f"held-out: triangle or not right for {100 * right:.1f}% of the 300 images")
print(f"  more than 80%: {right > 0.8}")
print(f"mean landmark error on the {len(errors)} held-out triangles: {errors.mean():.2f} px")
closer = 1.5 * errors.mean() < guess_error.mean()
print(f"at least 1.5 times closer than the mean corners ({guess_error.mean():.2f} px): {closer}")
print(f"trained in {seconds:.1f} s")

# %%
fig, axes = plt.subplots(2, 5, figsize=(11, 4.8))
for ax, i in zip(axes.ravel(), range(10), strict=True):
    ax.imshow(landmarks_test.images[i])  # pixel (row r, col c) is centred at (x, y) = (c, r)
    if landmarks_test.present[i]:
        ax.plot(*landmarks_test.landmarks[i].T, "o", mfc="none", mec="lime", ms=9, mew=2)
    if says_present[i]:
        for (x, y), colour in zip(landmark_corners[i], ("red", "orange", "yellow"), strict=True):
            ax.plot(x, y, "x", color=colour, ms=9, mew=2.5)
    p_hat = 1 / (1 + np.exp(-landmark_outputs[i, 0]))
    ax.set_title(f"p̂ = {p_hat:.2f}" + ("" if landmarks_test.present[i] else " (none)"))
    ax.axis("off")
fig.suptitle(
    "held-out images: true corners (green circles), predicted apex / base left / base "
    "right (red, orange, yellow ×) where p̂ > 0.5"
)
plt.show()

# %% [markdown]
# After 10 epochs on 3,000 images the network places the corners ≈ 3 pixels from the true ones,
# half the error of answering the average corners, and tells triangles from other shapes in ≈ 87%
# of the held-out images. More images, more epochs and augmentations do better. A face's
# landmarks are found the same way: MTCNN's O-Net (notebook 07) outputs a face probability, 4 box
# values and the $2 \cdot 5$ coordinates of five landmarks (eyes, nose, mouth corners), trained
# with a landmark loss that also counts only on faces.


# %% [markdown]
# ## 2. Sliding windows, as one convolution
#
# To find objects anywhere, slide a window over the image and classify every crop. Done crop by crop,
# neighbouring windows recompute the same convolutions again and again. The fix (Sermanet et al.,
# *OverFeat*, 2014) is to write the classifier's fully connected layers as convolutions:
#
# | classifier on a 14×14×3 window | the same, as convolutions | on a 16×16×3 image |
# |---|---|---|
# | 5×5 conv, 16 filters → 10×10×16 | same | 12×12×16 |
# | 2×2 max-pool → 5×5×16 | same | 6×6×16 |
# | FC 400 | **5×5 conv, 400 filters** → 1×1×400 | 2×2×400 |
# | FC 400 | **1×1 conv, 400 filters** | 2×2×400 |
# | softmax 4 | **1×1 conv, 4 filters, softmax** → 1×1×4 | **2×2×4** |
#
# A dense layer on the 5×5×16 volume *is* a 5×5 convolution with 400 filters (the same 400 weighted
# sums), and a dense layer on 400 numbers is a 1×1 convolution. On a 16×16 image the convolutional
# network outputs 2×2×4: the four 14×14 windows at stride 2 (the max-pool's stride), in one pass.

# %%
keras.utils.set_random_seed(0)
fc_model = keras.Sequential(
    [
        keras.Input((14, 14, 3)),
        keras.layers.Conv2D(16, 5, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(400, activation="relu"),
        keras.layers.Dense(400, activation="relu"),
        keras.layers.Dense(4, activation="softmax"),
    ],
    name="fc_classifier",
)


def convolutional_classifier(input_shape):
    return keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Conv2D(16, 5, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(400, 5, activation="relu"),  # was Dense(400)
            keras.layers.Conv2D(400, 1, activation="relu"),  # was Dense(400)
            keras.layers.Conv2D(4, 1, activation="softmax"),  # was Dense(4, softmax)
        ],
        name="convolutional_classifier",
    )


conv_model = convolutional_classifier((None, None, 3))  # any image size
# The same weights: a dense kernel (5·5·16, 400) is a (5, 5, 16, 400) convolution kernel.
conv_layers = [layer for layer in conv_model.layers if layer.weights]
fc_layers = [layer for layer in fc_model.layers if layer.weights]
for conv_layer, fc_layer in zip(conv_layers, fc_layers, strict=True):
    kernel, bias = fc_layer.get_weights()
    conv_layer.set_weights([kernel.reshape(conv_layer.kernel.shape), bias])

image = load_image("chelsea", size=16)  # a real photo, 16×16×3
one_pass = conv_model(image[None]).numpy()[0]  # (2, 2, 4)
crops = np.stack([image[r : r + 14, c : c + 14] for r in (0, 2) for c in (0, 2)])
four_passes = fc_model(crops).numpy().reshape(2, 2, 4)
print("convolutional network on 16×16×3:", one_pass.shape)
print("window at rows 0–13, cols 2–15, one pass: ", np.round(one_pass[0, 1], 4))
print("the same crop through the dense network:  ", np.round(four_passes[0, 1], 4))
print(
    "all four windows equal (max |difference| < 1e-6):", np.abs(one_pass - four_passes).max() < 1e-6
)

# %% [markdown]
# On a 28×28 image the convolutional network outputs 8×8×4: 64 windows. Crop by crop, each window
# pays for its own convolutions; in one pass, the windows share them:

# %%
image = load_image("coffee", size=28)
windows = np.stack(
    [image[r : r + 14, c : c + 14] for r in range(0, 15, 2) for c in range(0, 15, 2)]
)
by_crops = np.concatenate([fc_model(window[None]).numpy() for window in windows]).reshape(8, 8, 4)
in_one_pass = conv_model(image[None]).numpy()[0]
print("64 windows, one pass == crop by crop:", np.abs(by_crops - in_one_pass).max() < 1e-6)


def best_time(function, repeats=5):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


crop_seconds = best_time(lambda: [fc_model(window[None]) for window in windows])
batch_seconds = best_time(lambda: fc_model(windows))
pass_seconds = best_time(lambda: conv_model(image[None]))
print(f"one call per window: {1e3 * crop_seconds:.1f} ms")
print(f"the 64 crops as one batch: {1e3 * batch_seconds:.1f} ms")
print(
    f"one convolutional pass: {1e3 * pass_seconds:.1f} ms "
    f"({crop_seconds / pass_seconds:.0f}× faster than one call per window)"
)
per_window = model_cost(fc_model)["macs"]
shared = model_cost(convolutional_classifier((28, 28, 3)))["macs"]
print(
    f"multiplications: 64 × {per_window:,} = {64 * per_window:,} crop by crop, {shared:,} in one "
    f"pass ({64 * per_window / shared:.1f}× fewer)"
)

# %% [markdown]
# Most of the gain is in the number of calls, not in arithmetic: each of the 64 calls pays the
# framework's overhead, and the same 64 crops sent as **one batch** cost about as much as the
# convolutional pass. In this small network only the first convolution's windows overlap, so one pass
# does only 1.3× fewer multiplications: the "dense" 5×5×16×400 layer still runs once per window
# position. Sharing pays off when the shared convolutional part is large, as in OverFeat or YOLO,
# whose whole network is convolutional. The windows' positions stay coarse (a stride of 2 pixels, a
# fixed 14×14 size) and a box rarely lines up with a window: YOLO fixes that by predicting the box.


# %% [markdown]
# ### A convolution is a sliding window: the course's strided example
#
# A convolution with stride $s$ slides its filter $s$ pixels at a time, and its output has
# $\lfloor (n + 2p - f)/s \rfloor + 1$ rows. The course's example: a 7×7 input, a 3×3 filter,
# no padding, stride 2 → $\lfloor (7 - 3)/2 \rfloor + 1 = 3$, a 3×3 output. By the formula, with
# loops, and with `tf.nn.conv2d`:

# %%
X_notes = np.array(
    [
        [2, 3, 7, 4, 6, 2, 9],
        [6, 6, 9, 8, 7, 4, 3],
        [3, 4, 8, 3, 8, 9, 7],
        [7, 8, 3, 6, 6, 3, 4],
        [4, 2, 1, 8, 3, 4, 6],
        [3, 2, 4, 1, 9, 8, 3],
        [0, 1, 3, 9, 2, 1, 4],
    ]
)
W_notes = np.array([[3, 4, 4], [1, 0, 2], [-1, 0, 3]])
f_notes, s_notes = 3, 2  # filter size, stride
n_out = (len(X_notes) - f_notes) // s_notes + 1
Z_loops = np.array(
    [
        [
            np.sum(
                X_notes[s_notes * i : s_notes * i + f_notes, s_notes * j : s_notes * j + f_notes]
                * W_notes
            )
            for j in range(n_out)
        ]
        for i in range(n_out)
    ]
)
Z_tf = tf.nn.conv2d(
    X_notes[None, :, :, None].astype("float32"),
    W_notes[:, :, None, None].astype("float32"),
    strides=s_notes,
    padding="VALID",
)[0, :, :, 0].numpy()
print(f"7×7 * 3×3, stride {s_notes}: {n_out}×{n_out} output\n{Z_loops}")
print("tf.nn.conv2d (stride 2, valid) gives the same:", np.array_equal(Z_loops, Z_tf))
print(
    f"as in the course: 91, 100 in the first row, 69 below 91: {Z_loops[0, :2].tolist()}, "
    f"{Z_loops[1, 0]}"
)
print(f"the first row's third window, {X_notes[0:3, 4:7].tolist()}, gives {Z_loops[0, 2]}")

# %% [markdown]
# The course notes (copying the lecture's slide) give 83 for the third value: a slip, since the
# window (rows 0–2, columns 4–6) times the filter is $18 + 8 + 36 + 7 + 0 + 6 - 8 + 0 + 21 = 88$.
#
# ### The naive sliding-window detector, run
#
# The landmark network of section 1 is a window classifier: it says whether a 32×32 window holds a
# whole triangle, and where its corners are. The course's sliding-window detector runs it on every
# 32×32 window of a larger image. On a 96×96 scene (generated as in section 3, with shapes of 10 to
# 22 pixels) and a stride of 8 pixels that is $(96 - 32)/8 + 1 = 9$ positions per axis, 81 windows:
#
# - **crop by crop**: cut each window out and run the network on it, one call per window;
# - **in one pass**: its layers as convolutions — `Dense(128)` on the 2×2×64 volume becomes
#   `Conv2D(128, 2)`, `Dense(7)` becomes `Conv2D(7, 1)`, with the same weights reshaped — and the
#   whole scene through it once: a 9×9×7 map, one output vector per window. Its stride is that of
#   the three max-pools, $2^3 = 8$.
#
# This is why section 1's network uses *valid* convolutions: with "same" padding a crop's border
# would see zeros where the scene has pixels, and the two would differ.

# %%
window_net = keras.Sequential(
    [
        keras.Input((96, 96, 3)),  # the scene below (any size would do)
        keras.layers.Conv2D(16, 5, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(64, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(128, 2, activation="relu"),  # was Dense(128) on 2×2×64
        keras.layers.Conv2D(1 + 2 * K_LANDMARKS, 1),  # was Dense(7)
    ],
    name="landmark_net_as_convolutions",
)
trained = [layer for layer in landmark_net.layers if layer.weights]
for conv_layer, layer in zip([lr for lr in window_net.layers if lr.weights], trained, strict=True):
    kernel, bias = layer.get_weights()
    conv_layer.set_weights([kernel.reshape(conv_layer.kernel.shape), bias])

scene = make_shapes_dataset(1, size=96, seed=10, min_objects=3, max_objects=5, object_size=(10, 22))
scene_image = scene.images[0]
STRIDE, positions = 8, (96 - LANDMARK_SIZE) // 8 + 1
scene_windows = np.stack(
    [
        scene_image[
            STRIDE * r : STRIDE * r + LANDMARK_SIZE, STRIDE * c : STRIDE * c + LANDMARK_SIZE
        ]
        for r in range(positions)
        for c in range(positions)
    ]
)
landmark_net(scene_windows[:1])  # a first call, so that neither timing includes the tracing
window_net(scene_image[None])
start = time.perf_counter()
crop_by_crop = np.concatenate([landmark_net(w[None]).numpy() for w in scene_windows])
crop_seconds = time.perf_counter() - start
crop_by_crop = crop_by_crop.reshape(positions, positions, -1)
start = time.perf_counter()
one_pass = window_net(scene_image[None]).numpy()[0]
pass_seconds = time.perf_counter() - start
print(f"{len(scene_windows)} windows of {LANDMARK_SIZE}×{LANDMARK_SIZE}, stride {STRIDE}")
print(f"crop by crop: {len(scene_windows)} calls, {crop_seconds:.2f} s")
print(
    f"in one pass: a {one_pass.shape} map, {1e3 * pass_seconds:.1f} ms "
    f"({crop_seconds / pass_seconds:.0f}× faster)"
)
gap = np.abs(crop_by_crop - one_pass).max()
print(f"the same 9×9×7 outputs (max |difference| < 1e-4): {gap < 1e-4}")
per_window = model_cost(landmark_net)["macs"]
shared = model_cost(window_net)["macs"]
print(
    f"multiplications: 81 × {per_window:,} = {81 * per_window:,} crop by crop, {shared:,} in one "
    f"pass ({81 * per_window / shared:.1f}× fewer)"
)

# %%
p_map = 1 / (1 + np.exp(-one_pass[..., 0]))  # (9, 9): P(a triangle in the window)
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.8))
left.imshow(scene_image)
for (y1, x1, y2, x2), label in zip(scene.boxes[0], scene.classes[0], strict=True):
    colour = "lime" if CLASS_NAMES[label] == "triangle" else "white"
    left.add_patch(
        plt.Rectangle(
            (x1 - 0.5, y1 - 0.5), x2 - x1, y2 - y1, fill=False, ec=colour, ls="--", lw=1.5
        )
    )
for r, c in zip(*np.nonzero(p_map > 0.5), strict=True):
    corners_in_scene = one_pass[r, c, 1:].reshape(-1, 2) * LANDMARK_SIZE + [STRIDE * c, STRIDE * r]
    left.plot(*corners_in_scene.T, "x", color="red", ms=6, mew=1.5)
left.set_title("true boxes (green: triangles); ×: corners from the windows with p̂ > 0.5")
left.axis("off")
shown_map = right.imshow(p_map, vmin=0, vmax=1, cmap="magma")
right.set(title="p̂ of each window, at its top-left corner / 8", xticks=range(9), yticks=range(9))
fig.colorbar(shown_map, ax=right, fraction=0.046)
plt.show()

# %% [markdown]
# The naive detector finds the triangles, and shows its weaknesses: several overlapping windows
# answer for one object (they need non-max suppression, section 4), windows that see a part of a
# triangle or of another shape may answer too (the network only ever saw whole shapes), and the
# window size and its 8-pixel grid are fixed. YOLO keeps the one pass and predicts the boxes
# instead.


# %% [markdown]
# ## 3. YOLO: a grid, and anchor boxes
#
# YOLO ("you only look once", Redmon et al., 2016) lays an $S \times S$ grid on the image and gives
# each cell the target of section 1. An object belongs to the cell that holds **its centre**, even
# when the box spans several cells; $b_x, b_y$ are then relative to that cell (in $[0, 1)$), and
# $b_h, b_w$ may exceed 1 cell.
#
# Two objects with their centres in the same cell need two slots: **anchor boxes**. Each cell has
# $A$ slots, one per anchor shape, and an object goes to the slot of the cell whose anchor shape has the
# highest IoU with its box (both centred at the same point). The target volume is
# $S \times S \times A \times (5 + C)$: the course's YOLOv2 uses $19 \times 19 \times 5 \times 85$
# ($= 19 \times 19 \times 425$) for the 80 COCO classes; the compact detector of section 6 uses a
# 5×5 grid on 160×160 images, 5 anchors and 3 classes: $5 \times 5 \times 5 \times 8$.
#
# The 200 held-out images of that detector (generated, never seen in its training):

# %%
start = time.perf_counter()
held_out = shapes.dataset(shapes.HELD_OUT)
counts = np.bincount([len(b) for b in held_out.boxes])
print(
    f"{len(held_out)} images of {held_out.images.shape[1:]}, {sum(map(len, held_out.boxes))} "
    f"objects ({', '.join(f'{n} with {k}' for k, n in enumerate(counts) if n)}) "
    f"in {time.perf_counter() - start:.1f} s"
)
ANCHORS = shapes.ANCHORS  # (5, 2) widths and heights in grid cells (see the k-means below)
GRID = shapes.grid_shape()
SIZE = held_out.images.shape[1:3]

index = 48  # an image where two objects have their centres in the same cell
print(
    f"\nimage {index}: which cell and anchor own each box ({GRID[0]}×{GRID[1]} grid, cells of "
    f"{SIZE[0] // GRID[0]} px)"
)
print(f"{'class':>9} {'box (y1, x1, y2, x2)':>22} {'cell (row, col)':>16} {'anchor':>7} {'IoU':>6}")
for box, label in zip(held_out.boxes[index], held_out.classes[index], strict=True):
    row, col, anchor, overlap = assign_anchor(box, ANCHORS, GRID, SIZE)
    print(
        f"{CLASS_NAMES[label]:>9} {str(box.astype(int).tolist()):>22} {str((row, col)):>16} "
        f"{anchor:>7} {overlap:>6.3f}"
    )
target = yolo_targets(held_out.boxes[index], held_out.classes[index], ANCHORS, GRID, SIZE, 3)
print(
    f"\ntarget volume {target.shape} = {GRID[0]}×{GRID[1]}×{len(ANCHORS)}·(5 + 3); "
    f"slots with an object: {int(target.reshape(*GRID, len(ANCHORS), 8)[..., 4].sum())}"
)

cell = SIZE[0] / GRID[0]
fig, ax = plt.subplots(figsize=(4, 4))
ax.imshow(held_out.images[index])
for k in range(1, GRID[0]):
    ax.axhline(k * cell - 0.5, color="white", linewidth=0.8)
    ax.axvline(k * cell - 0.5, color="white", linewidth=0.8)
draw_boxes(ax, held_out.boxes[index], held_out.classes[index], class_names=CLASS_NAMES)
for box in held_out.boxes[index]:
    row, col, anchor, _ = assign_anchor(box, ANCHORS, GRID, SIZE)
    cy, cx = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    w, h = ANCHORS[anchor] * cell
    ax.add_patch(
        plt.Rectangle((cx - w / 2, cy - h / 2), w, h, fill=False, color="white", linestyle=":")
    )
    ax.plot(cx, cy, "w+")
ax.set_title("grid, boxes, centres (+) and their anchors (dotted)")
ax.axis("off")
plt.show()

# %% [markdown]
# **Which anchor shapes?** YOLOv2 does not pick them by hand: it runs k-means on the widths and
# heights of the training boxes, with the distance $d(\text{box}, \text{centroid}) = 1 -
# \text{IoU}(\text{box}, \text{centroid})$ (boxes compared centred on each other), so that a large box
# does not weigh more than a small one, as it would with the Euclidean distance. More clusters fit the
# boxes better (higher mean IoU with their best anchor) but cost more outputs; YOLOv2 chose $k = 5$.
# On the boxes of the held-out images, in grid cells:

# %%
sizes = shapes.box_sizes(held_out.boxes)  # (N, 2) widths and heights in grid cells
print(f"{len(sizes)} boxes; mean IoU with the best of k anchors found by k-means (1 − IoU):")
for k in range(1, 7):
    found, mean_iou = kmeans_anchors(sizes, k, seed=0)
    print(f"  k = {k}: {mean_iou:.3f}")
found, mean_iou = kmeans_anchors(sizes, 5, seed=0)
print("k = 5 on the held-out boxes:   ", np.round(found, 2).tolist())
print("the detector's (training) boxes:", np.round(ANCHORS, 2).tolist())
print(
    f"mean IoU of the held-out boxes with the detector's anchors: "
    f"{wh_iou(sizes, ANCHORS).max(axis=1).mean():.3f}"
)

fig, axes = plt.subplots(1, 2, figsize=(8, 3.6))
axes[0].scatter(sizes[:, 0], sizes[:, 1], s=4, alpha=0.4, label="boxes")
axes[0].scatter(found[:, 0], found[:, 1], marker="x", color="red", label="k-means anchors")
axes[0].set_xlabel("width (cells)")
axes[0].set_ylabel("height (cells)")
axes[0].legend()
for (w, h), colour in zip(ANCHORS, plt.cm.viridis(np.linspace(0, 0.9, len(ANCHORS))), strict=True):
    axes[1].add_patch(plt.Rectangle((-w / 2, -h / 2), w, h, fill=False, color=colour, linewidth=2))
axes[1].set_xlim(-1.5, 1.5)
axes[1].set_ylim(-1.2, 1.2)
axes[1].set_aspect("equal")
axes[1].set_title("the detector's 5 anchors (in cells)")
plt.show()


# %% [markdown]
# ## 4. From YOLO's output to a few boxes
#
# YOLOv2's last layer outputs, for each of the $19 \times 19$ cells and each of the 5 anchors, 85
# numbers. `utils.yolo.yolo_head` turns them into the box centre `box_xy`, its size `box_wh` (both as
# fractions of the image), the probability `box_confidence` $= p_c$ that the box holds an object, and
# the class probabilities `box_class_probs` $(c_1, \dots, c_{80})$. That is $19 \cdot 19 \cdot 5 =
# 1{,}805$ boxes per image; most are empty or duplicates. Three steps keep the good ones:
#
# 1. convert centres and sizes to corners (`yolo_boxes_to_corners`);
# 2. **score filtering**: drop the boxes whose best class score $p_c \cdot c_i$ is below a threshold
#    (`yolo_filter_boxes`);
# 3. **non-max suppression**: of boxes of the same class that overlap a lot (IoU above a threshold),
#    keep only the best (`yolo_non_max_suppression`, built on `iou`).
#
# `yolo_eval` chains them, with `scale_boxes` to go from fractions of the image to pixels.
#
# ### Exercise 1 — `yolo_boxes_to_corners` (1 point)
#
# A box with centre $(x, y)$ and size $(w, h)$ has corners $y_1 = y - h/2$, $x_1 = x - w/2$,
# $y_2 = y + h/2$, $x_2 = x + w/2$. Return them in the order **$(y_1, x_1, y_2, x_2)$**, the order of
# TensorFlow's `tf.image` functions. Note that `box_xy` holds $(x, y)$ and `box_wh` holds $(w, h)$:
# x first. Use `tf.concat` on the last axis.

# %% solution="yolo_boxes_to_corners"
def yolo_boxes_to_corners(box_xy, box_wh):
    """Convert YOLO box centres and sizes to corners.

    Arguments:
    box_xy -- tensor of shape (..., 2): the centres (x, y) of the boxes
    box_wh -- tensor of shape (..., 2): the widths and heights (w, h) of the boxes

    Returns:
    corners -- tensor of shape (..., 4): (y1, x1, y2, x2) of each box
    """
    ### BEGIN SOLUTION
    box_mins = box_xy - box_wh / 2.0
    box_maxes = box_xy + box_wh / 2.0
    corners = tf.concat(
        [box_mins[..., 1:2], box_mins[..., 0:1], box_maxes[..., 1:2], box_maxes[..., 0:1]],
        axis=-1,
    )
    ### END SOLUTION
    return corners


# %% tests="yolo_boxes_to_corners_test" points=1
yolo_boxes_to_corners_test(yolo_boxes_to_corners)
### BEGIN HIDDEN TESTS
_corners = np.asarray(yolo_boxes_to_corners(tf.constant([[0.3, 0.6]]), tf.constant([[0.2, 0.4]])))
assert np.allclose(_corners, [[0.4, 0.2, 0.8, 0.4]]), (
    f"centre (x, y) = (0.3, 0.6), size (w, h) = (0.2, 0.4): corners {_corners} instead of "
    "(y1, x1, y2, x2) = (0.4, 0.2, 0.8, 0.4)"
)
_corners = np.asarray(yolo_boxes_to_corners(tf.zeros((1, 3, 3, 5, 2)), tf.ones((1, 3, 3, 5, 2))))
assert _corners.shape == (1, 3, 3, 5, 4) and np.allclose(_corners[..., :2], -0.5), (
    f"a (1, 3, 3, 5) batch of unit boxes at 0: corners of shape {_corners.shape}, expected "
    "(1, 3, 3, 5, 4) with (y1, x1) = (-0.5, -0.5)"
)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 — `yolo_filter_boxes` (2 points)
#
# 1. The score of class $i$ for a box is $p_c \cdot c_i$: `box_scores = box_confidence * box_class_probs`
#    (broadcasting: (…, 1) times (…, 80)).
# 2. Each box keeps its best class: `box_classes` = the argmax over the last axis
#    (`tf.math.argmax`), `box_class_scores` = the max (`tf.math.reduce_max`).
# 3. `filtering_mask` = `box_class_scores >= threshold` (a box whose score equals the threshold is kept).
# 4. Apply the mask to the scores, the boxes and the classes with `tf.boolean_mask`: the result is
#    flat, one entry per kept box, in the order of the grid.
#
# The first line, already written, checks the inputs: wrong shapes or a box with $y_2 < y_1$ or
# $x_2 < x_1$ raise a `ValueError` that names the bad argument.

# %% solution="yolo_filter_boxes"
def yolo_filter_boxes(boxes, box_confidence, box_class_probs, threshold=0.6):
    """Filters YOLO boxes by thresholding on object and class confidence.

    Arguments:
    boxes -- tensor of shape (19, 19, 5, 4): the corners (y1, x1, y2, x2) of every box
    box_confidence -- tensor of shape (19, 19, 5, 1): p_c, the probability of an object in a box
    box_class_probs -- tensor of shape (19, 19, 5, 80): the class probabilities (c_1, ..., c_80)
    threshold -- keep a box when its best class score p_c * c_i is >= threshold

    Returns:
    scores -- tensor of shape (None,): the class score of each kept box
    boxes -- tensor of shape (None, 4): the corners (y1, x1, y2, x2) of each kept box
    classes -- tensor of shape (None,): the index of the class of each kept box

    Raises:
    ValueError -- malformed inputs (wrong shapes, y2 < y1 or x2 < x1), from check_yolo_boxes
    """
    check_yolo_boxes(boxes, box_confidence, box_class_probs)
    ### BEGIN SOLUTION
    box_scores = box_confidence * box_class_probs
    box_classes = tf.math.argmax(box_scores, axis=-1)
    box_class_scores = tf.math.reduce_max(box_scores, axis=-1)
    filtering_mask = box_class_scores >= threshold
    scores = tf.boolean_mask(box_class_scores, filtering_mask)
    boxes = tf.boolean_mask(boxes, filtering_mask)
    classes = tf.boolean_mask(box_classes, filtering_mask)
    ### END SOLUTION
    return scores, boxes, classes


# %% tests="yolo_filter_boxes_test" points=2
yolo_filter_boxes_test(yolo_filter_boxes)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(11)
_lo = _rng.random((7, 7, 3, 2)).astype(np.float32)
_boxes = np.concatenate([_lo, _lo + 0.1], axis=-1)
_confidence = _rng.random((7, 7, 3, 1)).astype(np.float32)
_probs = _rng.dirichlet(np.ones(4), (7, 7, 3)).astype(np.float32)
_s, _b, _c = (np.asarray(t) for t in yolo_filter_boxes(_boxes, _confidence, _probs, threshold=0.3))
_best = (_confidence * _probs).max(-1).reshape(-1)
_count = int(np.sum(_best >= 0.3))
assert _s.shape == (_count,) and _b.shape == (_count, 4) and _c.shape == (_count,), (
    f"a 7×7×3 grid, threshold 0.3: {len(_s)} boxes kept, {_count} expected"
)
assert np.allclose(np.sort(_s), np.sort(_best[_best >= 0.3]), atol=1e-6), (
    "a 7×7×3 grid, threshold 0.3: the kept scores are not the best p_c · c_i >= 0.3"
)
_s, _b, _c = yolo_filter_boxes(_boxes, _confidence, _probs, threshold=1.01)
assert tuple(_s.shape) == (0,) and tuple(_b.shape) == (0, 4), (
    "threshold 1.01 keeps no box: empty scores (0,) and boxes (0, 4) expected"
)
### END HIDDEN TESTS

# %% [markdown]
# A malformed input is refused with a message that says what is wrong:

# %%
grid_boxes = tf.constant([[0.1, 0.2, 0.5, 0.6], [0.4, 0.3, 0.2, 0.9]])  # the 2nd has y2 < y1
for args in [
    (grid_boxes, tf.ones((2, 1)), tf.ones((2, 3)) / 3),
    (grid_boxes[:, :3], tf.ones((2, 1)), tf.ones((2, 3)) / 3),
    (grid_boxes[:1], tf.ones((2, 1)), tf.ones((1, 3)) / 3),
]:
    try:
        yolo_filter_boxes(*args)
    except ValueError as err:
        print("ValueError:", err)


# %% [markdown]
# ### Exercise 3 — `iou` (2 points)
#
# The **intersection over union** of two boxes measures how much they overlap: the area of their
# intersection divided by the area of their union, from 0 (disjoint) to 1 (the same box). With
# corners $(x_1, y_1, x_2, y_2)$ (top-left, bottom-right; $y$ grows downwards):
#
# - the intersection's corners: $x_{i1} = \max(x_1, x_1')$, $y_{i1} = \max(y_1, y_1')$,
#   $x_{i2} = \min(x_2, x_2')$, $y_{i2} = \min(y_2, y_2')$;
# - its width and height are $x_{i2} - x_{i1}$ and $y_{i2} - y_{i1}$, **clipped at 0** (disjoint boxes
#   have no intersection, not a negative one);
# - union $=$ area$_1$ + area$_2$ − intersection (the intersection was counted twice);
# - boxes of zero area have an empty union: return 0.
#
# The first two lines, already written, unpack the boxes and check them (4 numbers each, with
# $x_1 \le x_2$ and $y_1 \le y_2$; otherwise a `ValueError`).

# %% solution="iou"
def iou(box1, box2):
    """Intersection over union (IoU) of box1 and box2.

    Arguments:
    box1 -- first box, 4 numbers (box1_x1, box1_y1, box1_x2, box1_y2)
    box2 -- second box, 4 numbers (box2_x1, box2_y1, box2_x2, box2_y2)

    Returns:
    iou -- a number in [0, 1]; 0 when the boxes do not overlap or their union is empty

    Raises:
    ValueError -- a box is not 4 numbers, or has x2 < x1 or y2 < y1 (from check_box)
    """
    (box1_x1, box1_y1, box1_x2, box1_y2) = check_box(box1, "box1")
    (box2_x1, box2_y1, box2_x2, box2_y2) = check_box(box2, "box2")
    ### BEGIN SOLUTION
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
    iou = inter_area / union_area
    ### END SOLUTION
    return iou


# %% tests="iou_test" points=2
iou_test(iou)
### BEGIN HIDDEN TESTS
assert abs(iou((0.0, 0.0, 1.0, 1.0), (0.5, 0.5, 1.5, 1.5)) - 0.25 / 1.75) < 1e-9, (
    "float corners overlapping by 0.5 × 0.5: IoU 0.25 / 1.75 expected"
)
assert abs(iou([0, 0, 10, 10], [0, 0, 10, 5]) - 0.5) < 1e-9, "half a box as lists: IoU 0.5"
assert iou((0, 0, 2, 2), (2, 0, 4, 2)) == 0, "boxes sharing an edge: IoU 0 expected"
assert iou((3, 3, 3, 3), (0, 0, 1, 1)) == 0, "a zero-area box apart from another: IoU 0 expected"
for _bad in [(0, 0, 1), (2, 0, 1, 1), (0, 0, 1, 1, 1)]:
    try:
        iou(_bad, (0, 0, 1, 1))
    except ValueError:
        pass
    else:
        raise AssertionError(f"iou accepted the malformed box {_bad}")
### END HIDDEN TESTS

# %%
print("iou((2, 1, 4, 3), (1, 2, 3, 4)) =", round(iou((2, 1, 4, 3), (1, 2, 3, 4)), 8))
print(
    "disjoint:",
    iou((1, 2, 3, 4), (5, 6, 7, 8)),
    "| touching corners:",
    iou((1, 1, 2, 2), (2, 2, 3, 3)),
)
print("zero-area boxes:", iou((1, 1, 1, 1), (1, 1, 1, 1)))
for box in [(1, 2, 3), (3, 1, 1, 2)]:
    try:
        iou((0, 0, 1, 1), box)
    except ValueError as err:
        print("ValueError:", err)


# %% [markdown]
# ### Exercise 4 — `yolo_non_max_suppression` (3 points)
#
# After filtering, one object is often found by several neighbouring boxes. Non-max suppression keeps
# the best of them, **class by class** (a car never suppresses a pedestrian standing in front of it):
#
# 1. go through the boxes by **decreasing score** (`np.argsort(-scores)`);
# 2. keep a box unless a box already kept **of the same class** overlaps it with
#    $\text{IoU} > $ `iou_threshold` (use your `iou`: it works the same on $(y_1, x_1, y_2, x_2)$
#    corners, since it treats both axes alike);
# 3. stop once `max_boxes` boxes are kept;
# 4. return the kept scores, boxes and classes in that order (`tf.gather` with the kept indices).
#
# Write it by hand with a loop; do not use `tf.image.non_max_suppression` (the test checks): after the
# exercise, yours is compared with it.

# %% solution="yolo_non_max_suppression"
def yolo_non_max_suppression(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):
    """Applies non-max suppression, class by class, to a set of boxes.

    Arguments:
    scores -- tensor of shape (None,), output of yolo_filter_boxes()
    boxes -- tensor of shape (None, 4), output of yolo_filter_boxes() scaled to the image size:
             corners (y1, x1, y2, x2)
    classes -- tensor of shape (None,), output of yolo_filter_boxes()
    max_boxes -- the maximum number of boxes to keep
    iou_threshold -- a kept box removes the boxes of its class that overlap it with IoU > this

    Returns:
    scores -- tensor of shape (None,), at most max_boxes scores, in decreasing order
    boxes -- tensor of shape (None, 4), the corresponding boxes
    classes -- tensor of shape (None,), the corresponding classes

    Raises:
    ValueError -- inputs of inconsistent shapes or malformed boxes (from check_scored_boxes)
    """
    check_scored_boxes(scores, boxes, classes, max_boxes, iou_threshold)
    ### BEGIN SOLUTION
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
    scores = tf.gather(scores, keep)
    boxes = tf.gather(boxes, keep)
    classes = tf.gather(classes, keep)
    ### END SOLUTION
    return scores, boxes, classes


# %% tests="yolo_non_max_suppression_test" points=3
yolo_non_max_suppression_test(yolo_non_max_suppression)
### BEGIN HIDDEN TESTS
_s = np.array([0.5, 0.9, 0.7], np.float32)
_b = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10]], np.float32)
_out = yolo_non_max_suppression(_s, _b, np.array([0, 0, 0]), 10, 0.5)
assert np.allclose(np.asarray(_out[0]), [0.9]), (
    f"three identical boxes of one class: only the best (0.9) stays, got scores {_out[0]}"
)
_out = yolo_non_max_suppression(_s, _b, np.array([2, 1, 0]), 10, 0.5)
assert np.allclose(np.asarray(_out[0]), [0.9, 0.7, 0.5]), (
    "three identical boxes of three classes: all stay, by decreasing score"
)
assert list(np.asarray(_out[2])) == [1, 0, 2], "the classes must follow their boxes"
_out = yolo_non_max_suppression(_s, _b, np.array([0, 0, 0]), 0, 0.5)
assert tuple(_out[1].shape) == (0, 4), "max_boxes=0: boxes of shape (0, 4) expected"
_out = yolo_non_max_suppression(_s, _b, np.array([0, 0, 0]), 10, 1.0)  # IoU 1 is not > 1
assert len(np.asarray(_out[0])) == 3, "iou_threshold=1: IoU 1 is not > 1, all three boxes stay"
### END HIDDEN TESTS

# %% [markdown]
# **Against the library.** TensorFlow's `tf.image.non_max_suppression(boxes, scores, max_output_size,
# iou_threshold)` does the same for boxes of one class, and `tf.image.combined_non_max_suppression`
# runs it class by class (and image by image) in one call. `utils.nms.library_nms` uses it: it
# selects the very same boxes as yours, on random sets of boxes:

# %%
rng = np.random.default_rng(0)
same, kept_counts = [], []
for _ in range(20):
    n = 200
    centres, sizes_ = rng.uniform(0, 300, (n, 2)), rng.uniform(20, 150, (n, 2))
    boxes_ = np.concatenate([centres - sizes_ / 2, centres + sizes_ / 2], axis=1).astype(np.float32)
    scores_ = rng.random(n).astype(np.float32)
    classes_ = rng.integers(0, 3, n)
    mine = yolo_non_max_suppression(scores_, boxes_, classes_, max_boxes=n, iou_threshold=0.3)
    _, reference, _ = library_nms(scores_, boxes_, classes_, max_boxes=n, iou_threshold=0.3)
    same.append(np.array_equal(np.asarray(mine[1]), reference))
    kept_counts.append(len(reference))
print(
    f"20 sets of 200 random boxes in 3 classes, IoU threshold 0.3: the library keeps "
    f"{min(kept_counts)} to {max(kept_counts)} of them; yours selects the same boxes every "
    f"time: {all(same)}"
)


# %% [markdown]
# ### Exercise 5 — `scale_boxes` (1 point)
#
# The corners are fractions of the image; to draw them, multiply $(y_1, x_1, y_2, x_2)$ by
# $(\text{height}, \text{width}, \text{height}, \text{width})$ of `image_shape` = (height, width).

# %% solution="scale_boxes"
def scale_boxes(boxes, image_shape):
    """Scales corners given as fractions of the image to pixels.

    Arguments:
    boxes -- tensor of shape (..., 4): corners (y1, x1, y2, x2) in [0, 1]
    image_shape -- (height, width) of the image in pixels

    Returns:
    boxes -- float32 tensor of shape (..., 4): the corners in pixels
    """
    height, width = image_shape
    ### BEGIN SOLUTION
    image_dims = tf.constant([height, width, height, width], dtype=tf.float32)
    boxes = tf.cast(boxes, tf.float32) * image_dims
    ### END SOLUTION
    return boxes


# %% tests="scale_boxes_test" points=1
scale_boxes_test(scale_boxes)
### BEGIN HIDDEN TESTS
_scaled = np.asarray(scale_boxes(tf.constant([[0.5, 0.25, 1.0, 0.75]]), (100, 40)))
assert np.allclose(_scaled, [[50, 10, 100, 30]]), (
    f"a tensor box in a 100 × 40 image: {_scaled} instead of [[50, 10, 100, 30]]"
)
assert np.asarray(scale_boxes(np.zeros((0, 4), np.float32), (10, 10))).shape == (0, 4), (
    "no boxes: an empty (0, 4) result expected"
)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 6 — `yolo_eval` (3 points)
#
# Chain the steps on the output of `yolo_head`, `yolo_outputs = (box_xy, box_wh, box_confidence,
# box_class_probs)`: corners with `yolo_boxes_to_corners`, `yolo_filter_boxes` with
# `threshold=score_threshold`, `scale_boxes` to `image_shape`, then `yolo_non_max_suppression` with
# `max_boxes` and `iou_threshold`. An image with nothing to find gives empty results, not an error.

# %% solution="yolo_eval"
def yolo_eval(
    yolo_outputs, image_shape=(720, 1280), max_boxes=10, score_threshold=0.6, iou_threshold=0.5
):
    """Converts the output of YOLO encoding (a lot of boxes) to the predicted boxes.

    Arguments:
    yolo_outputs -- output of yolo_head for one image, 4 tensors:
                    box_xy: (19, 19, 5, 2), box_wh: (19, 19, 5, 2),
                    box_confidence: (19, 19, 5, 1), box_class_probs: (19, 19, 5, 80)
    image_shape -- (height, width) of the input image in pixels
    max_boxes -- the maximum number of predicted boxes
    score_threshold -- keep the boxes whose best class score p_c * c_i is >= this
    iou_threshold -- the IoU threshold of non-max suppression

    Returns:
    scores -- tensor of shape (None,), the score of each predicted box
    boxes -- tensor of shape (None, 4), the corners (y1, x1, y2, x2) of each box in pixels
    classes -- tensor of shape (None,), the class of each box
    """
    box_xy, box_wh, box_confidence, box_class_probs = yolo_outputs
    ### BEGIN SOLUTION
    boxes = yolo_boxes_to_corners(box_xy, box_wh)
    scores, boxes, classes = yolo_filter_boxes(
        boxes, box_confidence, box_class_probs, threshold=score_threshold
    )
    boxes = scale_boxes(boxes, image_shape)
    scores, boxes, classes = yolo_non_max_suppression(
        scores, boxes, classes, max_boxes=max_boxes, iou_threshold=iou_threshold
    )
    ### END SOLUTION
    return scores, boxes, classes


# %% tests="yolo_eval_test" points=3
yolo_eval_test(yolo_eval)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(12)
_outputs = (
    _rng.random((4, 4, 2, 2)).astype(np.float32),
    _rng.uniform(0.1, 0.3, (4, 4, 2, 2)).astype(np.float32),
    _rng.random((4, 4, 2, 1)).astype(np.float32),
    _rng.dirichlet(np.ones(3) * 0.2, (4, 4, 2)).astype(np.float32),
)
_s, _b, _c = (np.asarray(t) for t in yolo_eval(_outputs, (50, 100), 3, 0.2, 0.5))
assert 1 <= len(_s) <= 3 and _b.shape == (len(_s), 4) and np.all(np.diff(_s) <= 0), (
    f"max_boxes=3: 1 to 3 boxes by decreasing score expected, got scores {_s}"
)
assert np.all(_b[:, [1, 3]] > -60) and np.all(_b[:, [1, 3]] < 160), (
    f"a 50 × 100 image: x corners scaled by the width (100) expected, got boxes {_b}"
)
_s, _b, _c = (np.asarray(t) for t in yolo_eval(_outputs, (50, 100), 10, 1.5, 0.5))
assert _s.shape == (0,) and _b.shape == (0, 4) and _c.shape == (0,), (
    "score_threshold 1.5 keeps nothing: empty results expected"
)
### END HIDDEN TESTS

# %% [markdown]
# On random "outputs" of a 19×19×5 grid with 80 classes, as in the course, and on outputs where every
# confidence is tiny (an image with nothing to find):

# %%
rng = np.random.default_rng(1)
random_outputs = (
    rng.random((19, 19, 5, 2)).astype(np.float32),
    rng.uniform(0.05, 0.3, (19, 19, 5, 2)).astype(np.float32),
    rng.random((19, 19, 5, 1)).astype(np.float32),
    rng.dirichlet(np.full(80, 0.05), (19, 19, 5)).astype(np.float32),
)
scores, boxes, classes = yolo_eval(random_outputs)
print(f"Found {len(scores)} boxes (at most max_boxes=10) in a 720×1280 image")
best_box = [round(float(v), 1) for v in boxes[0]]
print(f"best: score {float(scores[0]):.4f}, box {best_box}, class {int(classes[0])}")
nothing = (*random_outputs[:2], random_outputs[2] * 1e-3, random_outputs[3])
scores, boxes, classes = yolo_eval(nothing)
shapes_found = [tuple(t.shape) for t in (scores, boxes, classes)]
print("nothing to find: scores {}, boxes {}, classes {}".format(*shapes_found))

# %% [markdown]
# ## 5. YOLOv2 at 608×608×3
#
# `utils.yolo.yolo_v2()` builds YOLOv2 as the course uses it (the YAD2K layout of Darknet's
# `yolov2.cfg`): a Darknet-19 body of 3×3 and 1×1 convolutions, each followed by batch normalisation
# and a leaky ReLU, five 2×2 max-pools (608 → 19), a *passthrough* that brings the 38×38 features of
# layer 13 to 19×19 (a 1×1 convolution to 64 channels, then space-to-depth) so that small objects keep
# their detail, and a last 1×1 convolution to $5 \cdot (5 + 80) = 425$ channels.

# %%
start = time.perf_counter()
yolo_608 = yolo_v2()  # input (608, 608, 3), 5 anchors, 80 classes
print(f"built in {time.perf_counter() - start:.1f} s")
rows = layer_table(yolo_608)
print(f"{'layer':<16} {'type':<20} {'output shape':<22} {'parameters':>11}")
shown = rows[:8] + [None] + rows[-8:]
for row in shown:
    if row is None:
        print(f"{'…':<16} {f'({len(rows) - 16} more layers)':<20}")
        continue
    print(
        f"{row['name']:<16} {row['type']:<20} {str(row['output_shape']):<22} {row['params']:>11,}"
    )


def count(weights):
    return sum(int(np.prod(w.shape)) for w in weights)


total, trainable = yolo_608.count_params(), count(yolo_608.trainable_weights)
print(f"\nTotal params: {total:,} ({total * 4 / 2**20:.2f} MB)")
print(f"Trainable params: {trainable:,} ({trainable * 4 / 2**20:.2f} MB)")
print(f"Non-trainable params: {total - trainable:,} ({(total - trainable) * 4 / 2**10:.2f} KB)")
macs = model_cost(yolo_608)["macs"]
print(f"multiply-adds per image: {macs:,} → {2 * macs / 1e9:.2f} billion FLOPs")
print("(Darknet reports 62.94 BFLOPs for yolov2.cfg at 608×608)")

# %% [markdown]
# The 20,672 non-trainable values are the batch-norm moving means and variances ($2 \times 10{,}336$
# channels). The forward pass on one real photo, and `yolo_head` on its (1, 19, 19, 425) output (the
# weights are random here, so the boxes mean nothing yet):

# %%
photo = load_image("astronaut", size=608)
start = time.perf_counter()
raw = yolo_608(photo[None])
print(f"output {tuple(raw.shape)} in {time.perf_counter() - start:.2f} s")
coco_anchors, coco_classes = read_anchors(), read_classes()
box_xy, box_wh, box_confidence, box_class_probs = yolo_head(raw, coco_anchors, len(coco_classes))
for name, tensor in [
    ("box_xy", box_xy),
    ("box_wh", box_wh),
    ("box_confidence", box_confidence),
    ("box_class_probs", box_class_probs),
]:
    print(f"{name:>16}: {tuple(tensor.shape)}")
print(
    f"{len(coco_classes)} COCO classes ({', '.join(coco_classes[:4])}, …); anchors (cells):",
    np.round(coco_anchors, 2).tolist(),
)
del yolo_608, raw

# %% [markdown]
# ## 6. Real detections
#
# ### With Darknet's COCO weights (online)
#
# `utils.yolo.coco_yolo_v2()` finds `yolov2.weights` through `utils.assets.resolve` (the copy in
# `weights/`, the Keras cache, or a download from pjreddie.com; its SHA-256 is checked against
# `weights/MANIFEST.json`) and loads it into `yolo_v2()` with `utils.darknet.load_darknet_weights`.
# Without a network it prints one line and returns `None`; the compact detector below is the offline
# substitute.

# %%
coco_model = coco_yolo_v2()
if coco_model is not None:
    names = ["astronaut", "coffee", "chelsea", "grace_hopper"]
    photos = [load_image(name) for name in names]
    found = []
    for photo in photos:
        raw = coco_model(resize(photo, 608)[None])
        outputs = yolo_head(raw, coco_anchors, len(coco_classes))
        found.append(yolo_eval([t[0] for t in outputs], photo.shape[:2], 10, 0.3, 0.5))
    print("COCO detections:", [len(s) for s, _, _ in found])
    show_detections(photos, found, coco_classes, titles=names, ncols=2, size=4)

# %% [markdown]
# ### The compact detector (offline)
#
# `scripts/train_yolo_shapes.py` trains `yolo_v2((160, 160, 3), num_anchors=5, num_classes=3,
# width=0.125)`: every layer of YOLOv2 with 1/8 of its filters (799,588 parameters, 36 million
# multiply-adds per image), with the anchors of section 3, its `yolo_loss` (the practical loss
# of section 1 for each slot of the grid) and 4,000 generated training images, whose objects are 24
# to 72 pixels high: ¾ of a grid cell to 2¼ cells (objects smaller than a cell are YOLOv2's weak
# spot). Its weights are in Darknet's format, so they load exactly as the COCO ones. Below, **your** `yolo_eval` turns its
# outputs on the 200 held-out images into boxes; the mean average precision is computed by
# `utils.detection_metrics.mean_average_precision`.
#
# **mAP@0.5**: for one class, sort all the detections of all images by score; a detection is a true
# positive if it overlaps a not-yet-matched true box of its class with IoU $\ge 0.5$. The precision
# and recall after each detection trace a curve; its area (made non-increasing, "all-point
# interpolation" as in PASCAL VOC) is the class's average precision (AP). mAP is the mean over the
# classes. A low score threshold (0.05) keeps the whole curve.

# %%
asset = registry()[shapes.NAME]
detector = shapes.load_detector(resolve(shapes.NAME))
start = time.perf_counter()
outputs = detector.predict(held_out.images, batch_size=50, verbose=0)
box_xy, box_wh, box_confidence, box_class_probs = (
    t.numpy() for t in yolo_head(outputs, ANCHORS, len(CLASS_NAMES))
)
detections = [
    yolo_eval(
        (box_xy[i], box_wh[i], box_confidence[i], box_class_probs[i]),
        image_shape=SIZE,
        max_boxes=shapes.MAX_BOXES,
        score_threshold=shapes.SCORE_THRESHOLD,
        iou_threshold=shapes.IOU_THRESHOLD,
    )
    for i in range(len(held_out))
]
print(f"{len(held_out)} held-out images detected in {time.perf_counter() - start:.1f} s")
truth = list(zip(held_out.boxes, held_out.classes, strict=True))
mean_ap, aps = mean_average_precision(detections, truth, len(CLASS_NAMES), iou_threshold=0.5)
print(f"mAP@0.5 on the held-out images: {mean_ap:.4f}")
for name, ap in zip(CLASS_NAMES, aps, strict=True):
    print(f"  AP {name:<9} {ap:.4f}")
stated = shapes.stated_map(asset.description)
print(f"as stated in weights/MANIFEST.json ({stated:.3f}): {round(mean_ap, 3) == stated}")
# The same outputs through TensorFlow's non-max suppression (utils.nms.library_eval):
library_map, _ = shapes.evaluate(detector, held_out, outputs=outputs)
print(f"the same as with TensorFlow's non-max suppression: {np.isclose(mean_ap, library_map)}")

# %% [markdown]
# Boxes with a score of at least 0.5 on the first 12 held-out images (dashed: the true boxes):

# %%
shown = range(12)
confident = [
    yolo_eval((box_xy[i], box_wh[i], box_confidence[i], box_class_probs[i]), SIZE, 10, 0.5, 0.5)
    for i in shown
]
hits = sum(len(s) for s, _, _ in confident)
print(f"{hits} boxes with score >= 0.5 for {sum(len(held_out.boxes[i]) for i in shown)} objects")
show_detections(
    held_out.images[list(shown)],
    confident,
    CLASS_NAMES,
    ground_truth=[truth[i] for i in shown],
    ncols=4,
    size=2.6,
)

# %% [markdown]
# And on photos with nothing to find (new crops of the same photos, no object pasted):

# %%
backgrounds = make_shapes_dataset(8, seed=99, min_objects=0, max_objects=0)
outputs = yolo_head(detector.predict(backgrounds.images, verbose=0), ANCHORS, len(CLASS_NAMES))
found = [yolo_eval([t[i] for t in outputs], SIZE, 10, 0.5, 0.5) for i in range(len(backgrounds))]
print("boxes found with score >= 0.5 per image:", [len(s) for s, _, _ in found])
print("shapes of the results of the first one:", [tuple(t.shape) for t in found[0]])

# %% [markdown]
# ## 7. Region proposals and one-shot detectors
#
# YOLO looks at the image once. The **R-CNN** family first proposes regions that may hold an object,
# then classifies each:
#
# - **R-CNN** (Girshick et al., 2014): ~2,000 proposals from *selective search* (a segmentation
#   algorithm), each warped and run through a CNN, then classified by SVMs and its box refined. Slow:
#   one CNN pass per region.
# - **Fast R-CNN** (Girshick, 2015): one CNN pass on the whole image; each proposal's features are
#   cut out of the feature map (RoI pooling), as the convolutional sliding windows of section 2 share
#   their computation. The proposals (selective search, ~2 s) become the bottleneck.
# - **Faster R-CNN** (Ren et al., 2015): a *region proposal network* on the same features proposes the
#   regions, with anchor boxes.
# - **R-FCN** (Dai et al., 2016): position-sensitive score maps make the per-region work almost free.
# - **SSD** (Liu et al., 2016) and **YOLO**: one shot, boxes and classes predicted directly from anchors
#   on one (YOLO) or several (SSD) feature maps.
#
# Numbers from the papers (PASCAL VOC 2007 test, trained on VOC 2007+2012 unless noted; speeds on the
# authors' GPUs of the time, not comparable to the letter) — **literature values, not measured here**:
#
# | detector | backbone | VOC 2007 mAP@0.5 | speed |
# |---|---|---|---|
# | R-CNN | VGG-16 (VOC 2007 only) | 66.0% | ~47 s / image |
# | Fast R-CNN | VGG-16 | 70.0% | 0.5 fps (with proposals) |
# | Faster R-CNN | VGG-16 | 73.2% | 7 fps |
# | Faster R-CNN | ResNet-101 | 76.4% | 5 fps |
# | R-FCN | ResNet-101 | 80.5% | ~6 fps (0.17 s / image) |
# | SSD300 | VGG-16 | 74.3% | 46 fps |
# | SSD500 | VGG-16 | 76.8% | 19 fps |
# | YOLO (v1) | own | 63.4% | 45 fps |
# | YOLOv2 416×416 | Darknet-19 | 76.8% | 67 fps |
# | YOLOv2 544×544 | Darknet-19 | 78.6% | 40 fps |
#
# On COCO, the YOLOv2 608 of section 5 reaches 48.1 mAP@0.5 (test-dev; Darknet's model page).

# %% [markdown]
# ## Summary
#
# - A detector's target per object is $[p_c, b_x, b_y, b_h, b_w, c_1, \dots, c_C]$; the course's loss
#   is the squared error (on $p_c$ alone without object); in practice a logistic loss for $p_c$,
#   log-likelihood for the classes and squared error for the box.
# - **Landmarks**: the target $[p, l_{1x}, l_{1y}, \dots, l_{kx}, l_{ky}]$ ($1 + 2k$ numbers), a loss
#   that counts the coordinates only where the object is; a small network finds the 3 corners of
#   triangles about twice as close as answering the average corners.
# - Fully connected layers written as convolutions run a sliding-window classifier over a whole image
#   in one pass, with the same outputs as crop by crop (checked on 4 and on 64 windows); the windows
#   share the convolutions they overlap on.
# - YOLO assigns each object to the cell of its centre and the anchor of highest IoU; k-means with
#   $1 - \text{IoU}$ finds the anchor shapes.
# - You wrote `yolo_boxes_to_corners`, `yolo_filter_boxes`, `iou` (0.14285714 on the course's boxes), a
#   per-class `yolo_non_max_suppression` that selects the same boxes as `tf.image.non_max_suppression`,
#   `scale_boxes` and `yolo_eval`.
# - YOLOv2 608: 50,983,561 parameters (50,962,889 trainable), 62.94 billion FLOPs per image.
# - Your `yolo_eval` on the compact YOLOv2 (799,588 parameters, trained offline on 4,000 generated
#   images) reaches mAP@0.5 = 0.936 on the 200 held-out images (AP 0.979 disc, 0.923 triangle,
#   0.906 horse), the same as with TensorFlow's non-max suppression; on photos with nothing to find
#   it finds nothing. The full YOLOv2 with Darknet's COCO weights (online) reaches 48.1 mAP@0.5 on
#   COCO test-dev (paper value).
