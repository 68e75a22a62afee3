"""One call that prepares a notebook: reproducible, quiet, and reporting where it runs."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

PLOT_STYLE = {
    "figure.dpi": 80,
    "figure.figsize": (8.0, 4.0),
    "image.cmap": "gray",
    "axes.titlesize": 10,
    "font.size": 9,
}


def setup_notebook(seed: int = 0, threads: int = 2) -> None:
    """Seed everything, make TensorFlow deterministic and quiet, set the plot style.

    - Python's ``random``, NumPy's global generator and TensorFlow are seeded with ``seed``.
    - ``tf.config.experimental.enable_op_determinism()``: the same ops give the same bits.
    - TensorFlow's intra- and inter-op thread pools are fixed to ``threads`` threads, so stored
      outputs reproduce on machines with a different number of cores.
    - TensorFlow's C++ log lines are hidden (when this runs before TensorFlow is imported):
      ``TF_CPP_MIN_LOG_LEVEL=3`` for later lines (e.g. tf.data's harmless
      "use_unbounded_threadpool" error), and the native stderr is muted while TensorFlow loads
      (it prints the oneDNN notice before its log level applies).
    - Prints one line: library versions, the device used, the seed.

    Args:
        seed: non-negative integer seed.
        threads: number of threads for each TensorFlow thread pool (>= 1).
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be an int >= 1, got {threads!r}")
    if "tensorflow" not in sys.modules:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        with _muted_native_stderr():
            import tensorflow  # noqa: F401  (first import, the noisy one)
    import keras
    import matplotlib.pyplot as plt
    import tensorflow as tf

    _fix_threads(tf, threads)
    keras.utils.set_random_seed(seed)  # Python's random, NumPy's global generator and TensorFlow
    tf.config.experimental.enable_op_determinism()
    plt.rcParams.update(PLOT_STYLE)

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        name = tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU")
        device = f"GPU ({name})"
    else:
        device = f"CPU ({threads} threads)"
    print(
        f"TensorFlow {tf.__version__}, Keras {keras.__version__} on {device}; "
        f"seed {seed}, deterministic ops"
    )


def _fix_threads(tf, threads: int) -> None:
    """Set both TensorFlow thread pools; tolerate a re-run once the runtime has started."""
    threading = tf.config.threading
    if (
        threading.get_intra_op_parallelism_threads() == threads
        and threading.get_inter_op_parallelism_threads() == threads
    ):
        return
    try:
        threading.set_intra_op_parallelism_threads(threads)
        threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError as err:  # the runtime is already initialised (cell re-run after TF work)
        raise RuntimeError(
            f"TensorFlow already started with other thread settings; restart the kernel to use "
            f"threads={threads} ({err})"
        ) from None


@contextlib.contextmanager
def _muted_native_stderr() -> Iterator[None]:
    """Send file descriptor 2 (C/C++ stderr) to /dev/null for the duration of the block."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
