"""Notebook 02 (padding, strides, convolution and pooling from scratch): its eight exercises."""

from tests.mistakes import Right, Wrong

# The loops of the notebook's conv_forward and pool_forward, with one line to change.
CONV_FORWARD = """
def conv_forward(A_prev, W, b, hparameters):
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, _, _, n_C = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    n_H = {n_H}
    n_W = (n_W_prev + 2 * pad - f) // stride + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = {padded}
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                {start}
                for c in range(n_C):
                    a_slice_prev = A_prev_pad[i, vs : vs + f, hs : hs + f, :]
                    Z[i, h, w, c] = {step}
    cache = (A_prev, W, b, hparameters)
    return Z, cache
"""
CONV_FORWARD_RIGHT = {
    "n_H": "(n_H_prev + 2 * pad - f) // stride + 1",
    "padded": "zero_pad(A_prev, pad)",
    "start": "vs, hs = h * stride, w * stride",
    "step": "conv_single_step(a_slice_prev, W[:, :, :, c], b[:, :, :, c])",
}

POOL_FORWARD = """
def pool_forward(A_prev, hparameters, mode="max"):
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    n_H = (n_H_prev - f) // stride + 1
    n_W = (n_W_prev - f) // stride + 1
    A = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                {start}
                for c in range(n_C):
                    window = A_prev[i, vs : vs + f, hs : hs + f, {channel}]
                    A[i, h, w, c] = {reduce}
    return A, (A_prev, hparameters)
"""
POOL_FORWARD_RIGHT = {
    "start": "vs, hs = h * stride, w * stride",
    "channel": "c",
    "reduce": 'np.max(window) if mode == "max" else np.mean(window)',
}

CONV_BACKWARD = """
def conv_backward(dZ, cache):
    A_prev, W, b, hparameters = cache
    f = W.shape[0]
    stride, pad = hparameters["stride"], hparameters["pad"]
    m, n_H, n_W, n_C = dZ.shape
    dA_prev_pad = np.zeros(zero_pad(A_prev, pad).shape)
    A_prev_pad = zero_pad(A_prev, pad)
    dW, db = np.zeros(W.shape), np.zeros({db_shape})
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                vs, hs = h * stride, w * stride
                for c in range(n_C):
                    window = (i, slice(vs, vs + f), slice(hs, hs + f))
                    dA_prev_pad[window] {accumulate} W[..., c] * dZ[i, h, w, c]
                    dW[..., c] += A_prev_pad[i, vs : vs + f, hs : hs + f, :] * dZ[i, h, w, c]
                    db[..., c] += dZ[i, h, w, c]
    dA_prev = {unpad}
    return dA_prev, dW, db
"""
CONV_BACKWARD_RIGHT = {
    "db_shape": "b.shape",
    "accumulate": "+=",
    "unpad": "dA_prev_pad[:, pad : pad + A_prev.shape[1], pad : pad + A_prev.shape[2], :]",
}

POOL_BACKWARD = """
def pool_backward(dA, cache, mode="max"):
    A_prev, hparameters = cache
    f, stride = hparameters["f"], hparameters["stride"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                vs, hs = h * stride, w * stride
                for c in range(n_C):
                    window = (i, slice(vs, vs + f), slice(hs, hs + f), c)
                    if {is_max}:
                        mask = create_mask_from_window(A_prev[window])
                        dA_prev[window] {accumulate} mask * dA[i, h, w, c]
                    else:
                        dA_prev[window] {accumulate} distribute_value(dA[i, h, w, c], (f, f))
    return dA_prev
"""
POOL_BACKWARD_RIGHT = {"is_max": 'mode == "max"', "accumulate": "+="}


def variant(template: str, right: dict[str, str], **change: str) -> str:
    """``template`` filled with the right lines, except the ones in ``change``."""
    return template.format(**{**right, **change})


