"""The console as a process on a terminal: hang-up exits cleanly; the screenshot command works."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ecoeco.console import screenshots
from ecoeco.console.app import terminal_lost

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]

CHILD = f"""
from pathlib import Path
from ecoeco.console.app import EcoApp
from ecoeco.console.screenshots import load_fixture
EcoApp(snapshot=load_fixture(Path({str(FIXTURES / "incident.json")!r})), handle_signals=True).run()
"""


def _read_until(fd: int, marker: bytes, timeout: float) -> bool:
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen = (seen + os.read(fd, 65536))[-8192:]
            except OSError:
                return False
            if marker in seen:
                return True
    return False


def _wait_exit(pid: int, fd: int, timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        _read_until(fd, b"\0never", 0.1)  # keep draining so the child never blocks on output
    return None


@pytest.mark.timeout(120)
def test_sighup_exits_cleanly_and_restores_the_terminal() -> None:
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(REPO)
        os.execvpe(sys.executable, [sys.executable, "-c", CHILD], {**os.environ, "TERM": "xterm-256color"})
    try:
        assert _read_until(fd, b"control-plane", 60), "the overview was never painted"
        os.kill(pid, signal.SIGHUP)
        status = _wait_exit(pid, fd, 15)
        assert status is not None, "the console was still running 15 s after SIGHUP"
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)


def test_terminal_lost_tells_a_live_tty_from_a_hung_up_one() -> None:
    master, slave = pty.openpty()
    try:
        assert not terminal_lost(slave)
    finally:
        os.close(master)
    try:
        assert terminal_lost(slave)  # the other end is gone: ioctls fail with EIO
    finally:
        os.close(slave)


def test_screenshot_command_writes_every_screen(tmp_path: Path) -> None:
    assert screenshots.main(["--out", str(tmp_path), "--size", "80x24", "--fixtures", str(FIXTURES)]) == 0
    names = sorted(p.name for p in tmp_path.glob("*.svg"))
    for stem in ("healthy", "incident"):
        for area in ("overview", "nodes", "queues", "wal", "metrics", "services", "help"):
            assert f"{stem}-{area}.svg" in names
    queues = (tmp_path / "incident-queues.svg").read_text(encoding="utf-8")
    assert queues.startswith("<svg") and "q.ai" in queues and "READ-ONLY" in queues


def test_screenshot_command_rejects_a_bad_size(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ecoeco.console.screenshots", "--out", str(tmp_path), "--size", "big"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 2
    assert "size must look like 120x40" in result.stderr
    assert not list(tmp_path.iterdir())
