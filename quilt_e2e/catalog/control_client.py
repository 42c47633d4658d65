"""StandInClient: a catalog stand-in in another process (the stack server), with the attributes and methods
the suite uses on an in-process CatalogStandIn (`url`, `config_json`, `issue_token`, `request_log`,
`catalog.directory`, `catalog.tabulator`, `catalog.sso_config`, ...), each a call of its control API.

Records come back as copies (a User from `directory.get` is a snapshot): changes go through the methods
(`directory.update`, `add`, `remove`, `tabulator.put`, assigning `sso_config` / `open_query`), which the
domain layer uses for both. `directory.lock` is a local lock: it orders this process's threads only.
Tokens travel in the response body and are never logged.

Given a run id, the client opens the run's own front to the stand-in (quilt_e2e.catalog.run_front): `url`
is the front's, which the SUT is given, and the request log holds that run's requests only. The control API
is still called on the stand-in's own address.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

import requests

from quilt_e2e.catalog.control import (
    HEALTH_PATH,
    KEY_HEADER,
    RPC_PREFIX,
    ControlError,
    policy_from_json,
    role_from_json,
    sso_from_json,
    sso_to_json,
    user_from_json,
    user_to_json,
)
from quilt_e2e.catalog.directory import READ, READ_WRITE, Policy, Role, User
from quilt_e2e.catalog.run_front import RunFront, rebase_config
from quilt_e2e.catalog.state import BrowsingSession, SsoConfig

TIMEOUT = 30


def health(url: str, timeout: float = 2.0) -> dict | None:
    """The answer of a stack service's health route, or None if nothing healthy answers."""
    try:
        response = requests.get(url.rstrip("/") + HEALTH_PATH, timeout=timeout)
        return response.json() if response.status_code == 200 else None
    except (requests.RequestException, ValueError):
        return None


def wait_healthy(url: str, timeout: float) -> dict:
    """Wait until the service at `url` is healthy; ControlError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        answer = health(url)
        if answer is not None:
            return answer
        if time.monotonic() >= deadline:
            raise ControlError(f"{url} is not healthy after {timeout:.0f}s")
        time.sleep(0.2)


class _Control:
    def __init__(self, url: str, key: str):
        self.url = url.rstrip("/")
        self._http = requests.Session()
        self._http.headers[KEY_HEADER] = key
        self._http.trust_env = False  # loopback (or the container's address): never through a proxy

    def __call__(self, operation: str, **body):
        try:
            response = self._http.post(f"{self.url}{RPC_PREFIX}{operation}", json=body, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise ControlError(f"the stand-in at {self.url} does not answer ({type(exc).__name__}); "
                               "is the stack up? (quilt-e2e stack status)") from None
        answer = response.json()
        if response.status_code == 400 and str(answer.get("message", "")).startswith("KeyError"):
            raise KeyError(answer["message"].split(": ", 1)[-1])
        if response.status_code != 200:
            raise ControlError(f"stand-in control {operation}: HTTP {response.status_code} {answer.get('message')}")
        return answer["result"]


class RemoteDirectory:
    def __init__(self, control: _Control):
        self._control = control
        self.lock = threading.RLock()

    @property
    def users(self) -> dict[str, User]:
        return {name: user_from_json(data) for name, data in self._control("users").items()}

    @property
    def roles(self) -> dict[str, Role]:
        return {name: role_from_json(data) for name, data in self._control("roles").items()}

    @property
    def policies(self) -> dict[str, Policy]:
        return {name: policy_from_json(data) for name, data in self._control("policies").items()}

    def get(self, name: str) -> User | None:
        return user_from_json(self._control("get_user", name=name))

    def add(self, user: User) -> User:
        return user_from_json(self._control("add_user", user=user_to_json(user)))

    def update(self, name: str, **changes) -> User | None:
        plain = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in changes.items()}
        return user_from_json(self._control("update_user", name=name, changes=plain))

    def remove(self, name: str) -> None:
        self._control("remove_user", name=name)

    def level(self, user: User | None) -> str | None:
        """What the user's active role may do with any configured bucket (None: nothing), as the stand-in says."""
        return None if user is None else self._control("user_level", name=user.name)

    def can_read(self, user: User | None) -> bool:
        return self.level(user) in (READ, READ_WRITE)

    def can_write(self, user: User | None) -> bool:
        return self.level(user) == READ_WRITE


