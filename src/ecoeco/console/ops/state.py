"""Where the write side keeps its state, and who is acting.

The state dir holds ``audit.jsonl`` (the audit log), ``locks/`` (single flight) and ``work/`` (files a
plan saves, e.g. Terraform plan files). It is per user by default (platformdirs); on a bastion shared
by several accounts, point ``ECOECO_CONSOLE_STATE_DIR`` of every console at one group-writable dir so
that they share one audit log and see each other's locks.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import socket
from dataclasses import asdict, dataclass
from typing import Any

from ecoeco.console.config import STATE_DIR_ENV, state_dir
from ecoeco.shared.procs import process_start_time

__all__ = ["STATE_DIR_ENV", "Who", "iso_utc", "state_dir", "who"]


@dataclass(frozen=True)
class Who:
    """The operator and the process acting for them, as the audit log and the lock record them."""

    user: str
    host: str
    ssh_client: str | None  # the client's address from SSH_CONNECTION; None on a local terminal
    sudo_user: str | None  # the account behind sudo, when there is one
    pid: int
    pid_start: int | None  # the kernel's start time of pid: a pid alone is reused

    def as_record(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def who() -> Who:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers): the uid is still an identity
        user = str(os.getuid())
    ssh = os.environ.get("SSH_CONNECTION", "").split()
    pid = os.getpid()
    return Who(
        user=user,
        host=socket.gethostname(),
        ssh_client=ssh[0] if ssh else None,
        sudo_user=os.environ.get("SUDO_USER") or None,
        pid=pid,
        pid_start=process_start_time(pid),
    )


def iso_utc(ts: float) -> str:
    """``2025-01-31T12:00:00.123Z``: sortable, unambiguous across the hosts of a shared audit log."""
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
