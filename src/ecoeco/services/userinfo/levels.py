"""Levels by accumulated points."""

from __future__ import annotations

# (minimum points, name), ascending
LEVELS: tuple[tuple[int, str], ...] = (
    (0, "새싹"),
    (100, "분리수거 입문"),
    (300, "분리수거 숙련"),
    (700, "자원순환 지킴이"),
    (1500, "에코 마스터"),
)


def level_for(points: int) -> tuple[int, str, int | None]:
    """(level number from 1, its name, points at which the next level starts or None at the top)."""
    index = 0
    for i, (minimum, _) in enumerate(LEVELS):
        if points >= minimum:
            index = i
    next_at = LEVELS[index + 1][0] if index + 1 < len(LEVELS) else None
    return index + 1, LEVELS[index][1], next_at
