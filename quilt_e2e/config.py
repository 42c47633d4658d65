"""Run settings: which stack, which buckets, which data profile.

Sources, lowest to highest precedence: defaults (the spec's names), environment variables,
behave userdata (`-D key=value` or `[behave.userdata]` in behave.ini).
"""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from quilt_e2e.fault_spec import FaultSpec, FaultSpecError, parse_fault


class ConfigError(Exception):
    """A setting is wrong; the message says which one and what to do."""


SUITE_USER_AGENT = "quilt-e2e-suite"  # botocore user_agent_extra of every client the suite itself makes

STACKS = ("embedded", "aws", "shared", "docker")
BACKENDS = ("local", "multiuser")
DATA_PROFILES = ("small", "full")
_BOOL_WORDS = {"true": True, "yes": True, "1": True, "on": True, "false": False, "no": False, "0": False, "off": False}


@dataclass(frozen=True)
class Settings:
    stack: str = "embedded"
    backend: str = "local"
    region: str = "us-east-1"
    data_bucket: str = "quilt-mcp-test-data"
    scratch_bucket: str = "quilt-mcp-test-scratch"
    packages_bucket: str = "quilt-mcp-test-packages"
    glue_database: str = "quilt_mcp_test_db"
    glue_table: str = "test_table_1"
    athena_workgroup: str = "quilt-mcp-test-workgroup"
    iam_role: str = "quilt-mcp-test-role"
    aws_profile: str = ""
    data_profile: str = "small"
    # a real catalog for stack=aws, the stack server's stand-in for stack=shared (embedded runs its own)
    catalog_url: str = ""
    # stack=shared: the stack server's AWS endpoint (default: from its state file)
    endpoint_url: str = ""
    # aws: provision buckets/Glue/Athena and upload data only when asked; embedded always does.
    provision: bool = False
    # a fault the embedded stack injects on purpose (quilt_e2e/fault_spec.py), e.g. "s3-5xx:0.2"; "" = none
    fault: str = ""
    # The package namespace every package a run creates lives under, e.g. "e2e-20261121-0815-ab12".
    run_id: str = field(default_factory=lambda: new_run_id())

    @property
    def registry(self) -> str:
        return f"s3://{self.packages_bucket}"

    @property
    def owned_buckets(self) -> frozenset[str]:
        """Buckets cleanup may write to. The data bucket is reference data and is never cleaned."""
        return frozenset({self.scratch_bucket, self.packages_bucket})

    @property
    def fault_spec(self) -> FaultSpec | None:
        return parse_fault(self.fault)

    @property
    def is_embedded(self) -> bool:
        return self.stack == "embedded"


# userdata key -> environment variable(s) that may also set it (first match wins)
_ENV_NAMES: dict[str, tuple[str, ...]] = {
    "stack": ("QUILT_E2E_STACK",),
    "backend": ("QUILT_E2E_BACKEND",),
    "region": ("QUILT_E2E_REGION", "AWS_REGION"),
    "data_bucket": ("QUILT_E2E_DATA_BUCKET", "QUILT_TEST_BUCKET_DATA"),
    "scratch_bucket": ("QUILT_E2E_SCRATCH_BUCKET", "QUILT_TEST_BUCKET_SCRATCH"),
    "packages_bucket": ("QUILT_E2E_PACKAGES_BUCKET", "QUILT_TEST_BUCKET_PACKAGES"),
    "glue_database": ("QUILT_E2E_GLUE_DATABASE",),
    "glue_table": ("QUILT_E2E_GLUE_TABLE",),
    "athena_workgroup": ("QUILT_E2E_ATHENA_WORKGROUP", "ATHENA_WORKGROUP"),
    "iam_role": ("QUILT_E2E_IAM_ROLE",),
    "aws_profile": ("QUILT_E2E_AWS_PROFILE", "AWS_PROFILE"),
    "data_profile": ("QUILT_E2E_DATA_PROFILE",),
    "catalog_url": ("QUILT_E2E_CATALOG_URL", "QUILT_TEST_CATALOG_URL"),
    "endpoint_url": ("QUILT_E2E_ENDPOINT_URL",),
    "provision": ("QUILT_E2E_PROVISION",),
    "run_id": ("QUILT_E2E_RUN_ID",),
    "fault": ("QUILT_E2E_FAULT",),
}
# Keys behave or allure put into userdata themselves; accepted and ignored here.
_FOREIGN_KEYS = {"AllureFormatter.issue_pattern", "AllureFormatter.link_pattern", "AllureFormatter.hide_excluded"}

