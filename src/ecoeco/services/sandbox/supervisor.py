"""``up`` and ``down``: start what is not running (and only that), stop everything that was started."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

from ecoeco.services.sandbox import aws, prereqs
from ecoeco.services.sandbox.components import command, component, entry_point
from ecoeco.services.sandbox.processes import free_port as pick_free_port
from ecoeco.services.sandbox.processes import port_free, reap, start_detached, stop_group
from ecoeco.services.sandbox.prometheus_config import alert_rules, scrape_config, write_config
from ecoeco.services.sandbox.secrets_file import ensure_jwt_secret
from ecoeco.services.sandbox.settings import SandboxSettings
from ecoeco.services.sandbox.state import external_urls, save_state, state_dir
from ecoeco.shared.names import API_SERVICES, WORKERS
from ecoeco.shared.procs import pid_alive, process_start_time
from ecoeco.shared.sandbox_state import MANAGED, load_state, managed_alive

Say = Callable[[str], None]


class StartError(RuntimeError):
    """A component did not become healthy; the message names it and quotes its log."""

    def __init__(self, component: str, message: str) -> None:
        super().__init__(message)
        self.component = component


@dataclass
class UpReport:
    started: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    reloaded: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.started or self.created or self.reloaded)


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One ``up``/``down``/``restart`` at a time per state dir (the console may start the sandbox too)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with (directory / ".lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def try_locked(directory: Path) -> Iterator[bool]:
    """The same lock without waiting: the watchdog leaves the sandbox alone while ``up``, ``down`` or
    ``restart`` run."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with (directory / ".lock").open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def log_path(directory: Path, name: str) -> Path:
    return directory / "logs" / f"{name}.log"


def log_tail(directory: Path, name: str, lines: int = 20) -> str:
    try:
        text = log_path(directory, name).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(text.rstrip().splitlines()[-lines:])


def child_env(
    settings: SandboxSettings, directory: Path, state: dict[str, Any], jwt_secret: str, name: str
) -> dict[str, str]:
    env = dict(os.environ)
    # boto3 inside moto or a service must never pick up real credentials.
    env |= {
        "PYTHONUNBUFFERED": "1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": settings.aws_region,
    }
    if name not in API_SERVICES and name not in WORKERS:
        return env  # moto and Prometheus need none of the platform's settings (nor its JWT secret)
    aws_info = state.get("aws") or {}
    env |= {
        "ECOECO_ENVIRONMENT": "sandbox",
        "ECOECO_DATABASE_URL": state["external_urls"]["postgresql"],
        "ECOECO_REDIS_URL": state["external_urls"]["redis"],
        "ECOECO_BROKER_URL": state["external_urls"]["rabbitmq"],
        "ECOECO_RABBITMQ_MANAGEMENT_URL": settings.rabbitmq_management_url,
        "ECOECO_JWT_SECRET": jwt_secret,
        "ECOECO_S3_BUCKET": settings.s3_bucket,
        "ECOECO_AWS_REGION": settings.aws_region,
        "ECOECO_AWS_ACCESS_KEY_ID": "testing",
        "ECOECO_AWS_SECRET_ACCESS_KEY": "testing",
        "ECOECO_WAL_SYNC_INTERVAL_S": str(settings.wal_sync_interval_s),
    }
    if aws_info.get("endpoint_url"):
        env["ECOECO_S3_ENDPOINT_URL"] = aws_info["endpoint_url"]
    if name in WORKERS:
        wal_dir = directory / "wal" / name
        wal_dir.mkdir(parents=True, exist_ok=True)
        env["ECOECO_WAL_DIR"] = str(wal_dir)
    return env


def _choose_port(previous: int | None, wait_s: float = 0.0) -> int:
    """Keep a component's port across restarts when it is free, so URLs the console holds stay valid.
    ``wait_s``: how long to wait for it (ports come from the ephemeral range, so another process's
    outgoing connection can hold a dead server's port for a moment)."""
    deadline = time.monotonic() + wait_s
    while previous:
        if port_free(previous):
            return previous
        if time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    return pick_free_port()


