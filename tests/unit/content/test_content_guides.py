"""disposal_rule: the contract the AI worker and chat rely on."""

from __future__ import annotations

import pytest

from ecoeco.services.recycle_info.catalog import load_catalog
from ecoeco.services.recycle_info.guides import disposal_rule, find_item
from ecoeco.shared.jobs import WASTE_CATEGORIES

KOREAN_NAMES = {
    "plastic": "플라스틱",
    "paper": "종이",
    "glass": "유리",
    "metal": "금속(캔)",
    "general": "일반쓰레기",
    "clear_pet": "투명 페트병",
    "styrofoam": "스티로폼",
    "vinyl": "비닐",
    "food_waste": "음식물쓰레기",
}


@pytest.mark.parametrize("category", WASTE_CATEGORIES)
def test_every_waste_category_has_a_rule(category: str) -> None:
    rule = disposal_rule(category)
    assert set(rule) == {"category", "item", "how", "dont", "recyclable", "source"}
    assert rule["category"] == category
    assert rule["item"] is None
    assert rule["how"] and all(isinstance(s, str) and s for s in rule["how"])
    assert isinstance(rule["dont"], list)
    assert rule["source"]


def test_categories_carry_their_korean_names() -> None:
    cats = load_catalog().categories
    assert {k: c.name_ko for k, c in cats.items()} == KOREAN_NAMES


def test_general_waste_is_not_recyclable_and_clear_pet_is() -> None:
    assert disposal_rule("general")["recyclable"] is False
    assert disposal_rule("clear_pet")["recyclable"] is True


def test_known_item_overrides_guessed_category() -> None:
    rule = disposal_rule("glass", "깨진 유리")
    assert rule["category"] == "general"
    assert rule["item"] == "깨진 유리"
    assert rule["recyclable"] is False
    assert any("신문지" in step for step in rule["how"])


def test_item_found_by_alias_id_and_english_name_ignoring_spaces() -> None:
    assert find_item("치킨 뼈").id == "chicken-bone"
    assert find_item("chicken-bone").name == "닭뼈"
    assert find_item("Milk Carton").id == "milk-carton"
    assert find_item("생 수 병").id == "clear-pet-water"


def test_unknown_item_falls_back_to_the_category_rule_and_echoes_the_item() -> None:
    rule = disposal_rule("metal", "정체불명 물건")
    assert rule["category"] == "metal"
    assert rule["item"] == "정체불명 물건"
    assert rule["how"] == list(load_catalog().categories["metal"].how)


def test_unknown_category_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown waste category 'batteries'"):
        disposal_rule("batteries")


def test_data_set_size_and_sources() -> None:
    catalog = load_catalog()
    assert len(catalog.items) >= 60
    assert len(catalog.faq) >= 10
    assert len(catalog.regions) >= 4
    assert all(region["example"] is True for region in catalog.regions)
    # every category has at least one item
    assert {i.category for i in catalog.items.values()} == set(WASTE_CATEGORIES)
    assert all(catalog.sources.values())


def test_free_text_item_names_resolve_to_the_item_written_inside_them() -> None:
    # what a vision model answers is free text, not our ids
    assert find_item("플라스틱 생수병").id == "clear-pet-water"
    assert disposal_rule("food_waste", "치킨 뼈다귀")["item"] == "닭뼈"
    assert find_item("사과") is None  # a word inside a name is not a name inside the text
    assert find_item("   ") is None


def test_same_length_matches_prefer_the_given_category() -> None:
    # "커피컵" (plastic) and "컵라면" (styrofoam) are both written in this text, equally long
    assert find_item("커피컵 옆 컵라면", "plastic").id == "takeout-cup"
    assert find_item("커피컵 옆 컵라면", "styrofoam").id == "eps-ramen-cup"
