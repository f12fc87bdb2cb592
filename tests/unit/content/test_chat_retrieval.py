"""Which guides a chat question retrieves, and the retrieval-only answer built from them."""

from __future__ import annotations

from ecoeco.services.chat_llm.retrieval import NO_MATCH_ANSWER, retrieval_answer, retrieve, sources_of


def test_item_named_in_the_question_comes_first() -> None:
    found = retrieve("치킨 뼈는 음식물쓰레기로 버려도 되나요?")
    assert found.items[0].id == "chicken-bone"


def test_longer_name_wins_over_a_name_it_contains() -> None:
    # "투명 음료 페트병" must not lose to the shorter alias match on "페트병"
    assert retrieve("투명 음료 페트병 어떻게 버려요").items[0].id == "clear-pet-soda"


def test_particles_are_stripped_to_find_items_by_word() -> None:
    found = retrieve("캔을 어떻게 버리나요")
    assert "beverage-can" in [i.id for i in found.items]


def test_faq_entries_sharing_words_are_retrieved() -> None:
    found = retrieve("아이스팩은 어떻게 버리나요?")
    assert found.items[0].id == "ice-pack"
    assert any("아이스팩" in e["question"] for e in found.faq)


def test_retrieval_answer_quotes_the_guides_and_names_sources() -> None:
    found = retrieve("우유팩 분리배출")
    answer = retrieval_answer(found)
    assert "[우유팩]" in answer
    assert "종이팩 전용 수거함" in answer
    assert sources_of(found)[0] == {
        "type": "item",
        "id": "milk-carton",
        "title": "우유팩",
        "category": "paper",
        "category_name": "종이",
    }


def test_unrelated_question_gets_an_honest_no_match() -> None:
    found = retrieve("오늘 날씨 어때?")
    assert found.items == [] and found.faq == []
    assert retrieval_answer(found) == NO_MATCH_ANSWER


def test_a_named_category_decides_between_items_of_the_same_shape() -> None:
    assert retrieve("스티로폼 택배 상자").items[0].id == "eps-box"
    assert retrieve("택배 박스 테이프").items[0].id == "cardboard-box"


def test_question_words_alone_do_not_pull_in_unrelated_faq() -> None:
    found = retrieve("건전지 버리는 법")
    assert found.items[0].id == "battery"
    assert [e["id"] for e in found.faq] == ["faq-10"]
