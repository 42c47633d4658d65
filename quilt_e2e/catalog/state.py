"""The stand-in's own state (what the real registry keeps in its database), and the aggregate the
request handlers and resolvers work on."""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import yaml

from quilt_e2e.catalog.directory import Directory, User
from quilt_e2e.catalog.registry import Registry

TABLE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,127}$")
SCOPE = re.compile(r"^s3://(?P<bucket>[^#/]+)#package=(?P<name>[^&]+)&hash=(?P<hash>[0-9a-f]{6,64})$")
MAX_SESSION_TTL = 24 * 3600


def yaml_mapping(text: str) -> tuple[dict | None, str | None]:
    """(parsed mapping, None) or (None, why it is not a YAML mapping)."""
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return None, f"Invalid YAML: {exc}".replace("\n", " ")
    if not isinstance(parsed, dict):
        return None, "Expected a YAML mapping"
    return parsed, None


def tabulator_config_problem(text: str) -> str | None:
    """Why a tabulator table config is unusable, or None. Required: schema (columns) and source."""
    config, problem = yaml_mapping(text)
    if problem:
        return problem
    schema, source = config.get("schema"), config.get("source")
    if not isinstance(schema, list) or not schema:
        return "'schema' is required: a list of columns with name and type"
    if any(not isinstance(column, dict) or not column.get("name") or not column.get("type") for column in schema):
        return "every 'schema' column needs a name and a type"
    if not isinstance(source, dict):
        return "'source' is required: type, package_name and logical_key"
    missing = [key for key in ("type", "package_name", "logical_key") if not source.get(key)]
    if missing:
        return f"'source' lacks {', '.join(missing)}"
    return None


class TabulatorTables:
    """Table configs per bucket (YAML text, kept verbatim)."""

    def __init__(self):
        self.lock = threading.RLock()
        self._tables: dict[str, dict[str, str]] = {}

    def tables(self, bucket: str) -> list[dict]:
        with self.lock:
            return [{"name": name, "config": config} for name, config in sorted(self._tables.get(bucket, {}).items())]

    def get(self, bucket: str, name: str) -> str | None:
        with self.lock:
            return self._tables.get(bucket, {}).get(name)

    def put(self, bucket: str, name: str, config: str | None) -> None:
        with self.lock:
            tables = self._tables.setdefault(bucket, {})
            if config is None:
                tables.pop(name, None)
            else:
                tables[name] = config

    def rename(self, bucket: str, old: str, new: str) -> None:
        with self.lock:
            tables = self._tables.setdefault(bucket, {})
            tables[new] = tables.pop(old)


@dataclass(frozen=True)
class SsoConfig:
    text: str
    timestamp: datetime
    uploader: User


@dataclass(frozen=True)
class BrowsingSession:
    id: str
    bucket: str
    name: str
    top_hash: str
    expires: datetime
    owner: str

    @property
    def expired(self) -> bool:
        return datetime.now(UTC) >= self.expires


class BrowsingSessions:
    def __init__(self):
        self._lock = threading.Lock()
        self._sessions: dict[str, BrowsingSession] = {}

    def create(self, bucket: str, name: str, top_hash: str, ttl: int, owner: str) -> BrowsingSession:
        session = BrowsingSession(
            id=secrets.token_urlsafe(18), bucket=bucket, name=name, top_hash=top_hash,
            expires=datetime.now(UTC) + timedelta(seconds=ttl), owner=owner,
        )
        with self._lock:
            self._sessions = {k: s for k, s in self._sessions.items() if not s.expired}
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str) -> BrowsingSession | None:
        with self._lock:
            session = self._sessions.get(session_id)
        return None if session is None or session.expired else session

    def for_revision(self, bucket: str, name: str, top_hash: str) -> list[BrowsingSession]:
        """The live sessions opened on one package revision (what a test checks a download link against)."""
        with self._lock:
            sessions = list(self._sessions.values())
        return [s for s in sessions if (s.bucket, s.name, s.top_hash) == (bucket, name, top_hash) and not s.expired]


@dataclass
class Catalog:
    """Everything a request may touch."""

    registry: Registry
    buckets: list[str]
    region: str
    directory: Directory = field(default_factory=Directory)
    tabulator: TabulatorTables = field(default_factory=TabulatorTables)
    sessions: BrowsingSessions = field(default_factory=BrowsingSessions)
    sso_config: SsoConfig | None = None
    open_query: bool = False

    def has_bucket(self, name: str) -> bool:
        return name in self.buckets
