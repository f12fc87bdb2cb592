"""Login and sign-up limits under concurrency, per client address, and without a lock-out anyone can
trigger for someone else (issue 13, defect 5). Real auth service, PostgreSQL and Redis.

The service trusts one proxy hop here, so each test speaks from addresses of its own (TEST-NET
addresses in X-Forwarded-For, fresh per test): counters never collide with other tests or sessions.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from tests.integration.api.conftest import assert_problem
from tests.integration.api.live_server import serve, wait_ready

from ecoeco.services.common.settings import Settings

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery"
PER_ACCOUNT_CLIENT = 10
PER_CLIENT = 15
REGISTRATIONS = 3


def address() -> str:
    return f"198.51.{random.randrange(256)}.{random.randrange(1, 255)}"


def speaking_from(ip: str) -> dict[str, str]:
    return {"X-Forwarded-For": ip}


@pytest.fixture(scope="module")
def limited_auth(api_settings: Settings) -> Iterator[str]:
    from ecoeco.services.auth.app import create_app

    settings = api_settings.model_copy(
        update={
            "trusted_proxy_hops": 1,
            "login_failures_per_account_client": PER_ACCOUNT_CLIENT,
            "login_failures_per_client": PER_CLIENT,
            "registrations_per_client": REGISTRATIONS,
        }
    )
    with serve(create_app(settings)) as base:
        wait_ready(base)
        yield base


def register(base: str, ip: str | None = None) -> str:
    email = f"lim-{uuid.uuid4().hex[:12]}@example.com"
    r = httpx.post(
        f"{base}/api/v1/auth/register",
        json={"email": email, "password": PASSWORD},
        headers=speaking_from(ip or address()),
    )
    assert r.status_code == 201, r.text
    return email


def login(base: str, email: str, password: str, ip: str) -> httpx.Response:
    return httpx.post(
        f"{base}/api/v1/auth/login",
        json={"email": email, "password": password},
        headers=speaking_from(ip),
        timeout=60,
    )


async def parallel_logins(base: str, email: str, ip: str, n: int) -> Counter[int]:
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=n)) as client:
        responses = await asyncio.gather(
            *(
                client.post(
                    f"{base}/api/v1/auth/login",
                    json={"email": email, "password": f"wrong guess number {i}"},
                    headers=speaking_from(ip),
                )
                for i in range(n)
            )
        )
    return Counter(r.status_code for r in responses)


def test_forty_parallel_guesses_get_exactly_the_limit(limited_auth: str) -> None:
    email, attacker = register(limited_auth), address()
    outcome = asyncio.run(parallel_logins(limited_auth, email, attacker, 40))
    # Exactly the limit was verified (401); every other guess was refused unverified (429).
    assert outcome == Counter({401: PER_ACCOUNT_CLIENT, 429: 40 - PER_ACCOUNT_CLIENT})
    # Even the right password waits, from that address...
    refused = login(limited_auth, email, PASSWORD, attacker)
    assert_problem(refused, 429)
    assert 0 < int(refused.headers["retry-after"]) <= 15 * 60


def test_guesses_from_elsewhere_never_lock_the_owner_out(limited_auth: str) -> None:
    email, owner = register(limited_auth), address()
    for attacker in (address(), address()):
        for _ in range(PER_ACCOUNT_CLIENT + 2):
            assert login(limited_auth, email, "not the password", attacker).status_code in (401, 429)
        assert login(limited_auth, email, "not the password", attacker).status_code == 429
    # The account is not locked: its owner, from their own address, logs in at once.
    assert login(limited_auth, email, PASSWORD, owner).status_code == 200


def test_one_address_is_capped_across_accounts(limited_auth: str) -> None:
    stuffer = address()
    accounts = [register(limited_auth) for _ in range(PER_CLIENT + 1)]
    statuses = [login(limited_auth, email, "leaked password", stuffer).status_code for email in accounts]
    assert statuses == [401] * PER_CLIENT + [429]
    refused = login(limited_auth, accounts[0], PASSWORD, stuffer)
    assert_problem(refused, 429)
    assert "your address" in refused.json()["detail"]
    # Other addresses are unaffected.
    assert login(limited_auth, accounts[-1], PASSWORD, address()).status_code == 200


def test_a_successful_login_gives_its_slots_back(limited_auth: str) -> None:
    # Up to the per-address cap of logins, all successful, and the cap is still untouched.
    email, ip = register(limited_auth), address()
    for _ in range(PER_CLIENT + 5):
        assert login(limited_auth, email, PASSWORD, ip).status_code == 200
    for _ in range(PER_ACCOUNT_CLIENT - 1):
        assert login(limited_auth, email, "a typo in it", ip).status_code == 401
    assert login(limited_auth, email, PASSWORD, ip).status_code == 200  # resets this account+address
    # Without that reset the second of these would be refused; the address's own cap still holds.
    left = PER_CLIENT - (PER_ACCOUNT_CLIENT - 1)
    for _ in range(left):
        assert login(limited_auth, email, "a typo in it", ip).status_code == 401
    assert "your address" in login(limited_auth, email, "a typo in it", ip).json()["detail"]


def test_sign_up_is_limited_per_address(limited_auth: str) -> None:
    ip = address()
    for _ in range(REGISTRATIONS):
        register(limited_auth, ip)
    refused = httpx.post(
        f"{limited_auth}/api/v1/auth/register",
        json={"email": f"lim-{uuid.uuid4().hex[:12]}@example.com", "password": PASSWORD},
        headers=speaking_from(ip),
    )
    assert_problem(refused, 429)
    assert int(refused.headers["retry-after"]) > 0
    register(limited_auth, address())  # someone else still can


def test_a_client_cannot_pick_its_address_by_prepending_to_x_forwarded_for(limited_auth: str) -> None:
    ip = address()
    for _ in range(REGISTRATIONS):
        register(limited_auth, ip)
    # The trusted proxy appends the real peer last; whatever the client wrote before it is ignored.
    spoofed = httpx.post(
        f"{limited_auth}/api/v1/auth/register",
        json={"email": f"lim-{uuid.uuid4().hex[:12]}@example.com", "password": PASSWORD},
        headers={"X-Forwarded-For": f"{address()}, {ip}"},
    )
    assert_problem(spoofed, 429)
