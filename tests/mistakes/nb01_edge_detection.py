"""Notebook 01 (edge detection): wrong answers and correct alternatives of its three exercises."""

from tests.mistakes import Right, Wrong

CATALOGUE = [
    # --- conv2d ------------------------------------------------------------------------------
    Wrong(
        "conv2d",
        "flipped kernel (a true convolution)",
        """
def conv2d(image, kernel):
    return signal.convolve2d(image, kernel, mode="valid")
""",
        says=r"the course's 6×6 ⋆ vertical-edge example: conv2d flipped the kernel",
    ),
    Wrong(
        "conv2d",
        "off-by-one window count",
        """
def conv2d(image, kernel):
    f_h, f_w = kernel.shape
    n_h, n_w = image.shape[0] - f_h, image.shape[1] - f_w
    out = np.zeros((n_h, n_w))
    for i in range(n_h):
        for j in range(n_w):
            out[i, j] = np.sum(image[i : i + f_h, j : j + f_w] * kernel)
    return out
""",
        says=r"shape \(3, 3\) but \(4, 4\) was expected.*\(H − f_h \+ 1\) rows",
    ),
    Wrong(
        "conv2d",
        "square kernel assumed",
        """
def conv2d(image, kernel):
    f = kernel.shape[0]
    n_h, n_w = image.shape[0] - f + 1, image.shape[1] - f + 1
    out = np.zeros((n_h, n_w))
    for i in range(n_h):
        for j in range(n_w):
            out[i, j] = np.sum(image[i : i + f, j : j + f] * kernel)
    return out
""",
        says=r"conv2d raised ValueError: operands could not be broadcast.*on a 5×8 image with a "
        r"2×3 kernel; your code, line 8, in conv2d: .*f_h, f_w = kernel.shape",
    ),
    Wrong(
        "conv2d",
        "height and width swapped",
        """
def conv2d(image, kernel):
    f_h, f_w = kernel.shape
    n_h, n_w = image.shape[0] - f_h + 1, image.shape[1] - f_w + 1
    out = np.zeros((n_h, n_w))
    for i in range(n_h):
        for j in range(n_w):
            out[i, j] = np.sum(image[i : i + f_w, j : j + f_h] * kernel)
    return out
""",
        says=r"conv2d raised ValueError: operands could not be broadcast.*on a 5×8 image with a "
        r"2×3 kernel; your code, line 8, in conv2d: out\[i, j\] = np.sum\(image\[i : i \+ f_w.*"
        r"f_h, f_w = kernel.shape",
    ),
    Wrong(
        "conv2d",
        "integer output",
        """
def conv2d(image, kernel):
    f_h, f_w = kernel.shape
    out = np.zeros((image.shape[0] - f_h + 1, image.shape[1] - f_w + 1), dtype=int)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i : i + f_h, j : j + f_w] * kernel)
    return out
""",
        says=r"conv2d returned int64 values.*np.zeros\(\(n_H, n_W\)\)",
    ),
    Wrong(
        "conv2d",
        "the image normalised in place",
        """
def conv2d(image, kernel):
    image /= np.abs(image).max()
    return signal.correlate2d(image, kernel, mode="valid") * 9
""",
        says=r"conv2d modified its input image in place; work on a copy",
    ),
    Right(
        "conv2d",
        "vectorised with sliding windows",
        """
def conv2d(image, kernel):
    windows = np.lib.stride_tricks.sliding_window_view(image, kernel.shape)
    return np.einsum("ijuv,uv->ij", windows, kernel).astype(float)
""",
    ),
    Right(
        "conv2d",
        "loop over the kernel's offsets",
        """
def conv2d(image, kernel):
    f_h, f_w = kernel.shape
    n_h, n_w = image.shape[0] - f_h + 1, image.shape[1] - f_w + 1
    out = np.zeros((n_h, n_w))
    for u in range(f_h):
        for v in range(f_w):
            out += kernel[u, v] * image[u : u + n_h, v : v + n_w]
    return out
""",
    ),
    # --- gradient_magnitude ------------------------------------------------------------------
    Wrong(
        "gradient_magnitude",
        "squared magnitude",
        """
def gradient_magnitude(image, kernel_x):
    return conv2d(image, kernel_x) ** 2 + conv2d(image, kernel_x.T) ** 2
""",
        says=r"it is Gx² \+ Gy²: take the square root",
    ),
    Wrong(
        "gradient_magnitude",
        "L1 magnitude",
        """
def gradient_magnitude(image, kernel_x):
    return np.abs(conv2d(image, kernel_x)) + np.abs(conv2d(image, kernel_x.T))
""",
        says=r"it is \|Gx\| \+ \|Gy\|",
    ),
    Wrong(
        "gradient_magnitude",
        "Gy with kernel_x, not its transpose",
        """
def gradient_magnitude(image, kernel_x):
    return np.sqrt(conv2d(image, kernel_x) ** 2 + conv2d(image, kernel_x) ** 2)
""",
        says=r"Gy was computed with kernel_x itself: the vertical-gradient kernel is kernel_x\.T",
    ),
    Wrong(
        "gradient_magnitude",
        "hard-coded Sobel kernel (argument ignored)",
        """
def gradient_magnitude(image, kernel_x):
    sobel = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])
    return np.sqrt(conv2d(image, sobel) ** 2 + conv2d(image, sobel.T) ** 2)
""",
        says=r"Scharr kernel_x: the result is the Sobel magnitude whatever kernel_x is",
    ),
    Wrong(
        "gradient_magnitude",
        "right, on top of a wrong conv2d (blame exercise 1)",
        """
def conv2d(image, kernel):
    f = kernel.shape[0]
    out = np.zeros((image.shape[0] - f, image.shape[1] - f))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i : i + f, j : j + f] * kernel)
    return out

def gradient_magnitude(image, kernel_x):
    return np.sqrt(conv2d(image, kernel_x) ** 2 + conv2d(image, kernel_x.T) ** 2)
""",
        says=r"^your `conv2d` \(exercise 1\) is wrong, and gradient_magnitude calls it; fix it "
        r"first: conv2d raised ValueError: operands could not be broadcast",
    ),
    Right(
        "gradient_magnitude",
        "np.hypot",
        """
def gradient_magnitude(image, kernel_x):
    return np.hypot(conv2d(image, kernel_x), conv2d(image, kernel_x.T))
""",
    ),
    Right(
        "gradient_magnitude",
        "SciPy instead of conv2d",
        """
def gradient_magnitude(image, kernel_x):
    g_x = signal.correlate2d(image, kernel_x, mode="valid")
    g_y = signal.correlate2d(image, kernel_x.T, mode="valid")
    return np.linalg.norm(np.stack([g_x, g_y]), axis=0)
""",
    ),
    # --- fit_kernel --------------------------------------------------------------------------
    Wrong(
        "fit_kernel",
        "sum of squared errors",
        """
def fit_kernel(image, target, steps=300, learning_rate=0.05):
    f = image.shape[0] - target.shape[0] + 1
    x = tf.constant(image[None, :, :, None], dtype=tf.float32)
    y = tf.constant(target[None, :, :, None], dtype=tf.float32)
    kernel = tf.Variable(tf.zeros((f, f, 1, 1)))
    optimizer = keras.optimizers.Adam(learning_rate)
    losses = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum((tf.nn.conv2d(x, kernel, 1, "VALID") - y) ** 2)
        optimizer.apply_gradients([(tape.gradient(loss, kernel), kernel)])
        losses.append(float(loss))
    return kernel.numpy()[:, :, 0, 0], losses
""",
        says=r"it is the sum of the squared errors: take their mean",
    ),
    Wrong(
        "fit_kernel",
        "absolute errors, not squared",
        """
def fit_kernel(image, target, steps=300, learning_rate=0.05):
    f = image.shape[0] - target.shape[0] + 1
    x = tf.constant(image[None, :, :, None], dtype=tf.float32)
    y = tf.constant(target[None, :, :, None], dtype=tf.float32)
    kernel = tf.Variable(tf.zeros((f, f, 1, 1)))
    optimizer = keras.optimizers.Adam(learning_rate)
    losses = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.abs(tf.nn.conv2d(x, kernel, 1, "VALID") - y))
        optimizer.apply_gradients([(tape.gradient(loss, kernel), kernel)])
        losses.append(float(loss))
    return kernel.numpy()[:, :, 0, 0], losses
""",
        says=r"it is the mean absolute error: square the errors",
    ),
    Wrong(
        "fit_kernel",
        "steps and learning_rate ignored",
        """
def fit_kernel(image, target, steps=300, learning_rate=0.05):
    f = image.shape[0] - target.shape[0] + 1
    x = tf.constant(image[None, :, :, None], dtype=tf.float32)
    y = tf.constant(target[None, :, :, None], dtype=tf.float32)
    kernel = tf.Variable(tf.zeros((f, f, 1, 1)))
    optimizer = keras.optimizers.Adam(0.05)
    losses = []
    for _ in range(300):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((tf.nn.conv2d(x, kernel, 1, "VALID") - y) ** 2)
        optimizer.apply_gradients([(tape.gradient(loss, kernel), kernel)])
        losses.append(float(loss))
    return kernel.numpy()[:, :, 0, 0], losses
""",
        says=r"len\(losses\) with steps=1: got 300 but 1 was expected",
    ),
    Wrong(
        "fit_kernel",
        "kernel size off by one",
        """
def fit_kernel(image, target, steps=300, learning_rate=0.05):
    f = image.shape[0] - target.shape[0]
    return np.zeros((f, f)), [1.0] * steps
""",
        says=r"shape \(2, 2\) but \(3, 3\) was expected.*f = H − H_out \+ 1",
    ),
    Right(
        "fit_kernel",
        "random start, Keras MSE loss, optimizer.minimize-free loop",
        """
def fit_kernel(image, target, steps=300, learning_rate=0.05):
    f = image.shape[0] - target.shape[0] + 1
    x = tf.constant(image[None, :, :, None], dtype=tf.float32)
    y = tf.constant(target[None, :, :, None], dtype=tf.float32)
    kernel = tf.Variable(tf.random.normal((f, f, 1, 1), stddev=0.01, seed=1))
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
    mse = keras.losses.MeanSquaredError()
    losses = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = mse(y, tf.nn.convolution(x, kernel, padding="VALID"))
        gradient = tape.gradient(loss, kernel)
        optimizer.apply_gradients(zip([gradient], [kernel]))
        losses.append(loss.numpy().item())
    return kernel.numpy().reshape(f, f), losses
""",
    ),
]
