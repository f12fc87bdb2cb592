"""auth over HTTP against real PostgreSQL and Redis: passwords, token rotation, logout, OAuth."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import redis
from pydantic import SecretStr
from tests.integration.api.conftest import assert_problem, bearer
from tests.integration.api.oauth_provider import CLIENT_ID, LocalProvider

from ecoeco.services.common.security import issue_token
from ecoeco.services.common.settings import Settings

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery"


def new_email() -> str:
    return f"u{uuid.uuid4().hex[:12]}@example.com"


def register(base: str, email: str | None = None, password: str = PASSWORD) -> dict:
    resp = httpx.post(
        f"{base}/api/v1/auth/register", json={"email": email or new_email(), "password": password}
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_register_then_me_shows_the_account(auth_url: str) -> None:
    email = new_email()
    tokens = register(auth_url, email.upper())  # emails are case-insensitive
    me = httpx.get(f"{auth_url}/api/v1/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json()["email"] == email
    assert me.json()["id"] == tokens["user_id"]
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 3600


def test_register_twice_is_a_conflict(auth_url: str) -> None:
    email = new_email()
    register(auth_url, email)
    resp = httpx.post(f"{auth_url}/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert_problem(resp, 409)


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": PASSWORD},
        {"email": "a@example.com", "password": "short"},
        {"email": "a@example.com"},
        {"email": 12, "password": PASSWORD},
        {"email": "a@example.com", "password": PASSWORD, "admin": True},
    ],
)
def test_register_rejects_bad_input(auth_url: str, body: dict) -> None:
    body_json = assert_problem(httpx.post(f"{auth_url}/api/v1/auth/register", json=body), 422)
    assert body_json["errors"]


def test_malformed_json_and_huge_body_are_4xx(auth_url: str) -> None:
    resp = httpx.post(
        f"{auth_url}/api/v1/auth/login", content=b'{"email": ', headers={"content-type": "application/json"}
    )
    assert_problem(resp, 422)
    huge = b'{"email": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    resp = httpx.post(
        f"{auth_url}/api/v1/auth/login", content=huge, headers={"content-type": "application/json"}
    )
    assert_problem(resp, 413)


def test_login_checks_the_password(auth_url: str) -> None:
    email = new_email()
    user_id = register(auth_url, email)["user_id"]
    bad = httpx.post(f"{auth_url}/api/v1/auth/login", json={"email": email, "password": "wrong password"})
    assert_problem(bad, 401)
    unknown = httpx.post(f"{auth_url}/api/v1/auth/login", json={"email": new_email(), "password": PASSWORD})
    assert_problem(unknown, 401)
    good = httpx.post(f"{auth_url}/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert good.status_code == 200 and good.json()["user_id"] == user_id


def test_refresh_rotates_and_reuse_revokes_the_login(auth_url: str) -> None:
    first = register(auth_url)
    second = httpx.post(f"{auth_url}/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    me = httpx.get(f"{auth_url}/api/v1/auth/me", headers=bearer(second.json()["access_token"]))
    assert me.status_code == 200

    replay = httpx.post(f"{auth_url}/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert "already used" in assert_problem(replay, 401)["detail"]
    # The reuse revoked the whole family, including the token the legitimate client holds.
    latest = httpx.post(
        f"{auth_url}/api/v1/auth/refresh", json={"refresh_token": second.json()["refresh_token"]}
    )
    assert_problem(latest, 401)


def test_token_types_are_not_interchangeable(auth_url: str) -> None:
    tokens = register(auth_url)
    assert_problem(httpx.get(f"{auth_url}/api/v1/auth/me", headers=bearer(tokens["refresh_token"])), 401)
    resp = httpx.post(f"{auth_url}/api/v1/auth/refresh", json={"refresh_token": tokens["access_token"]})
    assert_problem(resp, 401)


def test_bad_tokens_are_401(auth_url: str, api_settings: Settings) -> None:
    user_id = register(auth_url)["user_id"]
    expired, _ = issue_token(api_settings, user_id, None, ttl_s=-60)
    forged, _ = issue_token(
        api_settings.model_copy(update={"jwt_secret": SecretStr("x" * 40)}), user_id, None
    )
    for token in (expired, forged, "not.a.jwt", "a.b.c"):
        resp = httpx.get(f"{auth_url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert_problem(resp, 401)
    assert_problem(httpx.get(f"{auth_url}/api/v1/auth/me"), 401)
    assert_problem(httpx.get(f"{auth_url}/api/v1/auth/me", headers={"Authorization": "Basic dTpw"}), 401)


def test_logout_revokes_the_access_token_and_the_refresh_token(auth_url: str) -> None:
    tokens = register(auth_url)
    other = httpx.post(
        f"{auth_url}/api/v1/auth/login",
        json={
            "email": httpx.get(f"{auth_url}/api/v1/auth/me", headers=bearer(tokens["access_token"])).json()[
                "email"
            ],
            "password": PASSWORD,
        },
    ).json()
    resp = httpx.post(
        f"{auth_url}/api/v1/auth/logout",
        headers=bearer(tokens["access_token"]),
        json={"refresh_token": tokens["refresh_token"]},
    )
    assert resp.status_code == 204
    assert_problem(httpx.get(f"{auth_url}/api/v1/auth/me", headers=bearer(tokens["access_token"])), 401)
    again = httpx.post(f"{auth_url}/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert_problem(again, 401)
    # Another login of the same user is untouched.
    assert httpx.get(f"{auth_url}/api/v1/auth/me", headers=bearer(other["access_token"])).status_code == 200


def test_metrics_label_routes_by_template(auth_url: str) -> None:
    httpx.get(f"{auth_url}/api/v1/auth/oauth/kakao/authorize")
    text = httpx.get(f"{auth_url}/metrics").text
    assert 'route="/api/v1/auth/oauth/{provider}/authorize"' in text
    assert (
        'http_requests_total{method="POST",route="/api/v1/auth/register",service="auth",status="201"}' in text
    )
    assert "http_request_duration_seconds_bucket" in text


# --- OAuth against a local provider -------------------------------------------------------------


def authorize(base: str, provider: str) -> str:
    resp = httpx.get(f"{base}/api/v1/auth/oauth/{provider}/authorize")
    assert resp.status_code == 200, resp.text
    url = urlparse(resp.json()["authorization_url"])
    query = parse_qs(url.query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["state"] == [resp.json()["state"]]
    return resp.json()["state"]


def test_oauth_login_creates_then_finds_the_same_user(
    oauth_auth_url: str, provider: LocalProvider, redis_url: str
) -> None:
    subject = str(uuid.uuid4().int % 10**12)
    email = new_email()
    state = authorize(oauth_auth_url, "kakao")
    ttl = redis.Redis.from_url(redis_url).ttl(f"ecoeco:auth:oauth_state:{state}")
    assert 570 <= ttl <= 600  # kept 10 minutes
    code = provider.issue_code(subject, email)
    resp = httpx.get(
        f"{oauth_auth_url}/api/v1/auth/oauth/kakao/callback", params={"code": code, "state": state}
    )
    assert resp.status_code == 200, resp.text
    me = httpx.get(f"{oauth_auth_url}/api/v1/auth/me", headers=bearer(resp.json()["access_token"])).json()
    assert me["email"] == email and me["providers"] == ["kakao"]
    assert provider.token_requests[-1]["redirect_uri"] == "http://127.0.0.1/app/callback"

    state2 = authorize(oauth_auth_url, "kakao")
    resp2 = httpx.get(
        f"{oauth_auth_url}/api/v1/auth/oauth/kakao/callback",
        params={"code": provider.issue_code(subject, email), "state": state2},
    )
    assert resp2.json()["user_id"] == resp.json()["user_id"]


def test_oauth_state_is_single_use_and_bound_to_its_provider(
    oauth_auth_url: str, provider: LocalProvider
) -> None:
    state = authorize(oauth_auth_url, "kakao")
    wrong_provider = httpx.get(
        f"{oauth_auth_url}/api/v1/auth/oauth/naver/callback",
        params={"code": provider.issue_code("1", None), "state": state},
    )
    assert_problem(wrong_provider, 400)
    # consumed by the failed attempt: a state is never accepted twice
    replay = httpx.get(
        f"{oauth_auth_url}/api/v1/auth/oauth/kakao/callback",
        params={"code": provider.issue_code("1", None), "state": state},
    )
    assert_problem(replay, 400)
    forged = httpx.get(
        f"{oauth_auth_url}/api/v1/auth/oauth/kakao/callback", params={"code": "x", "state": "made-up"}
    )
    assert_problem(forged, 400)


def test_unconfigured_provider_is_503(auth_url: str) -> None:
    # auth_url has no client ids configured (the defaults point at the real providers)
    body = assert_problem(httpx.get(f"{auth_url}/api/v1/auth/oauth/google/authorize"), 503)
    assert "not configured" in body["detail"]


def test_oauth_bad_code_is_401(oauth_auth_url: str) -> None:
    state = authorize(oauth_auth_url, "naver")
    resp = httpx.get(
        f"{oauth_auth_url}/api/v1/auth/oauth/naver/callback", params={"code": "never-issued", "state": state}
    )
    assert_problem(resp, 401)
    assert_problem(httpx.get(f"{oauth_auth_url}/api/v1/auth/oauth/github/authorize"), 422)
    assert_problem(httpx.get(f"{oauth_auth_url}/api/v1/auth/oauth/github/authorize"), 422)


def test_oauth_email_taken_by_another_account_is_not_linked(
    oauth_auth_url: str, provider: LocalProvider
) -> None:
    email = new_email()
    password_user = register(oauth_auth_url, email)["user_id"]
    state = authorize(oauth_auth_url, "naver")
    resp = httpx.get(
        f"{oauth_auth_url}/api/v1/auth/oauth/naver/callback",
        params={"code": provider.issue_code(uuid.uuid4().hex, email), "state": state},
    )
    assert resp.status_code == 200
    assert resp.json()["user_id"] != password_user


def test_repeated_wrong_passwords_make_this_address_wait_for_this_account(
    auth_url: str, redis_url: str, api_settings: Settings
) -> None:
    from ecoeco.services.auth.throttle import account_client_key

    limit, window = api_settings.login_failures_per_account_client, api_settings.login_window_s
    email = new_email()
    register(auth_url, email)
    for _ in range(limit):
        bad = httpx.post(f"{auth_url}/api/v1/auth/login", json={"email": email, "password": "wrong password"})
        assert_problem(bad, 401)
    locked = httpx.post(f"{auth_url}/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert_problem(locked, 429)
    assert 0 < int(locked.headers["retry-after"]) <= window
    # Another account is not affected; when the window ends the right password works again.
    other = new_email()
    register(auth_url, other)
    assert (
        httpx.post(f"{auth_url}/api/v1/auth/login", json={"email": other, "password": PASSWORD}).status_code
        == 200
    )
    # Deleting the counter stands in for the 15 minutes passing.
    redis.Redis.from_url(redis_url).delete(account_client_key(email, "127.0.0.1"))
    assert (
        httpx.post(f"{auth_url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}).status_code
        == 200
    )


def test_a_successful_login_resets_the_failure_count(auth_url: str, redis_url: str) -> None:
    from ecoeco.services.auth.throttle import account_client_key

    email = new_email()
    key = account_client_key(email, "127.0.0.1")
    register(auth_url, email)
    httpx.post(f"{auth_url}/api/v1/auth/login", json={"email": email, "password": "wrong password"})
    assert redis.Redis.from_url(redis_url).get(key) == b"1"
    assert (
        httpx.post(f"{auth_url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}).status_code
        == 200
    )
    assert redis.Redis.from_url(redis_url).get(key) is None
