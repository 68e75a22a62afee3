"""Notebook 03 (LeNet-5 and classic networks): wrong answers and alternatives of its exercises."""

from tests.mistakes import Right, Wrong

HAPPY_MODEL = """
def happyModel():
    return keras.Sequential(
        [
            keras.Input(shape=(64, 64, 3)),
            {layers}
        ]
    )
"""
HAPPY_LAYERS = [
    "keras.layers.ZeroPadding2D(padding=3),",
    "keras.layers.Conv2D(32, 7, strides=1),",
    "keras.layers.BatchNormalization(axis=3),",
    "keras.layers.ReLU(),",
    "keras.layers.MaxPooling2D(),",
    "keras.layers.Flatten(),",
    'keras.layers.Dense(1, activation="sigmoid"),',
]


def happy(**change: str) -> str:
    """happyModel with the layers of the solution, some replaced: ``{index: new line}``."""
    layers = [change.get(f"layer{index}", line) for index, line in enumerate(HAPPY_LAYERS)]
    return HAPPY_MODEL.format(layers="\n            ".join(line for line in layers if line))


LENET5 = """
def LeNet5(input_shape=(32, 32, 1), classes=10):
    X_input = keras.Input(shape={shape})
    X = keras.layers.Conv2D(6, 5, padding="{padding}", activation="{activation}")(X_input)
    X = keras.layers.{pool}(pool_size=2, strides=2)(X)
    X = keras.layers.Conv2D(16, 5, padding="{padding}", activation="{activation}")(X)
    X = keras.layers.{pool}(pool_size=2, strides=2)(X)
    X = keras.layers.Flatten()(X)
    X = keras.layers.Dense(120, activation="{activation}")(X)
    X = keras.layers.Dense(84, activation="{activation}")(X)
    outputs = keras.layers.Dense({classes}, activation="softmax")(X)
    return keras.Model(inputs=X_input, outputs=outputs)
"""
LENET5_RIGHT = {
    "shape": "input_shape",
    "padding": "valid",
    "activation": "relu",
    "pool": "MaxPooling2D",
    "classes": "classes",
}


def lenet5(**change: str) -> str:
    """LeNet5 as the solution builds it, with some settings changed."""
    return LENET5.format(**{**LENET5_RIGHT, **change})


CATALOGUE = [
    # --- happyModel --------------------------------------------------------------------------
    Wrong(
        "happyModel",
        "batch normalisation over axis 1",
        happy(layer2="keras.layers.BatchNormalization(axis=1),"),
        says=r"the BatchNormalization layer normalises axis 1, but axis 3 \(the channels",
    ),
    Wrong(
        "happyModel",
        "no zero padding",
        happy(layer0=""),
        says=r"it has 6 layers but 7 were expected.*layer 0 is \['Conv2D', \(None, 58, 58, 32\)"
        r".*ZeroPadding2D\(padding=3\)",
    ),
    Wrong(
        "happyModel",
        "no sigmoid on the output",
        happy(layer6="keras.layers.Dense(1),"),
        says=r"layer 6 is \['Dense', \(None, 1\), 32769, 1, 'linear'\].*"
        r"Dense\(1, activation='sigmoid'\)",
    ),
    Wrong(
        "happyModel",
        "ReLU before the batch normalisation",
        happy(layer2="keras.layers.ReLU(),", layer3="keras.layers.BatchNormalization(axis=3),"),
        says=r"layer 1 is \['Conv2D'.*'relu'\] but \['Conv2D'.*'linear'\].*the ReLU comes after "
        r"the BatchNormalization",
    ),
    Wrong(
        "happyModel",
        "Functional API",
        """
def happyModel():
    inputs = keras.Input(shape=(64, 64, 3))
    X = keras.layers.ZeroPadding2D(3)(inputs)
    X = keras.layers.ReLU()(keras.layers.BatchNormalization(axis=3)(keras.layers.Conv2D(32, 7)(X)))
    X = keras.layers.Flatten()(keras.layers.MaxPooling2D()(X))
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(X))
""",
        says=r"happyModel\(\) must build a keras\.Sequential model, got Functional",
    ),
    Right(
        "happyModel",
        'Activation("relu") and axis=-1',
        happy(
            layer2="keras.layers.BatchNormalization(axis=-1),",
            layer3='keras.layers.Activation("relu"),',
        ),
    ),
    Right(
        "happyModel",
        "built with add() and explicit settings",
        """
def happyModel():
    model = keras.Sequential(name="happy")
    model.add(keras.Input(shape=(64, 64, 3)))
    model.add(keras.layers.ZeroPadding2D(padding=(3, 3)))
    model.add(keras.layers.Conv2D(filters=32, kernel_size=(7, 7), strides=(1, 1), padding="valid"))
    model.add(keras.layers.BatchNormalization(axis=3))
    model.add(keras.layers.Activation(keras.activations.relu))
    model.add(keras.layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2)))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(1, activation=keras.activations.sigmoid))
    return model
""",
    ),
    # --- LeNet5 ------------------------------------------------------------------------------
    Wrong(
        "LeNet5",
        "Sequential API",
        """
def LeNet5(input_shape=(32, 32, 1), classes=10):
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            keras.layers.Conv2D(6, 5, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(16, 5, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(120, activation="relu"),
            keras.layers.Dense(84, activation="relu"),
            keras.layers.Dense(classes, activation="softmax"),
        ]
    )
""",
        says=r"LeNet5\(\) must be built with the Functional API, not keras\.Sequential",
    ),
    Wrong(
        "LeNet5",
        "'same' padding",
        lenet5(padding="same"),
        says=r"layer 1 is \['Conv2D', \(None, 32, 32, 6\).*padding 'valid' and stride 1",
    ),
    Wrong(
        "LeNet5",
        "average pooling",
        lenet5(pool="AveragePooling2D"),
        says=r"layer 2 is \['AveragePooling2D'.*MaxPooling2D\(pool_size=2, strides=2\)",
    ),
    Wrong(
        "LeNet5",
        "tanh, as in 1998",
        lenet5(activation="tanh"),
        says=r"layer 1 is \['Conv2D'.*'tanh'\] but .*'relu'\].*Conv2D\(6, 5, activation='relu'\)",
    ),
    Wrong(
        "LeNet5",
        "input_shape ignored",
        lenet5(shape="(32, 32, 1)"),
        says=r"LeNet5\(input_shape=\(32, 32, 3\), classes=5\): the input shape: got "
        r"\(None, 32, 32, 1\).*not a fixed \(32, 32, 1\)",
    ),
    Wrong(
        "LeNet5",
        "classes ignored",
        lenet5(classes="10"),
        says=r"classes=5\): the output shape: got \(None, 10\) but \(None, 5\) was expected",
    ),
    Right(
        "LeNet5",
        "activations as layers of their own",
        """
def LeNet5(input_shape=(32, 32, 1), classes=10):
    inputs = keras.Input(input_shape)
    X = keras.layers.ReLU()(keras.layers.Conv2D(6, (5, 5))(inputs))
    X = keras.layers.MaxPooling2D()(X)
    X = keras.layers.Activation("relu")(keras.layers.Conv2D(16, (5, 5))(X))
    X = keras.layers.MaxPooling2D()(X)
    X = keras.layers.Flatten()(X)
    for units in (120, 84):
        X = keras.layers.ReLU()(keras.layers.Dense(units)(X))
    outputs = keras.layers.Activation("softmax")(keras.layers.Dense(classes)(X))
    return keras.Model(inputs, outputs)
""",
    ),
    Right("LeNet5", "the solution's settings, written out", lenet5()),
]
