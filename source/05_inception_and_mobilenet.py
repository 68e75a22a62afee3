# %% [markdown]
# # 05 · 1×1 convolutions, Inception and MobileNet: networks that count their multiplications
#
# > 1×1 convolutions, Inception modules and MobileNet's depthwise-separable blocks: counted, built, trained.
#
# **Runtime**: CPU, about 51 s on 2 cores (measured, offline); no GPU needed.
#
# Deeper and wider networks see more, but every convolution costs multiplications, and a phone or a
# laptop has a budget. This notebook counts that cost exactly and builds the three ideas that cut it:
# the 1×1 convolution (a *bottleneck*), the Inception module that lets the network choose its filter
# sizes, and MobileNet's depthwise-separable convolutions. It ends with EfficientNet's rule for
# scaling a network up.
#
# **What you will build**
# - A multiplication count for any convolution, reproducing the course's 120M vs 12.4M (bottleneck) and 2,160 vs 672 (depthwise-separable).
# - 1×1 convolutions that shrink or keep the channels, shown to be a dense layer applied at every pixel.
# - `inception_module` (graded) and a GoogLeNet with its auxiliary classifiers, built and summarised.
# - `depthwise_separable_block` (MobileNet) and `bottleneck_block` (MobileNetV2), graded.
# - Plain vs Inception vs MobileNet networks trained on real digits: parameters, multiplications, accuracy in one table.
# - Xception's separable convolutions with shortcuts (22,910,480 parameters, checked) and a
#   squeeze-and-excitation block, with their parameter and multiplication counts.
# - EfficientNet's compound scaling as a calculator over `EfficientNetB0`…`B3`.
#
# **Data**: scikit-learn's 1,797 bundled handwritten digits (via `utils.datasets`), offline and online.
# No pretrained weights: every network here is built with random weights or trained in the notebook.

# %%
import time

import keras
import numpy as np
from keras.layers import (
    Add,
    BatchNormalization,
    Concatenate,
    Conv2D,
    DepthwiseConv2D,
    MaxPooling2D,
    ReLU,
)

from utils.datasets import load_digits
from utils.model_stats import conv_macs, deferred_weights, layer_table, model_cost
from utils.public_tests.inception_mobilenet import (
    bottleneck_block_test,
    depthwise_separable_block_test,
    inception_module_test,
)

# %% [markdown]
# ## 1. What a convolution costs
#
# Every output value of a convolution is a dot product between a filter and the window under it. A
# layer with $n_C$ filters of size $f \times f \times n_{C,prev}$ and an $n_H \times n_W$ output does
#
# $$ \text{multiplications} = (n_H \cdot n_W \cdot n_C) \times (f \cdot f \cdot n_{C,prev}). $$
#
# `utils.model_stats.conv_macs(output_size, kernel_size, in_channels, filters)` is that formula (one
# *multiply-accumulate*, MAC, per product; FLOPs are usually quoted as 2 × MACs).
#
# **The course's example.** A 5×5 "same" convolution with 32 filters on a 28×28×192 volume:

# %%
direct = conv_macs((28, 28), (5, 5), in_channels=192, filters=32)
print(f"5×5 conv, 32 filters on 28×28×192: {direct:,} multiplications (≈{direct / 1e6:.0f}M)")

reduce_1x1 = conv_macs((28, 28), (1, 1), in_channels=192, filters=16)
conv_5x5 = conv_macs((28, 28), (5, 5), in_channels=16, filters=32)
bottleneck = reduce_1x1 + conv_5x5
print(
    f"1×1 to 16 channels first: {reduce_1x1:,} + {conv_5x5:,} = {bottleneck:,} "
    f"(≈{bottleneck / 1e6:.1f}M), {direct / bottleneck:.1f}× fewer"
)

# %% [markdown]
# The same numbers from Keras layers, counted by `utils.model_stats.layer_table` from the layers'
# shapes (it is how the tables further down are made):

# %%
inputs = keras.Input((28, 28, 192))
plain = keras.Model(inputs, Conv2D(32, 5, padding="same")(inputs))
reduced = keras.Model(inputs, Conv2D(32, 5, padding="same")(Conv2D(16, 1)(inputs)))
for name, model in [("direct 5×5", plain), ("1×1 bottleneck → 5×5", reduced)]:
    cost = model_cost(model)
    print(f"{name:>22}: {cost['macs']:>12,} multiplications, {cost['params']:>7,} parameters")

# %% [markdown]
# ## 2. 1×1 convolutions ("network in network")
#
# A 1×1 convolution looks at one pixel at a time, across all its channels: it is a fully connected
# layer from $n_{C,prev}$ to $n_C$ units, applied at every position with the same weights. Use it to
# **shrink** the channels (28×28×192 → 28×28×32, as in the bottleneck above) or to **keep** them and
# add a nonlinearity (28×28×192 → 28×28×192 with a ReLU), at a cost of $n_{C,prev} \cdot n_C$
# multiplications per pixel.

# %%
rng = np.random.default_rng(0)
volume = rng.standard_normal((1, 28, 28, 192)).astype("float32")

