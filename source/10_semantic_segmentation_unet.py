# %% [markdown]
# # 10 · Semantic segmentation with U-Net
#
# > A class for every pixel: transposed convolution, a U-Net, and pixel accuracy, IoU and Dice to measure it.
#
# **Runtime**: CPU, about 29 s on 2 cores (measured, offline); no GPU needed.
#
# A detector draws a box around each object; a **segmenter** labels every pixel. This notebook takes
# the last step of the course's path (classification → localisation → detection → segmentation): the
# fully convolutional network whose output must grow back to the size of the image, the transposed
# convolution that makes it grow, and **U-Net**, the encoder-decoder with skip connections that the
# course builds. It ends with masks predicted on real photos and with what instance segmentation
# (Mask R-CNN) adds.
#
# **What you will build**
# - The task: semantic vs instance segmentation, and why a network's output must be upsampled (the best a coarse map can do, measured).
# - Graded: `conv_transpose`, the transposed convolution in NumPy for any stride and padding, equal to Keras's `Conv2DTranspose`; its output size; the checkerboard artefact and the upsample-then-convolve alternative.
# - Graded: the course's U-Net, `conv_block`, `upsampling_block` and `unet_model` (8,640,471 parameters at 96×128×3).
# - Graded: `mean_iou`; pixel accuracy vs mean IoU vs Dice, and how much an all-background prediction scores.
# - A compact U-Net trained on generated scenes with exact masks (shipped weights), its per-class IoU and its predictions drawn over the images; instances from connected components vs true instances.
#
# **Data**: Offline: scenes generated from the photos that ship with scikit-image,
# scikit-learn and matplotlib (discs, triangles and horse silhouettes pasted on them, so every mask
# is exact to the pixel) and a compact U-Net trained on them by `scripts/train_unet_shapes.py`
# (`weights/unet_shapes.weights.h5`, 1.3 MB). Online (e.g. on Colab), the same code trains on the
# Oxford-IIIT Pet dataset (811 MB, fetched and checked against the SHA-256 of `data/MANIFEST.json`).

# %%
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from keras.layers import Conv2D, Conv2DTranspose, Dropout, Input, MaxPooling2D, concatenate
from scipy import ndimage

from utils import segmentation as seg
from utils.assets import registry, resolve
from utils.images import load_image
from utils.model_stats import layer_table
from utils.public_tests.segmentation import (
    conv_block_test,
    conv_transpose_test,
    mean_iou_test,
    unet_layers,
    unet_model_test,
    upsampling_block_test,
)

# %% [markdown]
# ## 1. The task: a class for every pixel
#
# - **Semantic segmentation** gives every pixel a class: *background*, *disc*, *triangle*, *horse*.
#   Two horses that touch are one region of horse pixels: semantic segmentation does not tell
#   objects apart.
# - **Instance segmentation** also says *which object* each pixel belongs to: horse 1, horse 2. It
#   is detection with a mask instead of a box (section 6).
#
# The data is made the way notebook 06 made its detection set: crops of real photos with discs,
# triangles and horse silhouettes pasted on them (`utils.segmentation.make_segmentation_dataset`, on
# top of `utils.shapes_dataset.make_shapes_dataset`). Since the program paints each object, it knows
# the owner of every pixel: the **class mask** and the **instance mask** are exact. Here are the 200
# held-out scenes that every evaluation of this notebook uses (never seen in training):

# %%
start = time.perf_counter()
held_out = seg.scenes(seg.HELD_OUT)  # 200 scenes, seed 1
CLASS_NAMES = held_out.class_names  # ("background", "disc", "triangle", "horse")
N_CLASSES = len(CLASS_NAMES)
print(
    f"{len(held_out)} scenes in {time.perf_counter() - start:.1f} s: images "
    f"{held_out.images.shape[1:]}, class masks {held_out.masks.shape[1:]}, instance masks "
    f"{held_out.instances.shape[1:]}; {sum(map(len, held_out.classes))} objects"
)
shares = np.bincount(held_out.masks.ravel(), minlength=N_CLASSES) / held_out.masks.size
print(
    "share of the pixels:",
    ", ".join(f"{n} {100 * s:.1f}%" for n, s in zip(CLASS_NAMES, shares, strict=True)),
)

index = next(k for k in range(len(held_out)) if len(set(held_out.classes[k])) == 3)
print(f"\nscene {index}: objects", [CLASS_NAMES[c + 1] for c in held_out.classes[index]])
print("its class mask, every 6th row and column (0 background, 1 disc, 2 triangle, 3 horse):")
print(held_out.masks[index, ::6, ::6])

# instance colours: background black, then yellow, cyan, magenta, orange, white, ...
palette = np.array(
    [[0, 0, 0], [1, 0.85, 0], [0, 0.9, 0.9], [0.9, 0, 0.9], [1, 0.5, 0], [1, 1, 1], [0.6, 0.6, 1]]
    + [[0.5, 0.5, 0.5]] * 20,
    np.float32,
)
panels = [
    held_out.images[index],
    seg.CLASS_COLOURS[
        held_out.masks[index]
    ],  # background black, disc red, triangle green, horse blue
    palette[held_out.instances[index]],
]
fig, axes = plt.subplots(1, 3, figsize=(9, 3.2))
for ax, panel, title in zip(
    axes, panels, ["image", "semantic (class mask)", "instances"], strict=True
):
    ax.imshow(panel)
    ax.set_title(title)
    ax.axis("off")
plt.show()


# %% [markdown]
# **The fully convolutional idea.** Notebook 06 (section 2) turned a classifier's dense layers into
# convolutions: the network then slides over an image of any size and outputs one class vector *per
# window*, a coarse map. That is already a segmenter, but a coarse one: after five 2×2 poolings
# (an *output stride* of 32) a 96×96 image gives a 3×3 map. Even a perfect coarse map, copied back
# to the pixels of its blocks, misses every detail smaller than a block. The table below measures
# the best such a network can do on the held-out masks: each block gets its most frequent true
# class.

