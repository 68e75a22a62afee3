# %% [markdown]
# # 03 · LeNet-5 and classic networks
#
# > Your first CNNs in Keras (a face classifier and LeNet-5) and what AlexNet and VGG-16 cost.
#
# **Runtime**: CPU, about 34 s on 2 cores (measured, offline); no GPU needed.
#
# Notebook 02 built one convolutional layer and one pooling layer by hand. A convolutional network
# stacks them: a few CONV → POOL stages that shrink the image while adding channels, then fully
# connected layers and a softmax. This notebook counts what such a network costs layer by layer,
# builds two of them in Keras and trains them on real images, and then scales the counting up to the
# two networks that made deep learning famous, AlexNet and VGG-16.
#
# **What you will build**
#
# - the course's example network (32×32×3 → CONV → POOL → CONV → POOL → FC → FC → softmax) as a
#   table of activation shapes, activation sizes and parameter counts computed from the formulas and
#   checked against Keras, and why convolutions need so few parameters;
# - `happyModel`: a face / not-face classifier with the Sequential API (convolution, batch
#   normalisation, ReLU, pooling, sigmoid), trained to ≥ 95% test accuracy;
# - `LeNet5`: LeNet-5 with the Functional API (61,706 parameters), trained on real handwritten
#   digits to ≥ 98% test accuracy, with its confusion matrix and its mistakes;
# - AlexNet and VGG-16 in Keras, with random weights, and one table of their parameters,
#   multiply-adds and activation memory — and where in each network those sit.
#
# **Data**: scikit-learn's 1,797 handwritten digit scans and scikit-image's LFW subset (100 face
# crops, 100 non-faces), loaded by `utils.datasets`; both ship inside the installed packages, so the
# notebook is the same offline and on Colab. No pretrained weights: AlexNet and VGG-16 are built with
# random weights, never trained and never downloaded.

# %%
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix

from utils.datasets import load_digits, load_faces
from utils.images import load_image
from utils.model_stats import layer_table
from utils.plotting import plot_history, show_images
from utils.public_tests.cnn_models import LeNet5_test, happyModel_test
from utils.training import EpochLog


# %% [markdown]
# ## 1. A first CNN, layer by layer
#
# The course's example network takes a $32 \times 32 \times 3$ image and 10 classes:
#
# CONV1 (6 filters $5 \times 5$, stride 1) → POOL1 (max $2 \times 2$, stride 2) → CONV2 (16
# filters $5 \times 5$) → POOL2 → flatten → FC3 (120 units) → FC4 (84) → softmax (10).
#
# Three formulas give everything about it (notebook 02):
#
# - a "valid" convolution with stride 1 maps $n \times n \times n_{C,prev}$ to
#   $(n - f + 1) \times (n - f + 1) \times n_C$ and has $(f \cdot f \cdot n_{C,prev} + 1)\, n_C$
#   parameters (a weight per filter entry, a bias per filter);
# - a pooling layer maps $n$ to $\lfloor (n - f)/s \rfloor + 1$, keeps the channels, and has no
#   parameters;
# - a dense layer from $n_{in}$ to $n_{out}$ units has $(n_{in} + 1)\, n_{out}$ parameters.
#
# The *activation size* of a layer is the number of values it outputs, $n_H \cdot n_W \cdot n_C$.
# The code computes the table from these formulas alone, then builds the same network in Keras and
# checks every row against what Keras reports.

