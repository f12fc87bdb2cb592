"""Storage-worker image handling: metadata stripped, thumbnail bounds, stable perceptual hash,
clear rejections; the offline classifier labels itself as not a model."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from ecoeco.services.workers.imaging import ImageRejected, clean_image, dhash, hamming
from ecoeco.services.workers.vision import HeuristicVision


def jpeg(size=(800, 600), colour=(200, 40, 40), exif: bool = True, quality: int = 95) -> bytes:
    img = Image.new("RGB", size, colour)
    for x in range(0, size[0], 3):
        img.putpixel((x, x % size[1]), (x % 255, 255 - x % 255, 90))
    out = io.BytesIO()
    kw = {}
    if exif:
        e = Image.Exif()
        e[0x010F] = "EcoCam"
        kw["exif"] = e.tobytes()
    img.save(out, format="JPEG", quality=quality, **kw)
    return out.getvalue()


def test_metadata_is_stripped_and_thumbnail_fits_300():
    raw = jpeg()
    assert Image.open(io.BytesIO(raw)).getexif()
    clean = clean_image(raw)
    assert not Image.open(io.BytesIO(clean.data)).getexif()
    thumb = Image.open(io.BytesIO(clean.thumbnail))
    assert thumb.size == (300, 225)
    assert (clean.width, clean.height, clean.ext) == (800, 600, "jpg")
    assert len(clean.sha256) == 64 and len(clean.phash) == 16


def test_perceptual_hash_survives_reencoding_but_not_a_different_picture():
    picture = Image.radial_gradient("L").resize((800, 600)).convert("RGB")
    small_lossy = io.BytesIO()
    picture.resize((400, 300)).save(small_lossy, format="JPEG", quality=40)
    same = Image.open(small_lossy)
    other = Image.linear_gradient("L").rotate(90).resize((800, 600)).convert("RGB")
    assert hamming(dhash(picture), dhash(same)) <= 4
    assert hamming(dhash(picture), dhash(other)) > 10


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4 not an image", "not a readable image"),
        (jpeg(size=(8, 8), exif=False), "too small"),
    ],
)
def test_bad_uploads_are_rejected_with_a_reason(data, message):
    with pytest.raises(ImageRejected, match=message):
        clean_image(data)


def test_gif_is_not_accepted():
    out = io.BytesIO()
    Image.new("P", (64, 64)).save(out, format="GIF")
    with pytest.raises(ImageRejected, match="GIF"):
        clean_image(out.getvalue())


def test_heuristic_is_labelled_as_not_a_model():
    result = HeuristicVision().classify(jpeg(exif=False))
    assert result["backend"] == "heuristic" and result["is_model"] is False
    assert result["confidence"] <= 0.5
    assert result["state"] in ("clean", "dirty", "mixed")
