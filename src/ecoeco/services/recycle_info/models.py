"""Response shapes of the recycle-info API (they document /openapi.json)."""

from __future__ import annotations

from pydantic import BaseModel


class ItemOut(BaseModel):
    id: str
    name: str
    name_en: str
    category: str
    category_name: str
    recyclable: bool
    how: list[str]
    dont: list[str]
    aliases: list[str]


class ItemPage(BaseModel):
    items: list[ItemOut]
    page: int
    size: int
    total: int
    source: str


class CategoryOut(BaseModel):
    id: str
    name_ko: str
    name_en: str
    recyclable: bool
    how: list[str]
    dont: list[str]
    item_count: int


class CategoryDetail(CategoryOut):
    items: list[ItemOut]
    source: str


class CategoryList(BaseModel):
    categories: list[CategoryOut]
    source: str


class SearchResult(BaseModel):
    query: str
    mode: str  # "text" or "initials"
    total: int
    items: list[ItemOut]


class RegionSchedule(BaseModel):
    general: list[str]
    recyclables: list[str]
    food: list[str]


class RegionOut(BaseModel):
    id: str
    city: str
    district: str | None
    bags: dict[str, str]
    schedule: RegionSchedule
    hours: str
    notes: list[str]
    example: bool
    note: str


class RegionList(BaseModel):
    regions: list[RegionOut]
    source: str


class FaqEntry(BaseModel):
    id: str
    question: str
    answer: str


class FaqList(BaseModel):
    faq: list[FaqEntry]
    source: str


class DisposalRule(BaseModel):
    category: str
    item: str | None
    how: list[str]
    dont: list[str]
    recyclable: bool
    source: str
