"""Shared by the console benches: run a command under a pseudo-terminal and watch it.

A pty is what an SSH session gives the console, so bytes counted here are bytes an operator's
link would carry, and CPU read from /proc is the console process's own.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "console" / "fixtures"
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class PtyProcess:
    pid: int
    fd: int
    started: float
    output: bytearray = field(default_factory=bytearray)
    total_bytes: int = 0

    def pump(self, seconds: float, until: bytes | None = None) -> float | None:
        """Read output for up to ``seconds``; return when ``until`` appears (its time since start)."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.5))
            if not ready:
                continue
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return None
            if not chunk:
                return None
            self.total_bytes += len(chunk)
            if until is not None:
                self.output += chunk
                if until in self.output:
                    return time.monotonic() - self.started
                del self.output[: max(0, len(self.output) - 4096)]

    def cpu_seconds(self) -> float:
        with open(f"/proc/{self.pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime

    def stop(self) -> None:
        """Hang up like a dropped SSH session would, then make sure the process is gone."""
        for sig in (signal.SIGHUP, signal.SIGKILL):
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                break
            for _ in range(50):
                done, _ = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    break
                self.pump(0.1)
            else:
                continue
            break
        os.close(self.fd)


def spawn(
    argv: list[str], size: tuple[int, int] = (120, 40), env: dict[str, str | None] | None = None
) -> PtyProcess:
    """Run ``argv`` under a pty; ``env`` adds variables (a value of None removes one)."""
    cols, rows = size
    environment = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)}
    for key, value in (env or {}).items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = value
    environment.pop("TEXTUAL", None)
    started = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.chdir(REPO)
        os.execvpe(argv[0], argv, environment)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    return PtyProcess(pid=pid, fd=fd, started=started)


def export_src(ref: str, into: Path) -> Path:
    """``src/`` of git ``ref`` (e.g. the commit before a change) under ``into``: put first on PYTHONPATH,
    it runs that commit's console beside this tree's in the same bench run."""
    archive = subprocess.run(["git", "archive", ref, "src"], cwd=REPO, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def python(*code_or_args: str) -> list[str]:
    return [sys.executable, *code_or_args]
