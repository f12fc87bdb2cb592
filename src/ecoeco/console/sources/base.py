"""What every read-side source is: a blocking ``poll`` that does I/O and a cheap ``apply``."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ecoeco.console.errors import OperatorError
from ecoeco.console.snapshot import Snapshot

DEFAULT_TIMEOUT_S = 5.0


class SourceError(OperatorError):
    """A poll failure with an operator-readable message (shown as is, secrets masked)."""


@runtime_checkable
class Source(Protocol):
    name: str
    interval_s: float
    timeout_s: float

    def poll(self) -> object:
        """Fetch fresh data (blocking, does I/O, raises on failure). Never runs twice at once."""
        ...

    def apply(self, snapshot: Snapshot, data: object) -> None:
        """Write this source's part of ``snapshot`` from ``data`` (cheap, no I/O)."""
        ...
