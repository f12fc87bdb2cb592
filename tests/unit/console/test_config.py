"""Profiles: validation errors name the bad key; resolution order; the sandbox profile from its state."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ecoeco.console.config import ConfigError, load_config, masked_settings, resolve_profile


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "console.toml"
    monkeypatch.setenv("ECOECO_CONSOLE_CONFIG", str(path))
    monkeypatch.delenv("ECOECO_PROFILE", raising=False)
    for key in list(os.environ):
        if key.startswith("ECOECO_CONSOLE_") and key != "ECOECO_CONSOLE_CONFIG":
            monkeypatch.delenv(key)
    return path


PROD = """
default_profile = "staging"

[profiles.prod]
environment = "prod"
read_only = true
cluster = "kubernetes"
prometheus_url = "https://prometheus.prod.example/"
rabbitmq_password = "s3cr3t-prod"

[profiles.staging]
environment = "staging"
poll_interval_s = 5
"""


def test_no_config_file_gives_the_builtin_sandbox_profile(cfg: Path) -> None:
    profile, origins = resolve_profile(None)
    assert profile.name == "sandbox" and profile.sandbox and profile.environment == "sandbox"
    assert origins["profile"] == "default"
    assert origins["poll_interval_s"] == "default"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "[profiles.prod]\npoll_interval_s = 1\n",
            "console.toml: profiles.prod.poll_interval_s: must be >= 2",
        ),
        (
            '[profiles.prod]\npromethus_url = "http://x"\n',
            "console.toml: profiles.prod.promethus_url: unknown setting",
        ),
        (
            '[profiles.prod]\nenvironment = "production"\n',
            "console.toml: profiles.prod.environment: must be one of",
        ),
        (
            '[profiles.prod]\nprometheus_url = "localhost:9090"\n',
            "profiles.prod.prometheus_url: must start with http",
        ),
        (
            '[profiles.prod]\nservices = { auth = "127.0.0.1:8000" }\n',
            "profiles.prod.services: auth: must start",
        ),
        ('colour = "red"\n', "console.toml: colour: unknown setting"),
        ("[profiles.prod\n", "console.toml: invalid TOML"),
    ],
)
def test_invalid_config_names_the_bad_key(cfg: Path, body: str, message: str) -> None:
    cfg.write_text(body)
    with pytest.raises(ConfigError) as err:
        load_config()
    assert message in str(err.value)


def test_resolution_order_cli_then_env_then_default_profile(
    cfg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg.write_text(PROD)
    assert resolve_profile(None)[0].name == "staging"  # default_profile from the file
    monkeypatch.setenv("ECOECO_PROFILE", "prod")
    profile, origins = resolve_profile(None)
    assert (profile.name, origins["profile"]) == ("prod", "env")
    profile, origins = resolve_profile("staging")
    assert (profile.name, origins["profile"]) == ("staging", "cli")
    assert profile.poll_interval_s == 5 and origins["poll_interval_s"] == "file"


def test_unknown_profile_is_an_error_listing_the_known_ones(cfg: Path) -> None:
    cfg.write_text(PROD)
    with pytest.raises(ConfigError, match=r"profile 'qa' not found \(known profiles: prod, staging\)"):
        resolve_profile("qa")


def test_env_and_cli_override_single_settings_and_say_so(cfg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg.write_text(PROD)
    monkeypatch.setenv("ECOECO_CONSOLE_POLL_INTERVAL_S", "7.5")
    monkeypatch.setenv("ECOECO_CONSOLE_QUEUES", '["q.ai"]')
    profile, origins = resolve_profile("staging", cli_overrides={"read_only": True})
    assert profile.poll_interval_s == 7.5 and origins["poll_interval_s"] == "env"
    assert profile.queues == ["q.ai"] and origins["queues"] == "env"
    assert profile.read_only and origins["read_only"] == "cli"
    monkeypatch.setenv("ECOECO_CONSOLE_POLL_INTERVAL_S", "0.5")
    with pytest.raises(ConfigError, match="poll_interval_s: must be >= 2"):
        resolve_profile("staging")


def test_secrets_survive_resolution_but_never_print(cfg: Path) -> None:
    cfg.write_text(PROD)
    profile, _ = resolve_profile("prod")
    assert profile.rabbitmq_password.get_secret_value() == "s3cr3t-prod"
    assert profile.prometheus_url == "https://prometheus.prod.example"
    shown = masked_settings(profile)
    assert "s3cr3t-prod" not in repr(shown) and shown["rabbitmq_password"] == "***"
    assert "s3cr3t-prod" not in repr(profile)


def _write_state(directory: Path, **extra: object) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    state = {
        "version": 1,
        "vhost": "ecoeco-x",
        "rabbitmq_management_url": "http://127.0.0.1:15672",
        "external_urls": {"rabbitmq": "amqp://guest:pa%3Ass@127.0.0.1:5672/ecoeco-x"},
        "components": {
            "auth": {"url": "http://127.0.0.1:4101"},
            "storage": {"url": "http://127.0.0.1:4201/metrics"},
            "prometheus": {"url": "http://127.0.0.1:4301"},
        },
        "aws": None,
        **extra,
    }
    (directory / "state.json").write_text(json.dumps(state))


def test_the_sandbox_profile_takes_its_endpoints_from_the_sandbox_state(
    cfg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECOECO_SANDBOX_DIR", str(tmp_path / "sbx"))
    _write_state(tmp_path / "sbx")
    profile, origins = resolve_profile(None)
    assert profile.name == "sandbox" and profile.sandbox
    assert profile.services == {"auth": "http://127.0.0.1:4101"} and origins["services"] == "sandbox"
    assert profile.workers == {"storage": "http://127.0.0.1:4201/metrics"}
    assert profile.prometheus_url == "http://127.0.0.1:4301"
    assert profile.rabbitmq_vhost == "ecoeco-x" and profile.rabbitmq_password.get_secret_value() == "pa:ss"
    assert "pa:ss" not in repr(masked_settings(profile)) and "pa%3Ass" not in repr(masked_settings(profile))


def test_a_hand_written_sandbox_profile_keeps_its_own_choices_and_the_file_is_not_touched(
    cfg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECOECO_SANDBOX_DIR", str(tmp_path / "sbx"))
    _write_state(tmp_path / "sbx")
    text = '# mine\n[profiles.sandbox]  # quiet\nsandbox = true\ntheme = "nord"\nservices = { auth = "http://127.0.0.1:1" }\n'
    cfg.write_text(text)
    profile, origins = resolve_profile("sandbox")
    assert profile.theme == "nord" and origins["theme"] == "file"
    assert profile.services == {"auth": "http://127.0.0.1:4101"}  # the stale file endpoint loses
    assert cfg.read_text() == text


def test_without_a_sandbox_state_the_builtin_sandbox_profile_is_used(
    cfg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECOECO_SANDBOX_DIR", str(tmp_path / "none"))
    profile, origins = resolve_profile(None)
    assert profile.sandbox and profile.services == {} and origins["services"] == "default"
    (tmp_path / "none").mkdir()
    (tmp_path / "none" / "state.json").write_text("{not json")
    profile, _ = resolve_profile(None)  # an unreadable state is the cluster source's error to show
    assert profile.sandbox and profile.services == {}
