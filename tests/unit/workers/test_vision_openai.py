"""The OpenAI-compatible vision backend against a loopback endpoint that answers like one
(no model can run here): request shape, answer parsing, out-of-contract answers clamped."""

from __future__ import annotations

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from PIL import Image
from tests.conftest import free_port

from ecoeco.services.common.settings import Settings
from ecoeco.services.workers.vision import HeuristicVision, OpenAICompatibleVision, make_backend


class FakeChatCompletions(BaseHTTPRequestHandler):
    answer: dict = {}
    seen: list[dict] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        payload = {"choices": [{"message": {"role": "assistant", "content": json.dumps(type(self).answer)}}]}
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def endpoint():
    FakeChatCompletions.seen = []
    server = HTTPServer(("127.0.0.1", free_port()), FakeChatCompletions)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def picture() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 200, 10)).save(out, format="JPEG")
    return out.getvalue()


def test_model_answer_is_parsed_and_labelled(endpoint):
    FakeChatCompletions.answer = {
        "category": "clear_pet",
        "item": "생수병",
        "state": "clean",
        "confidence": 0.92,
    }
    backend = OpenAICompatibleVision(endpoint, "sk-test", "vision-x")
    result = backend.classify(picture())
    assert result == {
        "category": "clear_pet",
        "item": "생수병",
        "state": "clean",
        "confidence": 0.92,
        "backend": "openai-compatible",
        "model": "vision-x",
        "is_model": True,
    }
    call = FakeChatCompletions.seen[0]
    assert call["path"] == "/v1/chat/completions" and call["auth"] == "Bearer sk-test"
    content = call["body"]["messages"][0]["content"]
    assert content[1]["image_url"]["url"].startswith("data:image/jpeg;base64,")


def test_out_of_contract_answer_is_clamped(endpoint):
    FakeChatCompletions.answer = {"category": "spaceship", "state": "sparkly", "confidence": 7}
    result = OpenAICompatibleVision(endpoint, None, "m").classify(picture())
    assert (result["category"], result["state"], result["confidence"]) == ("general", "mixed", 1.0)
    assert FakeChatCompletions.seen[0]["auth"] is None


def test_backend_choice_follows_settings(endpoint):
    assert isinstance(make_backend(Settings(openai_base_url=None)), HeuristicVision)
    assert isinstance(make_backend(Settings(openai_base_url=endpoint)), OpenAICompatibleVision)
