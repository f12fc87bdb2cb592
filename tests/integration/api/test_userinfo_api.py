"""userinfo over HTTP against real PostgreSQL: profile, points and history from synced AI results."""

from __future__ import annotations

import json
import uuid

import httpx
import psycopg
import pytest
from tests.integration.api.conftest import assert_problem, bearer, mint_access_token

from ecoeco.services.common.migrations import apply_migrations
from ecoeco.services.common.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def task_results(pg_url: str) -> str:
    """The workers' own migration creates tasks.task_results, exactly as in production."""
    apply_migrations(pg_url, "tasks", "ecoeco.services.workers")
    return pg_url


def add_result(
    pg_url: str, user_id: str, *, worker: str = "ai", state: str = "succeeded", points: object = 10
) -> str:
    job_id = uuid.uuid4().hex
    task_id = f"{job_id}:{worker}"
    result = {"category": "plastic", "item": "페트병", "points": points}
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO tasks.task_results (task_id, job_id, worker, task_name, user_id, state, attempts,"
            " result, received_at, started_at, finished_at, updated_at)"
            " VALUES (%s, %s, %s, 'ecoeco.ai.classify', %s, %s, 1, %s, now(), now(), now(), now())",
            (task_id, job_id, worker, user_id, state, json.dumps(result)),
        )
    return job_id


def test_profile_is_created_on_first_read_with_defaults(
    userinfo_url: str, user_token: tuple[str, str]
) -> None:
    user_id, token = user_token
    resp = httpx.get(f"{userinfo_url}/api/v1/users/me", headers=bearer(token))
    assert resp.status_code == 200
    body = resp.json()
    assert body["user_id"] == user_id
    assert body["nickname"] == user_id[:8]  # local part of the token's email
    assert body["language"] == "ko" and body["theme"] == "system"
    assert body["notifications"] == {"push": True, "email": False, "marketing": False}


def test_patch_changes_only_the_given_fields(userinfo_url: str, user_token: tuple[str, str]) -> None:
    _, token = user_token
    resp = httpx.patch(
        f"{userinfo_url}/api/v1/users/me",
        headers=bearer(token),
        json={"nickname": "분리왕", "theme": "dark", "notifications": {"marketing": True}},
    )
    assert resp.status_code == 200, resp.text
    again = httpx.get(f"{userinfo_url}/api/v1/users/me", headers=bearer(token)).json()
    assert again["nickname"] == "분리왕" and again["theme"] == "dark" and again["language"] == "ko"
    assert again["notifications"] == {"push": True, "email": False, "marketing": True}


@pytest.mark.parametrize(
    "body",
    [
        {"theme": "purple"},
        {"language": "fr"},
        {"nickname": ""},
        {"nickname": "x" * 31},
        {"avatar_url": "javascript:alert(1)"},
        {"notifications": {"push": "often"}},
        {"user_id": "someone-else"},
    ],
)
def test_patch_rejects_bad_input_and_changes_nothing(
    userinfo_url: str, user_token: tuple[str, str], body: dict
) -> None:
    _, token = user_token
    before = httpx.get(f"{userinfo_url}/api/v1/users/me", headers=bearer(token)).json()
    assert_problem(httpx.patch(f"{userinfo_url}/api/v1/users/me", headers=bearer(token), json=body), 422)
    assert httpx.get(f"{userinfo_url}/api/v1/users/me", headers=bearer(token)).json() == before


def test_requires_a_valid_token(userinfo_url: str) -> None:
    assert_problem(httpx.get(f"{userinfo_url}/api/v1/users/me"), 401)
    assert_problem(httpx.get(f"{userinfo_url}/api/v1/users/me", headers=bearer("a.b.c")), 401)


def test_points_and_history_come_from_succeeded_ai_results(
    userinfo_url: str, task_results: str, user_token: tuple[str, str]
) -> None:
    user_id, token = user_token
    done = [add_result(task_results, user_id, points=10), add_result(task_results, user_id, points=5)]
    # Not credited: another worker's row, an unfinished or failed analysis, another user, junk points.
    add_result(task_results, user_id, worker="storage")
    add_result(task_results, user_id, state="running")
    add_result(task_results, user_id, state="failed")
    add_result(task_results, str(uuid.uuid4()))
    junk = add_result(task_results, user_id, points="lots")

    points = httpx.get(f"{userinfo_url}/api/v1/users/me/points", headers=bearer(token)).json()
    assert points["points"] == 15 and points["analyses"] == 3
    assert points["level"] == 1 and points["next_level_at"] == 100

    page = httpx.get(
        f"{userinfo_url}/api/v1/users/me/activities", headers=bearer(token), params={"limit": 2}
    ).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    rest = httpx.get(
        f"{userinfo_url}/api/v1/users/me/activities", headers=bearer(token), params={"limit": 2, "offset": 2}
    ).json()
    jobs = {a["job_id"] for a in page["items"] + rest["items"]}
    assert jobs == {*done, junk}
    assert {a["points"] for a in page["items"] + rest["items"]} == {10, 5, 0}
    assert_problem(
        httpx.get(f"{userinfo_url}/api/v1/users/me/activities", headers=bearer(token), params={"limit": 0}),
        422,
    )


def test_enough_points_raise_the_level(
    userinfo_url: str, task_results: str, user_token: tuple[str, str]
) -> None:
    user_id, token = user_token
    for _ in range(3):
        add_result(task_results, user_id, points=50)
    points = httpx.get(f"{userinfo_url}/api/v1/users/me/points", headers=bearer(token)).json()
    assert points["points"] == 150 and points["level"] == 2 and points["next_level_at"] == 300


def test_soft_delete_hides_the_account(
    userinfo_url: str, user_token: tuple[str, str], api_settings: Settings
) -> None:
    user_id, token = user_token
    httpx.patch(f"{userinfo_url}/api/v1/users/me", headers=bearer(token), json={"nickname": "곧삭제"})
    assert httpx.delete(f"{userinfo_url}/api/v1/users/me", headers=bearer(token)).status_code == 204
    # The token used to delete is revoked; any other token of that user meets a deleted account.
    assert_problem(httpx.get(f"{userinfo_url}/api/v1/users/me", headers=bearer(token)), 401)
    other = bearer(mint_access_token(api_settings, user_id))
    assert_problem(httpx.get(f"{userinfo_url}/api/v1/users/me", headers=other), 410)
    assert_problem(httpx.get(f"{userinfo_url}/api/v1/users/me/points", headers=other), 410)
    assert_problem(httpx.delete(f"{userinfo_url}/api/v1/users/me", headers=other), 410)