# %%
def best_coarse_prediction(masks, stride):
    # The most frequent true class of every stride×stride block, copied back to its pixels.
    n, height, width = masks.shape
    blocks = masks.reshape(n, height // stride, stride, width // stride, stride)
    counts = np.stack([(blocks == k).sum(axis=(2, 4)) for k in range(N_CLASSES)], axis=-1)
    return counts.argmax(axis=-1).repeat(stride, axis=1).repeat(stride, axis=2)


print(f"{'output stride':>13} {'map':>7} {'pixel accuracy':>15} {'mean IoU':>9}")
coarse = {}
for stride in (32, 16, 8, 4, 2):
    coarse[stride] = best_coarse_prediction(held_out.masks, stride)
    scores = seg.segmentation_scores(
        seg.confusion_matrix(held_out.masks, coarse[stride], N_CLASSES)
    )
    size = f"{96 // stride}×{96 // stride}"
    print(
        f"{stride:>13} {size:>7} {100 * scores['pixel_accuracy']:>14.1f}% "
        f"{scores['mean_iou']:>9.3f}"
    )

fig, axes = plt.subplots(1, 4, figsize=(10, 2.8))
for ax, stride in zip(axes, (32, 8, 2, 1), strict=True):
    mask = held_out.masks[index] if stride == 1 else coarse[stride][index]
    ax.imshow(seg.CLASS_COLOURS[mask])  # background black, disc red, triangle green, horse blue
    ax.set_title("exact" if stride == 1 else f"best at stride {stride}")
    ax.axis("off")
plt.show()


# %% [markdown]
# A segmenter must therefore **upsample**: bring its deep, coarse features back to the image's
# resolution, and recover the fine detail that the pooling threw away. Resizing the coarse map
# (bilinear, say) gives smooth blobs but no detail; two ideas do better and U-Net uses both: a
# *learned* upsampling, the transposed convolution (section 2), and **skip connections** that hand
# the fine features of the early layers to the upsampling path (section 3).
#
# ## 2. Transposed convolution
#
# A convolution with stride $s$ maps an $n \times n$ input to a smaller output: each output value is
# the dot product of the kernel with one $f \times f$ window of the input. A **transposed
# convolution** runs the other way: each **input** value stamps a copy of the kernel, scaled by that
# value, onto an $f \times f$ patch of the output, patches $s$ pixels apart, and overlapping
# stamps add up:
#
# $$ Z_{\text{full}}[h s + a,\; w s + b,\; c] \mathrel{+}= \sum_{k} A[h, w, k]\, W[a, b, k, c],
# \qquad 0 \le a, b < f. $$
#
# The full output has $(n - 1)\,s + f$ rows; **padding** $p$ here *removes* $p$ rows and columns on
# each side (it is the padding the matching convolution would have added), so
#
# $$ n_{\text{out}} = (n_{\text{in}} - 1)\,s - 2p + f . $$
#
# It is called *transposed* because it multiplies by the transpose of the matrix that the
# convolution (with the same $f$, $s$, $p$) multiplies by: it is exactly the backward pass of that
# convolution with respect to its input (`conv_backward`'s $dA$ in notebook 02). Equivalently, it is
# an ordinary convolution of the input spread out with $s - 1$ zeros between its pixels and padded
# with $f - 1 - p$ zeros, by the kernel **rotated by 180°**; the scatter form above needs no
# rotation.
#
# ### Exercise 1 — `conv_transpose` (3 points)
#
# Implement the scatter form with loops over the input's rows and columns (all the examples and
# channels at once): for each input position $(h, w)$, add `A_prev[:, h, w, :]` times the kernel
# (an $(m, f, f, n_C)$ patch, e.g. with `np.tensordot`) to the full output at rows
# $hs \dots hs + f - 1$ and columns $ws \dots ws + f - 1$. Then cut `pad` rows and columns from
# each side and add the bias. The kernel has the layout of `conv_forward` in notebook 02,
# $(f, f, n_{C,\text{prev}}, n_C)$ (Keras's `Conv2DTranspose` stores it as
# $(f, f, n_C, n_{C,\text{prev}})$; the test swaps the last two axes for it).

# %% solution="conv_transpose"
def conv_transpose(A_prev, W, b, hparameters):
    """Transposed convolution (the forward pass of a Conv2DTranspose layer), in NumPy.

    Arguments:
    A_prev -- input, numpy array of shape (m, n_H_prev, n_W_prev, n_C_prev)
    W -- kernel, numpy array of shape (f, f, n_C_prev, n_C)
    b -- biases, numpy array of shape (1, 1, 1, n_C)
    hparameters -- python dictionary with "stride" and "pad"

    Returns:
    Z -- output, numpy array of shape (m, n_H, n_W, n_C) with
         n_H = (n_H_prev - 1) * stride - 2 * pad + f (and the same for n_W)
    """
    stride, pad = hparameters["stride"], hparameters["pad"]
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    ### BEGIN SOLUTION
    full = np.zeros((m, (n_H_prev - 1) * stride + f, (n_W_prev - 1) * stride + f, n_C))
    for h in range(n_H_prev):
        for w in range(n_W_prev):
            vert_start, horiz_start = h * stride, w * stride
            stamp = np.tensordot(A_prev[:, h, w, :], W, axes=([1], [2]))  # (m, f, f, n_C)
            full[:, vert_start : vert_start + f, horiz_start : horiz_start + f, :] += stamp
    Z = full[:, pad : full.shape[1] - pad, pad : full.shape[2] - pad, :] + b
    ### END SOLUTION
    return Z


# %% tests="conv_transpose_test" points=3
conv_transpose_test(conv_transpose)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(21)
_x, _w = _rng.standard_normal((2, 5, 4, 3)), _rng.standard_normal((4, 4, 3, 2))
_b = _rng.standard_normal((1, 1, 1, 2))
_z = conv_transpose(_x, _w, _b, {"stride": 2, "pad": 1})
_full = tf.nn.conv2d_transpose(_x, np.transpose(_w, (0, 1, 3, 2)), (2, 12, 10, 2), 2, "VALID")
assert _z.shape == (2, 10, 8, 2), f"stride 2, pad 1, f = 4 on 5×4: Z of shape {_z.shape}"
assert np.allclose(_z, _full.numpy()[:, 1:-1, 1:-1] + _b, atol=1e-8), (
    "stride 2, pad 1: Z differs from tf.nn.conv2d_transpose's output cut by 1 on each side, plus b"
)
# stride 1 and pad f - 1: a "valid" convolution with the kernel rotated by 180°
_z = conv_transpose(_x, _w, np.zeros((1, 1, 1, 2)), {"stride": 1, "pad": 3})
_valid = tf.nn.conv2d(_x, _w[::-1, ::-1], 1, "VALID").numpy()
assert _z.shape == (2, 2, 1, 2) and np.allclose(_z, _valid, atol=1e-8), (
    "stride 1, pad f − 1: Z differs from a valid convolution with the kernel rotated by 180°"
)
### END HIDDEN TESTS

# %% [markdown]
# The course's picture: a 2×2 input and a 3×3 kernel of ones with stride 2. Each input value is
# stamped onto a 3×3 patch; the patches overlap on the middle row and column, where the values add
# up. The output size follows the formula, and Keras's `padding="same"` (the U-Net's choice: the
# output is exactly $s$ times the input) keeps the first $s \cdot n$ rows and columns of the full
# output:

# %%
small = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1)
stamped = conv_transpose(
    small, np.ones((3, 3, 1, 1)), np.zeros((1, 1, 1, 1)), {"stride": 2, "pad": 0}
)
print("input [[1, 2], [3, 4]], 3×3 kernel of ones, stride 2 → (2 − 1)·2 + 3 = 5 rows:")
print(stamped[0, :, :, 0].astype(int))

