"""The audit log: append-only JSONL, ``audit.jsonl`` in the console's state dir.

Each run writes a ``start`` record before anything runs and an ``end`` record when it is over, both
keyed by ``run_id``; a refusal (read-only, confirmation, busy, stale plan) is one ``refused`` record.
A start without an end is a run that died half way (the console was killed): the reader shows it as
``unfinished`` (``running`` while its process still lives on this host). Every string has already been
redacted by the runner before it reaches ``AuditLog.append``; the format is in
docs/decisions/write-side.md.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ecoeco.shared.procs import pid_alive
from ecoeco.shared.redact import SENSITIVE_KEY, redact

__all__ = ["AUDIT_FILE", "AuditEntry", "AuditLog", "AuditRead", "read_audit", "scrub"]

AUDIT_FILE = "audit.jsonl"
FORMAT_VERSION = 1


def scrub(value: Any, secrets: Sequence[str] = ()) -> Any:
    """``value`` as JSON-able data with every string redacted and every value under a sensitive key
    (password, token, ...) replaced by ``***``."""
    secrets = tuple(secrets)
    if isinstance(value, str):
        return redact(value, secrets)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            key = redact(str(k), secrets)
            # Containers under such a key are walked (their own keys decide); a flag stays readable.
            sensitive = SENSITIVE_KEY.search(key) and not isinstance(v, Mapping | list | tuple | bool | None)
            out[key] = "***" if sensitive else scrub(v, secrets)
        return out
    if isinstance(value, list | tuple | set | frozenset):
        return [scrub(v, secrets) for v in value]
    return redact(str(value), secrets)


class AuditLog:
    """Appends records, one JSON object per line, each fsynced before ``append`` returns."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def append(self, record: Mapping[str, Any]) -> None:
        data = (json.dumps({"v": FORMAT_VERSION, **record}, ensure_ascii=False) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)
        try:
            # Serialises appenders from every console on the host, so the repair below cannot race.
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                # A writer died mid-line: end its torn line so this record stays readable.
                data = b"\n" + data
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)


@dataclass
class AuditEntry:
    """One run (its start and end records joined) or one refusal, as the Audit screen shows it."""

    result: str  # succeeded|failed|cancelled|abandoned|refused|unfinished|running
    operation: str = ""
    environment: str = ""
    profile: str = ""
    run_id: str | None = None
    time: str = ""  # ISO 8601 UTC of the start (or of the refusal)
    ts: float = 0.0
    user: str = ""
    host: str = ""
    ssh_client: str | None = None
    sudo_user: str | None = None
    pid: int | None = None
    arguments: dict[str, Any] = field(default_factory=dict)
    plan_digest: str | None = None
    summary: list[str] = field(default_factory=list)
    exit_code: int | None = None
    message: str = ""
    duration_s: float | None = None
    ended: str | None = None
    reason: str | None = None  # refusals: read-only|confirmation|busy|stale-plan

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AuditRead:
    path: Path
    entries: list[AuditEntry]  # oldest first
    damaged: int = 0  # lines that are not a record (a torn last line after a crash is one)


def _entry_from(record: Mapping[str, Any], result: str) -> AuditEntry:
    def text(key: str) -> str:
        value = record.get(key)
        return value if isinstance(value, str) else ""

    args = record.get("arguments")
    summary = record.get("summary")
    pid = record.get("pid")
    ts = record.get("ts")
    return AuditEntry(
        result=result,
        operation=text("operation"),
        environment=text("environment"),
        profile=text("profile"),
        run_id=record.get("run_id") if isinstance(record.get("run_id"), str) else None,
        time=text("time"),
        ts=float(ts) if isinstance(ts, int | float) else 0.0,
        user=text("user"),
        host=text("host"),
        ssh_client=record.get("ssh_client"),
        sudo_user=record.get("sudo_user"),
        pid=pid if isinstance(pid, int) else None,
        arguments=args if isinstance(args, dict) else {},
        plan_digest=record.get("plan_digest"),
        summary=[str(s) for s in summary] if isinstance(summary, list) else [],
        message=text("message"),
        reason=record.get("reason"),
    )


def _finish(entry: AuditEntry, end: Mapping[str, Any]) -> None:
    entry.result = str(end.get("result") or "unknown")
    code = end.get("exit_code")
    entry.exit_code = code if isinstance(code, int) else None
    entry.message = str(end.get("message") or "")
    duration = end.get("duration_s")
    entry.duration_s = float(duration) if isinstance(duration, int | float) else None
    entry.ended = str(end.get("time") or "") or None


def _still_running(start: Mapping[str, Any]) -> bool:
    pid, pid_start = start.get("pid"), start.get("pid_start")
    if start.get("host") != socket.gethostname() or not isinstance(pid, int):
        return False
    return pid_alive(pid, pid_start if isinstance(pid_start, int) else None)


def read_audit(path: Path) -> AuditRead:
    """Every entry of the log, oldest first. Lines that are not a record (a torn last line) are
    counted in ``damaged`` and skipped; a missing file is an empty log."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return AuditRead(path=Path(path), entries=[])
    entries: list[AuditEntry] = []
    by_run: dict[str, tuple[AuditEntry, Mapping[str, Any]]] = {}
    damaged = 0
    for line in raw.split(b"\n"):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            damaged += 1
            continue
        if not isinstance(record, dict):
            damaged += 1
            continue
        kind, run_id = record.get("record"), record.get("run_id")
        if kind == "refused":
            entries.append(_entry_from(record, "refused"))
        elif kind == "start" and isinstance(run_id, str):
            entry = _entry_from(record, "unfinished")
            entries.append(entry)
            by_run[run_id] = (entry, record)
        elif kind == "end" and isinstance(run_id, str):
            if run_id in by_run:
                entry = by_run.pop(run_id)[0]
            else:  # its start line was damaged: the end record alone still says who and what
                entry = _entry_from(record, "unknown")
                entries.append(entry)
            _finish(entry, record)
        else:
            damaged += 1
    for entry, start in by_run.values():
        if _still_running(start):
            entry.result = "running"
    return AuditRead(path=Path(path), entries=entries, damaged=damaged)
