"""``ecoeco-console triage``: the exit code is the worst severity; ``--json`` is findings + sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.triage import scenarios as sc

from ecoeco.console.cli import main


def _save(tmp_path: Path, name: str, snap: object) -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(snap.model_dump_json(), encoding="utf-8")  # type: ignore[attr-defined]
    return str(path)


@pytest.mark.parametrize(
    ("build", "code"),
    [(sc.s_healthy, 0), (sc.s_dead_letters, 1), (sc.s_node_lost, 2), (sc.s_cluster_unreadable, 3)],
)
def test_exit_code_is_the_worst_severity(tmp_path: Path, build: object, code: int) -> None:
    path = _save(tmp_path, "snap", build())  # type: ignore[operator]
    assert main(["triage", "--from-snapshot", path]) == code


def test_json_is_exactly_findings_and_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _save(tmp_path, "snap", sc.s_postgres_down())
    assert main(["triage", "--json", "--from-snapshot", path]) == 2
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"findings", "sources"}
    assert {f["rule"] for f in out["findings"]} == {"dependency_unreachable", "wal_backlog"}
    assert out["sources"]["cluster"]["ok"] is True


def test_text_names_the_finding_and_action(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _save(tmp_path, "snap", sc.s_node_lost())
    main(["triage", "--from-snapshot", path])
    text = capsys.readouterr().out
    assert "CRITICAL Node k8s-worker-ai stopped reporting" in text and "drain-node node=k8s-worker-ai" in text


def test_unreadable_snapshot_file_is_4_not_a_severity(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["triage", "--from-snapshot", str(bad)]) == 4
