# %% [markdown]
# # 02 · Padding, strides, convolution and pooling from scratch
#
# > Padding, strides, and the forward and backward passes of convolution and pooling, written in NumPy.
#
# **Runtime**: CPU, about 8 s on 2 cores (measured, offline); no GPU needed.
#
# A convolutional layer repeats one small computation many times: take an $f \times f$ window of
# the input, multiply it elementwise by a filter, add everything up, add a bias, then slide the
# window by the *stride*. *Padding* decides what happens at the border. In this notebook you write
# that computation yourself in NumPy — forward and backward, for convolution and for pooling — check
# every piece against TensorFlow, and then make it hundreds of times faster.
#
# **What you will build**
#
# - the output-size formula $n_{out} = \lfloor (n + 2p - f)/s \rfloor + 1$, checked against Keras
#   layer by layer, and the parameter count of a convolutional layer;
# - `zero_pad`, `conv_single_step` and `conv_forward`: a convolutional layer with four loops, equal
#   to `tf.nn.conv2d`;
# - `pool_forward`: max and average pooling, equal to `tf.nn.max_pool2d` / `tf.nn.avg_pool2d`;
# - the backward passes `conv_backward` and `pool_backward` (with `create_mask_from_window` and
#   `distribute_value`), checked against `tf.GradientTape` and by finite differences;
# - `conv_forward_im2col`: the same convolution as one matrix product, timed against the loops and
#   against TensorFlow.
#
# **Data**: random tensors from seeded generators and one real photo (scikit-image's *cameraman*,
# loaded by `utils.images`); nothing is downloaded and no trained weights are used, offline or on
# Colab.

# %%
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from threadpoolctl import threadpool_limits

from utils.images import load_image
from utils.plotting import show_images, show_matrix
from utils.public_tests.convolution import (
    conv_backward_test,
    conv_forward_test,
    conv_single_step_test,
    create_mask_from_window_test,
    distribute_value_test,
    pool_backward_test,
    pool_forward_test,
    zero_pad_test,
)


# %% [markdown]
# ## 1. How big is the output?
#
# Slide an $f \times f$ filter over an $n \times n$ input padded with $p$ zeros on each side,
# moving $s$ pixels at a time. The window fits $\lfloor (n + 2p - f)/s \rfloor$ times after its
# first position, so
#
# $$
# n_{out} = \left\lfloor \frac{n + 2p - f}{s} \right\rfloor + 1 .
# $$
#
# Height and width follow the same formula (with their own $n$); the number of output channels is
# the number of filters.
#
# - **"valid"** convolution: no padding, $n_{out} = n - f + 1$ at stride 1 — the image shrinks at
#   every layer and the border pixels take part in fewer windows than the centre ones.
# - **"same"** convolution: pad so that $n_{out} = n$. At stride 1 this needs $p = (f - 1)/2$, one
#   reason filters have odd sizes (3, 5, 7). For a stride $s$, solving
#   $n = (n + 2p - f)/s + 1$ gives the general
#   $$p = \frac{n s - n + f - s}{2},$$
#   which grows with $n$: at stride 2 almost the whole padded input would be zeros. That is why
#   Keras' `padding="same"` with a stride $s > 1$ means instead $n_{out} = \lceil n / s \rceil$.

# %%
def conv_output_size(n, f, pad=0, stride=1):
    """Height (or width) of a convolution's output: ⌊(n + 2·pad − f)/stride⌋ + 1."""
    return (n + 2 * pad - f) // stride + 1


def same_padding(n, f, stride=1):
    """The padding that keeps the size n: p = (n·s − n + f − s)/2, i.e. (f − 1)/2 at stride 1."""
    return (n * stride - n + f - stride) / 2


same_stride2 = keras.Sequential(
    [keras.Input((39, 39, 1)), keras.layers.Conv2D(1, 5, strides=2, padding="same")]
)
for n, f, s in [(39, 1, 1), (39, 3, 1), (39, 5, 1), (39, 7, 1), (7, 3, 2), (39, 5, 2)]:
    p = same_padding(n, f, s)
    n_out = conv_output_size(n, f, int(p), s)
    print(f"n={n}, f={f}, s={s}: same padding p = {p:g} -> n_out = {n_out}")
print("Keras padding='same', f=5, s=2 on 39×39:", same_stride2.output_shape, "= ⌈39/2⌉ = 20")

# %% [markdown]
# ### The course's example network
#
# A $39 \times 39 \times 3$ image goes through three convolutions, then is flattened for a
# classifier:
#
# | layer | $f$ | $s$ | $p$ | filters | output |
# |---|---|---|---|---|---|
# | conv 1 | 3 | 1 | 0 | 10 | $\lfloor (39 - 3)/1 \rfloor + 1 = 37$ → $37 \times 37 \times 10$ |
# | conv 2 | 5 | 2 | 0 | 20 | $\lfloor (37 - 5)/2 \rfloor + 1 = 17$ → $17 \times 17 \times 20$ |
# | conv 3 | 5 | 2 | 0 | 40 | $\lfloor (17 - 5)/2 \rfloor + 1 = 7$ → $7 \times 7 \times 40$ |
# | flatten | | | | | $7 \cdot 7 \cdot 40 = 1960$ |
#
# A filter spans all the channels of its input, so it has $f \cdot f \cdot n_{C,prev}$ weights
# plus one bias, and a layer of $n_C$ filters has $(f \cdot f \cdot n_{C,prev} + 1)\, n_C$
# parameters — whatever the size of the image. Let us compute the sizes with the formula, build the
# same stack in Keras, and compare layer by layer.

# %%
stack = [(3, 1, 0, 10), (5, 2, 0, 20), (5, 2, 0, 40)]  # (f, stride, pad, filters)

model = keras.Sequential(
    [keras.Input((39, 39, 3))]
    + [
        keras.layers.Conv2D(k, f, strides=s, padding="valid", name=f"conv{i}")
        for i, (f, s, p, k) in enumerate(stack, start=1)
    ]
    + [keras.layers.Flatten(name="flatten")],
    name="course_stack",
)

n, n_C = 39, 3
row = "{:<9}{:<20}{:<22}{:>8}  {:>21}"
print(row.format("layer", "formula", "Keras output shape", "params", "(f·f·n_C_prev+1)·n_C"))
print(row.format("input", str((None, n, n, n_C)), "", "", "").rstrip())
shapes_match = True
for layer, (f, s, p, k) in zip(model.layers, stack + [(None, None, None, None)], strict=True):
    if f is None:  # flatten
        formula, by_hand = (None, n * n * n_C), 0
    else:
        by_hand = (f * f * n_C + 1) * k
        n, n_C = conv_output_size(n, f, p, s), k
        formula = (None, n, n, n_C)
    keras_shape = tuple(layer.output.shape)
    shapes_match &= keras_shape == formula and layer.count_params() == by_hand
    print(row.format(layer.name, str(formula), str(keras_shape), layer.count_params(), by_hand))
