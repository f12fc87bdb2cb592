"""Console profiles: TOML under the platform config dir, validated with errors that name the bad key.

The file looks like::

    default_profile = "sandbox"

    [profiles.prod]
    environment = "prod"
    cluster = "kubernetes"
    prometheus_url = "https://prometheus.example"

Resolution order for the active profile: ``--profile`` > ``ECOECO_PROFILE`` > ``default_profile`` >
``"sandbox"``. With no config file the built-in ``sandbox`` profile is used. Any single setting of the
active profile can be overridden with ``ECOECO_CONSOLE_<SETTING>`` (e.g. ``ECOECO_CONSOLE_READ_ONLY=1``),
and the CLI's own flags (``--read-only``) win over everything.

A profile with ``sandbox = true`` (the built-in ``sandbox`` is one) takes its endpoints from the running
sandbox's state file (``ecoeco.shared.sandbox_state``), read at resolution time: the sandbox never
writes this file, and an operator's hand-written profile keeps its own theme, polling and read-only.
The console never writes this file either: it is the operator's.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, unquote, urlsplit

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from ecoeco.console import sandbox_infra
from ecoeco.shared import sandbox_state
from ecoeco.shared.names import API_SERVICES, QUEUES, WORKERS
from ecoeco.shared.redact import mask_url

MIN_POLL_INTERVAL_S = 2.0
DEFAULT_QUEUES = list(QUEUES)
PROFILE_ENV = "ECOECO_PROFILE"
CONFIG_ENV = "ECOECO_CONSOLE_CONFIG"
SETTING_ENV_PREFIX = "ECOECO_CONSOLE_"

Origin = Literal["default", "file", "sandbox", "env", "cli"]


class ConfigError(Exception):
    """A config file or override that cannot be used; the message names the file and the key."""


class Profile(BaseModel):
    """One environment the console can watch (and, unless read-only, act on)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    name: str = "sandbox"
    environment: Literal["prod", "staging", "sandbox"] = "sandbox"
    read_only: bool = False
    theme: str | None = None
    sandbox: bool = False
    cluster: Literal["local", "kubernetes"] = "local"
    kubeconfig: str | None = None
    kube_context: str | None = None
    prometheus_url: str | None = None
    rabbitmq_management_url: str | None = None
    rabbitmq_user: str = "guest"
    rabbitmq_password: SecretStr = SecretStr("guest")
    rabbitmq_vhost: str = "ecoeco"
    broker_url: SecretStr | None = None
    queues: list[str] = Field(default_factory=lambda: list(DEFAULT_QUEUES))
    services: dict[str, str] = Field(default_factory=dict)
    workers: dict[str, str] = Field(default_factory=dict)
    aws_endpoint_url: str | None = None
    aws_region: str = "ap-northeast-2"
    cloudfront_distribution_id: str | None = None
    s3_bucket: str | None = None
    terraform_dir: str | None = None
    # Issue 9 (write side): how the console drives terraform and ansible for this environment.
    terraform_bin: str | None = None  # else terraform beside the interpreter or on PATH
    terraform_workspace: str | None = None  # passed as TF_WORKSPACE (selecting one writes nothing)
    terraform_var_files: list[str] = Field(default_factory=list)  # relative to terraform_dir
    terraform_backend_config: list[str] = Field(default_factory=list)  # files or KEY=VALUE, for init
    ansible_dir: str | None = None
    ansible_inventory: str | None = None  # relative to ansible_dir; else its ansible.cfg's
    poll_interval_s: float = Field(MIN_POLL_INTERVAL_S, ge=MIN_POLL_INTERVAL_S)

    @field_validator("prometheus_url", "rabbitmq_management_url", "aws_endpoint_url")
    @classmethod
    def _http_url(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return v.rstrip("/") if v else v

    @field_validator("services", "workers")
    @classmethod
    def _http_urls(cls, v: dict[str, str]) -> dict[str, str]:
        for key, url in v.items():
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"{key}: must start with http:// or https://")
        return {k: u.rstrip("/") for k, u in v.items()}

    @field_validator("queues")
    @classmethod
    def _queue_names(cls, v: list[str]) -> list[str]:
        if any(not q.strip() for q in v):
            raise ValueError("queue names must not be empty")
        return v

    def effective_broker_url(self) -> str | None:
        """The AMQP URL: ``broker_url`` when set, else built from the management host and credentials."""
        if self.broker_url is not None:
            return self.broker_url.get_secret_value()
        if not self.rabbitmq_management_url:
            return None
        host = urlsplit(self.rabbitmq_management_url).hostname or "127.0.0.1"
        user = quote(self.rabbitmq_user, safe="")
        password = quote(self.rabbitmq_password.get_secret_value(), safe="")
        return f"amqp://{user}:{password}@{host}:5672/{quote(self.rabbitmq_vhost, safe='')}"


