"""Notebook 04 (residual networks): wrong answers and alternatives of the blocks and ResNet50."""

from tests.mistakes import Right, Wrong

IDENTITY = """
def identity_block(X, f, filters, initializer=random_uniform):
    F1, F2, F3 = filters
    X_shortcut = X
    X = Conv2D(F1, 1, padding="valid", kernel_initializer=initializer(seed=0))(X)
    X = {relu1}(BatchNormalization(axis={axis})(X))
    X = Conv2D(F2, f, padding="{middle}", kernel_initializer=initializer(seed=0))(X)
    X = {relu1}(BatchNormalization(axis={axis})(X))
    X = Conv2D(F3, 1, padding="valid", kernel_initializer=initializer(seed=0))(X)
    X = BatchNormalization(axis={axis})(X)
    {end}
    return X
"""
IDENTITY_RIGHT = {
    "relu1": 'Activation("relu")',
    "axis": "3",
    "middle": "same",
    "end": 'X = Activation("relu")(Add()([X, X_shortcut]))',
}

CONVOLUTIONAL = """
def convolutional_block(X, f, filters, s=2, initializer=glorot_uniform):
    F1, F2, F3 = filters
    X_shortcut = X
    X = Conv2D(F1, 1, strides={s1}, kernel_initializer=initializer(seed=0))(X)
    X = Activation("relu")(BatchNormalization(axis=3)(X))
    X = Conv2D(F2, f, strides={s2}, padding="same", kernel_initializer=initializer(seed=0))(X)
    X = Activation("relu")(BatchNormalization(axis=3)(X))
    X = Conv2D(F3, 1, kernel_initializer=initializer(seed=0))(X)
    X = BatchNormalization(axis=3)(X)
    X_shortcut = Conv2D(F3, 1, strides={s_short}, kernel_initializer=initializer(seed=0))(
        X_shortcut
    )
    X_shortcut = {short_bn}
    return Activation("relu")(Add()([X, X_shortcut]))
"""
CONVOLUTIONAL_RIGHT = {
    "s1": "s",
    "s2": "1",
    "s_short": "s",
    "short_bn": "BatchNormalization(axis=3)(X_shortcut)",
}

RESNET50 = """
def ResNet50(input_shape=(64, 64, 3), classes=6):
    X_input = Input({shape})
    X = ZeroPadding2D((3, 3))(X_input)
    X = Conv2D(64, (7, 7), strides=(2, 2), kernel_initializer=glorot_uniform(seed=0))(X)
    X = {relu}(BatchNormalization(axis=3)(X))
    X = MaxPooling2D((3, 3), strides=(2, 2))(X)
    for filters, blocks, s in {stages}:
        X = convolutional_block(X, f=3, filters=filters{stride})
        for _ in range(blocks - 1):
            X = identity_block(X, 3, filters)
    {pool}
    X = Flatten()(X)
    X = Dense({classes}, activation="{softmax}", kernel_initializer=glorot_uniform(seed=0))(X)
    return Model(inputs=X_input, outputs=X)
"""
STAGES = (
    "[([64, 64, 256], 3, 1), ([128, 128, 512], 4, 2), ([256, 256, 1024], 6, 2), "
    "([512, 512, 2048], 3, 2)]"
)
RESNET50_RIGHT = {
    "shape": "input_shape",
    "relu": 'Activation("relu")',
    "stages": STAGES,
    "stride": ", s=s",
    "pool": "X = AveragePooling2D((2, 2))(X)",
    "classes": "classes",
    "softmax": "softmax",
}


def variant(template: str, right: dict[str, str], **change: str) -> str:
    """``template`` filled with the right settings, except the ones in ``change``."""
    return template.format(**{**right, **change})