print(f"\n{'n_in':>4} {'f':>2} {'s':>2} {'p':>2} {'formula':>8} {'yours':>6}")
for n_in, f, s, p in [(2, 3, 2, 0), (4, 4, 2, 1), (4, 3, 2, 1), (6, 3, 1, 1), (3, 5, 3, 2)]:
    x = np.ones((1, n_in, n_in, 1))
    out = conv_transpose(x, np.ones((f, f, 1, 1)), np.zeros((1, 1, 1, 1)), {"stride": s, "pad": p})
    print(f"{n_in:>4} {f:>2} {s:>2} {p:>2} {(n_in - 1) * s - 2 * p + f:>8} {out.shape[1]:>6}")

rng = np.random.default_rng(0)
x, kernel = rng.standard_normal((1, 5, 6, 2)), rng.standard_normal((3, 3, 2, 4))
layer = keras.layers.Conv2DTranspose(4, 3, strides=2, padding="same", use_bias=False)
layer.build(x.shape)
layer.set_weights([kernel.transpose(0, 1, 3, 2)])
same = keras.ops.convert_to_numpy(layer(x.astype("float32")))
full = conv_transpose(x, kernel, np.zeros((1, 1, 1, 4)), {"stride": 2, "pad": 0})
print(f"\nKeras padding='same', 3×3, stride 2 on 5×6: {same.shape[1:3]}", end="; ")
print(f"your full output {full.shape[1:3]}")
print(
    "Keras's 'same' = your full output without its last row and column:",
    np.allclose(same, full[:, :-1, :-1], atol=1e-5),
)

# %% [markdown]
# **The checkerboard artefact.** When the kernel size is not a multiple of the stride (3×3 with
# stride 2), the stamps overlap *unevenly*: some output pixels receive 4 contributions, their
# neighbours 2 or 1. Even a constant input then gives a patterned output, and a network has to
# learn kernels that cancel the pattern, which it rarely does exactly: generated images and masks
# show a faint checkerboard (Odena, Dumoulin and Olah, *Deconvolution and checkerboard artifacts*,
# Distill 2016). Count the contributions on a constant input:

# %%
constant = np.ones((1, 8, 8, 1))
for f in (3, 4):
    counts = conv_transpose(
        constant, np.ones((f, f, 1, 1)), np.zeros((1, 1, 1, 1)), {"stride": 2, "pad": 0}
    )
    inner = counts[0, 4:10, 4:10, 0].astype(int)
    print(f"{f}×{f} kernel of ones, stride 2: contributions per output pixel (an inner 6×6 patch)")
    print(inner)

# %% [markdown]
# A 4×4 kernel with stride 2 overlaps evenly; a 3×3 one does not. The **alternative** (Odena et al.)
# is to *upsample first* (nearest-neighbour or bilinear, no parameters) *and then convolve* with an
# ordinary "same" convolution: every output pixel then sees the same number of inputs. On a real
# photo, the same 3×3 averaging kernel used both ways:

# %%
photo = load_image("camera", size=48, gray=True)[None, :, :, None].astype(np.float64)
average = np.full((3, 3, 1, 1), 1 / 9)

transposed = conv_transpose(photo, 4 * average, np.zeros((1, 1, 1, 1)), {"stride": 2, "pad": 1})
upsample_then_conv = keras.Sequential(
    [
        keras.Input((48, 48, 1)),
        keras.layers.UpSampling2D(2),
        keras.layers.Conv2D(1, 3, padding="same", use_bias=False),
    ]
)
upsample_then_conv.layers[-1].set_weights([average.astype("float32")])
resized = upsample_then_conv(photo.astype("float32")).numpy()


def checkerboard(image):
    # Mean |difference| between pixels with even and odd (row + column): a checkerboard's signal.
    inner = image[0, 8:-8, 8:-8, 0]
    parity = (np.add.outer(np.arange(inner.shape[0]), np.arange(inner.shape[1])) % 2).astype(bool)
    return abs(inner[parity].mean() - inner[~parity].mean())


