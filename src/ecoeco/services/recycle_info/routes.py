"""``/api/v1/recycle-info``: public reads over the packaged guides, cached in Redis."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import redis.asyncio as aioredis
from fastapi import APIRouter, Depends, Query, Request, Response

from ecoeco.services.common.cache import get_redis
from ecoeco.services.common.errors import ProblemError
from ecoeco.services.recycle_info.catalog import Item, load_catalog
from ecoeco.services.recycle_info.guides import disposal_rule
from ecoeco.services.recycle_info.models import (
    CategoryDetail,
    CategoryList,
    CategoryOut,
    DisposalRule,
    FaqList,
    ItemOut,
    ItemPage,
    RegionList,
    RegionOut,
    SearchResult,
)
from ecoeco.services.recycle_info.response_cache import ResponseCache
from ecoeco.services.recycle_info.search import is_initials_query, search_items

PUBLIC_MAX_AGE_S = 300


async def public_cache_headers(response: Response) -> None:  # async: no thread-pool hop per request
    """The guides are public and change only with a release: let browsers and the CDN keep them."""
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE_S}"


router = APIRouter(
    prefix="/api/v1/recycle-info",
    tags=["recycle-info"],
    dependencies=[Depends(public_cache_headers)],
    responses={404: {"description": "No such item, category or region (problem+json)"}},
)

Redis = Annotated[aioredis.Redis, Depends(get_redis)]
ID_PATTERN = r"^[a-z0-9_-]{1,64}$"


def _cache(request: Request) -> ResponseCache:
    return request.app.state.response_cache


def item_out(item: Item) -> dict[str, Any]:
    catalog = load_catalog()
    data = dataclasses.asdict(item)
    data["category_name"] = catalog.categories[item.category].name_ko
    return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}


def _not_found(what: str, ident: str) -> ProblemError:
    return ProblemError(404, "Not Found", f"No {what} with id {ident!r}.")


@router.get("/items", response_model=ItemPage)
async def list_items(
    request: Request,
    response: Response,
    redis_client: Redis,
    category: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    recyclable: bool | None = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Any:
    catalog = load_catalog()
    if category is not None and category not in catalog.categories:
        raise ProblemError(
            422,
            "Unprocessable Content",
            f"Unknown category {category!r}; see /api/v1/recycle-info/categories.",
        )

    def build() -> dict[str, Any]:
        items = [
            i
            for i in catalog.items.values()
            if (category is None or i.category == category)
            and (recyclable is None or i.recyclable == recyclable)
        ]
        start = (page - 1) * size
        return {
            "items": [item_out(i) for i in items[start : start + size]],
            "page": page,
            "size": size,
            "total": len(items),
            "source": catalog.sources["items"],
        }

    key = f"items:{category}:{recyclable}:{page}:{size}"
    return await _cache(request).get_or_build(redis_client, key, build, response, model=ItemPage)


@router.get("/items/{item_id}", response_model=ItemOut)
async def get_item(item_id: str, request: Request, response: Response, redis_client: Redis) -> Any:
    item = load_catalog().items.get(item_id)
    if item is None:
        raise _not_found("item", item_id)
    return await _cache(request).get_or_build(
        redis_client, f"item:{item_id}", lambda: item_out(item), response, model=ItemOut
    )


@router.get("/categories", response_model=CategoryList)
async def list_categories(request: Request, response: Response, redis_client: Redis) -> Any:
    def build() -> dict[str, Any]:
        catalog = load_catalog()
        counts = {c: 0 for c in catalog.categories}
        for item in catalog.items.values():
            counts[item.category] += 1
        cats = [
            CategoryOut(
                id=c.id,
                name_ko=c.name_ko,
                name_en=c.name_en,
                recyclable=c.recyclable,
                how=list(c.how),
                dont=list(c.dont),
                item_count=counts[c.id],
            ).model_dump()
            for c in catalog.categories.values()
        ]
        return {"categories": cats, "source": catalog.sources["categories"]}

    return await _cache(request).get_or_build(redis_client, "categories", build, response, model=CategoryList)


@router.get("/categories/{category_id}", response_model=CategoryDetail)
async def get_category(category_id: str, request: Request, response: Response, redis_client: Redis) -> Any:
    """One category's general rule and every item disposed of in it."""
    catalog = load_catalog()
    cat = catalog.categories.get(category_id)
    if cat is None:
        raise _not_found("category", category_id)

    def build() -> dict[str, Any]:
        items = [item_out(i) for i in catalog.items.values() if i.category == cat.id]
        return {
            "id": cat.id,
            "name_ko": cat.name_ko,
            "name_en": cat.name_en,
            "recyclable": cat.recyclable,
            "how": list(cat.how),
            "dont": list(cat.dont),
            "item_count": len(items),
            "items": items,
            "source": catalog.sources["categories"],
        }

    return await _cache(request).get_or_build(
        redis_client, f"category:{cat.id}", build, response, model=CategoryDetail
    )


@router.get("/search", response_model=SearchResult)
async def search(
    request: Request,
    response: Response,
    redis_client: Redis,
    q: Annotated[str, Query(min_length=1, max_length=50, description="Korean text or initials (ㅍㅌㅂ)")],
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> Any:
    query = q.strip()
    if not query:
        raise ProblemError(422, "Unprocessable Content", "The search query is blank.")

    def build() -> dict[str, Any]:
        found = search_items(load_catalog().items.values(), query)
        return {
            "query": query,
            "mode": "initials" if is_initials_query(query) else "text",
            "total": len(found),
            "items": [item_out(i) for i in found[:limit]],
        }

    key = f"search:{limit}:{''.join(query.split()).lower()}"
    return await _cache(request).get_or_build(redis_client, key, build, response, model=SearchResult)


@router.get("/rule", response_model=DisposalRule, summary="The disposal rule for a category (and item)")
async def rule(
    category: Annotated[str, Query(pattern=ID_PATTERN)],
    item: Annotated[str | None, Query(min_length=1, max_length=50)] = None,
) -> Any:
    try:
        return disposal_rule(category, item)
    except ValueError as exc:
        raise ProblemError(422, "Unprocessable Content", str(exc)) from exc


@router.get("/regions", response_model=RegionList)
async def list_regions(
    request: Request,
    response: Response,
    redis_client: Redis,
    q: Annotated[
        str | None, Query(min_length=1, max_length=30, description="city or district, e.g. 서울 or 마포")
    ] = None,
) -> Any:
    needle = "".join(q.split()) if q else ""

    def build() -> dict[str, Any]:
        catalog = load_catalog()
        regions = [
            r
            for r in catalog.regions
            if not needle or needle in "".join(f"{r['city']}{r['district'] or ''}".split())
        ]
        return {"regions": regions, "source": catalog.sources["regions"]}

    return await _cache(request).get_or_build(
        redis_client, f"regions:{needle}", build, response, model=RegionList
    )


@router.get("/regions/{region_id}", response_model=RegionOut)
async def get_region(region_id: str) -> Any:
    for region in load_catalog().regions:
        if region["id"] == region_id:
            return region
    raise _not_found("region", region_id)


@router.get("/faq", response_model=FaqList)
async def faq(request: Request, response: Response, redis_client: Redis) -> Any:
    def build() -> dict[str, Any]:
        catalog = load_catalog()
        return {"faq": catalog.faq, "source": catalog.sources["faq"]}

    return await _cache(request).get_or_build(redis_client, "faq", build, response, model=FaqList)
