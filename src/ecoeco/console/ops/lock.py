"""Single flight per operation kind and environment, across processes: ``locks/KIND@ENV.lock``.

The exclusion itself is an ``flock`` on the file: the kernel drops it when the holder exits however it
exits (kill -9, hang-up), so a dead holder never blocks anyone and pid reuse cannot fool it. The file's
content, one JSON object, says who holds it (operation, run id, user, host, SSH client, pid, start
time); a second console reads it to say why it must wait. A holder truncates the file on release, so
content found under a free lock is a holder that died without releasing: it is taken over, and the
taker reports whose lock it was. The file is never deleted (deleting a lock file races with a
contender that has it open).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecoeco.console.ops.base import Refused
from ecoeco.console.ops.state import Who, iso_utc
from ecoeco.shared.procs import pid_alive

__all__ = ["FlightBusy", "FlightLock", "LockHolder"]

# A contender that finds the lock held but no holder written yet retries this long before saying so.
_SETTLE_S = 0.5


@dataclass(frozen=True)
class LockHolder:
    operation: str
    run_id: str
    user: str
    host: str
    pid: int
    started_at: float
    pid_start: int | None = None
    ssh_client: str | None = None
    kind: str | None = None  # the holder operation's own kind (it may hold other kinds' locks too)

    @classmethod
    def of(
        cls, who: Who, operation: str, run_id: str, started_at: float, kind: str | None = None
    ) -> LockHolder:
        return cls(
            operation=operation,
            run_id=run_id,
            user=who.user,
            host=who.host,
            pid=who.pid,
            started_at=started_at,
            pid_start=who.pid_start,
            ssh_client=who.ssh_client,
            kind=kind,
        )

    def to_json(self) -> dict[str, Any]:
        data = {
            "v": 1,
            "operation": self.operation,
            "run_id": self.run_id,
            "user": self.user,
            "host": self.host,
            "ssh_client": self.ssh_client,
            "kind": self.kind,
            "pid": self.pid,
            "pid_start": self.pid_start,
            "started_at": self.started_at,
            "started": iso_utc(self.started_at),
        }
        return {k: v for k, v in data.items() if v is not None}

    @classmethod
    def from_json(cls, raw: str) -> LockHolder | None:
        try:
            data = json.loads(raw)
            return cls(
                operation=str(data["operation"]),
                run_id=str(data["run_id"]),
                user=str(data["user"]),
                host=str(data["host"]),
                pid=int(data["pid"]),
                started_at=float(data["started_at"]),
                pid_start=data.get("pid_start"),
                ssh_client=data.get("ssh_client"),
                kind=data.get("kind"),
            )
        except (ValueError, KeyError, TypeError):
            return None

    def alive(self) -> bool | None:
        """Is the holder's process still running? None when it runs on another host (cannot tell)."""
        if self.host != socket.gethostname():
            return None
        return pid_alive(self.pid, self.pid_start)

    def describe(self) -> str:
        where = f"{self.user}@{self.host}" + (f" (ssh from {self.ssh_client})" if self.ssh_client else "")
        return (
            f"{self.operation} run {self.run_id} by {where}, pid {self.pid}, since {iso_utc(self.started_at)}"
        )


class FlightBusy(Refused):
    """Another run holds the environment's lock of ``kind`` (one of its own kind, or one that declares
    the kind among its ``lock_kinds``); nothing was run."""

    def __init__(self, kind: str, environment: str, holder: LockHolder | None) -> None:
        self.kind, self.environment, self.holder = kind, environment, holder
        who = holder.describe() if holder else "a process that has not yet written who it is"
        if holder is None or holder.kind in (None, kind):
            article = "an" if kind[:1] in "aeiou" else "a"
            head = f"{article} {kind} operation is already running on {environment}"
        else:  # an operation of another kind that needs this one too (the rebuild holds ansible's)
            head = f"{holder.operation} is running on {environment} and holds its {kind} lock"
        super().__init__("busy", f"{head}: {who}; nothing was run")


class FlightLock:
    """The lock of one (kind, environment). ``acquire`` raises ``FlightBusy`` or returns the dead
    holder it took over (None when the lock was free)."""

    def __init__(self, directory: Path, kind: str, environment: str) -> None:
        self.kind, self.environment = kind, environment
        self.path = Path(directory) / f"{kind}@{environment}.lock"
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, holder: LockHolder) -> LockHolder | None:
        if self._fd is not None:
            raise RuntimeError(f"{self.path.name} is already held by this object")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + _SETTLE_S
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o664)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                current = _read(fd)
                os.close(fd)
                if current or time.monotonic() >= deadline:
                    raise FlightBusy(self.kind, self.environment, LockHolder.from_json(current)) from None
                time.sleep(0.02)  # the holder has its flock but has not written itself yet
                continue
            except BaseException:
                os.close(fd)
                raise
            break
        try:
            previous = _read(fd)
            payload = (json.dumps(holder.to_json(), sort_keys=True) + "\n").encode()
            os.ftruncate(fd, 0)
            os.pwrite(fd, payload, 0)
            os.fsync(fd)
        except BaseException:
            os.close(fd)  # closing drops the flock
            raise
        self._fd = fd
        return LockHolder.from_json(previous) if previous else None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            # Empty = released cleanly; anything else found later is a dead holder's.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
        finally:
            os.close(fd)

    def peek(self) -> LockHolder | None:
        """Who holds the lock now, for a screen (never blocks anyone: it takes no lock itself)."""
        try:
            raw = self.path.read_text()
        except OSError:
            return None
        holder = LockHolder.from_json(raw) if raw.strip() else None
        if holder is not None and holder.alive() is False:
            return None  # a dead holder's leftovers: the next acquire takes them over
        return holder


def _read(fd: int) -> str:
    chunks = []
    offset = 0
    while chunk := os.pread(fd, 65536, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks).decode("utf-8", "replace").strip()
