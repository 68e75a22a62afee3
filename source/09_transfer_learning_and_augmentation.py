# %% [markdown]
# # 09 · Transfer learning and data augmentation: getting more from little data
#
# > Getting more from little data: augmentation, test-time tricks and transfer learning from a pretrained network.
#
# **Runtime**: CPU, about 63 s on 2 cores (measured, offline); no GPU needed.
#
# A convolutional network learns from examples, and a new task rarely comes with many. Two ideas
# make up for it. **Data augmentation** manufactures new training images from the ones you have —
# mirrored, cropped, rotated, sheared, recoloured — so the network learns what does *not* change the
# label. **Transfer learning** starts from a network already trained on a large task and re-uses
# what it learned, training only what the new task needs. This notebook builds both, measures what
# they buy on a task with 100 training images, and measures the test-time tricks of the ImageNet
# competitions (ensembles and 10-crop evaluation) with their cost.
#
# **What you will build**
# - Keras augmentation layers (mirroring, random crops, rotation, shear, zoom, colour shifts) shown on real photos.
# - `pca_color_augmentation` (graded): AlexNet's "fancy PCA" colour augmentation.
# - The same small CNN trained on 100 digits with and without augmentation: accuracy on clean and on shifted/rotated test digits.
# - An ensemble of five networks and 10-crop evaluation: their measured gain and measured cost.
# - A pre-trained MobileNetV2 transferred three ways (new softmax, fine-tune the top, fine-tune all), with cached features, against training from scratch — one table.
# - Practical advice, measured: hand-designed features (HOG) against a learned CNN on little data, pretrained weights checked by checksum, and an input pipeline on parallel CPU threads (`tf.data`).
#
# **Data**: real photos and handwritten digits that ship with scikit-image and
# scikit-learn. The pre-trained network is `keras.applications.MobileNetV2` with ImageNet weights when
# they can be had (online, through `utils.assets`); offline it is a compact MobileNetV2 pre-trained on
# the digits 0–4 by `scripts/pretrain_mobilenet.py` (shipped in `weights/`), transferred to the
# digits 5–9.

# %%
import dataclasses
import shutil
import tempfile
import time
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from keras import layers
from skimage.feature import hog
from sklearn.linear_model import LogisticRegression

from utils.assets import registry, resolve, sha256sum
from utils.images import load_image
from utils.plotting import show_images
from utils.public_tests.augmentation import pca_color_augmentation_test
from utils.transfer import (
    PRETRAINED_WEIGHTS,
    PRETRAINING_SHAPE,
    classifier,
    framed_digits,
    mobilenet_v2_small,
    pretraining_digits,
    pretraining_model,
)

# %% [markdown]
# ## 1. Data augmentation: new training images from old ones
#
# A transformation that does not change the label gives a "new" example for free. The course's list:
# **mirroring**, **random cropping**, **rotation**, **shearing**, local warping, and **colour
# shifting**. Each is a Keras preprocessing layer that draws new random parameters every time it is
# called with `training=True` — so the network sees a different version of every image at every
# epoch — and passes images through unchanged at inference time. One exception to remember:
# `RandomCrop` at inference *resizes* the image to the crop size (it does not take the centre), and
# during training it crops a whole batch at the same place.
#
# Below, each row is one layer applied three times to Chelsea the cat (every layer has a `seed`, so
# the draws are the same at every run).

# %%
cat = load_image("chelsea", size=(64, 96))
GEOMETRIC = {
    "mirror": layers.RandomFlip("horizontal", seed=1),
    "random crop": layers.RandomCrop(44, 66, seed=2),
    "rotation ±18°": layers.RandomRotation(0.05, fill_mode="constant", seed=3),
    "shear": layers.RandomShear(x_factor=0.3, y_factor=0.1, fill_mode="constant", seed=4),
    "zoom + shift": keras.Sequential(
        [
            layers.RandomZoom(0.25, fill_mode="constant", seed=5),
            layers.RandomTranslation(0.15, 0.15, fill_mode="constant", seed=6),
        ]
    ),
}


def three_draws(layer, image):
    """``layer`` applied to ``image`` three times in training mode (three random draws)."""
    return [np.clip(np.asarray(layer(image[None], training=True))[0], 0, 1) for _ in range(3)]


grid, titles = [], []
for name, layer in GEOMETRIC.items():
    grid += [cat, *three_draws(layer, cat)]
    titles += [f"{name}: original", "draw 1", "draw 2", "draw 3"]
show_images(grid, titles, ncols=4, size=1.25, suptitle="Geometric augmentations")

# %% [markdown]
# Colour augmentations change the lighting and the camera, not the object: `RandomBrightness`,
# `RandomContrast`, `RandomColorJitter` (brightness, contrast, saturation and hue at once) and the
# course's simplest *colour shift*, a random number added to each of R, G and B (e.g. +20, −20, +20
# on a 0–255 scale). Images here are floats in [0, 1], hence `value_range=(0, 1)`.

# %%
coffee = load_image("coffee", size=(64, 96))
shift_rng = np.random.default_rng(0)


def colour_shift(image):
    """Add one random number in [-0.1, 0.1] to each of the R, G, B channels."""
    return np.clip(image + shift_rng.uniform(-0.1, 0.1, size=3), 0.0, 1.0)


COLOUR = {
    "brightness": layers.RandomBrightness(0.3, value_range=(0, 1), seed=7),
    "contrast": layers.RandomContrast(0.5, value_range=(0, 1), seed=8),
    "colour jitter": layers.RandomColorJitter(
        value_range=(0, 1),
        brightness_factor=0.2,
        contrast_factor=0.3,
        saturation_factor=(0.2, 0.8),
        hue_factor=0.1,
        seed=9,
    ),
}
grid, titles = [], []
for name, layer in COLOUR.items():
    grid += [coffee, *three_draws(layer, coffee)]
    titles += [f"{name}: original", "draw 1", "draw 2", "draw 3"]
grid += [coffee, *(colour_shift(coffee) for _ in range(3))]
titles += ["RGB shift: original", "draw 1", "draw 2", "draw 3"]
show_images(grid, titles, ncols=4, size=1.25, suptitle="Colour augmentations")