# %%
def cnn_table(input_shape, spec):
    """Activation shape, activation size and parameters of each layer, from the formulas.

    Arguments:
    input_shape -- (n_H, n_W, n_C) of one image
    spec -- list of (name, kind, settings): ("conv", (f, n_filters)) valid with stride 1,
            ("pool", (f, stride)), ("flatten", ()), ("dense", (units,))

    Returns:
    rows -- list of (name, activation shape, activation size, parameters), the input first
    """
    shape = tuple(input_shape)
    rows = [("input", shape, int(np.prod(shape)), 0)]
    for name, kind, settings in spec:
        if kind == "conv":
            f, n_filters = settings
            params = (f * f * shape[2] + 1) * n_filters
            shape = (shape[0] - f + 1, shape[1] - f + 1, n_filters)
        elif kind == "pool":
            f, stride = settings
            params = 0
            shape = ((shape[0] - f) // stride + 1, (shape[1] - f) // stride + 1, shape[2])
        elif kind == "flatten":
            params, shape = 0, (int(np.prod(shape)),)
        else:  # dense
            params = (shape[0] + 1) * settings[0]
            shape = (settings[0],)
        rows.append((name, shape, int(np.prod(shape)), params))
    return rows


course_spec = [
    ("conv1", "conv", (5, 6)),
    ("pool1", "pool", (2, 2)),
    ("conv2", "conv", (5, 16)),
    ("pool2", "pool", (2, 2)),
    ("flatten", "flatten", ()),
    ("fc3", "dense", (120,)),
    ("fc4", "dense", (84,)),
    ("softmax", "dense", (10,)),
]
table = cnn_table((32, 32, 3), course_spec)

course_cnn = keras.Sequential(
    [
        keras.Input((32, 32, 3)),
        keras.layers.Conv2D(6, 5, activation="relu", name="conv1"),
        keras.layers.MaxPooling2D(2, name="pool1"),
        keras.layers.Conv2D(16, 5, activation="relu", name="conv2"),
        keras.layers.MaxPooling2D(2, name="pool2"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(120, activation="relu", name="fc3"),
        keras.layers.Dense(84, activation="relu", name="fc4"),
        keras.layers.Dense(10, activation="softmax", name="softmax"),
    ],
    name="course_cnn",
)

line = "{:<9}{:>17}{:>17}{:>12}   {}"
print(line.format("layer", "activation shape", "activation size", "parameters", "Keras agrees"))
table_ok = True
for (name, shape, size, params), layer in zip(table, [None, *course_cnn.layers], strict=True):
    if layer is None:  # the input
        keras_shape, keras_params = tuple(course_cnn.input_shape[1:]), 0
    else:
        keras_shape, keras_params = tuple(layer.output.shape[1:]), layer.count_params()
    agrees = keras_shape == shape and keras_params == params
    table_ok &= agrees
    print(line.format(name, str(shape), f"{size:,}", f"{params:,}", agrees))
total = sum(row[3] for row in table)
table_ok &= total == course_cnn.count_params()
print(line.format("total", "", "", f"{total:,}", total == course_cnn.count_params()))

# %% [markdown]
# Keras' own summary of the model lists the same shapes and parameter counts:

# %%
course_cnn.summary(line_length=80, print_fn=print)

# %% [markdown]
# Two things to notice, which hold for most convolutional networks:
#
# - **the activations shrink gradually**: 3,072 input values, 4,704 after CONV1, then 1,176, 1,600,
#   400, 120, 84 and 10. The height and width fall while the number of channels grows;
# - **the parameters sit in the fully connected layers**: FC3 alone has 48,120 of the 62,006
#   parameters (78%); the two convolutional layers together have 2,872 (under 5%).
#
# ### Why convolutions? Parameter sharing and sparse connections
#
# CONV1 maps the $32 \times 32 \times 3 = 3{,}072$ input values to $28 \times 28 \times 6 = 4{,}704$
# output values with 456 parameters. A dense layer between the same two volumes would need a weight
# for every (input, output) pair: $3{,}072 \times 4{,}704 \approx 14.5$ million. Convolutions get away
# with so few for two reasons:
#
# - **parameter sharing**: a feature detector (say, a vertical edge detector) that is useful in one
#   part of the image is probably useful in another, so the same $5 \times 5 \times 3$ filter is
#   applied at all $28 \times 28$ positions;
# - **sparsity of connections**: each output value depends on a $5 \times 5 \times 3$ window of 75
#   input values only; the other 2,997 have no influence on it.
#
# Both are visible on the Keras layer: the gradient of one output value with respect to the input is
# zero outside its window, and shifting the image shifts the feature map by the same amount
# (*translation equivariance*, a consequence of sharing the filter).

# %%
n_in, n_out = 32 * 32 * 3, 28 * 28 * 6
dense_params = n_in * n_out + n_out
conv1 = course_cnn.get_layer("conv1")
print(f"CONV1: (5·5·3 + 1)·6 = {conv1.count_params():,} parameters")
print(
    f"dense layer {n_in:,} → {n_out:,}: {n_in:,}·{n_out:,} + {n_out:,} = {dense_params:,} "
    f"parameters (≈ {dense_params / 1e6:.1f} million, "
    f"{dense_params // conv1.count_params():,}× more)"
)

# Sparsity: which input values does one output value of CONV1 depend on? (Its linear part: the
# layer's own kernel, before the bias and the ReLU.)
photo = load_image("chelsea", size=32)[None]  # (1, 32, 32, 3), a real photo
x = tf.constant(photo)
with tf.GradientTape() as tape:
    tape.watch(x)
    value = tf.nn.conv2d(x, conv1.kernel, strides=1, padding="VALID")[0, 10, 12, 0]
grad = tape.gradient(value, x).numpy()[0]
rows, cols = np.nonzero(np.abs(grad).sum(axis=-1))
print(
    f"output (row 10, column 12, filter 0) depends on {np.count_nonzero(grad)} of {grad.size:,} "
    f"input values: rows {rows.min()}–{rows.max()}, columns {cols.min()}–{cols.max()}, 3 channels"
)

# Sharing: the same filters everywhere, so shifting the image shifts the feature maps.
shifted = np.roll(photo, 4, axis=2)  # 4 pixels to the right (the last 4 columns wrap around)
maps, maps_shifted = conv1(photo).numpy(), conv1(shifted).numpy()
print(
    "image shifted 4 px to the right → feature maps shifted 4 px to the right:",
    np.allclose(maps_shifted[:, :, 4:], maps[:, :, :-4], atol=1e-5),
)

# %% [markdown]
# ## 2. Face or not face: `happyModel` (Sequential API)
#
# The first network to train is a binary classifier: is there a face in this picture? The data is
# scikit-image's LFW subset: 100 face crops from *Labeled Faces in the Wild* and 100 patches of
# non-face photos, $25 \times 25$ grayscale, resized to $64 \times 64 \times 3$. A stratified split
# keeps 160 images for training and 40 for the test (half of each are faces). The label is 1 for a
# face, and the network outputs the probability of a face.

# %%
X_train_faces, Y_train_faces, X_test_faces, Y_test_faces, face_classes = load_faces()
print("train:", X_train_faces.shape, Y_train_faces.shape, f"{int(Y_train_faces.sum())} faces")
print("test: ", X_test_faces.shape, Y_test_faces.shape, f"{int(Y_test_faces.sum())} faces")
show_images(
    X_train_faces[:8], [face_classes[int(y)] for y in Y_train_faces[:8, 0]], ncols=8, size=1.5
)


# %% [markdown]
# A model whose layers follow each other in one line, each feeding the next, is a
# `keras.Sequential` model: a list of layers, starting with `keras.Input(shape=...)` which declares
# the shape of one example (the batch dimension is left out).
#
# ### Exercise 1 — `happyModel` (2 points)
#
# Implement `happyModel()` with `keras.Sequential([...])`:
#
# 1. `keras.Input(shape=(64, 64, 3))`
# 2. `ZeroPadding2D(padding=3)`: 3 rows/columns of zeros on each side → $70 \times 70 \times 3$
# 3. `Conv2D(32, 7, strides=1)`: 32 filters $7 \times 7$, no activation here → $64 \times 64 \times 32$
# 4. `BatchNormalization(axis=3)`: normalise each of the 32 channels (axis 3 of
#    $(m, n_H, n_W, n_C)$)
# 5. `ReLU()`
# 6. `MaxPooling2D()`: $2 \times 2$ windows, stride 2 → $32 \times 32 \times 32$
# 7. `Flatten()` → 32,768 values
# 8. `Dense(1, activation="sigmoid")`: one probability per image
#
# All the layers are in `keras.layers`. Return the model (not compiled: that comes next).


# %% solution="happyModel"
def happyModel():
    """Face / not-face classifier for 64×64×3 images, built with the Sequential API.

    ZEROPAD2D(3) -> CONV2D(32, 7×7, stride 1) -> BATCHNORM(axis=3) -> RELU -> MAXPOOL(2×2)
    -> FLATTEN -> DENSE(1, sigmoid)

    Arguments:
    None

    Returns:
    model -- keras.Sequential mapping (m, 64, 64, 3) images to (m, 1) probabilities of a face
    """
    ### BEGIN SOLUTION
    model = keras.Sequential(
        [
            keras.Input(shape=(64, 64, 3)),
            keras.layers.ZeroPadding2D(padding=3),
            keras.layers.Conv2D(32, 7, strides=1),
            keras.layers.BatchNormalization(axis=3),
            keras.layers.ReLU(),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        name="happyModel",
    )
    ### END SOLUTION
    return model


# %% tests="happyModel_test" points=2
happyModel_test(happyModel)

### BEGIN HIDDEN TESTS
_model = happyModel()
assert isinstance(_model, keras.Sequential), f"happyModel() built a {type(_model).__name__}"
assert len(_model.layers) == 7, f"happyModel() has {len(_model.layers)} layers, not 7"
_kernels = [tuple(_layer.kernel.shape) for _layer in _model.layers if hasattr(_layer, "kernel")]
assert _kernels[0] == (7, 7, 3, 32), f"the convolution's kernel is {_kernels[0]}, not 7×7×3×32"
_trainable = sum(int(np.prod(_w.shape)) for _w in _model.trainable_weights)
assert _trainable == 4736 + 2 * 32 + 32769, f"happyModel() has {_trainable} trainable parameters"
_x = np.random.default_rng(103).random((4, 64, 64, 3)).astype(np.float32)
_p = keras.ops.convert_to_numpy(_model(_x, training=False))
assert _p.shape == (4, 1), f"happyModel() maps 4 images to an output of shape {_p.shape}"
assert np.all((_p > 0) & (_p < 1)), "happyModel()'s outputs are not probabilities in (0, 1)"
_after_norm = keras.Model(_model.inputs[0], _model.layers[3].output)
assert np.min(keras.ops.convert_to_numpy(_after_norm(_x - 0.5, training=False))) >= 0, (
    "the layer after the batch normalisation is not a ReLU (it has negative outputs)"
)
assert happyModel() is not _model, "happyModel() must build a new, untrained model on every call"
### END HIDDEN TESTS

# %% [markdown]
# ### Training
#
# The loss of a yes/no output is the binary cross-entropy
# $\mathcal{L} = -\frac{1}{m}\sum_i \big(y_i \log p_i + (1 - y_i) \log(1 - p_i)\big)$, minimised
# with Adam. `validation_split=0.2` keeps the last 32 training images out of training to follow
# progress; the test images are used once, at the end.
#
# Batch normalisation behaves differently in training and at prediction. In training it normalises
# each channel with the mean and variance of the current batch; at prediction it uses moving
# averages of them, updated at every step with momentum 0.99 — so they need on the order of a
# hundred steps to settle, and the validation accuracy lags the training accuracy in the first
# epochs. With 128 images and batches of 16 (8 steps per epoch) 15 epochs are enough; these
# settings were chosen on the validation images.

# %%
# tolerance: ±4 points, ±15%, ±0.01
keras.utils.set_random_seed(0)  # the same initial weights and batches, whatever ran before
happy_model = happyModel()
happy_model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=1e-3),
    loss="binary_crossentropy",
    metrics=["accuracy"],
)
start = time.perf_counter()
happy_history = happy_model.fit(
    X_train_faces,
    Y_train_faces,
    validation_split=0.2,
    epochs=15,
    batch_size=16,
    verbose=0,
    callbacks=[EpochLog(every=3)],
)
print(f"training time: {time.perf_counter() - start:.1f} s")
plot_history(happy_history, ("loss", "accuracy"), title="happyModel on faces / not faces")

# %% [markdown]
# On the 40 test images, a probability above 0.5 counts as "face":

# %%
# tolerance: ±3 points, ±1
p_face = happy_model.predict(X_test_faces, verbose=0)[:, 0]
face_correct = int(((p_face > 0.5) == (Y_test_faces[:, 0] == 1)).sum())
face_accuracy = face_correct / len(Y_test_faces)
print(
    f"happyModel test accuracy: {face_correct}/{len(Y_test_faces)} = {100 * face_accuracy:.1f}% "
    f"(target ≥ 95%: {face_accuracy >= 0.95})"
)
show_images(
    X_test_faces[:8],
    [
        f"{face_classes[int(y)]}\np(face) = {p:.2f}"
        for y, p in zip(Y_test_faces[:8, 0], p_face[:8], strict=True)
    ],
    ncols=8,
    size=1.5,
)


# %% [markdown]
# ## 3. LeNet-5 (Functional API)
#
# LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998) read handwritten digits — ZIP codes and bank
# cheques — and is the ancestor of every network in this course. Its input is a $32 \times 32$
# grayscale image (MNIST's $28 \times 28$ digits padded by 2 pixels):
#
# | layer | paper | here | output | parameters |
# |---|---|---|---|---|
# | C1 | 6 filters $5 \times 5$ | `Conv2D(6, 5)`, ReLU | $28 \times 28 \times 6$ | $(5 \cdot 5 \cdot 1 + 1) \cdot 6 = 156$ |
# | S2 | trainable subsampling $2 \times 2$ | `MaxPooling2D(2, 2)` | $14 \times 14 \times 6$ | 0 |
# | C3 | 16 filters $5 \times 5$, each on a subset of the 6 maps | `Conv2D(16, 5)`, ReLU | $10 \times 10 \times 16$ | $(5 \cdot 5 \cdot 6 + 1) \cdot 16 = 2{,}416$ |
# | S4 | trainable subsampling $2 \times 2$ | `MaxPooling2D(2, 2)` | $5 \times 5 \times 16$ | 0 |
# | C5 | 120 filters $5 \times 5$ | `Flatten()` + `Dense(120)`, ReLU | 120 | $(400 + 1) \cdot 120 = 48{,}120$ |
# | F6 | 84 units | `Dense(84)`, ReLU | 84 | $(120 + 1) \cdot 84 = 10{,}164$ |
# | output | 10 Euclidean RBF units | `Dense(10)`, softmax | 10 | $(84 + 1) \cdot 10 = 850$ |
#
# In total $156 + 2{,}416 + 48{,}120 + 10{,}164 + 850 = 61{,}706$ parameters. The choices made
# here, and why:
#
# - **ReLU** instead of the paper's scaled hyperbolic tangent $1.7159 \tanh(\tfrac{2}{3}a)$: it does
#   not saturate, so gradients do not vanish and training is faster — today's default;
# - **max pooling** instead of the paper's subsampling (the sum of each $2 \times 2$ window
#   times a trainable coefficient, plus a trainable bias, through a sigmoid): no parameters, and it
#   keeps the strongest response of each window (notebook 02);
# - **C3 sees all 6 maps** (the paper connected each of its 16 maps to 3, 4 or 6 of them, to save
#   computation and break symmetry: 1,516 parameters instead of 2,416); **C5 as a dense layer** (a
#   $5 \times 5$ convolution of a $5 \times 5$ input *is* a dense layer over its 400 values);
#   **softmax** outputs, trained with cross-entropy, instead of RBF units.
#
# The paper's network had about 60,000 trainable parameters; this one has 61,706.
#
# ### The Functional API
#
# A Sequential model is a single chain. The Functional API describes the graph of tensors instead,
# which also allows branches and skip connections (notebook 04): create the input tensor, call each
# layer on the previous tensor, and make a model from its input and output tensors:
#
# ```python
# inputs = keras.Input(shape=(32, 32, 1))
# x = keras.layers.Conv2D(...)(inputs)
# x = ...(x)
# outputs = keras.layers.Dense(...)(x)
# model = keras.Model(inputs=inputs, outputs=outputs)
# ```
#
# ### Exercise 2 — `LeNet5` (3 points)
#
# Implement `LeNet5(input_shape, classes)` with the Functional API, as the
# "here" column of the table: `Conv2D(6, 5, activation="relu")` ("valid" padding and stride 1 are
# the defaults) → `MaxPooling2D(pool_size=2, strides=2)` → `Conv2D(16, 5, activation="relu")` →
# `MaxPooling2D(pool_size=2, strides=2)` → `Flatten()` → `Dense(120, activation="relu")` →
# `Dense(84, activation="relu")` → `Dense(classes, activation="softmax")`. Use the arguments: the
# input shape and the number of classes change the first and the last layers.


# %% solution="LeNet5"
def LeNet5(input_shape=(32, 32, 1), classes=10):
    """LeNet-5 with ReLU activations and max pooling, built with the Functional API.

    CONV(6, 5×5) -> MAXPOOL(2×2, 2) -> CONV(16, 5×5) -> MAXPOOL(2×2, 2) -> FLATTEN
    -> DENSE(120) -> DENSE(84) -> DENSE(classes, softmax); ReLU after every CONV and hidden DENSE

    Arguments:
    input_shape -- (n_H, n_W, n_C) of one image
    classes -- number of classes

    Returns:
    model -- keras.Model mapping (m, n_H, n_W, n_C) images to (m, classes) probabilities
    """
    ### BEGIN SOLUTION
    X_input = keras.Input(shape=input_shape)
    X = keras.layers.Conv2D(6, 5, strides=1, padding="valid", activation="relu")(X_input)
    X = keras.layers.MaxPooling2D(pool_size=2, strides=2)(X)
    X = keras.layers.Conv2D(16, 5, strides=1, padding="valid", activation="relu")(X)
    X = keras.layers.MaxPooling2D(pool_size=2, strides=2)(X)
    X = keras.layers.Flatten()(X)
    X = keras.layers.Dense(120, activation="relu")(X)
    X = keras.layers.Dense(84, activation="relu")(X)
    outputs = keras.layers.Dense(classes, activation="softmax")(X)
    model = keras.Model(inputs=X_input, outputs=outputs, name="LeNet5")
    ### END SOLUTION
    return model


# %% tests="LeNet5_test" points=3
LeNet5_test(LeNet5)

### BEGIN HIDDEN TESTS
_model = LeNet5()
assert not isinstance(_model, keras.Sequential), "LeNet5() must use the Functional API"
_x = np.random.default_rng(104).random((5, 32, 32, 1)).astype(np.float32)
_p = keras.ops.convert_to_numpy(_model(_x))
assert _p.shape == (5, 10), f"LeNet5() maps 5 images to an output of shape {_p.shape}"
assert np.all(_p >= 0), "LeNet5()'s outputs are not probabilities (negative values)"
np.testing.assert_allclose(
    _p.sum(axis=1), 1.0, atol=1e-5, err_msg="LeNet5()'s softmax rows do not sum to 1"
)
for _shape, _classes, _flat in [((28, 28, 1), 26, 4 * 4 * 16), ((64, 64, 3), 2, 13 * 13 * 16)]:
    _m = LeNet5(input_shape=_shape, classes=_classes)
    _call = f"LeNet5(input_shape={_shape}, classes={_classes})"
    assert _m.output_shape == (None, _classes), f"{_call} has output shape {_m.output_shape}"
    _expected = (
        (25 * _shape[2] + 1) * 6 + 2416 + (_flat + 1) * 120 + 10164 + 85 * _classes
    )  # the formulas
    assert _m.count_params() == _expected, (
        f"{_call} has {_m.count_params()} parameters, but the formulas give {_expected}"
    )
assert LeNet5() is not _model, "LeNet5() must build a new, untrained model on every call"
### END HIDDEN TESTS

# %% [markdown]
# ### The digits
#
# `load_digits()` gives scikit-learn's 1,797 scans of handwritten digits (about 180 per digit),
# $8 \times 8$ pixels with 17 gray levels, resized to $32 \times 32 \times 1$
# with values in $[0, 1]$ and split, stratified, into 1,437 training and 360 test images. They are
# coarser than MNIST's $28 \times 28$ digits: the resizing smooths the $8 \times 8$ pixels but
# cannot add detail. (With a network connection, `load_digits(source="mnist")` returns the 70,000
# MNIST digits instead.)

# %%
X_train_digits, Y_train_digits, X_test_digits, Y_test_digits, digit_classes = load_digits()
print("train:", X_train_digits.shape, Y_train_digits.shape, Y_train_digits.dtype)
print("test: ", X_test_digits.shape, Y_test_digits.shape)
print("test images per digit:", np.bincount(Y_test_digits).tolist())
first = [int(np.flatnonzero(Y_train_digits == k)[0]) for k in range(len(digit_classes))]
show_images(X_train_digits[first], [f"label {k}" for k in digit_classes], ncols=10, size=1.2)

# %% [markdown]
# ### Training LeNet-5
#
# The labels are integers 0–9, so the loss is the *sparse* categorical cross-entropy (the same
# as the categorical cross-entropy of one-hot labels, without building them). The settings, chosen
# on the validation images (10% of the training set, kept out of training):
#
# - Adam, batches of 32, 40 epochs, with the learning rate decaying from 0.002 to 0 along a cosine
#   (`keras.optimizers.schedules.CosineDecay`): large steps first, small steps at the end, so the
#   last epochs settle instead of jumping between solutions;
# - **light data augmentation**: every training batch is shifted at random by up to 10% (±3
#   pixels) vertically and horizontally (`RandomTranslation`), so the network sees a slightly
#   different version of each digit at every epoch and cannot memorise pixel positions (the end of
#   this section trains the same network without it, for comparison).
#
# The augmentation layer goes in a *training wrapper*, `keras.Sequential([shift, lenet5])`. The
# wrapper shares the LeNet-5 layers (training it trains `lenet5`), and `lenet5` itself stays exactly
# the graded model; random layers such as `RandomTranslation` are only active in training anyway.

# %%
# tolerance: ±2 points, ±15%, ±0.02
EPOCHS, BATCH, VALIDATION = 40, 32, 0.1

keras.utils.set_random_seed(0)
lenet5 = LeNet5(input_shape=(32, 32, 1), classes=10)
shift = keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", name="random_shift")
trainer = keras.Sequential([keras.Input((32, 32, 1)), shift, lenet5], name="lenet5_with_shifts")
steps = EPOCHS * int(np.ceil(int(len(X_train_digits) * (1 - VALIDATION)) / BATCH))
trainer.compile(
    optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, steps)),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
