"""Notebook 08 (neural style transfer): wrong answers and correct alternatives of its six
exercises.

``SETUP`` defines the notebook's ``STYLE_LAYERS`` (``compute_style_cost``'s default argument).
``STATE`` replaces VGG19 by a tiny fixed network with five style outputs and one content output
on 16×16 images, so that ``train_step`` runs in milliseconds. ``train_step`` needs a fresh Adam
optimizer and image, as the notebook's previous cell makes them: its entries start with
:data:`FRESH`, that cell's two lines.
"""

from tests.mistakes import Right, Wrong

SETUP = """
STYLE_LAYERS = [
    ("block1_conv1", 0.2),
    ("block2_conv1", 0.2),
    ("block3_conv1", 0.2),
    ("block4_conv1", 0.2),
    ("block5_conv1", 0.2),
]
"""

STATE = """
keras.utils.set_random_seed(0)
_inputs = keras.Input((16, 16, 3))
_layer, _outputs = _inputs, []
for _filters in (4, 4, 6, 6, 8, 8):
    _layer = keras.layers.Conv2D(_filters, 3, padding="same", activation="relu")(_layer)
    _outputs.append(_layer)
vgg_model_outputs = keras.Model(_inputs, _outputs)  # 5 style outputs, then the content output
_photos = np.random.default_rng(0).random((3, 1, 16, 16, 3)).astype(np.float32)
a_C, a_S = vgg_model_outputs(_photos[0]), vgg_model_outputs(_photos[1])
ALPHA, BETA, LEARNING_RATE = 10, 40, 0.03


def clip_0_1(image):
    return tf.clip_by_value(image, clip_value_min=0.0, clip_value_max=1.0)
"""

# The notebook's cell before train_step: a fresh image to optimise and a fresh Adam optimizer.
FRESH = """
generated_image = tf.Variable(np.random.default_rng(1).random((1, 16, 16, 3), np.float32))
optimizer = keras.optimizers.Adam(learning_rate=LEARNING_RATE)
"""

STEP = (
    FRESH
    + """
@tf.function()
def train_step(generated_image):
    with tf.GradientTape() as tape:
        a_G = vgg_model_outputs(generated_image)
        J_style = compute_style_cost(a_S, a_G)
        J_content = compute_content_cost(a_C, a_G)
        J = total_cost(J_content, J_style, alpha=ALPHA, beta=BETA)
    grad = tape.gradient(J, generated_image)
    optimizer.apply_gradients([(grad, generated_image)])
    generated_image.assign(clip_0_1(generated_image))
    return J
"""
)

CONTENT = """
def compute_content_cost(content_output, generated_output):
    a_C = content_output[-1]
    a_G = generated_output[-1]
    _, n_H, n_W, n_C = a_G.get_shape().as_list()
    return tf.reduce_sum(tf.square(a_C - a_G)) / (4.0 * n_H * n_W * n_C)
"""

LAYER = """
def compute_layer_style_cost(a_S, a_G):
    _, n_H, n_W, n_C = a_G.get_shape().as_list()
    a_S = tf.transpose(tf.reshape(a_S, [-1, n_C]))
    a_G = tf.transpose(tf.reshape(a_G, [-1, n_C]))
    GS, GG = gram_matrix(a_S), gram_matrix(a_G)
    return tf.reduce_sum(tf.square(GS - GG)) / (4.0 * n_C**2 * (n_H * n_W) ** 2)
"""

STYLE = """
def compute_style_cost(style_image_output, generated_image_output, STYLE_LAYERS=STYLE_LAYERS):
    J_style = 0
    a_S = style_image_output[:-1]
    a_G = generated_image_output[:-1]
    for (_, weight), a_S_layer, a_G_layer in zip(STYLE_LAYERS, a_S, a_G, strict=True):
        J_style += weight * compute_layer_style_cost(a_S_layer, a_G_layer)
    return J_style
"""

TOTAL = """
def total_cost(J_content, J_style, alpha=10, beta=40):
    return alpha * J_content + beta * J_style
"""


def edit(source: str, old: str, new: str) -> str:
    """``source`` with its one occurrence of ``old`` replaced by ``new``."""
    if source.count(old) != 1:
        raise ValueError(f"{old!r} occurs {source.count(old)} times")
    return source.replace(old, new)


