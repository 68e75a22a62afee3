"""Named data and weights files: the shipped copy, the Keras cache, a download, or the substitute.

``data/MANIFEST.json`` and ``weights/MANIFEST.json`` are the single source of truth: each entry
names a file, its checksum, how to reproduce it, where to download it and, when it cannot be had,
which documented offline substitute the notebooks use instead. :func:`resolve` finds a file (and
verifies it) or returns ``None`` after printing one line saying that the substitute is used.

Checksums: every shipped file has its SHA-256. A download has its SHA-256 when one is published,
else the MD5 its upstream library pins (Keras pins MD5s for ``keras.applications`` weights), else
— when nobody publishes one — none: it is then *pinned on first use*: the SHA-256 of the first copy
is recorded beside it (``<file>.sha256``) and printed, and every later use is checked against it.

Set ``COURSE_OFFLINE=1`` to never touch the network (shipped and cached files are still used).
Only a download imports Keras (and so TensorFlow).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import socket
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from utils.checks import require_positive_number

T = TypeVar("T")

MANIFEST = "MANIFEST.json"
REPO_ROOT = Path(__file__).resolve().parent.parent


def _shipped(folder: str) -> Path:
    """The repository's ``data/`` or ``weights/``: beside ``utils/`` in a checkout (and an editable
    install), inside the package in an installed wheel (pyproject.toml maps them there)."""
    inside = Path(__file__).resolve().parent / folder
    return inside if inside.is_dir() else REPO_ROOT / folder


DATA_DIR = _shipped("data")
WEIGHTS_DIR = _shipped("weights")
MANIFEST_FOLDERS = (DATA_DIR, WEIGHTS_DIR)
CACHE_SUBDIRS = ("datasets", "models")


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_hex(value: object, digits: int) -> bool:
    return isinstance(value, str) and re.fullmatch(f"[0-9a-f]{{{digits}}}", value) is not None


@dataclasses.dataclass(frozen=True)
class Asset:
    """One manifest entry, plus ``folder``: the directory where a shipped copy lives."""

    name: str
    filename: str
    description: str
    how: str
    sha256: str | None
    md5: str | None
    size_bytes: int | None
    url: str | None
    offline: str | None
    cache_subdir: str
    folder: Path

    def __post_init__(self) -> None:
        filename, size, url, md5 = self.filename, self.size_bytes, self.url, self.md5
        rules = (
            ("name", "a non-empty str", _is_text(self.name)),
            ("filename", "a bare name", _is_text(filename) and Path(filename).name == filename),
            ("description", "a non-empty str", _is_text(self.description)),
            ("how", "a non-empty str", _is_text(self.how)),
            (
                "sha256",
                "64 lowercase hex digits (null only for a download)",
                _is_hex(self.sha256, 64) or self.sha256 is None and url is not None,
            ),
            ("md5", "32 lowercase hex digits or null", md5 is None or _is_hex(md5, 32)),
            ("size_bytes", "an int >= 0 or null", size is None or type(size) is int and size >= 0),
            ("url", "an http(s) URL or null", url is None or re.match(r"https?://\w", str(url))),
            ("offline", "a non-empty str or null", self.offline is None or _is_text(self.offline)),
            ("cache_subdir", f"one of {CACHE_SUBDIRS}", self.cache_subdir in CACHE_SUBDIRS),
            ("folder", "a pathlib.Path", isinstance(self.folder, Path)),
        )
        for field, expected, ok in rules:
            if not ok:
                raise ValueError(f"{field} must be {expected}, got {getattr(self, field)!r}")


FIELDS = tuple(field.name for field in dataclasses.fields(Asset) if field.name != "folder")


def load_manifest(folder: Path) -> dict[str, Asset]:
    """Read ``<folder>/MANIFEST.json`` and return its assets by name (entries are validated)."""
    if not isinstance(folder, (str, os.PathLike)):
        raise ValueError(f"folder must be a path to a folder holding {MANIFEST}, got {folder!r}")
    folder = Path(folder)
    path = folder / MANIFEST
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("assets"), list):
        raise ValueError(f'{path}: expected a JSON object {{"assets": [...]}}')
    assets: dict[str, Asset] = {}
    for entry in data["assets"]:
        if not isinstance(entry, dict) or sorted(entry) != sorted(FIELDS):
            raise ValueError(f"{path}: every entry needs exactly the keys {FIELDS}, got {entry!r}")
        try:
            asset = Asset(**entry, folder=folder)
        except ValueError as err:
            raise ValueError(f"{path}: entry {entry.get('name')!r}: {err}") from err
        if asset.name in assets:
            raise ValueError(f"{path}: asset name {asset.name!r} appears twice")
        assets[asset.name] = asset
    return assets


def registry() -> dict[str, Asset]:
    """All assets of the repository (``data/`` and ``weights/`` manifests) by unique name."""
    found: dict[str, Asset] = {}
    for folder in MANIFEST_FOLDERS:
        for name, asset in load_manifest(folder).items():
            if name in found:
                raise ValueError(
                    f"asset name {name!r} is in both {found[name].folder / MANIFEST} and "
                    f"{folder / MANIFEST}; names must be unique across manifests"
                )
            found[name] = asset
    return found


def sha256sum(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of the file at ``path``, read in 1 MiB chunks."""
    return _hexdigest(path, hashlib.sha256())


