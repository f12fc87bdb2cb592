"""Without Prometheus installed the sandbox runs and says how to get it; a component that dies at
start-up fails `up` naming it, with its log."""

from __future__ import annotations

from pathlib import Path

import pytest
from sandbox_support import make_sandbox

pytestmark = pytest.mark.integration


def test_missing_prometheus_is_skipped_then_a_broken_one_fails_up_with_its_log(tmp_path: Path) -> None:
    box = make_sandbox(tmp_path, ECOECO_SANDBOX_PROMETHEUS_BIN=str(tmp_path / "no-such-prometheus"))
    try:
        up = box.run("up", "--timeout", "180")
        assert up.returncode == 0, up.stderr
        assert "apt-get install prometheus" in up.stderr
        code, status = box.status()
        prom = next(c for c in status["components"] if c["name"] == "prometheus")
        assert prom["alive"] is False and "apt-get install prometheus" in prom["skipped"]
        assert code == 0 and status["running"] is True  # a skipped component does not count

        # Now a "prometheus" that exits at once: up names it and quotes its log.
        broken = tmp_path / "broken-prometheus"
        broken.write_text("#!/bin/sh\necho 'err: parsing YAML file prometheus.yml: boom' >&2\nexit 1\n")
        broken.chmod(0o755)
        box.env["ECOECO_SANDBOX_PROMETHEUS_BIN"] = str(broken)
        again = box.run("up", "--timeout", "60")
        assert again.returncode == 3
        assert "prometheus exited during start-up" in again.stderr
        assert "parsing YAML file prometheus.yml: boom" in again.stderr
        code, status = box.status()
        assert code == 1
        assert [c["name"] for c in status["components"] if not c["alive"]] == ["prometheus"]
    finally:
        box.run("down", "--purge")
    assert not box.state_dir.exists()