shrink = Conv2D(32, 1)
keep = Conv2D(192, 1, activation="relu")
print("shrink:", tuple(shrink(volume).shape), f"{shrink.count_params():,} parameters")
print("keep + ReLU:", tuple(keep(volume).shape), f"{keep.count_params():,} parameters")

kernel, bias = shrink.get_weights()  # kernel: (1, 1, 192, 32)
as_dense = volume.reshape(-1, 192) @ kernel[0, 0] + bias  # one dense layer on each of 28·28 pixels
print(
    "1×1 conv == the same dense layer at every pixel:",
    np.allclose(shrink(volume).numpy().reshape(-1, 32), as_dense, atol=1e-4),
)


# %% [markdown]
# ## 3. The Inception module
#
# Which filter size should a layer use: 1×1, 3×3, 5×5, or pooling? The Inception module (Szegedy et
# al., 2014) does them all in parallel and concatenates the results on the channel axis, so the next
# layer picks what it needs. To keep the cost down, 1×1 bottlenecks come *before* the 3×3 and 5×5
# convolutions and *after* the pooling:
#
# | branch | layers (all `padding="same"`, ReLU after every convolution) | course's filters |
# |---|---|---|
# | 1 | 1×1 conv | 64 |
# | 2 | 1×1 conv → 3×3 conv | 96 → 128 |
# | 3 | 1×1 conv → 5×5 conv | 16 → 32 |
# | 4 | 3×3 max-pool (stride 1) → 1×1 conv | 32 |
#
# 28×28×192 in, 28×28×(64 + 128 + 32 + 32) = 28×28×256 out.
#
# ### Exercise 1 — `inception_module` (3 points)
#
# Use the Keras Functional API: `Conv2D(filters, kernel_size, padding="same", activation="relu")`,
# `MaxPooling2D(3, strides=1, padding="same")` and `Concatenate(axis=-1)` on the four branches in the
# order of the table.

# %% solution="inception_module"
def inception_module(X, filters):
    """Inception module: four parallel branches concatenated on the channel axis.

    Arguments:
    X -- input tensor of shape (m, n_H, n_W, n_C_prev)
    filters -- (f_1x1, (f_3x3_reduce, f_3x3), (f_5x5_reduce, f_5x5), f_pool)

    Returns:
    X -- output tensor of shape (m, n_H, n_W, f_1x1 + f_3x3 + f_5x5 + f_pool)
    """
    f_1x1, (f_3x3_reduce, f_3x3), (f_5x5_reduce, f_5x5), f_pool = filters
    ### BEGIN SOLUTION
    branch_1 = Conv2D(f_1x1, 1, padding="same", activation="relu")(X)
    branch_3 = Conv2D(f_3x3_reduce, 1, padding="same", activation="relu")(X)
    branch_3 = Conv2D(f_3x3, 3, padding="same", activation="relu")(branch_3)
    branch_5 = Conv2D(f_5x5_reduce, 1, padding="same", activation="relu")(X)
    branch_5 = Conv2D(f_5x5, 5, padding="same", activation="relu")(branch_5)
    branch_pool = MaxPooling2D(3, strides=1, padding="same")(X)
    branch_pool = Conv2D(f_pool, 1, padding="same", activation="relu")(branch_pool)
    X = Concatenate(axis=-1)([branch_1, branch_3, branch_5, branch_pool])
    ### END SOLUTION
    return X


# %% tests="inception_module_test" points=3
inception_module_test(inception_module)
### BEGIN HIDDEN TESTS
_inputs = keras.Input((7, 9, 10))
_model = keras.Model(_inputs, inception_module(_inputs, (8, (4, 6), (2, 3), 5)))
assert tuple(_model.output.shape) == (None, 7, 9, 22), (
    f"inception_module on a 7×9×10 input with filters (8, (4, 6), (2, 3), 5) has output shape "
    f"{tuple(_model.output.shape)}, not (None, 7, 9, 22)"
)
_expected = (10 + 1) * 8 + (10 + 1) * 4 + (9 * 4 + 1) * 6 + (10 + 1) * 2 + (25 * 2 + 1) * 3
_expected += (10 + 1) * 5
assert _model.count_params() == _expected, (
    f"inception_module on a 7×9×10 input has {_model.count_params()} parameters, the formulas "
    f"give {_expected}"
)
### END HIDDEN TESTS

# %% [markdown]
# How much does the module cost, and how much would it cost without the bottlenecks (3×3 and 5×5
# convolutions straight on the 192 input channels)?

# %%
inputs = keras.Input((28, 28, 192))
module = keras.Model(inputs, inception_module(inputs, (64, (96, 128), (16, 32), 32)))
with_bottlenecks = model_cost(module)
without = (
    conv_macs((28, 28), (1, 1), 192, 64)
    + conv_macs((28, 28), (3, 3), 192, 128)
    + conv_macs((28, 28), (5, 5), 192, 32)
    + conv_macs((28, 28), (1, 1), 192, 32)
)
print(f"output: {tuple(module.output.shape)}, {with_bottlenecks['params']:,} parameters")
print(f"multiplications with 1×1 bottlenecks: {with_bottlenecks['macs']:>12,}")
ratio = without / with_bottlenecks["macs"]
print(f"multiplications without them:         {without:>12,} ({ratio:.1f}× more)")