start = time.perf_counter()
lenet_history = trainer.fit(
    X_train_digits,
    Y_train_digits,
    validation_split=VALIDATION,
    epochs=EPOCHS,
    batch_size=BATCH,
    verbose=0,
    callbacks=[EpochLog(every=5)],
)
print(f"training time: {time.perf_counter() - start:.1f} s")
plot_history(lenet_history, ("loss", "accuracy"), title="LeNet-5 on the digits")

# %% [markdown]
# The training accuracy is measured on shifted digits, which are harder than the unshifted
# validation digits: that is why it stays below the validation curve. Now the 360 test digits:

# %%
# tolerance: ±2 points, ±8
probabilities = lenet5.predict(X_test_digits, verbose=0)
Y_pred_digits = probabilities.argmax(axis=1)
digits_correct = int((Y_pred_digits == Y_test_digits).sum())
digits_accuracy = digits_correct / len(Y_test_digits)
print(
    f"LeNet-5 test accuracy: {digits_correct}/{len(Y_test_digits)} = "
    f"{100 * digits_accuracy:.1f}% (target ≥ 98%: {digits_accuracy >= 0.98})"
)

matrix = confusion_matrix(Y_test_digits, Y_pred_digits)
# Which digits are confused depends on the last bits of training: the matrix shows them.
print(f"mistakes: {len(Y_test_digits) - digits_correct}, off the diagonal of the matrix below")

