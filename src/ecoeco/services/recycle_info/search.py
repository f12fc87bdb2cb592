"""Korean item search: substring match on names and aliases, and initial-consonant (초성) match.

"ㅍㅌㅂ" finds 페트병 the way Korean keyboards users expect; spaces and case are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable

from ecoeco.services.recycle_info.catalog import Item

_HANGUL_FIRST = 0xAC00
_HANGUL_LAST = 0xD7A3
_SYLLABLES_PER_INITIAL = 21 * 28
_INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_INITIAL_SET = frozenset(_INITIALS)


def _compact(text: str) -> str:
    return "".join(text.split()).lower()


def initials(text: str) -> str:
    """The initial consonant of each Hangul syllable; other characters pass through."""
    out = []
    for ch in text:
        code = ord(ch)
        if _HANGUL_FIRST <= code <= _HANGUL_LAST:
            out.append(_INITIALS[(code - _HANGUL_FIRST) // _SYLLABLES_PER_INITIAL])
        else:
            out.append(ch)
    return "".join(out)


def is_initials_query(query: str) -> bool:
    compact = _compact(query)
    return bool(compact) and all(ch in _INITIAL_SET for ch in compact)


def _score(item: Item, query: str, by_initials: bool) -> int:
    """Higher is better; 0 means no match."""
    names = [item.name, *item.aliases]
    if by_initials:
        if any(initials(_compact(n)).startswith(query) for n in names):
            return 2
        return 1 if any(query in initials(_compact(n)) for n in names) else 0
    if _compact(item.name) == query:
        return 6
    if _compact(item.name).startswith(query):
        return 5
    if query in _compact(item.name):
        return 4
    if any(query in _compact(a) for a in item.aliases):
        return 3
    if query in item.name_en.lower() or query in item.id:
        return 2
    return 0


def search_items(items: Iterable[Item], query: str) -> list[Item]:
    """Items matching ``query``, best first (ties keep data-set order)."""
    compact = _compact(query)
    if not compact:
        return []
    by_initials = is_initials_query(compact)
    scored = [(s, i, item) for i, item in enumerate(items) if (s := _score(item, compact, by_initials))]
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [item for _, _, item in scored]
