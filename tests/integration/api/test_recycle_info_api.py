"""recycle-info over HTTP: real uvicorn, real Redis (db 1) for the response cache."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import redis
from tests.integration.api.conftest import assert_problem
from tests.integration.api.live_server import serve

from ecoeco.services.common.settings import Settings

pytestmark = pytest.mark.integration

BASE = "/api/v1/recycle-info"
CACHE_PATTERN = "ecoeco:recycle-info:cache:*"


def _clear_cache(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(CACHE_PATTERN))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(scope="module")
def base_url(api_settings: Settings) -> Iterator[str]:
    from ecoeco.services.recycle_info.app import create_app

    _clear_cache(api_settings.redis_url)
    with serve(create_app(api_settings)) as base:
        yield base
    _clear_cache(api_settings.redis_url)


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10) as c:
        yield c


def test_categories_list_all_nine_with_korean_names_and_counts(client: httpx.Client) -> None:
    body = client.get(f"{BASE}/categories").json()
    cats = {c["id"]: c for c in body["categories"]}
    assert len(cats) == 9
    assert cats["clear_pet"]["name_ko"] == "투명 페트병"
    assert cats["food_waste"]["name_ko"] == "음식물쓰레기"
    total = client.get(f"{BASE}/items", params={"size": 1}).json()["total"]
    assert sum(c["item_count"] for c in cats.values()) == total
    assert body["source"]


def test_category_detail_lists_its_items(client: httpx.Client) -> None:
    body = client.get(f"{BASE}/categories/styrofoam").json()
    assert body["name_ko"] == "스티로폼"
    assert body["item_count"] == len(body["items"]) > 0
    assert {i["category"] for i in body["items"]} == {"styrofoam"}
    assert_problem(client.get(f"{BASE}/categories/batteries"), 404)


def test_items_paging_and_filter(client: httpx.Client) -> None:
    first = client.get(f"{BASE}/items", params={"page": 1, "size": 10}).json()
    second = client.get(f"{BASE}/items", params={"page": 2, "size": 10}).json()
    assert first["total"] >= 60 and len(first["items"]) == 10
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    metal = client.get(f"{BASE}/items", params={"category": "metal", "size": 100}).json()
    assert metal["items"] and all(i["category"] == "metal" for i in metal["items"])
    beyond = client.get(f"{BASE}/items", params={"page": 999, "size": 100}).json()
    assert beyond["items"] == [] and beyond["total"] == first["total"]


def test_item_by_id_and_unknown_id(client: httpx.Client) -> None:
    item = client.get(f"{BASE}/items/chicken-bone").json()
    assert item["name"] == "닭뼈"
    assert item["category"] == "general" and item["category_name"] == "일반쓰레기"
    assert item["recyclable"] is False
    assert_problem(client.get(f"{BASE}/items/no-such-thing"), 404)


def test_search_korean_substring_and_initials(client: httpx.Client) -> None:
    text = client.get(f"{BASE}/search", params={"q": "소주병"}).json()
    assert text["mode"] == "text" and text["items"][0]["id"] == "soju-bottle"
    initials = client.get(f"{BASE}/search", params={"q": "ㅍㅌㅂ"}).json()
    assert initials["mode"] == "initials"
    assert "clear-pet-water" in {i["id"] for i in initials["items"]}


def test_repeated_read_is_a_cache_hit_with_the_same_body(client: httpx.Client) -> None:
    first = client.get(f"{BASE}/search", params={"q": "우유팩", "limit": 3})
    second = client.get(f"{BASE}/search", params={"q": "우유팩", "limit": 3})
    assert first.headers["x-cache"] == "miss"
    assert second.headers["x-cache"] == "hit"
    assert first.json() == second.json()
    metrics = client.get("/metrics").text
    assert 'ecoeco_cache_lookups_total{result="hit",service="recycle-info"}' in metrics


def test_rule_endpoint_matches_the_worker_contract(client: httpx.Client) -> None:
    rule = client.get(f"{BASE}/rule", params={"category": "glass", "item": "깨진 유리"}).json()
    assert rule["category"] == "general" and rule["recyclable"] is False
    assert_problem(client.get(f"{BASE}/rule", params={"category": "batteries"}), 422)


def test_regions_are_marked_as_examples_and_faq_has_ten(client: httpx.Client) -> None:
    regions = client.get(f"{BASE}/regions").json()["regions"]
    assert any(r["district"] == "강남구" for r in regions)
    assert all(r["example"] is True for r in regions)
    assert client.get(f"{BASE}/regions/seoul-mapo").json()["district"] == "마포구"
    seoul = client.get(f"{BASE}/regions", params={"q": "서울 특별시"}).json()["regions"]
    assert seoul and {r["city"] for r in seoul} == {"서울특별시"}
    assert client.get(f"{BASE}/regions", params={"q": "제주"}).json()["regions"] == []
    assert_problem(client.get(f"{BASE}/regions/atlantis"), 404)
    assert len(client.get(f"{BASE}/faq").json()["faq"]) >= 10


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/items", {"page": 0}),
        ("/items", {"size": 1000}),
        ("/items", {"category": "batteries"}),
        ("/items", {"category": "DROP TABLE"}),
        ("/search", {}),
        ("/search", {"q": "   "}),
        ("/search", {"q": "가" * 51}),
    ],
)
def test_bad_input_is_a_422_problem(client: httpx.Client, path: str, params: dict) -> None:
    body = assert_problem(client.get(BASE + path, params=params), 422)
    assert body["detail"]


def test_reads_are_public_and_cacheable_but_errors_are_not(client: httpx.Client) -> None:
    resp = client.get(f"{BASE}/faq")
    assert resp.status_code == 200
    assert resp.headers["cache-control"] == "public, max-age=300"
    assert "cache-control" not in client.get(f"{BASE}/items/no-such-thing").headers


def test_guides_still_served_when_redis_is_down(api_settings: Settings) -> None:
    from tests.conftest import free_port

    from ecoeco.services.recycle_info.app import create_app

    dead_redis = api_settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/1"})
    with serve(create_app(dead_redis)) as base:
        resp = httpx.get(f"{base}{BASE}/items/soju-bottle", timeout=10)
        assert resp.status_code == 200 and resp.json()["name"] == "소주병"
        assert resp.headers["x-cache"] == "bypass"
        ready = httpx.get(f"{base}/ready", timeout=10)
        assert ready.status_code == 503
        assert ready.json()["dependencies"]["redis"]["ok"] is False
