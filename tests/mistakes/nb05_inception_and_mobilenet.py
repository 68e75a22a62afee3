"""Notebook 05 (1×1 convolutions, Inception, MobileNet): wrong answers and alternatives."""

from tests.mistakes import Right, Wrong

INCEPTION = """
def inception_module(X, filters):
    f_1x1, (f_3x3_reduce, f_3x3), (f_5x5_reduce, f_5x5), f_pool = filters
    branch_1 = Conv2D(f_1x1, 1, padding="same", activation="{act}")(X)
    branch_3 = Conv2D(f_3x3_reduce, 1, padding="same", activation="{act}")(X)
    branch_3 = Conv2D(f_3x3, 3, padding="{pad3}", activation="{act}")(branch_3)
    branch_5 = Conv2D(f_5x5_reduce, 1, padding="same", activation="{act}")(X)
    branch_5 = Conv2D(f_5x5, 5, padding="same", activation="{act}")(branch_5)
    branch_pool = MaxPooling2D(3, {pool_stride}padding="same")(X)
    branch_pool = Conv2D(f_pool, 1, padding="same", activation="{act}")(branch_pool)
    return Concatenate(axis={axis})([{order}])
"""
INCEPTION_RIGHT = {
    "act": "relu",
    "pad3": "same",
    "pool_stride": "strides=1, ",
    "axis": "-1",
    "order": "branch_1, branch_3, branch_5, branch_pool",
}

DEPTHWISE = """
def depthwise_separable_block(X, filters, stride=1):
    X = DepthwiseConv2D(3, strides={dw_stride}, padding="same", use_bias={bias})(X)
    X = BatchNormalization(momentum={momentum})(X)
    X = ReLU()(X)
    X = Conv2D(filters, 1, strides={pw_stride}, padding="same", use_bias={bias})(X)
    X = BatchNormalization(momentum={momentum})(X)
    {last}
    return X
"""
DEPTHWISE_RIGHT = {
    "dw_stride": "stride",
    "pw_stride": "1",
    "bias": "False",
    "momentum": "0.9",
    "last": "X = ReLU()(X)",
}

BOTTLENECK = """
def bottleneck_block(X, expansion, filters, stride=1):
    n_C_prev = X.shape[-1]
    shortcut = X
    X = Conv2D(expansion * n_C_prev, 1, padding="same", use_bias=False)(X)
    X = {relu}(BatchNormalization(momentum=0.9)(X))
    X = DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)(X)
    X = {relu}(BatchNormalization(momentum=0.9)(X))
    X = Conv2D(filters, 1, padding="same", use_bias=False)(X)
    X = BatchNormalization(momentum=0.9)(X)
    {project}
    if {residual}:
        X = Add()([shortcut, X])
    return X
"""
BOTTLENECK_RIGHT = {
    "relu": "ReLU(max_value=6.0)",
    "project": "",
    "residual": "stride == 1 and n_C_prev == filters",
}


def variant(template: str, right: dict[str, str], **change: str) -> str:
    """``template`` filled with the right settings, except the ones in ``change``."""
    return template.format(**{**right, **change})