def md5sum(path: str | os.PathLike[str]) -> str:
    """Hex MD5 of the file at ``path`` (to compare with an upstream pin; not for security)."""
    return _hexdigest(path, hashlib.md5(usedforsecurity=False))


def _hexdigest(path: str | os.PathLike[str], digest: Any) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"path must be a file path, got {path!r}")
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def resolve(
    name_or_asset: str | Asset,
    *,
    offline: bool | None = None,
    cache_dir: str | Path | None = None,
    timeout: float = 3.0,
    deadline: float = 900.0,
) -> Path | None:
    """Return the verified path of an asset, or ``None`` when its offline substitute must be used.

    Tried in order: the shipped file ``<folder>/<filename>``; the Keras cache
    ``<cache_dir>/<cache_subdir>/<filename>`` (``cache_dir`` defaults to ``$KERAS_HOME`` or
    ``~/.keras``); a download with ``keras.utils.get_file`` into that cache, after a connection
    probe. Otherwise one line is printed and ``None`` returned (the caller uses the substitute).

    Args:
        name_or_asset: a name from the manifests, or an :class:`Asset`.
        offline: ``True`` never opens a socket; ``None`` (default) reads ``COURSE_OFFLINE``.
        cache_dir: the Keras cache root to look in and download to.
        timeout: seconds allowed for the probe and for each network read during the download.
        deadline: seconds allowed for the whole download (a server that answers, but slowly,
            cannot hold a cell longer); past it the download is stopped and the substitute used.

    Raises:
        KeyError: unknown asset name.
        ValueError: a file found or downloaded does not match the manifest's SHA-256 (else its
            MD5, else the SHA-256 recorded when an unpinned asset was first used).
        FileNotFoundError: the file cannot be had and the asset has no offline substitute.
    """
    asset = _lookup(name_or_asset)
    if offline is not None and not isinstance(offline, bool):
        raise ValueError(f"offline must be True, False or None, got {offline!r}")
    if cache_dir is not None and not isinstance(cache_dir, (str, os.PathLike)):
        raise ValueError(f"cache_dir must be a folder path or None, got {cache_dir!r}")
    require_positive_number(timeout, "timeout (seconds)")
    require_positive_number(deadline, "deadline (seconds)")

    cache_root = Path(cache_dir or os.environ.get("KERAS_HOME") or "~/.keras").expanduser()
    local, cached = asset.folder / asset.filename, cache_root / asset.cache_subdir / asset.filename
    for path in (local, cached):
        if path.is_file():
            return _verify(asset, path)

    if asset.url is None:
        reason = "no download URL in the manifest"
    else:
        reason = offline_reason(asset.url, offline=offline, timeout=timeout)
        if reason is None:
            try:
                path = Path(within_deadline(deadline, _download, asset, cache_root, timeout))
            except Exception as err:  # get_file re-raises network errors as a bare Exception
                reason = f"download failed: {err}"
            else:
                return _verify(asset, path)

    if asset.offline is None:
        raise FileNotFoundError(
            f"{asset.name}: not found at {local} nor at {cached}, and the download from "
            f"{asset.url} is not possible ({' '.join(reason.split())}); this asset has no "
            "offline substitute."
        )
    offline_notice(asset.name, reason, asset.offline)
    return None


def offline_reason(url: str, *, offline: bool | None = None, timeout: float = 3.0) -> str | None:
    """Why a download from ``url`` must not be tried now, or None when the network can be used.

    ``offline=True`` or, with ``offline=None``, the environment variable ``COURSE_OFFLINE=1``
    answers at once without opening a socket; otherwise the host (or the proxy) is probed for at
    most ``timeout`` seconds.
    """
    env = os.environ.get("COURSE_OFFLINE", "")
    if offline:
        return "offline=True"
    if offline is None and env.strip().lower() in ("1", "true", "yes"):
        return f"COURSE_OFFLINE={env}"
    return _probe(url, timeout)


