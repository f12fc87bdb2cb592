"""WRITE side: operations and the one runner that plans, checks, locks, runs and audits them.

No ``textual`` (nor the read side, nor triage) below this line: an operation runs the same from the
TUI, from ``ecoeco-console op`` and from a test. See docs/decisions/write-side.md.
"""

from ecoeco.console.ops.audit import AuditEntry, AuditLog, AuditRead, read_audit
from ecoeco.console.ops.base import (
    Cancelled,
    CancelToken,
    Emit,
    Event,
    Finished,
    ItemState,
    ItemStatus,
    Operation,
    OperationContext,
    Outcome,
    OutputLine,
    Plan,
    Progress,
    Refused,
    Result,
    RunResult,
)
from ecoeco.console.ops.lock import FlightBusy, FlightLock, LockHolder
from ecoeco.console.ops.runner import OperationRunner, RunHandle
from ecoeco.console.ops.state import STATE_DIR_ENV, state_dir

__all__ = [
    "STATE_DIR_ENV",
    "AuditEntry",
    "AuditLog",
    "AuditRead",
    "CancelToken",
    "Cancelled",
    "Emit",
    "Event",
    "Finished",
    "FlightBusy",
    "FlightLock",
    "ItemState",
    "ItemStatus",
    "LockHolder",
    "Operation",
    "OperationContext",
    "OperationRunner",
    "Outcome",
    "OutputLine",
    "Plan",
    "Progress",
    "Refused",
    "Result",
    "RunHandle",
    "RunResult",
    "read_audit",
    "state_dir",
]
