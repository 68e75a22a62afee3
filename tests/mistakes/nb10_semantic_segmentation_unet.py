"""Notebook 10 (U-Net): wrong answers and correct alternatives of its five exercises."""

from tests.mistakes import Right, Wrong

TRANSPOSE = """
def conv_transpose(A_prev, W, b, hparameters):
    stride, pad = hparameters["stride"], hparameters["pad"]
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    full = np.zeros((m, (n_H_prev - 1) * stride + f, (n_W_prev - 1) * stride + f, n_C))
    for h in range(n_H_prev):
        for w in range(n_W_prev):
            vert_start, horiz_start = h * stride, w * stride
            stamp = np.tensordot(A_prev[:, h, w, :], W, axes=([1], [2]))  # (m, f, f, n_C)
            full[:, vert_start : vert_start + f, horiz_start : horiz_start + f, :] += stamp
    return full[:, pad : full.shape[1] - pad, pad : full.shape[2] - pad, :] + b
"""

CONV = 'Conv2D(n_filters, 3, activation="relu", padding="same", kernel_initializer="he_normal")'

BLOCK = f"""
def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
    conv = {CONV}(inputs)
    conv = {CONV}(conv)
    if dropout_prob > 0:
        conv = Dropout(dropout_prob)(conv)
    next_layer = MaxPooling2D(pool_size=(2, 2))(conv) if max_pooling else conv
    skip_connection = conv
    return next_layer, skip_connection
"""

UP = f"""
def upsampling_block(expansive_input, contractive_input, n_filters=32):
    up = Conv2DTranspose(n_filters, 3, strides=(2, 2), padding="same")(expansive_input)
    merge = concatenate([up, contractive_input], axis=3)
    conv = {CONV}(merge)
    return {CONV}(conv)
"""

UNET = f"""
def unet_model(input_size=(96, 128, 3), n_filters=32, n_classes=23):
    inputs = Input(input_size)
    cblock1 = conv_block(inputs, n_filters)
    cblock2 = conv_block(cblock1[0], n_filters * 2)
    cblock3 = conv_block(cblock2[0], n_filters * 4)
    cblock4 = conv_block(cblock3[0], n_filters * 8, dropout_prob=0.3)
    cblock5 = conv_block(cblock4[0], n_filters * 16, dropout_prob=0.3, max_pooling=False)
    ublock6 = upsampling_block(cblock5[0], cblock4[1], n_filters * 8)
    ublock7 = upsampling_block(ublock6, cblock3[1], n_filters * 4)
    ublock8 = upsampling_block(ublock7, cblock2[1], n_filters * 2)
    ublock9 = upsampling_block(ublock8, cblock1[1], n_filters)
    conv9 = {CONV}(ublock9)
    conv10 = Conv2D(n_classes, 1, padding="same")(conv9)
    return keras.Model(inputs=inputs, outputs=conv10)
"""

IOU = """
def mean_iou(y_true, y_pred, n_classes):
    iou = np.full(n_classes, np.nan)
    for k in range(n_classes):
        true_k, pred_k = y_true == k, y_pred == k
        union = np.logical_or(true_k, pred_k).sum()
        if union > 0:
            iou[k] = np.logical_and(true_k, pred_k).sum() / union
    return np.nanmean(iou), iou
"""


def edit(source: str, old: str, new: str) -> str:
    """``source`` with its one occurrence of ``old`` replaced by ``new``."""
    if source.count(old) != 1:
        raise ValueError(f"{old!r} occurs {source.count(old)} times")
    return source.replace(old, new)


