# %% [markdown]
# # 01 · Edge detection: the convolution operation
#
# > Build the convolution by hand, find edges in photos with it, then learn an edge detector from data.
#
# **Runtime**: CPU, about 14 s on 2 cores (measured, offline); no GPU needed.
#
# A convolutional network is built from one operation: slide a small grid of numbers (a *filter* or
# *kernel*) over an image and, at every position, take the sum of the element-wise products. This
# notebook builds that operation by hand, uses it to find edges in real photos, checks it against
# TensorFlow and Keras, and ends by *learning* an edge detector from data, which is what every
# convolutional layer does.
#
# **What you will build**
# - `conv2d`: a 2-D valid convolution (cross-correlation) written with loops, checked on the course's worked example.
# - Vertical, horizontal, Sobel and Scharr edge detectors applied to real photos, and `gradient_magnitude`.
# - The same computation with `tf.nn.conv2d` and a Keras `Conv2D` layer whose weights you set by hand.
# - The difference between mathematical convolution and the cross-correlation deep learning uses.
# - `fit_kernel`: gradient descent that learns a 3×3 filter reproducing a Sobel edge map.
#
# **Data**: photos that ship inside scikit-image (`camera`, `chelsea`, `gravel`, ...), loaded by
# `utils.images` — no download, online or offline. No pretrained weights.

# %%
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from scipy import signal

from utils.images import load_image
from utils.plotting import plot_history, show_images, show_matrix
from utils.public_tests.edges import conv2d_test, fit_kernel_test, gradient_magnitude_test


# %% [markdown]
# ## 1. The convolution operation
#
# Take an $n_H \times n_W$ image $I$ and an $f_h \times f_w$ kernel $K$. Place the kernel over the
# top-left corner of the image, multiply the overlapping numbers element by element and add them up:
# that is the first output number. Slide one column to the right and repeat, then one row down, and so
# on, keeping only the positions where the kernel lies entirely inside the image (a *valid* convolution):
#
# $$
# (I \star K)[i, j] \;=\; \sum_{u=0}^{f_h-1} \sum_{v=0}^{f_w-1} I[i+u,\; j+v]\; K[u, v],
# \qquad 0 \le i \le n_H - f_h,\; 0 \le j \le n_W - f_w .
# $$
#
# The output has $(n_H - f_h + 1) \times (n_W - f_w + 1)$ entries: a 6×6 image and a 3×3 kernel give
# 4×4. Deep learning libraries call this *convolution*; mathematicians call it *cross-correlation*
# (section 5 shows the difference).
#
# ### Exercise 1 — `conv2d` (2 points)
#
# Implement the formula with two loops over the output positions `(i, j)`. Each output number is
# `np.sum` of an image window times the kernel. Do not modify the inputs.

# %% solution="conv2d"
def conv2d(image, kernel):
    """Valid 2-D convolution (cross-correlation) of one image with one kernel.

    Arguments:
    image -- (n_H, n_W) array
    kernel -- (f_h, f_w) array

    Returns:
    out -- (n_H - f_h + 1, n_W - f_w + 1) float array:
           out[i, j] = sum(image window at (i, j) * kernel)
    """
    ### BEGIN SOLUTION
    f_h, f_w = kernel.shape
    n_h, n_w = image.shape[0] - f_h + 1, image.shape[1] - f_w + 1
    out = np.zeros((n_h, n_w))
    for i in range(n_h):
        for j in range(n_w):
            out[i, j] = np.sum(image[i : i + f_h, j : j + f_w] * kernel)
    ### END SOLUTION
    return out


# %% tests="conv2d_test" points=2
conv2d_test(conv2d)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(11)
for _shape, _kshape in [((9, 6), (4, 2)), ((3, 3), (3, 3)), ((7, 5), (1, 1))]:
    _image, _kernel = _rng.standard_normal(_shape), _rng.standard_normal(_kshape)
    np.testing.assert_allclose(
        conv2d(_image, _kernel),
        signal.correlate2d(_image, _kernel, mode="valid"),
        atol=1e-9,
        err_msg=f"conv2d of a {_shape} image with a {_kshape} kernel vs signal.correlate2d",
    )
### END HIDDEN TESTS

# %% [markdown]
# ### The course's worked example
#
# The 6×6 image from the lecture, convolved with the *vertical edge detector*
# $\begin{bmatrix}1&0&-1\\1&0&-1\\1&0&-1\end{bmatrix}$. The top-left output is
# $3+1+2 - (1+8+2) = -5$.