def spawn(
    name: str,
    settings: SandboxSettings,
    directory: Path,
    state: dict[str, Any],
    jwt_secret: str,
    *,
    restarted: str | None = None,
    leftover_grace_s: float | None = None,
    port_wait_s: float = 0.0,
) -> dict[str, Any]:
    """Start ``name`` on its previous port when free. ``restarted`` (how the previous run ended) counts
    a restart of a dead process, as the kubelet would; without it the process is new (a first start,
    or a rolling restart: a new pod in Kubernetes), and its restart count starts again at 0."""
    comps = state["components"]
    previous = comps.get(name) or {}
    if previous.get("pid"):
        # Leftovers of a half-dead component (e.g. a pool child whose parent died) would hold its port.
        grace = settings.stop_grace_s if leftover_grace_s is None else leftover_grace_s
        stop_group(previous["pid"], previous.get("start_time"), grace)
    port = _choose_port(previous.get("port"), port_wait_s)
    comp = component(name)
    cmd = command(name, port, state_dir=directory, prometheus_bin=settings.prometheus_bin)
    env = child_env(settings, directory, state, jwt_secret, name)
    pid = start_detached(cmd, log_path=log_path(directory, name), env=env, cwd=directory)
    entry = {
        "name": name,
        "kind": comp.kind,
        "port": port,
        "pid": pid,
        "start_time": process_start_time(pid),
        "url": comp.url(port),
        "health_url": comp.health_url(port),
        "log": str(log_path(directory, name)),
        "started_at": time.time(),
        "restarts": 0,
    }
    if restarted is not None:
        entry |= {
            "restarts": int(previous.get("restarts") or 0) + 1,
            "last_restart_at": entry["started_at"],
            "last_exit": restarted,
        }
    comps[name] = entry
    save_state(directory, state)
    return entry


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def _write_prometheus_config(
    settings: SandboxSettings, directory: Path, comps: dict[str, Any], prom_port: int
) -> bool:
    config = scrape_config(
        api_ports={n: comps[n]["port"] for n in API_SERVICES},
        worker_ports={n: comps[n]["port"] for n in WORKERS},
        prometheus_port=prom_port,
        rabbitmq_prometheus=settings.rabbitmq_prometheus_url,
        vhost=settings.vhost,
        rules_file=directory / "alerts.yml",
    )
    return write_config(directory, config, alert_rules(settings.wal_sync_interval_s))


def follow_ports(settings: SandboxSettings, directory: Path, state: dict[str, Any]) -> bool:
    """After a restart on another port: point the running Prometheus at the ports as they now are
    (it reloads on SIGHUP). True when it was told."""
    prom = state["components"].get("prometheus") or {}
    if prom.get("skipped") or not managed_alive(prom):
        return False  # its own (re)start writes the config
    if not _write_prometheus_config(settings, directory, state["components"], prom["port"]):
        return False
    os.kill(prom["pid"], signal.SIGHUP)
    return True


PORT_RACE_RETRIES = 3


def lost_port_race(directory: Path, name: str) -> bool:
    """Did the latest start of ``name`` die because its port was taken? A port is chosen free, but a
    process binds it seconds later (imports first): anything started meanwhile can take it."""
    try:
        text = log_path(directory, name).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return False
    latest = text.rsplit("\n--- ", 1)[-1]  # start_detached marks each start with a "--- … starting" line
    return "address already in use" in latest.lower()


def _respawn_on_new_port(
    name: str, settings: SandboxSettings, directory: Path, state: dict[str, Any]
) -> dict[str, Any]:
    """Start ``name`` again on another free port, keeping its restart history."""
    old = state["components"][name]
    kept = {k: old[k] for k in ("restarts", "last_restart_at", "last_exit") if k in old}
    old["port"] = None  # not the lost one
    new = spawn(name, settings, directory, state, ensure_jwt_secret(directory))
    new |= kept
    save_state(directory, state)
    return new


