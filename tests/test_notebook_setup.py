"""utils.setup_notebook: one line printed, quiet TensorFlow, fixed threads, reproducible numbers.

setup_notebook imports TensorFlow and fixes its thread pools for the whole process, so each
scenario runs in a fresh interpreter; the three subprocesses start together to keep the wall time
to about one TensorFlow import. Argument validation happens before any import, so it is tested
in-process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from utils import notebook
from utils.notebook import setup_notebook

ROOT = Path(__file__).resolve().parent.parent
MARKER = "@@RESULT@@"

# The first call runs before TensorFlow is imported (as in a notebook's first cell); its output
# is the first line of stdout. The script then reports the state TensorFlow was left in.
MAIN_SCENARIO = """
import json, sys
import utils
utils.setup_notebook()
sys.stdout.flush()
print({marker!r})
import tensorflow as tf
from tensorflow.python.framework import config as tf_config
tf.random.uniform((2,))  # run an op: no log line may appear on first execution either
threading = tf.config.threading
result = {{
    "intra": threading.get_intra_op_parallelism_threads(),
    "inter": threading.get_inter_op_parallelism_threads(),
    "determinism": tf_config.is_op_determinism_enabled(),
}}
import matplotlib.pyplot as plt
result["dpi"] = plt.rcParams["figure.dpi"]
utils.setup_notebook(seed=5)  # a re-run of the setup cell
result["second_intra"] = threading.get_intra_op_parallelism_threads()
try:
    utils.setup_notebook(threads=3)  # other threads once the runtime has started
    result["rethread"] = None
except RuntimeError as err:
    result["rethread"] = str(err)
