"""``triage --bundle DIR`` live against the loopback Kubernetes double: the logs of the pods the findings
name come through the cluster source's logs-on-demand (the previous run of a crash loop too); nothing
else is asked of the cluster, nothing is written to it, and the profile's secrets reach no file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tomli_w
from tests.integration.console.conftest import closed_port_url
from tests.k8s_double.server import KubeDouble

from ecoeco.console.cli import main

pytestmark = pytest.mark.integration

SECRET = "rabbit-pw-never-in-a-bundle"


def test_live_bundle_has_the_named_pods_logs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "console.toml"
    with KubeDouble("incident") as kube:
        profile = {
            "environment": "staging",
            "cluster": "kubernetes",
            "kubeconfig": str(kube.kubeconfig),
            "kube_context": kube.context,
            "prometheus_url": closed_port_url(),
            "rabbitmq_management_url": closed_port_url(),
            "rabbitmq_password": SECRET,
            "broker_url": f"amqp://ecoeco:{SECRET}@127.0.0.1:1/",
            "services": {"auth": closed_port_url()},
        }
        config.write_text(tomli_w.dumps({"default_profile": "staging", "profiles": {"staging": profile}}))
        monkeypatch.setenv("ECOECO_CONSOLE_CONFIG", str(config))
        monkeypatch.delenv("ECOECO_PROFILE", raising=False)
        out = tmp_path / "bundle"
        code = main(["triage", "--bundle", str(out), "--timeout", "10"])
        assert kube.writes == []
    err = capsys.readouterr().err
    assert code == 2, err
    logs = sorted(p.name for p in (out / "logs").iterdir())
    previous = [n for n in logs if n.startswith("ecoeco_chat-llm-api-") and n.endswith(".previous.log")]
    assert previous, logs
    text = (out / "logs" / previous[0]).read_text()
    assert "exiting with status 1" in text.splitlines()[-1]
    findings = json.loads((out / "findings.json").read_text())["findings"]
    assert any(f["rule"] == "crash_loop" for f in findings)
    assert (out / "screens" / "bundle-triage.svg").exists()
    for path in out.rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(encoding="utf-8"), path


def test_image_pull_names_the_pull_secret_recorded_in_the_pod_spec() -> None:
    """The double's degraded cluster: a rollout whose new pod cannot pull; the finding names the pod
    spec's imagePullSecrets (kept by the cluster source) beside the registry's answer."""
    from ecoeco.console.snapshot import Snapshot
    from ecoeco.console.sources.cluster_kube import KubeClusterSource
    from ecoeco.console.triage import evaluate

    with KubeDouble("degraded") as kube:
        source = KubeClusterSource(str(kube.kubeconfig), kube.context)
        snap = Snapshot()
        source.apply(snap, source.poll())
    f = next(f for f in evaluate(snap) if f.rule == "image_pull")
    assert "pull secret(s) in the pod spec: ghcr-eco2-pull" in f.evidence
    assert any(e.startswith("registry: ") and "not found" in e for e in f.evidence)