SECRET_FIELDS = frozenset(
    name for name, f in Profile.model_fields.items() if "SecretStr" in str(f.annotation)
)


class ConsoleConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default_profile: str = "sandbox"
    profiles: dict[str, Profile] = Field(default_factory=dict)


def builtin_sandbox_profile() -> Profile:
    """What ``ecoeco-console`` uses on a fresh machine: the loopback sandbox, started on demand."""
    return Profile(
        name="sandbox",
        environment="sandbox",
        sandbox=True,
        cluster="local",
        rabbitmq_management_url="http://127.0.0.1:15672",
        # Terraform and Ansible without an AWS account: the sandbox module (built-in providers only,
        # the topology's 13 nodes simulated) and the stages simulated against its inventory. Its
        # state lives in the sandbox's own state dir, never beside the module.
        terraform_dir=str(sandbox_infra.TERRAFORM_DIR),
        terraform_backend_config=[f"path={sandbox_state.state_dir() / 'terraform' / 'terraform.tfstate'}"],
        ansible_dir=str(sandbox_infra.ANSIBLE_DIR),
    )


def sandbox_values(directory: Path | None = None) -> dict[str, Any]:
    """The endpoints of the running sandbox, from its state file (empty when it has never run)."""
    try:
        state = sandbox_state.load_state(sandbox_state.state_dir(directory))
    except sandbox_state.StateError:
        return {}  # the cluster source reports the unreadable file where the operator sees it
    if not state:
        return {}
    comps: dict[str, dict[str, Any]] = state.get("components") or {}
    broker = (state.get("external_urls") or {}).get("rabbitmq")
    values: dict[str, Any] = {
        "services": {n: comps[n]["url"] for n in API_SERVICES if (comps.get(n) or {}).get("url")},
        "workers": {n: comps[n]["url"] for n in WORKERS if (comps.get(n) or {}).get("url")},
    }
    if state.get("rabbitmq_management_url"):
        values["rabbitmq_management_url"] = state["rabbitmq_management_url"]
    if state.get("vhost"):
        values["rabbitmq_vhost"] = state["vhost"]
    if broker:
        parts = urlsplit(broker)
        values |= {
            "broker_url": broker,
            "rabbitmq_user": unquote(parts.username or "guest"),
            "rabbitmq_password": unquote(parts.password or "guest"),
        }
    prom = comps.get("prometheus") or {}
    if prom.get("url") and not prom.get("skipped"):
        values["prometheus_url"] = prom["url"]
    aws = state.get("aws") or {}
    if aws:
        values |= {
            "aws_endpoint_url": aws.get("endpoint_url"),
            "aws_region": aws.get("region"),
            "s3_bucket": aws.get("bucket"),
            "cloudfront_distribution_id": aws.get("cloudfront_distribution_id"),
        }
    return {k: v for k, v in values.items() if v is not None}


STATE_DIR_ENV = "ECOECO_CONSOLE_STATE_DIR"


def state_dir(override: Path | None = None) -> Path:
    """The console's state dir (audit log, locks, operations' work dirs; not created here)."""
    if override is not None:
        return Path(override)
    env = os.environ.get(STATE_DIR_ENV)
    if env:
        return Path(env).expanduser()
    return platformdirs.user_state_path("ecoeco") / "console"


def config_path() -> Path:
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    return platformdirs.user_config_path("ecoeco") / "console.toml"