print(json.dumps(result))
"""

SEEDED_SCENARIO = """
import json
import utils
utils.setup_notebook(seed=3)
import numpy as np
import tensorflow as tf
first = tf.random.uniform((4,)).numpy().tolist()
second = tf.random.uniform((4,)).numpy().tolist()
print({marker!r})
print(json.dumps({{"first": first, "second": second, "numpy": np.random.rand(2).tolist()}}))
"""


def start(script: str) -> subprocess.Popen:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TF_", "KERAS_BACKEND", "COURSE_TF_THREADS", "COLAB_"))
    }
    env["PYTHONPATH"] = str(ROOT)
    env["CUDA_VISIBLE_DEVICES"] = ""  # the CPU line is what the course prints
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script).format(marker=MARKER)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen) -> tuple[str, str]:
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, f"subprocess failed:\n{stdout}\n{stderr}"
    return stdout, stderr


@pytest.fixture(scope="module")
def runs():
    """Start the three scenarios at once; each entry is (stdout, stderr)."""
    processes = {
        "main": start(MAIN_SCENARIO),
        "seeded_a": start(SEEDED_SCENARIO),
        "seeded_b": start(SEEDED_SCENARIO),
    }
    return {name: finish(process) for name, process in processes.items()}


def split(stdout: str) -> tuple[list[str], str]:
    """Lines printed before the marker, and the JSON line after it."""
    before, after = stdout.split(MARKER + "\n")
    return before.splitlines(), after.strip().splitlines()[-1]


@pytest.mark.slow
def test_prints_exactly_one_line_with_versions_device_and_seed(runs):
    lines, _ = split(runs["main"][0])
    assert len(lines) == 1
    (line,) = lines
    for part in ("TensorFlow 2.21.0", "Keras 3.15.1", "CPU (2 threads)", "seed 0"):
        assert part in line


@pytest.mark.slow
def test_re_run_prints_its_own_seed(runs):
    stdout = runs["main"][0]
    after = stdout.split(MARKER + "\n")[1].splitlines()
    assert sum("seed 5" in line for line in after) == 1


@pytest.mark.slow
@pytest.mark.parametrize("name", ["main", "seeded_a"])
def test_tensorflow_is_quiet(runs, name):
    stderr = runs[name][1]
    assert "oneDNN" not in stderr
    assert "cpu_feature_guard" not in stderr
    assert "absl::InitializeLog" not in stderr


@pytest.mark.slow
def test_thread_pools_determinism_and_plot_style(runs):
    _, payload = split(runs["main"][0])
    result = json.loads(payload)
    assert result["intra"] == 2
    assert result["inter"] == 2
    assert result["determinism"] is True
    assert result["dpi"] == 80


@pytest.mark.slow
def test_calling_setup_twice_works_and_other_threads_ask_for_a_restart(runs):
    _, payload = split(runs["main"][0])
    result = json.loads(payload)
    assert result["second_intra"] == 2
    assert result["rethread"] is not None
    assert "restart the kernel" in result["rethread"]
    assert "threads=3" in result["rethread"]


@pytest.mark.slow
def test_same_seed_gives_the_same_numbers_in_separate_processes(runs):
    a = json.loads(split(runs["seeded_a"][0])[1])
    b = json.loads(split(runs["seeded_b"][0])[1])
    assert a["first"] == b["first"]
    assert a["second"] == b["second"]
    assert a["numpy"] == b["numpy"]
    assert a["first"] != a["second"]  # the generator moves on between calls
    lines, _ = split(runs["seeded_a"][0])
    assert len(lines) == 1 and "seed 3" in lines[0]


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"seed": True}, "seed"),
        ({"seed": "0"}, "seed"),
        ({"seed": None}, "seed"),
        ({"threads": 0}, "threads"),
        ({"threads": -2}, "threads"),
        ({"threads": 2.0}, "threads"),
        ({"threads": False}, "threads"),
    ],
)
def test_bad_arguments_are_value_errors_naming_the_argument(kwargs, word, capsys):
    with pytest.raises(ValueError, match=word):
        setup_notebook(**kwargs)
    assert capsys.readouterr().out == ""  # nothing was set up


@pytest.mark.parametrize("value", ["three", "0", "-1"])
def test_a_bad_thread_count_in_the_environment_names_the_variable(monkeypatch, capsys, value):
    monkeypatch.setenv("COURSE_TF_THREADS", value)
    with pytest.raises(ValueError, match="COURSE_TF_THREADS|threads"):
        setup_notebook()
    assert capsys.readouterr().out == ""


def test_colab_is_recognised_by_its_runtime_variable(monkeypatch):
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    assert not notebook.on_colab()
    monkeypatch.setenv("COLAB_RELEASE_TAG", "release-colab_20260819")
    assert notebook.on_colab()


def test_install_missing_installs_only_what_cannot_be_imported(monkeypatch, tmp_path):
    assert notebook.install_missing({"json": "no-such-course-package==0.0.1"}) == []
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # no index, an empty wheelhouse: pip must fail
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path))
    with pytest.raises(RuntimeError, match="pip could not install no-such-course-package==0.0.1"):
        notebook.install_missing({"no_such_course_module": "no-such-course-package==0.0.1"})


def test_the_colab_extras_are_pinned_as_in_requirements_txt():
    pinned = set((ROOT / "requirements.txt").read_text().split())
    for requirement in notebook.COLAB_EXTRAS.values():
        assert requirement in pinned, f"{requirement} is not the version requirements.txt pins"


class FakeShell:
    """The part of IPython's shell that setup_notebook uses on a GPU."""

    def __init__(self):
        self.handler, self.shown = None, []

    def set_custom_exc(self, types, handler):
        self.types, self.handler = types, handler

    def showtraceback(self, exc_tuple=None, tb_offset=None):
        self.shown.append(exc_tuple[1])


def test_a_missing_deterministic_gpu_kernel_is_explained_and_determinism_switched_off(
    monkeypatch, capsys
):
    import IPython
    import tensorflow as tf
    from tensorflow.python.framework import config as tf_config

    shell, calls = FakeShell(), []
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    monkeypatch.setattr(tf_config, "disable_op_determinism", lambda: calls.append("off"))
    notebook._explain_nondeterministic_gpu_ops(tf)
    assert tf.errors.UnimplementedError in shell.types

    other = tf.errors.InvalidArgumentError(None, None, "Incompatible shapes: [2] vs. [3]")
    shell.handler(shell, type(other), other, None)
    assert calls == [] and capsys.readouterr().out == ""  # other errors: only the traceback

    refused = tf.errors.UnimplementedError(
        None, None, "A deterministic GPU implementation of ScatterNd is not currently available."
    )
    shell.handler(shell, type(refused), refused, None)
    assert calls == ["off"] and shell.shown == [other, refused]
    assert "Re-run the cell" in capsys.readouterr().out
