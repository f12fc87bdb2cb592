"""location's own settings on top of the shared ones (``ECOECO_KAKAO_*``)."""

from __future__ import annotations

from pydantic import SecretStr

from ecoeco.services.common.settings import Settings


class LocationSettings(Settings):
    kakao_rest_api_key: SecretStr | None = None
    # A setting so tests (and the sandbox) can point it at a local stand-in.
    kakao_base_url: str = "https://dapi.kakao.com"
    kakao_timeout_s: float = 5.0


def location_settings(settings: Settings | None) -> LocationSettings:
    """The given shared settings, extended with the Kakao fields (from the environment unless given)."""
    if isinstance(settings, LocationSettings):
        return settings
    if settings is None:
        return LocationSettings()
    # Explicit values win over the environment; Kakao fields still come from ECOECO_KAKAO_*.
    return LocationSettings(**{name: getattr(settings, name) for name in type(settings).model_fields})
