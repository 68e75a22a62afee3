# %% [markdown]
# # 08 · Neural style transfer: what ConvNets learn, and art from their features
#
# > What a ConvNet's layers respond to, and new images painted from its content and style features.
#
# **Runtime**: CPU, about 45 s on 2 cores (measured, offline); no GPU needed.
#
# A trained ConvNet's layers respond to edges and colours first, then to textures, then to parts of
# objects. Gatys, Ecker and Bethge (2015) turned this into a way of painting: keep the *content* of
# one photo (the deep activations, position by position) and borrow the *style* of another (the
# correlations between channels, wherever they occur), and let gradient descent change the pixels of
# a generated image $G$ until it has both:
#
# $$ J(G) = \alpha \, J_{content}(C, G) + \beta \, J_{style}(S, G). $$
#
# **What you will build**
# - A look inside VGG19: first-layer filters, feature maps at several depths, and the image patches that excite single units, with their receptive fields computed.
# - The same for a small ConvNet trained offline on patches of the bundled photos: learned first-layer filters next to random ones, and what units at two depths respond to.
# - `compute_content_cost`, `gram_matrix`, `compute_layer_style_cost`, `compute_style_cost` and `total_cost` (graded).
# - `train_step`: one Adam step on the pixels of a `tf.Variable`, clipped to [0, 1] (graded), and a generated image shown as it evolves, with its cost curves.
# - The knobs measured: content layer, style-layer weights and α/β, each as a row of images.
# - A comparison of the feature extractors that work offline, and the result saved as a PNG.
#
# **Data**: content and style images are photos bundled with scikit-image and
# scikit-learn (`utils.images`). The network is `keras.applications.VGG19(include_top=False)`: with
# its ImageNet weights when they can be had, and offline with random weights from a fixed seed
# (Keras's default initialisation, made in a second); section 5 compares it with the other offline
# candidate (random kernels rescaled on the photos, `weights/vgg19_scaled_random.npz`, 47 kB) and
# says why. Section 2 also uses a small ConvNet trained offline on patches of those photos
# (`weights/patch_features_photos.weights.h5`, 1 MB, made by `scripts/train_patch_features.py`).

# %%
import functools
import os
import time
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from utils.feature_maps import (
    conv_pool_chain,
    draw_windows,
    filter_grid,
    orientation_selectivity,
    receptive_fields,
    top_patches,
    top_windows,
)
from utils.patch_features import (
    PHOTOS,
    conv_features,
    count_correct,
    load_patch_network,
    patch_network,
    sample_patches,
    task_photos,
)
from utils.plotting import show_images
from utils.public_tests.style import (
    compute_content_cost_test,
    compute_layer_style_cost_test,
    compute_style_cost_test,
    gram_matrix_test,
    total_cost_test,
    train_step_test,
)
from utils.style import (
    calibration_photos,
    feature_extractor,
    load_pair,
    load_vgg19,
    painted_style,
    prepare_image,
    save_png,
)

# Progress bars in JupyterLab/Colab; none when the tests execute the notebook (stored outputs).
INTERACTIVE = "PYTEST_CURRENT_TEST" not in os.environ
NOTEBOOK_START = time.perf_counter()

# %% [markdown]
# ## 1. The feature extractor: VGG19
#
# VGG19 (Simonyan and Zisserman, 2014) is 16 convolutions of 3×3 (`same` padding, ReLU) in five
# blocks separated by 2×2 max-pooling; `include_top=False` drops its classifier. Style transfer
# never trains it: it only reads its activations, and the gradient flows through it to the pixels.
#
# `load_vgg19("auto")` asks the assets resolver for the ImageNet weights — the file
# `keras.applications.VGG19` downloads, checked against the MD5 that Keras itself pins for it — and
# otherwise uses the offline substitute (section 5 compares the candidates).
# `feature_extractor(vgg, names)` returns a model from [0, 1] RGB images to the outputs of the named
# layers (it does VGG's preprocessing inside), and refuses a name the network does not have:

# %%
vgg, VGG_SOURCE = load_vgg19("auto")
vgg.trainable = False
conv_layers = [layer.name for layer in vgg.layers if "conv" in layer.name]
print(f"{len(conv_layers)} convolutions, {vgg.count_params():,} parameters")
try:
    feature_extractor(vgg, ["block1_conv1", "block6_conv1"])
except ValueError as err:
    print("ValueError:", str(err)[:150], "…")

# %% [markdown]
# ## 2. What are deep ConvNets learning?
#
# Zeiler and Fergus (2013) looked for the image patches that make one unit fire hardest: in an
# ImageNet network the first layer's units see edges and colour blobs, the middle ones textures, the
# deep ones dog faces or wheels. A unit of a deeper layer sees a bigger patch, its **receptive
# field**: with kernel $k$ and stride $s$, from $r_0 = j_0 = 1$,
#
# $$ r_l = r_{l-1} + (k_l - 1)\, j_{l-1}, \qquad j_l = j_{l-1}\, s_l, $$
#
# where $j$ (the *jump*) is the distance in input pixels between neighbouring units. Every 3×3
# convolution adds $2j$ pixels; every 2×2 pooling doubles $j$.

# %%
fields = receptive_fields(conv_pool_chain(vgg))
for name in [
    "block1_conv1",
    "block1_conv2",
    "block2_conv1",
    "block3_conv1",
    "block4_conv1",
    "block4_conv2",
    "block5_conv1",
    "block5_conv4",
]:
    field, jump = fields[name]
    print(f"{name:>13}: receptive field {field:>3}×{field:<3} pixels, jump {jump:>2}")

# %% [markdown]
# **First-layer filters.** Each of the 64 filters of `block1_conv1` is a 3×3×3 RGB kernel; shown
# with its values stretched to [0, 1]. With the offline weights they are random (no training
# happened), so expect coloured noise rather than the oriented edges and colour blobs of an
# ImageNet network.

