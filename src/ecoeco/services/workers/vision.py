"""Vision backends for the AI worker.

``OpenAICompatibleVision``: any OpenAI-compatible chat-completions endpoint with image input
(``openai_base_url`` set). ``HeuristicVision``: the offline fallback. It is a colour/shape rule
of thumb, not a model, and says so in every result (``is_model: false``).
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any, Protocol

import httpx
from PIL import Image, ImageStat

from ecoeco.services.common.settings import Settings
from ecoeco.shared.jobs import WASTE_CATEGORIES

STATES = ("clean", "dirty", "mixed")


class VisionBackend(Protocol):
    def classify(self, image: bytes) -> dict[str, Any]: ...


class HeuristicVision:
    """Mean colour, saturation and aspect ratio mapped to a category; low confidence by design."""

    label = {"backend": "heuristic", "is_model": False}

    def classify(self, image: bytes) -> dict[str, Any]:
        img = Image.open(io.BytesIO(image)).convert("RGB")
        img.thumbnail((64, 64))
        r, g, b = ImageStat.Stat(img).mean
        hsv = ImageStat.Stat(img.convert("HSV"))
        sat, val = hsv.mean[1] / 255, hsv.mean[2] / 255
        spread = sum(hsv.stddev) / (3 * 255)
        aspect = max(img.size) / max(1, min(img.size))
        if val > 0.85 and sat < 0.12:
            category = "styrofoam"
        elif sat < 0.15 and b >= r and aspect > 1.6:
            category = "clear_pet"  # pale, cool-toned and bottle-shaped
        elif sat < 0.15 and 0.35 < val < 0.8:
            category = "metal"
        elif g > r and g > b and sat > 0.25:
            category = "glass"
        elif r > g > b and sat > 0.2 and val < 0.75:
            category = "paper"  # brown: cardboard
        elif sat > 0.35:
            category = "plastic"
        elif val < 0.3:
            category = "general"
        else:
            category = "paper"
        state = "mixed" if spread > 0.28 else "clean"
        return {
            "category": category,
            "item": None,
            "state": state,
            "confidence": 0.3,
            **self.label,
            "features": {
                "mean_rgb": [round(r), round(g), round(b)],
                "saturation": round(sat, 3),
                "value": round(val, 3),
            },
        }


class OpenAICompatibleVision:
    PROMPT = (
        "Classify the waste item in this photo for Korean recycling. Answer JSON only: "
        '{"category": one of ' + json.dumps(list(WASTE_CATEGORIES)) + ', "item": short Korean item name, '
        '"state": "clean"|"dirty"|"mixed", "confidence": 0..1}'
    )

    def __init__(self, base_url: str, api_key: str | None, model: str, timeout_s: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(timeout=timeout_s, headers=headers)

    def classify(self, image: bytes) -> dict[str, Any]:
        data_url = "data:image/jpeg;base64," + base64.b64encode(image).decode()
        resp = self.client.post(
            f"{self.base_url}/chat/completions",
            json={
                "model": self.model,
                "response_format": {"type": "json_object"},
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": self.PROMPT},
                            {"type": "image_url", "image_url": {"url": data_url}},
                        ],
                    }
                ],
            },
        )
        resp.raise_for_status()
        content = resp.json()["choices"][0]["message"]["content"]
        answer = json.loads(content)
        category = answer.get("category") if answer.get("category") in WASTE_CATEGORIES else "general"
        state = answer.get("state") if answer.get("state") in STATES else "mixed"
        try:
            confidence = min(1.0, max(0.0, float(answer.get("confidence", 0.5))))
        except (TypeError, ValueError):
            confidence = 0.5
        return {
            "category": category,
            "item": answer.get("item") or None,
            "state": state,
            "confidence": confidence,
            "backend": "openai-compatible",
            "model": self.model,
            "is_model": True,
        }


def make_backend(settings: Settings) -> VisionBackend:
    if settings.openai_base_url:
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        return OpenAICompatibleVision(settings.openai_base_url, key, settings.vision_model)
    return HeuristicVision()
