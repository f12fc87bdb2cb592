"""``ecoeco-sandbox load``: realistic traffic through the sandbox's APIs at a chosen rate.

Open loop: operations start on a fixed schedule (``rate`` per second) whatever the latency, up to a
cap of operations in flight (beyond it an operation is counted as dropped, never queued up), and
the run ends by itself after ``duration`` seconds plus a bounded drain.

Operations (one "kind" each, taken in turn):
- upload: start an analysis and PUT a generated PNG/JPEG to the presigned S3 URL, then
  ``upload-complete``; every other upload uses the direct multipart endpoint instead.
- chat: open a chat session (or reuse one) and ask a disposal question.
- read: recycle-info reads (items, search, categories, FAQ), nearby recycling bins, the user's profile.

One load user is registered per run.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import httpx

from ecoeco.services.sandbox.images import make_image
from ecoeco.services.sandbox.settings import SandboxSettings

KINDS = ("upload", "chat", "read")
MAX_IN_FLIGHT = 64
DRAIN_TIMEOUT_S = 15.0
JOB_SAMPLE = 50

QUESTIONS = (
    "페트병은 어떻게 버려요?",
    "라벨을 떼지 않은 투명 페트병은 어디에 버리나요?",
    "스티로폼 용기에 음식물이 묻어 있으면요?",
    "깨진 유리는 어떻게 버리나요?",
    "비닐봉지는 재활용되나요?",
    "우유팩은 종이류인가요?",
    "음식물쓰레기에 뼈다귀를 넣어도 되나요?",
    "How do I recycle aluminium cans?",
)
SEARCHES = ("페트", "ㅍㅌ", "유리", "캔", "비닐", "스티로폼", "종이", "건전지")
# A few points in Seoul (city hall, Gangnam station, Hongdae).
POINTS = ((37.5665, 126.9780), (37.4979, 127.0276), (37.5563, 126.9236))


class LoadError(RuntimeError):
    pass


@dataclass
class LoadSummary:
    rate: float
    duration_s: float
    elapsed_s: float = 0.0
    operations: Counter[str] = field(default_factory=Counter)
    dropped: int = 0
    requests: Counter[str] = field(default_factory=Counter)
    requests_by_kind: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    errors_by_status: Counter[str] = field(default_factory=Counter)
    # 429s by endpoint: the services' own limits (the chat's per-user message budget) doing their
    # job under this load, not failures.
    rate_limited: Counter[str] = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    jobs: list[str] = field(default_factory=list)
    job_states: Counter[str] = field(default_factory=Counter)

    def render(self) -> str:
        lines = [
            f"load: {sum(self.operations.values())} operations in {self.elapsed_s:.1f} s "
            f"(asked {self.rate:g}/s for {self.duration_s:g} s; dropped at the in-flight cap: {self.dropped})"
        ]
        for kind in KINDS:
            if not self.operations[kind]:
                continue
            lat = sorted(self.latencies.get(kind, []))
            figures = ""
            if lat:
                p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
                figures = f"  request p50 {statistics.median(lat) * 1000:.0f} ms  p95 {p95 * 1000:.0f} ms"
            lines.append(
                f"  {kind:<7} {self.operations[kind]:>5} ops {self.requests_by_kind[kind]:>5} requests{figures}"
            )
        lines.append("requests by endpoint:")
        lines += [f"  {n:>5}  {name}" for name, n in sorted(self.requests.items())]
        if self.rate_limited:
            lines.append(
                f"rate-limited (429 by the services' own limits, not errors): {sum(self.rate_limited.values())}"
            )
            lines += [f"  {n:>5}  {name}" for name, n in sorted(self.rate_limited.items())]
        if self.errors:
            lines.append(
                "errors by status: "
                + ", ".join(f"{s} x{n}" for s, n in sorted(self.errors_by_status.items()))
            )
            lines.append("errors by endpoint and status:")
            lines += [f"  {n:>5}  {name}" for name, n in sorted(self.errors.items())]
        else:
            lines.append("errors: none")
        if self.jobs:
            states = ", ".join(f"{s} {n}" for s, n in self.job_states.most_common())
            lines.append(
                f"analyses started: {len(self.jobs)}; status of the last {JOB_SAMPLE}: {states or 'unknown'}"
            )
        return "\n".join(lines)


class Traffic:
    """The operations, against the base URLs of the running services."""

    def __init__(self, services: dict[str, str], summary: LoadSummary, rng: random.Random) -> None:
        self.services = services
        self.summary = summary
        self.rng = rng
        self.token: str | None = None
        self.sessions: list[str] = []
        self.uploads = 0

    def _url(self, service: str, path: str) -> str:
        return self.services[service] + path

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def call(
        self, client: httpx.AsyncClient, kind: str, name: str, method: str, url: str, **kwargs: Any
    ) -> httpx.Response | None:
        """One request, counted under ``name`` (a route template, never the raw URL)."""
        self.summary.requests[name] += 1
        self.summary.requests_by_kind[kind] += 1
        started = time.perf_counter()
        try:
            response = await client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.summary.errors[f"{name} {type(exc).__name__}"] += 1
            self.summary.errors_by_status[type(exc).__name__] += 1
            return None
        finally:
            self.summary.latencies.setdefault(kind, []).append(time.perf_counter() - started)
        if response.status_code == 429:
            self.summary.rate_limited[name] += 1
            return None
        if response.status_code >= 400:
            self.summary.errors[f"{name} {response.status_code}"] += 1
            self.summary.errors_by_status[str(response.status_code)] += 1
            return None
        return response

    async def register(self, client: httpx.AsyncClient) -> None:
        body = {
            "email": f"load-{uuid.uuid4().hex[:12]}@sandbox.ecoeco.test",
            "password": uuid.uuid4().hex,
            "display_name": "load generator",
        }
        r = await self.call(
            client,
            "setup",
            "POST /api/v1/auth/register",
            "POST",
            self._url("auth", "/api/v1/auth/register"),
            json=body,
        )
        if r is None:
            raise LoadError(f"could not register the load user: {dict(self.summary.errors)}")
        self.token = r.json()["access_token"]

    async def upload(self, client: httpx.AsyncClient) -> None:
        self.uploads += 1
        data, content_type = make_image(self.rng, "PNG" if self.uploads % 3 else "JPEG")
        filename = "photo.png" if content_type == "image/png" else "photo.jpg"
        base = self._url("waste", "/api/v1/waste/analyses")
        if self.uploads % 2:
            r = await self.call(
                client,
                "upload",
                "POST /api/v1/waste/analyses",
                "POST",
                base,
                json={"content_type": content_type, "size_bytes": len(data)},
                headers=self._auth,
            )
            if r is None:
                return
            created = r.json()
            job_id, upload_url = created["job_id"], created["upload_url"]
            put = await self.call(
                client,
                "upload",
                "PUT <presigned S3 URL>",
                "PUT",
                upload_url,
                content=data,
                headers=created.get("upload_headers") or {"Content-Type": content_type},
            )
            if put is None:
                return
            done = await self.call(
                client,
                "upload",
                "POST /api/v1/waste/analyses/{id}/upload-complete",
                "POST",
                f"{base}/{job_id}/upload-complete",
                headers=self._auth,
            )
            if done is not None:
                self.summary.jobs.append(job_id)
        else:
            r = await self.call(
                client,
                "upload",
                "POST /api/v1/waste/analyses/upload",
                "POST",
                f"{base}/upload",
                files={"file": (filename, data, content_type)},
                headers=self._auth,
            )
            if r is not None:
                self.summary.jobs.append(r.json()["job_id"])

    async def chat(self, client: httpx.AsyncClient) -> None:
        base = self._url("chat-llm", "/api/v1/chat/sessions")
        if not self.sessions or self.rng.random() < 0.3:
            r = await self.call(
                client, "chat", "POST /api/v1/chat/sessions", "POST", base, json={}, headers=self._auth
            )
            if r is None:
                return
            self.sessions.append(r.json()["id"])
        session = self.rng.choice(self.sessions)
        await self.call(
            client,
            "chat",
            "POST /api/v1/chat/sessions/{id}/messages",
            "POST",
            f"{base}/{session}/messages",
            json={"content": self.rng.choice(QUESTIONS)},
            headers=self._auth,
        )

    async def read(self, client: httpx.AsyncClient) -> None:
        ri = self._url("recycle-info", "/api/v1/recycle-info")
        choice = self.rng.randrange(6 if self.token else 5)
        if choice == 0:
            await self.call(
                client,
                "read",
                "GET /api/v1/recycle-info/items",
                "GET",
                f"{ri}/items",
                params={"page": self.rng.randint(1, 3)},
            )
        elif choice == 1:
            await self.call(
                client,
                "read",
                "GET /api/v1/recycle-info/search",
                "GET",
                f"{ri}/search",
                params={"q": self.rng.choice(SEARCHES)},
            )
        elif choice == 2:
            await self.call(client, "read", "GET /api/v1/recycle-info/categories", "GET", f"{ri}/categories")
        elif choice == 3:
            await self.call(client, "read", "GET /api/v1/recycle-info/faq", "GET", f"{ri}/faq")
        elif choice == 4:
            lat, lon = self.rng.choice(POINTS)
            await self.call(
                client,
                "read",
                "GET /api/v1/locations/bins",
                "GET",
                self._url("location", "/api/v1/locations/bins"),
                params={"lat": lat, "lon": lon, "radius": self.rng.choice((500, 1000, 3000))},
            )
        else:
            url = self._url("userinfo", "/api/v1/users/me")
            await self.call(client, "read", "GET /api/v1/users/me", "GET", url, headers=self._auth)

    async def sample_jobs(self, client: httpx.AsyncClient) -> None:
        base = self._url("waste", "/api/v1/waste/analyses")
        for job_id in self.summary.jobs[-JOB_SAMPLE:]:
            try:
                r = await client.get(f"{base}/{job_id}", headers=self._auth)
                state = r.json().get("status", "unknown") if r.status_code == 200 else f"HTTP {r.status_code}"
            except (httpx.HTTPError, ValueError):
                state = "unreachable"
            self.summary.job_states[state] += 1


async def _guarded(summary: LoadSummary, kind: str, op: Coroutine[Any, Any, None]) -> None:
    """An operation that breaks (e.g. an unexpected response body) is counted, never lost silently."""
    try:
        await op
    except (KeyError, ValueError, TypeError) as exc:
        summary.errors[f"{kind}: unexpected response ({type(exc).__name__}: {exc})"] += 1
        summary.errors_by_status["unexpected response"] += 1


def service_urls(settings: SandboxSettings) -> dict[str, str]:
    from ecoeco.services.sandbox.state import current_status

    status = current_status(settings)
    urls = {
        c["name"]: url
        for c in status["components"]
        if c["kind"] == "api" and c["alive"] and (url := c["url"])
    }
    missing = [c["name"] for c in status["components"] if c["kind"] == "api" and not c["alive"]]
    if missing:
        raise LoadError(f"not running: {', '.join(missing)}; start the sandbox with `ecoeco-sandbox up`")
    return urls


async def drive(
    services: dict[str, str],
    rate: float,
    duration_s: float,
    kinds: list[str],
    seed: int | None = None,
    say: Callable[[str], None] | None = None,
) -> LoadSummary:
    summary = LoadSummary(rate=rate, duration_s=duration_s)
    traffic = Traffic(services, summary, random.Random(seed))
    ops = {"upload": traffic.upload, "chat": traffic.chat, "read": traffic.read}
    limits = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT)
    async with httpx.AsyncClient(timeout=10.0, limits=limits) as client:
        await traffic.register(client)
        in_flight: set[asyncio.Task[None]] = set()
        loop = asyncio.get_running_loop()
        start = loop.time()
        next_report = start + 5.0
        i = 0
        while (due := start + i / rate) < start + duration_s:
            await asyncio.sleep(max(0.0, due - loop.time()))
            kind = kinds[i % len(kinds)]
            i += 1
            if len(in_flight) >= MAX_IN_FLIGHT:
                summary.dropped += 1
                continue
            summary.operations[kind] += 1
            task = asyncio.create_task(_guarded(summary, kind, ops[kind](client)))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            if say and loop.time() >= next_report:
                next_report += 5.0
                say(
                    f"  {loop.time() - start:5.1f} s: {sum(summary.operations.values())} ops,"
                    f" {sum(summary.errors.values())} errors, {sum(summary.rate_limited.values())} rate-limited"
                )
        if in_flight:
            _, late = await asyncio.wait(in_flight, timeout=DRAIN_TIMEOUT_S)
            for task in late:
                task.cancel()
        summary.elapsed_s = loop.time() - start
        if summary.jobs:
            await traffic.sample_jobs(client)
    return summary


def run_load(
    settings: SandboxSettings,
    rate: float,
    duration_s: float,
    kinds: list[str],
    say: Callable[[str], None] | None = None,
) -> LoadSummary:
    services = service_urls(settings)
    if say:
        say(f"load: {rate:g} ops/s for {duration_s:g} s ({', '.join(kinds)}) against the sandbox")
    return asyncio.run(drive(services, rate, duration_s, kinds, say=say))
