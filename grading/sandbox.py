"""Where student code runs: a bubblewrap sandbox around the notebook's kernel.

Inside the sandbox a kernel sees::

    /usr /etc /lib* /bin /sbin       the system, read-only
    <python> <venv>                  the interpreter and the course's environment, read-only
    /course/utils                    the course's package (helpers, public tests), read-only
    /course/data /course/weights     its data and weights, read-only
    /course/notebooks                its scratch folder, the kernel's working directory, and /tmp:
                                     private tmpfs of 1 GiB each, gone with the sandbox
    <io>                             the kernel's connection file and sockets, and the files of
                                     the calls the grader makes (see :mod:`grading.wire`)

and nothing else: not the repository (the instructor notebooks, ``grading/``, git), not the
grading folder (gradebook, feedback, other submissions), not ``/root`` or ``/home``. It has its own
network namespace with no interface but a down loopback (no network at all), its own PID, IPC and
UTS namespaces, no capabilities, a new session (no terminal injection) and dies with its parent.
Only environment variables listed in :data:`KEPT_ENV` pass through.

Without bubblewrap nothing is isolated: :func:`kernel_argv` then refuses unless ``unsafe``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
INSIDE = Path("/course")  # where the course appears inside the sandbox
COURSE_FOLDERS = ("utils", "data", "weights")  # read-only inside; no other repo file
SCRATCH_BYTES = 2**30  # the kernel's working directory and /tmp: private tmpfs of 1 GiB each
KEPT_ENV = ("LANG", "LC_ALL", "TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "OMP_NUM_THREADS")
UNSAFE_RISK = (
    "without a sandbox, student code runs as you: it can read the instructor notebooks and hidden "
    "tests, rewrite the gradebook, other students' submissions, grades and feedback and the "
    "course's code, and use the network"
)


class SandboxUnavailable(Exception):
    """No working sandbox on this machine (the message says why and what to install)."""


def _system_binds() -> list[str]:
    args = []
    for top in ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        path = Path(top)
        if path.is_symlink():  # merged /usr: /bin -> usr/bin
            args += ["--symlink", os.readlink(path), top]
        elif path.is_dir():
            args += ["--ro-bind", top, top]
    # The interpreter (a pyenv or conda install may live under /root or /opt) and the venv.
    for prefix in {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}:
        if not str(prefix).startswith(("/usr/", "/bin", "/lib")):
            args += ["--ro-bind", str(prefix), str(prefix)]
    return args


def bwrap_argv(scratch: Path, io: Path, env: dict[str, str] | None = None) -> list[str]:
    """The bubblewrap command line (up to the command to run) for one submission.

    ``io`` is bound read-write at its own path; ``scratch`` (the working directory without a
    sandbox) is not used: inside, the working directory is a private tmpfs. See the module doc.
    """
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable(
            "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
        )
    args = [
        bwrap,
        "--unshare-all",  # user (when possible), ipc, pid, net, uts, cgroup: no network at all
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        # /tmp first: a later mount would hide the interpreter or venv when they live under /tmp
        # (a CI checkout, for instance), since bubblewrap applies its mounts in order.
        "--size",
        str(SCRATCH_BYTES),
        "--tmpfs",
        "/tmp",
        *_system_binds(),
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--tmpfs",
        str(INSIDE),
    ]
    for name in COURSE_FOLDERS:
        if (REPO / name).is_dir():
            args += ["--ro-bind", str(REPO / name), str(INSIDE / name)]
    home = "/tmp/home"
    args += [
        "--size",
        str(SCRATCH_BYTES),
        "--tmpfs",
        str(INSIDE / "notebooks"),
        "--bind",
        str(io),
        str(io),
        "--dir",
        home,
        "--chdir",
        str(INSIDE / "notebooks"),
        "--clearenv",
    ]
    variables = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "MPLCONFIGDIR": f"{home}/.matplotlib",
        "COURSE_OFFLINE": "1",
        "PYTHONPATH": str(INSIDE),  # `import utils` finds /course/utils (the editable install's
        # path, the repository, is not in the sandbox)
        "PYTHONDONTWRITEBYTECODE": "1",
        **{name: os.environ[name] for name in KEPT_ENV if name in os.environ},
        **(env or {}),
    }
    for name, value in variables.items():
        args += ["--setenv", name, value]
    return args


@cache
def available() -> str | None:
    """None when the sandbox works here, else why not (checked once per process)."""
    try:
        scratch = Path(os.environ.get("TMPDIR", "/tmp"))
        argv = bwrap_argv(scratch, scratch) + [sys.executable, "-c", "print('ok')"]
    except SandboxUnavailable as error:
        return str(error)
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    if result.returncode != 0 or result.stdout.strip() != "ok":
        return f"bubblewrap does not work here: {result.stderr.strip()[:300]}"
    return None


def kernel_argv(scratch: Path, io: Path, unsafe: bool = False) -> list[str]:
    """The command that starts an IPython kernel for one submission, in the sandbox.

    ``unsafe``: where no sandbox works, run the kernel as a plain process in ``scratch`` (see
    :data:`UNSAFE_RISK`); otherwise that raises :class:`SandboxUnavailable`.
    """
    kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel += ["--IPKernelApp.capture_fd_output=False", "--IPKernelApp.log_level=ERROR"]
    reason = available()
    if reason is None:
        return bwrap_argv(scratch, io) + kernel
    if not unsafe:
        raise SandboxUnavailable(f"{reason}; refusing to run student code ({UNSAFE_RISK}).")
    return kernel