# %%
kernels = vgg.get_layer("block1_conv1").get_weights()[0]  # (3, 3, 3, 64), BGR input channels
kernels = kernels[:, :, ::-1, :]  # shown as RGB
low, high = kernels.min(axis=(0, 1, 2)), kernels.max(axis=(0, 1, 2))
filters = [(kernels[..., i] - low[i]) / (high[i] - low[i]) for i in range(16)]
show_images(
    filters,
    [f"filter {i}" for i in range(16)],
    ncols=8,
    size=1.1,
    suptitle=f"block1_conv1, 16 of 64 filters ({VGG_SOURCE} weights)",
)

# %% [markdown]
# **Feature maps of one photo at several depths**: for each layer, the channel with the largest mean
# response to the cat. Deeper maps are coarser (each pooling halves them) and respond to larger
# structures.

# %%
DEPTHS = ["block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1"]
depth_model = feature_extractor(vgg, DEPTHS)
cat = prepare_image("chelsea", 128)
maps = [m.numpy()[0] for m in depth_model(cat[None])]
shown = [cat] + [m[..., int(np.argmax(m.mean(axis=(0, 1))))] for m in maps]
titles = ["chelsea"] + [
    f"{n} {m.shape[0]}×{m.shape[1]}×{m.shape[2]}" for n, m in zip(DEPTHS, maps, strict=True)
]
show_images(shown, titles, ncols=6, size=1.9)

# %% [markdown]
# **Top-9 patches.** For two units of three layers, the nine windows of the offline photos (each of
# the unit's receptive-field size, around the positions where it fires most) that excite it most.

# %%
photos = calibration_photos(128)  # 7 photos: astronaut, chelsea, coffee, china, flower, ...
PATCH_LAYERS = ["block2_conv1", "block3_conv1", "block4_conv1"]
activations = dict(
    zip(
        PATCH_LAYERS, [a.numpy() for a in feature_extractor(vgg, PATCH_LAYERS)(photos)], strict=True
    )
)
fig, axes = plt.subplots(6, 9, figsize=(9, 6.6))
for row, (name, unit_rank) in enumerate([(n, r) for n in PATCH_LAYERS for r in (0, 1)]):
    acts = activations[name]
    unit = int(np.argsort(acts.max(axis=(0, 1, 2)))[::-1][unit_rank])  # the strongest units
    field, jump = fields[name]
    patches, values = top_patches(acts, photos, unit, field, jump, k=9)
    for col, patch in enumerate(patches):
        axes[row, col].imshow(patch)
        axes[row, col].axis("off")
    axes[row, 0].set_title(f"{name} unit {unit} ({field}×{field} px)", loc="left", fontsize=8)
    print(f"{name} unit {unit:>3}: receptive field {field}×{field}, top activation {values[0]:.1f}")
fig.tight_layout()
plt.show()


# %% [markdown]
# The shallow units pick small colour or contrast patterns, the deeper ones larger, textured
# regions. With ImageNet weights the deeper units become object-part detectors; random offline
# features stay detectors of colour, contrast and texture — which is what the *style* cost needs,
# and why random features already transfer style (section 5).


# %% [markdown]
# ### Features learned offline: a small ConvNet trained on patches of the photos
#
# To *see* what training puts into a ConvNet, without ImageNet, the course ships a small network
# trained on the photos that come with scikit-image, scikit-learn and matplotlib
# (`utils.patch_features`, trained by `python -m scripts.train_patch_features` in a few minutes
# on 2 CPU cores; `weights/patch_features_photos.weights.h5`, 1 MB, checked against its SHA-256).
# Its task costs no labelling: from a 32×32 patch, tell **which of 12 photos** it was cut from.
# Half of its training patches were turned grey, so colour alone cannot answer: it also had to
# learn the photos' textures and edges. The photos are split into a checkerboard of 64-pixel
# blocks, and one block in four was never trained on: that is where it is tested.
#
# The network: `conv1` 7×7×3×32, then 2×2 max-pooling and 3×3 convolutions with 64, 128 and 128
# filters (`conv2` to `conv4`, each after a pooling), global average pooling and a softmax over the
# 12 photos — the same receptive-field arithmetic as VGG's:

# %%
patch_net = load_patch_network()
task = task_photos()  # the 12 photos, short side 128 px
X_held, Y_held = sample_patches(task, 3000, "held-out", seed=10_000)
hits = count_correct(patch_net, X_held, Y_held)
print(f"patch network: {patch_net.count_params():,} parameters, trained on {len(PHOTOS)} photos")
accuracy, chance = f"{100 * hits / 3000:.1f}% ({hits}/3000)", f"{100 / len(PHOTOS):.1f}%"
print(f"which photo, on 3,000 patches of held-out blocks: {accuracy} (chance: {chance})")
patch_fields = receptive_fields(conv_pool_chain(patch_net))
for name in ("conv1", "conv2", "conv3", "conv4"):
    field, jump = patch_fields[name]
    print(f"{name}: receptive field {field:>2}×{field:<2} pixels, jump {jump}")

# %% [markdown]
# **First-layer filters, trained and random.** On the left the 32 filters of `conv1` after
# training, on the right the same filters as they started (Keras's Glorot-uniform initialisation,
# the same seed); each is scaled on its own, with zero shown grey.
#
# A measure of what the eye sees: a linear filter $k$ answers a sinusoidal grating of wave vector
# $\omega$ with amplitude $|\hat k(\omega)| = |\sum_{y,x} k(y,x)\, e^{-i(\omega_y y + \omega_x x)}|$.
# With $A(\theta)$ the strongest answer over a few frequencies at orientation $\theta$, the
# **orientation selectivity index** (as in studies of the visual cortex)
#
# $$ \mathrm{OSI} = \frac{\left|\sum_\theta A(\theta)\, e^{2i\theta}\right|}{\sum_\theta A(\theta)} $$
#
# is 0 for a filter that answers all orientations alike (a blob of colour) and 1 for one that
# answers a single orientation; random 7×7 noise scores about 0.1, a 7×7 Gabor edge detector
# about 0.55 (tests/test_feature_maps.py).