# %%
image_6x6 = np.array(
    [
        [3, 0, 1, 2, 7, 4],
        [1, 5, 8, 9, 3, 1],
        [2, 7, 2, 5, 1, 3],
        [0, 1, 3, 1, 7, 8],
        [4, 2, 1, 6, 2, 8],
        [2, 4, 5, 2, 3, 9],
    ]
)
vertical = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])
result = conv2d(image_6x6, vertical)
print(result.astype(int))

fig, axes = plt.subplots(1, 3, figsize=(9, 3), gridspec_kw={"width_ratios": [6, 3, 4]})
show_matrix(image_6x6, "image (6×6)", ax=axes[0])
show_matrix(vertical, "vertical edge kernel (3×3)", ax=axes[1])
show_matrix(result, "image ⋆ kernel (4×4)", fmt="{:.0f}", ax=axes[2])
plt.show()

# %% [markdown]
# ### Why it detects vertical edges
#
# A bright left half (10) next to a dark right half (0) has a vertical edge in the middle. The kernel
# computes *left column − right column*: it is 0 on flat regions and large where the brightness
# changes from left to right. The output shows a bright band (30) where the edge is. It is two
# pixels wide because the image is tiny; on a 1000×1000 image it would be a thin line.
#
# Flip the image (dark to bright) and the band becomes −30: the sign tells the direction of the
# transition. When the direction does not matter, take the absolute value.

# %%
step = np.zeros((6, 6), dtype=int)
step[:, :3] = 10
flipped = step[:, ::-1]
for name, picture in [("bright → dark", step), ("dark → bright", flipped)]:
    print(f"{name}: first row of the output {conv2d(picture, vertical)[0].astype(int)}")
print("absolute value:", np.abs(conv2d(flipped, vertical))[0].astype(int))

fig, axes = plt.subplots(1, 4, figsize=(12, 3), gridspec_kw={"width_ratios": [6, 4, 6, 4]})
show_matrix(step, "bright → dark", ax=axes[0])
show_matrix(conv2d(step, vertical), "output", fmt="{:.0f}", ax=axes[1])
show_matrix(flipped, "dark → bright", ax=axes[2])
show_matrix(conv2d(flipped, vertical), "output", fmt="{:.0f}", ax=axes[3])
plt.show()

# %% [markdown]
# ## 2. Edge detectors on real photos
#
# The transpose of the vertical detector finds horizontal edges (*top − bottom*). Two refinements
# weigh the centre row more, which makes the detector less sensitive to noise:
#
# $$
# \text{vertical} = \begin{bmatrix}1&0&-1\\1&0&-1\\1&0&-1\end{bmatrix},\quad
# \text{Sobel}_x = \begin{bmatrix}1&0&-1\\2&0&-2\\1&0&-1\end{bmatrix},\quad
# \text{Scharr}_x = \begin{bmatrix}3&0&-3\\10&0&-10\\3&0&-3\end{bmatrix},
# $$
#
# and each has a horizontal twin, its transpose. Below they run on the camera-man photo (grayscale,
# values in [0, 1]); red is a positive response, blue a negative one.

# %%
kernels = {
    "vertical": np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype=float),
    "Sobel": np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float),
    "Scharr": np.array([[3, 0, -3], [10, 0, -10], [3, 0, -3]], dtype=float),
}
camera = load_image("camera", size=192, gray=True)
print("camera:", camera.shape, camera.dtype, f"values in [{camera.min():.2f}, {camera.max():.2f}]")

show_images(
    [camera, conv2d(camera, kernels["vertical"]), conv2d(camera, kernels["vertical"].T)],
    ["camera (192×192)", "vertical edges", "horizontal edges"],
    signed=True,
    ncols=3,
)


# %% [markdown]
# ### Exercise 2 — `gradient_magnitude` (1 point)
#
# A kernel like Sobel$_x$ estimates the horizontal derivative $G_x$ of the brightness, its transpose
# the vertical derivative $G_y$. The edge strength, whatever its direction, is the length of the
# gradient vector:
#
# $$ \|\nabla I\| = \sqrt{G_x^2 + G_y^2}, \qquad G_x = I \star K_x, \quad G_y = I \star K_x^{\top}. $$
#
# Use your `conv2d`.