print(
    f"transposed convolution 3×3/2 (×4 so that the mean is kept): output {transposed.shape[1:3]}, "
    f"checkerboard signal {checkerboard(transposed):.3f}"
)
print(
    f"upsample ×2 then 3×3 convolution: output {resized.shape[1:3]}, checkerboard signal "
    f"{checkerboard(resized):.3f}"
)
fig, axes = plt.subplots(1, 3, figsize=(9, 3.2))
for ax, image, title in zip(
    axes,
    [photo, transposed, resized],
    ["input 48×48", "transposed conv 3×3, stride 2", "upsample, then 3×3 conv"],
    strict=True,
):
    ax.imshow(
        image[0, 8:40, 8:40, 0] if image.shape[1] == 48 else image[0, 16:80, 16:80, 0], cmap="gray"
    )
    ax.set_title(title)
    ax.axis("off")
plt.show()


# %% [markdown]
# U-Net keeps the course's `Conv2DTranspose(n_filters, 3, strides=2, padding="same")`: trained
# kernels and the convolutions after it largely hide the pattern, and the upsample-then-convolve
# variant (`UpSampling2D` + `Conv2D`) is the usual fix when it shows.
#
# ## 3. U-Net
#
# U-Net (Ronneberger, Fischer and Brox, 2015, for biomedical images) is an encoder-decoder:
#
# - the **contracting path** (encoder) is an ordinary ConvNet: blocks of two 3×3 convolutions with
#   ReLU, each followed by a 2×2 max-pool that halves the size while the number of filters doubles;
# - the **expanding path** (decoder) mirrors it: each block doubles the size with a transposed
#   convolution, halves the filters, and **concatenates** the features of the encoder block of the
#   same size (the *skip connection*) before two 3×3 convolutions;
# - a last 1×1 convolution gives, for every pixel, one score (logit) per class.
#
# The skip connections bring back the detail the pooling discarded: the decoder knows *what* from
# the deep layers and *where* from the early ones. The course's version pads its convolutions
# ("same") so that the output has the input's size (the paper's did not, and cropped the skips).
#
# ### Exercise 2 — `conv_block` (2 points)
#
# Two `Conv2D(n_filters, 3, activation="relu", padding="same", kernel_initializer="he_normal")`;
# then, if `dropout_prob > 0`, a `Dropout(dropout_prob)`; then, if `max_pooling`, a
# `MaxPooling2D(pool_size=(2, 2))` gives `next_layer` (otherwise `next_layer` is the block's
# features). The `skip_connection` is the block's features *before* the pooling (after the
# dropout).

# %% solution="conv_block"
def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
    """Convolutional downsampling block.

    Arguments:
    inputs -- input tensor
    n_filters -- number of filters for the convolutional layers
    dropout_prob -- dropout probability
    max_pooling -- use a MaxPooling2D layer to halve the height and width of the output

    Returns:
    next_layer, skip_connection -- the next layer's input and the skip connection's features
    """
    ### BEGIN SOLUTION
    conv = Conv2D(n_filters, 3, activation="relu", padding="same", kernel_initializer="he_normal")(
        inputs
    )
    conv = Conv2D(n_filters, 3, activation="relu", padding="same", kernel_initializer="he_normal")(
        conv
    )
    if dropout_prob > 0:
        conv = Dropout(dropout_prob)(conv)
    if max_pooling:
        next_layer = MaxPooling2D(pool_size=(2, 2))(conv)
    else:
        next_layer = conv
    skip_connection = conv
    ### END SOLUTION
    return next_layer, skip_connection


# %% tests="conv_block_test" points=2
conv_block_test(conv_block)
### BEGIN HIDDEN TESTS
_inputs = Input((10, 14, 2))
_next, _skip = conv_block(_inputs, 3, 0.5, True)
_model = keras.Model(_inputs, [_next, _skip])
assert tuple(_next.shape) == (None, 5, 7, 3) and tuple(_skip.shape) == (None, 10, 14, 3), (
    f"(10, 14, 2) inputs, 3 filters, pooling: shapes {_next.shape} and {_skip.shape}"
)
assert _model.count_params() == (9 * 2 + 1) * 3 + (9 * 3 + 1) * 3, (
    "two 3×3 convolutions with 3 filters on 2 channels: 57 + 84 parameters"
)
assert [type(layer).__name__ for layer in _model.layers][-2:] == ["Dropout", "MaxPooling2D"], (
    "dropout_prob=0.5: the block ends with Dropout, then MaxPooling2D"
)
_next, _skip = conv_block(Input((6, 6, 1)), 2)  # the defaults: no dropout, pooling
assert tuple(_next.shape) == (None, 3, 3, 2) and tuple(_skip.shape) == (None, 6, 6, 2), (
    "the default arguments: no dropout, pooling"
)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 — `upsampling_block` (2 points)
#
# `up = Conv2DTranspose(n_filters, 3, strides=(2, 2), padding="same")(expansive_input)` doubles the
# size; `merge = concatenate([up, contractive_input], axis=3)` joins it with the skip connection
# along the channels (in that order); then two convolutions as in `conv_block` (no dropout, no
# pooling).

# %% solution="upsampling_block"
def upsampling_block(expansive_input, contractive_input, n_filters=32):
    """Convolutional upsampling block.

    Arguments:
    expansive_input -- input tensor from the previous layer
    contractive_input -- input tensor from the encoder block of the same size (skip connection)
    n_filters -- number of filters for the convolutional layers

    Returns:
    conv -- tensor output
    """
    ### BEGIN SOLUTION
    up = Conv2DTranspose(n_filters, 3, strides=(2, 2), padding="same")(expansive_input)
    merge = concatenate([up, contractive_input], axis=3)
    conv = Conv2D(n_filters, 3, activation="relu", padding="same", kernel_initializer="he_normal")(
        merge
    )
    conv = Conv2D(n_filters, 3, activation="relu", padding="same", kernel_initializer="he_normal")(
        conv
    )
    ### END SOLUTION
    return conv


