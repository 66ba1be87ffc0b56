"""`peakdata viz` stops cleanly: on SIGINT, SIGTERM or SIGHUP no Solara process is left and the port is free."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if text in cmdline and "solara" in cmdline:
                found.append(int(entry.name))
    return found


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_viz_stops_its_server_on_a_signal_and_frees_the_port(sig, tmp_path):
    port = _free_port()
    log = (tmp_path / "viz.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "viz", "--port", str(port)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "viz.log").read_text()[-2000:]
            time.sleep(0.5)
        assert _processes_mentioning(str(port)), "the Solara server should be running"
        process.send_signal(sig)  # to peakdata alone, as systemd, kill or a closing terminal would
        assert process.wait(timeout=30) in (0, -sig)
        deadline = time.monotonic() + 10
        while (_processes_mentioning(str(port)) or not _port_is_free(port)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _processes_mentioning(str(port)) == []
        assert _port_is_free(port)
        assert "Traceback" not in (tmp_path / "viz.log").read_text()
    finally:
        if process.poll() is None:
            process.kill()
        for pid in _processes_mentioning(str(port)):
            os.kill(pid, signal.SIGKILL)
        log.close()
