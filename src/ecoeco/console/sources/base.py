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


# Enough to see why a container died; more is a job for a log system, not a console pane.
LOG_TAIL_LINES = 200


class LogReader(Protocol):
    """The last lines of one pod's (or sandbox process's) log, read only when asked, never polled:
    ``cluster_kube.KubeLogReader``, ``cluster_local.LocalLogReader``. Raises ``SourceError``."""

    def read(
        self,
        namespace: str,
        pod: str,
        container: str | None,
        *,
        previous: bool = False,
        tail_lines: int = ...,
    ) -> str: ...