fig, ax = plt.subplots(figsize=(4.8, 4.2))
ConfusionMatrixDisplay(matrix, display_labels=digit_classes).plot(
    ax=ax, cmap="Blues", colorbar=False
)
ax.set_title("LeNet-5 on the 360 test digits")
plt.show()

# %% [markdown]
# Six test digits, the misclassified ones first, with the true label, the prediction and its
# probability:

# %%
# Six test digits, the misclassified ones first (how many there are varies with the CPU).
wrong = Y_pred_digits != Y_test_digits
shown = np.argsort(~wrong, kind="stable")[:6]
show_images(
    X_test_digits[shown],
    [
        f"{'WRONG: ' if wrong[i] else ''}true {digit_classes[Y_test_digits[i]]}, "
        f"predicted {digit_classes[Y_pred_digits[i]]} ({probabilities[i].max():.0%})"
        for i in shown
    ],
    ncols=6,
    size=2.0,
)

# %% [markdown]
# ### Did the shifts help?
#
# The same network, the same seed and the same schedule, trained without the random shifts:

# %%
# tolerance: ±2 points, ±15%, ±0.03
keras.utils.set_random_seed(0)
plain = LeNet5(input_shape=(32, 32, 1), classes=10)
plain.compile(
    optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, steps)),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
