"""Detached child processes: start in their own process group, recognise them later, stop them.

A pid alone is not an identity (pids are reused), so the state file keeps the kernel's start
time of each process too, and nothing is signalled unless both still match.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from ecoeco.shared.procs import pid_alive, stat_fields

MAX_LOG_BYTES = 20 * 1024 * 1024


def start_detached(cmd: Sequence[str], *, log_path: Path, env: Mapping[str, str], cwd: Path) -> int:
    """Start ``cmd`` in a new session (its own process group), output appended to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    if log_path.exists() and log_path.stat().st_size > MAX_LOG_BYTES:
        os.replace(log_path, log_path.with_name(log_path.name + ".1"))  # keep one previous log
    with log_path.open("ab") as log:
        log.write(f"\n--- {time.strftime('%Y-%m-%dT%H:%M:%S%z')} starting {' '.join(cmd)}\n".encode())
        log.flush()
        proc = subprocess.Popen(
            list(cmd),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=dict(env),
            start_new_session=True,
            close_fds=True,
        )
    return proc.pid


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """Can a server listen on ``port``? (SO_REUSEADDR like the servers themselves, so the
    TIME_WAIT connections a killed server leaves behind do not count as "taken".)"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def group_members(pgid: int) -> list[int]:
    """Pids whose process group is ``pgid`` (the child and everything it forked)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = stat_fields(int(entry.name))
        if fields and int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            members.append(int(entry.name))
    return members


def stop_group(pid: int, start_time: int | None, grace_s: float) -> str:
    """SIGTERM the process group led by ``pid``, SIGKILL what is left after ``grace_s``.

    Returns what happened: "not running", "stopped" or "killed".
    """
    fields = stat_fields(pid)
    if fields and fields[0] not in ("Z", "X") and start_time is not None and int(fields[19]) != start_time:
        return "not running"  # the pid now belongs to another process: leave it alone
    if not pid_alive(pid, start_time) and not group_members(pid):
        return "not running"
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        reap(pid)
        if not group_members(pid):
            return "stopped"
        time.sleep(0.1)
    _signal_group(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline and group_members(pid):
        reap(pid)
        time.sleep(0.05)
    return "killed"


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def reap(pid: int) -> None:
    """Collect the exit status when the child is ours (an in-process ``up``), so it is no zombie."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