def _format_validation_error(prefix: str, err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"])
        where = f"{prefix}.{loc}" if prefix and loc else (prefix or loc)
        if e["type"] == "extra_forbidden":
            msg = "unknown setting"
        elif e["type"] == "greater_than_equal":
            msg = f"must be >= {e['ctx']['ge']:g}"
        elif e["type"] == "literal_error":
            msg = f"must be one of {e['ctx']['expected']}"
        else:
            msg = str(e["msg"]).removeprefix("Value error, ")
        lines.append(f"{where}: {msg}")
    return "; ".join(lines)


def _read_raw(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path.name}: invalid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:  # TOML is UTF-8; tomllib raises this before parsing
        raise ConfigError(f"{path.name}: not UTF-8 text (byte {exc.start}); is it the right file?") from exc
    except RecursionError as exc:  # tomllib recurses per nesting level
        raise ConfigError(f"{path.name}: nested too deeply to be a console config") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc


def _validate(raw: dict[str, Any], fname: str) -> ConsoleConfig:
    unknown = sorted(set(raw) - {"default_profile", "profiles"})
    if unknown:
        raise ConfigError(f"{fname}: {unknown[0]}: unknown setting")
    profiles_raw = raw.get("profiles", {})
    if not isinstance(profiles_raw, dict):
        raise ConfigError(f"{fname}: profiles: must be a table of [profiles.NAME] tables")
    profiles: dict[str, Profile] = {}
    for name, values in profiles_raw.items():
        if not isinstance(values, dict):
            raise ConfigError(f"{fname}: profiles.{name}: must be a table")
        try:
            profiles[name] = Profile.model_validate({**values, "name": name})
        except ValidationError as exc:
            raise ConfigError(f"{fname}: " + _format_validation_error(f"profiles.{name}", exc)) from exc
    default = raw.get("default_profile", "sandbox")
    if not isinstance(default, str):
        raise ConfigError(f"{fname}: default_profile: must be a string")
    return ConsoleConfig(default_profile=default, profiles=profiles)


def load_config(path: Path | None = None) -> ConsoleConfig:
    """The config file, validated; an empty config when the file does not exist."""
    path = Path(path) if path else config_path()
    if not path.exists():
        return ConsoleConfig()
    return _validate(_read_raw(path), path.name)


def _env_overrides() -> dict[str, str]:
    out: dict[str, str] = {}
    for field in Profile.model_fields:
        if field == "name":
            continue
        value = os.environ.get(SETTING_ENV_PREFIX + field.upper())
        if value is not None:
            out[field] = value
    return out


def _coerce_env(field: str, value: str) -> Any:
    annotation = str(Profile.model_fields[field].annotation)
    if annotation.startswith(("list", "dict")):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{SETTING_ENV_PREFIX}{field.upper()}: must be JSON ({exc.msg})") from exc
    return value


def resolve_profile(
    name: str | None, *, cli_overrides: dict[str, Any] | None = None, path: Path | None = None
) -> tuple[Profile, dict[str, str]]:
    """The active profile and, per setting, where its value came from (default|file|env|cli)."""
    cfg_path = Path(path) if path else config_path()
    config = load_config(cfg_path)
    origins: dict[str, str] = {}

    if name:
        chosen, origins["profile"] = name, "cli"
    elif os.environ.get(PROFILE_ENV):
        chosen, origins["profile"] = os.environ[PROFILE_ENV], "env"
    elif cfg_path.exists():
        chosen, origins["profile"] = config.default_profile, "file"
    else:
        chosen, origins["profile"] = "sandbox", "default"

    if chosen in config.profiles:
        base = config.profiles[chosen]
        from_file = set(base.model_fields_set) - {"name"}
    elif chosen == "sandbox":
        base, from_file = builtin_sandbox_profile(), set()
    else:
        known = ", ".join(sorted(config.profiles)) or "none"
        raise ConfigError(f"{cfg_path.name}: profile {chosen!r} not found (known profiles: {known})")

    values = base.model_dump()
    for field in Profile.model_fields:
        if field != "name":
            origins[field] = "file" if field in from_file else "default"
    if base.sandbox:
        # The sandbox's endpoints change with every `up`; its state file is where they are true.
        for field, value in sandbox_values().items():
            values[field] = value
            origins[field] = "sandbox"
    for field, raw in _env_overrides().items():
        values[field] = _coerce_env(field, raw)
        origins[field] = "env"
    for field, value in (cli_overrides or {}).items():
        values[field] = value
        origins[field] = "cli"
    # SecretStr dumps as a masked str via model_dump(); keep the real secret.
    for field in SECRET_FIELDS:
        if isinstance(values.get(field), SecretStr):
            values[field] = values[field].get_secret_value()
    try:
        profile = Profile.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(f"profile {chosen}", exc)) from exc
    return profile, origins


def masked_settings(profile: Profile) -> dict[str, Any]:
    """The profile as plain data with secrets (and passwords inside URLs) masked, for printing."""
    data = profile.model_dump(mode="json")
    for field in SECRET_FIELDS:
        if data.get(field) is not None:
            data[field] = "***"
    for key in ("services", "workers"):
        data[key] = {k: mask_url(v) for k, v in data[key].items()}
    for key in ("prometheus_url", "rabbitmq_management_url", "aws_endpoint_url"):
        if data.get(key):
            data[key] = mask_url(data[key])
    return data