def offline_notice(name: str, reason: str, substitute: str) -> None:
    """Print the one line that says a substitute replaces ``name`` and why."""
    print(
        f"{name}: offline ({' '.join(reason.split())}) — using the offline substitute: {substitute}"
    )


def _lookup(name_or_asset: str | Asset) -> Asset:
    if isinstance(name_or_asset, Asset):
        return name_or_asset
    if not isinstance(name_or_asset, str):
        raise ValueError(f"name_or_asset must be an asset name or an Asset, got {name_or_asset!r}")
    known = registry()
    if name_or_asset not in known:
        names = ", ".join(sorted(known)) or "(none)"
        raise KeyError(f"name_or_asset: unknown asset {name_or_asset!r}; known names: {names}")
    return known[name_or_asset]


def pin_file(path: Path) -> Path:
    """Where the SHA-256 of an unpinned asset's first copy at ``path`` is recorded."""
    return path.with_name(path.name + ".sha256")


def _verify(asset: Asset, path: Path) -> Path:
    """Check ``path`` against the asset's SHA-256, else its MD5, else the recorded first copy."""
    if asset.sha256 is not None:
        kind, expected, got = "sha256", asset.sha256, sha256sum(path)
    elif asset.md5 is not None:
        kind, expected, got = "md5", asset.md5, md5sum(path)
    else:
        kind, got, record = "recorded sha256", sha256sum(path), pin_file(path)
        if not record.is_file():
            record.write_text(got + "\n", encoding="utf-8")
            print(
                f"{asset.name}: no checksum is published for this file; pinned on first use: "
                f"sha256 {got} (recorded in {record}; later uses are checked against it)"
            )
            return path
        expected = record.read_text(encoding="utf-8").strip()
    if got != expected:
        source = f"; url: {asset.url}" if asset.url else ""
        raise ValueError(
            f"{asset.name}: {path} is corrupted or outdated ({kind} mismatch)\n"
            f"  expected {expected}\n  got      {got}\n"
            f"Do not use it: delete it and re-create it (how: {asset.how}{source})."
        )
    return path


def _probe(url: str, timeout: float) -> str | None:
    """Why the host serving ``url`` (or its proxy) cannot be reached in ``timeout`` s, else None."""
    parts = urllib.parse.urlsplit(url)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(parts.hostname or ""):
        parts = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    outcome: list[str | None] = []

    def connect() -> None:
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            outcome.append(None)
        except OSError as err:
            outcome.append(f"cannot reach {host}:{port}: {err}")

    # A thread bounds the name lookup too, which create_connection's timeout does not cover.
    worker = threading.Thread(target=connect, daemon=True)
    worker.start()
    worker.join(timeout)
    return outcome[0] if outcome else f"no answer from {host}:{port} within {timeout:g} s"


def within_deadline(deadline: float, function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` run in a child process that is stopped after ``deadline`` seconds.

    For downloads: a socket timeout bounds each read, but a server that keeps sending a byte now
    and then would hold the caller forever; a child process can be stopped at any moment, leaving
    at most a partial file that the checksum refuses. ``function`` must be importable (defined
    at module level) and its arguments and result picklable.

    Raises:
        TimeoutError: the deadline passed (the child was terminated).
        RuntimeError: the child failed; the message carries its error.
    """
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # no fork of a process holding TensorFlow
    with context.Pool(1) as pool:
        pending = pool.apply_async(_plain_errors, (function, *args))
        try:
            return pending.get(deadline)
        except multiprocessing.TimeoutError:
            pool.terminate()
            raise TimeoutError(f"not finished within the deadline of {deadline:g} s") from None


def _plain_errors(function: Callable[..., T], *args: Any) -> T:
    """Run ``function``; re-raise its error as a RuntimeError that survives pickling."""
    try:
        return function(*args)
    except Exception as err:  # e.g. an HTTPError holding an open socket cannot be pickled
        raise RuntimeError(f"{type(err).__name__}: {err}") from None


def _download(asset: Asset, cache_root: Path, timeout: float) -> Path:
    import keras

    # get_file silently switches to /tmp/.keras when cache_root is missing or read-only.
    (cache_root / asset.cache_subdir).mkdir(parents=True, exist_ok=True)
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)  # get_file's urlopen has no timeout: a stall would hang
    try:
        target = keras.utils.get_file(
            asset.filename,
            origin=asset.url,
            cache_dir=str(cache_root),
            cache_subdir=asset.cache_subdir,
        )
    finally:
        socket.setdefaulttimeout(previous)
    return Path(target)