CATALOGUE = [
    # --- inception_module --------------------------------------------------------------------
    Wrong(
        "inception_module",
        "concatenated on the height axis",
        variant(INCEPTION, INCEPTION_RIGHT, axis="1"),
        says=r"inception_module raised ValueError: .*your code, line 11, in inception_module.*"
        r"concatenated on the channel axis",
    ),
    Wrong(
        "inception_module",
        "no ReLU",
        variant(INCEPTION, INCEPTION_RIGHT, act="linear"),
        says=r"the output with an all-minus-ones input.*every convolution is followed by a ReLU",
    ),
    Wrong(
        "inception_module",
        "pooling with its default stride",
        variant(INCEPTION, INCEPTION_RIGHT, pool_stride=""),
        says=r"inception_module raised ValueError: .*MaxPooling2D\(3, strides=1, padding='same'\)",
    ),
    Wrong(
        "inception_module",
        "branches in another order",
        variant(INCEPTION, INCEPTION_RIGHT, order="branch_3, branch_1, branch_5, branch_pool"),
        says=r"output\[0, 0, 0\] \(top-left pixel\).*branches in the order 1×1, 3×3, 5×5, pool",
    ),
    Wrong(
        "inception_module",
        "no 1×1 reduction before the 3×3",
        variant(INCEPTION, INCEPTION_RIGHT).replace("(branch_3)", "(X)"),
        says=r"the number of parameters: got \d+ but 163696 was expected",
    ),
    Right(
        "inception_module",
        "ReLU layers of their own and keras.ops.concatenate",
        """
def inception_module(X, filters):
    f_1x1, (f_3x3_reduce, f_3x3), (f_5x5_reduce, f_5x5), f_pool = filters

    def conv(x, n, size):
        return ReLU()(Conv2D(n, size, padding="same")(x))

    pooled = MaxPooling2D(pool_size=(3, 3), strides=(1, 1), padding="same")(X)
    branches = [
        conv(X, f_1x1, 1),
        conv(conv(X, f_3x3_reduce, 1), f_3x3, 3),
        conv(conv(X, f_5x5_reduce, 1), f_5x5, 5),
        conv(pooled, f_pool, 1),
    ]
    return keras.ops.concatenate(branches, axis=3)
""",
    ),
    # --- depthwise_separable_block -----------------------------------------------------------
    Wrong(
        "depthwise_separable_block",
        "stride on the pointwise convolution",
        variant(DEPTHWISE, DEPTHWISE_RIGHT, dw_stride="1", pw_stride="stride"),
        says=r"the output with random weights: the stride is on the pointwise 1×1 convolution",
    ),
    Wrong(
        "depthwise_separable_block",
        "biases before the batch normalisation",
        variant(DEPTHWISE, DEPTHWISE_RIGHT, bias="True"),
        says=r"the number of parameters: got 2816 but 2720 was expected \(hint: no biases",
    ),
    Wrong(
        "depthwise_separable_block",
        "default momentum",
        variant(DEPTHWISE, DEPTHWISE_RIGHT, momentum="0.99"),
        says=r"the BatchNormalization momentum: got \{0\.99\} but \{0\.9\} was expected",
    ),
    Wrong(
        "depthwise_separable_block",
        "no ReLU after the pointwise convolution",
        variant(DEPTHWISE, DEPTHWISE_RIGHT, last=""),
        says=r"the layers: got .*'ReLU': 1.*'ReLU': 2.*depthwise 3×3 → BN → ReLU → 1×1 conv → BN "
        r"→ ReLU",
    ),
    Right(
        "depthwise_separable_block",
        'Activation("relu")',
        variant(DEPTHWISE, DEPTHWISE_RIGHT).replace("ReLU()", 'keras.layers.Activation("relu")'),
    ),
    # --- bottleneck_block --------------------------------------------------------------------
    Wrong(
        "bottleneck_block",
        "plain ReLU instead of ReLU6",
        variant(BOTTLENECK, BOTTLENECK_RIGHT, relu="ReLU()"),
        says=r"the layers for input \(28, 28, 16\).*'ReLU': 2.*'ReLU6': 2",
    ),
    Wrong(
        "bottleneck_block",
        "ReLU6 after the projection",
        variant(BOTTLENECK, BOTTLENECK_RIGHT, project="X = ReLU(6.0)(X)"),
        says=r"'ReLU6': 3.*'ReLU6': 2.*1×1 project → BN \(no ReLU\)",
    ),
    Wrong(
        "bottleneck_block",
        "residual at every stride",
        variant(BOTTLENECK, BOTTLENECK_RIGHT, residual="True"),
        says=r"bottleneck_block raised ValueError: .*bottleneck_block\(X, 6, 24, 2\).*your code, "
        r"line 13, in bottleneck_block: X = Add\(\)\(\[shortcut, X\]\).*add the input only when "
        r"stride is 1",
    ),
    Wrong(
        "bottleneck_block",
        "no residual",
        variant(BOTTLENECK, BOTTLENECK_RIGHT, residual="False"),
        says=r"the layers for input \(28, 28, 16\), expansion=6, filters=16, stride=1: got \{[^}]*"
        r"\} but \{.*'Add': 1\}",
    ),
    Right(
        "bottleneck_block",
        'Activation("relu6") and X + shortcut',
        variant(
            BOTTLENECK,
            BOTTLENECK_RIGHT,
            relu='keras.layers.Activation("relu6")',
        ).replace("X = Add()([shortcut, X])", "X = X + shortcut"),
    ),
]