def wait_healthy(names: list[str], settings: SandboxSettings, directory: Path, state: dict[str, Any]) -> None:
    """Until each of ``names`` answers its health check; fail fast when one exits, bounded overall.
    One that lost its port to another process is started again on another (and Prometheus told)."""
    pending = list(names)
    deadline = time.monotonic() + settings.start_timeout_s
    retries = dict.fromkeys(names, 0)
    moved = False
    while pending:
        for name in list(pending):
            entry = state["components"][name]
            if not pid_alive(entry["pid"], entry.get("start_time")):
                reap(entry["pid"])
                if retries[name] < PORT_RACE_RETRIES and lost_port_race(directory, name):
                    retries[name] += 1
                    _respawn_on_new_port(name, settings, directory, state)
                    moved = True
                    deadline = max(deadline, time.monotonic() + settings.start_timeout_s / 2)
                    continue
                raise StartError(
                    name,
                    f"{name} exited during start-up. Last lines of {entry['log']}:\n{log_tail(directory, name)}",
                )
            if _healthy(entry["health_url"]):
                pending.remove(name)
        if not pending:
            if moved:  # everything named is up (Prometheus too, if it was one): safe to SIGHUP it
                follow_ports(settings, directory, state)
            return
        if time.monotonic() > deadline:
            name = pending[0]
            entry = state["components"][name]
            raise StartError(
                name,
                f"{', '.join(pending)} not healthy after {settings.start_timeout_s:.0f} s "
                f"({entry['health_url']} does not answer 200). Last lines of {entry['log']}:\n"
                f"{log_tail(directory, name)}",
            )
        time.sleep(0.5)


def _not_ready(base_url: str) -> str | None:
    """None when ``/ready`` answers 200, else what it says is missing (liveness was enough to go on)."""
    try:
        r = httpx.get(f"{base_url}/ready", timeout=5.0)
    except httpx.HTTPError as exc:
        return type(exc).__name__
    if r.status_code == 200:
        return None
    try:
        deps = r.json().get("dependencies", {})
        return ", ".join(
            f"{k}: {v.get('detail') or 'down'}" for k, v in deps.items() if not v.get("ok")
        ) or str(r.status_code)
    except (ValueError, AttributeError):
        return f"HTTP {r.status_code}"


def _new_state(settings: SandboxSettings) -> dict[str, Any]:
    return {"version": 1, "components": {}, "aws": None}


