"""A real Quilt catalog (stack=aws): its URL and the refresh tokens the operator provides per user.

The stand-in mints tokens itself; a real catalog cannot be asked to, so the users a scenario logs in as
must come with a refresh token in QUILT_E2E_REFRESH_TOKEN_<USER> (e.g. QUILT_E2E_REFRESH_TOKEN_TEST_USER).
Scenarios that need forged or expired tokens, or other crafted server behaviour, carry the
@use.with_stack=embedded active tag and are skipped on stack=aws.

It answers the questions the suite's expectations ask of a catalog (config_json, stack_name, visible_buckets,
aws_role_arn) the way the stand-in does, from the catalog itself over plain HTTP, never through the SUT.
"""

from __future__ import annotations

import os
import re

import requests

TIMEOUT = 30
# CloudFormation names the stack's analytics bucket `<stack name>-analyticsbucket-<random suffix>`
_ANALYTICS_BUCKET = re.compile(r"^(?P<stack>.+?)-analyticsbucket-[a-z0-9]+$")


class RemoteCatalog:
    def __init__(self, url: str):
        self.url = url.rstrip("/")
        self._config: dict | None = None

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
        """A genuine access token of the user (redeemed from their refresh token). A real catalog cannot mint
        tokens with a chosen lifetime: scenarios that need expired ones are @use.with_stack=embedded."""
        if expires_in is not None:
            raise AssertionError(
                "a real catalog cannot mint JWTs with a chosen expiry: "
                "scenarios with crafted tokens are @use.with_stack=embedded"
            )
        return self.access_token(username)

    def recent_requests(self, count: int = 50) -> list[dict]:
        return []

    # -- what the catalog knows ------------------------------------------------------------------------
    def config_json(self) -> dict:
        """CAT/config.json, fetched once without credentials (the catalog serves it to anyone)."""
        if self._config is None:
            response = requests.get(f"{self.url}/config.json", timeout=TIMEOUT)
            response.raise_for_status()
            self._config = response.json()
        return self._config

    @property
    def stack_name(self) -> str:
        """The CloudFormation stack behind the catalog, read off its analytics bucket's generated name."""
        bucket = str(self.config_json().get("analyticsBucket") or "")
        match = _ANALYTICS_BUCKET.match(bucket)
        if match is None:
            raise AssertionError(f"cannot tell the stack name from the analytics bucket {bucket!r}")
        return match.group("stack")

    def access_token(self, username: str) -> str:
        """A fresh access token for the user, redeemed from their refresh token as quilt3 does (E5)."""
        registry = str(self.config_json()["registryUrl"]).rstrip("/")
        response = requests.post(f"{registry}/api/token", data={"refresh_token": self.issue_refresh_token(username)},
                                 timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()["access_token"]

    def visible_buckets(self, username: str) -> list[str]:
        """The bucket configs the catalog shows the user, asked directly over GraphQL with their token."""
        registry = str(self.config_json()["registryUrl"]).rstrip("/")
        response = requests.post(f"{registry}/graphql", json={"query": "{ bucketConfigs { name } }"},
                                 headers={"Authorization": f"Bearer {self.access_token(username)}"}, timeout=TIMEOUT)
        response.raise_for_status()
        return [bucket["name"] for bucket in response.json()["data"]["bucketConfigs"]]

    def aws_role_arn(self, username: str) -> str | None:
        """Unknown for a real catalog without admin rights: the expectation then only asks for a role."""
        return None
