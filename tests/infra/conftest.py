"""Offline checks of infra/ and charts/: no network, no cloud, no cluster, no helm.

The check helpers live in infra/infracheck (shared with bench/infra_plan_count.py).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

INFRA = Path(__file__).resolve().parents[2] / "infra"
if str(INFRA) not in sys.path:
    sys.path.insert(0, str(INFRA))

from infracheck import TERRAFORM_DIR, TOPOLOGY_FILE  # noqa: E402
from infracheck.offline_terraform import render  # noqa: E402
from infracheck.terraform import Module, load_module  # noqa: E402


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        # Offline checks are quick; a hang means a tool waits on something it should not.
        if "tests/infra/" in str(item.fspath) and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.timeout(120))


@pytest.fixture(scope="session")
def topology() -> dict[str, Any]:
    return yaml.safe_load(TOPOLOGY_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def nodes(topology: dict[str, Any]) -> list[dict[str, Any]]:
    return topology["nodes"]


@pytest.fixture(scope="session")
def root_module() -> Module:
    return load_module(TERRAFORM_DIR)


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Outputs of the topology and inventory modules, applied offline by the terraform binary."""
    if shutil.which("terraform") is None:
        pytest.skip("terraform binary not installed")
    return render(tmp_path_factory.mktemp("tf-render"))


@pytest.fixture(scope="session")
def inventory_file(rendered: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("inventory") / "hosts.yml"
    path.write_text(rendered["ansible_inventory"], encoding="utf-8")
    return path