def up(settings: SandboxSettings | None = None, say: Say = print) -> UpReport:
    settings = settings or SandboxSettings()
    directory = state_dir(settings)
    report = UpReport()
    with _locked(directory):
        report.warnings = prereqs.check_all(settings)
        for warning in report.warnings:
            say(f"warning: {warning}")
        state = load_state(directory) or _new_state(settings)
        state["database"], state["vhost"] = settings.database, settings.vhost
        state["external_urls"] = external_urls(settings, settings.database, settings.vhost)
        # What the console needs beyond the URLs above to derive its `sandbox` profile.
        state["rabbitmq_management_url"] = settings.rabbitmq_management_url
        if prereqs.ensure_database(settings, settings.database):
            report.created.append(f"database {settings.database}")
        prereqs.ensure_vhost(settings, settings.vhost)
        prereqs.check_rabbitmq_amqp(settings, settings.vhost)
        jwt_secret = ensure_jwt_secret(directory)
        comps: dict[str, Any] = state["components"]

        if not os.access(settings.prometheus_bin, os.X_OK):
            message = f"Prometheus is not installed ({settings.prometheus_bin}): apt-get install prometheus"
            comps["prometheus"] = {"name": "prometheus", "kind": "infra", "skipped": message}
            report.skipped["prometheus"] = message
            say(f"warning: {message}; continuing without it")
        else:
            comps.get("prometheus", {}).pop("skipped", None)

        dead = [n for n in MANAGED if n not in report.skipped and not managed_alive(comps.get(n))]
        report.kept = [n for n in MANAGED if n not in dead and n not in report.skipped]
        # A pid that `down` did not clear: the process died on its own, and this start is its restart.
        found_dead = {n: "found dead by up" for n in dead if (comps.get(n) or {}).get("pid")}

        if "aws" in dead:
            old_port = (comps.get("aws") or {}).get("port")
            spawn("aws", settings, directory, state, jwt_secret, restarted=found_dead.get("aws"))
            report.started.append("aws")
            wait_healthy(["aws"], settings, directory, state)
            if comps["aws"]["port"] != old_port:
                # Services hold the old S3 endpoint in their settings: restart them with the new one.
                for name in (*API_SERVICES, *WORKERS):
                    if name not in dead:
                        dead.append(name)
                        report.kept.remove(name)
        if "aws" in dead or not state.get("aws"):
            try:
                state["aws"] = aws.ensure_resources(
                    comps["aws"]["url"], settings.aws_region, settings.s3_bucket
                )
            except Exception as exc:  # botocore has many error types; all mean the same here
                raise StartError(
                    "aws",
                    f"could not create the S3 bucket / CloudFront distribution on {comps['aws']['url']}: "
                    f"{exc}. Last lines of {comps['aws']['log']}:\n{log_tail(directory, 'aws')}",
                ) from exc
            save_state(directory, state)

        to_start = [n for n in (*API_SERVICES, *WORKERS) if n in dead]
        for name in to_start:
            spawn(name, settings, directory, state, jwt_secret, restarted=found_dead.get(name))
            report.started.append(name)

        if "prometheus" not in report.skipped:
            prom_port = (
                _choose_port((comps.get("prometheus") or {}).get("port"))
                if "prometheus" in dead
                else comps["prometheus"]["port"]
            )
            changed = _write_prometheus_config(settings, directory, comps, prom_port)
            if "prometheus" in dead:
                comps.setdefault("prometheus", {})["port"] = prom_port
                spawn(
                    "prometheus",
                    settings,
                    directory,
                    state,
                    jwt_secret,
                    restarted=found_dead.get("prometheus"),
                )
                to_start.append("prometheus")
                report.started.append("prometheus")
            elif changed:
                os.kill(comps["prometheus"]["pid"], signal.SIGHUP)  # Prometheus reloads its config on HUP
                report.reloaded.append("prometheus")

        save_state(directory, state)
        wait_healthy(to_start, settings, directory, state)
        for name in to_start:
            if name in API_SERVICES and (problem := _not_ready(comps[name]["url"])):
                report.warnings.append(f"{name} is up but not ready: {problem}")
                say(f"warning: {name} is up but not ready: {problem}")

        if start_watchdog(directory, state):
            report.started.append("watchdog")
        save_state(directory, state)
    return report


def watchdog_alive(state: Mapping[str, Any]) -> bool:
    entry = state.get("watchdog") or {}
    return pid_alive(entry.get("pid"), entry.get("start_time"))


def start_watchdog(directory: Path, state: dict[str, Any]) -> bool:
    """Start the watchdog unless one runs for this state dir (the caller holds the lock, so two ``up``s
    cannot both start one). True when it was started."""
    if watchdog_alive(state):
        return False
    cmd = [*entry_point("ecoeco-sandbox", "ecoeco.services.sandbox.cli"), "watch"]
    # Its settings (state dir, back-off) come from the same ECOECO_SANDBOX_* environment as ours.
    env = dict(os.environ) | {"ECOECO_SANDBOX_DIR": str(directory), "PYTHONUNBUFFERED": "1"}
    pid = start_detached(cmd, log_path=log_path(directory, "watchdog"), env=env, cwd=directory)
    state["watchdog"] = {
        "pid": pid,
        "start_time": process_start_time(pid),
        "log": str(log_path(directory, "watchdog")),
        "started_at": time.time(),
    }
    return True


def stop_watchdog(state: dict[str, Any], grace_s: float) -> str | None:
    """Stop the watchdog first, so it does not restart what ``down`` stops. None when there was none."""
    entry = state.get("watchdog")
    if not entry or not entry.get("pid"):
        return None
    outcome = stop_group(entry["pid"], entry.get("start_time"), grace_s)
    state["watchdog"] = {**entry, "pid": None, "start_time": None}
    return outcome


class RestartError(RuntimeError):
    """``restart`` was asked for something it cannot restart; nothing was stopped."""