plain.fit(
    X_train_digits,
    Y_train_digits,
    validation_split=VALIDATION,
    epochs=EPOCHS,
    batch_size=BATCH,
    verbose=0,
    callbacks=[EpochLog(every=10)],
)
plain_correct = int((plain.predict(X_test_digits, verbose=0).argmax(axis=1) == Y_test_digits).sum())
print(
    f"test accuracy without shifts: {plain_correct}/{len(Y_test_digits)} = "
    f"{100 * plain_correct / len(Y_test_digits):.1f}%; with shifts: {digits_correct}/"
    f"{len(Y_test_digits)} = {100 * digits_accuracy:.1f}%"
)

# %% [markdown]
# Without the shifts the network soon reaches 100% on its training images, its training loss falls
# to about 0 and there is nothing left to learn from them, while its test accuracy stays lower: the extra, slightly moved copies of each
# digit are what teaches it that a digit is the same digit a few pixels to the side — the
# invariance the pooling layers only partly provide.
#
# What did the first layer learn? Its six $5 \times 5$ filters, and the six feature maps
# ($28 \times 28$, after the ReLU) they produce on a test digit — some filters pass the strokes
# themselves, others respond mostly to the edges on one side of them:

# %%
conv_c1 = next(layer for layer in lenet5.layers if isinstance(layer, keras.layers.Conv2D))
filters = conv_c1.kernel.numpy()[:, :, 0, :]  # (5, 5, 6)
feature_maps = conv_c1(X_test_digits[:1]).numpy()[0]  # (28, 28, 6)
show_images(
    [X_test_digits[0]]
    + [filters[:, :, k] for k in range(6)]
    + [feature_maps[:, :, k] for k in range(6)],
    ["a test digit"] + [f"filter {k}" for k in range(6)] + [f"feature map {k}" for k in range(6)],
    ncols=7,
    size=1.4,
    signed=True,
)


