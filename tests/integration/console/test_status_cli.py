"""``ecoeco-console status [--json]``: the snapshot once; the exit code is 1 plus a bit per unreachable source."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomli_w
from tests.conftest import RABBIT_MGMT, create_vhost, delete_vhost
from tests.integration.console.conftest import Prometheus, closed_port_url
from tests.k8s_double.server import KubeDouble

from ecoeco.console.cli import failed_sources, main
from ecoeco.console.snapshot import Snapshot

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def vhost() -> Iterator[str]:
    name = create_vhost("ecoeco-console-status")
    yield name
    delete_vhost(name)


@pytest.fixture
def config(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kube: KubeDouble,
    prometheus: Prometheus,
    tiny_service: str,
    vhost: str,
) -> Path:
    path = tmp_path / "console.toml"
    healthy = {
        "environment": "staging",
        "cluster": "kubernetes",
        "kubeconfig": str(kube.kubeconfig),
        "kube_context": kube.context,
        "prometheus_url": prometheus.url,
        "rabbitmq_management_url": RABBIT_MGMT,
        "rabbitmq_password": "guest",
        "rabbitmq_vhost": vhost,
        "services": {"auth": f"{tiny_service}/ok", "waste": tiny_service},
    }
    broken = {**healthy, "prometheus_url": closed_port_url(), "services": {"auth": closed_port_url()}}
    path.write_text(
        tomli_w.dumps({"default_profile": "staging", "profiles": {"staging": healthy, "broken": broken}})
    )
    monkeypatch.setenv("ECOECO_CONSOLE_CONFIG", str(path))
    monkeypatch.delenv("ECOECO_PROFILE", raising=False)
    return path


def test_status_json_is_a_snapshot_and_exits_0_when_every_source_answers(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(["status", "--json"])
    out = capsys.readouterr().out
    snap = Snapshot.model_validate_json(out)
    assert rc == 0, snap.unreachable_sources()
    assert snap.profile == "staging" and snap.environment == "staging"
    assert set(snap.sources) == {"cluster", "queues", "wal", "metrics", "services", "alerts"}
    assert len(snap.cluster.nodes) == 13
    assert {s.name: s.ready for s in snap.services} == {"auth": True, "waste": False}, [
        (s.name, s.error) for s in snap.services
    ]
    assert any(a.name == "WalBacklogOld" for a in snap.alerts)
    assert next(w for w in snap.wal if w.worker == "storage").unsynced_rows == 44


def test_status_exit_code_names_the_unreachable_sources_and_shows_each_error(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(["--profile", "broken", "status"])
    out = capsys.readouterr().out
    # Prometheus and the services are down; the cluster and the queues answer
    assert rc & 1 and {"metrics", "alerts", "services"} <= set(failed_sources(rc))
    assert "cluster" not in failed_sources(rc) and "queues" not in failed_sources(rc)
    assert "== services  [ERROR: no service answers" in out
    assert "== metrics  [ERROR:" in out and "connection refused" in out
    assert "k8s-worker-ai" in out  # the cluster still answers and is shown


def test_the_installed_entry_point_exits_with_the_source_bits_and_json_on_stdout(config: Path) -> None:
    exe = Path(sys.executable).with_name("ecoeco-console")
    proc = subprocess.run(
        [str(exe), "status", "--json", "--profile", "broken", "--read-only"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    snap = json.loads(proc.stdout)
    assert snap["read_only"] is True
    assert not snap["sources"]["services"]["ok"] and snap["sources"]["cluster"]["ok"]
    failing = sorted(name for name, s in snap["sources"].items() if not s["ok"])
    assert sorted(failed_sources(proc.returncode)) == failing, proc.stderr


def test_a_bad_config_exits_2_naming_the_key(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config.write_text("[profiles.staging]\npoll_interval_s = 0.5\n")
    assert main(["status"]) == 2
    assert "console.toml: profiles.staging.poll_interval_s: must be >= 2" in capsys.readouterr().err
