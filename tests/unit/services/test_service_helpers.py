"""Small pure helpers of the API services."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from ecoeco.services.userinfo.levels import LEVELS, level_for
from ecoeco.services.waste.uploads import sniff_image


@pytest.mark.parametrize(
    ("points", "level", "next_at"),
    [(0, 1, 100), (99, 1, 100), (100, 2, 300), (1499, 4, 1500), (10**6, 5, None)],
)
def test_levels(points: int, level: int, next_at: int | None) -> None:
    got_level, name, got_next = level_for(points)
    assert (got_level, got_next) == (level, next_at)
    assert name == LEVELS[level - 1][1]


def encode(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 10)).save(buf, fmt)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("fmt", "ctype"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")]
)
def test_sniff_recognises_real_images(fmt: str, ctype: str) -> None:
    assert sniff_image(encode(fmt)) == ctype


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GIF89a" + b"\0" * 10,
        encode("PNG")[:20],
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        encode("BMP"),
    ],
)
def test_sniff_refuses_everything_else(data: bytes) -> None:
    assert sniff_image(data) is None
