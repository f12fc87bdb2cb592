"""Find the guides a question is about, and answer from them alone when no model is configured.

Pure: reads only the packaged recycle-info data set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ecoeco.services.recycle_info.catalog import Item, load_catalog
from ecoeco.services.recycle_info.search import search_items

MAX_ITEMS = 3
MAX_FAQ = 2
_WORD = re.compile(r"[0-9A-Za-z가-힣]+")
# Korean particles that glue onto nouns ("페트병은", "캔을"); stripped so the noun can match.
_PARTICLES = ("으로", "에서", "이랑", "은", "는", "이", "가", "을", "를", "도", "로", "와", "과", "의", "랑")
# Words of any disposal question; matching on them would retrieve everything.
_STOP = frozenset(
    {
        "어떻게",
        "버리",
        "버려",
        "버려요",
        "버리나요",
        "버려야",
        "버리는",
        "하나요",
        "돼요",
        "되나요",
        "어디에",
        "뭐예요",
        "분리배출",
        "방법",
        "배출",
        "인가요",
        "있나요",
        "해요",
        "하나",
        "어디",
    }
)
# Score weights: a name written out (plus its length) and a category named outright weigh about
# the same ("스티로폼 택배 상자" is a styrofoam box, not a cardboard one); single words count little.
NAMED = 10
CATEGORY = 14
TERM = 2
CATEGORY_WORDS = {
    "plastic": ("플라스틱",),
    "paper": ("종이",),
    "glass": ("유리",),
    "metal": ("금속", "캔", "고철"),
    "general": ("일반쓰레기", "종량제"),
    "clear_pet": ("투명페트",),
    "styrofoam": ("스티로폼",),
    "vinyl": ("비닐",),
    "food_waste": ("음식물",),
}


@dataclass(frozen=True)
class Retrieved:
    items: list[Item]
    faq: list[dict]


def _compact(text: str) -> str:
    return "".join(text.split()).lower()


def _terms(question: str) -> list[str]:
    terms = []
    for word in _WORD.findall(question):
        for particle in _PARTICLES:
            if word.endswith(particle) and len(word) > len(particle) + 1:
                word = word[: -len(particle)]
                break
        if len(word) >= 2 and word not in _STOP:
            terms.append(word.lower())
    return terms


def retrieve(question: str) -> Retrieved:
    """Rank items by how the question refers to them: an item name or alias written in it counts
    most (longer names more), then a category it names (스티로폼, 비닐...), then words matching
    item names. FAQ entries are ranked by the words they share with the question."""
    catalog = load_catalog()
    compact_q = _compact(question)
    terms = _terms(question)
    scores: dict[str, int] = {}
    for item in catalog.items.values():
        lengths = [len(c) for n in (item.name, *item.aliases) if (c := _compact(n)) and c in compact_q]
        if lengths:
            scores[item.id] = NAMED + max(lengths)
    for term in terms:
        for item in search_items(catalog.items.values(), term):
            scores[item.id] = scores.get(item.id, 0) + TERM
    mentioned = {cat for cat, words in CATEGORY_WORDS.items() if any(w in compact_q for w in words)}
    for item_id in scores:
        if catalog.items[item_id].category in mentioned:
            scores[item_id] += CATEGORY
    order = {item_id: i for i, item_id in enumerate(catalog.items)}
    ranked = sorted(scores, key=lambda item_id: (-scores[item_id], order[item_id]))
    scored_faq = []
    for entry in catalog.faq:
        text = _compact(entry["question"])
        score = sum(1 for t in terms if t in text)
        if score:
            scored_faq.append((score, entry))
    scored_faq.sort(key=lambda t: -t[0])
    return Retrieved(
        items=[catalog.items[i] for i in ranked[:MAX_ITEMS]], faq=[e for _, e in scored_faq[:MAX_FAQ]]
    )


def sources_of(found: Retrieved) -> list[dict]:
    catalog = load_catalog()
    out: list[dict[str, str | None]] = [
        {
            "type": "item",
            "id": item.id,
            "title": item.name,
            "category": item.category,
            "category_name": catalog.categories[item.category].name_ko,
        }
        for item in found.items
    ]
    out += [
        {"type": "faq", "id": e["id"], "title": e["question"], "category": None, "category_name": None}
        for e in found.faq
    ]
    return out


def guide_text(found: Retrieved) -> str:
    """The retrieved guides as plain text: quoted verbatim in retrieval answers, and the grounding
    context given to a model."""
    catalog = load_catalog()
    parts = []
    for item in found.items:
        cat = catalog.categories[item.category]
        lines = [f"[{item.name}] → {cat.name_ko} ({'재활용 가능' if item.recyclable else '재활용 불가'})"]
        lines += [f"- {step}" for step in item.how]
        lines += [f"- 주의: {dont}" for dont in item.dont]
        parts.append("\n".join(lines))
    for entry in found.faq:
        parts.append(f"[FAQ] {entry['question']}\n- {entry['answer']}")
    return "\n\n".join(parts)


NO_MATCH_ANSWER = (
    "질문하신 품목을 분리배출 가이드에서 찾지 못했습니다. 품목 이름(예: '페트병', '우유팩', '치킨 뼈')을 "
    "넣어 다시 물어보시거나 /api/v1/recycle-info/search 로 검색해 보세요."
)


def retrieval_answer(found: Retrieved) -> str:
    if not found.items and not found.faq:
        return NO_MATCH_ANSWER
    return "분리배출 가이드에서 찾은 내용입니다.\n\n" + guide_text(found)
