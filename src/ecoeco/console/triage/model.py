"""What a triage finding is: how bad, about what, the facts, the likely cause, what to do."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Severity = Literal["critical", "warning", "info"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "critical": 2}


class Action(BaseModel):
    """An operation of the console, by name, with its parameters pre-filled. Never run by triage."""

    operation: str
    params: dict[str, str | int | float | bool | list[str]] = Field(default_factory=dict)


class Refs(BaseModel):
    nodes: list[str] = Field(default_factory=list)
    pods: list[str] = Field(default_factory=list, description="ns/name")
    workloads: list[str] = Field(default_factory=list, description="ns/Kind/name")
    queues: list[str] = Field(default_factory=list)
    workers: list[str] = Field(default_factory=list)


class Finding(BaseModel):
    rule: str = Field(description="the rule that produced it (stable; tests and scripts key on it)")
    severity: Severity
    title: str
    subject: str
    evidence: list[str] = Field(default_factory=list)
    cause: str = ""
    action: Action | None = None
    refs: Refs = Field(default_factory=Refs)
    since: float | None = Field(None, description="epoch s, when known")


def worst_severity(findings: list[Finding]) -> Severity | None:
    if not findings:
        return None
    return max(findings, key=lambda f: SEVERITY_RANK[f.severity]).severity