# %% [markdown]
# ### GoogLeNet
#
# GoogLeNet stacks nine Inception modules (3a–5b) on a small convolutional stem, with max-pooling
# between stages and global average pooling instead of large fully connected layers. Two **auxiliary
# classifiers** branch off after modules 4a and 4d (average pool 5×5/3 → 1×1 conv 128 → FC 1024 →
# dropout 0.7 → softmax): during training their losses (weighted 0.3) push useful gradient into the
# middle of the network; at test time they are dropped. Below it is built with your
# `inception_module` and the filter counts of the paper's Table 1, with random weights.

# %%
GOOGLENET_MODULES = {  # name: (f_1x1, (f_3x3_reduce, f_3x3), (f_5x5_reduce, f_5x5), f_pool)
    "3a": (64, (96, 128), (16, 32), 32),
    "3b": (128, (128, 192), (32, 96), 64),
    "4a": (192, (96, 208), (16, 48), 64),
    "4b": (160, (112, 224), (24, 64), 64),
    "4c": (128, (128, 256), (24, 64), 64),
    "4d": (112, (144, 288), (32, 64), 64),
    "4e": (256, (160, 320), (32, 128), 128),
    "5a": (256, (160, 320), (32, 128), 128),
    "5b": (384, (192, 384), (48, 128), 128),
}


def auxiliary_classifier(X, classes, name):
    """GoogLeNet's auxiliary softmax branch on a 14×14 feature map."""
    X = keras.layers.AveragePooling2D(5, strides=3)(X)
    X = Conv2D(128, 1, activation="relu")(X)
    X = keras.layers.Flatten()(X)
    X = keras.layers.Dense(1024, activation="relu")(X)
    X = keras.layers.Dropout(0.7)(X)
    return keras.layers.Dense(classes, activation="softmax", name=name)(X)


def GoogLeNet(input_shape=(224, 224, 3), classes=1000):
    """GoogLeNet (Inception v1) with its two auxiliary classifiers: three softmax outputs."""
    inputs = keras.Input(input_shape)
    X = Conv2D(64, 7, strides=2, padding="same", activation="relu")(inputs)
    X = MaxPooling2D(3, strides=2, padding="same")(X)
    X = Conv2D(64, 1, activation="relu")(X)
    X = Conv2D(192, 3, padding="same", activation="relu")(X)
    X = MaxPooling2D(3, strides=2, padding="same")(X)
    auxiliary = []
    for name, filters in GOOGLENET_MODULES.items():
        if name in ("4a", "5a"):
            X = MaxPooling2D(3, strides=2, padding="same")(X)
        X = inception_module(X, filters)
        if name in ("4a", "4d"):
            auxiliary.append(auxiliary_classifier(X, classes, f"aux_{name}"))
    X = keras.layers.GlobalAveragePooling2D()(X)
    X = keras.layers.Dropout(0.4)(X)
    main = keras.layers.Dense(classes, activation="softmax", name="main")(X)
    return keras.Model(inputs, [main, *auxiliary], name="googlenet")


googlenet = GoogLeNet()
inference = keras.Model(googlenet.input, googlenet.outputs[0])  # what is kept at test time
rows = layer_table(googlenet)
print(f"{len(googlenet.layers)} layers, outputs: {[tuple(o.shape) for o in googlenet.outputs]}")
modules = [row for row in rows if row["type"] == "Concatenate"]
for name, row in zip(GOOGLENET_MODULES, modules, strict=True):
    print(f"  inception {name}: output {row['output_shape'][1:]}")
main_cost = model_cost(inference)
print(f"parameters: {googlenet.count_params():,} in all, {main_cost['params']:,} without the")
print(f"auxiliary classifiers ({googlenet.count_params() - main_cost['params']:,} in them)")
print(f"multiplications per 224×224 image (main path): {main_cost['macs'] / 1e9:.2f} G")

# %% [markdown]
# GoogLeNet has about 6–7M parameters in its main path, 20× fewer than VGG-16's 138M, for 1.6 G
# multiplications per image against VGG-16's 15.5 G, and it won ILSVRC 2014 with a 6.7% top-5 error
# (paper numbers; nothing is trained here). The auxiliary classifiers hold almost half of the
# parameters in this build (their FC-1024 layers), but they only exist during training.
#
# ## 4. MobileNet: depthwise-separable convolutions
#
# A normal convolution filters space and mixes channels in one step. MobileNet splits it in two:
#
# 1. **depthwise**: one $f \times f$ filter *per input channel* (no mixing): $n_{out}^2 \cdot f^2 \cdot n_{C,prev}$ multiplications;
# 2. **pointwise**: a 1×1 convolution mixes the channels: $n_{out}^2 \cdot n_{C,prev} \cdot n_C$.
#
# The course's example: a 6×6×3 input, 5 filters of 3×3, valid output 4×4×5.