# %% tests="upsampling_block_test" points=2
upsampling_block_test(upsampling_block)
### BEGIN HIDDEN TESTS
_expansive, _contractive = Input((3, 4, 6)), Input((6, 8, 5))
_out = upsampling_block(_expansive, _contractive, 4)
_model = keras.Model([_expansive, _contractive], _out)
assert tuple(_out.shape) == (None, 6, 8, 4), f"(3, 4, 6) up to (6, 8), 4 filters: {_out.shape}"
assert _model.count_params() == (9 * 6 + 1) * 4 + (9 * 9 + 1) * 4 + (9 * 4 + 1) * 4, (
    "Conv2DTranspose 6 → 4, then 3×3 convolutions on 4 + 5 and 4 channels: wrong parameter count"
)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4 — `unet_model` (3 points)
#
# With $n$ = `n_filters`:
#
# | block | call | output at 96×128×3 ($n = 32$) |
# |---|---|---|
# | encoder 1–3 | `conv_block` with $n$, $2n$, $4n$ filters | 12×16×128 after the 3rd pooling |
# | encoder 4 | `conv_block(…, 8n, dropout_prob=0.3)` | 6×8×256 |
# | bottleneck | `conv_block(…, 16n, dropout_prob=0.3, max_pooling=False)` | 6×8×512 |
# | decoder 1–4 | `upsampling_block(previous, skip of encoder 4, 3, 2, 1, …)` with $8n$, $4n$, $2n$, $n$ filters | 96×128×32 |
# | head | `Conv2D(n, 3, relu, same, he_normal)`, then `Conv2D(n_classes, 1, padding="same")` | 96×128×23 |
#
# Each decoder block takes the *skip connection* (the second output of `conv_block`) of the encoder
# block of the same size. The last layer has no activation: it outputs logits, and the loss applies
# the softmax (`from_logits=True`).

# %% solution="unet_model"
def unet_model(input_size=(96, 128, 3), n_filters=32, n_classes=23):
    """U-Net model.

    Arguments:
    input_size -- input shape (height, width, channels)
    n_filters -- number of filters of the first encoder block (doubled at every level)
    n_classes -- number of output classes

    Returns:
    model -- tf.keras.Model mapping (m, *input_size) images to (m, height, width, n_classes) logits
    """
    inputs = Input(input_size)
    ### BEGIN SOLUTION
    cblock1 = conv_block(inputs, n_filters)
    cblock2 = conv_block(cblock1[0], n_filters * 2)
    cblock3 = conv_block(cblock2[0], n_filters * 4)
    cblock4 = conv_block(cblock3[0], n_filters * 8, dropout_prob=0.3)
    cblock5 = conv_block(cblock4[0], n_filters * 16, dropout_prob=0.3, max_pooling=False)
    ublock6 = upsampling_block(cblock5[0], cblock4[1], n_filters * 8)
    ublock7 = upsampling_block(ublock6, cblock3[1], n_filters * 4)
    ublock8 = upsampling_block(ublock7, cblock2[1], n_filters * 2)
    ublock9 = upsampling_block(ublock8, cblock1[1], n_filters)
    conv9 = Conv2D(n_filters, 3, activation="relu", padding="same", kernel_initializer="he_normal")(
        ublock9
    )
    conv10 = Conv2D(n_classes, 1, padding="same")(conv9)
    ### END SOLUTION
    model = keras.Model(inputs=inputs, outputs=conv10)
    return model


# %% tests="unet_model_test" points=3
unet_model_test(unet_model)
### BEGIN HIDDEN TESTS
_model = unet_model((32, 48, 2), n_filters=2, n_classes=3)
assert tuple(_model.output.shape) == (None, 32, 48, 3), (
    f"unet_model((32, 48, 2), 2, 3): output {_model.output.shape}, expected (None, 32, 48, 3)"
)
assert _model.count_params() == sum(row[2] for row in unet_layers((32, 48, 2), 2, 3)[0]), (
    "unet_model((32, 48, 2), 2, 3): the number of parameters differs from the course's U-Net"
)
assert _model.layers[-1].get_config()["activation"] == "linear", "the output layer gives logits"
### END HIDDEN TESTS

# %%
unet = unet_model((96, 128, 3), n_filters=32, n_classes=23)
rows = layer_table(unet)
print(f"{'type':<16} {'output shape':<22} {'parameters':>11}")
for row in rows[:8] + [None] + rows[-8:]:
    if row is None:
        print(f"{'…':<16} ({len(rows) - 16} more layers)")
        continue
    print(f"{row['type']:<16} {str(row['output_shape']):<22} {row['params']:>11,}")
total = unet.count_params()
print(f"\nTotal params: {total:,} ({total * 4 / 2**20:.2f} MB)")
print(f"the course's 8,640,471: {total == 8_640_471}")
macs = sum(row["macs"] for row in rows)
print(f"\n{'level':>8} {'parameters':>17} {'multiply-adds per image':>27}")
for size in sorted({row["output_shape"][1:3] for row in rows}, reverse=True):
    level = [row for row in rows if row["output_shape"][1:3] == size]
    p, m = sum(r["params"] for r in level), sum(r["macs"] for r in level)
    name = f"{size[0]}×{size[1]}"
    print(f"{name:>8} {p:>10,} ({100 * p / total:4.1f}%) {m:>18,} ({100 * m / macs:4.1f}%)")
del unet