CATALOGUE = [
    # --- zero_pad ----------------------------------------------------------------------------
    Wrong(
        "zero_pad",
        "every axis padded",
        """
def zero_pad(X, pad):
    return np.pad(X, pad)
""",
        says=r"shape \(10, 9, 9, 8\) but \(4, 9, 9, 2\) was expected.*only the height and width",
    ),
    Wrong(
        "zero_pad",
        "one side only",
        """
def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, 0), (pad, 0), (0, 0)))
""",
        says=r"shape \(4, 6, 6, 2\) but \(4, 9, 9, 2\).*by `pad` on each side",
    ),
    Wrong(
        "zero_pad",
        "padded with the edge values",
        """
def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="edge")
""",
        says=r"the border of X_pad .* values are wrong.*pad with zeros",
    ),
    Wrong(
        "zero_pad",
        "height and width axes swapped with the batch",
        """
def zero_pad(X, pad):
    return np.pad(X, ((pad, pad), (pad, pad), (0, 0), (0, 0)))
""",
        says=r"shape \(10, 9, 3, 2\) but \(4, 9, 9, 2\) was expected",
    ),
    Right(
        "zero_pad",
        "zeros and a slice",
        """
def zero_pad(X, pad):
    m, n_H, n_W, n_C = X.shape
    X_pad = np.zeros((m, n_H + 2 * pad, n_W + 2 * pad, n_C))
    X_pad[:, pad : pad + n_H, pad : pad + n_W, :] = X
    return X_pad
""",
    ),
    Right(
        "zero_pad",
        "tf.pad",
        """
def zero_pad(X, pad):
    return tf.pad(X, [[0, 0], [pad, pad], [pad, pad], [0, 0]]).numpy()
""",
    ),
    # --- conv_single_step --------------------------------------------------------------------
    Wrong(
        "conv_single_step",
        "bias missing",
        """
def conv_single_step(a_slice_prev, W, b):
    return float(np.sum(a_slice_prev * W))
""",
        says=r"Z on the hand case: the bias b is missing",
    ),
    Wrong(
        "conv_single_step",
        "bias added as an array",
        """
def conv_single_step(a_slice_prev, W, b):
    return np.sum(a_slice_prev * W) + b
""",
        says=r"returned an array of shape \(1, 1, 1\) on the hand case, but a scalar was expected",
    ),
    Wrong(
        "conv_single_step",
        "mean instead of sum",
        """
def conv_single_step(a_slice_prev, W, b):
    return float(np.mean(a_slice_prev * W) + b.item())
""",
        says=r"it is the mean of a_slice_prev ⊙ W: take the sum",
    ),
    Wrong(
        "conv_single_step",
        "float(b) on numpy 2",
        """
def conv_single_step(a_slice_prev, W, b):
    return float(np.sum(a_slice_prev * W)) + float(b)
""",
        says=r"conv_single_step raised TypeError: only 0-dimensional arrays can be converted.*"
        r"your code, line 3, in conv_single_step: return float\(np.sum.*float\(b\) fails on a "
        r"\(1, 1, 1\) array",
    ),
    Right(
        "conv_single_step",
        "einsum and squeeze",
        """
def conv_single_step(a_slice_prev, W, b):
    return float(np.einsum("ijk,ijk->", a_slice_prev, W) + np.squeeze(b))
""",
    ),
    Right(
        "conv_single_step",
        "numpy scalar",
        """
def conv_single_step(a_slice_prev, W, b):
    return (a_slice_prev * W).sum() + b.sum()
""",
    ),
    # --- conv_forward ------------------------------------------------------------------------
    Wrong(
        "conv_forward",
        "size formula without the padding",
        variant(CONV_FORWARD, CONV_FORWARD_RIGHT, n_H="(n_H_prev - f) // stride + 1"),
        says=r"returned Z of shape \(2, 2, 4, 8\) but \(2, 3, 4, 8\) was expected.*"
        r"⌊\(5 − 3 \+ 2·1\)/2⌋ \+ 1 = 3",
    ),
    Wrong(
        "conv_forward",
        "windows at h, not h·stride",
        variant(CONV_FORWARD, CONV_FORWARD_RIGHT, start="vs, hs = h, w"),
        says=r"Z on A_prev of shape \(2, 5, 7, 4\).*: the windows start at row h and column w",
    ),
    Wrong(
        "conv_forward",
        "windows cut from the unpadded input",
        variant(CONV_FORWARD, CONV_FORWARD_RIGHT, padded="A_prev"),
        says=r"Z on A_prev of shape \(2, 5, 7, 4\).*stride=2, pad=1: 192 of 192 values are wrong.*"
        r"the window of the padded input",
    ),
    Wrong(
        "conv_forward",
        "bias left out",
        variant(
            CONV_FORWARD,
            CONV_FORWARD_RIGHT,
            step="np.sum(a_slice_prev * W[:, :, :, c])",
        ),
        says=r"the bias is missing: conv_single_step\(window, W\[\.\.\., c\], b\[\.\.\., c\]\)",
    ),
    Wrong(
        "conv_forward",
        "right, on top of a zero_pad that pads every axis (blame exercise 1)",
        """
def zero_pad(X, pad):
    return np.pad(X, pad)
"""
        + variant(CONV_FORWARD, CONV_FORWARD_RIGHT),
        says=r"^your `zero_pad` \(exercise 1\) is wrong, and conv_forward calls it; fix it first: "
        r".*only the height and width are padded",
    ),
    Right(
        "conv_forward",
        "the notebook's loops, written out",
        variant(CONV_FORWARD, CONV_FORWARD_RIGHT),
    ),
    Right(
        "conv_forward",
        "vectorised: strided windows and one tensordot",
        """
def conv_forward(A_prev, W, b, hparameters):
    f, stride = W.shape[0], hparameters["stride"]
    A_pad = zero_pad(A_prev, hparameters["pad"])
    windows = np.lib.stride_tricks.sliding_window_view(A_pad, (f, f), axis=(1, 2))
    windows = windows[:, ::stride, ::stride]  # (m, n_H, n_W, n_C_prev, f, f)
    Z = np.tensordot(windows, W, axes=([4, 5, 3], [0, 1, 2])) + b.reshape(1, 1, 1, -1)
    return Z, (A_prev, W, b, hparameters)
""",
    ),
    # --- pool_forward ------------------------------------------------------------------------
    Wrong(
        "pool_forward",
        "mode ignored (always max)",
        variant(POOL_FORWARD, POOL_FORWARD_RIGHT, reduce="np.max(window)"),
        says=r"mode='average'.*it is the max pooling: with mode='average' use np\.mean",
    ),
    Wrong(
        "pool_forward",
        "windows at h, not h·stride",
        variant(POOL_FORWARD, POOL_FORWARD_RIGHT, start="vs, hs = h, w"),
        says=r"A on A_prev of shape \(2, 4, 6, 3\), f=2, stride=2.*: the windows start at row h",
    ),
    Wrong(
        "pool_forward",
        "every channel pooled together",
        variant(POOL_FORWARD, POOL_FORWARD_RIGHT, channel=":"),
        says=r"every channel got the same value: pool each channel c on its own",
    ),
    Wrong(
        "pool_forward",
        "the convolution's size formula (padding 1)",
        """
def pool_forward(A_prev, hparameters, mode="max"):
    f, stride = hparameters["f"], hparameters["stride"]
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    n_H, n_W = (n_H_prev - f + 2) // stride + 1, (n_W_prev - f + 2) // stride + 1
    return np.zeros((m, n_H, n_W, n_C)), (A_prev, hparameters)
""",
        says=r"returned A of shape \(2, 3, 4, 3\) but \(2, 2, 3, 3\) was expected.*no padding",
    ),
    Right("pool_forward", "the notebook's loops", variant(POOL_FORWARD, POOL_FORWARD_RIGHT)),
    Right(
        "pool_forward",
        "vectorised: strided windows reduced over their two window axes",
        """
def pool_forward(A_prev, hparameters, mode="max"):
    f, stride = hparameters["f"], hparameters["stride"]
    windows = np.lib.stride_tricks.sliding_window_view(A_prev, (f, f), axis=(1, 2))
    windows = windows[:, ::stride, ::stride]
    reduce = np.max if mode == "max" else np.mean
    return reduce(windows, axis=(-2, -1)), (A_prev, hparameters)
""",
    ),
    # --- conv_backward -----------------------------------------------------------------------
    Wrong(
        "conv_backward",
        "x[pad:-pad] to drop the padding",
        variant(
            CONV_BACKWARD,
            CONV_BACKWARD_RIGHT,
            unpad="dA_prev_pad[:, pad:-pad, pad:-pad, :]",
        ),
        says=r"dA_prev of shape \(1, 0, 0, 3\) but \(1, 6, 5, 3\) was expected.*with pad = 0, a "
        r"slice like x\[pad:-pad\] is x\[0:0\]",
    ),
    Wrong(
        "conv_backward",
        "= instead of += for overlapping windows",
        variant(CONV_BACKWARD, CONV_BACKWARD_RIGHT, accumulate="="),
        says=r"dA_prev on A_prev of shape .* values are wrong.*windows overlap, so add",
    ),
    Wrong(
        "conv_backward",
        "db of shape (n_C,)",
        variant(CONV_BACKWARD, CONV_BACKWARD_RIGHT, db_shape="b.shape[-1]"),
        says=r"returned db of shape \(8,\) but \(1, 1, 1, 8\) was expected.*db has the shape of b",
    ),
    Right("conv_backward", "the notebook's loops", variant(CONV_BACKWARD, CONV_BACKWARD_RIGHT)),
    Right(
        "conv_backward",
        "vectorised: tensordot per window position",
        """
def conv_backward(dZ, cache):
    A_prev, W, b, hparameters = cache
    f, stride, pad = W.shape[0], hparameters["stride"], hparameters["pad"]
    m, n_H, n_W, n_C = dZ.shape
    A_pad = zero_pad(A_prev, pad)
    dA_pad = np.zeros(A_pad.shape)
    dW = np.zeros(W.shape)
    for h in range(n_H):
        for w in range(n_W):
            rows, cols = slice(h * stride, h * stride + f), slice(w * stride, w * stride + f)
            dA_pad[:, rows, cols, :] += np.tensordot(dZ[:, h, w, :], W, axes=([1], [3]))
            dW += np.tensordot(A_pad[:, rows, cols, :], dZ[:, h, w, :], axes=([0], [0]))
    db = dZ.sum(axis=(0, 1, 2)).reshape(b.shape)
    n_H_prev, n_W_prev = A_prev.shape[1:3]
    return dA_pad[:, pad : pad + n_H_prev, pad : pad + n_W_prev, :], dW, db
""",
    ),
    # --- create_mask_from_window -------------------------------------------------------------
    Wrong(
        "create_mask_from_window",
        "positive entries",
        """
def create_mask_from_window(x):
    return x > 0
""",
        says=r"mask for x = .* was expected \(hint: True exactly where x equals its maximum",
    ),
    Wrong(
        "create_mask_from_window",
        "the largest absolute value",
        """
def create_mask_from_window(x):
    return np.abs(x) == np.max(np.abs(x))
""",
        says=r"mask for x = \[\[1\.05, 1\.78, -2\.55\].*True exactly where x equals its maximum",
    ),
    Wrong(
        "create_mask_from_window",
        "a flat mask",
        """
def create_mask_from_window(x):
    return x.ravel() == x.max()
""",
        says=r"returned mask of shape \(4,\) but \(2, 2\) was expected",
    ),
    Right(
        "create_mask_from_window",
        "argmax and unravel_index",
        """
def create_mask_from_window(x):
    mask = np.zeros(x.shape, dtype=bool)
    mask[np.unravel_index(np.argmax(x), x.shape)] = True
    return mask
""",
    ),
    Right(
        "create_mask_from_window",
        "x == x.max()",
        """
def create_mask_from_window(x):
    return x == x.max()
""",
    ),
    # --- distribute_value --------------------------------------------------------------------
    Wrong(
        "distribute_value",
        "not divided",
        """
def distribute_value(dz, shape):
    return np.ones(shape) * dz
""",
        says=r"every entry is dz: divide it by n_H·n_W",
    ),
    Wrong(
        "distribute_value",
        "divided by n_H only",
        """
def distribute_value(dz, shape):
    n_H, n_W = shape
    return np.ones(shape) * dz / n_H
""",
        says=r"dz is divided by n_H only",
    ),
    Wrong(
        "distribute_value",
        "divided by n_H + n_W",
        """
def distribute_value(dz, shape):
    n_H, n_W = shape
    return np.ones(shape) * dz / (n_H + n_W)
""",
        says=r"a for dz=3.0, shape=\(2, 3\): .* values are wrong.*dz / \(n_H·n_W\)",
    ),
    Right(
        "distribute_value",
        "np.full and np.prod",
        """
def distribute_value(dz, shape):
    return np.full(shape, dz / np.prod(shape))
""",
    ),
    # --- pool_backward -----------------------------------------------------------------------
    Wrong(
        "pool_backward",
        "= instead of += for overlapping windows",
        variant(POOL_BACKWARD, POOL_BACKWARD_RIGHT, accumulate="="),
        says=r"dA_prev on A_prev of shape \(1, 7, 9, 2\), f=3, stride=2.*the windows overlap here, "
        r"so use \+=",
    ),
    Wrong(
        "pool_backward",
        "mode ignored (always max)",
        variant(POOL_BACKWARD, POOL_BACKWARD_RIGHT, is_max="True"),
        says=r"mode='average': it is the gradient of max pooling",
    ),
    Wrong(
        "pool_backward",
        "right, on top of a distribute_value that does not divide (blame exercise 7)",
        """
def distribute_value(dz, shape):
    return np.ones(shape) * dz
"""
        + variant(POOL_BACKWARD, POOL_BACKWARD_RIGHT),
        says=r"^your `distribute_value` \(exercise 7\) is wrong, and pool_backward calls it",
    ),
    Right("pool_backward", "the notebook's loops", variant(POOL_BACKWARD, POOL_BACKWARD_RIGHT)),
    Right(
        "pool_backward",
        "without the helpers: argmax and a division",
        """
def pool_backward(dA, cache, mode="max"):
    A_prev, hparameters = cache
    f, stride = hparameters["f"], hparameters["stride"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros_like(A_prev)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, hs = h * stride, w * stride
                    if mode == "max":
                        window = A_prev[i, vs : vs + f, hs : hs + f, c]
                        u, v = np.unravel_index(np.argmax(window), window.shape)
                        dA_prev[i, vs + u, hs + v, c] += dA[i, h, w, c]
                    else:
                        dA_prev[i, vs : vs + f, hs : hs + f, c] += dA[i, h, w, c] / (f * f)
    return dA_prev
""",
    ),
]