print("model.output_shape:", model.output_shape)
print("formula == Keras for every layer (shapes and parameters):", shapes_match)

# %% [markdown]
# One more count, the course's quiz: a $6 \times 6 \times 3$ input and ten $3 \times 3 \times 3$
# filters. Each filter has $3 \cdot 3 \cdot 3 = 27$ weights and a bias, so the layer has
# $28 \cdot 10 = 280$ parameters, and it would still have 280 on a $1000 \times 1000 \times 3$
# image. A dense layer from that image to 1,000 hidden units needs a weight per input value and unit:

# %%
conv_params = (3 * 3 * 3 + 1) * 10  # ten 3×3×3 filters, each with a bias
dense_params = 1000 * 1000 * 3 * 1000 + 1000  # every input value to every unit, plus biases
print(f"conv layer: {conv_params:,} parameters on any image size")
print(f"dense layer, 1000×1000×3 → 1,000 units: {dense_params:,} parameters")
print(f"{dense_params // conv_params:,} times more")

# %%
quiz = keras.Sequential([keras.Input((6, 6, 3)), keras.layers.Conv2D(10, 3, name="conv")])
by_hand = 3 * 3 * 3 * 10 + 10
print("by hand: 3·3·3·10 + 10 =", by_hand)
print("Keras count_params():  ", quiz.count_params())
print("equal:", by_hand == quiz.count_params())


# %% [markdown]
# ## 2. Zero padding
#
# From now on a batch of images is a 4-D array `X` of shape $(m, n_H, n_W, n_C)$: $m$ examples,
# height, width, channels (TensorFlow's "channels last" layout). Padding adds `pad` rows of zeros
# above and below every image and `pad` columns left and right — and nothing along the example and
# channel axes:
#
# $$ (m, n_H, n_W, n_C) \;\to\; (m,\; n_H + 2\,\text{pad},\; n_W + 2\,\text{pad},\; n_C). $$
#
# ### Exercise 1 — `zero_pad` (1 point)
#
# Implement `zero_pad(X, pad)` with
# [`np.pad`](https://numpy.org/doc/stable/reference/generated/numpy.pad.html), which takes one
# `(before, after)` pair per axis: for a 2-D array `a`, `np.pad(a, ((1, 1), (2, 2)), mode="constant",
# constant_values=0)` adds one row above and below and two columns on each side.

# %% solution="zero_pad"
def zero_pad(X, pad):
    """Pad the height and width of every image in X with zeros.

    Arguments:
    X -- array of shape (m, n_H, n_W, n_C): a batch of m images
    pad -- int, the number of zero rows/columns added on each side (top, bottom, left, right)

    Returns:
    X_pad -- array of shape (m, n_H + 2 * pad, n_W + 2 * pad, n_C)
    """
    ### BEGIN SOLUTION
    X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant", constant_values=0)
    ### END SOLUTION
    return X_pad


# %% tests="zero_pad_test" points=1
zero_pad_test(zero_pad)

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(1002)
for _shape, _pad in [((3, 1, 4, 2), 2), ((1, 5, 2, 1), 1), ((2, 3, 3, 4), 0), ((1, 1, 1, 1), 4)]:
    _x = _rng.standard_normal(_shape)
    _ref = tf.pad(tf.constant(_x), [[0, 0], [_pad, _pad], [_pad, _pad], [0, 0]]).numpy()
    _got = np.asarray(zero_pad(_x, _pad))
    _case = f"zero_pad(X of shape {_shape}, pad={_pad})"
    assert _got.shape == _ref.shape, f"{_case} has shape {_got.shape}, expected {_ref.shape}"
    assert np.array_equal(_got, _ref), f"{_case} differs from tf.pad"
### END HIDDEN TESTS

# %% [markdown]
# The course's picture: a batch of four $3 \times 3 \times 2$ inputs padded by 3. Row 1 of the
# padded image lies in the padding, so it is all zeros; the original $3 \times 3$ values sit in the
# middle.

# %%
rng = np.random.default_rng(1)
x = rng.standard_normal((4, 3, 3, 2))
x_pad = zero_pad(x, 3)
print("x.shape     =", x.shape)
print("x_pad.shape =", x_pad.shape)
print("x[1, 1] =\n", np.round(x[1, 1], 4))
print("x_pad[1, 1] =\n", x_pad[1, 1])

fig, axes = plt.subplots(1, 2, figsize=(9, 4))
show_matrix(x[0, :, :, 0], "x[0, :, :, 0]", fmt="{:.1f}", ax=axes[0])
show_matrix(x_pad[0, :, :, 0], "x_pad[0, :, :, 0]", fmt="{:.1f}", ax=axes[1])
plt.show()


# %% [markdown]
# ## 3. One step of convolution
#
# One filter applied to one window: multiply the window $a$ (shape $f \times f \times n_{C,prev}$)
# elementwise by the filter's weights $W$ (same shape), sum over all three axes, add the bias:
#
# $$ Z = \sum_{i=1}^{f} \sum_{j=1}^{f} \sum_{k=1}^{n_{C,prev}} a_{ijk}\, W_{ijk} \;+\; b . $$
#
# ### Exercise 2 — `conv_single_step` (1 point)
#
# Implement `conv_single_step`. It returns a Python `float`: `b` has shape
# $(1, 1, 1)$, so add it as a number with `float(b)` or `b.item()` (adding the array would give an
# array of shape $(1, 1, 1)$).

# %% solution="conv_single_step"
def conv_single_step(a_slice_prev, W, b):
    """Apply one filter (W, b) to one window a_slice_prev of the previous layer's output.

    Arguments:
    a_slice_prev -- window of the input, array of shape (f, f, n_C_prev)
    W -- the filter's weights, array of shape (f, f, n_C_prev)
    b -- the filter's bias, array of shape (1, 1, 1)

    Returns:
    Z -- a Python float: the sum of a_slice_prev * W, plus b
    """
    ### BEGIN SOLUTION
    Z = float(np.sum(a_slice_prev * W) + b.item())
    ### END SOLUTION
    return Z


# %% tests="conv_single_step_test" points=1
conv_single_step_test(conv_single_step)

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(1003)
for _f, _c in [(1, 1), (3, 7), (5, 2)]:
    _a = _rng.standard_normal((_f, _f, _c))
    _W = _rng.standard_normal((_f, _f, _c))
    _b = _rng.standard_normal((1, 1, 1))
    _ref = (
        tf.nn.conv2d(tf.constant(_a[None]), tf.constant(_W[..., None]), 1, "VALID").numpy().item()
    )
    _Z = conv_single_step(_a, _W, _b)
    assert np.ndim(_Z) == 0 and isinstance(_Z, float | np.floating), (
        f"conv_single_step returned a {type(_Z).__name__}, not a float"
    )
    assert abs(_Z - (_ref + _b.item())) < 1e-9, (
        f"conv_single_step on ({_f}, {_f}, {_c}) inputs is {_Z}, but tf.nn.conv2d + b gives "
        f"{_ref + _b.item()}"
    )
