"""``triage --bundle DIR`` from a saved snapshot: snapshot, findings, events, screenshots, a README that
says why there are no logs; no secret in any file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.triage import scenarios as sc

from ecoeco.console.bundle import pods_named, screens_for, write_bundle
from ecoeco.console.cli import main
from ecoeco.console.snapshot import EventInfo
from ecoeco.console.sources.cluster_local import LocalLogReader
from ecoeco.console.triage import evaluate

SECRET = "hunter2-not-for-files"


def _incident_with_secrets(tmp_path: Path) -> Path:
    snap = sc.fixture("incident")
    pod = next(p for p in snap.cluster.all_pods())
    pod.message = f"cannot connect to amqp://ecoeco:{SECRET}@rabbit:5672/"
    snap.cluster.events.insert(
        0,
        EventInfo(namespace="ecoeco", involved_object="Pod/auth-api-0", reason="Failed",
                  message=f"env password={SECRET} rejected", last_seen=snap.taken_at),
    )  # fmt: skip
    path = tmp_path / "incident.json"
    path.write_text(snap.model_dump_json(), encoding="utf-8")
    return path


def test_bundle_from_snapshot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = _incident_with_secrets(tmp_path)
    out = tmp_path / "bundle"
    code = main(["triage", "--json", "--from-snapshot", str(saved), "--bundle", str(out)])
    printed = json.loads(capsys.readouterr().out)
    assert code == 2  # the exit code is still the worst severity

    names = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert {"snapshot.json", "findings.json", "events.json", "README.txt"} <= names
    assert {"screens/bundle-triage.svg", "screens/bundle-nodes.svg", "screens/bundle-queues.svg",
            "screens/bundle-wal.svg"} <= names  # fmt: skip
    assert not any(n.startswith("logs/") for n in names)

    findings = json.loads((out / "findings.json").read_text())
    assert set(findings) == {"findings", "sources"}
    assert [f["rule"] for f in findings["findings"]] == [f["rule"] for f in printed["findings"]]
    events = json.loads((out / "events.json").read_text())["events"]
    assert events[0]["message"] == "env password=*** rejected"
    assert "judged from a saved snapshot" in (out / "README.txt").read_text()
    assert "Triage" in (out / "screens" / "bundle-triage.svg").read_text()
    for path in out.rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(encoding="utf-8"), path


def test_screens_follow_the_findings() -> None:
    assert screens_for(evaluate(sc.s_healthy())) == ["triage"]
    assert screens_for(evaluate(sc.s_dead_letters())) == ["triage", "queues"]
    assert "nodes" in screens_for(evaluate(sc.s_node_lost()))


def test_sandbox_logs_of_the_named_process(tmp_path: Path) -> None:
    """In the sandbox a finding's worker is a process "pod"; its log is the sandbox's log file."""
    snap = sc.s_queue_no_consumers()
    snap.cluster.kind = "local"
    node = snap.cluster.nodes[0]
    node.pods.append(
        node.pods[0].model_copy(update={"name": "ai", "namespace": "sandbox", "kind": "Process"})
    )
    findings = evaluate(snap)
    assert [p.name for p in pods_named(snap, findings)] == ["ai"]
    log = tmp_path / "ai.log"
    log.write_text("".join(f"line {i} token=abc{i}\n" for i in range(500)), encoding="utf-8")
    reader = LocalLogReader(lambda: {"components": [{"name": "ai", "log": str(log)}]})
    result = write_bundle(tmp_path / "b", snap, findings, log_reader=reader, screens=False)
    text = (tmp_path / "b" / "logs" / "sandbox_ai.log").read_text()
    assert text.splitlines()[-1] == "line 499 token=***" and len(text.splitlines()) == 200
    assert result.notes == ["events: none recorded (the sandbox's processes have no Kubernetes events)"]
