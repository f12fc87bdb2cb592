"""``ecoeco-sandbox`` end to end on the real PostgreSQL, RabbitMQ, Redis and Prometheus:
up -> status -> health -> Prometheus scrapes -> idempotent up -> restart of a dead part (by up, and by
the watchdog) -> load -> down."""

from __future__ import annotations

import json
import os
import signal
import stat
import time
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sandbox_support import HAND_EDITED_CONFIG, Sandbox, eventually
from wheel_support import PLATFORM_MODULES, build_console_venv, package_data, wheel_files

from ecoeco.services.sandbox.processes import group_members
from ecoeco.shared.names import API_SERVICES, WORKERS
from ecoeco.shared.procs import pid_alive, port_open
from ecoeco.shared.sandbox_state import MANAGED

pytestmark = pytest.mark.integration

RABBIT_MGMT = "http://127.0.0.1:15672"


def test_up_reports_every_component_alive_in_the_contract_shape(sandbox: Sandbox) -> None:
    code, status = sandbox.status()
    assert code == 0
    assert status["running"] is True
    assert status["state_dir"] == str(sandbox.state_dir)
    by_name = {c["name"]: c for c in status["components"]}
    assert set(by_name) == {*MANAGED, "postgresql", "rabbitmq", "redis"}
    for comp in by_name.values():
        assert comp["alive"], comp
        assert set(comp) >= {"name", "kind", "url", "pid", "alive", "node"}
    assert by_name["auth"]["node"] == "k8s-api-auth"
    assert by_name["storage"]["kind"] == "worker" and by_name["storage"]["url"].endswith("/metrics")
    assert by_name["prometheus"]["node"] == "k8s-monitoring"
    assert by_name["postgresql"]["url"].endswith(f"/{sandbox.database}")
    # The broker password never appears, masked or not.
    assert by_name["rabbitmq"]["url"] == f"amqp://guest:***@127.0.0.1:5672/{sandbox.vhost}"
    aws = status["aws"]
    assert aws["bucket"] == "ecoeco-images" and aws["cloudfront_distribution_id"]


def test_every_api_answers_health_and_is_ready(sandbox: Sandbox) -> None:
    _, status = sandbox.status()
    for comp in status["components"]:
        if comp["kind"] == "api":
            r = httpx.get(f"{comp['url']}/health", timeout=5)
            assert r.status_code == 200, comp["name"]
            # Ready too: the sandbox wired each one to its database, Redis, broker and S3.
            ready = httpx.get(f"{comp['url']}/ready", timeout=10)
            assert ready.status_code == 200, (comp["name"], ready.text)


def test_up_leaves_the_console_config_alone_and_the_console_derives_the_sandbox_profile(
    sandbox: Sandbox,
) -> None:
    assert sandbox.console_config.read_text(encoding="utf-8") == HAND_EDITED_CONFIG
    info = sandbox.console("info", "--json")
    assert info.returncode == 0, info.stderr
    data = json.loads(info.stdout)
    profile, origins = data["settings"], data["origins"]
    _, status = sandbox.status()
    urls = {c["name"]: c["url"] for c in status["components"]}
    assert (
        profile["environment"] == "sandbox" and profile["sandbox"] is True and profile["cluster"] == "local"
    )
    # The endpoints are the running sandbox's (the stale one in the file is not used) ...
    assert profile["services"] == {n: urls[n] for n in API_SERVICES}
    assert profile["workers"] == {n: urls[n] for n in WORKERS}
    assert profile["prometheus_url"] == urls["prometheus"]
    assert profile["rabbitmq_vhost"] == sandbox.vhost
    assert profile["cloudfront_distribution_id"] == status["aws"]["cloudfront_distribution_id"]
    assert origins["services"] == "sandbox" and origins["prometheus_url"] == "sandbox"
    # ... and the operator's own choices are kept; the broker password is masked in the output.
    assert profile["theme"] == "nord" and origins["theme"] == "file"
    assert profile["poll_interval_s"] == 3.0
    assert profile["broker_url"] == "***" and "guest:guest" not in info.stdout

    secret_file = sandbox.state_dir / "jwt_secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    secret = secret_file.read_text().strip()
    assert len(secret) >= 32
    first_up = sandbox.first_up
    assert first_up is not None
    assert secret not in first_up.stdout + first_up.stderr
    assert secret not in sandbox.run("status", "--json").stdout


