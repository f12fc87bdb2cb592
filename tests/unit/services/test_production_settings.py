"""Outside the sandbox every service refuses to start with a default secret or credential, and says
which setting is wrong without printing any value (issue 13, defect 2)."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from ecoeco.services.api_cli import SERVICES
from ecoeco.services.common.settings import (
    SANDBOX_JWT_SECRET,
    InsecureSettingsError,
    Settings,
    insecure_settings,
)

BIN = Path(sys.executable).parent
GOOD_SECRET = "prod-secret-" + "k" * 40
# Values a production deployment would have: none is a built-in default.
GOOD = {
    "environment": "prod",
    "jwt_secret": SecretStr(GOOD_SECRET),
    "broker_url": "amqp://ecoeco:mq-pass-123@rabbitmq.internal:5672/ecoeco",
    "database_url": "postgresql://ecoeco:db-pass-456@postgresql.internal:5432/ecoeco",
    "aws_access_key_id": "AKIAEXAMPLEKEY",
    "aws_secret_access_key": SecretStr("aws-secret-789"),
}
# One default at a time, and the setting each must be named by.
DEFAULTS = {
    "ECOECO_JWT_SECRET": {"jwt_secret": SecretStr(SANDBOX_JWT_SECRET)},
    "ECOECO_BROKER_URL": {"broker_url": "amqp://guest:guest@127.0.0.1:5672/ecoeco"},
    "ECOECO_DATABASE_URL": {"database_url": "postgresql://postgres@127.0.0.1:5432/ecoeco"},
    "ECOECO_AWS_ACCESS_KEY_ID": {"aws_access_key_id": "testing"},
    "ECOECO_AWS_SECRET_ACCESS_KEY": {"aws_secret_access_key": SecretStr("testing")},
}


AWS_KEYS = {"ECOECO_AWS_ACCESS_KEY_ID", "ECOECO_AWS_SECRET_ACCESS_KEY"}

# The credentials each service uses (its dependencies; every API verifies tokens). A service is not
# asked for credentials it has no use for.
USES = {
    "auth": {"ECOECO_JWT_SECRET", "ECOECO_DATABASE_URL"},
    "userinfo": {"ECOECO_JWT_SECRET", "ECOECO_DATABASE_URL"},
    "location": {"ECOECO_JWT_SECRET"},
    "waste": set(DEFAULTS),
    "recycle-info": {"ECOECO_JWT_SECRET"},
    "chat-llm": {"ECOECO_JWT_SECRET", "ECOECO_DATABASE_URL"},
}


def create(service: str, settings: Settings) -> object:
    module = importlib.import_module(f"ecoeco.services.{SERVICES[service]}.app")
    return module.create_app(settings)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOECO_", "AWS_"))}
    return {**env, **extra}


def test_every_service_is_covered() -> None:
    assert set(USES) == set(SERVICES)


@pytest.mark.parametrize("service", list(SERVICES))
@pytest.mark.parametrize("setting", list(DEFAULTS))
def test_each_default_a_service_uses_stops_it_and_is_named(service: str, setting: str) -> None:
    settings = Settings(**{**GOOD, **DEFAULTS[setting]})
    if setting not in USES[service]:
        create(service, settings)  # not its business: starts
        return
    with pytest.raises(InsecureSettingsError) as caught:
        create(service, settings)
    message = str(caught.value)
    assert setting in message
    assert [name for name in DEFAULTS if name in message] == [setting]
    assert SANDBOX_JWT_SECRET not in message and "guest:guest" not in message


@pytest.mark.parametrize("service", list(SERVICES))
def test_production_settings_without_defaults_start(service: str) -> None:
    create(service, Settings(**GOOD))
    # The instance or pod role instead of keys: both empty is fine.
    create(service, Settings(**{**GOOD, "aws_access_key_id": "", "aws_secret_access_key": SecretStr("")}))


@pytest.mark.parametrize("environment", ["sandbox", "dev", "test", "Sandbox"])
def test_the_sandbox_keeps_its_defaults(environment: str) -> None:
    settings = Settings(environment=environment)
    assert insecure_settings(settings)  # they are the defaults...
    create("auth", settings)  # ...and allowed there


@pytest.mark.parametrize(
    ("update", "named"),
    [
        ({"jwt_secret": SecretStr("short")}, "ECOECO_JWT_SECRET"),
        ({"broker_url": "amqp://ecoeco@rabbitmq.internal/ecoeco"}, "ECOECO_BROKER_URL"),
        ({"database_url": "host=db.internal dbname=ecoeco user=ecoeco"}, "ECOECO_DATABASE_URL"),
        ({"aws_access_key_id": ""}, "ECOECO_AWS_ACCESS_KEY_ID/ECOECO_AWS_SECRET_ACCESS_KEY"),
        ({"jwt_algorithm": "RS256"}, "ECOECO_JWT_PUBLIC_KEY"),
    ],
)
def test_other_weak_settings_are_named(update: dict[str, object], named: str) -> None:
    problems = insecure_settings(Settings(**{**GOOD, **update}))
    assert [p.split(":")[0] for p in problems] == [named]


@pytest.mark.parametrize("service", list(SERVICES))
def test_ecoeco_api_exits_with_one_line_naming_every_default(service: str) -> None:
    # The reproduction: no secrets configured at all, environment prod.
    proc = subprocess.run(
        [str(BIN / "ecoeco-api"), service, "--port", "1"],
        env=clean_env(ECOECO_ENVIRONMENT="prod"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    # Unset AWS keys are not a default in use: boto3 then takes the instance role (never "testing").
    assert {name for name in DEFAULTS if name in lines[0]} == USES[service] - AWS_KEYS
    assert SANDBOX_JWT_SECRET not in proc.stderr + proc.stdout
    assert "guest:guest" not in proc.stderr


def test_ecoeco_worker_exits_before_touching_anything(tmp_path: Path) -> None:
    # The worker uses PostgreSQL, RabbitMQ and S3, and no JWT secret.
    wal = tmp_path / "wal"
    proc = subprocess.run(
        [str(BIN / "ecoeco-worker"), "storage"],
        env=clean_env(ECOECO_ENVIRONMENT="staging", ECOECO_WAL_DIR=str(wal)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert {name for name in DEFAULTS if name in line} == set(DEFAULTS) - {"ECOECO_JWT_SECRET"} - AWS_KEYS
    assert not wal.exists()  # the journal was never opened