# %% [markdown]
# ## 2. PCA colour augmentation ("fancy PCA")
#
# AlexNet (Krizhevsky et al., 2012) shifted colours not at random but along the directions in which
# the colours of natural images actually vary. Treat every pixel of an image as a point
# $x \in \mathbb{R}^3$ (its R, G, B values) and compute their $3 \times 3$ covariance and its
# eigen-decomposition:
#
# $$ C = \frac{1}{N-1}\sum_{n=1}^{N} (x_n - \mu)(x_n - \mu)^T = P \Lambda P^T,
# \qquad P = [p_1\ p_2\ p_3],\quad \Lambda = \mathrm{diag}(\lambda_1, \lambda_2, \lambda_3). $$
#
# The eigenvectors $p_i$ are the principal colour directions (for most photos $p_1$ is close to
# grey, $(1, 1, 1)/\sqrt 3$: brightness), the eigenvalues $\lambda_i$ how much the colours vary along
# them. Each time an image is used, draw $\alpha_i \sim \mathcal{N}(0, \sigma)$ with $\sigma = 0.1$
# (once per image, not per pixel) and add the **same** offset to every pixel:
#
# $$ \tilde x_n = x_n + [p_1\ p_2\ p_3]\,[\alpha_1 \lambda_1,\ \alpha_2 \lambda_2,\ \alpha_3 \lambda_3]^T . $$
#
# The offset moves the image's colours most along the direction in which they already vary most:
# its covariance over many draws is $P\,\mathrm{diag}(\sigma^2\lambda_i^2)\,P^T = \sigma^2 C^2$.
# AlexNet computed $C$ once over all the training pixels; here it is computed per image. A grey
# image has one direction, $(1, 1, 1)/\sqrt 3$, so it can only become brighter or darker.
#
# ### Exercise 1 — `pca_color_augmentation` (3 points)
#
# Reshape the image to its $(n_H n_W, 3)$ pixels, compute $C$ with `np.cov(pixels, rowvar=False)`,
# its eigenvalues and eigenvectors with `np.linalg.eigh` (the columns of the second output are the
# $p_i$), draw the three $\alpha_i$ with `rng.normal(0.0, sigma, size=3)`, add the offset to every
# pixel, clip to $[0, 1]$ and return an array of the input's dtype. Do not modify `image`.

# %% solution="pca_color_augmentation"
def pca_color_augmentation(image, sigma=0.1, rng=None):
    """AlexNet's PCA colour augmentation ("fancy PCA") of one RGB image.

    Arguments:
    image -- (n_H, n_W, 3) float array, values in [0, 1]
    sigma -- standard deviation of the random weights alpha_i ~ N(0, sigma)
    rng -- numpy Generator to draw the alpha_i from; None: a new np.random.default_rng()

    Returns:
    augmented -- (n_H, n_W, 3) array of image's dtype: every pixel plus the same offset
                 sum_i alpha_i * lambda_i * p_i, clipped to [0, 1]
    """
    if rng is None:
        rng = np.random.default_rng()
    ### BEGIN SOLUTION
    pixels = image.reshape(-1, 3).astype(np.float64)
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(pixels, rowvar=False))
    alpha = rng.normal(0.0, sigma, size=3)
    offset = eigenvectors @ (alpha * eigenvalues)
    augmented = np.clip(image + offset, 0.0, 1.0).astype(image.dtype)
    ### END SOLUTION
    return augmented


# %% tests="pca_color_augmentation_test" points=3
pca_color_augmentation_test(pca_color_augmentation)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(11)
_image = _rng.uniform(0.2, 0.8, (5, 7, 3))  # float64 stays float64
_copy = _image.copy()
_out = pca_color_augmentation(_image, 0.3, np.random.default_rng(2))
assert np.array_equal(_image, _copy), "the input image must not be modified in place"
assert _out.dtype == np.float64 and _out.shape == (5, 7, 3), (
    f"a float64 (5, 7, 3) image must come back as float64 (5, 7, 3), got {_out.dtype} {_out.shape}"
)
_delta = _out - _image
assert np.allclose(_delta, _delta[0, 0], atol=1e-12), "the same offset must go to every pixel"
assert np.abs(_delta).max() > 0, "with sigma=0.3 the image must change"
_grey = np.repeat(_rng.uniform(0.2, 0.8, (6, 6, 1)), 3, axis=-1)  # only brightness can change
_delta = pca_color_augmentation(_grey, 1.0, np.random.default_rng(3)) - _grey
assert np.abs(_delta).max() > 1e-3, "a grey image with sigma=1 must get brighter or darker"
assert np.allclose(_delta, _delta[0, 0, 0], atol=1e-9), "a grey image must stay grey"
# Over 400 draws the offsets have the covariance σ²·C², whatever the order and the signs of the
# eigenvectors and however the αᵢ are drawn from the generator.
_x = np.array([[[0.1, 0.2, 0.3], [0.5, 0.5, 0.5]], [[0.9, 0.7, 0.2], [0.3, 0.3, 0.8]]])
_C = np.cov(_x.reshape(-1, 3), rowvar=False)
_draws = np.random.default_rng(4)
_d = np.array([(pca_color_augmentation(_x, 0.2, _draws) - _x)[0, 0] for _ in range(400)])
_error = np.linalg.norm(np.cov(_d, rowvar=False) - 0.04 * _C @ _C) / np.linalg.norm(0.04 * _C @ _C)
assert _error < 0.25, f"the offsets' covariance should be σ²·C²; relative error {_error:.2f}"
### END HIDDEN TESTS

# %% [markdown]
# What the decomposition finds on two photos, and what it does to them (each title gives the offset
# added to R, G and B, in levels out of 255). With AlexNet's $\sigma = 0.1$ the offsets are a few
# levels — a subtle change of illumination, which is the point; the last two columns use
# $\sigma = 2$ to make the directions visible.

