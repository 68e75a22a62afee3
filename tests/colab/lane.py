"""The Colab lane: every notebook opened as from its Colab badge, under Colab's package versions.

What a learner who clicks a badge gets is a fresh runtime (Colab's packages, Python 3.13) and the
notebook alone in an empty folder; its setup cell installs what Colab lacks and clones this
repository. This lane reproduces that offline:

1. a Python 3.13 venv (``.venv-colab``) with ``tests/colab/requirements.txt``, Colab's versions;
2. a wheelhouse with what Colab lacks (``utils.notebook.COLAB_EXTRAS``), so the setup cell's
   ``pip install`` runs without an index;
3. for each notebook: an empty folder holding only the notebook, a temporary ``HOME`` whose git
   config redirects ``utils.REPO_URL`` to this checkout (``url.<checkout>.insteadOf``), and
   ``COLAB_RELEASE_TAG`` set as Colab sets it; then nbval runs it there, with the same sanitizers
   and tolerance rules as ``make test``.

The clone is of the checkout's committed ``HEAD``: commit before running the lane.

    python tests/colab/lane.py [notebooks/NN_topic.ipynb ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PINS = Path(__file__).with_name("requirements.txt")
VENV = ROOT / ".venv-colab"
WHEELS = VENV / "wheelhouse"
STAMP = VENV / "requirements.installed"
PYTHON_VERSION = "3.13"

sys.path.insert(0, str(ROOT))
from utils import REPO_URL  # noqa: E402
from utils.notebook import COLAB_EXTRAS  # noqa: E402


def run(command: list[str], **kwargs) -> None:
    print("+", " ".join(map(str, command)), flush=True)
    subprocess.run(command, check=True, **kwargs)


def python313() -> tuple[str, dict[str, str]]:
    """A Python 3.13 interpreter (Colab's) and the environment to run it in.

    pyenv's ``python3.13`` is a shim that runs only with a 3.13 version selected, and ``pyenv
    exec`` (a script started by pyenv's ``python3``) selects another one in ``PYENV_VERSION``: so
    each installed 3.13 of pyenv is tried too.
    """
    pyenv = shutil.which("pyenv")
    listed = subprocess.run(
        [pyenv, "versions", "--bare"], capture_output=True, text=True, check=False
    ).stdout.split() if pyenv else []  # fmt: skip
    environments = [dict(os.environ)] + [
        {**os.environ, "PYENV_VERSION": version}
        for version in listed
        if version.startswith(PYTHON_VERSION + ".")
    ]
    for env in environments:
        for candidate in (f"python{PYTHON_VERSION}", "python3"):
            found = shutil.which(candidate, path=env.get("PATH"))
            if not found:
                continue
            probe = subprocess.run(
                [found, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            if probe.stdout.strip() == PYTHON_VERSION:
                return found, env
    sys.exit(f"The Colab lane needs Python {PYTHON_VERSION} (Colab's); none was found on PATH.")


def build_venv() -> Path:
    """``.venv-colab`` with Colab's pins and the wheelhouse; rebuilt when the pins change."""
    python = VENV / "bin" / "python"
    if STAMP.exists() and STAMP.read_text() == PINS.read_text() and python.exists():
        return python
    shutil.rmtree(VENV, ignore_errors=True)
    interpreter, env = python313()
    run([interpreter, "-m", "venv", str(VENV)], env=env)
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "--quiet"]
    run([*pip, "install", "-r", str(PINS)])
    run([*pip, "download", "--dest", str(WHEELS), *COLAB_EXTRAS.values()])
    STAMP.write_text(PINS.read_text())
    return python


def open_as_from_badge(notebook: Path, workspace: Path) -> Path:
    """A copy of the notebook alone in an empty folder."""
    folder = workspace / notebook.stem
    folder.mkdir()
    return Path(shutil.copy2(notebook, folder / notebook.name))


def colab_environment(workspace: Path) -> dict[str, str]:
    """A fresh runtime's environment: a new HOME whose git sends the course's clone here."""
    home = workspace / "home"
    home.mkdir()
    subprocess.run(
        ["git", "config", "--file", str(home / ".gitconfig"),
         f"url.{ROOT.as_uri()}.insteadOf", REPO_URL],
        check=True,
    )  # fmt: skip
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "VIRTUAL_ENV", "PYENV", "TF_", "COURSE_TF"))
    }
    env.update(
        HOME=str(home),
        COLAB_RELEASE_TAG="course-colab-lane",
        COURSE_OFFLINE="1",
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(WHEELS),
        GIT_CONFIG_NOSYSTEM="1",
    )
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook")
    parser.add_argument(
        "--prepare", action="store_true", help="only build the venv and the wheelhouse"
    )
    args = parser.parse_args(argv)
    if args.prepare:
        build_venv()
        return 0
    notebooks = [path.resolve() for path in args.notebooks] or sorted(
        (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")
    )
    python = build_venv()
    # A fresh runtime lacks them: a previous run's setup cells installed them into the venv.
    extras = list(COLAB_EXTRAS)
    subprocess.run(
        [str(python), "-m", "pip", "uninstall", "--quiet", "--yes", *extras], check=False
    )
    with tempfile.TemporaryDirectory(prefix="colab-lane-") as tmp:
        workspace = Path(tmp)
        opened = [open_as_from_badge(notebook, workspace) for notebook in notebooks]
        env = colab_environment(workspace)
        # The runner imports the tolerance plugin from this checkout; the kernels it starts see
        # only the notebook's folder (sys.path is not inherited, PYTHONPATH is not set).
        runner = (
            "import sys; sys.path.insert(0, sys.argv[1]); import pytest; "
            "sys.exit(pytest.main(sys.argv[2:]))"
        )
        command = [
            str(python), "-c", runner, str(ROOT),
            "-p", "tests.nbval_tolerance", "-p", "no:cacheprovider",
            "-c", os.devnull, "--rootdir", str(workspace),
            "--nbval", "--nbval-current-env", "--durations=12",
            "--nbval-sanitize-with", str(ROOT / "tests" / "sanitize.cfg"),
            *map(str, opened),
        ]  # fmt: skip
        print("+ pytest --nbval (Colab lane) on", len(opened), "notebooks", flush=True)
        return subprocess.run(command, cwd=workspace, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
