"""utils.assets: manifests, lookup order, checksums, downloads and the offline fallback.

No test touches the internet: downloads come from a loopback HTTP server, and every scenario
uses an Asset whose shipped folder and cache live under tmp_path.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import socket
import threading
import time
from pathlib import Path

import pytest

from utils import assets
from utils.assets import Asset, load_manifest, registry, resolve, sha256sum

CONTENT = b"pixels\x00" * 1000
SHA = hashlib.sha256(CONTENT).hexdigest()
OTHER_SHA = hashlib.sha256(b"something else").hexdigest()
MD5 = hashlib.md5(CONTENT).hexdigest()


def make_asset(folder: Path, **changes) -> Asset:
    fields = dict(
        name="toy",
        filename="toy.npz",
        description="a toy file",
        how="python make_toy.py",
        sha256=SHA,
        md5=None,
        size_bytes=None,
        url=None,
        offline="a generated toy array",
        cache_subdir="datasets",
        folder=folder,
    )
    return Asset(**{**fields, **changes})


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    """No COURSE_OFFLINE from the caller, no proxy in the way, a private Keras home."""
    monkeypatch.delenv("COURSE_OFFLINE", raising=False)
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the real manifests ---------------------------------------------------------------------


def test_real_manifests_load_with_unique_names():
    per_folder = [load_manifest(folder) for folder in assets.MANIFEST_FOLDERS]
    names = [name for manifest in per_folder for name in manifest]
    assert len(names) == len(set(names))
    assert set(registry()) == set(names)
    assert "mnist" in names


def test_every_shipped_file_is_present_with_its_size_and_hash():
    for asset in registry().values():
        if asset.size_bytes is None:
            continue
        path = asset.folder / asset.filename
        assert path.is_file(), f"{asset.name}: manifest lists {path}, which is missing"
        assert path.stat().st_size == asset.size_bytes, f"{asset.name}: size differs"
        assert sha256sum(path) == asset.sha256, f"{asset.name}: sha256 differs"


def test_mnist_entry_agrees_with_keras():
    mnist = registry()["mnist"]
    keras_dir = Path(importlib.util.find_spec("keras").origin).parent
    keras_source = (keras_dir / "src" / "datasets" / "mnist.py").read_text()
    assert mnist.sha256 in keras_source
    assert mnist.url.endswith("/" + mnist.filename)
    assert mnist.url.rsplit("/", 1)[0] in keras_source
    assert mnist.size_bytes is None and mnist.offline and mnist.cache_subdir == "datasets"


def test_real_mnist_offline_prints_one_line(tmp_path, capsys):
    mnist = dataclasses.replace(registry()["mnist"], folder=tmp_path)
    assert resolve(mnist, offline=True, cache_dir=tmp_path / "cache") is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert out.startswith("mnist: offline (offline=True)") and mnist.offline in out


# --- manifest validation --------------------------------------------------------------------


def write_manifest(folder: Path, entries: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "MANIFEST.json").write_text(json.dumps({"assets": entries}), encoding="utf-8")
    return folder


def entry(**changes) -> dict:
    fields = dataclasses.asdict(make_asset(Path(".")))
    del fields["folder"]
    return {**fields, **changes}


def test_load_manifest_builds_assets_in_their_folder(tmp_path):
    folder = write_manifest(tmp_path / "data", [entry(name="a"), entry(name="b")])
    loaded = load_manifest(folder)
    assert set(loaded) == {"a", "b"}
    assert loaded["a"].folder == folder and loaded["a"].sha256 == SHA


@pytest.mark.parametrize(
    "bad, expected",
    [
        ([entry(), entry()], "appears twice"),
        ([entry(sha256="abc")], "sha256"),
        ([entry(sha256=None)], "null only for a download"),
        ([entry(md5="ABC")], "md5"),
        ([entry(md5=SHA)], "md5"),
        ([entry(cache_subdir="tmp")], "cache_subdir"),
        ([entry(size_bytes=-1)], "size_bytes"),
        ([{"name": "incomplete"}], "exactly the keys"),
    ],
)
def test_load_manifest_rejects_bad_entries(tmp_path, bad, expected):
    folder = write_manifest(tmp_path / "data", bad)
    with pytest.raises(ValueError, match=expected):
        load_manifest(folder)


def test_registry_rejects_a_name_in_two_manifests(tmp_path, monkeypatch):
    data = write_manifest(tmp_path / "data", [entry(name="twin")])
    weights = write_manifest(tmp_path / "weights", [entry(name="twin")])
    monkeypatch.setattr(assets, "MANIFEST_FOLDERS", (data, weights))
    with pytest.raises(ValueError, match="twin"):
        registry()


# --- lookup order and checksums -------------------------------------------------------------


def test_shipped_file_is_found_and_verified(tmp_path):
    (tmp_path / "toy.npz").write_bytes(CONTENT)
    assert resolve(make_asset(tmp_path), cache_dir=tmp_path / "cache") == tmp_path / "toy.npz"


@pytest.mark.parametrize("argument", ["timeout", "deadline"])
@pytest.mark.parametrize("value", [0, -1.0, True, "5"])
def test_timeout_and_deadline_must_be_positive_numbers_of_seconds(tmp_path, argument, value):
    with pytest.raises(ValueError, match=rf"^{argument} \(seconds\): expected a positive number"):
        resolve(make_asset(tmp_path), cache_dir=tmp_path / "cache", **{argument: value})


def test_cached_file_is_found_in_cache_dir_and_in_keras_home(tmp_path):
    asset = make_asset(tmp_path / "shipped")
    for root in (tmp_path / "cache", tmp_path / "keras_home"):
        (root / "datasets").mkdir(parents=True)
        (root / "datasets" / "toy.npz").write_bytes(CONTENT)
    assert resolve(asset, cache_dir=tmp_path / "cache") == tmp_path / "cache/datasets/toy.npz"
    assert resolve(asset) == tmp_path / "keras_home/datasets/toy.npz"  # $KERAS_HOME


def test_corrupted_shipped_file_raises_with_path_and_both_hashes(tmp_path):
    (tmp_path / "toy.npz").write_bytes(b"truncated")
    with pytest.raises(ValueError) as error:
        resolve(make_asset(tmp_path), offline=True, cache_dir=tmp_path / "cache")
    message = str(error.value)
    assert str(tmp_path / "toy.npz") in message and SHA in message
    assert hashlib.sha256(b"truncated").hexdigest() in message
    assert "python make_toy.py" in message


def test_download_from_loopback_lands_in_cache_dir_with_the_right_hash(tmp_path, server):
    www, base = server
    (www / "toy.npz").write_bytes(CONTENT)
    asset = make_asset(tmp_path / "shipped", url=f"{base}/toy.npz")
    path = resolve(asset, cache_dir=tmp_path / "cache")
    assert path == tmp_path / "cache" / "datasets" / "toy.npz"
    assert sha256sum(path) == SHA
    assert socket.getdefaulttimeout() is None  # the download's timeout is restored


def test_downloaded_file_with_wrong_hash_raises(tmp_path, server):
    www, base = server
    (www / "toy.npz").write_bytes(CONTENT)
    asset = make_asset(tmp_path / "shipped", url=f"{base}/toy.npz", sha256=OTHER_SHA)
    with pytest.raises(ValueError) as error:
        resolve(asset, cache_dir=tmp_path / "cache")
    message = str(error.value)
    assert str(tmp_path / "cache" / "datasets" / "toy.npz") in message
    assert OTHER_SHA in message and SHA in message


def test_missing_file_on_server_falls_back_to_substitute(tmp_path, server, capsys):
    _, base = server
    asset = make_asset(tmp_path / "shipped", url=f"{base}/absent.npz")
    assert resolve(asset, cache_dir=tmp_path / "cache") is None
    assert "download failed" in capsys.readouterr().out
    assert not (tmp_path / "cache" / "datasets" / "toy.npz").exists()


def test_md5_pinned_download_is_verified_against_the_md5(tmp_path, server):
    www, base = server
    (www / "toy.npz").write_bytes(CONTENT)
    asset = make_asset(tmp_path / "shipped", url=f"{base}/toy.npz", sha256=None, md5=MD5)
    assert resolve(asset, cache_dir=tmp_path / "cache") == tmp_path / "cache/datasets/toy.npz"
    (www / "bad.npz").write_bytes(b"tampered")
    bad = make_asset(tmp_path / "shipped", filename="bad.npz", url=f"{base}/bad.npz", sha256=None)
    with pytest.raises(ValueError, match="md5 mismatch") as error:
        resolve(dataclasses.replace(bad, md5=MD5), cache_dir=tmp_path / "cache")
    assert MD5 in str(error.value) and hashlib.md5(b"tampered").hexdigest() in str(error.value)


def test_unpinned_download_is_pinned_on_first_use_then_checked(tmp_path, server, capsys):
    www, base = server
    (www / "toy.npz").write_bytes(CONTENT)
    asset = make_asset(tmp_path / "shipped", url=f"{base}/toy.npz", sha256=None)
    path = resolve(asset, cache_dir=tmp_path / "cache")
    record = assets.pin_file(path)
    assert record == tmp_path / "cache/datasets/toy.npz.sha256"
    assert record.read_text().strip() == SHA
    first = capsys.readouterr().out
    assert "no checksum is published" in first and SHA in first and str(record) in first
    assert resolve(asset, cache_dir=tmp_path / "cache") == path  # checked, silent
    assert "no checksum" not in capsys.readouterr().out
    path.write_bytes(b"changed after the first use")
    with pytest.raises(ValueError, match="recorded sha256 mismatch"):
        resolve(asset, cache_dir=tmp_path / "cache")


def test_unpinned_file_found_in_the_cache_is_pinned_there(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    cached = tmp_path / "cache" / "datasets" / "toy.npz"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(CONTENT)  # e.g. put there by keras.applications itself
    asset = make_asset(tmp_path / "shipped", url="http://127.0.0.1:9/toy.npz", sha256=None)
    assert resolve(asset, cache_dir=tmp_path / "cache") == cached
    assert assets.pin_file(cached).read_text().strip() == SHA


# --- offline and unreachable ----------------------------------------------------------------


def test_course_offline_never_opens_a_socket(tmp_path, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: calls.append(a))
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    asset = make_asset(tmp_path, url="http://127.0.0.1:9/toy.npz")
    assert resolve(asset, cache_dir=tmp_path / "cache") is None
    assert calls == []
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "toy: offline (COURSE_OFFLINE=1) — using the offline substitute: a generated toy array"
    ]


def test_course_offline_still_uses_cached_files(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    (tmp_path / "cache" / "datasets").mkdir(parents=True)
    (tmp_path / "cache" / "datasets" / "toy.npz").write_bytes(CONTENT)
    asset = make_asset(tmp_path / "shipped", url="http://127.0.0.1:9/toy.npz")
    assert resolve(asset, cache_dir=tmp_path / "cache") == tmp_path / "cache/datasets/toy.npz"


def test_unreachable_url_returns_none_quickly(tmp_path, capsys):
    host_port = f"127.0.0.1:{closed_port()}"  # loopback only: no traffic leaves the machine
    asset = make_asset(tmp_path, url=f"http://{host_port}/toy.npz")
    start = time.monotonic()
    assert resolve(asset, cache_dir=tmp_path / "cache", timeout=1.0) is None
    assert time.monotonic() - start < 5
    notice = capsys.readouterr().out.splitlines()[-1]
    assert notice.startswith("toy: offline (") and host_port in notice


def test_a_hanging_connect_is_cut_off_at_the_timeout(tmp_path, monkeypatch, capsys):
    release = threading.Event()

    def hang(*args, **kwargs):  # a name lookup or connect that does not return in time
        release.wait(30)
        raise OSError("released by the test")

    monkeypatch.setattr(socket, "create_connection", hang)
    asset = make_asset(tmp_path, url="https://example.invalid/toy.npz")
    start = time.monotonic()
    try:
        assert resolve(asset, cache_dir=tmp_path / "cache", timeout=0.5) is None
        assert time.monotonic() - start < 2
    finally:
        release.set()
    assert "no answer from example.invalid:443 within 0.5 s" in capsys.readouterr().out


# A download runs in a child process (it can be stopped at its deadline): starting it costs about
# one TensorFlow import, which a busy 2-core machine stretches to several seconds.
CHILD_START = 15


def test_stalled_server_cannot_hang_the_download(tmp_path, capsys):
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        asset = make_asset(tmp_path, url=f"http://127.0.0.1:{silent.getsockname()[1]}/toy.npz")
        start = time.monotonic()
        assert resolve(asset, cache_dir=tmp_path / "cache", timeout=0.5) is None
        assert time.monotonic() - start < 0.5 + CHILD_START
    assert "download failed: TimeoutError" in capsys.readouterr().out


def test_a_slow_server_is_cut_off_at_the_deadline(tmp_path, capsys, slow_server):
    asset = make_asset(tmp_path, url=f"{slow_server}/toy.npz")
    start = time.monotonic()
    assert resolve(asset, cache_dir=tmp_path / "cache", timeout=0.5, deadline=3) is None
    assert 3 <= time.monotonic() - start < 3 + CHILD_START
    out = capsys.readouterr().out
    assert "not finished within the deadline of 3 s" in out
    assert out.strip().splitlines()[-1].startswith("toy: offline (download failed")
    assert not (tmp_path / "cache" / "datasets" / "toy.npz").exists()  # nothing half-written


def test_no_substitute_raises_file_not_found_naming_paths_and_url(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/toy.npz"
    asset = make_asset(tmp_path / "shipped", url=url, offline=None)
    with pytest.raises(FileNotFoundError) as error:
        resolve(asset, cache_dir=tmp_path / "cache", timeout=1.0)
    message = str(error.value)
    assert "toy" in message and url in message
    assert str(tmp_path / "shipped" / "toy.npz") in message
    assert str(tmp_path / "cache" / "datasets" / "toy.npz") in message


# --- arguments ------------------------------------------------------------------------------


def test_unknown_name_lists_the_known_names():
    with pytest.raises(KeyError, match="mnist"):
        resolve("no-such-asset", offline=True)


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"name_or_asset": 3}, "name_or_asset"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"deadline": -1}, "deadline"),
        ({"offline": "yes"}, "offline"),
        ({"cache_dir": 5}, "cache_dir"),
    ],
)
def test_bad_arguments_name_the_argument(tmp_path, kwargs, argument):
    call = {"name_or_asset": make_asset(tmp_path), **kwargs}
    with pytest.raises(ValueError, match=argument):
        resolve(call.pop("name_or_asset"), **call)


def test_sha256sum_and_md5sum_stream_large_files(tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(CONTENT * 300)  # > 1 MiB: several chunks
    assert sha256sum(big) == hashlib.sha256(CONTENT * 300).hexdigest()
    assert assets.md5sum(big) == hashlib.md5(CONTENT * 300).hexdigest()
    with pytest.raises(ValueError, match="path"):
        sha256sum(3)


def test_offline_reason_and_notice_for_other_downloaders(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: calls.append(a))
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    assert assets.offline_reason("https://example.org/x") == "COURSE_OFFLINE=1"
    monkeypatch.delenv("COURSE_OFFLINE")
    assert assets.offline_reason("https://example.org/x", offline=True) == "offline=True"
    assert calls == []
    assets.offline_notice("lfw_people", "no\nnetwork", "the LFW subset")
    assert capsys.readouterr().out == (
        "lfw_people: offline (no network) — using the offline substitute: the LFW subset\n"
    )