# %% [markdown]
# ## 4. Classic networks: AlexNet and VGG-16
#
# **AlexNet** (Krizhevsky, Sutskever and Hinton, 2012) won the ImageNet challenge of 2012 by a wide
# margin and started the deep learning era of computer vision. As drawn in the course (one tower;
# the original split the channels over two GPUs and added "local response normalisation", which
# later work found unhelpful):
#
# $227 \times 227 \times 3$ → CONV 96 $11 \times 11$, stride 4 → $55 \times 55 \times 96$ → MAXPOOL
# $3 \times 3$, stride 2 → $27 \times 27 \times 96$ → CONV 256 $5 \times 5$ same → MAXPOOL →
# $13 \times 13 \times 256$ → CONV 384 $3 \times 3$ same → CONV 384 $3 \times 3$ same → CONV 256
# $3 \times 3$ same → MAXPOOL → $6 \times 6 \times 256 = 9{,}216$ → FC 4,096 → FC 4,096 →
# softmax 1,000. About 60 million parameters, ReLU everywhere.
#
# **VGG-16** (Simonyan and Zisserman, 2014) replaced the hand-tuned sizes with one rule: only
# $3 \times 3$ "same" convolutions with stride 1 and $2 \times 2$ max pools with stride 2. Five
# blocks of 2, 2, 3, 3 and 3 convolutions with 64, 128, 256, 512 and 512 filters take
# $224 \times 224 \times 3$ down to $7 \times 7 \times 512$ — each pool halves the height and width,
# each block doubles the channels (up to 512) — then FC 4,096 → FC 4,096 → softmax 1,000. Sixteen
# layers with weights, about 138 million parameters.
#
# Both are built below with the Functional API and random weights. They are never trained here (that
# takes days on GPUs and a million labelled images), nor downloaded: the point is what they cost.
# The VGG-16 built here is checked against Keras' own `keras.applications.VGG16(weights=None)`.

# %%
def alexnet(input_shape=(227, 227, 3), classes=1000):
    """AlexNet as drawn in the course: one tower, no local response normalisation, no dropout."""
    layers = keras.layers
    inputs = keras.Input(shape=input_shape, name="input")
    x = layers.Conv2D(96, 11, strides=4, activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = layers.Conv2D(256, 5, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool2")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv3")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv4")(x)
    x = layers.Conv2D(256, 3, padding="same", activation="relu", name="conv5")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool5")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(4096, activation="relu", name="fc6")(x)
    x = layers.Dense(4096, activation="relu", name="fc7")(x)
    outputs = layers.Dense(classes, activation="softmax", name="fc8")(x)
    return keras.Model(inputs, outputs, name="AlexNet")


def vgg16(input_shape=(224, 224, 3), classes=1000):
    """VGG-16: five blocks of 3×3 'same' convolutions and a 2×2 max pool, then 3 dense layers."""
    layers = keras.layers
    inputs = keras.Input(shape=input_shape, name="input")
    x = inputs
    for block, (filters, convs) in enumerate(
        [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)], start=1
    ):
        for i in range(1, convs + 1):
            x = layers.Conv2D(
                filters, 3, padding="same", activation="relu", name=f"block{block}_conv{i}"
            )(x)
        x = layers.MaxPooling2D(2, strides=2, name=f"block{block}_pool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(4096, activation="relu", name="fc1")(x)
    x = layers.Dense(4096, activation="relu", name="fc2")(x)
    outputs = layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="VGG16")