class RemoteTabulator:
    def __init__(self, control: _Control):
        self._control = control

    def tables(self, bucket: str) -> list[dict]:
        return self._control("tables", bucket=bucket)

    def get(self, bucket: str, name: str) -> str | None:
        return self._control("get_table", bucket=bucket, name=name)

    def put(self, bucket: str, name: str, config: str | None) -> None:
        self._control("put_table", bucket=bucket, name=name, config=config)

    def rename(self, bucket: str, old: str, new: str) -> None:
        self._control("rename_table", bucket=bucket, old=old, new=new)


class RemoteSessions:
    def __init__(self, control: _Control):
        self._control = control

    def for_revision(self, bucket: str, name: str, top_hash: str) -> list[BrowsingSession]:
        found = self._control("sessions_for_revision", bucket=bucket, name=name, top_hash=top_hash)
        return [BrowsingSession(**{**s, "expires": datetime.fromisoformat(s["expires"])}) for s in found]


class RemoteCatalogState:
    """What `CatalogStandIn.catalog` (the Catalog aggregate) offers the suite."""

    def __init__(self, control: _Control, buckets: list[str]):
        self._control = control
        self.buckets = list(buckets)
        self.directory = RemoteDirectory(control)
        self.tabulator = RemoteTabulator(control)
        self.sessions = RemoteSessions(control)

    @property
    def sso_config(self) -> SsoConfig | None:
        return sso_from_json(self._control("get_sso_config"))

    @sso_config.setter
    def sso_config(self, config: SsoConfig | None) -> None:
        self._control("set_sso_config", config=sso_to_json(config))

    @property
    def open_query(self) -> bool:
        return bool(self._control("get_open_query"))

    @open_query.setter
    def open_query(self, enabled: bool) -> None:
        self._control("set_open_query", enabled=bool(enabled))


class RemoteRequestLog:
    """The stand-in's request log; with `run`, only the requests that came through that run's front."""

    def __init__(self, control: _Control, size: int = 500, run: str | None = None):
        self._control = control
        self._size = size
        self._run = run

    @property
    def entries(self) -> list[dict]:
        return self.recent(self._size)

    def recent(self, count: int = 50) -> list[dict]:
        return self._control("recent_requests", count=count, **({"run": self._run} if self._run else {}))


class StandInClient:
    """The stand-in at `url`, controlled with `key` (from the stack server's state file); reached through
    the front of `run_id` when one is given."""

    def __init__(self, url: str, key: str, run_id: str | None = None):
        self.stand_in_url = url.rstrip("/")
        self._control = _Control(self.stand_in_url, key)
        facts = self._control("describe")
        self.region: str = facts["region"]
        self.stack_name: str = facts["stack_name"]
        self.registry_bucket: str = facts["registry_bucket"]
        self.s3_endpoint_url: str = facts["s3_endpoint_url"]
        self.catalog = RemoteCatalogState(self._control, facts["buckets"])
        self.request_log = RemoteRequestLog(self._control, run=run_id)
        self._config: dict | None = None
        self._front = RunFront(self.stand_in_url, run_id).start() if run_id else None
        self.url = self._front.url if self._front is not None else self.stand_in_url

    def stop(self) -> None:
        """Close the run's front; the stand-in itself belongs to the stack server."""
        if self._front is not None:
            self._front.stop()
            self._front = None

    def config_json(self) -> dict:
        """config.json as the SUT gets it at `url` (through the front: the front's addresses)."""
        if self._config is None:
            self._config = rebase_config(self._control("config_json"), self.url)
        return self._config

    def issue_token(self, username: str, expires_in: int | None = None) -> str:
        return self._control("issue_token", username=username, kind="access", expires_in=expires_in)

    def issue_refresh_token(self, username: str) -> str:
        return self._control("issue_token", username=username, kind="refresh")

    def recent_requests(self, count: int = 50) -> list[dict]:
        return self.request_log.recent(count)

    def visible_buckets(self, username: str) -> list[str]:
        return self._control("visible_buckets", username=username)

    def aws_role_arn(self, username: str) -> str | None:
        return self._control("aws_role_arn", username=username)
