"""The Colab lane: every notebook opened as from its Colab badge, under Colab's package versions.

What a learner who clicks a badge gets is a fresh runtime (Colab's packages, Python 3.13) and the
learner's notebook alone in an empty folder; its setup cell installs the course package from
GitHub, and ``setup_notebook`` what Colab lacks. This lane reproduces that offline, for the
learner's notebooks with the instructor's solutions pasted back (a learner who solved every
exercise; ``tools.build_notebooks.paste_back``):

1. a Python 3.13 venv (``.venv-colab``) with ``tests/colab/requirements.txt``, Colab's versions;
2. a wheelhouse with what Colab lacks (``utils.notebook.COLAB_EXTRAS``) and the package's build
   backend, so the setup cell's ``pip install`` runs without an index;
3. for each notebook: an empty folder holding only the notebook, a temporary ``HOME`` whose git
   config redirects ``utils.REPO_URL`` to this checkout
   (``url.<checkout>.insteadOf``: pip's ``git clone`` follows it), and ``COLAB_RELEASE_TAG`` set
   as Colab sets it; then nbval runs it there, with the same sanitizers and tolerance rules as
   ``make test``.

pip installs the checkout's committed ``main`` (``tools.build_notebooks.BRANCH``): commit before
running the lane.

    python -m tests.colab.lane [NN_topic ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from utils.notebook import COLAB_EXTRAS

ROOT = Path(__file__).resolve().parents[2]
PINS = Path(__file__).with_name("requirements.txt")
VENV = ROOT / ".venv-colab"
WHEELS = VENV / "wheelhouse"
STAMP = VENV / "requirements.installed"
PYTHON_VERSION = "3.13"

BUILD_BACKEND = ("setuptools>=64",)  # pyproject.toml's [build-system] requires


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
    """``.venv-colab`` with Colab's pins and the wheelhouse; rebuilt when either changes."""
    python = VENV / "bin" / "python"
    wheels = [*COLAB_EXTRAS.values(), *BUILD_BACKEND]
    wanted = PINS.read_text() + "# wheelhouse: " + " ".join(wheels)
    if STAMP.exists() and STAMP.read_text() == wanted and python.exists():
        return python
    shutil.rmtree(VENV, ignore_errors=True)
    interpreter, env = python313()
    run([interpreter, "-m", "venv", str(VENV)], env=env)
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "--quiet"]
    run([*pip, "install", "-r", str(PINS)])
    run([*pip, "download", "--dest", str(WHEELS), *wheels])
    STAMP.write_text(wanted)
    return python


def open_as_from_badge(name: str, workspace: Path) -> Path:
    """The learner's notebook ``name`` with the solutions pasted back, alone in an empty folder."""
    from tools import build_notebooks as build  # not needed by --prepare (runs before the venv)

    folder = workspace / name
    folder.mkdir()
    build.main(["--paste-back", str(folder), name])
    return folder / f"{name}.ipynb"


def colab_environment(workspace: Path, repo_url: str) -> dict[str, str]:
    """A fresh runtime's environment: a new HOME whose git sends clones of ``repo_url`` here."""
    home = workspace / "home"
    home.mkdir()
    subprocess.run(
        ["git", "config", "--file", str(home / ".gitconfig"),
         f"url.{ROOT.as_uri()}.insteadOf", repo_url],
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
    parser.add_argument("notebooks", nargs="*", help="NN_topic stems (default: every notebook)")
    parser.add_argument(
        "--prepare", action="store_true", help="only build the venv and the wheelhouse"
    )
    args = parser.parse_args(argv)
    if args.prepare:
        build_venv()
        return 0
    from tools import build_notebooks as build

    notebooks = build.names(args.notebooks)
    python = build_venv()
    # A fresh runtime lacks them: a previous run's setup cells installed them into the venv.
    extras = [build.PACKAGE, *COLAB_EXTRAS]
    subprocess.run(
        [str(python), "-m", "pip", "uninstall", "--quiet", "--yes", *extras], check=False
    )
    with tempfile.TemporaryDirectory(prefix="colab-lane-") as tmp:
        workspace = Path(tmp)
        opened = [open_as_from_badge(name, workspace) for name in notebooks]
        env = colab_environment(workspace, build.REPO_URL)
        # pytest runs from the checkout (``python -m`` puts it on the runner's path: the tolerance
        # plugin is tests.nbval_tolerance); the kernels it starts see only the notebook's folder
        # and what the setup cell installed (sys.path is not inherited, PYTHONPATH is not set).
        command = [
            str(python), "-m", "pytest",
            "-p", "tests.nbval_tolerance", "-p", "no:cacheprovider",
            "-c", os.devnull, "--rootdir", str(workspace),
            "--nbval", "--nbval-current-env", "--durations=12",
            "--nbval-sanitize-with", str(ROOT / "tests" / "sanitize.cfg"),
            *map(str, opened),
        ]  # fmt: skip
        print("+ pytest --nbval (Colab lane) on", len(opened), "notebooks", flush=True)
        return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