start = time.perf_counter()
networks = {"LeNet-5": lenet5, "AlexNet": alexnet(), "VGG-16": vgg16()}
reference = keras.applications.VGG16(weights=None)  # Keras' own VGG-16, random weights
print(f"built AlexNet, VGG-16 and Keras' VGG-16 in {time.perf_counter() - start:.1f} s")
same_layers = [(tuple(a.output.shape), a.count_params()) for a in networks["VGG-16"].layers] == [
    (tuple(b.output.shape), b.count_params()) for b in reference.layers
]
print(
    f"VGG-16 here: {networks['VGG-16'].count_params():,} parameters; "
    f"keras.applications.VGG16: {reference.count_params():,}; "
    f"same shapes and counts layer by layer: {same_layers}"
)
del reference


# %% [markdown]
# ### Counting the cost of a forward pass
#
# Three numbers describe what one image costs a network:
#
# - **parameters**: the weights to store (4 bytes each in float32) and to learn;
# - **multiply-adds (MACs)**: each output value of a convolution is a dot product over an
#   $f \times f \times n_{C,prev}$ window, so a convolutional layer does
#   $n_H \cdot n_W \cdot n_C \cdot f \cdot f \cdot n_{C,prev}$ multiply-adds, and a dense layer
#   $n_{in} \cdot n_{out}$. Biases, activations and pooling are comparatively free and not counted.
#   (One MAC is two floating-point operations: "15.5 GFLOPs" for VGG-16 in papers usually means
#   15.5 billion MACs.)
# - **activation memory**: the values each layer outputs, 4 bytes each in float32. Training must
#   keep all of them for back-propagation (and the same amount again for their gradients); counted
#   here are the input and the output of every layer, each once (the ReLU is applied in place;
#   `Flatten` only reshapes its input and adds no values).
#
# `utils.model_stats.layer_table` computes them from a Keras model's layers (notebook 05 uses it too); the checks below compare its parameter
# total with Keras' `count_params()` and its activation total with the sizes of the tensors a real
# forward pass produces.

# %%
def forward_activations(model):
    """Activation values of a real forward pass of one random image (Flatten excluded)."""
    kept = [layer for layer in model.layers if not isinstance(layer, keras.layers.Flatten)]
    probe = keras.Model(model.inputs, [layer.output for layer in kept])
    image = np.random.default_rng(0).random((1, *model.input_shape[1:])).astype(np.float32)
    start = time.perf_counter()
    outputs = probe([image])  # a list, like model.inputs
    seconds = time.perf_counter() - start
    return sum(int(np.prod(o.shape[1:])) for o in outputs), seconds


totals, checks = {}, []
for name, model in networks.items():
    costs = layer_table(model)
    totals[name] = {key: sum(c[key] for c in costs) for key in ("params", "macs", "activations")}
    measured, seconds = forward_activations(model)
    checks.append(totals[name]["params"] == model.count_params())
    checks.append(totals[name]["activations"] == measured)
    print(f"{name}: one forward pass with every activation kept took {seconds * 1e3:.0f} ms")
print("parameters == count_params() and activations == a real forward pass:", all(checks))

line = "{:<9}{:>13}{:>14}{:>17}{:>14}{:>13}{:>14}"
print()
print(
    line.format(
        "network", "input", "parameters", "multiply-adds", "activations", "weights", "activations"
    )
)
print(line.format("", "", "", "", "(values)", "(float32)", "(float32)"))
for name, model in networks.items():
    t = totals[name]
    print(
        line.format(
            name,
            "×".join(str(n) for n in model.input_shape[1:]),
            f"{t['params']:,}",
            f"{t['macs']:,}",
            f"{t['activations']:,}",
            f"{4 * t['params'] / 1e6:.1f} MB",
            f"{4 * t['activations'] / 1e6:.2f} MB",
        )
    )


# %% [markdown]
# Reading the table:
#
# - from LeNet-5 to VGG-16 the parameters grow over 2,000-fold and the multiply-adds about
#   37,000-fold: VGG-16 applies its filters at many more positions (224² instead of 32²) and with
#   many more channels;
# - VGG-16's forward pass produces 15.2 million activation values, **61 MB** in float32 per image
#   (58 MiB). A figure of "24M × 4 bytes ≈ 93 MB / image" circulates from the CS231n notes
#   (24M × 4 bytes = 96 MB): that total does not follow from their own layer list, whose sizes add
#   up to the 15.2 million above. Either way, training multiplies it: all of it is kept for
#   back-propagation, its gradients take as much again, and a batch of 64 images needs 64 times
#   more (~3.9 GB) — more than the 553 MB of the weights;
# - at prediction time only a layer's input and output must be alive at once, so the peak is much
#   smaller than the total (computed below).
#
# Where the parameters and the memory sit, stage by stage (a stage is a VGG block — its
# convolutions and its pool — or the three dense layers):

# %%
def stage(name):
    """VGG-16 stage of a layer: 'input', 'block1'…'block5', or 'dense' (flatten and FC layers)."""
    if name.startswith("block"):
        return name.split("_")[0]
    return "input" if name == "input" else "dense"


vgg_costs = layer_table(networks["VGG-16"])
stages = ["input", "block1", "block2", "block3", "block4", "block5", "dense"]
shares = {}
line = "{:<8}{:>14}{:>8}{:>17}{:>8}{:>13}{:>8}"
print(line.format("stage", "parameters", "%", "multiply-adds", "%", "activations", "%"))
for key in ("params", "macs", "activations"):
    shares[key] = [
        100 * sum(c[key] for c in vgg_costs if stage(c["name"]) == s) / totals["VGG-16"][key]
        for s in stages
    ]