CATALOGUE = [
    # --- conv_transpose ----------------------------------------------------------------------
    Wrong(
        "conv_transpose",
        "the kernel rotated by 180°",
        edit(TRANSPOSE, "A_prev[:, h, w, :], W,", "A_prev[:, h, w, :], W[::-1, ::-1],"),
        says=r"the kernel is flipped \(rotated by 180°\).*only the equivalent 'spread with zeros",
    ),
    Wrong(
        "conv_transpose",
        "the padding not cut",
        edit(
            TRANSPOSE,
            "return full[:, pad : full.shape[1] - pad, pad : full.shape[2] - pad, :] + b",
            "return full + b",
        ),
        says=r"the padding is ignored: cut `pad` = 1 rows and columns from each side",
    ),
    Wrong(
        "conv_transpose",
        "the stride ignored",
        edit(
            edit(
                TRANSPOSE,
                "(n_H_prev - 1) * stride + f, (n_W_prev - 1) * stride + f",
                "n_H_prev - 1 + f, n_W_prev - 1 + f",
            ),
            "vert_start, horiz_start = h * stride, w * stride",
            "vert_start, horiz_start = h, w",
        ),
        says=r"the stride is ignored: input pixel \(h, w\) lands at \(h·stride, w·stride\)",
    ),
    Wrong(
        "conv_transpose",
        "no bias",
        edit(TRANSPOSE, "- pad, :] + b", "- pad, :]"),
        says=r"the bias b is missing.*Z = \(sum of the scattered products\) \+ b",
    ),
    Right(
        "conv_transpose",
        "spread with zeros, pad by f − 1, convolve with the rotated kernel",
        """
def conv_transpose(A_prev, W, b, hparameters):
    stride, pad = hparameters["stride"], hparameters["pad"]
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    f, n_C = W.shape[0], W.shape[3]
    n_C_prev = A_prev.shape[3]
    spread = np.zeros((m, (n_H_prev - 1) * stride + 1, (n_W_prev - 1) * stride + 1, n_C_prev))
    spread[:, ::stride, ::stride, :] = A_prev
    padded = np.pad(spread, ((0, 0), (f - 1, f - 1), (f - 1, f - 1), (0, 0)))
    rotated = W[::-1, ::-1]
    n_H, n_W = padded.shape[1] - f + 1, padded.shape[2] - f + 1
    full = np.zeros((m, n_H, n_W, n_C))
    for i in range(n_H):
        for j in range(n_W):
            window = padded[:, i : i + f, j : j + f, :]
            full[:, i, j, :] = np.tensordot(window, rotated, axes=([1, 2, 3], [0, 1, 2]))
    return full[:, pad : n_H - pad, pad : n_W - pad, :] + b
""",
    ),
    Right(
        "conv_transpose",
        "loops over the kernel's taps, each a strided slice",
        """
def conv_transpose(A_prev, W, b, hparameters):
    stride, pad = hparameters["stride"], hparameters["pad"]
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    f, n_C = W.shape[0], W.shape[3]
    full = np.zeros((m, (n_H_prev - 1) * stride + f, (n_W_prev - 1) * stride + f, n_C))
    for a in range(f):
        for c in range(f):
            rows = slice(a, a + (n_H_prev - 1) * stride + 1, stride)
            cols = slice(c, c + (n_W_prev - 1) * stride + 1, stride)
            full[:, rows, cols, :] += A_prev @ W[a, c]
    return full[:, pad : full.shape[1] - pad, pad : full.shape[2] - pad, :] + b
""",
    ),
    # --- conv_block --------------------------------------------------------------------------
    Wrong(
        "conv_block",
        "the skip connection taken after the pooling",
        edit(
            BLOCK,
            "    skip_connection = conv\n",
            "    skip_connection = next_layer\n",
        ),
        says=r"the skip connection is the block's features BEFORE the pooling",
    ),
    Wrong(
        "conv_block",
        "the pair returned in the wrong order",
        edit(BLOCK, "return next_layer, skip_connection", "return skip_connection, next_layer"),
        says=r"return \(next_layer, skip_connection\) in that order",
    ),
    Wrong(
        "conv_block",
        "dropout_prob ignored",
        edit(
            BLOCK,
            "    if dropout_prob > 0:\n        conv = Dropout(dropout_prob)(conv)\n",
            "",
        ),
        says=r"dropout_prob=0.3 but the block has no Dropout layer",
    ),
    Wrong(
        "conv_block",
        "the default initializer",
        BLOCK.replace(', kernel_initializer="he_normal"', ""),
        says=r"has kernel_initializer GlorotUniform but 'he_normal' was expected",
    ),
    Wrong(
        "conv_block",
        "one convolution only",
        edit(BLOCK, f"    conv = {CONV}(conv)\n", ""),
        says=r"it has 3 layers but 4 were expected \(hint: Conv2D\(n_filters, 3, .*\) twice",
    ),
    Right(
        "conv_block",
        "Conv2D without activation, then a ReLU layer",
        """
def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
    conv = inputs
    for _ in range(2):
        conv = Conv2D(n_filters, (3, 3), padding="same", kernel_initializer="he_normal")(conv)
        conv = keras.layers.ReLU()(conv)
    if dropout_prob > 0:
        conv = Dropout(rate=dropout_prob)(conv)
    next_layer = MaxPooling2D(2)(conv) if max_pooling else conv
    return next_layer, conv
""",
    ),
    # --- upsampling_block --------------------------------------------------------------------
    Wrong(
        "upsampling_block",
        "no skip connection",
        edit(UP, "merge = concatenate([up, contractive_input], axis=3)", "merge = up"),
        says=r"the skip connection is missing: the output does not use contractive_input",
    ),
    Wrong(
        "upsampling_block",
        "the concatenation in the other order",
        edit(
            UP,
            "concatenate([up, contractive_input], axis=3)",
            "concatenate([contractive_input, up], axis=3)",
        ),
        says=r"the order is \[up, contractive_input\]: the upsampled features first",
    ),
    Wrong(
        "upsampling_block",
        "UpSampling2D instead of a transposed convolution",
        edit(
            UP,
            'Conv2DTranspose(n_filters, 3, strides=(2, 2), padding="same")(expansive_input)',
            "keras.layers.UpSampling2D(2)(expansive_input)",
        ),
        says=r"the concatenation joins the outputs of \['UpSampling2D', 'InputLayer'\]",
    ),
    Wrong(
        "upsampling_block",
        "the transposed convolution with stride 1",
        edit(UP, "strides=(2, 2)", "strides=(1, 1)"),
        says=r"raised ValueError: A `Concatenate` layer requires inputs with matching shapes.*"
        r"your code, line 4, in upsampling_block: merge = concatenate",
    ),
    Right(
        "upsampling_block",
        "the Concatenate layer and an int stride",
        f"""
def upsampling_block(expansive_input, contractive_input, n_filters=32):
    up = Conv2DTranspose(n_filters, (3, 3), strides=2, padding="same")(expansive_input)
    merge = keras.layers.Concatenate(axis=-1)([up, contractive_input])
    return {CONV}({CONV}(merge))
""",
    ),
    # --- unet_model --------------------------------------------------------------------------
    Wrong(
        "unet_model",
        "the number of classes fixed at 23",
        edit(UNET, "Conv2D(n_classes, 1,", "Conv2D(23, 1,"),
        says=r"unet_model\(\(64, 64, 1\), n_filters=4, n_classes=5\): the output has shape "
        r"\(None, 64, 64, 23\) but \(None, 64, 64, 5\)",
    ),
    Wrong(
        "unet_model",
        "a softmax on the output",
        edit(
            UNET,
            'Conv2D(n_classes, 1, padding="same")',
            'Conv2D(n_classes, 1, padding="same", activation="softmax")',
        ),
        says=r"layer \d+ is .*'softmax'\] but .*'linear'\] was expected \(that layer should be "
        r"the output: Conv2D\(n_classes, 1, padding='same'\), no activation\)",
    ),
    Wrong(
        "unet_model",
        "a 3×3 output convolution",
        edit(UNET, 'Conv2D(n_classes, 1, padding="same")', 'Conv2D(n_classes, 3, padding="same")'),
        says=r"the number of parameters: got 8646359 but 8640471.*the output: Conv2D\(n_classes, 1",
    ),
    Wrong(
        "unet_model",
        "no dropout in the fourth encoder block",
        edit(
            UNET,
            "conv_block(cblock3[0], n_filters * 8, dropout_prob=0.3)",
            "conv_block(cblock3[0], n_filters * 8)",
        ),
        says=r"it has 34 layers but 35 were expected.*should be the encoder block 4 "
        r"\(8·n_filters\): Dropout",
    ),
    Wrong(
        "unet_model",
        "a skip connection from the pooled output",
        edit(
            UNET, "upsampling_block(ublock6, cblock3[1],", "upsampling_block(ublock6, cblock3[0],"
        ),
        says=r"unet_model\(\(96, 128, 3\), n_filters=32, n_classes=23\) raised ValueError: A "
        r"`Concatenate` layer requires inputs with matching shapes.*your code, line \d+, in "
        r"upsampling_block",
    ),
    Right(
        "unet_model",
        "the blocks built in loops",
        f"""
def unet_model(input_size=(96, 128, 3), n_filters=32, n_classes=23):
    inputs = Input(input_size)
    layer, skips = inputs, []
    for level, dropout in enumerate((0, 0, 0, 0.3)):
        layer, skip = conv_block(layer, n_filters * 2**level, dropout_prob=dropout)
        skips.append(skip)
    layer, _ = conv_block(layer, n_filters * 16, dropout_prob=0.3, max_pooling=False)
    for level in (3, 2, 1, 0):
        layer = upsampling_block(layer, skips[level], n_filters * 2**level)
    layer = {CONV}(layer)
    return keras.Model(inputs, Conv2D(n_classes, (1, 1), padding="same")(layer))
""",
    ),
    # --- mean_iou ------------------------------------------------------------------------------
    Wrong(
        "mean_iou",
        "the intersection counted twice in the union",
        edit(
            IOU,
            "union = np.logical_or(true_k, pred_k).sum()",
            "union = true_k.sum() + pred_k.sum()",
        ),
        says=r"union = \|true\| \+ \|predicted\| − intersection",
    ),
    Wrong(
        "mean_iou",
        "the Dice coefficient",
        edit(
            IOU,
            "iou[k] = np.logical_and(true_k, pred_k).sum() / union",
            "iou[k] = 2 * np.logical_and(true_k, pred_k).sum() / (true_k.sum() + pred_k.sum())",
        ),
        says=r"that is the Dice coefficient",
    ),
    Wrong(
        "mean_iou",
        "absent classes counted as 0 in the mean",
        edit(IOU, "return np.nanmean(iou), iou", "return np.nan_to_num(iou).mean(), iou"),
        says=r"absent classes were counted as 0: leave them out of the mean",
    ),
    Wrong(
        "mean_iou",
        "IoU 0 for a class in neither map",
        edit(IOU, "iou = np.full(n_classes, np.nan)", "iou = np.zeros(n_classes)"),
        says=r"class\(es\) \[1, 3\] appear in neither map, so their IoU is 0/0: return NaN",
    ),
    Wrong(
        "mean_iou",
        "one IoU over all pixels instead of one per class",
        """
def mean_iou(y_true, y_pred, n_classes):
    iou = np.full(n_classes, np.mean(y_true == y_pred))
    return float(iou.mean()), iou
""",
        says=r"iou \(random \(3, 6, 5\) maps, 4 classes\): \d of 4 values are wrong",
    ),
    Right(
        "mean_iou",
        "from the confusion matrix by np.bincount",
        """
def mean_iou(y_true, y_pred, n_classes):
    index = n_classes * np.ravel(y_true) + np.ravel(y_pred)
    confusion = np.bincount(index, minlength=n_classes**2).reshape(n_classes, n_classes)
    intersection = np.diag(confusion).astype(float)
    union = confusion.sum(axis=0) + confusion.sum(axis=1) - intersection
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, intersection / union, np.nan)
    return np.nanmean(iou), iou
""",
    ),
]
