"""Triage against a live ``ecoeco-sandbox``: stop a worker, flood its queue, poison a message, cut
PostgreSQL; each time the right finding appears within two poll intervals of ``triage --json`` and
clears after recovery.

Everything is local to this test's own sandbox: the worker is stopped with SIGSTOP (the test controls
when it comes back; a supervisor that restarts dead processes leaves a stopped one alone), PostgreSQL is
reached through a TCP proxy this test owns and cuts (the machine's shared PostgreSQL keeps running), the
messages go to the sandbox's own vhost.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from kombu import Connection, Exchange, Producer
from tests.conftest import RABBIT_MGMT, free_port
from tests.integration.sandbox.sandbox_support import Sandbox, make_sandbox

from ecoeco.shared.names import EXCHANGE, Q_AI, Q_DLQ

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# The sandbox profile polls every 2 s; RabbitMQ's management API refreshes its counts every 5 s, so
# one "poll interval" of a queue fact is 5 s. A finding must show within two of them (plus the time
# the `triage --json` runs themselves take on a loaded machine).
POLL_S = 5.0
Findings = list[dict[str, Any]]


class TcpProxy:
    """127.0.0.1:port -> target, cut (listener closed, live connections reset) and restored at will."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            socks, self._socks = self._socks, []
        for s in socks:
            with contextlib.suppress(OSError):
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                s.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._socks += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


@pytest.fixture(scope="module")
def pg_proxy() -> Iterator[TcpProxy]:
    proxy = TcpProxy(("127.0.0.1", 5432))
    proxy.start()
    yield proxy
    proxy.cut()


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory, pg_proxy: TcpProxy) -> Iterator[Sandbox]:
    tmp = Path(tmp_path_factory.mktemp("triage-live"))
    sandbox = make_sandbox(
        tmp, ECOECO_SANDBOX_POSTGRES_URL=f"postgresql://postgres@127.0.0.1:{pg_proxy.port}"
    )
    up = sandbox.run("up")
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        yield sandbox
    finally:
        if _closed(pg_proxy.port):
            pg_proxy.start()
        for name in ("storage", "ai"):  # never leave a stopped process behind
            pid = _pid_or_none(sandbox, name)
            if pid:
                os.kill(pid, signal.SIGCONT)
        sandbox.run("down", "--purge")


