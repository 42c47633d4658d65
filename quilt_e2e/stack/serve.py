"""The stack server: the embedded stack's services out of the behave process, for runs that attach to it
(`-D stack=shared`) and for containers.

    python -m quilt_e2e.stack.serve [--services all|aws|catalog] [--host 127.0.0.1] [--aws-port 0]
                                    [--catalog-port 0] [--aws-endpoint URL] [--state-file PATH] [-D key=value ...]

`aws` runs moto's server behind the Athena SQL front and provisions it exactly as the embedded stack does
(buckets, IAM role, Glue table, workgroup, reference data, baseline packages); `catalog` runs the catalog
stand-in over the S3 of `--aws-endpoint`; `all` (the default) both. Each service answers `GET /__e2e/health`.
The state file (default <reports dir>/stack/state.json) says where they answer; the `export` lines printed
at start tell a shell where the state file is. SIGTERM or SIGINT stops the server cleanly.
"""

from __future__ import annotations

import argparse
import dataclasses
import hmac
import json
import logging
import os
import secrets
import signal
import sys
import threading
import time
from pathlib import Path

from quilt_e2e.catalog.control import HEALTH_PATH, KEY_HEADER, RPC_PREFIX
from quilt_e2e.config import ConfigError, load_settings
from quilt_e2e.stack import FAKE_CREDENTIALS, EmbeddedStack, StackError, state_file

SERVICES = ("all", "aws", "catalog")
_KEY_ENVIRON = "HTTP_" + KEY_HEADER.upper().replace("-", "_")


class AwsControl:
    """The AWS service's own /__e2e/ routes: health for anyone, its request log for the control key."""

    def __init__(self, app, server, key: str):
        self._app, self._server, self._key = app, server, key

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH:
            return self._json(start_response, "200 OK", {"ok": True, "service": "aws"})
        if path == RPC_PREFIX + "recent_requests":
            if not hmac.compare_digest(environ.get(_KEY_ENVIRON, ""), self._key):
                return self._json(start_response, "403 FORBIDDEN", {"message": "control key missing or wrong"})
            log = self._server.request_log
            return self._json(start_response, "200 OK", {"result": log.recent(200) if log is not None else []})
        return self._app(environ, start_response)

    @staticmethod
    def _json(start_response, status: str, body) -> list[bytes]:
        payload = json.dumps(body, default=str).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
        return [payload]


class ServedStack(EmbeddedStack):
    """The embedded stack's services and provisioning, run by the stack server for other processes."""

    kind = "server"

    def __init__(self, settings, services: str, host: str, aws_port: int, catalog_port: int,
                 aws_endpoint: str | None, control_key: str):
        super().__init__(settings)
        self.services, self.host = services, host
        self.aws_port, self.catalog_port = aws_port, catalog_port
        self.control_key = control_key
        self.endpoint_url = aws_endpoint
        self._server = None

    def _sandbox_env(self) -> dict[str, str]:
        return {**FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": self.settings.region, "AWS_REGION": self.settings.region,
                "AWS_PROFILE": None}  # type: ignore[dict-item]

    def _start_services(self) -> None:
        from quilt_e2e.catalog import CatalogStandIn
        from quilt_e2e.stack.athena import with_athena_sql
        from quilt_e2e.stack.aws_server import LocalAwsServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        if self.services in ("all", "aws"):
            holder: dict = {}
            self._server = LocalAwsServer(wrap=with_athena_sql, host=self.host, port=self.aws_port,
                                          outer=lambda app: AwsControl(app, holder["server"], self.control_key))
            holder["server"] = self._server
            self.endpoint_url = self._server.start().endpoint_url
        if self.services in ("all", "catalog"):
            settings = self.settings
            self.catalog = CatalogStandIn(self.endpoint_url, settings.packages_bucket,
                                          buckets=(settings.data_bucket, settings.scratch_bucket),
                                          region=settings.region, host=self.host, port=self.catalog_port,
                                          control_key=self.control_key).start()

    def state(self, state_path: Path) -> dict:
        settings = {k: v for k, v in dataclasses.asdict(self.settings).items() if k not in ("run_id", "stack")}
        return {
            "pid": os.getpid(),
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "services": self.services,
            "host": self.host,
            "aws_endpoint": self.endpoint_url,
            "catalog_url": self.catalog.url if self.catalog is not None else None,
            "control_key": self.control_key,
            "settings": settings,
            "data_dir": str(self.data_dir),
            "startup_seconds": self.startup_seconds,
            "state_file": str(state_path),
        }