# %% solution="gradient_magnitude"
def gradient_magnitude(image, kernel_x):
    """Edge strength sqrt(Gx² + Gy²) of an image.

    Arguments:
    image -- (n_H, n_W) array
    kernel_x -- (f, f) horizontal-derivative kernel (e.g. Sobel_x); kernel_x.T gives Gy

    Returns:
    magnitude -- (n_H - f + 1, n_W - f + 1) array of non-negative values
    """
    ### BEGIN SOLUTION
    g_x = conv2d(image, kernel_x)
    g_y = conv2d(image, kernel_x.T)
    magnitude = np.sqrt(g_x**2 + g_y**2)
    ### END SOLUTION
    return magnitude


# %% tests="gradient_magnitude_test" points=1
gradient_magnitude_test(gradient_magnitude)
### BEGIN HIDDEN TESTS
_image = np.random.default_rng(12).random((8, 11))
_k = np.array([[3.0, 0, -3], [10, 0, -10], [3, 0, -3]])
_expected = np.hypot(
    signal.correlate2d(_image, _k, mode="valid"), signal.correlate2d(_image, _k.T, mode="valid")
)
np.testing.assert_allclose(
    gradient_magnitude(_image, _k),
    _expected,
    rtol=1e-9,
    err_msg="gradient_magnitude of an 8×11 image with the Scharr kernel vs sqrt(Gx² + Gy²)",
)
### END HIDDEN TESTS

# %% [markdown]
# Sobel and Scharr on two photos, each magnitude scaled to [0, 1] for display (Scharr's weights sum
# to 16 per side against Sobel's 4, so its raw values are 4× larger). Scharr tuned the weights
# (3, 10, 3) to make the derivative estimate more rotation-invariant; on photos the two maps are
# almost the same, as their correlation shows.

# %%
cat = load_image("chelsea", size=(150, 225), gray=True)
panels, titles = [], []
for name, photo in [("camera", camera), ("chelsea", cat)]:
    for kernel_name in ("Sobel", "Scharr"):
        magnitude = gradient_magnitude(photo, kernels[kernel_name])
        panels.append(magnitude / magnitude.max())
        titles.append(f"{name}: {kernel_name} magnitude")
    correlation = np.corrcoef(panels[-2].ravel(), panels[-1].ravel())[0, 1]
    print(f"{name}: correlation of the Sobel and Scharr magnitudes = {correlation:.3f}")
show_images(panels, titles, ncols=4)

# %% [markdown]
# ## 3. The same with TensorFlow and Keras
#
# `tf.nn.conv2d` computes the same sum for batches of multi-channel images. Its arguments carry extra
# axes: the input is `(batch, height, width, channels)` and the kernel is
# `(f_h, f_w, in_channels, out_channels)`. A Keras `Conv2D` layer holds such a kernel as a trainable
# weight; setting it by hand turns the layer into a fixed edge detector. Both must agree with `conv2d`
# up to float32 rounding.

# %%
sobel = kernels["Sobel"]
batch = camera[None, :, :, None]  # (1, 192, 192, 1)

start = time.perf_counter()
by_hand = conv2d(camera, sobel)
hand_time = time.perf_counter() - start

tf_kernel = sobel[:, :, None, None].astype(np.float32)  # (3, 3, 1, 1)
tf.nn.conv2d(batch, tf_kernel, strides=1, padding="VALID")  # warm-up (first call builds the op)
start = time.perf_counter()
by_tf = tf.nn.conv2d(batch, tf_kernel, strides=1, padding="VALID").numpy()[0, :, :, 0]
tf_time = time.perf_counter() - start

layer = keras.layers.Conv2D(filters=2, kernel_size=3, padding="valid", use_bias=False)
layer.build((None, 192, 192, 1))
layer.set_weights([np.stack([sobel, sobel.T], axis=-1)[:, :, None, :]])  # (3, 3, 1, 2)
by_keras = layer(batch).numpy()[0]  # (190, 190, 2): G_x and G_y

print(f"output shapes: conv2d {by_hand.shape}, tf.nn.conv2d {by_tf.shape}, Conv2D {by_keras.shape}")
print("tf.nn.conv2d agrees with conv2d:", np.allclose(by_tf, by_hand, atol=1e-5))
print("Conv2D filter 0 (G_x) agrees:", np.allclose(by_keras[..., 0], by_hand, atol=1e-5))
print(
    "Conv2D filter 1 (G_y) agrees:",
    np.allclose(by_keras[..., 1], conv2d(camera, sobel.T), atol=1e-5),
)
print(f"conv2d by hand: {hand_time * 1e3:.1f} ms, tf.nn.conv2d: {tf_time * 1e3:.2f} ms")

