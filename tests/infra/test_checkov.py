"""checkov (pinned, offline) on Terraform, the charts as ArgoCD renders them, and the Dockerfile.

checkov pins its own dependencies (boto3==1.35.49, packaging<24, ...), so it lives in its own
locked environment (tests/infra/checkov: pyproject.toml + uv.lock), created by `uv sync --frozen`
the first time (the only step that needs the package registry). checkov itself runs offline:
--skip-download, no API key. Accepted findings and their reasons: infra/checkov.yaml, nowhere else.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from infracheck import INFRA_DIR, REPO_ROOT, TERRAFORM_DIR

CHECKOV_PROJECT = Path(__file__).resolve().parent / "checkov"
CONFIG = INFRA_DIR / "checkov.yaml"

pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def checkov() -> str:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv not on PATH (it creates checkov's locked environment)")
    proc = subprocess.run(
        [uv, "sync", "--frozen", "--quiet", "--project", str(CHECKOV_PROJECT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"cannot create checkov's environment from its lock:\n{proc.stderr[-2000:]}"
    return str(CHECKOV_PROJECT / ".venv/bin/checkov")


def run_checkov(checkov: str, target: list[str], framework: str) -> dict[str, Any]:
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    env.pop("BC_API_KEY", None)
    proc = subprocess.run(
        [checkov, *target, "--framework", framework, "--config-file", str(CONFIG), "-o", "json"],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=REPO_ROOT,
    )
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    reports = out if isinstance(out, list) else [out]
    return {
        "failed": [
            f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
            for r in reports
            for c in r.get("results", {}).get("failed_checks", [])
        ],
        "parsing_errors": [e for r in reports for e in r.get("results", {}).get("parsing_errors", [])],
        "passed": sum(r.get("summary", {}).get("passed", 0) for r in reports),
    }


def test_every_accepted_finding_has_a_reason() -> None:
    config = yaml.safe_load(CONFIG.read_text())
    lines = {m[1]: m[2] for m in re.finditer(r"^  - (CKV\w+)\s+# (.+)$", CONFIG.read_text(), re.M)}
    assert set(config["skip-check"]) == set(lines)
    assert all(len(reason) > 30 for reason in lines.values())


def test_terraform_has_no_unexplained_findings(checkov: str) -> None:
    result = run_checkov(checkov, ["-d", str(TERRAFORM_DIR)], "terraform")
    assert result["parsing_errors"] == [] and result["passed"] > 150
    assert result["failed"] == []


def test_rendered_charts_have_no_unexplained_findings(checkov: str, tmp_path: Path) -> None:
    pytest.importorskip("helm_python", reason="helm-python-sdk (dev dependency) not installed")
    from infracheck.render import render_all

    for release, docs in render_all().items():
        (tmp_path / f"{release}.yaml").write_text(yaml.safe_dump_all(docs))
    result = run_checkov(checkov, ["-d", str(tmp_path)], "kubernetes")
    assert result["parsing_errors"] == [] and result["passed"] > 500
    assert result["failed"] == []


def test_dockerfile_has_no_unexplained_findings(checkov: str) -> None:
    result = run_checkov(checkov, ["-f", str(REPO_ROOT / "Dockerfile")], "dockerfile")
    assert result["failed"] == [] and result["passed"] > 50


def test_checkov_reports_what_it_should(checkov: str, tmp_path: Path) -> None:
    # The findings the issue named, on a copy without their fixes: the default security group.
    (tmp_path / "main.tf").write_text('resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    result = run_checkov(checkov, ["-d", str(tmp_path)], "terraform")
    assert any(f.startswith("CKV2_AWS_12 ") for f in result["failed"]), result["failed"]
