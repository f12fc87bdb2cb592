"""The packaged disposal-guide data set (``data/*.json``), loaded once and validated.

The files are the single source of truth for the API, the chat service's retrieval and the AI
worker's disposal rule; nothing else repeats their content.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from ecoeco.shared.jobs import WASTE_CATEGORIES


@dataclass(frozen=True)
class Category:
    id: str
    name_ko: str
    name_en: str
    recyclable: bool
    how: tuple[str, ...]
    dont: tuple[str, ...]


@dataclass(frozen=True)
class Item:
    id: str
    name: str
    name_en: str
    category: str
    recyclable: bool
    how: tuple[str, ...]
    dont: tuple[str, ...]
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    categories: dict[str, Category]
    items: dict[str, Item]
    regions: list[dict[str, Any]]
    faq: list[dict[str, Any]]
    sources: dict[str, str]


def _read(name: str) -> dict[str, Any]:
    text = resources.files("ecoeco.services.recycle_info").joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    cats_doc = _read("categories.json")
    items_doc = _read("items.json")
    regions_doc = _read("regions.json")
    faq_doc = _read("faq.json")
    categories = {
        c["id"]: Category(
            id=c["id"],
            name_ko=c["name_ko"],
            name_en=c["name_en"],
            recyclable=c["recyclable"],
            how=tuple(c["how"]),
            dont=tuple(c["dont"]),
        )
        for c in cats_doc["categories"]
    }
    missing = set(WASTE_CATEGORIES) - set(categories)
    if missing:
        raise ValueError(f"categories.json lacks waste categories: {sorted(missing)}")
    items: dict[str, Item] = {}
    for raw in items_doc["items"]:
        if raw["category"] not in categories:
            raise ValueError(f"item {raw['id']!r} has unknown category {raw['category']!r}")
        if raw["id"] in items:
            raise ValueError(f"duplicate item id {raw['id']!r}")
        items[raw["id"]] = Item(
            id=raw["id"],
            name=raw["name"],
            name_en=raw["name_en"],
            category=raw["category"],
            recyclable=raw["recyclable"],
            how=tuple(raw["how"]),
            dont=tuple(raw["dont"]),
            aliases=tuple(raw.get("aliases", ())),
        )
    return Catalog(
        categories=categories,
        items=items,
        regions=regions_doc["regions"],
        faq=faq_doc["faq"],
        sources={
            "categories": cats_doc["source"],
            "items": items_doc["source"],
            "regions": regions_doc["source"],
            "faq": faq_doc["source"],
        },
    )