# %%
trained_kernels = patch_net.get_layer("conv1").get_weights()[0]  # (7, 7, 3, 32), RGB
initial_kernels = patch_network().get_layer("conv1").get_weights()[0]  # the same seed, untrained
fig, axes = plt.subplots(1, 2, figsize=(9, 2.6))
for ax, kernels, title in [
    (axes[0], trained_kernels, "conv1 trained on the photo patches"),
    (axes[1], initial_kernels, "conv1 at initialisation (random)"),
]:
    ax.imshow(filter_grid(kernels, ncols=8), interpolation="nearest")
    osi = orientation_selectivity(kernels)
    ax.set_title(f"{title}\nmedian OSI {np.median(osi):.2f}", fontsize=9)
    ax.axis("off")
    print(
        f"{title}: orientation selectivity median {np.median(osi):.2f}, "
        f"{int((osi > 0.3).sum())} of 32 filters above 0.3"
    )
plt.show()

# %% [markdown]
# **What units deeper in it respond to.** The network is convolutional up to its pooling, so it
# runs on whole photos. For two units of `conv2` (receptive field 12×12) and two of `conv4`
# (42×42), the 9 windows of the 12 photos (centre 128×128 crops) that excite each most — the
# Zeiler–Fergus picture — and, on the right, those of them that lie in one photo, drawn on it.

# %%
def centre_crop(photo, size=128):
    """The centre size×size window of an (H, W, 3) photo."""
    top, left = (photo.shape[0] - size) // 2, (photo.shape[1] - size) // 2
    return photo[top : top + size, left : left + size]


crops = np.stack([centre_crop(photo) for photo in task])  # (12, 128, 128, 3)
DEEP_LAYERS = ["conv2", "conv4"]
deep_maps = dict(
    zip(DEEP_LAYERS, [m.numpy() for m in conv_features(patch_net, DEEP_LAYERS)(crops)], strict=True)
)
fig, axes = plt.subplots(4, 10, figsize=(11, 4.8), width_ratios=[1] * 9 + [2.2])
for row, (name, rank) in enumerate([(n, r) for n in DEEP_LAYERS for r in (0, 1)]):
    maps = deep_maps[name]
    unit = int(np.argsort(maps.max(axis=(0, 1, 2)))[::-1][rank])  # the strongest units
    field, jump = patch_fields[name]
    patches, values = top_patches(maps, crops, unit, field, jump, k=9)
    windows, _ = top_windows(maps, unit, field, jump, k=9)  # where they are: (photo, top, left)
    for col, patch in enumerate(patches):
        axes[row, col].imshow(patch)
        axes[row, col].axis("off")
    best = int(np.bincount(windows[:, 0]).argmax())  # the photo that holds most of the 9
    draw_windows(axes[row, 9], crops[best], windows[windows[:, 0] == best], field)
    axes[row, 0].set_title(f"{name} unit {unit} ({field}×{field} px)", loc="left", fontsize=8)
    axes[row, 9].set_title(PHOTOS[best], fontsize=8)
    sources = ", ".join(f"{PHOTOS[i]} {c}" for i, c in enumerate(np.bincount(windows[:, 0])) if c)
    print(f"{name} unit {unit:>3}: top activation {values[0]:.1f}; the 9 patches: {sources}")
fig.tight_layout()
plt.show()

# %% [markdown]
# Trained, the first layer has smooth filters: blobs of one colour, and light-to-dark ramps and
# bars at one orientation — more than twice as orientation-selective (median index) as the
# random filters they started from, which are pixel noise. One layer up, a `conv2` unit answers a
# bright edge or corner against a dark background, at one orientation, wherever it occurs;
# `conv4` units, with fields of 42 pixels, answer larger things — round, shiny objects (coins,
# the astronaut's helmet), the stars of a flag, a collar. It is the progression Zeiler and Fergus
# saw in an ImageNet network, on a small scale: what a unit sees grows with its receptive field,
# and so does the complexity of what it detects. A network trained on 12 photos has not seen
# dogs or wheels, so its deep units stop at textures and simple shapes.

# %% [markdown]


# %% [markdown]
# ## 3. The cost function
#
# ### Content cost
#
# Pick one layer $l$ whose activations $a^{[l]}$ have shape $n_H \times n_W \times n_C$. The content
# cost compares the content image's and the generated image's activations position by position:
#
# $$ J_{content}(C, G) = \frac{1}{4 \, n_H \, n_W \, n_C} \sum_{\text{all entries}} \left(a^{(C)} - a^{(G)}\right)^2 . $$
#
# The extractor returns a list of outputs: the style layers first and the content layer **last**.
#
# ### Exercise 1 — `compute_content_cost` (2 points)
#
# Take the last element of each list, read the shape with `a_G.get_shape().as_list()`, and use
# `tf.reduce_sum`, `tf.square`.

# %% solution="compute_content_cost"
def compute_content_cost(content_output, generated_output):
    """Content cost between the content image and the generated image.

    Arguments:
    content_output -- list of activations of the content image; the last one, a_C, of shape
                      (1, n_H, n_W, n_C), is the content layer's
    generated_output -- the same list for the generated image (last one: a_G)

    Returns:
    J_content -- scalar tensor, 1/(4·n_H·n_W·n_C) · Σ (a_C − a_G)²
    """
    a_C = content_output[-1]
    a_G = generated_output[-1]
    ### BEGIN SOLUTION
    _, n_H, n_W, n_C = a_G.get_shape().as_list()
    J_content = tf.reduce_sum(tf.square(a_C - a_G)) / (4.0 * n_H * n_W * n_C)
    ### END SOLUTION
    return J_content