CATALOGUE = [
    # --- identity_block ----------------------------------------------------------------------
    Wrong(
        "identity_block",
        "no shortcut",
        variant(IDENTITY, IDENTITY_RIGHT, end='X = Activation("relu")(X)'),
        says=r"the course's example.*training=False\): the shortcut is missing",
    ),
    Wrong(
        "identity_block",
        "ReLU before the addition",
        variant(
            IDENTITY,
            IDENTITY_RIGHT,
            end='X = Activation("relu")(Add()([Activation("relu")(X), X_shortcut]))',
        ),
        says=r"there is a ReLU between the third BatchNormalization and the addition",
    ),
    Wrong(
        "identity_block",
        "no ReLU after the addition",
        variant(IDENTITY, IDENTITY_RIGHT, end="X = Add()([X, X_shortcut])"),
        says=r"the ReLU after the addition is missing",
    ),
    Wrong(
        "identity_block",
        "'valid' middle convolution",
        variant(IDENTITY, IDENTITY_RIGHT, middle="valid"),
        says=r"identity_block raised ValueError: .*built on a keras.Input; your code, line 11, in "
        r"identity_block: .*Add\(\).*Conv2D f×f \(same\)",
    ),
    Wrong(
        "identity_block",
        "batch normalisation over axis 1",
        variant(IDENTITY, IDENTITY_RIGHT, axis="1"),
        says=r"values are wrong.*BatchNormalization\(axis=3\)",
    ),
    Right(
        "identity_block",
        "ReLU layers, shortcut added first",
        variant(
            IDENTITY, IDENTITY_RIGHT, relu1="ReLU()", end="X = ReLU()(Add()([X_shortcut, X]))"
        ).replace("X_shortcut = X\n", "X_shortcut = X\n    from keras.layers import ReLU\n"),
    ),
    Right(
        "identity_block",
        "X + X_shortcut and keras.ops.relu",
        variant(IDENTITY, IDENTITY_RIGHT, end="X = keras.ops.relu(X + X_shortcut)"),
    ),
    # --- convolutional_block -----------------------------------------------------------------
    Wrong(
        "convolutional_block",
        "stride on the f×f convolution",
        variant(CONVOLUTIONAL, CONVOLUTIONAL_RIGHT, s1="1", s2="s"),
        says=r"the stride s belongs to the first 1×1 convolution",
    ),
    Wrong(
        "convolutional_block",
        "no batch normalisation on the shortcut",
        variant(CONVOLUTIONAL, CONVOLUTIONAL_RIGHT, short_bn="X_shortcut"),
        says=r"the shortcut needs its BatchNormalization\(axis=3\) after the conv",
    ),
    Wrong(
        "convolutional_block",
        "shortcut without the stride",
        variant(CONVOLUTIONAL, CONVOLUTIONAL_RIGHT, s_short="1"),
        says=r"convolutional_block raised ValueError: .*your code, line 15, in "
        r"convolutional_block: return Activation.*shortcut: Conv2D\(F3, 1×1, strides=s",
    ),
    Wrong(
        "convolutional_block",
        "s ignored (stride 1 everywhere)",
        variant(CONVOLUTIONAL, CONVOLUTIONAL_RIGHT, s1="1", s_short="1"),
        says=r"output of shape \(None, 4, 4, 6\) but \(None, 2, 2, 6\) was expected.*"
        r"⌊\(n_H_prev − 1\)/s⌋ \+ 1",
    ),
    Right(
        "convolutional_block",
        "the shortcut first, keras.layers.add",
        """
def convolutional_block(X, f, filters, s=2, initializer=glorot_uniform):
    F1, F2, F3 = filters
    shortcut = Conv2D(F3, (1, 1), strides=(s, s), kernel_initializer=initializer(seed=0))(X)
    shortcut = BatchNormalization(axis=-1)(shortcut)
    for filters_, size, stride in ((F1, 1, s), (F2, f, 1)):
        X = Conv2D(filters_, size, strides=stride, padding="same",
                   kernel_initializer=initializer(seed=0))(X)
        X = keras.layers.ReLU()(BatchNormalization(axis=3)(X))
    X = BatchNormalization(axis=3)(Conv2D(F3, 1, kernel_initializer=initializer(seed=0))(X))
    return keras.layers.ReLU()(keras.layers.add([X, shortcut]))
""",
    ),
    # --- ResNet50 ----------------------------------------------------------------------------
    Wrong(
        "ResNet50",
        "stage 2 with the default stride 2",
        variant(RESNET50, RESNET50_RIGHT, stride=""),
        says=r"ResNet50 raised ValueError: in AveragePooling2D: Computed output size would be zero "
        r"or negative.*"
        r"one stride of 2 too many.*built on a 128×128×3 input instead.*that layer should be "
        r"stage 2, block 1 \(convolutional\): conv 1×1\) \(hint: stage 2's convolutional block "
        r"takes s=1",
    ),
    Wrong(
        "ResNet50",
        "stage 4 one identity block short",
        variant(RESNET50, RESNET50_RIGHT, stages=STAGES.replace("6, 2)", "5, 2)")),
        says=r"it has 167 layers but 177 were expected.*that layer should be stage 4, block 6 "
        r"\(identity\)",
    ),
    Wrong(
        "ResNet50",
        "no softmax",
        variant(RESNET50, RESNET50_RIGHT, softmax="linear"),
        says=r"layer 176 is \['Dense'.*'linear'\].*the outputs are not probabilities: the last "
        r"Dense layer needs activation='softmax'",
    ),
    Wrong(
        "ResNet50",
        "input_shape and classes ignored",
        variant(RESNET50, RESNET50_RIGHT, shape="(64, 64, 3)", classes="6"),
        says=r"ResNet50\(input_shape=\(64, 64, 1\), classes=3\): the input shape: got "
        r"\(None, 64, 64, 3\).*the output shape: got \(None, 6\)",
    ),
    Wrong(
        "ResNet50",
        "right, on top of an identity block without its shortcut (blame exercise 1)",
        variant(IDENTITY, IDENTITY_RIGHT, end='X = Activation("relu")(X)')
        + variant(RESNET50, RESNET50_RIGHT),
        says=r"^your `identity_block` \(exercise 1\) is wrong, and ResNet50 calls it; fix it "
        r"first: .*the shortcut is missing",
    ),
    Right(
        "ResNet50",
        "ReLU() layers and X + shortcut in the blocks, written out stage by stage",
        variant(
            IDENTITY,
            IDENTITY_RIGHT,
            relu1="keras.layers.ReLU()",
            end="X = keras.ops.relu(X + X_shortcut)",
        )
        + """
def ResNet50(input_shape=(64, 64, 3), classes=6):
    X_input = Input(input_shape)
    X = ZeroPadding2D(3)(X_input)
    X = Conv2D(64, 7, strides=2, kernel_initializer=glorot_uniform(seed=0))(X)
    X = keras.layers.ReLU()(BatchNormalization(axis=3)(X))
    X = MaxPooling2D(3, strides=2)(X)
    X = convolutional_block(X, 3, [64, 64, 256], s=1)
    X = identity_block(X, 3, [64, 64, 256])
    X = identity_block(X, 3, [64, 64, 256])
    X = convolutional_block(X, 3, [128, 128, 512])
    for _ in range(3):
        X = identity_block(X, 3, [128, 128, 512])
    X = convolutional_block(X, 3, [256, 256, 1024])
    for _ in range(5):
        X = identity_block(X, 3, [256, 256, 1024])
    X = convolutional_block(X, 3, [512, 512, 2048])
    X = identity_block(X, 3, [512, 512, 2048])
    X = identity_block(X, 3, [512, 512, 2048])
    X = Flatten()(AveragePooling2D(pool_size=2)(X))
    return Model(X_input, Dense(classes, activation="softmax")(X))
""",
    ),
]
