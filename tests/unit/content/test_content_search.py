"""Korean search over the packaged items: substring and initial-consonant (초성) match."""

from __future__ import annotations

from ecoeco.services.recycle_info.catalog import load_catalog
from ecoeco.services.recycle_info.search import initials, is_initials_query, search_items


def _ids(query: str) -> list[str]:
    return [item.id for item in search_items(load_catalog().items.values(), query)]


def test_initials_of_hangul_and_passthrough() -> None:
    assert initials("페트병") == "ㅍㅌㅂ"
    assert initials("CD 케이스") == "CD ㅋㅇㅅ"


def test_initials_query_detection() -> None:
    assert is_initials_query("ㅍㅌ ㅂ")
    assert not is_initials_query("페트")
    assert not is_initials_query("   ")


def test_substring_match_ranks_exact_name_first() -> None:
    ids = _ids("소주병")
    assert ids[0] == "soju-bottle"


def test_substring_finds_every_pet_bottle_item() -> None:
    ids = _ids("페트병")
    assert {"clear-pet-water", "clear-pet-soda", "colored-pet-bottle"} <= set(ids)
    assert "newspaper" not in ids


def test_initials_query_finds_items() -> None:
    assert "soju-bottle" in _ids("ㅅㅈㅂ")
    assert _ids("ㄷㅃ")[0] == "chicken-bone"


def test_alias_and_english_match() -> None:
    assert "chicken-bone" in _ids("치킨")
    assert "milk-carton" in _ids("carton")


def test_no_match_and_blank_query_return_nothing() -> None:
    assert _ids("우주선") == []
    assert _ids("  ") == []
