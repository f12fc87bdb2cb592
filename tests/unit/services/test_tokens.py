"""JWT issuing and verification (ecoeco.services.common.security)."""

from __future__ import annotations

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from ecoeco.services.common.security import ACCESS, ISSUER, REFRESH, TokenError, decode_token, issue_token
from ecoeco.services.common.settings import Settings


def test_access_token_round_trip_carries_the_contract_claims() -> None:
    settings = Settings()
    token, claims = issue_token(settings, "user-1", "a@example.com")
    decoded = decode_token(settings, token)
    assert decoded == claims
    assert decoded["iss"] == ISSUER and decoded["type"] == ACCESS
    assert decoded["exp"] - decoded["iat"] == 3600


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda s: issue_token(s, "u", None, ttl_s=-5)[0], "expired"),
        (lambda s: issue_token(s, "u", None, REFRESH)[0], "not an access token"),
        (
            lambda s: issue_token(s.model_copy(update={"jwt_secret": SecretStr("y" * 40)}), "u", None)[0],
            "invalid",
        ),
        (lambda s: jwt.encode({"sub": "u", "type": "access"}, s.jwt_secret.get_secret_value()), "invalid"),
        (lambda s: "garbage", "invalid"),
    ],
)
def test_bad_tokens_are_rejected_with_a_reason(make, message: str) -> None:
    settings = Settings()
    with pytest.raises(TokenError, match=message):
        decode_token(settings, make(settings), ACCESS)


def test_alg_none_is_refused() -> None:
    settings = Settings()
    unsigned = jwt.encode(
        {"sub": "u", "jti": "j", "type": "access", "iat": 1, "exp": 2**31, "iss": ISSUER},
        None,
        algorithm="none",
    )
    with pytest.raises(TokenError):
        decode_token(settings, unsigned)


def test_rs256_when_a_key_pair_is_configured() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    signer = Settings(jwt_algorithm="RS256", jwt_private_key=SecretStr(private), jwt_public_key=public)
    verifier = Settings(jwt_algorithm="RS256", jwt_public_key=public)  # services other than auth hold no key
    token, _ = issue_token(signer, "u", None)
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert decode_token(verifier, token)["sub"] == "u"
