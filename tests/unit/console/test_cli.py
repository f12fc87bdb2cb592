"""``ecoeco-console info`` and the flags every subcommand shares."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecoeco.console.cli import format_status, main
from ecoeco.console.snapshot import NodeInfo, QueueInfo, Snapshot, SourceStatus

CONFIG = """
default_profile = "prod"

[profiles.prod]
environment = "prod"
cluster = "kubernetes"
rabbitmq_password = "pr0d-Secret"
broker_url = "amqp://ops:pr0d-Secret@mq.internal:5672/ecoeco"
services = { auth = "https://ops:pr0d-Secret@auth.internal" }

[profiles.staging]
environment = "staging"
"""


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "console.toml"
    path.write_text(CONFIG)
    monkeypatch.setenv("ECOECO_CONSOLE_CONFIG", str(path))
    monkeypatch.delenv("ECOECO_PROFILE", raising=False)
    return path


def test_info_shows_path_profile_and_origins_without_secrets(
    cfg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["info", "--read-only"]) == 0
    out = capsys.readouterr().out
    assert f"config file: {cfg}" in out
    assert "profile:     prod  (from file)" in out
    assert "environment" in out and "prod  [file]" in out
    assert "read_only                   True  [cli]" in out
    assert "pr0d-Secret" not in out


def test_profile_flag_works_before_and_after_the_subcommand(
    cfg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (["--profile", "staging", "info", "--json"], ["info", "--json", "--profile", "staging"]):
        assert main(argv) == 0
        data = json.loads(capsys.readouterr().out)
        assert data["profile"] == "staging" and data["origins"]["profile"] == "cli"


def test_env_selects_the_profile(
    cfg: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ECOECO_PROFILE", "staging")
    assert main(["info", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["profile"], data["origins"]["profile"]) == ("staging", "env")
    assert "pr0d-Secret" not in json.dumps(data)


def test_unknown_profile_exits_2_with_a_clear_message(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--profile", "qa", "info"]) == 2
    assert "profile 'qa' not found (known profiles: prod, staging)" in capsys.readouterr().err


def test_human_status_shows_each_area_and_each_error() -> None:
    snap = Snapshot(
        sources={
            "queues": SourceStatus(name="queues", ok=False, error="management API: refused", updated_at=None),
            "cluster": SourceStatus(name="cluster", ok=True, updated_at=1.0),
        },
        queues=[QueueInfo(name="q.ai", ready=120, consumers=0, via="amqp")],
        taken_at=31.0,
    )
    snap.cluster.nodes.append(
        NodeInfo(
            name="k8s-worker-ai", role="worker", domain="ai", instance_type="t3a.large", status="NotReady"
        )
    )
    text = format_status(snap)
    assert "== queues  [ERROR: management API: refused]" in text
    assert "k8s-worker-ai" in text and "NotReady" in text
    assert "cluster  yes  30s" in text


def test_screenshot_hands_its_own_options_to_the_screenshot_tool(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["screenshot", "--help"])
    assert exit_.value.code == 0
    assert "usage: ecoeco-console screenshot" in capsys.readouterr().out


def test_status_exit_code_has_one_bit_per_failing_source() -> None:
    from ecoeco.console.cli import EXIT_CONFIG, failed_sources, status_exit_code
    from ecoeco.console.snapshot import Snapshot, SourceStatus

    names = ("cluster", "queues", "wal", "metrics", "services", "alerts")
    snap = Snapshot(sources={n: SourceStatus(name=n, ok=True) for n in names})
    assert status_exit_code(snap) == 0 and failed_sources(0) == []
    for n in ("wal", "metrics", "alerts"):  # Prometheus down, the cluster fine
        snap.sources[n].ok = False
    rc = status_exit_code(snap)
    assert rc == 1 + 16 + 32 + 128 and sorted(failed_sources(rc)) == ["alerts", "metrics", "wal"]
    snap.sources["cluster"].ok = False
    assert failed_sources(status_exit_code(snap))[0] == "cluster"
    # every combination stays a valid exit status, odd, and distinct from bad configuration (2)
    assert status_exit_code(Snapshot(sources={n: SourceStatus(name=n) for n in names})) == 253
    assert not failed_sources(EXIT_CONFIG) and not failed_sources(130)