### END HIDDEN TESTS

# %%
rng = np.random.default_rng(1)
a_slice_prev = rng.standard_normal((4, 4, 3))
W_one = rng.standard_normal((4, 4, 3))
b_one = rng.standard_normal((1, 1, 1))
Z_one = conv_single_step(a_slice_prev, W_one, b_one)
print(f"Z = {Z_one:.4f}, a {type(Z_one).__name__}")


# %% [markdown]
# ## 4. The forward pass of a convolutional layer
#
# A layer has $n_C$ filters, stacked in `W` of shape $(f, f, n_{C,prev}, n_C)$, and one bias per
# filter in `b` of shape $(1, 1, 1, n_C)$. For every example $i$, every output position $(h, w)$ and
# every filter $c$:
#
# 1. the window starts at row `vert_start = h * stride` and column `horiz_start = w * stride` of
#    the **padded** input and ends $f$ later (`vert_end = vert_start + f`, `horiz_end = horiz_start + f`);
# 2. `Z[i, h, w, c] = conv_single_step(window, W[:, :, :, c], b[:, :, :, c])`, where the window
#    takes all the input channels: `a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]`.
#
# The output has the size of section 1:
# $$ n_H = \left\lfloor \frac{n_{H,prev} + 2\,\text{pad} - f}{\text{stride}} \right\rfloor + 1,
# \qquad n_W = \left\lfloor \frac{n_{W,prev} + 2\,\text{pad} - f}{\text{stride}} \right\rfloor + 1 . $$
#
# ### Exercise 3 — `conv_forward` (2 points)
#
# Implement `conv_forward` with four loops (over `i`, `h`, `w`, `c`),
# using `zero_pad` and `conv_single_step`. Use integer division `//` for the sizes. The cache keeps
# the inputs for the backward pass.

# %% solution="conv_forward"
def conv_forward(A_prev, W, b, hparameters):
    """Forward pass of a convolutional layer.

    Arguments:
    A_prev -- output of the previous layer, array of shape (m, n_H_prev, n_W_prev, n_C_prev)
    W -- weights, array of shape (f, f, n_C_prev, n_C)
    b -- biases, array of shape (1, 1, 1, n_C)
    hparameters -- dict with the keys "stride" and "pad" (ints)

    Returns:
    Z -- convolution output, array of shape (m, n_H, n_W, n_C)
    cache -- (A_prev, W, b, hparameters), kept for conv_backward
    """
    ### BEGIN SOLUTION
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, _, _, n_C = W.shape
    stride = hparameters["stride"]
    pad = hparameters["pad"]

    n_H = (n_H_prev + 2 * pad - f) // stride + 1
    n_W = (n_W_prev + 2 * pad - f) // stride + 1
    Z = np.zeros((m, n_H, n_W, n_C))

    A_prev_pad = zero_pad(A_prev, pad)
    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C):
                    a_slice_prev = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                    Z[i, h, w, c] = conv_single_step(a_slice_prev, W[:, :, :, c], b[:, :, :, c])
    ### END SOLUTION
    cache = (A_prev, W, b, hparameters)
    return Z, cache


# %% tests="conv_forward_test" points=2
conv_forward_test(conv_forward)

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(1004)
for _shape, _f, _n_C, _s, _p in [
    ((1, 6, 6, 1), 2, 1, 2, 0),  # stride = f: the windows tile the input
    ((2, 7, 5, 3), 3, 2, 3, 0),  # stride = f, the last row and column are in no window
    ((1, 4, 9, 2), 1, 3, 1, 2),  # 1×1 filters on a heavily padded input
    ((3, 5, 5, 2), 5, 4, 1, 2),  # "same" convolution with f = 5
    ((1, 3, 8, 1), 3, 2, 4, 1),  # stride larger than f
]:
    _A = _rng.standard_normal(_shape)
    _W = _rng.standard_normal((_f, _f, _shape[-1], _n_C))
    _b = _rng.standard_normal((1, 1, 1, _n_C))
    _Z, _cache = conv_forward(_A, _W, _b, {"stride": _s, "pad": _p})
    _pads = [[0, 0], [_p, _p], [_p, _p], [0, 0]]
    _ref = tf.nn.conv2d(tf.constant(_A), tf.constant(_W), _s, _pads).numpy() + _b
    _case = f"conv_forward on A_prev {_shape}, f={_f}, n_C={_n_C}, stride={_s}, pad={_p}"
    assert np.shape(_Z) == _ref.shape, f"{_case}: Z has shape {np.shape(_Z)}, not {_ref.shape}"
    assert np.allclose(_Z, _ref, rtol=0, atol=1e-9), f"{_case}: Z differs from tf.nn.conv2d + b"
    assert np.array_equal(_cache[0], _A) and np.array_equal(_cache[1], _W), (
        f"{_case}: the cache does not start with (A_prev, W)"
    )
    assert np.array_equal(_cache[2], _b) and _cache[3] == {"stride": _s, "pad": _p}, (
        f"{_case}: the cache does not end with (b, hparameters)"
    )
### END HIDDEN TESTS

# %% [markdown]
# The course's example: two $5 \times 7 \times 4$ inputs, eight $3 \times 3$ filters, pad 1,
# stride 2, so $n_H = \lfloor (5 + 2 - 3)/2 \rfloor + 1 = 3$ and
# $n_W = \lfloor (7 + 2 - 3)/2 \rfloor + 1 = 4$.

# %%
rng = np.random.default_rng(1)
A_prev = rng.standard_normal((2, 5, 7, 4))
W = rng.standard_normal((3, 3, 4, 8))
b = rng.standard_normal((1, 1, 1, 8))
hparameters = {"pad": 1, "stride": 2}
Z, cache_conv = conv_forward(A_prev, W, b, hparameters)
print("Z.shape =", Z.shape)
print(f"Z's mean = {Z.mean():.4f}")
print("Z[0, 2, 1] =", np.round(Z[0, 2, 1], 4))
print("cache_conv[0][1][2][3] =", np.round(cache_conv[0][1][2][3], 4))