# %% [markdown]
# 85% of the parameters sit where the maps are smallest (the 12×16 and 6×8 levels, 256 and 512
# filters), while the computation is spread evenly over the levels: the full-resolution level holds
# 0.8% of the parameters but a quarter of the multiply-adds. Memory for the activations, not the
# parameters, is what limits a U-Net's input size on a GPU.
#
# ## 4. Measuring a segmentation: pixel accuracy, IoU, Dice
#
# With $TP_k$, $FP_k$, $FN_k$ the pixels of class $k$ found, wrongly claimed and missed:
#
# - **pixel accuracy** $= \sum_k TP_k / \text{(number of pixels)}$, the share of pixels labelled right;
# - **IoU** (Jaccard index) of class $k$ $= \dfrac{|\text{true}_k \cap \text{pred}_k|}{|\text{true}_k \cup \text{pred}_k|} = \dfrac{TP_k}{TP_k + FP_k + FN_k}$, the same IoU as notebook 06's boxes, on pixel sets; **mean IoU** averages it over the classes;
# - **Dice** (the F1 score of the pixels) $= \dfrac{2\,TP_k}{2\,TP_k + FP_k + FN_k} = \dfrac{2\,\text{IoU}_k}{1 + \text{IoU}_k}$, always $\ge$ IoU.
#
# ### Exercise 5 — `mean_iou` (2 points)
#
# For each class $k$: the boolean maps `y_true == k` and `y_pred == k`, their intersection
# (`np.logical_and`) and union (`np.logical_or`) counted with `.sum()`. A class that appears in
# neither map has no IoU ($0/0$): give it `np.nan` and leave it out of the mean (`np.nanmean`), as
# `keras.metrics.MeanIoU` does.

# %% solution="mean_iou"
def mean_iou(y_true, y_pred, n_classes):
    """Intersection over union of every class, and their mean.

    Arguments:
    y_true -- int array of any shape: the true class of each pixel, in [0, n_classes)
    y_pred -- int array of the same shape: the predicted class of each pixel
    n_classes -- the number of classes

    Returns:
    mean -- the mean of the IoUs of the classes that appear in y_true or y_pred
    iou -- numpy array of shape (n_classes,): the IoU of each class, NaN for a class in neither
    """
    ### BEGIN SOLUTION
    iou = np.full(n_classes, np.nan)
    for k in range(n_classes):
        true_k, pred_k = y_true == k, y_pred == k
        union = np.logical_or(true_k, pred_k).sum()
        if union > 0:
            iou[k] = np.logical_and(true_k, pred_k).sum() / union
    mean = np.nanmean(iou)
    ### END SOLUTION
    return mean, iou


# %% tests="mean_iou_test" points=2
mean_iou_test(mean_iou)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(5)
_t, _p = _rng.integers(0, 5, (4, 9, 7)), _rng.integers(0, 5, (4, 9, 7))
_mean, _iou = mean_iou(_t, _p, 5)
_scores = seg.segmentation_scores(seg.confusion_matrix(_t, _p, 5))
assert np.allclose(_iou, _scores["iou"]) and np.isclose(_mean, _scores["mean_iou"]), (
    "random (4, 9, 7) maps of 5 classes: the IoUs differ from the confusion matrix's"
)
_mean, _iou = mean_iou(np.zeros((3, 3), int), np.zeros((3, 3), int), 2)
assert _mean == 1.0 and _iou[0] == 1.0 and np.isnan(_iou[1]), (
    "all background in both maps: IoU 1 for class 0, NaN for class 1, mean 1"
)
### END HIDDEN TESTS

# %% [markdown]
# **Why pixel accuracy flatters.** In these scenes 85.7% of the pixels are background. A "model"
# that answers *background* everywhere, without looking at the image:

# %%
all_background = np.zeros_like(held_out.masks)
mean, iou = mean_iou(held_out.masks, all_background, N_CLASSES)
scores = seg.segmentation_scores(seg.confusion_matrix(held_out.masks, all_background, N_CLASSES))
print(f"all background: pixel accuracy {100 * scores['pixel_accuracy']:.1f}%", end=", ")
print(f"mean IoU {mean:.3f}, mean Dice {scores['mean_dice']:.3f}")
print("IoU per class:", dict(zip(CLASS_NAMES, np.round(iou, 3).tolist(), strict=True)))

# %% [markdown]
# 85.7% of the pixels right, and not one object found: pixel accuracy is dominated by the largest
# class. Mean IoU weighs every class equally, so the missed objects cost three quarters of it
# (0.214); Dice behaves the same way. Segmentation benchmarks (PASCAL VOC, Cityscapes, COCO-Stuff)
# rank by mean IoU for this reason.
#
# ## 5. Training a U-Net on the scenes
#
# The network whose weights ship with the course is a **compact U-Net**
# (`utils.segmentation.compact_unet`): the same encoder-decoder with skip connections and
# `Conv2DTranspose(…, 3, strides=2, padding="same")` upsampling, but 3 levels of 12, 24 and 48
# filters and a 96-filter bottleneck (303,244 parameters, 1.2 MB in float32), and batch
# normalisation after each convolution, which lets it train in a few epochs on a CPU. The course's
# `unet_model` would fit too, but 8.6 million parameters want a GPU.
#
# `utils.segmentation.fit_segmenter` trains it: softmax cross-entropy per pixel on the logits
# (`SparseCategoricalCrossentropy(from_logits=True)`), Adam with a cosine-decayed learning rate,
# shuffled batches. Briefly here, with the same code as `scripts/train_unet_shapes.py` but a
# narrower network (8/16/32 filters), 600 scenes, 3 epochs and batches of 16:

# %%
# tolerance: ±3 points, ±0.04
train = seg.scenes({**seg.TRAIN, "n_images": 600})  # the first 600 of the script's 2,000 scenes
keras.utils.set_random_seed(0)
brief = seg.compact_unet(widths=(8, 16, 32))
print(f"narrow U-Net: {brief.count_params():,} parameters; {len(train)} training scenes")
start = time.perf_counter()
seg.fit_segmenter(brief, train.images, train.masks, epochs=3, batch_size=16, learning_rate=3e-3)
brief_masks = seg.predict_masks(brief, held_out.images)
mean, iou = mean_iou(held_out.masks, brief_masks, N_CLASSES)
accuracy = np.mean(brief_masks == held_out.masks)
print(f"trained in {time.perf_counter() - start:.0f} s", end="; ")
print(f"held-out pixel accuracy {100 * accuracy:.1f}%, mean IoU {mean:.3f}")
print(f"better than answering background everywhere (mean IoU 0.214): {mean > 0.214}")
print("IoU per class:", dict(zip(CLASS_NAMES, np.round(iou, 3).tolist(), strict=True)))