# %%
normal = conv_macs((4, 4), (3, 3), in_channels=3, filters=5)
depthwise = conv_macs((4, 4), (3, 3), in_channels=1, filters=3)  # one 3×3 filter per channel
pointwise = conv_macs((4, 4), (1, 1), in_channels=3, filters=5)
print(f"normal convolution:   {normal:,}")
print(f"depthwise-separable:  {depthwise:,} + {pointwise:,} = {depthwise + pointwise:,}")
n_c, f = 5, 3
print(
    f"ratio {(depthwise + pointwise) / normal:.4f} = 1/n_c + 1/f² = 1/{n_c} + 1/{f * f} "
    f"= {1 / n_c + 1 / f**2:.4f}"
)
print(f"with n_c = 512 filters of 3×3: {1 / 512 + 1 / 9:.3f} (≈ 9× cheaper)")


# %% [markdown]
# ### Exercise 2 — `depthwise_separable_block` (2 points): MobileNet v1
#
# `DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)` → `BatchNormalization(momentum=0.9)`
# → `ReLU()` → `Conv2D(filters, 1, padding="same", use_bias=False)` → `BatchNormalization(momentum=0.9)`
# → `ReLU()`. The convolutions have no bias because the batch normalisation right after them has its
# own shift.
#
# *Why `momentum=0.9`?* At test time batch normalisation uses moving averages of the mean and variance
# seen in training, updated as $v \leftarrow m \cdot v + (1 - m) \cdot v_{batch}$ from a start of 1.
# Keras's default $m = 0.99$ suits long ImageNet runs; in the few hundred steps of section 5 the
# variances (about $10^{-4}$ after a depthwise filter) would still be near their initial 1 and the
# network would normalise with statistics far from those its weights were trained with (notebook
# 04, section 6, measures what such stale statistics do to the test accuracy, and how re-estimating
# them repairs it).

# %% solution="depthwise_separable_block"
def depthwise_separable_block(X, filters, stride=1):
    """MobileNet's depthwise-separable convolution block.

    Arguments:
    X -- input tensor of shape (m, n_H_prev, n_W_prev, n_C_prev)
    filters -- number of output channels of the pointwise (1×1) convolution
    stride -- stride of the depthwise 3×3 convolution

    Returns:
    X -- output tensor of shape (m, ⌈n_H_prev / stride⌉, ⌈n_W_prev / stride⌉, filters)
    """
    ### BEGIN SOLUTION
    X = DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)(X)
    X = BatchNormalization(momentum=0.9)(X)
    X = ReLU()(X)
    X = Conv2D(filters, 1, padding="same", use_bias=False)(X)
    X = BatchNormalization(momentum=0.9)(X)
    X = ReLU()(X)
    ### END SOLUTION
    return X


# %% tests="depthwise_separable_block_test" points=2
depthwise_separable_block_test(depthwise_separable_block)
### BEGIN HIDDEN TESTS
_inputs = keras.Input((9, 9, 4))
_model = keras.Model(_inputs, depthwise_separable_block(_inputs, 6))
assert tuple(_model.output.shape) == (None, 9, 9, 6), (
    f"depthwise_separable_block(X, 6) on 9×9×4 has output shape {tuple(_model.output.shape)}"
)
assert _model.count_params() == 9 * 4 + 4 * 6 + 4 * (4 + 6), (
    f"depthwise_separable_block(X, 6) on 9×9×4 has {_model.count_params()} parameters, not "
    f"{9 * 4 + 4 * 6 + 4 * (4 + 6)} (no biases)"
)
assert float(np.min(_model(np.random.default_rng(1).standard_normal((1, 9, 9, 4))))) >= 0.0, (
    "depthwise_separable_block's output has negative values: it ends with a ReLU"
)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 — `bottleneck_block` (3 points): MobileNetV2
#
# MobileNetV2 wraps the depthwise convolution in an *inverted residual* block: a 1×1 convolution first
# **expands** the $n_{C,prev}$ channels $t$ times (the depthwise filter has a richer space to work in),
# the depthwise 3×3 convolution filters it, and a 1×1 **projection** brings it back down to `filters`
# channels. The projection is linear (no ReLU: a ReLU in a narrow space destroys information), and
# when the block keeps the shape (stride 1, `filters` = $n_{C,prev}$) the input is added back, as in a
# ResNet. MobileNetV2 uses ReLU6, $\min(\max(x, 0), 6)$: `ReLU(max_value=6.0)`.
#
# 1×1 conv ($t \cdot n_{C,prev}$, no bias) → BN → ReLU6 → depthwise 3×3 (stride, same, no bias) → BN →
# ReLU6 → 1×1 conv (`filters`, no bias) → BN → `Add()` with the input if the shapes match. As in
# exercise 2, every `BatchNormalization` uses `momentum=0.9`.