CATALOGUE = [
    # --- compute_content_cost ----------------------------------------------------------------
    Wrong(
        "compute_content_cost",
        "the mean instead of the sum",
        edit(CONTENT, "tf.reduce_sum(", "tf.reduce_mean("),
        says=r"J_content for a_C − a_G = 2 on a 2×2×3 volume: .*got 0.0833333, expected 1"
        r".*1/\(4·n_H·n_W·n_C\)",
    ),
    Wrong(
        "compute_content_cost",
        "the factor 4 left out",
        edit(CONTENT, "(4.0 * n_H * n_W * n_C)", "(n_H * n_W * n_C)"),
        says=r"J_content for a_C − a_G = 2 .*got 4, expected 1",
    ),
    Wrong(
        "compute_content_cost",
        "the differences not squared",
        edit(CONTENT, "tf.square(a_C - a_G)", "tf.abs(a_C - a_G)"),
        says=r"J_content for a_C − a_G = 2 .*got 0.5, expected 1",
    ),
    Wrong(
        "compute_content_cost",
        "the first output instead of the last",
        edit(
            edit(CONTENT, "a_C = content_output[-1]", "a_C = content_output[0]"),
            "a_G = generated_output[-1]",
            "a_G = generated_output[0]",
        ),
        says=r"got 0, expected 1 .*with a_C, a_G the LAST outputs",
    ),
    Right(
        "compute_content_cost",
        "the mean over the volume, divided by 4",
        """
def compute_content_cost(content_output, generated_output):
    a_C, a_G = content_output[-1], generated_output[-1]
    return tf.reduce_mean(tf.square(a_C - a_G)) / 4.0
""",
    ),
    Right(
        "compute_content_cost",
        "unrolled to (n_H·n_W, n_C) first, the size from tf.size",
        """
def compute_content_cost(content_output, generated_output):
    a_C, a_G = content_output[-1], generated_output[-1]
    n_C = a_G.shape[-1]
    a_C_unrolled, a_G_unrolled = tf.reshape(a_C, [-1, n_C]), tf.reshape(a_G, [-1, n_C])
    size = tf.cast(tf.size(a_G), tf.float32)
    return tf.reduce_sum((a_C_unrolled - a_G_unrolled) ** 2) / (4.0 * size)
""",
    ),
    # --- gram_matrix ---------------------------------------------------------------------------
    Wrong(
        "gram_matrix",
        "the transposed Gram matrix Aᵀ·A",
        "def gram_matrix(A):\n    return tf.matmul(tf.transpose(A), A)\n",
        says=r"returned gram_matrix\(\[\[1, 2, 0\], \[0, 1, −1\]\]\) of shape \(3, 3\) but \(2, 2\)"
        r".*A·Aᵀ",
    ),
    Wrong(
        "gram_matrix",
        "the element-wise square",
        "def gram_matrix(A):\n    return A * A\n",
        says=r"of shape \(2, 3\) but \(2, 2\) was expected.*dot product of rows i and j",
    ),
    Wrong(
        "gram_matrix",
        "normalised by the number of positions",
        "def gram_matrix(A):\n    return tf.matmul(A, tf.transpose(A)) / A.shape[1]\n",
        says=r"gram_matrix\(\[\[1, 2, 0\], \[0, 1, −1\]\]\): \d of 4 values are wrong.*got 1.66667",
    ),
    Right(
        "gram_matrix",
        "tf.einsum",
        'def gram_matrix(A):\n    return tf.einsum("ik,jk->ij", A, A)\n',
    ),
    Right(
        "gram_matrix",
        "matmul with transpose_b",
        "def gram_matrix(A):\n    return tf.linalg.matmul(A, A, transpose_b=True)\n",
    ),
    # --- compute_layer_style_cost --------------------------------------------------------------
    Wrong(
        "compute_layer_style_cost",
        "reshaped straight to (n_C, n_H·n_W), without the transpose",
        edit(
            edit(
                LAYER,
                "a_S = tf.transpose(tf.reshape(a_S, [-1, n_C]))",
                "a_S = tf.reshape(a_S, [n_C, -1])",
            ),
            "a_G = tf.transpose(tf.reshape(a_G, [-1, n_C]))",
            "a_G = tf.reshape(a_G, [n_C, -1])",
        ),
        says=r"J on a 1×3×2 layer \(Σ\(G_S − G_G\)² = 19\).*reshape to \(n_H·n_W, n_C\), then "
        r"transpose",
    ),
    Wrong(
        "compute_layer_style_cost",
        "(n_H·n_W) not squared in the normalisation",
        edit(LAYER, "(n_H * n_W) ** 2", "(n_H * n_W)"),
        says=r"J for a_S = I .*got 0.0625, expected 0.03125.*4·n_C²·\(n_H·n_W\)²",
    ),
    Wrong(
        "compute_layer_style_cost",
        "the factor 4 left out",
        edit(LAYER, "(4.0 * n_C**2 * (n_H * n_W) ** 2)", "(n_C**2 * (n_H * n_W) ** 2)"),
        says=r"J for a_S = I .*got 0.125, expected 0.03125",
    ),
    Wrong(
        "compute_layer_style_cost",
        "Gram matrices of the positions (n_H·n_W × n_H·n_W)",
        edit(
            LAYER,
            "GS, GG = gram_matrix(a_S), gram_matrix(a_G)",
            "GS, GG = gram_matrix(tf.transpose(a_S)), gram_matrix(tf.transpose(a_G))",
        ),
        says=r"J on a 1×3×2 layer \(Σ\(G_S − G_G\)² = 19\): 1 of 1 values are wrong",
    ),
    Wrong(
        "compute_layer_style_cost",
        "the mean instead of the sum",
        edit(LAYER, "tf.reduce_sum(tf.square(GS - GG))", "tf.reduce_mean(tf.square(GS - GG))"),
        says=r"J for a_S = I .*got 0.0078125, expected 0.03125",
    ),
    Right(
        "compute_layer_style_cost",
        "Gram matrices by einsum over the positions",
        """
def compute_layer_style_cost(a_S, a_G):
    _, n_H, n_W, n_C = a_G.shape
    GS = tf.einsum("bhwc,bhwd->cd", a_S, a_S)
    GG = tf.einsum("bhwc,bhwd->cd", a_G, a_G)
    return tf.reduce_sum((GS - GG) ** 2) / (4 * n_C**2 * (n_H * n_W) ** 2)
""",
    ),
    Right(
        "compute_layer_style_cost",
        "channels first by tf.transpose, then reshape",
        """
def compute_layer_style_cost(a_S, a_G):
    _, n_H, n_W, n_C = a_G.get_shape().as_list()
    unrolled_S = tf.reshape(tf.transpose(a_S, [3, 0, 1, 2]), [n_C, n_H * n_W])
    unrolled_G = tf.reshape(tf.transpose(a_G, [3, 0, 1, 2]), [n_C, n_H * n_W])
    difference = gram_matrix(unrolled_S) - gram_matrix(unrolled_G)
    return tf.reduce_sum(tf.square(difference)) / (2.0 * n_C * n_H * n_W) ** 2
""",
    ),
    # --- compute_style_cost ---------------------------------------------------------------------
    Wrong(
        "compute_style_cost",
        "the weights left out",
        edit(
            STYLE,
            "J_style += weight * compute_layer_style_cost",
            "J_style += compute_layer_style_cost",
        ),
        says=r"J_style with weights 0.25 and 0.75: .*got 0.163194.*Σ_l λ_l · J_style\^\[l\]",
    ),
    Wrong(
        "compute_style_cost",
        "the course's weight 0.2 instead of the argument",
        edit(STYLE, "J_style += weight * ", "J_style += 0.2 * "),
        says=r"J_style with weights 0.25 and 0.75: .*got 0.0326389",
    ),
    Wrong(
        "compute_style_cost",
        "the content layer's output counted as a style layer",
        """
def compute_style_cost(style_image_output, generated_image_output, STYLE_LAYERS=STYLE_LAYERS):
    J_style = 0
    for (_, weight), a_S_layer, a_G_layer in zip(
        STYLE_LAYERS, style_image_output[1:], generated_image_output[1:]
    ):
        J_style += weight * compute_layer_style_cost(a_S_layer, a_G_layer)
    return J_style
""",
        says=r"J_style with weights 0.25 and 0.75: 1 of 1 values are wrong",
    ),
    Right(
        "compute_style_cost",
        "a sum over the layers by index",
        """
def compute_style_cost(style_image_output, generated_image_output, STYLE_LAYERS=STYLE_LAYERS):
    return sum(
        STYLE_LAYERS[i][1]
        * compute_layer_style_cost(style_image_output[i], generated_image_output[i])
        for i in range(len(STYLE_LAYERS))
    )
""",
    ),
    # --- total_cost ------------------------------------------------------------------------------
    Wrong(
        "total_cost",
        "alpha and beta swapped",
        "def total_cost(J_content, J_style, alpha=10, beta=40):\n"
        "    return beta * J_content + alpha * J_style\n",
        says=r"total_cost\(1, 2\) with the default α = 10, β = 40: .*got 60, expected 90",
    ),
    Wrong(
        "total_cost",
        "the arguments alpha and beta ignored",
        "def total_cost(J_content, J_style, alpha=10, beta=40):\n"
        "    return 10 * J_content + 40 * J_style\n",
        says=r"total_cost\(0.5, 0.25, alpha=2, beta=3\): .*got 15, expected 1.75",
    ),
    Wrong(
        "total_cost",
        "beta left out",
        "def total_cost(J_content, J_style, alpha=10, beta=40):\n"
        "    return alpha * J_content + J_style\n",
        says=r"got 12, expected 90.*J = α·J_content \+ β·J_style",
    ),
    Right(
        "total_cost",
        "tf.add of the two weighted costs",
        "def total_cost(J_content, J_style, alpha=10, beta=40):\n"
        "    return tf.add(alpha * J_content, beta * J_style)\n",
    ),
    # --- train_step --------------------------------------------------------------------------
    Wrong(
        "train_step",
        "the tape not entered with `with` (a RuntimeError)",
        edit(
            edit(
                STEP,
                "    with tf.GradientTape() as tape:\n",
                "    tape = tf.GradientTape()\n    if True:\n",
            ),
            "@tf.function()\n",
            "",
        ),
        says=r"train_step raised RuntimeError: A non-persistent GradientTape .* a GradientTape "
        r"records only inside its `with` block.*your code, line \d+, in train_step: "
        r"grad = tape.gradient\(J, generated_image\)",
    ),
    Wrong(
        "train_step",
        "the cost computed before the tape",
        edit(
            STEP,
            """    with tf.GradientTape() as tape:
        a_G = vgg_model_outputs(generated_image)""",
            """    a_G = vgg_model_outputs(generated_image)
    with tf.GradientTape() as tape:""",
        ).replace(
            """        J_style = compute_style_cost(a_S, a_G)
        J_content = compute_content_cost(a_C, a_G)
        J = total_cost(J_content, J_style, alpha=ALPHA, beta=BETA)""",
            """        pass
    J_style = compute_style_cost(a_S, a_G)
    J_content = compute_content_cost(a_C, a_G)
    J = total_cost(J_content, J_style, alpha=ALPHA, beta=BETA)""",
        ),
        says=r"train_step raised ValueError: No gradients provided .* J was computed outside the "
        r"tape's `with` block.*your code, line \d+, in train_step: "
        r"optimizer.apply_gradients\(\[\(grad, generated_image\)\]\)",
    ),
    Wrong(
        "train_step",
        "no clipping to [0, 1]",
        edit(STEP, "    generated_image.assign(clip_0_1(generated_image))\n", ""),
        says=r"generated_image left \[0, 1\].*clip_0_1",
    ),
    Wrong(
        "train_step",
        "gradient ascent",
        edit(STEP, "[(grad, generated_image)]", "[(-grad, generated_image)]"),
        says=r"the cost should fall from the first to the second step",
    ),
    Wrong(
        "train_step",
        "two optimizer steps per call",
        edit(
            STEP,
            "    optimizer.apply_gradients([(grad, generated_image)])\n",
            "    optimizer.apply_gradients([(grad, generated_image)])\n" * 2,
        ),
        says=r"move each pixel by about the learning rate 0.03, but the median move was 0.0[4-6]",
    ),
    Wrong(
        "train_step",
        "J not returned",
        edit(STEP, "    return J\n", "    return None\n"),
        says=r"J is None: did train_step forget to `return J`\?",
    ),
    Wrong(
        "train_step",
        "NumPy inside the tf.function",
        edit(
            STEP, "vgg_model_outputs(generated_image)", "vgg_model_outputs(generated_image.numpy())"
        ),
        says=r"train_step raised NotImplementedError: numpy\(\) is only available when eager "
        r"execution is enabled.*your code, line \d+, in train_step: a_G = vgg_model_outputs",
    ),
    Right(
        "train_step",
        "eager (no tf.function), clipped with tf.clip_by_value",
        FRESH
        + """
def train_step(generated_image):
    with tf.GradientTape() as tape:
        a_G = vgg_model_outputs(generated_image)
        J = total_cost(
            compute_content_cost(a_C, a_G), compute_style_cost(a_S, a_G), ALPHA, BETA
        )
    optimizer.apply_gradients(zip([tape.gradient(J, generated_image)], [generated_image]))
    generated_image.assign(tf.clip_by_value(generated_image, 0.0, 1.0))
    return J
""",
    ),
]