# %% [markdown]
# After 3 epochs on 600 scenes (half a minute) the narrow U-Net labels the background and has
# started on the discs, but has hardly found a triangle or a horse yet: mean IoU ≈ 0.3, and a pixel
# accuracy of ≈ 89% that is barely above the 85.7% of answering *background* everywhere.
# Segmenting shapes needs many more passes over the data than classifying digits did.
#
# The shipped weights come from the full setting of `scripts/train_unet_shapes.py`: 2,000 scenes,
# 20 epochs (23 minutes on 2 shared CPU cores). `utils.assets.resolve` finds the file and checks
# its SHA-256 against `weights/MANIFEST.json`:

# %%
asset = registry()[seg.NAME]
model = seg.load_compact_unet(resolve(seg.NAME))
predicted = seg.predict_masks(model, held_out.images)
mean, iou = mean_iou(held_out.masks, predicted, N_CLASSES)
scores = seg.segmentation_scores(seg.confusion_matrix(held_out.masks, predicted, N_CLASSES))
print(f"shipped compact U-Net on the {len(held_out)} held-out scenes: mean IoU {mean:.3f}")
print(seg.iou_table(scores, CLASS_NAMES))
stated = seg.stated_mean_iou(asset.description)
print(f"as stated in weights/MANIFEST.json ({stated:.3f}): {round(mean, 3) == stated}")
print(f"your mean_iou = utils.segmentation's: {np.allclose(iou, scores['iou'])}")

# %% [markdown]
# Predictions drawn over the first 8 held-out scenes (the colours: disc red, triangle green, horse
# blue):

# %%
shown = slice(0, 8)
seg.show_segmentations(
    held_out.images[shown],
    [("image", None), ("truth", held_out.masks[shown]), ("U-Net", predicted[shown])],
    class_names=CLASS_NAMES,
    size=1.6,
)

# %% [markdown]
# **Pixel accuracy vs mean IoU vs Dice on the trained model.** Next to the all-background
# predictor, the shipped U-Net, the same U-Net with every horse pixel it finds turned into
# background (a model blind to one class of three), and the U-Net's masks eroded by one pixel (the
# same objects, their outlines a pixel too small):

# %%
no_horses = np.where(predicted == 3, 0, predicted)
eroded = np.stack([np.where(ndimage.binary_erosion(mask > 0), mask, 0) for mask in predicted])
print(f"{'':<26} {'pixel accuracy':>14} {'mean IoU':>9} {'mean Dice':>10}")
for name, masks in [
    ("all background", all_background),
    ("shipped U-Net", predicted),
    ("U-Net, horses removed", no_horses),
    ("U-Net, eroded by 1 pixel", eroded),
]:
    s = seg.segmentation_scores(seg.confusion_matrix(held_out.masks, masks, N_CLASSES))
    accuracy = f"{100 * s['pixel_accuracy']:.1f}%"
    print(f"{name:<26} {accuracy:>14} {s['mean_iou']:>9.3f} {s['mean_dice']:>10.3f}")


# %% [markdown]
# Removing every horse (a third of the objects, 3.9% of the pixels) costs the U-Net 3.5 points
# of pixel accuracy but 0.23 of mean IoU: one class of four lost. Shrinking every outline by a
# single pixel costs 2.2 points of pixel accuracy and 0.13 of mean IoU, since the objects are small
# and a pixel ring is a large share of each: IoU is strict at the boundaries, Dice
# ($= 2\,\text{IoU} / (1 + \text{IoU})$) a little less. Pixel accuracy answers "how much of the
# image is right", which the background decides; mean IoU answers "how well is each class found".
#
# ## 6. Instance segmentation
#
# A semantic mask does not separate objects of the same class. The obvious shortcut, one instance
# per **connected component** of each class, fails in two ways that the generated scenes show
# exactly, since they know every object's own mask: two objects of the same class that touch or
# overlap **merge** into one component, and an object cut in two by another one in front of it (or
# with thin parts, like a horse's legs) **splits** into several.

# %%
def instance_report(masks, label):
    merged = split = 0
    recovered = total = 0
    for k in range(len(held_out)):
        components, _ = seg.connected_instances(masks[k], connectivity=2)
        n_true, n_found = len(held_out.classes[k]), int(components.max())
        merged += n_found < n_true
        split += n_found > n_true
        recovered += seg.count_recovered(held_out.instances[k], components)
        total += n_true
    print(
        f"{label}: fewer components than objects in {merged} scenes, more in {split}; "
        f"{recovered} of {total} objects ({100 * recovered / total:.1f}%) recovered (IoU ≥ 0.5)"
    )


instance_report(held_out.masks, "true class masks ")
instance_report(predicted, "U-Net's class masks")

n_components = [
    int(seg.connected_instances(mask, connectivity=2)[0].max()) for mask in held_out.masks
]
n_objects = [len(classes) for classes in held_out.classes]
merges = [k for k in range(len(held_out)) if n_components[k] < n_objects[k]]
splits = [k for k in range(len(held_out)) if n_components[k] > n_objects[k]]
differ = merges[:2] + splits[:2]
fig, axes = plt.subplots(4, len(differ), figsize=(2.2 * len(differ), 8.8))
for column, k in enumerate(differ):
    components, _ = seg.connected_instances(held_out.masks[k], connectivity=2)
    panels = [
        held_out.images[k],
        seg.CLASS_COLOURS[held_out.masks[k]],
        palette[held_out.instances[k]],
        palette[components],
    ]
    titles = ["image", "classes", "true instances", "components"]
    for row, (panel, title) in enumerate(zip(panels, titles, strict=True)):
        axes[row][column].imshow(panel)
        axes[row][column].set_xticks([])
        axes[row][column].set_yticks([])
        if column == 0:
            axes[row][column].set_ylabel(title)
    axes[0][column].set_title(f"{n_objects[k]} objects, {n_components[k]} components")