# %% [markdown]
# The loops of `conv2d` run in the Python interpreter, one window at a time; `tf.nn.conv2d` runs
# compiled, vectorised code, hundreds of times faster. Notebook 02 makes the hand-written version fast
# too (im2col).
#
# ## 4. Convolution vs cross-correlation
#
# In mathematics and signal processing, *convolution* flips the kernel before sliding it:
#
# $$ (I * K)[i, j] = \sum_{u,v} I[i+u, j+v]\; K[f_h-1-u,\; f_w-1-v] \;=\; \big(I \star \operatorname{flip}(K)\big)[i, j]. $$
#
# The flip makes convolution associative, $(A * B) * C = A * (B * C)$, which matters in signal
# processing (two filters can be merged into one). Deep learning drops the flip: the kernel is learned,
# so a network that needs the flipped kernel simply learns it. Below, SciPy's `convolve2d` (true
# convolution) and `correlate2d` (cross-correlation) are compared with `conv2d`.

# %%
flipped_kernel = np.flip(vertical)  # rotate by 180°: [[-1, 0, 1], ...]
true_convolution = signal.convolve2d(image_6x6, vertical, mode="valid")
print(
    "convolve2d(I, K) == conv2d(I, flip(K)):",
    np.array_equal(true_convolution, conv2d(image_6x6, flipped_kernel)),
)
print(
    "correlate2d(I, K) == conv2d(I, K):     ",
    np.array_equal(signal.correlate2d(image_6x6, vertical, mode="valid"), result),
)
print("for this kernel, flipping only changes the sign:", np.array_equal(true_convolution, -result))

rng = np.random.default_rng(0)
a, k1, k2 = rng.standard_normal((8, 8)), rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
conv = lambda x, y: signal.convolve2d(x, y, mode="full")  # noqa: E731
corr = lambda x, y: signal.correlate2d(x, y, mode="full")  # noqa: E731
print(
    "convolution is associative:       ", np.allclose(conv(conv(a, k1), k2), conv(a, conv(k1, k2)))
)
print(
    "cross-correlation is associative: ", np.allclose(corr(corr(a, k1), k2), corr(a, corr(k1, k2)))
)


# %% [markdown]
# ## 5. Filters are learned
#
# Sobel and Scharr were designed by hand. A convolutional network instead treats the nine numbers of
# each 3×3 kernel as parameters and learns them by gradient descent. Here is the smallest version of
# that idea: given a photo and its Sobel edge map, can gradient descent find the kernel that produced
# the map? The kernel $W$ minimises the mean squared error
#
# $$ J(W) = \frac{1}{n}\sum_{i,j} \big((I \star W)[i,j] - T[i,j]\big)^2, \qquad T = I \star \text{Sobel}_x . $$
#
# ### Exercise 3 — `fit_kernel` (2 points)
#
# Use TensorFlow so the gradient comes for free: keep the kernel in a `tf.Variable` of shape
# `(f, f, 1, 1)` starting from zeros, compute the prediction with `tf.nn.conv2d` (padding `"VALID"`)
# inside a `tf.GradientTape`, and update it with `keras.optimizers.Adam(learning_rate)`. The kernel
# size follows from the shapes: $f = n_H - n_H^{out} + 1$. Record the loss of every step.

# %% solution="fit_kernel"
def fit_kernel(image, target, steps=300, learning_rate=0.05):
    """Learn the kernel whose valid convolution with `image` reproduces `target`.

    Arguments:
    image -- (n_H, n_W) array
    target -- (n_H - f + 1, n_W - f + 1) array, the edge map to reproduce
    steps -- number of Adam updates
    learning_rate -- Adam's learning rate

    Returns:
    kernel -- (f, f) numpy array, the learned kernel
    losses -- list of `steps` floats: the mean squared error computed at each step
    """
    ### BEGIN SOLUTION
    f = image.shape[0] - target.shape[0] + 1
    x = tf.constant(image[None, :, :, None], dtype=tf.float32)
    y = tf.constant(target[None, :, :, None], dtype=tf.float32)
    kernel = tf.Variable(tf.zeros((f, f, 1, 1)))
    optimizer = keras.optimizers.Adam(learning_rate)
    losses = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((tf.nn.conv2d(x, kernel, strides=1, padding="VALID") - y) ** 2)
        optimizer.apply_gradients([(tape.gradient(loss, kernel), kernel)])
        losses.append(float(loss))
    kernel = kernel.numpy()[:, :, 0, 0]
    ### END SOLUTION
    return kernel, losses