# %% [markdown]
# ## 5. Pooling
#
# A pooling layer slides an $f \times f$ window with a stride, like a convolution, but it has no
# parameters and works on each channel separately: **max pooling** keeps the largest value of the
# window ("is the feature present somewhere here?"), **average pooling** the mean. There is no
# padding here, so
#
# $$ n_H = \left\lfloor \frac{n_{H,prev} - f}{\text{stride}} \right\rfloor + 1, \qquad
#    n_W = \left\lfloor \frac{n_{W,prev} - f}{\text{stride}} \right\rfloor + 1, \qquad n_C = n_{C,prev}. $$
#
# ### Exercise 4 — `pool_forward` (2 points)
#
# Implement `pool_forward`: four loops again; the window of channel `c` is
# `A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]`, reduced with `np.max` or `np.mean`
# according to `mode`.

# %% solution="pool_forward"
def pool_forward(A_prev, hparameters, mode="max"):
    """Forward pass of a pooling layer.

    Arguments:
    A_prev -- input, array of shape (m, n_H_prev, n_W_prev, n_C_prev)
    hparameters -- dict with the keys "f" (window size) and "stride" (ints)
    mode -- "max" or "average"

    Returns:
    A -- output, array of shape (m, n_H, n_W, n_C_prev)
    cache -- (A_prev, hparameters), kept for pool_backward
    """
    ### BEGIN SOLUTION
    if mode not in ("max", "average"):
        raise ValueError(f"mode must be 'max' or 'average', got {mode!r}")
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f = hparameters["f"]
    stride = hparameters["stride"]

    n_H = (n_H_prev - f) // stride + 1
    n_W = (n_W_prev - f) // stride + 1
    A = np.zeros((m, n_H, n_W, n_C))

    reduce = np.max if mode == "max" else np.mean
    for i in range(m):
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C):
                    a_prev_slice = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]
                    A[i, h, w, c] = reduce(a_prev_slice)
    ### END SOLUTION
    cache = (A_prev, hparameters)
    return A, cache


# %% tests="pool_forward_test" points=2
pool_forward_test(pool_forward)

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(1005)
for _shape, _f, _s in [
    ((1, 4, 4, 1), 4, 4),  # one window: global pooling
    ((2, 6, 9, 3), 3, 3),  # stride = f
    ((1, 5, 7, 2), 2, 3),  # stride > f: some entries are in no window
    ((3, 3, 3, 2), 1, 1),  # 1×1 windows: the identity
    ((1, 8, 8, 1), 3, 1),  # heavily overlapping windows
]:
    _A = _rng.standard_normal(_shape)
    for _mode, _pool in [("max", tf.nn.max_pool2d), ("average", tf.nn.avg_pool2d)]:
        _out, _cache = pool_forward(_A, {"f": _f, "stride": _s}, mode=_mode)
        _ref = _pool(tf.constant(_A), ksize=_f, strides=_s, padding="VALID").numpy()
        _case = f"pool_forward on A_prev {_shape}, f={_f}, stride={_s}, mode={_mode!r}"
        assert np.shape(_out) == _ref.shape, f"{_case}: A has shape {np.shape(_out)}"
        assert np.allclose(_out, _ref, rtol=0, atol=1e-12), f"{_case}: A differs from TensorFlow's"
        assert np.array_equal(_cache[0], _A) and _cache[1] == {"f": _f, "stride": _s}, (
            f"{_case}: the cache is not (A_prev, hparameters)"
        )
### END HIDDEN TESTS

# %%
rng = np.random.default_rng(1)
A_prev = rng.standard_normal((2, 5, 5, 3))
pooled_demo = {
    (stride, mode): pool_forward(A_prev, {"stride": stride, "f": 3}, mode=mode)[0]
    for stride in (1, 2)
    for mode in ("max", "average")
}
for (stride, mode), A in pooled_demo.items():
    corner = np.round(A[1, 1, 1], 4)
    print(f"f=3, stride={stride}, mode={mode!r:<9}: A.shape = {A.shape}, A[1, 1, 1] = {corner}")


# %% [markdown]
# ## 6. Backpropagation through a convolutional layer
#
# Deep learning frameworks derive the backward pass for you, but writing it once shows where every
# gradient comes from. The layer computed
# $Z_{ihwc} = \sum_{\text{window}} a_{\text{slice}} \odot W_c + b_c$, so given
# $dZ = \partial J / \partial Z$ (same shape as $Z$), for every $i, h, w, c$:
#
# - **$dA$** — each input entry of the window contributed to $Z_{ihwc}$ with weight $W_c$:
#   $$ dA_{\text{prev}}[i, \text{window}] \mathrel{+}= W_c \; dZ_{ihwc} ; $$
# - **$dW$** — each weight of filter $c$ met the window's entry:
#   $$ dW_c \mathrel{+}= a_{\text{slice}} \; dZ_{ihwc} ; $$
# - **$db$** — the bias was added once:
#   $$ db_c \mathrel{+}= dZ_{ihwc} . $$
#
# Everything is **added** (`+=`): windows overlap when $f > s$, and the same filter is used at every
# position and for every example. Work on the padded input (`A_prev_pad`, `dA_prev_pad`) — the
# windows are defined there — and at the end of each example copy the inside of `da_prev_pad` back
# into `dA_prev[i]`. Careful: with `pad = 0` the tempting slice `x[pad:-pad]` is `x[0:0]`, which is
# empty; `x[pad:pad + n_H_prev]` works for every `pad`.
#
# ### Exercise 5 — `conv_backward` (2 points)
#
# Implement `conv_backward`. The window can be written once as
# `window = (slice(vert_start, vert_end), slice(horiz_start, horiz_end))`: then
# `a_prev_pad[window]` is `a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]`.

# %% solution="conv_backward"
def conv_backward(dZ, cache):
    """Backward pass of a convolutional layer.

    Arguments:
    dZ -- gradient of the cost with respect to Z, array of shape (m, n_H, n_W, n_C)
    cache -- (A_prev, W, b, hparameters), as returned by conv_forward

    Returns:
    dA_prev -- gradient with respect to A_prev, array of shape (m, n_H_prev, n_W_prev, n_C_prev)
    dW -- gradient with respect to W, array of shape (f, f, n_C_prev, n_C)
    db -- gradient with respect to b, array of shape (1, 1, 1, n_C)
    """
    ### BEGIN SOLUTION
    A_prev, W, b, hparameters = cache
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f = W.shape[0]
    stride = hparameters["stride"]
    pad = hparameters["pad"]
    m, n_H, n_W, n_C = dZ.shape

    dA_prev = np.zeros(A_prev.shape)
    dW = np.zeros(W.shape)
    db = np.zeros(b.shape)

    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = zero_pad(dA_prev, pad)
    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        da_prev_pad = dA_prev_pad[i]
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                window = (slice(vert_start, vert_end), slice(horiz_start, horiz_end))
                for c in range(n_C):
                    da_prev_pad[window] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += a_prev_pad[window] * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
        dA_prev[i] = da_prev_pad[pad : pad + n_H_prev, pad : pad + n_W_prev, :]
    ### END SOLUTION
    return dA_prev, dW, db


