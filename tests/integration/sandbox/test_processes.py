"""Detached children: their own process group, recognised by pid and start time, stopped for sure."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from ecoeco.services.sandbox.processes import group_members, start_detached, stop_group
from ecoeco.shared.procs import pid_alive, process_start_time

# A parent that ignores SIGTERM and forks a child that ignores it too: only SIGKILL ends the group.
STUBBORN = (
    "import os, signal, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "os.fork()\n"
    "print('ready', flush=True)\n"
    "time.sleep(60)\n"
)


def _start(tmp_path: Path, code: str) -> int:
    log = tmp_path / "child.log"
    pid = start_detached([sys.executable, "-c", code], log_path=log, env=dict(os.environ), cwd=tmp_path)
    deadline = time.monotonic() + 10
    while log.read_text().count("ready") < (2 if "fork" in code else 1) and time.monotonic() < deadline:
        time.sleep(0.05)
    return pid


def test_child_leads_its_own_process_group_and_logs_to_its_file(tmp_path: Path) -> None:
    pid = _start(tmp_path, "import time; print('ready', flush=True); time.sleep(60)")
    try:
        assert os.getpgid(pid) == pid != os.getpgid(0)
        assert "ready" in (tmp_path / "child.log").read_text()
    finally:
        stop_group(pid, process_start_time(pid), grace_s=2)


def test_stop_escalates_to_sigkill_for_the_whole_group(tmp_path: Path) -> None:
    pid = _start(tmp_path, STUBBORN)
    start_time = process_start_time(pid)
    assert len(group_members(pid)) == 2
    assert stop_group(pid, start_time, grace_s=0.5) == "killed"
    assert group_members(pid) == []
    assert not pid_alive(pid, start_time)


def test_a_reused_pid_is_not_signalled(tmp_path: Path) -> None:
    pid = _start(tmp_path, "import time; print('ready', flush=True); time.sleep(60)")
    start_time = process_start_time(pid)
    assert start_time is not None
    try:
        # The state file remembers another start time: this process is not the one it started.
        assert not pid_alive(pid, start_time + 1)
        assert stop_group(pid, start_time + 1, grace_s=0.5) == "not running"
        assert pid_alive(pid, start_time)
    finally:
        assert stop_group(pid, start_time, grace_s=2) == "stopped"
