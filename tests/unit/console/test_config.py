"""Profiles: validation errors name the bad key; resolution order; upsert keeps the others."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from console.config import ConfigError, load_config, masked_settings, resolve_profile, upsert_profile


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


def test_upsert_profile_keeps_other_profiles_and_keys(cfg: Path) -> None:
    cfg.write_text(PROD)
    upsert_profile(
        "sandbox", {"environment": "sandbox", "sandbox": True, "services": {"auth": "http://127.0.0.1:4101"}}
    )
    upsert_profile("staging", {"theme": "nord"})
    config = load_config()
    assert set(config.profiles) == {"prod", "staging", "sandbox"}
    assert config.default_profile == "staging"
    assert config.profiles["staging"].poll_interval_s == 5 and config.profiles["staging"].theme == "nord"
    assert config.profiles["sandbox"].services == {"auth": "http://127.0.0.1:4101"}
    assert config.profiles["prod"].rabbitmq_password.get_secret_value() == "s3cr3t-prod"
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600


def test_upsert_into_a_fresh_location_creates_the_file(cfg: Path, tmp_path: Path) -> None:
    target = tmp_path / "deep" / "dir" / "console.toml"
    path = upsert_profile(
        "sandbox", {"sandbox": True, "prometheus_url": "http://127.0.0.1:41400"}, path=target
    )
    assert path == target
    config = load_config(target)
    assert (
        config.default_profile == "sandbox"
        and config.profiles["sandbox"].prometheus_url == "http://127.0.0.1:41400"
    )


def test_upsert_with_a_bad_value_loses_nothing(cfg: Path) -> None:
    cfg.write_text(PROD)
    before = cfg.read_bytes()
    with pytest.raises(ConfigError, match="profiles.staging.poll_interval_s: must be >= 2"):
        upsert_profile("staging", {"poll_interval_s": 0.1})
    assert cfg.read_bytes() == before
    assert not [p for p in cfg.parent.iterdir() if p.name.startswith(".console.")]