# %% tests="conv_backward_test" points=2
conv_backward_test(conv_backward)

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(1006)
for _shape, _f, _n_C, _s, _p in [
    ((1, 4, 4, 1), 2, 1, 2, 0),  # stride = f, pad = 0
    ((2, 5, 6, 2), 3, 3, 1, 0),  # pad = 0, overlapping windows
    ((1, 3, 5, 2), 1, 2, 1, 2),  # 1×1 filters, wide padding: the padding gets no gradient
    ((2, 7, 7, 1), 3, 2, 3, 1),  # stride = f with padding
    ((1, 6, 4, 3), 5, 2, 1, 2),  # "same" convolution with f = 5
]:
    _A = _rng.standard_normal(_shape)
    _W = _rng.standard_normal((_f, _f, _shape[-1], _n_C))
    _b = _rng.standard_normal((1, 1, 1, _n_C))
    _pads = [[0, 0], [_p, _p], [_p, _p], [0, 0]]
    _vars = [tf.constant(_A), tf.constant(_W), tf.constant(_b)]
    with tf.GradientTape() as _tape:
        _tape.watch(_vars)
        _Z = tf.nn.conv2d(_vars[0], _vars[1], strides=_s, padding=_pads) + _vars[2]
        _dZ = _rng.standard_normal(_Z.shape)
        _loss = tf.reduce_sum(_Z * _dZ)
    _refs = [g.numpy() for g in _tape.gradient(_loss, _vars)]
    _grads = conv_backward(_dZ, (_A, _W, _b, {"stride": _s, "pad": _p}))
    _case = f"conv_backward on A_prev {_shape}, f={_f}, n_C={_n_C}, stride={_s}, pad={_p}"
    for _name, _got, _ref in zip(("dA_prev", "dW", "db"), _grads, _refs, strict=True):
        assert np.shape(_got) == _ref.shape, f"{_case}: {_name} has shape {np.shape(_got)}"
        assert np.allclose(_got, _ref, rtol=0, atol=1e-9), (
            f"{_case}: {_name} differs from tf.GradientTape's"
        )
### END HIDDEN TESTS

# %%
rng = np.random.default_rng(1)
A_prev = rng.standard_normal((10, 4, 4, 3))
W = rng.standard_normal((2, 2, 3, 8))
b = rng.standard_normal((1, 1, 1, 8))
Z, cache_conv = conv_forward(A_prev, W, b, {"pad": 2, "stride": 2})
dA_prev, dW, db = conv_backward(Z, cache_conv)
print("shapes:", dA_prev.shape, dW.shape, db.shape)
print(f"dA_prev mean = {dA_prev.mean():.4f}, dW mean = {dW.mean():.4f}, db mean = {db.mean():.4f}")


# %% [markdown]
# ### A numerical check
#
# `tf.GradientTape` agrees — but the classic check needs no framework at all. For a cost
# $J(\theta)$, the central difference
# $$ \frac{J(\theta + \varepsilon e_k) - J(\theta - \varepsilon e_k)}{2 \varepsilon} $$
# approximates $\partial J / \partial \theta_k$ with an error of order $\varepsilon^2$. Take
# $J = \sum Z \odot G$ for a fixed random $G$ (then $dZ = G$), perturb every entry of `A_prev`, `W`
# and `b` of a tiny layer in turn, and compare with `conv_backward` through the relative error
# $\lVert g_{num} - g \rVert / (\lVert g_{num} \rVert + \lVert g \rVert)$. $J$ is linear in each
# single entry, so the differences are exact up to rounding and the error should be tiny.

# %%
def numerical_gradient(cost, x, eps=1e-6):
    """Central differences of cost() with respect to every entry of x (changed, then restored)."""
    grad = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        saved = x[k]
        x[k] = saved + eps
        plus = cost()
        x[k] = saved - eps
        minus = cost()
        x[k] = saved
        grad[k] = (plus - minus) / (2 * eps)
    return grad


rng = np.random.default_rng(8)
A_small = rng.standard_normal((2, 4, 4, 2))
W_small = rng.standard_normal((3, 3, 2, 3))
b_small = rng.standard_normal((1, 1, 1, 3))
hp_small = {"stride": 1, "pad": 1}
Z_small, cache_small = conv_forward(A_small, W_small, b_small, hp_small)
G = rng.standard_normal(Z_small.shape)
analytic = conv_backward(G, cache_small)


def cost():
    return np.sum(conv_forward(A_small, W_small, b_small, hp_small)[0] * G)


errors = {}
for name, x, g in zip(("dA_prev", "dW", "db"), (A_small, W_small, b_small), analytic, strict=True):
    g_num = numerical_gradient(cost, x)
    errors[name] = np.linalg.norm(g_num - g) / (np.linalg.norm(g_num) + np.linalg.norm(g))

# %%
gradients_ok = all(error < 1e-7 for error in errors.values())
for name, error in errors.items():
    print(f"{name:<8} rel. error {error:.1e} (< 1e-7: {error < 1e-7})")


# %% [markdown]
# ## 7. Backpropagation through pooling
#
# Pooling has no parameters, but the gradient still has to flow through it to the layers below.
#
# **Max pooling.** Only the largest entry of a window reached the output, so only it receives the
# window's gradient. `create_mask_from_window(x)` marks it:
# $$ x = \begin{bmatrix} 1 & 3 \\ 4 & 2 \end{bmatrix} \;\to\;
#    M = \begin{bmatrix} 0 & 0 \\ 1 & 0 \end{bmatrix}, \qquad
#    dA_{\text{prev}}[\text{window}] \mathrel{+}= M \cdot dA_{ihwc} . $$
#
# **Average pooling.** Every entry of the window counted $1/(n_H n_W)$, so the gradient is spread
# evenly: `distribute_value(dz, (n_H, n_W))` returns an $n_H \times n_W$ array filled with
# $dz / (n_H n_W)$, e.g. $dz = 2$ over $(2, 2)$ gives four $0.5$.
#
# **Exercises (1 point each).** Implement `create_mask_from_window` (one comparison with `np.max`)
# and `distribute_value` (`np.ones(shape)` times the average).
#
# ### Exercise 6 — `create_mask_from_window` (1 point)

# %% solution="create_mask_from_window"
def create_mask_from_window(x):
    """Mark the position of the maximum of a window.

    Arguments:
    x -- array of shape (f, f)

    Returns:
    mask -- boolean array of the same shape as x, True where x has its maximum
    """
    ### BEGIN SOLUTION
    mask = x == np.max(x)
    ### END SOLUTION
    return mask