for i, s in enumerate(stages):
    values = [sum(c[key] for c in vgg_costs if stage(c["name"]) == s) for key in shares]
    print(
        line.format(
            s,
            f"{values[0]:,}",
            f"{shares['params'][i]:.1f}",
            f"{values[1]:,}",
            f"{shares['macs'][i]:.1f}",
            f"{values[2]:,}",
            f"{shares['activations'][i]:.1f}",
        )
    )

sizes = [c["activations"] for c in vgg_costs if c["activations"]]
peak = max(a + b for a, b in zip(sizes, sizes[1:], strict=False))
print(
    f"\nVGG-16 at prediction time: at most {peak:,} values alive at once (a layer's input and "
    f"output) = {4 * peak / 1e6:.1f} MB, against "
    f"{4 * totals['VGG-16']['activations'] / 1e6:.1f} MB kept for training"
)

alex_costs = layer_table(networks["AlexNet"])
alex_dense = sum(c["params"] for c in alex_costs if c["name"].startswith("fc"))
alex_conv_macs = sum(c["macs"] for c in alex_costs if c["name"].startswith("conv"))
print(
    f"AlexNet: the dense layers hold {100 * alex_dense / totals['AlexNet']['params']:.1f}% of the "
    f"parameters; the convolutions do {100 * alex_conv_macs / totals['AlexNet']['macs']:.1f}% of "
    "the multiply-adds"
)

fig, axes = plt.subplots(1, 3, figsize=(12, 3.2), sharey=True)
titles = {"params": "parameters", "macs": "multiply-adds", "activations": "activation memory"}
for ax, (key, title) in zip(axes, titles.items(), strict=True):
    ax.bar(stages, shares[key], color="tab:blue" if key != "params" else "tab:orange")
    ax.set_title(f"VGG-16: {title} (% per stage)")
    ax.tick_params(axis="x", rotation=45)
    ax.grid(axis="y", alpha=0.3)
axes[0].set_ylabel("% of the network's total")
fig.tight_layout()
plt.show()

# %% [markdown]
# The three panels tell the story of a classic CNN:
#
# - **the parameters sit at the end**: the first dense layer alone maps $7 \cdot 7 \cdot 512 =
#   25{,}088$ values to 4,096 units, 102.8 million weights — three quarters of VGG-16 — and the
#   dense layers together hold 89%. (Later networks replace them by global average pooling: ResNet-50
#   has 25.6 million parameters with ImageNet's 1,000-class head — 25,636,712 — and 23,600,006 with
#   the 6-class head of notebook 04.)
# - **the memory sits at the beginning**: block 1 outputs two $224 \times 224 \times 64$ volumes
#   and a $112 \times 112 \times 64$ one, 47% of all the activations, because the image is still
#   large there; blocks 4 and 5 together produce under 11%.
# - **the computation sits in the middle**: from block 1 to block 4, each pool divides the number of
#   positions by 4 while the channels double at the input and at the output of the convolutions,
#   which multiplies the work per position by 4 — so every $3 \times 3$ convolution that keeps its
#   channels, from `block1_conv2` to `block4_conv3`, costs the same 1.85 billion multiply-adds, and
#   the first convolution of blocks 2, 3 and 4, which only doubles them, half that (0.925 billion;
#   the table above has both); the blocks with
#   three convolutions cost the most (blocks 3 and 4: 60%). The dense layers, with 89% of the
#   parameters, do under 1% of the multiply-adds: each of their weights is used once per image.
#
# ## Summary
#
# - The course's 32×32×3 example: activations 3,072 → 4,704 → 1,176 → 1,600 → 400 → 120 → 84 → 10,
#   and 62,006 parameters, 78% of them in FC3 — formulas and Keras agree layer by layer. CONV1 has
#   456 parameters where a dense layer between the same volumes would have about 14.5 million:
#   parameter sharing and sparse connections.
# - `happyModel` (Sequential, 37,633 parameters) and `LeNet5` (Functional, 61,706 parameters) were
#   trained on real images; their test accuracies are printed below.
# - AlexNet (62.4 million parameters, 1.1 billion multiply-adds) and VGG-16 (138.4 million, 15.5
#   billion, 61 MB of float32 activations per image) were built and measured, not trained: their
#   parameters sit in the dense layers, their memory in the first layers.
#
# **What the full-scale versions reach** (literature numbers, not measured here):
#
# - LeNet-5 on MNIST (60,000 training digits of 28×28): 0.95% test error, about 99% accuracy
#   (0.8% error with distorted copies of the training set) — LeCun et al., 1998;
# - AlexNet: 15.3% top-5 test error on ILSVRC-2012 (an ensemble of 7 CNNs; the runner-up had
#   26.2%) — Krizhevsky et al., 2012;
# - VGG: 7.3% top-5 test error on ILSVRC-2014 with the submitted ensemble of VGG-16/VGG-19 networks —
#   Simonyan and Zisserman, 2015.

# %%
# tolerance: ±3 points, ±3
print(f"course example: formulas == Keras for every layer: {table_ok}")
print(
    f"happyModel: {face_correct}/{len(Y_test_faces)} test images correct = "
    f"{100 * face_accuracy:.1f}% (target ≥ 95%: {face_accuracy >= 0.95})"
)
print(
    f"LeNet-5:    {digits_correct}/{len(Y_test_digits)} test digits correct = "
    f"{100 * digits_accuracy:.1f}% (target ≥ 98%: {digits_accuracy >= 0.98})"
)
for name, t in totals.items():
    print(
        f"{name:<8} {t['params']:>12,} parameters, {t['macs']:>15,} multiply-adds, "
        f"{4 * t['activations'] / 1e6:6.2f} MB of activations per image"
    )