# %%
photos = {"chelsea": cat, "coffee": coffee}
rng = np.random.default_rng(0)
grid, titles = [], []
for name, photo in photos.items():
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(photo.reshape(-1, 3), rowvar=False))
    eigenvectors *= np.sign(eigenvectors[np.abs(eigenvectors).argmax(axis=0), range(3)])
    print(f"{name}: principal colour directions p (R, G, B) and eigenvalues λ")
    for value, vector in zip(eigenvalues[::-1], eigenvectors.T[::-1], strict=True):
        print(f"    p = ({vector[0]:+.2f}, {vector[1]:+.2f}, {vector[2]:+.2f})  λ = {value:.5f}")
    grid.append(photo)
    titles.append(f"{name}: original")
    for sigma in (0.1, 0.1, 2.0, 2.0):
        augmented = pca_color_augmentation(photo.copy(), sigma, rng)  # a copy: photo stays intact
        offset = np.median((augmented - photo).reshape(-1, 3), axis=0)  # unclipped pixels
        grid.append(augmented)
        rgb = " ".join(f"{v:+d}" for v in np.round(255 * offset).astype(int))
        titles.append(f"σ={sigma:g}: {rgb}")
show_images(grid, titles, ncols=5, size=1.5, suptitle="PCA colour augmentation")


# %% [markdown]
# ## 3. Does augmentation help? Measured on 100 digits
#
# The small task of this notebook: the handwritten digits **5–9**, **20 training images per digit**
# (100 in all), and every other 5–9 digit of scikit-learn's set (796) held out for testing. As MNIST
# does, each digit is drawn 20×20 in the middle of a black 32×32 frame
# (`utils.transfer.framed_digits`), so a crop or a shift keeps the whole digit. The same 100 images
# serve in section 5.
#
# The classifier is a small CNN (three 3×3 convolutions with 16, 32 and 64 filters, max-pooling,
# global average pooling, softmax) on 28×28 inputs, trained twice on the same 100 images:
#
# - **without augmentation**: the centre 28×28 crop of every 32×32 digit;
# - **with augmentation**: a random 28×28 crop (a shift of up to ±2 pixels) and a rotation of up to
#   ±7°, drawn anew at every step. No mirroring: a mirrored digit is not a digit.
#
# A single training run is noisy, so each condition trains **five networks** from different random
# initialisations, side by side in one Keras model: one input, one output per network, and a loss that
# is the sum of their five losses. No weight is shared, so each network receives exactly the gradient
# it would alone — and Keras builds one graph instead of five. The five see the same batches (and,
# with augmentation, the same transformed images); they differ only in their initial weights. Besides the 796 test digits, the
# networks are tested on a copy of them shifted by up to ±3 pixels and rotated by up to ±14° (drawn
# once), slightly more than the augmentation does: digits as a camera would see them.

# %%
def digits_5_to_9(size, channels):
    """The small task: 20 training digits per class (5–9); every other 5–9 digit for testing."""
    X, Y, X_more, Y_more, _ = framed_digits(size=size, channels=channels, digits=range(5, 10))
    rng = np.random.default_rng(0)
    pick = np.concatenate([rng.choice(np.flatnonzero(Y == k), 20, replace=False) for k in range(5)])
    X_test = np.concatenate([np.delete(X, pick, axis=0), X_more])
    Y_test = np.concatenate([np.delete(Y, pick), Y_more])
    return X[pick], Y[pick], X_test, Y_test


X_small, Y_small, X_test, Y_test = digits_5_to_9(size=32, channels=1)
print(f"training {X_small.shape}, test {X_test.shape}; labels 0–4 stand for the digits 5–9")
print("training images per label:", np.bincount(Y_small).tolist())

move = keras.Sequential(
    [
        layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=10),
        layers.RandomRotation(0.04, fill_mode="constant", seed=11),
    ]
)
X_moved = np.asarray(move(X_test, training=True))
augment = keras.Sequential(
    [layers.RandomCrop(28, 28, seed=1), layers.RandomRotation(0.02, fill_mode="constant", seed=2)],
    name="augment",
)
examples = X_small[::20]
augmented = [np.asarray(augment(x[None], training=True))[0] for x in examples]
show_images(
    [*examples, *augmented, *X_moved[:5]],
    [*(f"digit {5 + y}" for y in Y_small[::20]), *["augmented"] * 5]
    + [f"moved test {5 + y}" for y in Y_test[:5]],
    ncols=5,
    size=1.5,
)

# %%
# tolerance: ±2 points, ±16
STEPS, BATCH = 400, 25  # 100 passes over the 100 images
NETWORKS = 5


def small_cnn(name):
    """3×3 convolutions with 16, 32, 64 filters, global average pooling, softmax over 5."""
    inputs = keras.Input((28, 28, 1))
    X = layers.Conv2D(16, 3, padding="same", activation="relu")(inputs)
    X = layers.MaxPooling2D(2)(X)
    X = layers.Conv2D(32, 3, padding="same", activation="relu")(X)
    X = layers.MaxPooling2D(2)(X)
    X = layers.Conv2D(64, 3, padding="same", activation="relu")(X)
    X = layers.GlobalAveragePooling2D()(X)
    return keras.Model(inputs, layers.Dense(5, activation="softmax")(X), name=name)