# %% tests="create_mask_from_window_test" points=1
create_mask_from_window_test(create_mask_from_window)

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(1007)
for _x in [np.array([[7.0]]), _rng.standard_normal((4, 4)), -_rng.random((3, 5)) - 1.0]:
    _mask = np.asarray(create_mask_from_window(_x))
    _ref = np.zeros(_x.shape, dtype=bool)
    _ref[np.unravel_index(np.argmax(_x), _x.shape)] = True
    assert _mask.shape == _x.shape and np.array_equal(_mask, _ref), (
        f"create_mask_from_window of a {_x.shape} window is not True exactly at its maximum"
    )
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 7 — `distribute_value` (1 point)

# %% solution="distribute_value"
def distribute_value(dz, shape):
    """Spread the gradient dz evenly over a window of the given shape.

    Arguments:
    dz -- scalar, the gradient of one output of average pooling
    shape -- (n_H, n_W), the shape of the window

    Returns:
    a -- array of shape (n_H, n_W), every entry equal to dz / (n_H * n_W)
    """
    ### BEGIN SOLUTION
    n_H, n_W = shape
    average = dz / (n_H * n_W)
    a = np.ones(shape) * average
    ### END SOLUTION
    return a


# %% tests="distribute_value_test" points=1
distribute_value_test(distribute_value)

### BEGIN HIDDEN TESTS
for _dz, _shape in [(5.0, (1, 1)), (0.8, (4, 2)), (-3.0, (1, 3)), (0.0, (2, 2))]:
    _a = np.asarray(distribute_value(_dz, _shape))
    _case = f"distribute_value({_dz}, {_shape})"
    assert _a.shape == _shape, f"{_case} has shape {_a.shape}"
    assert np.allclose(_a, _dz / (_shape[0] * _shape[1]), rtol=0, atol=1e-12), (
        f"{_case}: every entry should be dz / (n_H·n_W)"
    )
### END HIDDEN TESTS

# %%
print("mask of [[1, 3], [4, 2]]:\n", create_mask_from_window(np.array([[1.0, 3.0], [4.0, 2.0]])))
print("distribute_value(2, (2, 2)):\n", distribute_value(2.0, (2, 2)))


# %% [markdown]
# ### Exercise 8 — `pool_backward` (2 points)
#
# Implement `pool_backward`: the same four loops as `pool_forward`; for
# every window, add its share of `dA[i, h, w, c]` to `dA_prev` — through the mask in `"max"` mode,
# through `distribute_value(dA[i, h, w, c], (f, f))` in `"average"` mode. With overlapping windows
# ($f > \text{stride}$) an entry can belong to several windows (and be the maximum of several), so
# use `+=`. Writing the whole window index once,
# `window = (i, slice(vert_start, vert_end), slice(horiz_start, horiz_end), c)`, keeps the lines
# short: `A_prev[window]` is the window, `dA_prev[window] += ...` updates it.

# %% solution="pool_backward"
def pool_backward(dA, cache, mode="max"):
    """Backward pass of a pooling layer.

    Arguments:
    dA -- gradient of the cost with respect to the pooling output, shape (m, n_H, n_W, n_C)
    cache -- (A_prev, hparameters), as returned by pool_forward
    mode -- "max" or "average", as in the forward pass

    Returns:
    dA_prev -- gradient with respect to A_prev, array of the shape of A_prev
    """
    ### BEGIN SOLUTION
    if mode not in ("max", "average"):
        raise ValueError(f"mode must be 'max' or 'average', got {mode!r}")
    A_prev, hparameters = cache
    stride = hparameters["stride"]
    f = hparameters["f"]
    m, n_H, n_W, n_C = dA.shape

    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C):
                    window = (i, slice(vert_start, vert_end), slice(horiz_start, horiz_end), c)
                    if mode == "max":
                        mask = create_mask_from_window(A_prev[window])
                        dA_prev[window] += mask * dA[i, h, w, c]
                    else:
                        dA_prev[window] += distribute_value(dA[i, h, w, c], (f, f))
    ### END SOLUTION
    return dA_prev


# %% tests="pool_backward_test" points=2
pool_backward_test(pool_backward)

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(1008)
for _shape, _f, _s in [
    ((1, 4, 4, 1), 4, 4),  # one window
    ((2, 6, 9, 3), 3, 3),  # stride = f
    ((1, 5, 7, 2), 2, 3),  # stride > f: some entries get no gradient
    ((1, 8, 8, 1), 3, 1),  # heavily overlapping windows
]:
    _A = _rng.standard_normal(_shape)
    for _mode, _pool in [("max", tf.nn.max_pool2d), ("average", tf.nn.avg_pool2d)]:
        _a = tf.constant(_A)
        with tf.GradientTape() as _tape:
            _tape.watch(_a)
            _out = _pool(_a, ksize=_f, strides=_s, padding="VALID")
            _dA = _rng.standard_normal(_out.shape)
            _loss = tf.reduce_sum(_out * _dA)
        _ref = _tape.gradient(_loss, _a).numpy()
        _got = pool_backward(_dA, (_A, {"f": _f, "stride": _s}), mode=_mode)
        _case = f"pool_backward on A_prev {_shape}, f={_f}, stride={_s}, mode={_mode!r}"
        assert np.shape(_got) == _ref.shape, f"{_case}: dA_prev has shape {np.shape(_got)}"
        assert np.allclose(_got, _ref, rtol=0, atol=1e-9), (
            f"{_case}: dA_prev differs from tf.GradientTape's"
        )
### END HIDDEN TESTS

# %%
rng = np.random.default_rng(1)
A_prev = rng.standard_normal((5, 5, 3, 2))
hparameters = {"stride": 1, "f": 2}
A, cache_pool = pool_forward(A_prev, hparameters)
dA = rng.standard_normal((5, 4, 2, 2))
dA_prevs = {mode: pool_backward(dA, cache_pool, mode=mode) for mode in ("max", "average")}
print(f"mean of dA = {dA.mean():.4f}")
for mode, dA_prev in dA_prevs.items():
    print(f"mode = {mode!r}: dA_prev[1, 1] =\n{np.round(dA_prev[1, 1], 4)}")

# %% [markdown]
# ## 8. Convolutions over volumes, and in 1-D and 3-D
#
# A filter always spans **all** the channels of its input: on an RGB image a $3 \times 3$ filter is
# really $3 \times 3 \times 3$, and its output is the sum over the channels of three 2-D
# convolutions (plus the bias). Check it with your `conv_forward`: convolving the whole volume
# equals adding up the channel-by-channel convolutions.

