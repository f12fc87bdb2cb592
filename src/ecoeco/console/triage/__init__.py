"""The judge layer: findings (what is wrong, why, what to do) from a snapshot. Pure; no I/O, no UI."""

from ecoeco.console.triage.model import SEVERITY_RANK, Action, Finding, Refs, Severity, worst_severity
from ecoeco.console.triage.rules import RULES, evaluate, group

__all__ = [
    "RULES",
    "SEVERITY_RANK",
    "Action",
    "Finding",
    "Refs",
    "Severity",
    "evaluate",
    "group",
    "worst_severity",
]
