"""``up`` refuses clearly when a piece of infrastructure is missing, and starts nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sandbox_support import make_sandbox

from ecoeco.services.sandbox.processes import free_port

pytestmark = pytest.mark.integration


def test_up_with_unreachable_postgresql_names_it_and_starts_nothing(tmp_path: Path) -> None:
    box = make_sandbox(tmp_path, ECOECO_SANDBOX_POSTGRES_URL=f"postgresql://postgres@127.0.0.1:{free_port()}")
    result = box.run("up", timeout=60)
    assert result.returncode == 2
    assert "PostgreSQL is not reachable" in result.stderr
    assert "pg_ctlcluster --skip-systemctl-redirect" in result.stderr
    assert not (box.state_dir / "state.json").exists()
    assert not (box.state_dir / "logs").exists()


def test_up_with_unreachable_redis_names_it(tmp_path: Path) -> None:
    box = make_sandbox(tmp_path, ECOECO_SANDBOX_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    result = box.run("up", timeout=60)
    assert result.returncode == 2
    assert "Redis is not reachable" in result.stderr and "redis-server --daemonize yes" in result.stderr


def test_up_with_wrong_rabbitmq_password_names_rabbitmq_and_never_prints_it(tmp_path: Path) -> None:
    box = make_sandbox(tmp_path, ECOECO_SANDBOX_RABBITMQ_URL="amqp://guest:s3cret-wrong@127.0.0.1:5672")
    result = box.run("up", timeout=60)
    assert result.returncode == 2
    assert "RabbitMQ management API" in result.stderr and "401" in result.stderr
    assert "s3cret-wrong" not in result.stdout + result.stderr


def test_status_without_a_sandbox_says_not_running(tmp_path: Path) -> None:
    box = make_sandbox(tmp_path)
    code, status = box.status()
    assert code == 1
    assert status["running"] is False
    assert all(c["pid"] is None for c in status["components"])
    assert not box.state_dir.exists()  # status has no side effects


def test_down_without_a_sandbox_is_harmless(tmp_path: Path) -> None:
    box = make_sandbox(tmp_path)
    result = box.run("down")
    assert result.returncode == 0
    assert "nothing to stop" in result.stdout