# %% tests="compute_content_cost_test" points=2
compute_content_cost_test(compute_content_cost)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(7)
_a_C = tf.constant(_rng.standard_normal((1, 3, 5, 4)), tf.float32)
_a_G = tf.constant(_rng.standard_normal((1, 3, 5, 4)), tf.float32)
_expected = np.sum((_a_C.numpy() - _a_G.numpy()) ** 2) / (4 * 3 * 5 * 4)
assert np.isclose(float(compute_content_cost([_a_G, _a_C], [_a_C, _a_G])), _expected, rtol=1e-5), (
    "random (1, 3, 5, 4) activations: J_content differs from Σ(a_C − a_G)² / (4·3·5·4)"
)
assert float(compute_content_cost([_a_C], [_a_C])) == 0.0, "the same activations: J_content = 0"
### END HIDDEN TESTS

# %% [markdown]
# ### Style matrix (Gram matrix)
#
# Unroll a layer's activations into a matrix $A$ of shape $(n_C, n_H n_W)$: row $c$ holds channel
# $c$ at every position. Its Gram matrix $G = A A^\top$, of shape $(n_C, n_C)$, holds in $G_{cc'}$
# how much channels $c$ and $c'$ fire *together* (their dot product over all positions), and on its
# diagonal how active each channel is — wherever in the image that happens. That is the *style*: it
# keeps which textures and colours co-occur and forgets where.
#
# ### Exercise 2 — `gram_matrix` (1 point)

# %% solution="gram_matrix"
def gram_matrix(A):
    """Gram matrix of A.

    Arguments:
    A -- matrix of shape (n_C, n_H * n_W)

    Returns:
    GA -- Gram matrix of A, of shape (n_C, n_C)
    """
    ### BEGIN SOLUTION
    GA = tf.matmul(A, tf.transpose(A))
    ### END SOLUTION
    return GA


# %% tests="gram_matrix_test" points=1
gram_matrix_test(gram_matrix)
### BEGIN HIDDEN TESTS
_A = np.random.default_rng(8).standard_normal((5, 11)).astype(np.float32)
assert np.allclose(gram_matrix(tf.constant(_A)), np.einsum("ik,jk->ij", _A, _A), atol=1e-4), (
    "a random 5×11 matrix A: the Gram matrix differs from A·Aᵀ"
)
### END HIDDEN TESTS

# %% [markdown]
# ### Style cost of one layer
#
# With $G^{(S)}$ and $G^{(G)}$ the Gram matrices of the style image's and the generated image's
# activations at layer $l$:
#
# $$ J^{[l]}_{style}(S, G) = \frac{1}{4 \, n_C^2 \, (n_H n_W)^2} \sum_{i=1}^{n_C} \sum_{j=1}^{n_C} \left(G^{(S)}_{ij} - G^{(G)}_{ij}\right)^2 . $$
#
# ### Exercise 3 — `compute_layer_style_cost` (2 points)
#
# Unroll with `tf.reshape(a, [-1, n_C])` (positions × channels) and **then** `tf.transpose` to
# $(n_C, n_H n_W)$: reshaping straight to `[n_C, -1]` mixes channels and positions.

# %% solution="compute_layer_style_cost"
def compute_layer_style_cost(a_S, a_G):
    """Style cost of one layer.

    Arguments:
    a_S -- tensor of shape (1, n_H, n_W, n_C), the style image's activations at the layer
    a_G -- tensor of shape (1, n_H, n_W, n_C), the generated image's activations at the layer

    Returns:
    J_style_layer -- scalar tensor, 1/(4·n_C²·(n_H·n_W)²) · Σ (G_S − G_G)²
    """
    ### BEGIN SOLUTION
    _, n_H, n_W, n_C = a_G.get_shape().as_list()
    a_S = tf.transpose(tf.reshape(a_S, [-1, n_C]))
    a_G = tf.transpose(tf.reshape(a_G, [-1, n_C]))
    GS = gram_matrix(a_S)
    GG = gram_matrix(a_G)
    J_style_layer = tf.reduce_sum(tf.square(GS - GG)) / (4.0 * n_C**2 * (n_H * n_W) ** 2)
    ### END SOLUTION
    return J_style_layer


# %% tests="compute_layer_style_cost_test" points=2
compute_layer_style_cost_test(compute_layer_style_cost)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(9)
_a_S = _rng.standard_normal((1, 4, 3, 5)).astype(np.float32)
_a_G = _rng.standard_normal((1, 4, 3, 5)).astype(np.float32)
_GS = np.einsum("hwc,hwd->cd", _a_S[0], _a_S[0])
_GG = np.einsum("hwc,hwd->cd", _a_G[0], _a_G[0])
_expected = np.sum((_GS - _GG) ** 2) / (4 * 5**2 * (4 * 3) ** 2)
_got = float(compute_layer_style_cost(tf.constant(_a_S), tf.constant(_a_G)))
assert np.isclose(_got, _expected, rtol=1e-4), (
    f"random (1, 4, 3, 5) activations: J = {_got:.6g}, expected {_expected:.6g}"
)
### END HIDDEN TESTS

# %% [markdown]
# ### Style cost over several layers
#
# Shallow layers hold fine textures and colours, deep ones larger patterns; the style cost adds the
# layers' costs with weights $\lambda^{[l]}$:
#
# $$ J_{style}(S, G) = \sum_l \lambda^{[l]} \, J^{[l]}_{style}(S, G) . $$
#
# The course uses the first convolution of each of VGG19's five blocks with equal weights (as
# Gatys et al.):