# %%
rng = np.random.default_rng(9)
A_rgb = rng.standard_normal((1, 6, 6, 3))
W_vol = rng.standard_normal((3, 3, 3, 2))
b_vol = np.zeros((1, 1, 1, 2))
hp_valid = {"stride": 1, "pad": 0}
Z_vol, _ = conv_forward(A_rgb, W_vol, b_vol, hp_valid)
per_channel = sum(
    conv_forward(A_rgb[..., k : k + 1], W_vol[:, :, k : k + 1, :], b_vol, hp_valid)[0]
    for k in range(3)
)
print("6×6×3 input, two 3×3×3 filters ->", Z_vol.shape[1:])
print("equal to the sum of the per-channel 2-D convolutions:", np.allclose(Z_vol, per_channel))

# %% [markdown]
# The same sliding window works along one axis (a signal: an ECG, audio, a sentence's embeddings) or
# three (a CT scan, a video), and the size formula applies along each axis. The course's examples:
#
# - **1-D:** a $14 \times 1$ signal, 16 filters of size 5 → $10 \times 16$, then 32 filters of size 5
#   → $6 \times 32$;
# - **3-D:** a $14 \times 14 \times 14 \times 1$ volume, 16 filters $5 \times 5 \times 5$ →
#   $10 \times 10 \times 10 \times 16$, then 32 filters → $6 \times 6 \times 6 \times 32$.
#
# A filter has $f^d \cdot n_{C,prev}$ weights and a bias in $d$ dimensions.

# %%
conv1d = keras.Sequential(
    [
        keras.Input((14, 1)),
        keras.layers.Conv1D(16, 5, name="conv1d_16"),
        keras.layers.Conv1D(32, 5, name="conv1d_32"),
    ],
    name="conv1d_stack",
)
conv3d = keras.Sequential(
    [
        keras.Input((14, 14, 14, 1)),
        keras.layers.Conv3D(16, 5, name="conv3d_16"),
        keras.layers.Conv3D(32, 5, name="conv3d_32"),
    ],
    name="conv3d_stack",
)

volumes_match = True
for net in (conv1d, conv3d):
    n, n_C = 14, 1
    print(f"{net.name}: input {net.input_shape}")
    for layer in net.layers:
        d, f = len(layer.kernel_size), layer.kernel_size[0]
        by_hand = (f**d * n_C + 1) * layer.filters  # (f^d·n_C_prev + 1)·n_C
        n, n_C = conv_output_size(n, f, 0, layer.strides[0]), layer.filters
        formula = (None, *[n] * d, n_C)
        keras_shape = tuple(layer.output.shape)
        match = keras_shape == formula and layer.count_params() == by_hand
        volumes_match &= match
        print(f"  {layer.name}: Keras {keras_shape}, formula {formula}, match: {match}")
        print(f"  {'':<{len(layer.name)}}  params: Keras {layer.count_params()}, by hand {by_hand}")


# %% [markdown]
# ## 9. Making it fast: im2col
#
# Your `conv_forward` calls `conv_single_step` once per output number — $m \cdot n_H \cdot n_W \cdot
# n_C$ Python calls. Every one of them is a dot product between a flattened window and a flattened
# filter, so all of them together are **one matrix product**:
#
# 1. pad the input: $(m, n_H + 2p, n_W + 2p, n_{C,prev})$;
# 2. `np.lib.stride_tricks.sliding_window_view(A_pad, (f, f), axis=(1, 2))` gives every $f \times
#    f$ window at stride 1 as a *view* (no copy), of shape
#    $(m, n_H + 2p - f + 1, n_W + 2p - f + 1, n_{C,prev}, f, f)$; keep every `stride`-th window along
#    both axes: $(m, n_H, n_W, n_{C,prev}, f, f)$;
# 3. move the channel axis last, to match `W`'s $(f, f, n_{C,prev})$ order, and reshape into the
#    **im2col matrix** of shape $(m \cdot n_H \cdot n_W,\; f \cdot f \cdot n_{C,prev})$: one row per
#    window (this is the one copy);
# 4. multiply by `W` reshaped to $(f \cdot f \cdot n_{C,prev},\; n_C)$ — one column per filter — add
#    `b`, and reshape back to $(m, n_H, n_W, n_C)$.
#
# The matrix product runs in optimised BLAS code instead of the Python interpreter; that is (with
# many refinements) how frameworks ran convolutions on CPUs and GPUs. The price is memory: every
# input entry is copied into up to $f^2$ rows.

# %%
def conv_forward_im2col(A_prev, W, b, hparameters):
    """conv_forward as one matrix product: same inputs, same (Z, cache) outputs, no Python loop."""
    stride, pad = hparameters["stride"], hparameters["pad"]
    f, _, n_C_prev, n_C = W.shape
    A_prev_pad = zero_pad(A_prev, pad)
    windows = np.lib.stride_tricks.sliding_window_view(A_prev_pad, (f, f), axis=(1, 2))
    windows = windows[:, ::stride, ::stride]  # (m, n_H, n_W, n_C_prev, f, f), still a view
    m, n_H, n_W = windows.shape[:3]
    columns = windows.transpose(0, 1, 2, 4, 5, 3).reshape(m * n_H * n_W, f * f * n_C_prev)
    Z = columns @ W.reshape(f * f * n_C_prev, n_C) + b.reshape(1, n_C)
    return Z.reshape(m, n_H, n_W, n_C), (A_prev, W, b, hparameters)


# First: the same numbers as the loops, on assorted shapes, strides and paddings.
rng = np.random.default_rng(10)
agree = True
for shape, f, n_C, s, p in [
    ((2, 5, 7, 4), 3, 8, 2, 1),
    ((1, 6, 9, 3), 2, 2, 1, 0),
    ((3, 8, 6, 2), 3, 4, 3, 2),
]:
    A_try = rng.standard_normal(shape)
    W_try = rng.standard_normal((f, f, shape[-1], n_C))
    b_try = rng.standard_normal((1, 1, 1, n_C))
    Z_loops, _ = conv_forward(A_try, W_try, b_try, {"stride": s, "pad": p})
    Z_im2col, _ = conv_forward_im2col(A_try, W_try, b_try, {"stride": s, "pad": p})
    agree &= Z_loops.shape == Z_im2col.shape and np.abs(Z_loops - Z_im2col).max() < 1e-10
print("im2col == loops on 3 cases (max |difference| < 1e-10):", agree)


# %% [markdown]
# Now the race, on a batch the size of a small training step: $N = 100$ images of
# $31 \times 31 \times 3$, 25 filters $3 \times 3$, stride 2, pad 1 (output $16 \times 16 \times
# 25$). The loops run once (they take seconds); im2col and `tf.nn.conv2d` take the best of seven
# runs, after one warm-up call of TensorFlow. The loops use one core, so NumPy's matrix product gets
# one thread too (`threadpoolctl.threadpool_limits`): a like-for-like comparison, and a stable one —
# on a busy 2-core machine, waking a second BLAS thread can cost more than this small product.
# TensorFlow keeps its 2 threads.