# %% solution="bottleneck_block"
def bottleneck_block(X, expansion, filters, stride=1):
    """MobileNetV2's inverted residual (bottleneck) block.

    Arguments:
    X -- input tensor of shape (m, n_H_prev, n_W_prev, n_C_prev)
    expansion -- expansion factor t: the block works on t * n_C_prev channels inside
    filters -- number of output channels of the projection
    stride -- stride of the depthwise 3×3 convolution

    Returns:
    X -- output tensor of shape (m, ⌈n_H_prev / stride⌉, ⌈n_W_prev / stride⌉, filters)
    """
    n_C_prev = X.shape[-1]
    ### BEGIN SOLUTION
    shortcut = X
    X = Conv2D(expansion * n_C_prev, 1, padding="same", use_bias=False)(X)
    X = BatchNormalization(momentum=0.9)(X)
    X = ReLU(max_value=6.0)(X)
    X = DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)(X)
    X = BatchNormalization(momentum=0.9)(X)
    X = ReLU(max_value=6.0)(X)
    X = Conv2D(filters, 1, padding="same", use_bias=False)(X)
    X = BatchNormalization(momentum=0.9)(X)
    if stride == 1 and n_C_prev == filters:
        X = Add()([shortcut, X])
    ### END SOLUTION
    return X


# %% tests="bottleneck_block_test" points=3
bottleneck_block_test(bottleneck_block)
### BEGIN HIDDEN TESTS
_inputs = keras.Input((8, 8, 8))
_model = keras.Model(_inputs, bottleneck_block(_inputs, 1, 8, 2))
_adds = sum(type(_op).__name__ == "Add" for _op in _model.operations)
assert tuple(_model.output.shape) == (None, 4, 4, 8), (
    f"bottleneck_block(X, 1, 8, 2) on 8×8×8 has output shape {tuple(_model.output.shape)}"
)
assert _adds == 0, "bottleneck_block(X, 1, 8, 2) adds the input: no residual at stride 2"
_model = keras.Model(_inputs, bottleneck_block(_inputs, 4, 8, 1))
_adds = sum(type(_op).__name__ == "Add" for _op in _model.operations)
assert _adds == 1, f"bottleneck_block(X, 4, 8, 1) on 8×8×8 adds {_adds} times, not once"
assert _model.count_params() == 8 * 32 + 4 * 32 + 9 * 32 + 4 * 32 + 32 * 8 + 4 * 8, (
    f"bottleneck_block(X, 4, 8, 1) on 8×8×8 has {_model.count_params()} parameters, not "
    f"{8 * 32 + 4 * 32 + 9 * 32 + 4 * 32 + 32 * 8 + 4 * 8}"
)
### END HIDDEN TESTS

# %% [markdown]
# ### Xception: separable convolutions with shortcuts
#
# **Xception** (Chollet, 2017, "extreme Inception") takes the Inception idea to its end: if the
# channels can be mixed apart from the spatial filtering, every convolution can be
# depthwise-separable. Keras's `SeparableConv2D` is a depthwise $3 \times 3$ convolution followed by
# a pointwise $1 \times 1$ one (MobileNet's pair, without the BN and ReLU between them). Xception
# stacks 34 of them, in modules with ResNet-style shortcuts. Its *entry flow*:
#
# ```
# 299×299×3 → Conv 3×3/2, 32 → BN → ReLU → Conv 3×3, 64 → BN → ReLU    (valid: 149, then 147)
# then 3 modules, with 128, 256, 728 filters, each halving the size:
# X ──► [ReLU] → SepConv 3×3 → BN → ReLU → SepConv 3×3 → BN → MaxPool 3×3/2 ──► (+) ──►
# │                                                                            ▲
# └──────────────────────── Conv 1×1, stride 2 → BN ───────────────────────────┘
# ```
#
# (the first module has no ReLU in front: its input just went through one). A *middle flow* of 8
# modules of three separable convolutions with 728 filters and identity shortcuts follows, then an
# *exit flow* to 2048 channels, global average pooling and the classifier. Below, the entry flow
# from Keras layers, the same with ordinary convolutions in place of the separable ones, and
# `keras.applications.Xception(weights=None)`, whose first three modules should be exactly ours.

# %%
def xception_module(X, filters, relu_first=True, separable=True):
    """Xception's entry-flow module: (m, n_H, n_W, n_C) → (m, ⌈n_H/2⌉, ⌈n_W/2⌉, filters).

    separable=False puts Conv2D where Xception has SeparableConv2D (to compare the costs).
    """
    Conv = keras.layers.SeparableConv2D if separable else Conv2D
    shortcut = Conv2D(filters, 1, strides=2, padding="same", use_bias=False)(X)
    shortcut = BatchNormalization()(shortcut)
    if relu_first:
        X = ReLU()(X)
    X = Conv(filters, 3, padding="same", use_bias=False)(X)
    X = ReLU()(BatchNormalization()(X))
    X = Conv(filters, 3, padding="same", use_bias=False)(X)
    X = BatchNormalization()(X)
    X = MaxPooling2D(3, strides=2, padding="same")(X)
    return Add()([X, shortcut])