# %%
STYLE_LAYERS = [
    ("block1_conv1", 0.2),
    ("block2_conv1", 0.2),
    ("block3_conv1", 0.2),
    ("block4_conv1", 0.2),
    ("block5_conv1", 0.2),
]


# %% [markdown]
# ### Exercise 4 — `compute_style_cost` (2 points)
#
# The outputs list the style layers in `STYLE_LAYERS` order, then the content layer: use
# `outputs[:-1]`.

# %% solution="compute_style_cost"
def compute_style_cost(style_image_output, generated_image_output, STYLE_LAYERS=STYLE_LAYERS):
    """Weighted style cost over several layers.

    Arguments:
    style_image_output -- list of the style image's activations: one per style layer, then the
                          content layer's
    generated_image_output -- the same list for the generated image
    STYLE_LAYERS -- list of (layer name, weight λ) pairs, in the order of the outputs

    Returns:
    J_style -- scalar tensor, Σ_l λ_l · J_style^[l]
    """
    J_style = 0
    a_S = style_image_output[:-1]
    a_G = generated_image_output[:-1]
    ### BEGIN SOLUTION
    for (_, weight), a_S_layer, a_G_layer in zip(STYLE_LAYERS, a_S, a_G, strict=True):
        J_style += weight * compute_layer_style_cost(a_S_layer, a_G_layer)
    ### END SOLUTION
    return J_style


# %% tests="compute_style_cost_test" points=2
compute_style_cost_test(compute_style_cost)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(10)
_S = [tf.constant(_rng.standard_normal((1, 4, 4, c)), tf.float32) for c in (2, 3, 2)]
_G = [tf.constant(_rng.standard_normal((1, 4, 4, c)), tf.float32) for c in (2, 3, 2)]
_layers = [("a", 0.5), ("b", 2.0)]
_expected = 0.5 * compute_layer_style_cost(_S[0], _G[0]) + 2.0 * compute_layer_style_cost(
    _S[1], _G[1]
)
assert np.isclose(
    float(compute_style_cost(_S, _G, STYLE_LAYERS=_layers)), float(_expected), rtol=1e-5
), "two style layers weighted 0.5 and 2.0 (the third output is the content's): wrong J_style"
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 5 — `total_cost` (1 point)
#
# $J(G) = \alpha J_{content} + \beta J_{style}$, with the course's defaults α = 10, β = 40.

# %% solution="total_cost"
def total_cost(J_content, J_style, alpha=10, beta=40):
    """Total cost.

    Arguments:
    J_content -- content cost
    J_style -- style cost
    alpha -- weight of the content cost
    beta -- weight of the style cost

    Returns:
    J -- α·J_content + β·J_style
    """
    ### BEGIN SOLUTION
    J = alpha * J_content + beta * J_style
    ### END SOLUTION
    return J


# %% tests="total_cost_test" points=1
total_cost_test(total_cost)
### BEGIN HIDDEN TESTS
assert np.isclose(float(total_cost(tf.constant(3.0), tf.constant(0.5))), 50.0), (
    "tensors 3 and 0.5 with the defaults: 10·3 + 40·0.5 = 50 expected"
)
assert np.isclose(float(total_cost(1.0, 1.0, alpha=0, beta=1)), 1.0), "alpha=0, beta=1: J = J_style"
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Generating art
#
# The settings of the run. A full run on a GPU uses the course's numbers (`IMAGE_SIZE = 400`,
# `STEPS = 2501`, Adam with learning rate 0.01, α = 10, β = 40, content layer `block5_conv4`, with
# ImageNet weights); on two CPU cores the notebook keeps to a small image and a few dozen steps,
# with a larger learning rate so the pixels can move far enough. The content layer is Gatys et
# al.'s `conv4_2` (`block4_conv2`): with random features `block5_conv4`'s activations are tiny and
# keep little of the layout (section 6 compares them).

# %%
IMAGE_SIZE = 128  # full run on a GPU: 400
STEPS = 60  # full run on a GPU: 2501
LEARNING_RATE = 0.03  # full run: 0.01
ALPHA, BETA = 10, 40  # the course's weights
CONTENT_LAYER = "block4_conv2"  # Gatys et al.'s conv4_2; the DLS assignment: block5_conv4
CONTENT_NAME, STYLE_NAME = "chelsea", "immunohistochemistry"

content_image, style_image = load_pair(CONTENT_NAME, STYLE_NAME, IMAGE_SIZE)
vgg_model_outputs = feature_extractor(vgg, [name for name, _ in STYLE_LAYERS] + [CONTENT_LAYER])
a_C = vgg_model_outputs(content_image[None])  # the targets: fixed during the optimisation
a_S = vgg_model_outputs(style_image[None])
print(f"content {CONTENT_NAME} {content_image.shape}, style {STYLE_NAME} {style_image.shape}")
print(f"{len(a_C)} outputs: {[tuple(a.shape[1:]) for a in a_C]}")


# %% [markdown]
# ### Exercise 6 — `train_step` (3 points)
#
# The generated image is a `tf.Variable` of shape (1, H, W, 3), initialised as in the course from
# the content image plus uniform noise in [−0.25, 0.25], clipped to [0, 1]. One step: compute the
# outputs `a_G = vgg_model_outputs(generated_image)` inside a `tf.GradientTape`, the style and
# content costs against the fixed targets `a_S` and `a_C`, `J = total_cost(J_content, J_style,
# alpha=ALPHA, beta=BETA)`; then take the gradient of `J` with respect to `generated_image`, apply it
# with `optimizer.apply_gradients([(grad, generated_image)])`, and keep the pixels valid with
# `generated_image.assign(clip_0_1(generated_image))`. Return `J`.

