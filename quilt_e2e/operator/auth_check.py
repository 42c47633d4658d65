"""`quilt-e2e check-auth`: the guide's authentication check (section 3.3), one line per check.

Each check says what it looked at; a failed one adds a `fix:` line saying what to do. Nothing here goes
through the SUT: the checks ask AWS and the catalog directly, the way the suite's stack does at start-up.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from quilt_e2e.config import Settings

SPEC_USERS = ("test-admin", "test-user", "test-readonly", "test-service")
TOKEN_WARN_DAYS = 7  # the guide rotates tokens monthly: say so a week ahead


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def lines(self) -> list[str]:
        lines = [f"{'ok  ' if self.ok else 'FAIL'}  {self.name}: {self.detail}"]
        if not self.ok and self.fix:
            lines.append(f"      fix: {self.fix}")
        return lines


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return response.get("Error", {}).get("Code") or type(exc).__name__


class AuthChecker:
    """Runs the checks of one mode against a boto3 session; `catalog_factory` builds the catalog client."""

    def __init__(self, settings: Settings, session, catalog_factory: Callable[[str], object] | None = None,
                 env: dict[str, str] | None = None):
        self.settings = settings
        self.session = session
        self._catalog_factory = catalog_factory
        self._env = env

    def _client(self, service: str):
        return self.session.client(service, region_name=self.settings.region)

    # ---- AWS (both modes) --------------------------------------------------------------------------
    def credentials(self) -> CheckResult:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            identity = self._client("sts").get_caller_identity()
        except (BotoCoreError, ClientError) as exc:
            return CheckResult(
                "AWS credentials", False, f"sts get-caller-identity failed ({_error_code(exc)})",
                "set -D aws_profile=NAME or AWS_PROFILE (guide: quilt-mcp-tests), or run `aws sso login`")
        return CheckResult("AWS credentials", True, f"{identity['Arn']} (account {identity['Account']})")

    def bucket(self, bucket: str, role: str) -> CheckResult:
        from botocore.exceptions import BotoCoreError, ClientError

        s3 = self._client("s3")
        name = f"{role} bucket {bucket}"
        try:
            s3.head_bucket(Bucket=bucket)
            s3.list_objects_v2(Bucket=bucket, MaxKeys=1)
        except (BotoCoreError, ClientError) as exc:
            code = _error_code(exc)
            if code in ("404", "NoSuchBucket"):
                fix = (f"create it (infra/cloudformation/quilt-mcp-e2e.yaml, or behave -D stack=aws -D provision=true) "
                       f"or name yours with -D {role}_bucket=NAME")
            else:
                fix = f"give your identity s3:ListBucket on {bucket} (the template's QuiltMCPTestAccess policy)"
            return CheckResult(name, False, f"not readable ({code})", fix)
        if role != "scratch":
            return CheckResult(name, True, "reachable and listable")
        probe = f"{self.settings.run_id}/check-auth-probe"  # in the run namespace: cleanup would find a leftover
        try:
            s3.put_object(Bucket=bucket, Key=probe, Body=b"check-auth")
            s3.delete_object(Bucket=bucket, Key=probe)
        except (BotoCoreError, ClientError) as exc:
            return CheckResult(name, False, f"listable but not writable ({_error_code(exc)})",
                               f"give your identity s3:PutObject and s3:DeleteObject on {bucket}/*")
        return CheckResult(name, True, "reachable, listable and writable")

    def glue(self) -> CheckResult:
        from botocore.exceptions import BotoCoreError, ClientError

        s = self.settings
        name = f"Glue table {s.glue_database}.{s.glue_table}"
        try:
            table = self._client("glue").get_table(DatabaseName=s.glue_database, Name=s.glue_table)["Table"]
        except (BotoCoreError, ClientError) as exc:
            return CheckResult(name, False, f"not readable ({_error_code(exc)})",
                               "create it with the CloudFormation template or -D provision=true; "
                               "or name yours with -D glue_database= / -D glue_table=")
        location = table.get("StorageDescriptor", {}).get("Location", "?")
        return CheckResult(name, True, f"at {location}")

    def workgroup(self) -> CheckResult:
        from botocore.exceptions import BotoCoreError, ClientError

        s = self.settings
        name = f"Athena workgroup {s.athena_workgroup}"
        fix = ("create it with the CloudFormation template or -D provision=true; "
               "or name yours with -D athena_workgroup=NAME")
        try:
            group = self._client("athena").get_work_group(WorkGroup=s.athena_workgroup).get("WorkGroup")
        except (BotoCoreError, ClientError) as exc:
            return CheckResult(name, False, f"not readable ({_error_code(exc)})", fix)
        if not group:  # moto answers an unknown workgroup with nothing (AWS: InvalidRequestException)
            return CheckResult(name, False, "not found", fix)
        output = group.get("Configuration", {}).get("ResultConfiguration", {}).get("OutputLocation", "")
        if group.get("State", "ENABLED") != "ENABLED":
            return CheckResult(name, False, f"state {group.get('State')}",
                               f"aws athena update-work-group --work-group {s.athena_workgroup} --state ENABLED")
        if not output.startswith(f"s3://{s.scratch_bucket}/"):
            return CheckResult(name, False, f"results go to {output or '(nowhere)'}, not the scratch bucket",
                               f"set its result location to s3://{s.scratch_bucket}/athena-results/ "
                               "(the template does; cleanup only removes results there)")
        return CheckResult(name, True, f"results in {output}")

    # ---- catalog (multiuser) -----------------------------------------------------------------------
    def catalog_checks(self) -> list[CheckResult]:
        import requests

        url = self.settings.catalog_url
        if not url:
            return [CheckResult("catalog", False, "no catalog configured",
                                "set -D catalog_url=https://your-catalog or QUILT_TEST_CATALOG_URL")]
        catalog = self._catalog_factory(url) if self._catalog_factory else _remote_catalog(url)
        try:
            config = catalog.config_json()
            registry = config["registryUrl"]
        except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
            return [CheckResult(f"catalog {url}", False, f"config.json not usable ({type(exc).__name__})",
                                "check the URL opens in a browser and serves /config.json with a registryUrl")]
        results = [CheckResult(f"catalog {url}", True, f"config.json served, registry {registry}")]
        for user in SPEC_USERS:
            results.append(self._token(catalog, user))
        return results

    def _token(self, catalog, user: str) -> CheckResult:
        import jwt
        import requests

        name = f"catalog token of {user}"
        variable = "QUILT_E2E_REFRESH_TOKEN_" + user.upper().replace("-", "_")
        env = self._env if self._env is not None else os.environ
        if not env.get(variable):
            return CheckResult(name, False, f"{variable} is not set",
                               f"sign in to {self.settings.catalog_url} as {user}, create an API token "
                               f"(Profile → API tokens) and export {variable}")
        try:
            token = catalog.access_token(user)
            buckets = catalog.visible_buckets(user)
        except (requests.RequestException, AssertionError, KeyError, ValueError) as exc:
            status = getattr(getattr(exc, "response", None), "status_code", None)
            return CheckResult(name, False, f"refresh token rejected ({status or type(exc).__name__})",
                               f"the token in {variable} expired or was revoked: create a new one and export it")
        try:
            expires = jwt.decode(token, options={"verify_signature": False}).get("exp")
        except jwt.PyJWTError:
            expires = None  # an opaque token: the catalog accepted it, that is what counts
        detail = f"accepted; sees {len(buckets)} bucket(s)"
        if expires is not None:
            days = (expires - time.time()) / 86400
            detail += f"; access token valid {max(days, 0):.1f} more day(s)"
            if days < TOKEN_WARN_DAYS:
                detail += " (rotate the refresh token soon: docs/MAINTENANCE.md)"
        return CheckResult(name, True, detail)


def _remote_catalog(url: str):
    from quilt_e2e.catalog.remote import RemoteCatalog

    return RemoteCatalog(url)


def run_checks(checker: AuthChecker, modes: list[str]) -> list[CheckResult]:
    s = checker.settings
    results = [checker.credentials()]
    if not results[0].ok:
        return results  # every later check would fail the same way
    results += [checker.bucket(s.data_bucket, "data"), checker.bucket(s.scratch_bucket, "scratch"),
                checker.bucket(s.packages_bucket, "packages")]
    if "local" in modes:
        results += [checker.glue(), checker.workgroup()]
    if "multiuser" in modes:
        results += checker.catalog_checks()
    return results
