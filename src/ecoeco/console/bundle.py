"""``ecoeco-console triage --bundle DIR``: everything a post-mortem needs, written once, secrets redacted.

The folder holds ``snapshot.json`` (the ``status --json`` shape), ``findings.json`` (the ``triage --json``
shape), ``events.json`` (the cluster's recent warning events, newest first), ``logs/`` (the last lines of
every pod a finding names, read through the cluster source's logs-on-demand; a sandbox process's log
file), ``screens/`` (SVG screenshots of the Triage area and of the areas the findings point to) and
``README.txt`` (what is there, what is not and why). Every string passes through the one redactor
(``ecoeco.shared.redact``) before it is written or drawn.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecoeco.console.screenshots import render_modes
from ecoeco.console.snapshot import PodInfo, Snapshot
from ecoeco.console.sources.base import LOG_TAIL_LINES, LogReader
from ecoeco.console.triage import Finding
from ecoeco.shared.redact import redact

MAX_LOG_PODS = 20  # a cluster-wide outage names hundreds of pods; the first ones tell the story
MAX_CONTAINERS = 3
SCREEN_SIZE = (120, 40)


@dataclass
class BundleResult:
    path: Path
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def redact_tree(value: Any, secrets: tuple[str, ...] = ()) -> Any:
    """Every string inside ``value`` (dicts, lists) redacted; keys too, since a label can carry a token."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {redact_tree(k, secrets): redact_tree(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_tree(v, secrets) for v in value]
    return value


def findings_json(snap: Snapshot, findings: Sequence[Finding]) -> dict[str, Any]:
    """Exactly what ``triage --json`` prints."""
    return {
        "findings": [f.model_dump(mode="json") for f in findings],
        "sources": {name: st.model_dump(mode="json") for name, st in snap.sources.items()},
    }


def screens_for(findings: Sequence[Finding]) -> list[str]:
    """Triage, then the areas the findings' refs point to (in the console's key order)."""
    modes = ["triage"]
    if any(f.refs.nodes or f.refs.pods or f.refs.workloads for f in findings):
        modes.append("nodes")
    if any(f.refs.queues for f in findings):
        modes.append("queues")
    if any(f.refs.workers or f.rule == "wal_backlog" for f in findings):
        modes.append("wal")
    if any(f.rule in ("dependency_unreachable", "service_down", "service_slo") for f in findings):
        modes.append("services")
    return modes


def pods_named(snap: Snapshot, findings: Sequence[Finding]) -> list[PodInfo]:
    """The pods the findings name, in the findings' order (worst first), known to the snapshot. In the
    sandbox a worker named by a finding is its process "pod"."""
    by_ref = {f"{p.namespace}/{p.name}": p for p in snap.cluster.all_pods()}
    wanted: list[str] = []
    for f in findings:
        refs = list(f.refs.pods)
        if snap.cluster.kind == "local":
            refs += [f"{p.namespace}/{p.name}" for p in by_ref.values() if p.name in f.refs.workers]
        wanted += [r for r in refs if r not in wanted]
    return [by_ref[r] for r in wanted if r in by_ref]


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def _log_targets(pod: PodInfo) -> list[tuple[str | None, bool]]:
    """(container, previous) pairs worth reading: each app container's current run, and its previous
    run when it has died before (a crash loop's reason is in the run that ended)."""
    if pod.kind == "Process" or not pod.containers:
        return [(None, False)]
    apps = [c for c in pod.containers if not c.init] or pod.containers
    troubled = [c for c in apps if c.state != "running" or c.last_terminated is not None or c.restarts]
    chosen = (troubled or apps)[:MAX_CONTAINERS]
    out: list[tuple[str | None, bool]] = []
    for c in chosen:
        out.append((c.name, False))
        if c.last_terminated is not None or c.restarts:
            out.append((c.name, True))
    return out


def write_logs(
    out: Path, pods: Sequence[PodInfo], reader: LogReader, secrets: tuple[str, ...]
) -> tuple[list[Path], list[str]]:
    written: list[Path] = []
    notes: list[str] = []
    out.mkdir(parents=True, exist_ok=True)
    for pod in pods[:MAX_LOG_PODS]:
        for container, previous in _log_targets(pod):
            stem = _safe(f"{pod.namespace}_{pod.name}" + (f"_{container}" if container else ""))
            path = out / (stem + (".previous" if previous else "") + ".log")
            try:
                text = reader.read(
                    pod.namespace, pod.name, container, previous=previous, tail_lines=LOG_TAIL_LINES
                )
            except Exception as exc:  # noqa: BLE001 -- one unreadable log never stops the bundle; the note says why
                notes.append(redact(f"logs of {pod.namespace}/{pod.name} {container or ''}: {exc}", secrets))
                continue
            path.write_text(redact(text, secrets), encoding="utf-8")
            written.append(path)
    if len(pods) > MAX_LOG_PODS:
        notes.append(f"logs of the first {MAX_LOG_PODS} of {len(pods)} pods named by findings only")
    return written, notes


def write_bundle(
    directory: Path,
    snap: Snapshot,
    findings: Sequence[Finding],
    *,
    log_reader: LogReader | None,
    secrets: tuple[str, ...] = (),
    logs_note: str | None = None,
    screens: bool = True,
) -> BundleResult:
    """Write the post-mortem bundle of ``snap`` into ``directory`` (created; files in it are replaced)."""
    directory.mkdir(parents=True, exist_ok=True)
    result = BundleResult(path=directory)
    # One redacted copy of the snapshot: written, judged and drawn, so no secret reaches a file.
    clean = Snapshot.model_validate(redact_tree(snap.model_dump(mode="json"), secrets))
    clean_findings = [
        Finding.model_validate(redact_tree(f.model_dump(mode="json"), secrets)) for f in findings
    ]

    def dump(name: str, data: Any) -> None:
        path = directory / name
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        result.files.append(path)

    dump("snapshot.json", clean.model_dump(mode="json"))
    dump("findings.json", findings_json(clean, clean_findings))
    events = sorted(clean.cluster.events, key=lambda e: -(e.last_seen or e.first_seen or 0.0))
    dump("events.json", {"events": [e.model_dump(mode="json") for e in events]})
    if not events:
        result.notes.append(
            "events: none recorded"
            + (
                " (the sandbox's processes have no Kubernetes events)"
                if clean.cluster.kind == "local"
                else ""
            )
        )

    pods = pods_named(clean, clean_findings)
    if log_reader is None:
        result.notes.append(logs_note or "logs: not collected (no log reader for this cluster)")
    elif pods:
        logs, notes = write_logs(directory / "logs", pods, log_reader, secrets)
        result.files += logs
        result.notes += notes
    else:
        result.notes.append("logs: no finding names a pod")

    if screens:
        shots = directory / "screens"
        shots.mkdir(exist_ok=True)
        modes = screens_for(clean_findings)
        result.files += asyncio.run(render_modes(clean, "bundle", shots, SCREEN_SIZE, modes))

    readme = directory / "README.txt"
    lines = [
        f"Eco² Ops triage bundle · profile {clean.profile} · environment {clean.environment}",
        f"snapshot taken at {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(clean.taken_at))}",
        f"{len(clean_findings)} finding(s); secrets redacted (ecoeco.shared.redact)",
        "",
        *(str(p.relative_to(directory)) for p in result.files),
    ]
    if result.notes:
        lines += ["", "notes:", *(f"- {n}" for n in result.notes)]
    readme.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result.files.append(readme)
    return result