def xception_entry_flow(input_shape=(299, 299, 3), separable=True):
    """The two first convolutions and the three entry modules: 299×299×3 → 19×19×728."""
    inputs = keras.Input(input_shape)
    X = ReLU()(BatchNormalization()(Conv2D(32, 3, strides=2, use_bias=False)(inputs)))
    X = ReLU()(BatchNormalization()(Conv2D(64, 3, use_bias=False)(X)))
    for filters in (128, 256, 728):
        X = xception_module(X, filters, relu_first=filters != 128, separable=separable)
    return keras.Model(inputs, X)


start = time.perf_counter()
with deferred_weights():  # counting needs only the shapes: Keras draws the weights when used
    xception = keras.applications.Xception(weights=None)
    entries = {
        "entry flow, separable (ours)": xception_entry_flow(),
        "entry flow, ordinary convs": xception_entry_flow(separable=False),
    }
adds = [layer for layer in xception.layers if isinstance(layer, Add)]  # one per module
entries["Keras Xception up to module 3"] = keras.Model(xception.input, adds[2].output)
print(f"{'':<31} {'output':>15} {'parameters':>11} {'multiplications':>16}")
costs = {}
for name, network in entries.items():
    costs[name] = model_cost(network)
    shape = str(tuple(network.output.shape[1:]))
    print(f"{name:<31} {shape:>15} {costs[name]['params']:>11,} {costs[name]['macs']:>16,}")
ours, plain, keras_entry = costs.values()
print(f"ours == Keras's first three modules: {ours == keras_entry}")
print(
    f"separable convolutions: {plain['params'] / ours['params']:.1f} times fewer parameters, "
    f"{plain['macs'] / ours['macs']:.1f} times fewer multiplications"
)

print("\nkeras.applications.Xception, 299×299×3 → 1000 classes, flow by flow:")
ends = {"entry (3 modules)": adds[2], "middle (8 modules)": adds[10], "exit, classifier": None}
before = {"params": 0, "macs": 0}
for flow, end in ends.items():
    upto = model_cost(keras.Model(xception.input, end.output) if end else xception)
    params, macs = upto["params"] - before["params"], upto["macs"] - before["macs"]
    print(f"  {flow:<19} {params:>11,} parameters {macs / 1e9:>6.2f} G multiplications")
    before = upto
separable = [layer for layer in xception.layers if isinstance(layer, keras.layers.SeparableConv2D)]
print(
    f"  in all {upto['params']:,} parameters, {upto['macs'] / 1e9:.2f} G multiplications, "
    f"{len(separable)} separable convolutions"
)
print(f"Keras's count, 22,910,480 parameters: {upto['params'] == 22_910_480}")
del xception, entries
print(f"built and counted in {time.perf_counter() - start:.1f} s")

# %% [markdown]
# Xception has about as many parameters as Inception v3 (23.6 M) and reaches 79.0% top-1 accuracy
# on ImageNet against Inception v3's 78.2% (paper numbers): the same budget, spent on separable
# convolutions. The middle flow, 24 separable convolutions on 19×19×728 maps, holds more than half
# of its parameters and of its multiplications.
#
# ### Squeeze-and-excitation: letting a block weigh its channels
#
# A **squeeze-and-excitation** (SE) block (Hu et al., 2018) lets a network rescale each channel of
# a feature map by how useful it is for *this* image. *Squeeze*: global average pooling gives one
# number per channel, $z_c = \frac{1}{HW}\sum_{i,j} X_{ijc}$. *Excitation*: two dense layers, a
# bottleneck of ratio $r$ (16 in the paper) and a sigmoid, give a weight per channel,
# $s = \sigma\big(W_2\, \text{ReLU}(W_1 z)\big) \in (0, 1)^{C}$. *Scale*:
# $\tilde X_{ijc} = s_c\, X_{ijc}$. It costs $2C^2/r + C/r + C$ parameters, $2C^2/r$
# multiplications in its dense layers and $H \cdot W \cdot C$ to rescale (the `Multiply` layer,
# which `model_cost` does not count). SE-ResNet-50 puts one on the residual branch of every
# bottleneck block, before the addition; EfficientNet (section 6), one in every MobileNetV2
# bottleneck.