_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_RUN_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{2,62}$")
# The run ids the suite generates: e2e-<YYYYmmdd>-<HHMMSS>-<4 hex>, and -w<N> for a worker of `quilt-e2e run`
GENERATED_RUN_ID_RE = re.compile(r"^e2e-\d{8}-\d{6}-[0-9a-f]{4}(-w\d+)?$")
_RUN_ID_PREFIX_RE = re.compile(r"^e2e-\d{8}-\d{6}-[0-9a-f]{4}(-w\d+)?(?=$|[-./])")


def generated_run_prefix(name: str) -> str | None:
    """The generated run id a name starts with (a package namespace, a catalog user, an email), or None."""
    found = _RUN_ID_PREFIX_RE.match(name)
    return found.group(0) if found else None


def new_run_id() -> str:
    """A run id as GENERATED_RUN_ID_RE expects it (a parallel run appends -w<N> per worker)."""
    return time.strftime("e2e-%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def _choice(key: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"unknown {key} '{value}': use one of {', '.join(allowed)} (e.g. -D {key}={allowed[0]})")
    return value


def _bool(key: str, value: str) -> bool:
    try:
        return _BOOL_WORDS[value.strip().lower()]
    except KeyError:
        raise ConfigError(f"{key} must be true or false, not '{value}'") from None


def load_settings(userdata: Mapping[str, str] | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from env and userdata; raise ConfigError with one readable line on bad input."""
    userdata = dict(userdata or {})
    env = os.environ if env is None else env
    unknown = sorted(k for k in userdata if k not in _ENV_NAMES and k not in _FOREIGN_KEYS)
    if unknown:
        raise ConfigError(
            f"unknown setting(s) {', '.join(unknown)}: valid -D keys are {', '.join(sorted(_ENV_NAMES))}"
        )

    raw: dict[str, str] = {}
    for key, env_names in _ENV_NAMES.items():
        for name in env_names:
            if env.get(name):
                raw[key] = env[name]
                break
        if key in userdata:
            raw[key] = str(userdata[key])

    values: dict[str, object] = {}
    for key, value in raw.items():
        value = value.strip()
        if key == "stack":
            values[key] = _choice(key, value, STACKS)
        elif key == "backend":
            values[key] = _choice(key, value, BACKENDS)
        elif key == "data_profile":
            values[key] = _choice(key, value, DATA_PROFILES)
        elif key == "provision":
            values[key] = _bool(key, value)
        elif key.endswith("_bucket"):
            if not _BUCKET_RE.match(value):
                raise ConfigError(f"{key} '{value}' is not a valid S3 bucket name")
            values[key] = value
        elif key == "catalog_url":
            if not re.match(r"^https?://[^/\s]+", value):
                raise ConfigError(f"catalog_url '{value}' must be an http(s) URL of a Quilt catalog")
            values[key] = value.rstrip("/")
        elif key == "endpoint_url":
            if not re.match(r"^https?://[^/\s]+", value):
                raise ConfigError(f"endpoint_url '{value}' must be the http(s) URL of the stack server's AWS service")
            values[key] = value.rstrip("/")
        elif key == "run_id":
            if not _RUN_ID_RE.match(value):
                raise ConfigError(f"run_id '{value}' must be 3-63 lowercase letters, digits or dashes")
            values[key] = value
        elif key == "fault":
            try:
                spec = parse_fault(value)
            except FaultSpecError as exc:
                raise ConfigError(str(exc)) from None
            values[key] = str(spec) if spec is not None else ""
        else:
            values[key] = value

    settings = Settings(**values)  # type: ignore[arg-type]
    if settings.is_embedded:
        settings = dataclasses.replace(settings, provision=True, aws_profile="")
    elif settings.stack in ("shared", "docker"):  # the stack server (docker: in a container) provisioned
        settings = dataclasses.replace(settings, provision=False, aws_profile="")
    buckets = [settings.data_bucket, settings.scratch_bucket, settings.packages_bucket]
    if settings.fault and not settings.is_embedded:
        raise ConfigError(
            f"fault '{settings.fault}' needs the embedded stack (-D stack=embedded): only it can misbehave on purpose"
        )
    if len(set(buckets)) != 3:
        raise ConfigError("data_bucket, scratch_bucket and packages_bucket must be three different buckets")
    return settings
