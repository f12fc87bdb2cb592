"""Image checks and transforms for the storage worker (Pillow only).

``clean_image`` re-encodes the pixels, which drops EXIF/GPS/XMP and any trailing payload;
``dhash`` is a 64-bit difference hash, stable across re-encoding and resizing, used by the AI
worker's cache to avoid classifying the same picture twice.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_PIXELS = 40_000_000
MIN_SIDE = 16
THUMB_SIDE = 300


class ImageRejected(ValueError):
    """The upload is not an image we accept (the message says why, for the user)."""


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    ext: str
    content_type: str
    width: int
    height: int
    sha256: str
    phash: str
    thumbnail: bytes


def _open(data: bytes) -> Image.Image:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()  # structure check; the probe cannot be used afterwards
        img = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageRejected(f"not a readable image: {exc}") from exc
    if img.format not in ALLOWED_FORMATS:
        raise ImageRejected(f"image format {img.format} not accepted (JPEG, PNG or WebP)")
    w, h = img.size
    if w * h > MAX_PIXELS:
        raise ImageRejected(f"image too large: {w}x{h} pixels (max {MAX_PIXELS})")
    if min(w, h) < MIN_SIDE:
        raise ImageRejected(f"image too small: {w}x{h} pixels (min side {MIN_SIDE})")
    return img


def dhash(img: Image.Image, size: int = 8) -> str:
    """Difference hash: 64 bits comparing horizontally adjacent pixels of a 9x8 greyscale copy."""
    small = img.convert("L").resize((size + 1, size), Image.Resampling.LANCZOS)
    lum = small.tobytes()  # mode "L": one byte per pixel, row by row
    width = size + 1
    bits = 0
    for y in range(size):
        for x in range(size):
            bits = (bits << 1) | (1 if lum[y * width + x] > lum[y * width + x + 1] else 0)
    return f"{bits:0{size * size // 4}x}"


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def clean_image(data: bytes) -> CleanImage:
    img = _open(data)
    fmt = img.format or "JPEG"
    try:
        img = ImageOps.exif_transpose(img)  # keep the orientation the EXIF asked for, then drop EXIF
        img.load()
    except OSError as exc:
        raise ImageRejected(f"image data truncated or corrupt: {exc}") from exc
    if fmt == "JPEG" and img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    out = io.BytesIO()
    save_kwargs = {"quality": 90} if fmt in ("JPEG", "WEBP") else {}
    img.save(out, format=fmt, **save_kwargs)  # no exif=, no pnginfo=: metadata is not carried over
    data_clean = out.getvalue()
    thumb = img.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    if thumb.mode not in ("RGB", "L"):
        thumb = thumb.convert("RGB")
    tout = io.BytesIO()
    thumb.save(tout, format="JPEG", quality=85)
    return CleanImage(
        data=data_clean,
        ext=ALLOWED_FORMATS[fmt],
        content_type=Image.MIME.get(fmt, "application/octet-stream"),
        width=img.width,
        height=img.height,
        sha256=hashlib.sha256(data_clean).hexdigest(),
        phash=dhash(img),
        thumbnail=tout.getvalue(),
    )