def export_lines(state: dict, state_path: Path) -> list[str]:
    """What a shell exports so that `behave -D stack=shared` (and the SUT) finds this server."""
    lines = ["export QUILT_E2E_STACK=shared", f"export {state_file.STATE_ENV}={state_path}"]
    if state.get("aws_endpoint"):
        lines.append(f"export QUILT_E2E_ENDPOINT_URL={state['aws_endpoint']}")
    if state.get("catalog_url"):
        lines.append(f"export QUILT_E2E_CATALOG_URL={state['catalog_url']}")
    return lines


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m quilt_e2e.stack.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", choices=SERVICES, default="all", help="which services (default: all)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default: 127.0.0.1; 0.0.0.0 in a container)")
    parser.add_argument("--aws-port", type=int, default=0, metavar="N", help="AWS (moto) port (default: a free one)")
    parser.add_argument("--catalog-port", type=int, default=0, metavar="N", help="stand-in port (default: a free one)")
    parser.add_argument("--aws-endpoint", metavar="URL", help="the AWS service a catalog-only server uses")
    parser.add_argument("--state-file", type=Path, default=None, metavar="PATH",
                        help=f"where to write the state (default: ${state_file.STATE_ENV} or "
                             "<reports>/stack/state.json)")
    parser.add_argument("-D", dest="userdata", action="append", default=[], metavar="KEY=VALUE",
                        help="a suite setting, as for behave (buckets, region, data_profile)")
    return parser


def _usage_error(message: str) -> int:
    print(f"quilt-e2e stack server: error: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.services == "catalog" and not args.aws_endpoint:
        return _usage_error("--services catalog needs --aws-endpoint URL (the AWS service's address)")
    if args.services != "catalog" and args.aws_endpoint:
        return _usage_error("--aws-endpoint is only for --services catalog")
    for port in (args.aws_port, args.catalog_port):
        if not 0 <= port <= 65535:
            return _usage_error(f"port {port} is not between 0 and 65535")
    try:
        userdata = dict(item.split("=", 1) for item in args.userdata)
    except ValueError:
        return _usage_error("-D takes KEY=VALUE")
    try:
        settings = load_settings({**userdata, "stack": "embedded"})
    except ConfigError as exc:
        return _usage_error(str(exc))
    if args.services == "catalog":  # the AWS service provisions; the catalog process only serves
        settings = dataclasses.replace(settings, provision=False)
    state_path = args.state_file or state_file.default_path()
    key = os.environ.get(state_file.CONTROL_KEY_ENV) or secrets.token_urlsafe(24)
    stack = ServedStack(settings, args.services, args.host, args.aws_port, args.catalog_port, args.aws_endpoint, key)

    stopping = threading.Event()

    def _stop(signum, frame):
        stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        stack.start()
    except (StackError, ConfigError, OSError) as exc:
        print(f"quilt-e2e stack server: cannot start: {exc}", file=sys.stderr)
        return 1
    try:
        state = stack.state(state_path)
        state_file.write(state_path, state)
        phases = ", ".join(f"{k} {v:.2f}s" for k, v in stack.startup_seconds.items() if k != "total")
        print(f"quilt-e2e stack server: up in {stack.startup_seconds.get('total', 0):.2f}s ({phases}); "
              f"pid {state['pid']}; aws {state['aws_endpoint']}; catalog {state['catalog_url']}", flush=True)
        for line in export_lines(state, state_path):
            print(line, flush=True)
        while not stopping.wait(0.5):
            pass
    finally:
        state_file.remove_if_owned(state_path, os.getpid())
        stack.stop()
    print("quilt-e2e stack server: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