plt.tight_layout()
plt.show()

# %% [markdown]
# On the exact class masks, the components (8-neighbours) are fewer than the objects in 23 of the
# 200 scenes (touching objects of one class merge) and more in 67 (occluded objects and the horses'
# thin legs and tails split); only 88.4% of the objects come out as a component that overlaps them
# with IoU ≥ 0.5, and 86.2% from the U-Net's masks. Telling instances apart needs a model that
# predicts them.
#
# **Mask R-CNN** (He, Gkioxari, Dollár and Girshick, 2017) does instance segmentation the detector's
# way. It is Faster R-CNN (notebook 06, section 7: a region proposal network, then a classifier and
# a box regressor for each proposal) with two changes:
#
# - a **third head** on each region: a small fully convolutional network that predicts a 28×28
#   mask for the region, one per class, with a per-pixel sigmoid; only the mask of the predicted
#   class is used (and trained), so the classes do not compete for pixels. The mask is resized to
#   the box and thresholded at 0.5;
# - **RoIAlign** instead of RoIPool: the region's features are sampled with bilinear interpolation
#   at exact (not rounded) positions, so the mask lines up with the object to the pixel.
#
# Each detection thus carries its own mask: two touching horses are two boxes with two masks. On
# COCO, Mask R-CNN with a ResNeXt-101-FPN backbone reached 37.1 mask AP at about 5 images per second
# (paper values, not measured here); later models (e.g. SOLO, Mask2Former) predict instance masks
# without boxes.
#
# ## 7. Online: a standard dataset
#
# The same code trains on real photos with human-drawn masks. The course uses the **Oxford-IIIT Pet
# dataset** (Parkhi et al., 2012): 7,349 photos of cats and dogs of 37 breeds, each with a pixel
# *trimap* (pet, background, and the uncertain border between them), 3,680 for training and 3,669
# for testing. Why this one: it is small enough for Colab (811 MB in two archives), every image has
# a mask, its licence (CC BY-SA 4.0) allows teaching use, TensorFlow Datasets publishes the SHA-256
# of both archives (recorded in `data/MANIFEST.json`, checked by `utils.assets.resolve`), and it is
# the dataset of TensorFlow's own segmentation tutorial, a point of comparison. PASCAL VOC 2012
# (2 GB, only 2,913 images with masks) and Cityscapes (registration required) are the usual next
# steps; the course's own CARLA driving images (23 classes, hence `n_classes=23`) have no public
# checksum.
#
# `utils.segmentation.load_pets` reads the images and trimaps straight from the archives (classes:
# background, pet, border). Offline it prints one line per archive and returns `None`:

# %%
pets = seg.load_pets("trainval", size=(128, 128), limit=1000)
if pets is not None:
    pets_test = seg.load_pets("test", size=(128, 128), limit=500)
    keras.utils.set_random_seed(0)
    pets_model = seg.compact_unet((128, 128, 3), n_classes=len(seg.PETS_CLASSES))
    seg.fit_segmenter(pets_model, *pets, epochs=15, every=3)
    pets_predicted = seg.predict_masks(pets_model, pets_test[0])
    pets_scores = seg.segmentation_scores(seg.confusion_matrix(pets_test[1], pets_predicted, 3))
    print(seg.iou_table(pets_scores, seg.PETS_CLASSES))
    seg.show_segmentations(
        pets_test[0][:6],
        [("image", None), ("truth", pets_test[1][:6]), ("U-Net", pets_predicted[:6])],
        class_names=seg.PETS_CLASSES,
    )

# %% [markdown]
# ## Summary
#
# - Semantic segmentation labels every pixel with a class; instance segmentation also separates the
#   objects. A fully convolutional classifier gives a coarse map: at an output stride of 32, even a
#   perfect 3×3 map reaches a mean IoU of only 0.354 on the held-out scenes (0.744 at stride 8),
#   so the output must be upsampled, with detail brought back.
# - You wrote `conv_transpose`, equal to Keras's `Conv2DTranspose` for any stride and padding, with
#   $n_{\text{out}} = (n_{\text{in}} - 1)s - 2p + f$; a 3×3 kernel with stride 2 overlaps unevenly
#   (1, 2 or 4 contributions per pixel: the checkerboard artefact), which upsampling then convolving
#   avoids.
# - You built the course's U-Net from `conv_block`, `upsampling_block` and `unet_model`: 8,640,471
#   parameters at 96×128×3 with 32 filters and 23 classes.
# - Your `mean_iou`: all-background predictions score 85.7% pixel accuracy but a mean IoU of 0.214.
# - The compact U-Net (303,244 parameters) shipped with the course, trained on 2,000 scenes for 20
#   epochs, reaches a mean IoU of 0.947 on 200 held-out scenes (IoU 0.993 background, 0.958 disc,
#   0.953 triangle, 0.882 horse; pixel accuracy 99.2%); a narrower one trained here for 3 epochs on
#   600 scenes reaches only ≈ 0.3: segmentation needs many passes over the data. (The original
#   U-Net reached an IoU of 92% and 77.5% on the two cell-tracking datasets of ISBI 2015; paper
#   values.)
# - Connected components of a semantic mask are not instances (touching objects merge, occluded ones
#   split); Mask R-CNN adds a mask head and RoIAlign to Faster R-CNN to predict one mask per
#   detection (37.1 mask AP on COCO, paper value). Online, the same code trains on the
#   Oxford-IIIT Pet dataset.
