"""location's settings: the Kakao key comes from ECOECO_KAKAO_REST_API_KEY even when the caller
hands in the shared Settings, and explicit shared values are kept."""

from __future__ import annotations

import pytest

from ecoeco.services.common.settings import Settings
from ecoeco.services.location.settings import LocationSettings, location_settings


def test_shared_settings_are_extended_with_the_kakao_key_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ECOECO_KAKAO_REST_API_KEY", "from-env")
    monkeypatch.setenv("ECOECO_KAKAO_BASE_URL", "http://127.0.0.1:9")
    shared = Settings(redis_url="redis://127.0.0.1:6379/7")
    merged = location_settings(shared)
    assert isinstance(merged, LocationSettings)
    assert merged.redis_url == "redis://127.0.0.1:6379/7"
    assert merged.kakao_rest_api_key is not None
    assert merged.kakao_rest_api_key.get_secret_value() == "from-env"
    assert merged.kakao_base_url == "http://127.0.0.1:9"
    assert "from-env" not in repr(merged)  # a SecretStr: never printed


def test_no_key_configured_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ECOECO_KAKAO_REST_API_KEY", raising=False)
    assert location_settings(None).kakao_rest_api_key is None


def test_location_settings_pass_through_unchanged() -> None:
    given = LocationSettings(kakao_base_url="http://127.0.0.1:1")
    assert location_settings(given) is given
