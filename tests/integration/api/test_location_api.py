"""location over HTTP: sample points by distance, and geocoding through a local stand-in for the
Kakao Local API (started here on a free loopback port)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import redis
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from tests.integration.api.conftest import assert_problem, bearer
from tests.integration.api.live_server import serve

from ecoeco.services.common.settings import Settings
from ecoeco.services.location.settings import LocationSettings

pytestmark = pytest.mark.integration

BASE = "/api/v1/locations"
GANGNAM = {"lat": 37.4979, "lon": 127.0276}
FAKE_KEY = "kakao-test-key-0123456789abcdef"


def fake_kakao_app(expected_key: str) -> FastAPI:
    """Answers like dapi.kakao.com for the two endpoints we call; 401 for any other key."""
    app = FastAPI()
    app.state.requests = []

    def authorised(request: Request) -> bool:
        app.state.requests.append((request.url.path, dict(request.query_params)))
        return request.headers.get("authorization") == f"KakaoAK {expected_key}"

    @app.get("/health")
    async def health() -> dict:
        return {"ok": True}

    @app.get("/v2/local/search/address.json")
    async def address(request: Request) -> JSONResponse:
        if not authorised(request):
            return JSONResponse({"errorType": "AccessDeniedError", "message": "wrong key"}, status_code=401)
        query = request.query_params.get("query", "")
        if "없는주소" in query:
            return JSONResponse({"documents": [], "meta": {"total_count": 0}})
        doc = {
            "address_name": "서울 강남구 역삼동 858",
            "x": "127.027610",
            "y": "37.497942",
            "road_address": {"address_name": "서울 강남구 강남대로 396"},
        }
        return JSONResponse({"documents": [doc], "meta": {"total_count": 1}})

    @app.get("/v2/local/geo/coord2address.json")
    async def coord2address(request: Request) -> JSONResponse:
        if not authorised(request):
            return JSONResponse({"errorType": "AccessDeniedError"}, status_code=401)
        y = float(request.query_params["y"])
        if y < 0:  # the sea, as far as this stand-in knows
            return JSONResponse({"documents": [], "meta": {"total_count": 0}})
        doc = {
            "address": {
                "address_name": "서울 중구 태평로1가 31",
                "region_1depth_name": "서울",
                "region_2depth_name": "중구",
            },
            "road_address": {"address_name": "서울 중구 세종대로 110"},
        }
        return JSONResponse({"documents": [doc], "meta": {"total_count": 1}})

    return app


@pytest.fixture(scope="module")
def kakao() -> Iterator[tuple[str, FastAPI]]:
    app = fake_kakao_app(FAKE_KEY)
    with serve(app) as base:
        yield base, app


def _location(api_settings: Settings, **extra: object) -> LocationSettings:
    fields = {name: getattr(api_settings, name) for name in type(api_settings).model_fields}
    return LocationSettings(**{**fields, **extra})


def clear_geocode_cache(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter("ecoeco:location:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(scope="module")
def base_url(api_settings: Settings, kakao: tuple[str, FastAPI]) -> Iterator[str]:
    from ecoeco.services.location.app import create_app

    settings = _location(api_settings, kakao_rest_api_key=FAKE_KEY, kakao_base_url=kakao[0])
    clear_geocode_cache(api_settings.redis_url)
    with serve(create_app(settings)) as base:
        yield base
    clear_geocode_cache(api_settings.redis_url)


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10) as c:
        yield c


def test_bins_near_gangnam_sorted_by_distance_and_labelled_sample(client: httpx.Client) -> None:
    body = client.get(f"{BASE}/bins", params={**GANGNAM, "radius": 3000}).json()
    assert body["sample"] is True and "샘플" in body["source"]
    distances = [b["distance_m"] for b in body["items"]]
    assert distances and distances == sorted(distances)
    assert all(d <= 3000 for d in distances)
    assert all(b["sample"] is True for b in body["items"])
    assert body["count"] == len(body["items"])


def test_radius_bounds_what_is_returned(client: httpx.Client) -> None:
    near = client.get(f"{BASE}/bins", params={**GANGNAM, "radius": 300}).json()
    far = client.get(f"{BASE}/bins", params={**GANGNAM, "radius": 10_000}).json()
    assert 0 < near["count"] < far["count"]


def test_bin_kind_filter(client: httpx.Client) -> None:
    body = client.get(f"{BASE}/bins", params={**GANGNAM, "radius": 10_000, "kind": "clear_pet"}).json()
    assert body["items"] and {b["kind"] for b in body["items"]} == {"clear_pet"}


def test_centres_accept_up_to_50_km(client: httpx.Client) -> None:
    body = client.get(f"{BASE}/centres", params={**GANGNAM, "radius": 50_000}).json()
    assert body["count"] >= 10
    assert all(c["sample"] is True for c in body["items"])


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/bins", {**GANGNAM, "radius": 99}),
        ("/bins", {**GANGNAM, "radius": 10_001}),
        ("/centres", {**GANGNAM, "radius": 50_001}),
        ("/bins", {"lat": 91, "lon": 127.0}),
        ("/bins", {"lat": 37.5, "lon": "east"}),
        ("/bins", {"lat": 37.5}),
        ("/bins", {**GANGNAM, "kind": "nuclear"}),
    ],
)
def test_bad_query_is_a_422_problem(client: httpx.Client, path: str, params: dict) -> None:
    assert_problem(client.get(BASE + path, params=params), 422)


def test_geocode_needs_a_token(client: httpx.Client) -> None:
    assert_problem(client.get(f"{BASE}/geocode", params={"query": "강남대로 396"}), 401)


def test_geocode_through_kakao(
    client: httpx.Client, user_token: tuple[str, str], kakao: tuple[str, FastAPI]
) -> None:
    resp = client.get(f"{BASE}/geocode", params={"query": "강남대로 396"}, headers=bearer(user_token[1]))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["provider"] == "kakao"
    assert body["results"][0]["road_address"] == "서울 강남구 강남대로 396"
    assert body["results"][0]["lat"] == pytest.approx(37.497942)
    assert kakao[1].state.requests[-1] == (
        "/v2/local/search/address.json",
        {"query": "강남대로 396", "size": "10"},
    )
    empty = client.get(f"{BASE}/geocode", params={"query": "없는주소"}, headers=bearer(user_token[1]))
    assert empty.json()["results"] == []


def test_repeated_geocode_is_served_from_the_cache_without_calling_kakao(
    client: httpx.Client, user_token: tuple[str, str], kakao: tuple[str, FastAPI]
) -> None:
    params, headers = {"query": "세종대로 110"}, bearer(user_token[1])
    first = client.get(f"{BASE}/geocode", params=params, headers=headers)
    calls = len(kakao[1].state.requests)
    second = client.get(f"{BASE}/geocode", params=params, headers=headers)
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
    assert second.json() == first.json()
    assert len(kakao[1].state.requests) == calls


def test_reverse_geocode_through_kakao(client: httpx.Client, user_token: tuple[str, str]) -> None:
    headers = bearer(user_token[1])
    body = client.get(
        f"{BASE}/reverse-geocode", params={"lat": 37.5663, "lon": 126.9779}, headers=headers
    ).json()
    assert body["road_address"] == "서울 중구 세종대로 110"
    assert body["region"] == "서울 중구"
    nowhere = client.get(f"{BASE}/reverse-geocode", params={"lat": -10, "lon": 126.9}, headers=headers)
    assert_problem(nowhere, 404)


def test_geocode_without_a_key_is_a_clear_503(api_settings: Settings, user_token: tuple[str, str]) -> None:
    from ecoeco.services.location.app import create_app

    with serve(create_app(_location(api_settings, kakao_rest_api_key=None))) as base:
        resp = httpx.get(f"{base}{BASE}/geocode", params={"query": "시청"}, headers=bearer(user_token[1]))
        body = assert_problem(resp, 503)
        assert "ECOECO_KAKAO_REST_API_KEY" in body["detail"]
        # nearby queries do not need the key
        assert httpx.get(f"{base}{BASE}/bins", params=GANGNAM).status_code == 200


def test_rejected_key_is_a_502_that_does_not_echo_the_key(
    api_settings: Settings, user_token: tuple[str, str], kakao: tuple[str, FastAPI]
) -> None:
    from ecoeco.services.location.app import create_app

    wrong = "wrong-key-should-never-be-printed"
    settings = _location(api_settings, kakao_rest_api_key=wrong, kakao_base_url=kakao[0])
    with serve(create_app(settings)) as base:
        resp = httpx.get(f"{base}{BASE}/geocode", params={"query": "시청"}, headers=bearer(user_token[1]))
        body = assert_problem(resp, 502)
        assert "rejected the key" in body["detail"]
        assert wrong not in resp.text


def test_unreachable_kakao_is_a_502(api_settings: Settings, user_token: tuple[str, str]) -> None:
    from tests.conftest import free_port

    from ecoeco.services.location.app import create_app

    settings = _location(
        api_settings, kakao_rest_api_key=FAKE_KEY, kakao_base_url=f"http://127.0.0.1:{free_port()}"
    )
    with serve(create_app(settings)) as base:
        resp = httpx.get(f"{base}{BASE}/geocode", params={"query": "시청"}, headers=bearer(user_token[1]))
        assert_problem(resp, 502)
