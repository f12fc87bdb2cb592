"""Waste categories (``jobs.WASTE_CATEGORIES``) with their Korean names."""

from __future__ import annotations

from ecoeco.shared.jobs import WASTE_CATEGORIES

NAMES_KO = {
    "plastic": "플라스틱",
    "paper": "종이",
    "glass": "유리병",
    "metal": "캔·고철",
    "general": "일반쓰레기(종량제 봉투)",
    "clear_pet": "투명 페트병",
    "styrofoam": "스티로폼",
    "vinyl": "비닐",
    "food_waste": "음식물 쓰레기",
}
# Streams Korean rules collect separately from the common five.
SPECIAL = frozenset({"clear_pet", "styrofoam", "vinyl", "food_waste"})

assert set(NAMES_KO) == set(WASTE_CATEGORIES), "every category needs a Korean name"