# %% tests="fit_kernel_test" points=2
fit_kernel_test(fit_kernel)
### BEGIN HIDDEN TESTS
_image = np.random.default_rng(13).random((16, 24)).astype(np.float32)
_true = np.array([[0.0, 1.0], [-1.0, 0.5]], dtype=np.float32)
_target = signal.correlate2d(_image, _true, mode="valid").astype(np.float32)
_kernel, _losses = fit_kernel(_image, _target, steps=400, learning_rate=0.05)
assert np.shape(_kernel) == (2, 2), f"a 2×2 target kernel was learned as {np.shape(_kernel)}"
np.testing.assert_allclose(
    _kernel, _true, atol=0.05, err_msg="fit_kernel's 2×2 kernel after 400 steps vs the true one"
)
assert len(_losses) == 400, f"fit_kernel(steps=400) returned {len(_losses)} losses"
assert _losses[-1] < _losses[0], f"the loss did not fall: {_losses[0]} → {_losses[-1]}"
### END HIDDEN TESTS

# %% [markdown]
# Two photos, the same 500 Adam steps. Each is standardised (zero mean, unit variance) so both
# problems have the same scale.

# %%
# tolerance: ±0.005
def standardise(image):
    """(H, W) image rescaled to zero mean and unit standard deviation."""
    return (image - image.mean()) / image.std()


sobel_x = kernels["Sobel"]
fits = {}
for name in ("gravel", "camera"):
    photo = standardise(load_image(name, size=128, gray=True))
    fits[name] = fit_kernel(photo, conv2d(photo, sobel_x), steps=500, learning_rate=0.05)
    kernel, losses = fits[name]
    final = "< 1e-9" if losses[-1] < 1e-9 else f"{losses[-1]:.1e}"
    print(
        f"{name:>6}: loss {losses[0]:.3f} → {final}, "
        f"max |learned − Sobel| = {np.abs(kernel - sobel_x).max():.3f}"
    )
print("learned on gravel, rounded:")
print(np.round(fits["gravel"][0], 2) + 0.0)  # + 0.0 turns -0.0 into 0.0

fig, axes = plt.subplots(1, 3, figsize=(9, 3))
show_matrix(sobel_x, "Sobel_x (target)", ax=axes[0])
show_matrix(fits["gravel"][0], "learned on gravel", fmt="{:.2f}", ax=axes[1])
show_matrix(fits["camera"][0], "learned on camera", fmt="{:.2f}", ax=axes[2])
plt.show()
plot_history(
    {name: losses for name, (_, losses) in fits.items()},
    metrics=("gravel", "camera"),
    xlabel="Adam step",
    title="mean squared error J(W)",
    log=True,
)

# %% [markdown]
# Both fits approach Sobel, but not equally fast. The gravel texture has strong detail at every
# scale and orientation, so every one of the nine kernel weights changes the output visibly and
# gradient descent pins all of them down: the learned kernel is Sobel to two decimals. The camera-man
# photo is mostly smooth, and on smooth regions many kernels give nearly the same output; the
# directions of weight space that the photo hardly excites get small gradients and converge slowly.
# The same holds in a real network: **what a filter learns depends on what the training images
# contain**.
#
# ## Summary
#
# - `conv2d` implements $(I \star K)[i,j] = \sum_{u,v} I[i+u,j+v]K[u,v]$; an $n\times n$ image and an
#   $f\times f$ kernel give $(n-f+1)\times(n-f+1)$ outputs (6×6 → 4×4 in the course example).
# - Vertical/horizontal, Sobel and Scharr kernels find edges; the gradient magnitude combines both directions.
# - `tf.nn.conv2d` and a hand-set Keras `Conv2D` compute the same numbers, far faster.
# - Deep learning's "convolution" is cross-correlation; the true convolution flips the kernel and is associative.
# - Gradient descent recovers Sobel from a photo and its edge map: filters can be learned from data.
#
# At full scale nothing changes but the numbers: a convolutional layer learns dozens of such kernels at
# once, over several input channels, from thousands of images (notebooks 02–04).
