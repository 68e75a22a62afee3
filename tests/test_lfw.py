"""utils.lfw: scikit-learn's LFW people, or the one-line fallback (offline, bad network)."""

from __future__ import annotations

import socket
import time

import pytest

from utils.lfw import load_lfw_people


def test_load_lfw_people_offline_prints_the_substitute(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    assert load_lfw_people() is None
    out = capsys.readouterr().out
    assert out.startswith("lfw_people: offline (COURSE_OFFLINE=1)") and out.count("\n") == 1


@pytest.mark.parametrize("server_kind", ["stalled", "slow"])
def test_load_lfw_people_gives_up_on_a_bad_network(
    monkeypatch, capsys, tmp_path, slow_server, server_kind
):
    """scikit-learn's fetcher has no timeout: a proxy that never answers, or answers a byte at a
    time, must still end in the one-line fallback, within the deadline."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        proxy = (
            slow_server if server_kind == "slow" else f"http://127.0.0.1:{silent.getsockname()[1]}"
        )
        monkeypatch.delenv("COURSE_OFFLINE", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        for variable in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
            monkeypatch.setenv(variable, proxy)  # every request goes to the loopback server
        monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path))
        start = time.monotonic()
        assert load_lfw_people(timeout=0.5, deadline=3) is None
        elapsed = time.monotonic() - start
    assert elapsed < 3 + 15  # the deadline, plus starting the child process on a busy machine
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("lfw_people: offline (download failed")
    assert "using the offline substitute" in line