def test_the_aws_endpoint_has_the_bucket_with_cors_and_the_distribution(sandbox: Sandbox) -> None:
    import boto3

    _, status = sandbox.status()
    aws = status["aws"]
    kwargs = {
        "endpoint_url": aws["endpoint_url"],
        "region_name": aws["region"],
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    s3 = boto3.client("s3", **kwargs)
    rules = s3.get_bucket_cors(Bucket=aws["bucket"])["CORSRules"]
    assert "PUT" in rules[0]["AllowedMethods"]
    dist = boto3.client("cloudfront", **kwargs).get_distribution(Id=aws["cloudfront_distribution_id"])
    origins = dist["Distribution"]["DistributionConfig"]["Origins"]["Items"]
    assert origins[0]["DomainName"].startswith(aws["bucket"] + ".s3.")


def _prom_up(prom_url: str, job: str) -> dict[str, str]:
    r = httpx.get(f"{prom_url}/api/v1/query", params={"query": f'up{{job="{job}"}}'}, timeout=5)
    label = "service" if job == "ecoeco-api" else "worker"
    return {s["metric"].get(label, ""): s["value"][1] for s in r.json()["data"]["result"]}


def test_prometheus_scrapes_every_api_and_worker(sandbox: Sandbox) -> None:
    prom = sandbox.component("prometheus")["url"]
    want_apis, want_workers = dict.fromkeys(API_SERVICES, "1"), dict.fromkeys(WORKERS, "1")
    eventually(lambda: _prom_up(prom, "ecoeco-api") == want_apis)
    assert _prom_up(prom, "ecoeco-api") == want_apis
    eventually(lambda: _prom_up(prom, "ecoeco-worker") == want_workers)
    assert _prom_up(prom, "ecoeco-worker") == want_workers
    rules = httpx.get(f"{prom}/api/v1/rules", timeout=5).json()["data"]["groups"]
    names = {rule["name"] for group in rules for rule in group["rules"]}
    assert {"EcoecoApiDown", "EcoecoWorkerDown", "EcoecoWalUnsyncedStale", "RabbitMQDown"} <= names


def test_the_console_wheel_without_the_platform_reads_this_sandbox(
    sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """In this module to share its sandbox: a wheel of the tree, in a fresh venv without the `platform`
    extra, runs `ecoeco-console status --json` against the sandbox that the project's venv started."""
    console = build_console_venv(tmp_path_factory.mktemp("wheel"))
    assert package_data() <= wheel_files(console.wheel)  # topology.yaml, styles, migrations, data
    env = sandbox.env
    # the installed copy runs, not the tree; no platform dependency is there (Celery is the console's
    # own: the WAL source sends the `wal_stats` remote-control command)
    assert console.python("import ecoeco; print(ecoeco.__file__)", env).startswith(str(console.venv))
    assert console.importable([*PLATFORM_MODULES, "celery"], env) == ["celery"]
    refused = console.run("ecoeco-sandbox", "status", env=env)
    assert refused.returncode == 2 and "pip install 'ecoeco[platform]'" in refused.stderr, refused.stderr

    deadline = time.monotonic() + 30  # a worker may miss one broadcast's reply window
    while True:
        proc = console.run("ecoeco-console", "status", "--json", env=env)
        snap = json.loads(proc.stdout or "{}")
        controlled = {w["worker"] for w in snap.get("wal", []) if "control" in w["via"]}
        if (proc.returncode == 0 and controlled == set(WORKERS)) or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert proc.returncode == 0, (proc.stderr[-2000:], {n: s["error"] for n, s in snap["sources"].items()})
    assert snap["profile"] == "sandbox" and snap["environment"] == "sandbox"
    # the sandbox's own services, at the URLs its state file gives (not the stale one in console.toml)
    _, status = sandbox.status()
    apis = {c["name"]: c["url"] for c in status["components"] if c["kind"] == "api"}
    assert {s["name"]: s["url"] for s in snap["services"]} == apis
    assert {s["name"] for s in snap["services"] if s["live"] and s["ready"]} == set(API_SERVICES)
    nodes = {n["name"]: n["status"] for n in snap["cluster"]["nodes"]}
    assert len(nodes) == 13 and nodes["k8s-api-auth"] == nodes["k8s-worker-ai"] == "Ready"
    assert {q["name"] for q in snap["queues"]} >= {"q.storage", "q.ai", "q.dlq"}
    assert controlled == set(WORKERS)


def test_second_up_changes_nothing(sandbox: Sandbox) -> None:
    before = sandbox.state()
    again = sandbox.run("up")
    assert again.returncode == 0, again.stderr
    assert "nothing changed" in again.stdout
    after = sandbox.state()
    assert {n: (e["pid"], e["port"]) for n, e in after["components"].items()} == {
        n: (e["pid"], e["port"]) for n, e in before["components"].items()
    }
    assert after["watchdog"]["pid"] == before["watchdog"]["pid"]  # still the one watchdog


def test_up_restarts_only_the_dead_component_on_its_port(sandbox: Sandbox) -> None:
    before = sandbox.state()
    # Without the watchdog (it would restart the victim first), `up` is what brings it back.
    watchdog = before["watchdog"]
    os.kill(watchdog["pid"], signal.SIGKILL)
    assert eventually(lambda: not pid_alive(watchdog["pid"], watchdog["start_time"]), timeout=10)
    victim = before["components"]["location"]
    os.killpg(victim["pid"], signal.SIGKILL)
    assert eventually(lambda: not pid_alive(victim["pid"], victim["start_time"]), timeout=10)
    code, status = sandbox.status()
    assert code == 1 and status["running"] is False
    assert [c["name"] for c in status["components"] if not c["alive"]] == ["location"]
    assert status["watchdog"] == {"pid": None, "alive": False}

    again = sandbox.run("up")
    assert again.returncode == 0, again.stderr
    assert "started: location, watchdog" in again.stdout
    after = sandbox.state()
    comps = after["components"]
    assert comps["location"]["pid"] != victim["pid"] and comps["location"]["port"] == victim["port"]
    # A process that died and was started again is a restart, as the kubelet counts it.
    assert comps["location"]["restarts"] == 1 and comps["location"]["last_exit"] == "found dead by up"
    unchanged = {n for n in before["components"] if n != "location"}
    assert {n: comps[n]["pid"] for n in unchanged} == {n: before["components"][n]["pid"] for n in unchanged}
    assert httpx.get(f"{comps['location']['url']}/health", timeout=5).status_code == 200
    assert sandbox.status()[1]["watchdog"]["alive"]


def test_the_watchdog_restarts_moto_and_recreates_bucket_and_distribution(sandbox: Sandbox) -> None:
    before = sandbox.state()["components"]
    moto = before["aws"]
    os.killpg(moto["pid"], signal.SIGKILL)

    def back() -> dict[str, Any] | None:
        code, status = sandbox.status()
        aws = next(c for c in status["components"] if c["name"] == "aws")
        return status if code == 0 and aws["pid"] != moto["pid"] and status["aws"] else None

    assert eventually(back, timeout=90), sandbox.status()
    after = sandbox.state()["components"]
    # Same port, so the services keep their S3 endpoint and are left alone.
    assert after["aws"]["port"] == moto["port"] and after["aws"]["restarts"] == 1
    assert {n: after[n]["pid"] for n in API_SERVICES} == {n: before[n]["pid"] for n in API_SERVICES}
    test_the_aws_endpoint_has_the_bucket_with_cors_and_the_distribution(sandbox)


def _storage_publishes(vhost: str) -> int:
    r = httpx.get(
        f"{RABBIT_MGMT}/api/queues/{quote(vhost, safe='')}/q.storage", auth=("guest", "guest"), timeout=5
    )
    r.raise_for_status()
    return int(r.json().get("message_stats", {}).get("publish", 0))


def _journal_rows(metrics_url: str) -> float:
    text = httpx.get(metrics_url, timeout=5).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "ecoeco_wal_rows"
        for sample in family.samples
    )


def test_load_moves_the_storage_queue_and_the_journal(sandbox: Sandbox) -> None:
    storage_metrics = sandbox.component("storage")["url"]
    published_before = _storage_publishes(sandbox.vhost)
    rows_before = _journal_rows(storage_metrics)

    result = sandbox.run("load", "--rate", "4", "--duration", "5", "--kind", "upload,read", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "upload" in result.stdout and "POST /api/v1/waste/analyses" in result.stdout

    assert eventually(lambda: _storage_publishes(sandbox.vhost) > published_before, timeout=60)
    assert eventually(lambda: _journal_rows(storage_metrics) > rows_before, timeout=60)


def test_down_leaves_no_process_and_keeps_data(sandbox: Sandbox) -> None:
    entries = sandbox.state()["components"]
    pids = {n: e["pid"] for n, e in entries.items() if e.get("pid")}
    ports = {n: e["port"] for n, e in entries.items() if e.get("port")}
    assert set(pids) == set(MANAGED)

    watchdog = sandbox.state()["watchdog"]
    assert pid_alive(watchdog["pid"], watchdog["start_time"])

    result = sandbox.run("down")
    assert result.returncode == 0, result.stderr
    assert "watchdog: stopped" in result.stdout
    assert not pid_alive(watchdog["pid"]) and group_members(watchdog["pid"]) == []
    for name, pid in pids.items():
        assert not pid_alive(pid), name
        assert group_members(pid) == [], name
    for name, port in ports.items():
        assert not port_open("127.0.0.1", port), name
    code, status = sandbox.status()
    assert code == 1 and status["running"] is False
    # Data stays: the database still exists and the journals are still on disk.
    assert (sandbox.state_dir / "wal" / "storage").is_dir()
    assert any((sandbox.state_dir / "wal" / "storage").iterdir())
