"""A real Quilt catalog (stack=aws): its URL and the refresh tokens the operator provides per user.

The stand-in mints tokens itself; a real catalog cannot be asked to, so the users a scenario logs in as
must come with a refresh token in QUILT_E2E_REFRESH_TOKEN_<USER> (e.g. QUILT_E2E_REFRESH_TOKEN_TEST_USER).
Scenarios that need forged or expired tokens need the stand-in.
"""

from __future__ import annotations

import os


class RemoteCatalog:
    def __init__(self, url: str):
        self.url = url.rstrip("/")

    @staticmethod
    def _variable(username: str) -> str:
        return "QUILT_E2E_REFRESH_TOKEN_" + username.upper().replace("-", "_")

    def issue_refresh_token(self, username: str) -> str:
        token = os.environ.get(self._variable(username))
        if not token:
            raise AssertionError(
                f"no refresh token for catalog user '{username}': set {self._variable(username)} "
                f"(from {self.url}, Profile → API tokens / quilt3 login)"
            )
        return token

    def issue_token(self, username: str, expires_in: int | None = None) -> str:
        raise AssertionError(
            "a real catalog cannot mint JWTs on demand: scenarios with crafted tokens run on the embedded stack"
        )

    def recent_requests(self, count: int = 50) -> list[dict]:
        return []