# %%
def clip_0_1(image):
    """Clip the pixel values of an image tensor to [0, 1]."""
    return tf.clip_by_value(image, clip_value_min=0.0, clip_value_max=1.0)


noise = tf.random.uniform(content_image[None].shape, -0.25, 0.25, seed=0)
generated_image = tf.Variable(clip_0_1(content_image[None] + noise))
optimizer = keras.optimizers.Adam(learning_rate=LEARNING_RATE)


# %% solution="train_step"
@tf.function()
def train_step(generated_image):
    """One Adam step on the pixels of the generated image.

    Arguments:
    generated_image -- tf.Variable of shape (1, n_H, n_W, 3), values in [0, 1]; updated in place

    Uses the globals vgg_model_outputs, a_S, a_C, optimizer, ALPHA and BETA.

    Returns:
    J -- the total cost of the image before the step
    """
    ### BEGIN SOLUTION
    with tf.GradientTape() as tape:
        a_G = vgg_model_outputs(generated_image)
        J_style = compute_style_cost(a_S, a_G)
        J_content = compute_content_cost(a_C, a_G)
        J = total_cost(J_content, J_style, alpha=ALPHA, beta=BETA)
    grad = tape.gradient(J, generated_image)
    optimizer.apply_gradients([(grad, generated_image)])
    generated_image.assign(clip_0_1(generated_image))
    ### END SOLUTION
    return J


# %% tests="train_step_test" points=3
train_step_test(train_step, generated_image, learning_rate=LEARNING_RATE)
### BEGIN HIDDEN TESTS
_before = generated_image.numpy()
_J = train_step(generated_image)
assert np.shape(_J) == () and np.isfinite(float(_J)), "train_step must return J, a finite scalar"
assert 0.0 <= generated_image.numpy().min() and generated_image.numpy().max() <= 1.0, (
    "after a third step the image must still be in [0, 1]"
)
assert np.abs(generated_image.numpy() - _before).max() <= 1.5 * LEARNING_RATE, (
    "one Adam step moves a pixel by at most about the learning rate"
)
### END HIDDEN TESTS

# %% [markdown]
# ### The run
#
# `stylize` runs your `train_step` from a given start: it points the globals that `train_step`
# reads (the extractor, the targets, a fresh optimizer, α, β, and the style weights through
# `compute_style_cost`'s default) at the run's settings and traces the step afresh
# (`train_step.python_function`). It records $J$ every step, $J_{content}$ and $J_{style}$ every
# few steps, and keeps snapshots of the image. The main run starts from the content image itself
# (no noise): with a few dozen steps, noise would not have time to go away.

# %%
def costs_of(image, outputs_model, targets_C, targets_S, style_layers):
    """(J_content, J_style) of an image, with the learner's cost functions."""
    a_G = outputs_model(image)
    J_style = compute_style_cost(targets_S, a_G, STYLE_LAYERS=style_layers)
    return float(compute_content_cost(targets_C, a_G)), float(J_style)


def stylize(
    content,
    style,
    *,
    steps,
    model=None,
    content_layer=None,
    style_layers=None,
    alpha=None,
    beta=None,
    learning_rate=None,
    snapshots=(),
    record_every=5,
    label="",
):
    """Run train_step `steps` times from `content`; returns (image, history, snapshots)."""
    global vgg_model_outputs, a_C, a_S, optimizer, ALPHA, BETA, compute_style_cost
    saved = (vgg_model_outputs, a_C, a_S, optimizer, ALPHA, BETA, compute_style_cost)
    style_layers = STYLE_LAYERS if style_layers is None else style_layers
    names = [name for name, _ in style_layers] + [content_layer or CONTENT_LAYER]
    vgg_model_outputs = feature_extractor(model or vgg, names)
    a_C, a_S = vgg_model_outputs(content[None]), vgg_model_outputs(style[None])
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate or LEARNING_RATE)
    ALPHA = ALPHA if alpha is None else alpha
    BETA = BETA if beta is None else beta
    compute_style_cost = functools.partial(saved[-1], STYLE_LAYERS=style_layers)
    try:
        step = tf.function(getattr(train_step, "python_function", train_step))
        image = tf.Variable(content[None])
        history = {"step": [], "J_content": [], "J_style": [], "J": []}
        kept, start = {}, time.perf_counter()
        for i in tqdm(range(steps + 1), desc=label or "stylize", disable=not INTERACTIVE):
            if i % record_every == 0 or i == steps:
                J_content, J_style = costs_of(image, vgg_model_outputs, a_C, a_S, style_layers)
                history["step"].append(i)
                history["J_content"].append(J_content)
                history["J_style"].append(J_style)
                history["J"].append(ALPHA * J_content + BETA * J_style)
            if i in snapshots:
                kept[i] = image.numpy()[0]
            if i < steps:
                step(image)
        seconds = time.perf_counter() - start
    finally:
        vgg_model_outputs, a_C, a_S, optimizer, ALPHA, BETA, compute_style_cost = saved
    history["seconds_per_step"] = seconds / max(steps, 1)
    return image.numpy()[0], history, kept


def describe(history, label):
    """One line: the costs before and after a run, and its time per step."""
    print(
        f"{label}: J {history['J'][0]:.4g} → {history['J'][-1]:.4g}, J_content "
        f"{history['J_content'][0]:.4g} → {history['J_content'][-1]:.4g}, J_style "
        f"{history['J_style'][0]:.4g} → {history['J_style'][-1]:.4g}; "
        f"{1000 * history['seconds_per_step']:.0f} ms per step"
    )