# %%
def best_time(run, repeats):
    """The fastest of `repeats` runs of run() (seconds, time.perf_counter) and run()'s result."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def format_time(seconds):
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


rng = np.random.default_rng(11)
A_big = rng.standard_normal((100, 31, 31, 3))
W_big = rng.standard_normal((3, 3, 3, 25))
b_big = rng.standard_normal((1, 1, 1, 25))
hp_big = {"stride": 2, "pad": 1}


def run_tf():
    paddings = [[0, 0], [1, 1], [1, 1], [0, 0]]
    Z = tf.nn.conv2d(tf.constant(A_big), tf.constant(W_big), strides=2, padding=paddings)
    return Z.numpy() + b_big


run_tf()  # warm-up: TensorFlow builds and caches the kernel on its first call
with threadpool_limits(limits=1, user_api="blas"):
    t_loops, (Z_loops, _) = best_time(lambda: conv_forward(A_big, W_big, b_big, hp_big), 1)
    t_im2col, (Z_im2col, _) = best_time(lambda: conv_forward_im2col(A_big, W_big, b_big, hp_big), 7)
t_tf, Z_tf = best_time(run_tf, 7)

print("Z.shape:", Z_loops.shape)
print(
    "loops == im2col        (max |difference| < 1e-10):", np.abs(Z_loops - Z_im2col).max() < 1e-10
)
print("loops == tf.nn.conv2d  (max |difference| < 1e-10):", np.abs(Z_loops - Z_tf).max() < 1e-10)
print()
print(f"{'method':<24}time, speed-up over the loops")
print(f"{'loops (conv_forward)':<24}{format_time(t_loops)}")
print(f"{'im2col (one matmul)':<24}{format_time(t_im2col)}, {t_loops / t_im2col:.0f}× faster")
print(f"{'tf.nn.conv2d':<24}{format_time(t_tf)}, {t_loops / t_tf:.0f}× faster")
print()
print("im2col ≥ 100× faster than the loops:", t_loops / t_im2col >= 100)

# %% [markdown]
# ## 10. On a real photo
#
# Filters are not only learned: a hand-set $3 \times 3$ kernel that subtracts the right column from
# the left one (the Sobel filter) responds to vertical edges, its transpose to horizontal ones. Put
# both in one `W` of shape $(3, 3, 1, 2)$ and run your `conv_forward` ("same" padding, $p = 1$) on
# the cameraman at $64 \times 64$. Watch the border: the zero padding turns the edge of the photo
# into a jump from the sky's brightness to black, so a bright frame appears — one reason some
# layers pad by reflecting the image instead.

# %%
camera = load_image("camera", size=64, gray=True).astype(np.float64)
A_photo = camera[None, :, :, None]  # (1, 64, 64, 1): one example, one channel
sobel = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
W_edges = np.stack([sobel, sobel.T], axis=-1)[:, :, None, :]  # (3, 3, 1, 2)
b_edges = np.zeros((1, 1, 1, 2))

edges, _ = conv_forward(A_photo, W_edges, b_edges, {"stride": 1, "pad": 1})
edges_s2, _ = conv_forward(A_photo, W_edges, b_edges, {"stride": 2, "pad": 1})
magnitude = np.sqrt(edges[0, :, :, 0] ** 2 + edges[0, :, :, 1] ** 2)
print("photo", A_photo.shape, "-> edges", edges.shape, "; with stride 2:", edges_s2.shape)

show_images(
    [camera, edges[0, :, :, 0], edges[0, :, :, 1], magnitude],
    titles=[
        "cameraman 64×64",
        "vertical edges (Sobel x)",
        "horizontal edges (Sobel y)",
        "edge strength",
    ],
    size=2.6,
)

# %% [markdown]
# Pooling the edge strength with $4 \times 4$ windows at stride 4 shrinks $64 \times 64$ to
# $16 \times 16$. **Max pooling** reports a window at full strength as soon as one of its 16 pixels
# is on an edge — "is there an edge somewhere here?" — so the outline of the coat and the tripod
# survives, thicker. **Average pooling** mixes a thin edge with the flat pixels around it, so the
# same windows come out weaker (each panel below is scaled to its own maximum; the numbers printed
# compare them).

# %%
pooled = {
    mode: pool_forward(magnitude[None, :, :, None], {"f": 4, "stride": 4}, mode=mode)[0][0, :, :, 0]
    for mode in ("max", "average")
}
print("edge strength", magnitude.shape, "-> pooled", pooled["max"].shape)
for mode, image in pooled.items():
    print(f"{mode:>7} pooling: mean {image.mean():.3f}, max {image.max():.3f}")
show_images(
    [magnitude, pooled["max"], pooled["average"]],
    titles=["edge strength 64×64", "max pool 4×4, stride 4", "average pool 4×4, stride 4"],
    size=2.6,
)

# %% [markdown]
# ## Summary
#
# You built a convolutional layer and a pooling layer from scratch, forward and backward:
#
# - **sizes:** $n_{out} = \lfloor (n + 2p - f)/s \rfloor + 1$ reproduced Keras' shapes layer by
#   layer ($39 \times 39 \times 3 \to 37 \times 37 \times 10 \to 17 \times 17 \times 20 \to 7 \times
#   7 \times 40 \to 1960$, and the 1-D and 3-D stacks), and $(f \cdot f \cdot n_{C,prev} + 1)\,n_C$
#   the parameter counts (280 for ten $3 \times 3 \times 3$ filters);
# - **forward:** `zero_pad`, `conv_single_step`, `conv_forward` and `pool_forward` equal
#   `tf.nn.conv2d`, `tf.nn.max_pool2d` and `tf.nn.avg_pool2d`;
# - **backward:** `conv_backward` and `pool_backward` equal `tf.GradientTape`'s gradients, and the
#   finite-difference check agreed with a relative error far below $10^{-7}$;
# - **speed:** the im2col rewrite — one matrix product — computed the same numbers hundreds of times
#   faster than the loops, in the same league as `tf.nn.conv2d` (the measurements of this run are
#   below).
#
# Next: stacking these layers into a network and letting Keras learn the filters.

# %%
print("sizes and parameters, formula == Keras (2-D, 1-D, 3-D):", shapes_match and volumes_match)
print("finite differences agree with conv_backward (rel. error < 1e-7):", gradients_ok)
print(f"N=100, 31×31×3, 25 filters 3×3, stride 2, pad 1 -> output {Z_loops.shape}:")
print(f"  loops        {format_time(t_loops)}")
print(f"  im2col       {format_time(t_im2col)}, {t_loops / t_im2col:.0f}× faster than the loops")
print(f"  tf.nn.conv2d {format_time(t_tf)}, {t_loops / t_tf:.0f}× faster than the loops")