def _closed(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _pid_or_none(box: Sandbox, name: str) -> int | None:
    try:
        return box.state()["components"][name]["pid"]
    except (OSError, KeyError, ValueError):
        return None


def triage(box: Sandbox) -> Findings:
    result = box.console("triage", "--json", timeout=90)
    assert result.returncode in (0, 1, 2), result.stderr
    return json.loads(result.stdout)["findings"]


def within_two_polls(box: Sandbox, want: Callable[[Findings], bool], what: str) -> Findings:
    """``triage --json`` again and again until ``want``; bounded by two poll intervals (plus two runs)."""
    started = time.monotonic()
    findings = triage(box)
    run_s = time.monotonic() - started
    deadline = started + 2 * POLL_S + 2 * run_s
    while not want(findings):
        assert time.monotonic() < deadline, f"{what}: not within two poll intervals; had {_brief(findings)}"
        time.sleep(0.5)
        findings = triage(box)
    return findings


def eventually(box: Sandbox, want: Callable[[Findings], bool], what: str, timeout: float = 60.0) -> Findings:
    """Recovery: workers catch up and counters refresh at their own pace; a generous bound."""
    deadline = time.monotonic() + timeout
    findings = triage(box)
    while not want(findings):
        assert time.monotonic() < deadline, f"{what}: still {_brief(findings)}"
        time.sleep(1)
        findings = triage(box)
    return findings


def _brief(findings: Findings) -> list[str]:
    return [f"{f['severity']} {f['rule']} {f['subject']}" for f in findings]


def has(rule: str, subject: str | None = None, severity: str | None = None) -> Callable[[Findings], bool]:
    def check(findings: Findings) -> bool:
        return any(
            f["rule"] == rule
            and (subject is None or f["subject"] == subject)
            and (severity is None or f["severity"] == severity)
            for f in findings
        )

    return check


def lacks(*rules: str) -> Callable[[Findings], bool]:
    return lambda findings: not any(f["rule"] in rules for f in findings)


def _publish(box: Sandbox, routing_key: str, bodies: list[bytes]) -> None:
    with Connection(f"amqp://guest:guest@127.0.0.1:5672/{box.vhost}") as conn:
        producer = Producer(conn.default_channel)
        for i, body in enumerate(bodies):
            producer.publish(body, exchange=Exchange(EXCHANGE, type="direct", durable=True),
                             routing_key=routing_key, content_type="application/json",
                             content_encoding="utf-8", headers={"id": f"triage-live-{routing_key}-{i}"})  # fmt: skip


def _purge(box: Sandbox, queue: str) -> None:
    r = httpx.delete(
        f"{RABBIT_MGMT}/api/queues/{box.vhost}/{queue}/contents", auth=("guest", "guest"), timeout=10
    )
    assert r.status_code in (200, 204), r.text


def test_00_healthy_sandbox_has_no_warning(box: Sandbox) -> None:
    eventually(box, lambda fs: all(f["severity"] == "info" for f in fs), "a healthy sandbox")


def test_01_stopped_worker(box: Sandbox) -> None:
    pid = box.state()["components"]["ai"]["pid"]
    os.kill(pid, signal.SIGSTOP)
    try:
        findings = within_two_polls(box, has("process_down", "Process/ai", "critical"), "stopped worker")
        f = next(f for f in findings if f["rule"] == "process_down")
        assert f["title"] == "Process ai is stopped" and f["refs"]["workers"] == ["ai"]
        # The post-mortem bundle keeps the stopped worker's own log (the sandbox's process log).
        bundle = box.state_dir.parent / "bundle-stopped"
        result = box.console("triage", "--bundle", str(bundle), timeout=120)
        assert result.returncode == 2, result.stderr
        assert (bundle / "logs" / "sandbox_ai.log").read_text().strip()
        assert (bundle / "screens" / "bundle-triage.svg").exists()
    finally:
        os.kill(pid, signal.SIGCONT)
    eventually(box, lacks("process_down"), "worker resumed")


def test_02_flooded_queue_then_poisoned_messages(box: Sandbox) -> None:
    pid = box.state()["components"]["ai"]["pid"]
    os.kill(pid, signal.SIGSTOP)  # nothing consumes q.ai while it fills
    try:
        _publish(box, "ai", [b"\xff\xfe{not json"] * 1100)

        def flooded(findings: Findings) -> bool:
            return any(
                Q_AI in f["refs"]["queues"]
                for f in findings
                if f["rule"] in ("queue_backlog", "process_down")
            )

        findings = within_two_polls(box, flooded, "flooded q.ai")
        backlog = [f for f in findings if f["rule"] == "queue_backlog"]
        assert not backlog or backlog[0]["subject"] == f"Queue/{Q_AI}"
        _purge(box, Q_AI)
    finally:
        os.kill(pid, signal.SIGCONT)
    eventually(box, lacks("queue_backlog", "process_down", "queue_no_consumers"), "q.ai drained")
    # What the worker had prefetched before it stopped was undecodable: it is dead-lettered.
    findings = within_two_polls(box, has("dead_letters", f"Queue/{Q_DLQ}", "warning"), "poison in q.dlq")
    _purge(box, Q_DLQ)
    eventually(box, lacks("dead_letters"), "q.dlq emptied")
    # One poison message on its own, to the other worker.
    _publish(box, "storage", [b"\xff\xfe{not json"])
    findings = within_two_polls(box, has("dead_letters", f"Queue/{Q_DLQ}", "warning"), "one poison message")
    assert any(
        "dead-lettered message" in e for f in findings if f["rule"] == "dead_letters" for e in f["evidence"]
    )
    _purge(box, Q_DLQ)
    eventually(box, lacks("dead_letters"), "q.dlq emptied again")


def test_03_postgresql_cut(box: Sandbox, pg_proxy: TcpProxy) -> None:
    pg_proxy.cut()
    try:
        findings = within_two_polls(
            box, has("dependency_unreachable", "Dependency/postgresql", "critical"), "PostgreSQL cut"
        )
        f = next(f for f in findings if f["subject"] == "Dependency/postgresql")
        assert f["title"] == "PostgreSQL unreachable"
    finally:
        pg_proxy.start()
    eventually(box, lacks("dependency_unreachable"), "PostgreSQL back", timeout=90)