def restart(names: list[str], settings: SandboxSettings | None = None, say: Say = print) -> list[str]:
    """Rolling restart, as ``kubectl rollout restart`` does it with one replica: each process in turn
    is stopped gracefully, started again on its port, and waited for until healthy before the next.
    Holding the lock keeps the watchdog from restarting what is being stopped on purpose."""
    settings = settings or SandboxSettings()
    directory = state_dir(settings)
    with _locked(directory):
        state = load_state(directory)
        if state is None:
            raise RestartError("the sandbox is not started here (ecoeco-sandbox up starts it)")
        comps = state["components"]
        unknown = [n for n in names if n not in MANAGED]
        if unknown:
            raise RestartError(f"unknown component(s) {', '.join(unknown)}; choose from {', '.join(MANAGED)}")
        stopped = [n for n in names if not managed_alive(comps.get(n))]
        if stopped:
            raise RestartError(f"not running: {', '.join(stopped)} (ecoeco-sandbox up starts it)")
        jwt_secret = ensure_jwt_secret(directory)
        done: list[str] = []
        for name in names:
            old = comps[name]
            say(f"{name}: stopping pid {old['pid']} (SIGTERM, up to {settings.stop_grace_s:.0f} s)")
            outcome = stop_group(old["pid"], old.get("start_time"), settings.stop_grace_s)
            say(f"{name}: {outcome}")
            new = spawn(name, settings, directory, state, jwt_secret, port_wait_s=5.0)
            say(f"{name}: started pid {new['pid']} on port {new['port']}; waiting for {new['health_url']}")
            if new["port"] != old["port"] and follow_ports(settings, directory, state):
                say(f"{name}: port {old['port']} was taken; Prometheus now scrapes {new['port']}")
            wait_healthy([name], settings, directory, state)
            if name == "aws":  # moto's resources lived in its memory
                state["aws"] = aws.ensure_resources(new["url"], settings.aws_region, settings.s3_bucket)
                save_state(directory, state)
            say(f"{name}: healthy")
            done.append(name)
        return done


@dataclass
class DownReport:
    stopped: dict[str, str] = field(default_factory=dict)
    purged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def down(settings: SandboxSettings | None = None, purge: bool = False) -> DownReport:
    settings = settings or SandboxSettings()
    directory = state_dir(settings)
    report = DownReport()
    state = load_state(directory)
    if state is None and not purge:
        return report
    with _locked(directory):
        state = load_state(directory) or _new_state(settings)
        comps = state["components"]
        if (outcome := stop_watchdog(state, settings.stop_grace_s)) is not None:
            report.stopped["watchdog"] = outcome
        running = {n: e for n, e in comps.items() if e.get("pid")}

        def stop(name: str) -> tuple[str, str]:
            entry = running[name]
            return name, stop_group(entry["pid"], entry.get("start_time"), settings.stop_grace_s)

        # Everything at once (the grace period is per process, not summed); moto last, services may flush to it.
        first = [n for n in running if n != "aws"]
        with ThreadPoolExecutor(max_workers=max(1, len(first))) as pool:
            report.stopped.update(pool.map(stop, first))
        if "aws" in running:
            report.stopped.update([stop("aws")])
        for name in running:
            comps[name]["pid"] = None
            comps[name]["start_time"] = None
        # moto's buckets and distribution lived in its memory: they are gone now.
        state["aws"] = None
        if purge:
            database = state.get("database", settings.database)
            vhost = state.get("vhost", settings.vhost)
            try:
                prereqs.drop_database(settings, database)
                report.purged.append(f"database {database}")
            except psycopg.Error as exc:
                report.problems.append(f"could not drop database {database}: {str(exc).strip()}")
            try:
                prereqs.delete_vhost(settings, vhost)
                report.purged.append(f"vhost {vhost}")
            except httpx.HTTPError as exc:
                report.problems.append(f"could not delete vhost {vhost}: {exc}")
            report.purged.append(f"state dir {directory}")
        else:
            save_state(directory, state)
    if purge:
        shutil.rmtree(directory, ignore_errors=True)
    return report
