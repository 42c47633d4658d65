"""The stand-in's control API: what the suite reads and changes in the stand-in's memory, over HTTP, so a
stand-in in another process (the stack server, `python -m quilt_e2e.stack.serve`) serves the suite exactly
like one in the behave process.

`GET /__e2e/health` answers anyone; every other route is `POST /__e2e/rpc/<operation>` with a JSON body and
needs the control key (`X-Quilt-E2E-Control`, a random secret of the server written to its state file).
The routes are served on the stand-in's own address: never wider than the address it is bound to.
`quilt_e2e.catalog.control_client` is the other end.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from dataclasses import asdict, fields
from datetime import datetime

from quilt_e2e.catalog.directory import Policy, Role, User
from quilt_e2e.catalog.state import SsoConfig

PREFIX = "/__e2e/"
HEALTH_PATH = "/__e2e/health"
RPC_PREFIX = "/__e2e/rpc/"
KEY_HEADER = "X-Quilt-E2E-Control"
_KEY_ENVIRON = "HTTP_" + KEY_HEADER.upper().replace("-", "_")


class ControlError(Exception):
    """The control API refused a call or could not be reached; the message says why."""


# -- wire format ------------------------------------------------------------------------------------
def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def user_to_json(user: User | None) -> dict | None:
    return None if user is None else {k: _plain(v) for k, v in asdict(user).items()}


def user_from_json(data: dict | None) -> User | None:
    if data is None:
        return None
    values = dict(data)
    for key in ("date_joined", "last_login"):
        values[key] = datetime.fromisoformat(values[key])
    return User(**values)


def role_from_json(data: dict) -> Role:
    return Role(**data)


def policy_from_json(data: dict) -> Policy:
    return Policy(**data)


def sso_to_json(config: SsoConfig | None) -> dict | None:
    if config is None:
        return None
    return {"text": config.text, "timestamp": config.timestamp.isoformat(), "uploader": user_to_json(config.uploader)}


def sso_from_json(data: dict | None) -> SsoConfig | None:
    if data is None:
        return None
    return SsoConfig(data["text"], datetime.fromisoformat(data["timestamp"]), user_from_json(data["uploader"]))


_USER_FIELDS = {f.name for f in fields(User)}


# -- server side ------------------------------------------------------------------------------------
class ControlApi:
    """Serves /__e2e/ for one stand-in (a CatalogStandIn); every other path goes to `app`."""

    def __init__(self, stand_in, app, key: str | None):
        self._stand_in = stand_in
        self._app = app
        self._key = key  # None: only the health route is served (an in-process stand-in needs no remote control)
        self._operations: dict[str, Callable[[dict], object]] = self._table()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return self._app(environ, start_response)
        if path == HEALTH_PATH:
            return _answer(start_response, 200, {"ok": True, "service": "catalog", "url": self._stand_in.url})
        if self._key is None or not hmac.compare_digest(environ.get(_KEY_ENVIRON, ""), self._key):
            return _answer(start_response, 403, {"message": "control key missing or wrong"})
        operation = self._operations.get(path[len(RPC_PREFIX):]) if path.startswith(RPC_PREFIX) else None
        if operation is None or environ.get("REQUEST_METHOD") != "POST":
            return _answer(start_response, 404, {"message": f"no control operation {path}"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
            return _answer(start_response, 200, {"result": operation(body)})
        except (KeyError, TypeError, ValueError) as exc:
            return _answer(start_response, 400, {"message": f"{type(exc).__name__}: {exc}"})

    def _table(self) -> dict[str, Callable[[dict], object]]:
        stand_in = self._stand_in
        catalog = stand_in.catalog
        directory = catalog.directory

        def update_user(body: dict):
            changes = {k: v for k, v in body["changes"].items() if k in _USER_FIELDS and k != "name"}
            return user_to_json(directory.update(body["name"], **changes))

        def set_sso(body: dict):
            catalog.sso_config = sso_from_json(body["config"])

        def set_open_query(body: dict):
            catalog.open_query = bool(body["enabled"])

        def sessions(body: dict):
            found = catalog.sessions.for_revision(body["bucket"], body["name"], body["top_hash"])
            return [{**{k: _plain(v) for k, v in asdict(s).items()}, "id": ""} for s in found]  # ids are capabilities

        def token(body: dict):
            if body.get("kind") == "refresh":
                return stand_in.issue_refresh_token(body["username"])
            return stand_in.issue_token(body["username"], body.get("expires_in"))

        return {
            "describe": lambda body: {"buckets": list(catalog.buckets), "region": stand_in.region,
                                      "stack_name": stand_in.stack_name, "registry_bucket": stand_in.registry_bucket,
                                      "s3_endpoint_url": stand_in.s3_endpoint_url},
            "config_json": lambda body: stand_in.config_json(),
            "users": lambda body: {name: user_to_json(u) for name, u in list(directory.users.items())},
            "get_user": lambda body: user_to_json(directory.get(body["name"])),
            "add_user": lambda body: user_to_json(directory.add(user_from_json(body["user"]))),
            "update_user": update_user,
            "remove_user": lambda body: directory.remove(body["name"]),
            "user_level": lambda body: directory.level(directory.get(body["name"])),
            "roles": lambda body: {name: asdict(r) for name, r in directory.roles.items()},
            "policies": lambda body: {name: asdict(p) for name, p in directory.policies.items()},
            "get_sso_config": lambda body: sso_to_json(catalog.sso_config),
            "set_sso_config": set_sso,
            "get_open_query": lambda body: catalog.open_query,
            "set_open_query": set_open_query,
            "tables": lambda body: catalog.tabulator.tables(body["bucket"]),
            "get_table": lambda body: catalog.tabulator.get(body["bucket"], body["name"]),
            "put_table": lambda body: catalog.tabulator.put(body["bucket"], body["name"], body.get("config")),
            "rename_table": lambda body: catalog.tabulator.rename(body["bucket"], body["old"], body["new"]),
            "sessions_for_revision": sessions,
            "issue_token": token,
            "visible_buckets": lambda body: stand_in.visible_buckets(body["username"]),
            "aws_role_arn": lambda body: stand_in.aws_role_arn(body["username"]),
            "recent_requests": lambda body: stand_in.recent_requests(int(body.get("count", 50)), body.get("run")),
        }


def _answer(start_response, status: int, body) -> list[bytes]:
    payload = json.dumps(body, default=str).encode()
    reason = {200: "OK", 400: "BAD REQUEST", 403: "FORBIDDEN", 404: "NOT FOUND"}[status]
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]
