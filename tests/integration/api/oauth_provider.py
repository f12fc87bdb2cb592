"""A local OAuth 2.0 provider for tests: issues codes, trades them for tokens, answers user info in
the Kakao, Google or Naver shape. Never the internet."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import FastAPI, Form, Header, HTTPException

CLIENT_ID = "local-client"
CLIENT_SECRET = "local-secret-value"


class LocalProvider:
    def __init__(self) -> None:
        self.codes: dict[str, dict[str, Any]] = {}  # code -> account
        self.tokens: dict[str, dict[str, Any]] = {}  # access token -> account
        self.token_requests: list[dict[str, str]] = []

    def issue_code(self, subject: str, email: str | None, name: str = "테스터") -> str:
        code = secrets.token_urlsafe(12)
        self.codes[code] = {"subject": subject, "email": email, "name": name}
        return code

    def app(self, shape: str) -> FastAPI:
        app = FastAPI()

        @app.post("/token")
        async def token(
            grant_type: str = Form(),
            code: str = Form(),
            client_id: str = Form(),
            client_secret: str = Form(),
            redirect_uri: str = Form(),
        ) -> dict[str, Any]:
            self.token_requests.append({"grant_type": grant_type, "redirect_uri": redirect_uri})
            if client_id != CLIENT_ID or client_secret != CLIENT_SECRET:
                raise HTTPException(401, "invalid_client")
            account = self.codes.pop(code, None)  # codes are single use
            if grant_type != "authorization_code" or account is None:
                raise HTTPException(400, "invalid_grant")
            access = secrets.token_urlsafe(16)
            self.tokens[access] = account
            return {"access_token": access, "token_type": "bearer", "expires_in": 600}

        @app.get("/userinfo")
        async def userinfo(authorization: str = Header()) -> dict[str, Any]:
            account = self.tokens.get(authorization.removeprefix("Bearer "))
            if account is None:
                raise HTTPException(401, "invalid_token")
            if shape == "kakao":
                return {
                    "id": int(account["subject"]),
                    "kakao_account": {"email": account["email"], "profile": {"nickname": account["name"]}},
                }
            if shape == "naver":
                return {"resultcode": "00", "response": {"id": account["subject"], "email": account["email"]}}
            return {"sub": account["subject"], "email": account["email"], "name": account["name"]}

        @app.get("/health")
        async def health() -> dict[str, str]:
            return {"status": "ok"}

        return app
