"""``disposal_rule``: the one question every consumer asks of the guides (the AI worker, chat).

Pure: reads only the packaged data set.
"""

from __future__ import annotations

from ecoeco.services.recycle_info.catalog import Item, load_catalog


def _normalise(text: str) -> str:
    return "".join(text.split()).lower()


MIN_CONTAINED = 2  # a one-syllable alias such as 캔 inside free text is too weak to decide


def find_item(item: str, category: str | None = None) -> Item | None:
    """An item by id, Korean name, English name or alias (spaces and case ignored); failing that,
    the item whose name or alias is written inside ``item`` (a vision model's free text such as
    "플라스틱 생수병"), longest name first, then one of ``category``."""
    catalog = load_catalog()
    if item in catalog.items:
        return catalog.items[item]
    key = _normalise(item)
    if not key:
        return None
    for candidate in catalog.items.values():
        names = (candidate.id, candidate.name, candidate.name_en, *candidate.aliases)
        if any(_normalise(n) == key for n in names):
            return candidate
    best: tuple[int, int, Item] | None = None
    for candidate in catalog.items.values():
        lengths = [
            len(n)
            for n in map(_normalise, (candidate.name, *candidate.aliases))
            if len(n) >= MIN_CONTAINED and n in key
        ]
        if lengths:
            rank = (max(lengths), int(candidate.category == category), candidate)
            if best is None or rank[:2] > best[:2]:
                best = rank
    return best[2] if best else None


def disposal_rule(category: str, item: str | None = None) -> dict:
    """How to dispose of ``item`` (or of anything in ``category`` when the item is unknown).

    A known item wins over the category the caller guessed, because the item's own rule is the
    more specific one (a "glass" guess of 깨진 유리 belongs in 일반쓰레기). Raises ``ValueError``
    for a category that is not one of ``WASTE_CATEGORIES``.
    """
    catalog = load_catalog()
    if category not in catalog.categories:
        raise ValueError(f"unknown waste category {category!r}; expected one of {sorted(catalog.categories)}")
    found = find_item(item, category) if item else None
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
