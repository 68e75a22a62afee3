"""One call that prepares a notebook: reproducible, quiet, and reporting where it runs."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator

from utils.checks import require_int

# What the course needs beyond Colab's own packages (tests/colab/requirements.txt lists Colab's),
# pinned as in requirements.txt: import name -> pip requirement. Installed on Colab only.
COLAB_EXTRAS = {"mtcnn": "mtcnn==1.0.0", "lz4": "lz4==4.4.5"}
THREADS_VARIABLE = "COURSE_TF_THREADS"  # overrides the default thread count (the tests' lanes)

PLOT_STYLE = {
    "figure.dpi": 80,
    "figure.figsize": (8.0, 4.0),
    "image.cmap": "gray",
    "axes.titlesize": 10,
    "font.size": 9,
}


def setup_notebook(seed: int = 0, threads: int | None = None) -> None:
    """Seed everything, make TensorFlow deterministic and quiet, set the plot style.

    - On Colab, installs what the course needs beyond Colab's packages (:data:`COLAB_EXTRAS`).
    - Python's ``random``, NumPy's global generator and TensorFlow are seeded with ``seed``.
    - ``tf.config.experimental.enable_op_determinism()``: the same ops give the same bits on the
      same machine. On a GPU, an op without a deterministic kernel raises; in IPython that error
      is explained, determinism is switched off for the session and the cell can be re-run.
    - TensorFlow's intra- and inter-op thread pools are fixed to ``threads`` threads (default:
      ``$COURSE_TF_THREADS`` or 2), so stored outputs reproduce on machines with a different
      number of cores. (Another CPU still rounds differently: training outputs are compared
      within the tolerance their cell declares.)
    - TensorFlow's C++ log lines are hidden (when this runs before TensorFlow is imported):
      ``TF_CPP_MIN_LOG_LEVEL=3`` for later lines (e.g. tf.data's harmless
      "use_unbounded_threadpool" error), and the native stderr is muted while TensorFlow loads
      (it prints the oneDNN notice before its log level applies).
    - Prints one line: library versions, the device used, the seed.

    Args:
        seed: non-negative integer seed.
        threads: number of threads for each TensorFlow thread pool (>= 1); None: the environment
            variable ``COURSE_TF_THREADS`` or 2.
    """
    seed = require_int(seed, "seed", minimum=0)
    if threads is None:
        threads = _threads_from_environment()
    threads = require_int(threads, "threads", minimum=1)
    installed = install_missing(COLAB_EXTRAS) if on_colab() else []
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
        _explain_nondeterministic_gpu_ops(tf)
    else:
        device = f"CPU ({threads} threads)"
    extra = f"; installed {', '.join(installed)}" if installed else ""
    print(
        f"TensorFlow {tf.__version__}, Keras {keras.__version__} on {device}; "
        f"seed {seed}, deterministic ops{extra}"
    )


def on_colab() -> bool:
    """Whether this kernel runs on Google Colab (its runtime sets ``COLAB_RELEASE_TAG``)."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def install_missing(requirements: dict[str, str]) -> list[str]:
    """``pip install`` the pinned requirements whose module cannot be imported; returns them.

    Args:
        requirements: import name -> pip requirement, e.g. ``{"mtcnn": "mtcnn==1.0.0"}``.

    Raises:
        RuntimeError: pip failed (its last lines are in the message).
    """
    missing = [pin for name, pin in requirements.items() if importlib.util.find_spec(name) is None]
    if missing:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", *missing],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
            raise RuntimeError(f"pip could not install {', '.join(missing)}:\n{tail}")
        importlib.invalidate_caches()
    return missing


def _threads_from_environment() -> int:
    value = os.environ.get(THREADS_VARIABLE, "2")
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{THREADS_VARIABLE} must be an integer >= 1, got {value!r}") from None


def _explain_nondeterministic_gpu_ops(tf) -> None:
    """In IPython, turn 'no deterministic GPU kernel' errors into an explanation and a way on."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return

    def handler(shell, etype, value, tb, tb_offset=None):
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        if not is_determinism_error(value):
            return None
        from tensorflow.python.framework import config as tf_config

        tf_config.disable_op_determinism()
        print(
            "This operation has no deterministic GPU kernel, so op determinism is now off for "
            "this session. Re-run the cell: results will vary slightly from run to run, within "
            "the tolerances the training cells declare."
        )
        return None

    shell.set_custom_exc((tf.errors.UnimplementedError, tf.errors.InvalidArgumentError), handler)


def is_determinism_error(error: BaseException) -> bool:
    """Whether ``error`` is TensorFlow refusing an op that has no deterministic implementation."""
    return "determinis" in str(error).lower()


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