def train_networks(preprocess):
    """Train NETWORKS small CNNs side by side on (X_small, Y_small); returns them and the time."""
    keras.utils.set_random_seed(0)
    networks = [small_cnn(f"cnn_{i}") for i in range(NETWORKS)]
    inputs = keras.Input((32, 32, 1))
    X = preprocess(inputs)
    model = keras.Model(inputs, [network(X) for network in networks])
    model.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(3e-3, STEPS)),
        loss=["sparse_categorical_crossentropy"] * NETWORKS,
        jit_compile=False,  # XLA compilation costs more than it saves in a short CPU training
        steps_per_execution=40,  # one call into TensorFlow runs 40 steps: less Python overhead
    )
    # Shuffled batches of 25, reshuffled at every pass; 10 passes make one Keras epoch.
    data = tf.data.Dataset.from_tensor_slices((X_small, (Y_small,) * NETWORKS))
    batches = data.shuffle(len(Y_small), seed=0).batch(BATCH).repeat(10)
    start = time.perf_counter()
    model.fit(batches, epochs=STEPS * BATCH // len(Y_small) // 10, shuffle=False, verbose=0)
    return networks, time.perf_counter() - start


def centre(images, size=28):
    """The centre size×size crop of (m, n_H, n_W, C) images."""
    top, left = (images.shape[1] - size) // 2, (images.shape[2] - size) // 2
    return images[:, top : top + size, left : left + size]


def probabilities(network, images):
    return np.asarray(network(images, training=False))


def correct(probs, labels=Y_test):
    """How many of the predictions (the most probable class) are right."""
    return int((probs.argmax(axis=1) == labels).sum())


def percent(hits, total=None):
    """An accuracy with its counts, e.g. '93.1% (741/796)'; total: len(Y_test) by default."""
    total = total or len(Y_test)
    return f"{100 * hits / total:.1f}% ({hits}/{total})"


def mean_percent(counts, total=None):
    """The mean accuracy of several networks, with the worst and best counts."""
    total = total or len(Y_test)
    return f"{100 * np.mean(counts) / total:.1f}% ({min(counts)}–{max(counts)} of {total})"


plain_networks, plain_seconds = train_networks(layers.CenterCrop(28, 28))
augmented_networks, augmented_seconds = train_networks(augment)
print(f"{'':20}{f'the {len(Y_test)} test digits':>28}{'the same, moved':>28}")
scores = {}
for name, networks in [("no augmentation", plain_networks), ("augmentation", augmented_networks)]:
    for moved, images in [(False, X_test), (True, X_moved)]:
        scores[name, moved] = [correct(probabilities(net, centre(images))) for net in networks]
    print(
        f"{name:<20}{mean_percent(scores[name, False]):>28}{mean_percent(scores[name, True]):>28}"
    )
print(f"(mean accuracy of {NETWORKS} networks; in brackets the worst and best network)")
print(f"training {NETWORKS} networks: {plain_seconds:.1f} s without augmentation, ", end="")
print(f"{augmented_seconds:.1f} s with")


# %% [markdown]
# On the test digits as scanned, augmentation changes little: scikit-learn's digits are centred and
# size-normalised, and shifts and rotations are variations these test digits barely have. On
# the moved copies, the networks trained without augmentation lose much of their accuracy while the
# augmented ones keep most of theirs: augmentation is how you tell a network which changes of the
# input must not change its answer. It helps as far as the augmentations resemble the variations of
# the data the network will meet — hence AlexNet's crops and mirrors for photos, and no mirrors here.
#
# ## 4. Test-time tricks: ensembles and 10-crop evaluation
#
# Competition entries squeeze out the last percent at test time, at a price in computation:
#
# - **Ensembling**: train several networks independently (different random initialisations) and
#   average their output probabilities. Their errors are partly independent, so the average is wrong
#   less often. Cost: $k$ networks to train, store and run.
# - **Multi-crop**: the network was trained on random 28×28 crops of the 32×32 digits; at test time,
#   run it on several crops of each image and average. AlexNet used **10 crops**: the four corners and
#   the centre, and their mirror images. Cost: 10 forward passes per image.
#
# Both are measured here on the five augmented networks of section 3. For digits the mirrored crops
# are not digits the networks were trained on, so the 5 crops without mirrors are measured too.

# %%
# tolerance: ±2 points, ±16
def ten_crops(images, size):
    """The 4 corner crops, the centre crop and their mirror images: (10, m, size, size, C)."""
    n_H, n_W = images.shape[1:3]
    corners = [(0, 0), (0, n_W - size), (n_H - size, 0), (n_H - size, n_W - size)]
    middle = ((n_H - size) // 2, (n_W - size) // 2)
    crops = [images[:, i : i + size, j : j + size] for i, j in [*corners, middle]]
    return np.stack(crops + [crop[:, :, ::-1] for crop in crops])


def timed(function):
    """``function()`` and the seconds it took."""
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


crops = ten_crops(X_test, 28)
print(f"10 crops of the {len(X_test)} test digits: {crops.shape}")
for network in augmented_networks:  # warm up: a network's first call sets up its computation
    probabilities(network, crops[4, :2])
# runs[n][k]: (probabilities, seconds) of network n on crop k (crop 4 is the centre crop)
runs = [[timed(lambda n=n, c=c: probabilities(n, c)) for c in crops] for n in augmented_networks]


def over_crops(networks, views):
    """Each network's probabilities averaged over the crops ``views``; the time of all passes."""
    probs = [np.mean([runs[n][k][0] for k in views], axis=0) for n in networks]
    return probs, sum(runs[n][k][1] for n in networks for k in views)


rows = []  # method, forward passes per image, correct counts, seconds for the test set
for name, views in [
    ("centre crop", [4]),
    ("5 crops (no mirrors)", range(5)),
    ("10 crops", range(10)),
]:
    counts = [correct(over_crops([n], views)[0][0]) for n in range(NETWORKS)]
    seconds = np.mean([over_crops([n], views)[1] for n in range(NETWORKS)])
    rows.append((f"one network, {name}", len(views), counts, seconds))
for name, views in [("centre crop", [4]), ("5 crops", range(5))]:
    probs, seconds = over_crops(range(NETWORKS), views)
    counts = [correct(np.mean(probs, axis=0))]
    rows.append((f"ensemble of {NETWORKS}, {name}", NETWORKS * len(views), counts, seconds))
print(f"\n{'test-time method':<34}{'passes':>7}   {'accuracy':<30}time for the test set")
for name, passes, counts, seconds in rows:
    accuracy = mean_percent(counts) if len(counts) > 1 else percent(counts[0])
    slower = "" if passes == 1 else f", {seconds / rows[0][3]:.1f}× slower"
    print(f"{name:<34}{passes:>7}   {accuracy:<30}{1000 * seconds:.1f} ms{slower}")

# %% [markdown]
# Averaging the five networks gains 1.6 points over one network (on average), averaging 5 crops
# gains 1.1, and both together 2.1 — for 25 forward passes per digit instead of one, plus five
# trainings. Mirrored crops cost 11 points: the networks never saw a mirrored digit, and a mirrored
# digit is not one. For photos, where a mirrored cat is still a cat and the training used mirrors,
# AlexNet's 10 crops do help. Ensembles and multi-crop are worth it in a competition or for an
# offline benchmark; a product that must answer fast usually runs one network on one crop.

# %% [markdown]
# ## 5. Transfer learning
#
# Training a network from scratch needs many labelled examples; 100 are few. But the first layers of
# any image network learn much the same things — edges, strokes, blobs, textures — whatever the task,
# and the later layers combine them into features that are more and more specific to the task
# (Yosinski et al., 2014). **Transfer learning** takes a network trained on a large *source* task,
# removes its top (the last layer, specific to the source classes), puts a new softmax on top for the
# *target* classes and trains on the target data, in one of three ways:
#
# 1. **freeze** the whole pre-trained network and train only the new softmax — the network is a
#    fixed feature extractor (the choice for very little data);
# 2. freeze the **early** layers and **fine-tune** the later ones with the softmax (more data);
# 3. **fine-tune everything**, starting from the pre-trained weights instead of random ones (a lot
#    of data).
#
# Two rules apply throughout. Fine-tuning uses a small learning rate, so the pre-trained weights are
# adjusted rather than overwritten. And the batch normalisation of the pre-trained network keeps the
# statistics (and the scale and shift) it learned on the source task. Keras's transfer-learning guide
# does this by calling the backbone with `training=False`, but in Keras 3 that no longer holds once
# the backbone is unfrozen: `fit` runs every layer in training mode, nested ones included
# (keras-team/keras#20285), and a `BatchNormalization` layer ignores training mode only when it is
# frozen. So the code below freezes the batch-normalisation layers themselves (`freeze_batch_norm`).
#
# ### The pre-trained network
#
# The course's version of this exercise fine-tunes Keras's MobileNetV2 trained on ImageNet (1.28
# million photos, 1,000 classes) to recognise alpacas. That network is used here when its weights can
# be had, through `utils.assets`. Keras publishes no checksum for this file (it downloads it
# unchecked), so `utils.assets` pins it on first use: it prints and records the SHA-256 of the first
# copy and refuses any later copy that differs. Offline, its substitute is
# **MobileNetV2-small**: a 3×3 stem, five of MobileNetV2's inverted residual blocks (the bottleneck
# block of notebook 05) and a 1×1 convolution to 192 channels, pre-trained on the 720 training images
# of the digits **0–4** by `scripts/pretrain_mobilenet.py`, then transferred to the digits **5–9** —
# classes it has never seen. Both are built without their top (`include_top=False`) and wrapped by
# `utils.transfer.classifier(base, classes)`: images in [0, 1] → rescaled to [−1, 1] (MobileNetV2's
# input range) → `base` → global average pooling → a new `Dense` softmax.

# %%
IMAGENET = "mobilenet_v2_0.35_96_imagenet_no_top"  # Keras's MobileNetV2, α = 0.35, 96×96, no top
imagenet_weights = resolve(IMAGENET)  # a checked download, or None (one line says why)

if imagenet_weights is not None:
    SIZE = 96

    def backbone(pretrained=True):
        """Keras's MobileNetV2 without its top: ImageNet weights, or random ones."""
        weights = str(imagenet_weights) if pretrained else None
        return keras.applications.MobileNetV2(
            (SIZE, SIZE, 3), alpha=0.35, include_top=False, weights=weights
        )

else:
    SIZE = PRETRAINING_SHAPE[0]  # 32
    PRETRAINED = resolve(PRETRAINED_WEIGHTS)  # shipped: verified against its SHA-256

    def source_model():
        """MobileNetV2-small with its softmax over the digits 0–4, as pre-trained."""
        model = pretraining_model()
        model.load_weights(PRETRAINED)
        return model

    def backbone(pretrained=True):
        """MobileNetV2-small without its top: pre-trained on the digits 0–4, or random."""
        if not pretrained:
            return mobilenet_v2_small((SIZE, SIZE, 3))
        return source_model().get_layer("mobilenet_v2_small")

    _, _, X_source, Y_source, _ = pretraining_digits()
    hits = correct(probabilities(source_model(), X_source), Y_source)
    print(f"pre-trained on the digits 0–4: {percent(hits, len(Y_source))} of their test digits")

base = backbone()
print(f"{base.name}: {len(base.layers)} layers, {base.count_params():,} parameters, ", end="")
print(f"output {tuple(base.output.shape[1:])} per image")
X_small3, Y_small3, X_test3, Y_test3 = digits_5_to_9(size=SIZE, channels=3)
assert np.array_equal(Y_small3, Y_small) and np.array_equal(Y_test3, Y_test)
print(
    f"target task: the same 100 training digits 5–9 {X_small3.shape[1:]}, {len(Y_test)} test digits"
)

# %% [markdown]
# ### From scratch, and three ways to transfer
#
# Every model below is trained on the same 100 images with Adam, on all 100 at once (one step =
# one epoch), for the same 100 steps (300 for the two-layer head of the next cell); only what is
# trained and the learning rate differ. Training
# from scratch gets the same network with random weights (its batch normalisation uses batch
# statistics, with momentum 0.9 so the moving averages follow in 100 steps).

# %%
# tolerance: ±2 points, ±16
STEPS = 100
results = {}  # name: (trainable parameters, seconds, correct, losses)


def trainable(model):
    return sum(int(np.prod(weight.shape)) for weight in model.trainable_weights)


def freeze_batch_norm(base):
    """Keep every batch normalisation of ``base`` as pre-trained: statistics, scale and shift."""
    for layer in base.layers:
        if isinstance(layer, layers.BatchNormalization):
            layer.trainable = False


def train_and_test(name, model, learning_rate, X_train=X_small3, X_eval=X_test3, steps=STEPS):
    """Fit ``model`` on the 100 images (full batch), test it, store and print the result."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        jit_compile=False,
        steps_per_execution=10,
    )
    batches = tf.data.Dataset.from_tensors((X_train, Y_small)).repeat(10)  # 10 steps per epoch
    start = time.perf_counter()
    history = model.fit(batches, epochs=steps // 10, shuffle=False, verbose=0)
    seconds = time.perf_counter() - start
    hits = correct(probabilities(model, X_eval))
    results[name] = (trainable(model), seconds, hits, history.history["loss"])
    print(f"{name}: {percent(hits)}, trained in {seconds:.1f} s")
    return model, hits


# From scratch: the same network, random weights, everything trained.
keras.utils.set_random_seed(0)
scratch_base = backbone(pretrained=False)
for layer in scratch_base.layers:
    if isinstance(layer, layers.BatchNormalization):
        layer.momentum = 0.9  # Keras's MobileNetV2 uses 0.999: too slow for 100 steps
scratch, _ = train_and_test("from scratch", classifier(scratch_base, 5), 3e-3)

# (1) Freeze everything, train a new softmax.
base = backbone()
base.trainable = False
keras.utils.set_random_seed(0)
frozen, _ = train_and_test("(1) frozen, new softmax", classifier(base, 5), 1e-2)

# %% [markdown]
# ### Caching the frozen features
#
# When the pre-trained network is frozen, it computes the same features for an image at every
# epoch: compute them **once**, save them to disk, and train the softmax on the saved vectors — the
# course's suggestion for a large frozen network. The model above is exactly "features → softmax", so
# training the same softmax (same initial weights, same steps) on the cached features gives the same
# classifier, without running the network again at every step. A small two-layer head (64 ReLU
# units, then the softmax) can be trained on them just as cheaply. The files go to a temporary
# directory that is deleted afterwards.

# %%
# tolerance: ±2 points, ±16
extractor = keras.Model(frozen.input, frozen.get_layer("pool").output)  # all but the softmax
with tempfile.TemporaryDirectory() as cache:
    start = time.perf_counter()
    for split, images in [("train", X_small3), ("test", X_test3)]:
        np.save(Path(cache) / f"{split}.npy", np.asarray(extractor(images, training=False)))
    cache_seconds = time.perf_counter() - start
    files = {path.name: path.stat().st_size for path in sorted(Path(cache).iterdir())}
    F_train, F_test = np.load(Path(cache) / "train.npy"), np.load(Path(cache) / "test.npy")
print(
    f"features cached in {cache_seconds:.2f} s: "
    + ", ".join(f"{n} {s:,} bytes" for n, s in files.items())
)
print(f"feature vectors: train {F_train.shape}, test {F_test.shape}")

keras.utils.set_random_seed(0)
head = keras.Sequential([keras.Input(F_train.shape[1:]), layers.Dense(5, activation="softmax")])
head, _ = train_and_test("(1) on cached features", head, 1e-2, X_train=F_train, X_eval=F_test)
same = int(
    (probabilities(head, F_test).argmax(1) == probabilities(frozen, X_test3).argmax(1)).sum()
)
print(f"the two softmax classifiers agree on {same} of {len(Y_test)} test digits")

keras.utils.set_random_seed(0)
mlp = keras.Sequential(
    [
        keras.Input(F_train.shape[1:]),
        layers.Dense(64, activation="relu"),
        layers.Dense(5, activation="softmax"),
    ]
)
mlp, _ = train_and_test(
    "two-layer head on cached features", mlp, 3e-3, X_train=F_train, X_eval=F_test, steps=300
)

# %% [markdown]
# ### Fine-tuning
#
# (2) freezes the layers before `block_3_expand` — the stem and the first blocks, which see small
# patches of the image — and trains the rest with the new softmax; (3) trains every convolution.
# Both start from the pre-trained weights, keep the batch normalisation frozen and use a learning
# rate 10× smaller than the softmax alone.

# %%
# tolerance: ±2 points, ±16
base = backbone()
names = [layer.name for layer in base.layers]
first_tuned = names.index("block_3_expand")
for layer in base.layers[:first_tuned]:
    layer.trainable = False
freeze_batch_norm(base)
print(f"frozen: the first {first_tuned} of {len(names)} layers, up to {names[first_tuned - 1]}")
keras.utils.set_random_seed(0)
top_tuned, _ = train_and_test("(2) early layers frozen, rest fine-tuned", classifier(base, 5), 1e-3)

base = backbone()
freeze_batch_norm(base)
keras.utils.set_random_seed(0)
all_tuned, _ = train_and_test("(3) everything fine-tuned", classifier(base, 5), 1e-3)

# %%
# tolerance: ±2 points, ±16
print(f"{'':42}{'trainable':>10}   {'accuracy on the test digits':<30}training time")
for name, (params, seconds, hits, _) in results.items():
    print(f"{name:<42}{params:>10,}   {percent(hits):<30}{seconds:.1f} s")
small_cnn_params = plain_networks[0].count_params()
for name, key, seconds in [
    ("small CNN (section 3), no augmentation", "no augmentation", plain_seconds),
    ("small CNN (section 3), augmented", "augmentation", augmented_seconds),
]:
    accuracy = mean_percent(scores[key, False])
    print(f"{name:<42}{small_cnn_params:>10,}   {accuracy:<30}{seconds:.1f} s for {NETWORKS}")

fig, ax = plt.subplots(figsize=(6.5, 3.2))
for name, (*_, losses) in results.items():
    ax.plot(10 * np.arange(1, len(losses) + 1), losses, label=name)
ax.set_xlabel("training step (all 100 images; mean loss of every 10 steps)")
ax.set_ylabel("training loss")
ax.set_yscale("log")
ax.legend(fontsize=7)
ax.grid(alpha=0.3)
ax.set_title("Training loss on the 100 digits")
plt.show()

# %% [markdown]
# The pre-trained network, fine-tuned, makes half the errors of the same network trained from
# scratch on the same 100 images (about 30 instead of about 60 of 796). Frozen with a new softmax it does worst:
# its last layer was trained to separate the digits 0–4, and such late features are specific to
# their task. A two-layer head on the same cached features recovers most of the gap, and fine-tuning
# from `block_3` on — keeping the generic early layers — reaches the same accuracy as fine-tuning
# everything, training fewer weights in less time. Features learned on ImageNet's 1.28 million
# photos of 1,000 classes are far more general than these, which is why the course's first step
# with them is the frozen network and a new softmax, and fine-tuning comes second.
#
# The training losses show the other side: from scratch, the network drives its training loss lowest
# of all — it memorises its 100 images — and still generalises worse than the fine-tuned ones. (The
# two curves of (1) coincide: it is the same classifier.)


# %% [markdown]
# ## 6. Practical advice: data, open source, and the input pipeline
#
# ### Data vs hand-engineering
#
# A learning system has two sources of knowledge: **labelled data**, and **hand-engineering** —
# features, architectures and other components that people designed. With little data, the
# designed part carries more of the weight; with a lot, simpler algorithms with less
# hand-engineering win, because the data can teach what the design would have guessed. Computer
# vision long had little data for many tasks, which is why it is rich in hand-designed features
# and elaborate architectures (and why transfer learning, section 5, is the usual first step).
#
# Measured on this notebook's task: **HOG** (histograms of oriented gradients, Dalal and Triggs,
# 2005: gradient orientations binned in 8×8-pixel cells, normalised over 2×2 cells — 324 numbers
# per digit, all designed by hand) with a logistic regression on top, against section 3's small
# CNN, which must learn its features from the images. Both are trained on 2, 5 and 20 images per
# digit (the first ones of the 100 of section 3) and tested on the same 796 digits.

# %%
# tolerance: ±3 points, ±24
def hog_features(images):
    """(m, 324) HOG descriptors of (m, 32, 32, 1) digits: 9 orientations, 8×8 cells, 2×2 blocks."""
    return np.stack(
        [
            hog(image[..., 0], orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2))
            for image in images
        ]
    )


H_small, H_test = hog_features(X_small), hog_features(X_test)
print(f"HOG features: {H_small.shape[1]} per digit")
print(f"{'per digit':>10}{'HOG + logistic regression':>30}{'small CNN, learned features':>32}")
for per_digit in (2, 5, 20):
    pick = np.concatenate([np.flatnonzero(Y_small == k)[:per_digit] for k in range(5)])
    hog_model = LogisticRegression(C=10.0, max_iter=3000).fit(H_small[pick], Y_small[pick])
    hog_hits = int((hog_model.predict(H_test) == Y_test).sum())
    keras.utils.set_random_seed(0)
    cnn = small_cnn(f"cnn_{per_digit}_per_digit")
    cnn.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss="sparse_categorical_crossentropy",
        jit_compile=False,
        steps_per_execution=50,
    )
    batches = tf.data.Dataset.from_tensor_slices((centre(X_small[pick]), Y_small[pick]))
    batches = batches.shuffle(len(pick), seed=0).batch(25).repeat()
    cnn.fit(batches, steps_per_epoch=200, epochs=1, shuffle=False, verbose=0)
    cnn_hits = correct(probabilities(cnn, centre(X_test)))
    print(f"{per_digit:>10}{percent(hog_hits):>30}{percent(cnn_hits):>32}")

# %% [markdown]
# The designed features win at every size tried here, by a margin that shrinks as the data grows
# (about 20 points with 2 images per digit, about 6 with 20). With the 100 images, HOG and a
# linear classifier even beat section 3's five CNNs, trained longer, with or without augmentation
# (≈ 91–92%), and come close to the fine-tuned pre-trained network (section 5, ≈ 96%): with little
# data, knowledge put in by hand pays. Digits are a friendly case for HOG (strokes *are* oriented
# gradients). On photos of 1,000 classes, learned features overtook every hand-designed pipeline
# once ImageNet gave them 1.28 million labelled images (AlexNet, 2012): with enough data, the
# data wins.
#
# ### Open-source implementations and pretrained weights, with checksums
#
# Papers leave out details (learning-rate schedules, initialisations, preprocessing) that decide
# whether a network trains, and the authors' weights took them GPU-weeks. So start from an
# open-source implementation and its pretrained weights — `keras.applications` is one, as in
# section 5 — and check that the file you got is the file they published: a truncated download or
# a file replaced on a server loads without complaint and gives a worse network. The course keeps
# every weights file it uses in a manifest (`weights/MANIFEST.json`): what it is, how it was made,
# where it comes from, and its checksum; `utils.assets.resolve` refuses a file whose checksum
# differs.

# %%
known = registry()
for name in (IMAGENET, "mobilenet_v2_small_digits"):
    asset = known[name]
    checksum = "none published: pinned on first use"
    if asset.sha256 or asset.md5:
        checksum = f"sha256 {asset.sha256[:16]}…" if asset.sha256 else f"md5 {asset.md5}"
    source = asset.url.split("/")[2] if asset.url else f"made by `{asset.how}`"
    print(f"{name}\n    from: {source}\n    checksum: {checksum}")

shipped = resolve("mobilenet_v2_small_digits")  # verified against the manifest's SHA-256
print(f"shipped copy matches: {sha256sum(shipped) == known['mobilenet_v2_small_digits'].sha256}")
with tempfile.TemporaryDirectory() as folder:
    damaged = Path(folder) / shipped.name
    shutil.copyfile(shipped, damaged)
    with open(damaged, "r+b") as stream:  # one bit flipped, as a bad disk or download would
        stream.seek(1000)
        byte = stream.read(1)[0]
        stream.seek(1000)
        stream.write(bytes([byte ^ 1]))
    try:
        resolve(dataclasses.replace(known["mobilenet_v2_small_digits"], folder=Path(folder)))
    except ValueError as err:
        lines = str(err).splitlines()  # the first line names the file's (temporary) path
        print(f"damaged copy refused: ValueError ({lines[0].rsplit('(', 1)[-1]}")
        print("\n".join(lines[1:3]))

# %% [markdown]
# ### Augmentation on parallel CPU threads
#
# During training, images are read and distorted on the CPU while the network trains on the
# previous mini-batch: CPU threads produce distorted mini-batches, and the training (on the GPU,
# or on other cores) consumes them. In TensorFlow that is a `tf.data` pipeline:
#
# - `map(distort, num_parallel_calls=tf.data.AUTOTUNE)` distorts several images at once, on as
#   many threads as help (tf.data chooses the number, up to the number of cores, and keeps tuning
#   it while it runs);
# - `prefetch(tf.data.AUTOTUNE)` prepares the next batches *while* the model trains on the current
#   one, so that, if $t_{data}$ and $t_{train}$ are the times per batch, an epoch takes about
#   $\max(t_{data}, t_{train})$ per batch instead of $t_{data} + t_{train}$.
#
# The distortions are random crops, flips and colour changes of photos. They use TensorFlow's
# *stateless* random ops with a seed made from the image's index, so the same image gets the same
# distortion whichever thread handles it, and the parallel pipeline gives exactly the serial one's
# batches (tf.data keeps their order). Each image is distorted by one thread
# (`max_intra_op_parallelism = 1`), as in the lecture's picture. The same 16 batches of 32 images
# are made serially and in parallel, alone and while a small CNN trains on them. The times depend on
# the machine and on what else runs on it: with 2 free cores the parallel map can be up to 2×
# faster; when the training runs on the same cores, or other programs keep them busy, there is
# little or nothing left to gain (a value below 1× means slower). With a GPU doing the training, the
# CPU cores are free for the pipeline: the situation the technique was made for.

# %%
NAMES = ("astronaut", "chelsea", "coffee", "china", "flower", "grace_hopper", "rocket", "camera")
pipeline_photos = tf.constant(np.stack([load_image(name, size=(320, 320)) for name in NAMES]))
PIPELINE_BATCHES, PIPELINE_BATCH = 16, 32


def distort(index):
    """Photo ``index % 8``, randomly cropped to 256², flipped, recoloured, resized to 64²."""
    seed = tf.stack([index, tf.constant(0, tf.int64)])  # the image's own random draws
    image = tf.gather(pipeline_photos, index % len(NAMES))
    image = tf.image.stateless_random_crop(image, (256, 256, 3), seed)
    image = tf.image.stateless_random_flip_left_right(image, seed)
    image = tf.image.stateless_random_brightness(image, 0.2, seed + 1)
    image = tf.image.stateless_random_contrast(image, 0.7, 1.3, seed + 2)
    image = tf.image.stateless_random_saturation(image, 0.7, 1.3, seed + 3)
    image = tf.image.stateless_random_hue(image, 0.05, seed + 4)
    image = tf.image.resize(image, (64, 64), antialias=True)
    return tf.clip_by_value(image, 0.0, 1.0), index % len(NAMES)


def input_pipeline(parallel):
    """16 batches of 32 distorted photos: serial, or parallel map + prefetch."""
    one_thread_per_image = tf.data.Options()
    one_thread_per_image.threading.max_intra_op_parallelism = 1
    indices = tf.data.Dataset.range(PIPELINE_BATCHES * PIPELINE_BATCH)
    indices = indices.with_options(one_thread_per_image)
    if not parallel:
        return indices.map(distort).batch(PIPELINE_BATCH)
    images = indices.map(distort, num_parallel_calls=tf.data.AUTOTUNE)
    return images.batch(PIPELINE_BATCH).prefetch(tf.data.AUTOTUNE)


keras.utils.set_random_seed(0)
photo_cnn = keras.Sequential(
    [
        keras.Input((64, 64, 3)),
        layers.Conv2D(16, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, activation="relu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(len(NAMES), activation="softmax"),
    ]
)
photo_cnn.compile(optimizer="adam", loss="sparse_categorical_crossentropy", jit_compile=False)
pipelines = {"serial map": input_pipeline(False), "parallel map + prefetch": input_pipeline(True)}
photo_cnn.fit(pipelines["serial map"].take(2), shuffle=False, verbose=0)  # warm-up: builds, traces

serial_batch, parallel_batch = (next(iter(p))[0] for p in pipelines.values())
same = np.array_equal(serial_batch.numpy(), parallel_batch.numpy())
print(f"serial and parallel pipelines give the same images: {same}")
seconds = {}
for label, pipeline in pipelines.items():
    _, seconds[label, "alone"] = timed(lambda p=pipeline: [batch for batch in p])
    _, seconds[label, "training"] = timed(
        lambda p=pipeline: photo_cnn.fit(p, shuffle=False, verbose=0)
    )
    print(
        f"{label:<24} the batches alone {seconds[label, 'alone']:.2f} s, "
        f"with the training {seconds[label, 'training']:.2f} s"
    )
for what, label in [("alone", "the batches alone"), ("training", "with the training")]:
    ratio = seconds["serial map", what] / seconds["parallel map + prefetch", what]
    print(f"parallel pipeline, {label}: {ratio:.1f}× faster")

# %% [markdown]


# %% [markdown]
# ## Summary
#
# - **Augmentation layers** (`RandomFlip`, `RandomCrop`, `RandomRotation`, `RandomShear`,
#   `RandomZoom`, `RandomTranslation`, `RandomBrightness`, `RandomContrast`, `RandomColorJitter`)
#   draw new transformations at every step and leave inference untouched (except `RandomCrop`,
#   which resizes at inference).
# - **`pca_color_augmentation`** adds $\sum_i \alpha_i \lambda_i p_i$, $\alpha_i \sim \mathcal{N}(0, 0.1)$,
#   to every pixel: a shift along the image's own principal colour directions.
# - **Measured on 100 digits** (5 networks each): augmentation left the accuracy on the test digits
#   about the same (≈ 92% without, ≈ 91% with) and raised it on shifted and rotated copies from
#   ≈ 64% to ≈ 83%. These are training results: on another CPU each may differ by up to 2 points
#   (the cells declare ±2 points; measured across float-rounding changes: 0.4 points at most).
# - **Test-time tricks**: an ensemble of 5 networks ≈ +1.5 points for 5× the passes, 5 crops ≈ +1
#   for 5×, both ≈ +2 for 25×; the 10 crops with mirrors ≈ −11 points on digits.
# - **Transfer learning** (one table): from scratch ≈ 92%; pre-trained and frozen with a new
#   softmax ≈ 85% (the same on cached features, in a fraction of the time); a two-layer head on the
#   cached features ≈ 91.5%; fine-tuning the later layers or everything ≈ 96% (each within ±2 points
#   on any machine).
# - **Practical advice** (section 6): with 2 to 20 training digits per class, hand-designed HOG
#   features with a logistic regression beat the small CNN (≈ 87%, 87%, 95% against ≈ 67%, 79%,
#   90%), with the gap shrinking as data grows; pretrained weights are used only after their
#   checksum matches (a copy with one flipped bit is refused); a `tf.data` pipeline that distorts
#   images on parallel threads gives the same batches, faster only when cores are free.
#
# **At full scale** (published results, not measured here): AlexNet (Krizhevsky et al., 2012) trained
# on random 224×224 crops of 256×256 images and their mirrors — without them it "suffers from
# substantial overfitting" — and PCA colour augmentation lowered its top-1 error by over 1%; it was
# tested on 10 crops, and an ensemble of 5 networks lowered the ImageNet validation error from 40.7%
# to 38.1% (top-1) and from 18.2% to 16.4% (top-5). MobileNetV2 (Sandler et al., 2018; α = 1, 224×224)
# reaches 72.0% top-1 on ImageNet with 3.4 million parameters. Yosinski et al. (2014) measured that
# features of the first layers transfer between tasks and those of the last layers are specific, and
# that a network initialised with transferred weights and fine-tuned generalises better than one
# trained from random weights, even on a large target dataset. Kornblith et al. (2019), over 12
# classification datasets, found fine-tuned ImageNet networks better than fixed ImageNet features,
# and pre-training most useful on the small datasets (on large fine-grained ones, training from
# scratch caught up).
