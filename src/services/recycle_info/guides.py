"""``disposal_rule``: the one question every consumer asks of the guides (the AI worker, chat).

Pure: reads only the packaged data set.
"""

from __future__ import annotations

from services.recycle_info.catalog import Item, load_catalog


def _normalise(text: str) -> str:
    return "".join(text.split()).lower()


def find_item(item: str) -> Item | None:
    """An item by id, Korean name, English name or alias (spaces and case ignored)."""
    catalog = load_catalog()
    if item in catalog.items:
        return catalog.items[item]
    key = _normalise(item)
    for candidate in catalog.items.values():
        names = (candidate.id, candidate.name, candidate.name_en, *candidate.aliases)
        if any(_normalise(n) == key for n in names):
            return candidate
    return None


def disposal_rule(category: str, item: str | None = None) -> dict:
    """How to dispose of ``item`` (or of anything in ``category`` when the item is unknown).

    A known item wins over the category the caller guessed, because the item's own rule is the
    more specific one (a "glass" guess of 깨진 유리 belongs in 일반쓰레기). Raises ``ValueError``
    for a category that is not one of ``WASTE_CATEGORIES``.
    """
    catalog = load_catalog()
    if category not in catalog.categories:
        raise ValueError(f"unknown waste category {category!r}; expected one of {sorted(catalog.categories)}")
    found = find_item(item) if item else None
    if found is not None:
        return {
            "category": found.category,
            "item": found.name,
            "how": list(found.how),
            "dont": list(found.dont),
            "recyclable": found.recyclable,
            "source": catalog.sources["items"],
        }
    cat = catalog.categories[category]
    return {
        "category": cat.id,
        "item": item,
        "how": list(cat.how),
        "dont": list(cat.dont),
        "recyclable": cat.recyclable,
        "source": catalog.sources["categories"],
    }