# %%
# tolerance: ±6%
SNAPSHOTS = (0, STEPS // 4, STEPS // 2, STEPS)
result, history, snaps = stylize(
    content_image, style_image, steps=STEPS, snapshots=SNAPSHOTS, label="main run"
)
describe(history, f"{CONTENT_NAME} in the style of {STYLE_NAME}")
panels = [content_image, style_image] + [snaps[i] for i in SNAPSHOTS[1:]]
titles = [f"content: {CONTENT_NAME}", f"style: {STYLE_NAME}"] + [f"step {i}" for i in SNAPSHOTS[1:]]
show_images(panels, titles, ncols=5, size=2.4)

# %%
fig, axes = plt.subplots(1, 3, figsize=(11, 2.8))
for ax, key, label in zip(
    axes,
    ["J_content", "J_style", "J"],
    ["J_content", "J_style", "J = α·J_content + β·J_style"],
    strict=True,
):
    ax.plot(history["step"], history[key], marker=".")
    ax.set_title(label)
    ax.set_xlabel("step")
    ax.grid(alpha=0.3)
axes[1].set_yscale("log")
fig.tight_layout()
plt.show()

# %% [markdown]
# $J_{content}$ starts at 0 (the image *is* the content) and rises as the style moves in; $J_{style}$
# falls by orders of magnitude; their weighted sum $J$ falls.
#
# ### Saving the result
#
# `save_png` writes under `output/` next to the notebook (git-ignored), creates the folder, replaces
# an earlier result of the same name, and refuses a file name that is one of the input photos or an
# input path:

# %%
OUTPUT = Path("output")
path = save_png(result, f"{CONTENT_NAME}_in_the_style_of_{STYLE_NAME}.png", OUTPUT)
print(f"saved {path.as_posix()} ({path.stat().st_size > 0 and 'non-empty'})")
try:
    save_png(result, f"{CONTENT_NAME}.png", OUTPUT)
except ValueError as err:
    print("ValueError:", err)

# %% [markdown]
# ## 5. Which features offline?
#
# The real thing is VGG19 with its ImageNet weights (80 MB), which cannot ship with the course and
# cannot be trained on two CPU cores (ImageNet training took weeks on GPUs; even a short training of
# VGG19's 20M parameters on the few bundled photos would take hours here and mostly overfit). What
# *can* be had offline, within seconds:
#
# - **Keras's default random initialisation** (`"random"`: Glorot-uniform kernels, zero biases,
#   from a fixed seed). Random features are known to capture texture statistics (Ustyuzhaninov et
#   al., 2017). With this initialisation the activations shrink layer after layer, so the shallow
#   layers (colours, fine texture) dominate the style cost.
# - **Random kernels scaled on the photos** (`"scaled_random"`): He-normal kernels from a NumPy
#   seed, each channel then rescaled and shifted so that its pre-activation has mean 0 and variance 1
#   on the offline photos (a data-dependent initialisation, as LSUV): every layer counts as much and
#   half of each layer's units fire on real images. Only its 2 × 5,504 scales and biases are stored
#   (`scripts/make_style_features.py`, 47 kB).
#
# Both on the same pair, with the same number of steps. Their costs have different scales, so the
# scaled network's β is multiplied by the ratio of the two networks' $J_{style}$ between the content
# and the style image (the same balance of style against content at the start):

# %%
# tolerance: ±6%
COMPARE_SIZE, COMPARE_STEPS = 96, 40
small_content, small_style = load_pair(CONTENT_NAME, STYLE_NAME, COMPARE_SIZE)
scaled_vgg, _ = load_vgg19("scaled_random")
names = [name for name, _ in STYLE_LAYERS] + [CONTENT_LAYER]
compared = {}
for label, model in [("random (default)", vgg), ("scaled_random", scaled_vgg)]:
    extractor = feature_extractor(model, names)
    _, J_style_CS = costs_of(
        small_content[None],
        extractor,
        extractor(small_content[None]),
        extractor(small_style[None]),
        STYLE_LAYERS,
    )
    compared[label] = (model, J_style_CS)
reference = compared["random (default)"][1]
row, row_titles = [small_content, small_style], ["content", "style"]
for label, (model, J_style_CS) in compared.items():
    beta = BETA * reference / J_style_CS
    image, hist, _ = stylize(
        small_content, small_style, steps=COMPARE_STEPS, model=model, beta=beta, label=label
    )
    describe(hist, f"{label:>18} (β = {beta:.3g})")
    row.append(image)
    row_titles.append(label)
show_images(row, row_titles, ncols=4, size=2.4)

# %% [markdown]
# **Verdict: Keras's default initialisation is the offline default.** On this pair it gives the
# sharper image that keeps the cat and takes on the stain's browns, whites and violets, and its
# style cost falls about 200× in 40 steps. The scaled network treats all five style layers alike,
# and the Gram statistics of random *deep* features are a poor description of a texture: it pulls
# the image towards blotchy, blurred noise, and its style cost falls only about 50× in the same
# steps (its deep-layer-only run in section 6 shows the same noise). Both are far from ImageNet
# features, whose deep units respond to object parts: with network access (the asset
# `vgg19_imagenet_notop`), `load_vgg19("auto")` uses them and the course's settings apply.

# %% [markdown]
# ## 6. The knobs, measured
#
# Each row below changes one setting of the main run and keeps the others (smaller images and fewer
# steps, to stay within the time budget).
#
# **Content layer.** A shallow layer asks the generated image to keep the photo's fine details; a
# deep layer keeps only the coarse layout. With random features the deep layer's activations are
# tiny (see $J_{content}$ in the printout): in a short run the content term then hardly pulls, and
# the two rows differ mostly in how much of the fur's fine structure survives.

# %%
# tolerance: ±6%
KNOB_SIZE, KNOB_STEPS = 64, 20
knob_content, knob_style = load_pair(CONTENT_NAME, STYLE_NAME, KNOB_SIZE)


def knob_row(settings, title):
    """One short run per settings dict; prints the costs and shows the images in a row."""
    images, titles = [knob_content, knob_style], ["content", "style"]
    for label, kwargs in settings.items():
        image, hist, _ = stylize(knob_content, knob_style, steps=KNOB_STEPS, label=label, **kwargs)
        describe(hist, f"{label:>24}")
        images.append(image)
        titles.append(label)
    show_images(images, titles, ncols=len(images), size=2.0, suptitle=title)


knob_row(
    {
        "content block2_conv2": {"content_layer": "block2_conv2"},
        "content block5_conv4": {"content_layer": "block5_conv4"},
    },
    "content layer",
)

# %% [markdown]
# **Style-layer weights.** All weight on the shallow layers (fine texture and colour) vs all on the
# deep ones (larger patterns).

# %%
# tolerance: ±6%
SHALLOW = [
    ("block1_conv1", 0.5),
    ("block2_conv1", 0.5),
    ("block3_conv1", 0.0),
    ("block4_conv1", 0.0),
    ("block5_conv1", 0.0),
]
DEEP = [
    ("block1_conv1", 0.0),
    ("block2_conv1", 0.0),
    ("block3_conv1", 0.0),
    ("block4_conv1", 0.5),
    ("block5_conv1", 0.5),
]
knob_row(
    {
        "style on blocks 1–2": {"style_layers": SHALLOW},
        "style on blocks 4–5": {"style_layers": DEEP},
    },
    "style-layer weights",
)

# %% [markdown]
# **α/β.** The ratio decides who wins; the scale of $J$ itself does not matter, since Adam's steps
# are normalised. With these features $J_{style}$ starts in the hundreds and $J_{content}$ stays
# below 0.01, so β must drop far below the course's 40 before the content term counts. Measured
# here: at β = 0.03 the colours move less and the cat stays cleaner; at β = 0.001 the content term
# wins, but the image starts at its minimum, where its gradient is nearly zero, and Adam's
# normalised steps turn that tiny gradient into pixel noise — one reason the course starts from
# the content image plus noise and runs thousands of small steps.

# %%
# tolerance: ±6%
knob_row(
    {"β = 0.001": {"beta": 0.001}, "β = 0.03": {"beta": 0.03}, "β = 40 (main)": {"beta": 40}},
    "α/β (α = 10)",
)

# %% [markdown]
# ## 7. Any content, any style
#
# `load_pair` takes catalogue names or arrays of any size and channel count — grayscale (H, W) or
# (H, W, 1), RGB, RGBA (composited on white), uint8 or floats — and returns two RGB float images of
# the same size. A style can also be painted: `painted_style` draws brush strokes.

# %%
gray = (np.linspace(0, 255, 60 * 90).reshape(60, 90)).astype(np.uint8)  # (60, 90) uint8
rgba = np.zeros((50, 40, 4), np.float32)
rgba[..., 0], rgba[10:40, 10:30, 3] = 1.0, 1.0  # a red square on a transparent canvas
for name, image in [
    ("grayscale uint8", gray),
    ("RGBA float", rgba),
    ("(H, W, 1)", gray[..., None]),
]:
    a, b = load_pair(image, "hubble_deep_field", 64)
    print(f"{name:>15} {np.shape(image)} + hubble (872, 1000, 3) → {a.shape} {a.dtype}, {b.shape}")
painted = painted_style(IMAGE_SIZE)
show_images([painted, prepare_image(rgba, 64)], ["painted_style()", "RGBA on white"], size=2.2)

# %%
print(f"notebook run time: {time.perf_counter() - NOTEBOOK_START:.0f} s")

# %% [markdown]
# ## Summary
#
# - **Costs** (`compute_content_cost`, `gram_matrix`, `compute_layer_style_cost`,
#   `compute_style_cost`, `total_cost`) checked on hand-made tensors, and **`train_step`**, one Adam
#   step on the pixels of a `tf.Variable`, clipped to [0, 1].
# - **The run** (chelsea in the style of immunohistochemistry, 128×128, 60 steps, Adam 0.03, α = 10,
#   β = 40, content `block4_conv2`, style `block1_conv1`…`block5_conv1` at 0.2): $J$ fell from
#   1.896·10⁴ to about 18, $J_{style}$ from 474 to about 0.45 (about 1,000×), while $J_{content}$ rose
#   from 0 to about 0.007 (the costs after training vary by a few percent from one CPU to another;
#   the cells declare ±6%). Time per step: a few hundred milliseconds on two CPU cores, depending on
#   their load (the run's own line says how long it took here); a GPU runs the course's 2,501 steps
#   at 400 px in minutes.
# - **Offline features**: VGG19 with Keras's default random initialisation from a fixed seed was
#   chosen over random kernels rescaled on the photos (section 5: sharper, more of the style's
#   colours, style cost falling 200× against 50×). No training of VGG19 was tried: its 20M
#   parameters cannot be trained meaningfully on two CPU cores and a handful of photos.
# - **What the layers see**: receptive fields from 3×3 (`block1_conv1`) to 252×252 pixels
#   (`block5_conv4`), and the top-9 patches of units in three blocks.
# - **Learned features, offline**: a small ConvNet trained to tell which of 12 photos a 32×32 patch
#   comes from (74.8% on held-out patches, chance 8.3%) learns smooth colour blobs and oriented
#   first-layer filters (median orientation selectivity 0.21 against 0.09 before training); its
#   `conv2` units answer edges and corners, its `conv4` units larger round objects and textures. Its
#   features gave worse style transfer than the random VGG19, which stays the offline extractor.
# - **Knobs**: content layer, style-layer weights (deep random layers alone give noise), α/β.
# - The result is saved in `output/` (git-ignored); the loader takes grayscale, RGBA and any size.
