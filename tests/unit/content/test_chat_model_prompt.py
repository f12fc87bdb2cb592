"""What the chat service sends a model: the guides in the system prompt, the recent turns, the question."""

from __future__ import annotations

from ecoeco.services.chat_llm.model_client import HISTORY_TURNS, build_messages


def _turns(n: int) -> list[dict]:
    return [{"role": "user" if i % 2 == 0 else "assistant", "content": f"turn {i}"} for i in range(n)]


def test_guides_go_in_the_system_prompt_and_the_question_last() -> None:
    msgs = build_messages("[우유팩] → 종이", [], "우유팩은요?")
    assert msgs[0]["role"] == "system" and msgs[0]["content"].endswith("[우유팩] → 종이")
    assert msgs[-1] == {"role": "user", "content": "우유팩은요?"}


def test_only_the_recent_turns_are_sent() -> None:
    msgs = build_messages("g", _turns(HISTORY_TURNS + 6), "q")
    assert len(msgs) == HISTORY_TURNS + 2
    assert msgs[1]["content"] == "turn 6"


def test_without_guides_the_model_is_told_there_are_none() -> None:
    assert "가이드 없음" in build_messages("", [], "날씨?")[0]["content"]
