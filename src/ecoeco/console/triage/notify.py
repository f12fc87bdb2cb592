"""Which findings to announce when they appear or clear, debounced so a flapping signal does not spam.

Pure: the caller passes each evaluation's findings and "now" (the snapshot's ``taken_at``); no clock, no
UI. A finding is known by its identity ``(rule, subject)``, not by its text (its evidence changes with
every poll). The rules, with ``persist`` evaluations (2) and ``min_interval_s`` (60 s):

- appeared: present in ``persist`` consecutive evaluations, and not announced within ``min_interval_s``
  (a signal that comes and goes within one poll is never announced; one that keeps flapping is
  announced once per interval at most). The bell rings for a critical one.
- escalated: an announced finding that is critical for ``persist`` evaluations after it was announced as
  a warning; the bell rings. A severity that flaps back and forth escalates once per interval.
- cleared: an announced finding absent for ``persist`` consecutive evaluations. No bell.
- The first evaluation is the baseline: what is already wrong when the console starts is on the Triage
  area (the console opens there when critical), not announced one toast each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ecoeco.console.triage.model import SEVERITY_RANK, Finding, Severity

PERSIST_EVALUATIONS = 2
MIN_INTERVAL_S = 60.0

NoticeKind = Literal["appeared", "escalated", "cleared"]


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    finding: Finding
    bell: bool

    @property
    def text(self) -> str:
        lead = {"appeared": f"New {self.finding.severity}", "escalated": "Now critical", "cleared": "Cleared"}
        return f"{lead[self.kind]}: {self.finding.title}"


@dataclass
class _Track:
    finding: Finding
    seen: int = 0  # consecutive evaluations present
    missing: int = 0  # consecutive evaluations absent
    critical_seen: int = 0  # consecutive evaluations present as critical
    announced: bool = False
    severity: Severity = "info"  # as last announced
    last_notice_at: float | None = None
    escalated_at: float | None = None


def identity(f: Finding) -> tuple[str, str]:
    return (f.rule, f.subject)


class FindingNotifier:
    def __init__(self, persist: int = PERSIST_EVALUATIONS, min_interval_s: float = MIN_INTERVAL_S) -> None:
        self.persist = max(1, persist)
        self.min_interval_s = min_interval_s
        self._tracks: dict[tuple[str, str], _Track] = {}
        self._primed = False

    def _quiet(self, t: _Track, now: float) -> bool:
        """Whether ``t`` was announced too recently to be announced again."""
        return t.last_notice_at is not None and now - t.last_notice_at < self.min_interval_s

    def update(self, findings: list[Finding], now: float) -> list[Notice]:
        """The notices this evaluation gives rise to (worst first, as ``findings`` are)."""
        current = {identity(f): f for f in findings}
        if not self._primed:
            self._primed = True
            for key, f in current.items():
                self._tracks[key] = _Track(f, seen=self.persist, announced=True, severity=f.severity)
            return []
        out: list[Notice] = []
        for key, f in current.items():
            t = self._tracks.setdefault(key, _Track(f))
            t.finding, t.seen, t.missing = f, t.seen + 1, 0
            t.critical_seen = t.critical_seen + 1 if f.severity == "critical" else 0
            if not t.announced:
                if t.seen >= self.persist and not self._quiet(t, now):
                    out.append(Notice("appeared", f, bell=f.severity == "critical"))
                    t.announced, t.severity, t.last_notice_at = True, f.severity, now
            elif SEVERITY_RANK[f.severity] > SEVERITY_RANK[t.severity]:
                recent = t.escalated_at is not None and now - t.escalated_at < self.min_interval_s
                if f.severity == "critical" and t.critical_seen >= self.persist and not recent:
                    out.append(Notice("escalated", f, bell=True))
                    t.severity, t.last_notice_at, t.escalated_at = f.severity, now, now
            elif SEVERITY_RANK[f.severity] < SEVERITY_RANK[t.severity]:
                t.severity = f.severity  # better, not gone: nothing to announce
        for key in [k for k in self._tracks if k not in current]:
            t = self._tracks[key]
            t.seen, t.critical_seen, t.missing = 0, 0, t.missing + 1
            if t.announced and t.missing >= self.persist:
                out.append(Notice("cleared", t.finding, bell=False))
                t.announced, t.last_notice_at = False, now
            elif not t.announced and t.missing >= self.persist and not self._quiet(t, now):
                del self._tracks[key]  # forgotten: nothing pending, nothing to hold back
        return out