# %%
def se_block(X, ratio=16):
    """Squeeze-and-excitation: (m, n_H, n_W, C) → the same shape, channel c times s_c ∈ (0, 1)."""
    channels = X.shape[-1]
    s = keras.layers.GlobalAveragePooling2D(keepdims=True)(X)  # squeeze: (m, 1, 1, C)
    s = keras.layers.Dense(channels // ratio, activation="relu")(s)  # excitation
    s = keras.layers.Dense(channels, activation="sigmoid")(s)
    return keras.layers.Multiply()([X, s])  # scale (broadcast over n_H and n_W)


inputs = keras.Input((28, 28, 256))
se_model = keras.Model(inputs, se_block(inputs))
se_cost = model_cost(se_model)
C, r = 256, 16
print(f"SE block on 28×28×256, r = 16: output {tuple(se_model.output.shape[1:])}")
print(f"  parameters {se_cost['params']:,} = 2·C²/r + C/r + C = {2 * C * C // r + C // r + C:,}")
print(f"  multiplications: {se_cost['macs']:,} (dense) + {28 * 28 * C:,} (rescaling)")

volume = np.random.default_rng(1).standard_normal((2, 28, 28, 256)).astype("float32")
scale = se_model.layers[-1]  # the Multiply layer; its second input is s, (m, 1, 1, C)
excitation = keras.Model(inputs, scale.input[1])(volume).numpy()
in_range = bool(((excitation > 0) & (excitation < 1)).all())
print(f"  s {excitation.shape}: one weight per image and channel, all in (0, 1): {in_range}")
rescaled = np.allclose(se_model(volume).numpy(), volume * excitation, atol=1e-6)
print(f"  output == X · s: {rescaled}")

# %% [markdown]
# What SE costs a whole network: one block per bottleneck of ResNet-50 (16 blocks, with 256 to
# 2048 output channels), computed from the shapes of `keras.applications.ResNet50`'s blocks:

# %%
with deferred_weights():
    resnet50 = keras.applications.ResNet50(weights=None)
base = model_cost(resnet50)
added = {"params": 0, "macs": 0}
for block in (layer for layer in resnet50.layers if isinstance(layer, Add)):
    _, height, width, channels = block.output.shape
    added["params"] += 2 * channels * channels // 16 + channels // 16 + channels
    added["macs"] += 2 * channels * channels // 16 + height * width * channels
print(f"{'224×224×3':<13} {'parameters':>11} {'multiplications':>16}")
print(f"{'ResNet-50':<13} {base['params']:>11,} {base['macs']:>16,}")
with_se = {key: base[key] + added[key] for key in added}
print(f"{'SE-ResNet-50':<13} {with_se['params']:>11,} {with_se['macs']:>16,}")
print(
    f"SE adds {100 * added['params'] / base['params']:.1f}% parameters and "
    f"{100 * added['macs'] / base['macs']:.2f}% multiplications"
)
del resnet50

# %% [markdown]
# Ten percent more parameters (almost all in the 2048-channel blocks) and a fraction of a percent
# more computation: the SE paper counts 28.1 M parameters and 3.87 G multiply-adds for
# SE-ResNet-50 against 25.6 M and 3.86 G, and measures a top-1 error on ImageNet of 23.29% against
# 24.80% — close to ResNet-101's, at half its computation (paper numbers).


# %% [markdown]
# ## 5. Plain vs Inception vs MobileNet, trained
#
# Three small networks for the 32×32 digits, each with the same stem (a 3×3 convolution and a
# max-pool) and head (max-pool, flatten, a softmax over 10 digits), differ only in their feature
# blocks: plain 3×3 convolutions (64 then 128 channels), two of your Inception modules (64 then 128),
# or your MobileNet blocks (a depthwise-separable block to 64, a bottleneck, a depthwise-separable
# block to 128). Each is trained the same way (Adam 0.001, 10 epochs, batch 32) on the 1,437 training
# digits and evaluated on the 360 held-out ones.

# %%
# tolerance: ±2 points, ±8
X_train, Y_train, X_test, Y_test, classes = load_digits(size=32)
print(f"train {X_train.shape}, test {X_test.shape}, classes {classes.tolist()}")


def plain_blocks(X):
    X = Conv2D(64, 3, padding="same", activation="relu")(X)
    X = MaxPooling2D(2)(X)
    return Conv2D(128, 3, padding="same", activation="relu")(X)


def inception_blocks(X):
    X = inception_module(X, (16, (16, 32), (8, 8), 8))  # 64 channels
    X = MaxPooling2D(2)(X)
    return inception_module(X, (32, (32, 64), (8, 16), 16))  # 128 channels


def mobilenet_blocks(X):
    X = depthwise_separable_block(X, 64)
    X = bottleneck_block(X, 2, 64)
    X = MaxPooling2D(2)(X)
    return depthwise_separable_block(X, 128)


def digit_classifier(blocks, name):
    inputs = keras.Input((32, 32, 1))
    X = Conv2D(32, 3, padding="same", activation="relu")(inputs)
    X = MaxPooling2D(2)(X)
    X = blocks(X)
    X = MaxPooling2D(2)(X)
    X = keras.layers.Flatten()(X)
    outputs = keras.layers.Dense(10, activation="softmax")(X)
    return keras.Model(inputs, outputs, name=name)


results = []
for name, blocks in [
    ("plain", plain_blocks),
    ("Inception", inception_blocks),
    ("MobileNet", mobilenet_blocks),
]:
    keras.utils.set_random_seed(0)
    model = digit_classifier(blocks, name)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    model.fit(X_train, Y_train, epochs=10, batch_size=32, verbose=0)
    seconds = time.perf_counter() - start
    correct = int((model.predict(X_test, verbose=0).argmax(axis=1) == Y_test).sum())
    cost = model_cost(model)
    results.append((name, cost["params"], cost["macs"], correct, seconds))

print(f"\n{'network':<10} {'parameters':>10} {'multiplications':>16} {'test accuracy':>20}")
for name, params, macs, correct, _ in results:
    accuracy = f"{100 * correct / len(Y_test):.1f}% ({correct}/{len(Y_test)})"
    print(f"{name:<10} {params:>10,} {macs:>16,} {accuracy:>20}")
print("\ntraining time:", ", ".join(f"{name} {seconds:.1f} s" for name, *_, seconds in results))

# %% [markdown]
# All three reach about 98–99% on the held-out digits. The Inception network gets there with half the
# parameters and 40% of the multiplications of the plain one, the MobileNet network with the fewest
# parameters (it is also the only one with batch normalisation, which helps on so little data). Yet
# MobileNet trains slowest here: a depthwise convolution does few multiplications per value it reads,
# so on a CPU it is limited by memory traffic, not arithmetic. Multiplication counts are a guide to
# cost, not a stopwatch.

# %% [markdown]
# ## 6. EfficientNet: scaling a network up
#
# Given a good small network, how should it grow when more compute is available: deeper, wider (more
# channels) or on larger images? EfficientNet (Tan & Le, 2019) scales all three together with one
# coefficient $\phi$:
#
# $$ \text{depth} = \alpha^\phi,\quad \text{width} = \beta^\phi,\quad \text{resolution} = \gamma^\phi,
# \qquad \alpha \cdot \beta^2 \cdot \gamma^2 \approx 2, $$
#
# with $\alpha = 1.2$, $\beta = 1.1$, $\gamma = 1.15$ found by a small grid search on B0. The cost
# of a convolutional network grows linearly with depth but quadratically with width and resolution,
# so by the rule each step of $\phi$ about doubles the multiplications. The released B1–B7 use rounded
# coefficients instead (Keras's `EfficientNetB1`: width 1.0, depth 1.1, 240 px; B2: 1.1, 1.2, 260;
# B3: 1.2, 1.4, 300). Below: the rule, the released coefficients with the cost they predict
# ($d \cdot w^2 \cdot r^2$), and the cost measured on Keras's models built with `weights=None`.

# %%
ALPHA, BETA, GAMMA = 1.2, 1.1, 1.15
RELEASED = {
    "B0": (1.0, 1.0, 224),
    "B1": (1.0, 1.1, 240),
    "B2": (1.1, 1.2, 260),
    "B3": (1.2, 1.4, 300),
}
print(f"α·β²·γ² = {ALPHA * BETA**2 * GAMMA**2:.3f}\n")
print("       rule (φ)                 released                  measured")
print("model  φ  depth width  cost×   width depth  input cost×   parameters  mult-adds  cost×")
base = None
for phi, (name, (width, depth, size)) in enumerate(RELEASED.items()):
    model = getattr(keras.applications, f"EfficientNet{name}")(weights=None)
    cost = model_cost(model)
    base = base or cost["macs"]
    rule = (ALPHA * BETA**2 * GAMMA**2) ** phi
    released = depth * width**2 * (size / 224) ** 2
    print(
        f"{name:<5} {phi:>2} {ALPHA**phi:>6.2f} {BETA**phi:>5.2f} {rule:>6.2f}   "
        f"{width:>5.1f} {depth:>5.1f} {size:>6} {released:>5.2f}   "
        f"{cost['params']:>10,} {cost['macs'] / 1e9:>8.2f} G {cost['macs'] / base:>5.2f}"
    )
    keras.backend.clear_session()

# %% [markdown]
# The measured cost grows by 1.45–1.84× per step, less than the rule's 1.92× because the
# released coefficients are smaller than $\alpha^\phi, \beta^\phi, \gamma^\phi$, but more than those
# coefficients predict, because the layer counts are rounded up and the channel counts are rounded to
# multiples of 8. The measured multiply-adds match the paper's 0.39, 0.70, 1.0 and 1.8 billion for
# B0–B3, which reach 77.1%, 79.1%, 80.1% and 81.6% ImageNet top-1 accuracy (paper numbers; nothing is
# trained here).
#
# ## Summary
#
# - A convolution costs $(n_H n_W n_C)(f^2 n_{C,prev})$ multiplications: 120,422,400 for the course's
#   5×5 layer, 12,443,648 with a 1×1 bottleneck of 16 channels first.
# - A 1×1 convolution is a dense layer applied at every pixel: it changes the number of channels cheaply.
# - `inception_module` runs 1×1, 3×3, 5×5 and pooling branches in parallel (28×28×192 → 28×28×256);
#   GoogLeNet stacks nine of them and trains with two auxiliary classifiers.
# - Depthwise-separable convolutions cost $1/n_c + 1/f^2$ of a normal one (672 vs 2,160 in the
#   example); MobileNetV2's bottleneck adds expansion, a linear projection and a residual.
# - Xception makes every convolution depthwise-separable, with residual shortcuts (22,910,480
#   parameters as Keras counts them); a squeeze-and-excitation block reweights the channels by
#   numbers in (0, 1) computed from their global averages, for few parameters (SE-ResNet-50: +9.9%
#   parameters, +0.21% multiplications).
# - Trained on the same digits, the three networks reach similar accuracy for very different costs
#   (table in section 5); EfficientNet scales depth, width and resolution together.
