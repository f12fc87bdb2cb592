"""Small generated waste photos for ``load``: PNG or JPEG, a few coloured shapes on a background.

Each call draws a different picture (so the AI worker's perceptual-hash cache is not hit every time),
but a seed makes them reproducible.
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw


def make_image(rng: random.Random, fmt: str = "PNG") -> tuple[bytes, str]:
    """Returns (bytes, content type)."""
    size = (rng.randint(96, 320), rng.randint(96, 320))
    background = tuple(rng.randint(0, 255) for _ in range(3))
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(2, 6)):
        x0, y0 = rng.randint(0, size[0] - 10), rng.randint(0, size[1] - 10)
        x1, y1 = rng.randint(x0 + 5, size[0]), rng.randint(y0 + 5, size[1])
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        if rng.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        else:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
    buf = io.BytesIO()
    image.save(buf, format=fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    return buf.getvalue(), "image/png" if fmt == "PNG" else "image/jpeg"
