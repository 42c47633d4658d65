"""A run's own door to a shared catalog stand-in.

Several runs may share one stack server (`quilt-e2e stack up`, `quilt-e2e run --jobs N`). Each reaches the
stand-in through a RunFront: a loopback port of its own that passes every request through unchanged (the
Host header included) and adds the run id in `X-Quilt-E2E-Run`. The stand-in records that id in its request
log, so a run reads only its own catalog traffic ("rejected before it reaches the catalog"), and answers
config.json with the front's address, so everything the SUT finds there leads back through the same front.
A stand-in that stops answering behind the front is answered 502 Bad Gateway by the front, as a real
catalog's load balancer answers for a dead backend.
"""

from __future__ import annotations

from werkzeug.middleware.http_proxy import ProxyMiddleware
from werkzeug.serving import WSGIRequestHandler

from quilt_e2e.loopback import LoopbackServer

RUN_HEADER = "X-Quilt-E2E-Run"
RUN_ENVIRON = "HTTP_" + RUN_HEADER.upper().replace("-", "_")
PROXY_TIMEOUT = 120  # seconds; the SUT's slowest catalog call (a large listing) stays well inside it


def run_of(environ) -> str | None:
    """The run a request came from (None: straight to the stand-in, not through a run's front)."""
    return environ.get(RUN_ENVIRON) or None


def rebase_config(config: dict, base_url: str) -> dict:
    """config.json as seen through another address: every URL on the stand-in's own origin moved to `base_url`."""
    origin = str(config["registryUrl"]).rstrip("/")
    base = base_url.rstrip("/")
    return {key: base + value[len(origin):] if isinstance(value, str) and value.startswith(origin) else value
            for key, value in config.items()}


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-") -> None:
        pass  # the stand-in's request log records the request (with the run id); nothing to add here


def _unused(environ, start_response):
    raise AssertionError("RunFront proxies every path")


class RunFront:
    """Serve `target` (the stand-in's URL) on a free loopback port, tagging each request with `run_id`."""

    def __init__(self, target: str, run_id: str):
        self.target = target.rstrip("/")
        self.run_id = run_id
        options = {"target": self.target + "/", "host": None, "headers": {RUN_HEADER: run_id}}
        self._proxy = ProxyMiddleware(_unused, {"/": options}, timeout=PROXY_TIMEOUT)
        self._options = next(iter(self._proxy.targets.values()))  # with werkzeug's defaults filled in
        self._server = LoopbackServer(f"catalog-front-{run_id}")

    def _app(self, environ, start_response):
        # ProxyMiddleware routes by "/prefix/" and cannot name the root: its proxy serves every path here. The
        # path goes on as the client sent it (still percent-encoded): PATH_INFO is decoded, and re-quoting it
        # would change a non-ASCII logical key.
        raw_path = (environ.get("RAW_URI") or environ.get("PATH_INFO") or "/").split("?", 1)[0]
        return self._proxy.proxy_to(self._options, raw_path, "")(environ, start_response)

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> RunFront:
        self._server.bind(self._app, _QuietHandler)
        self._server.serve()
        return self

    def stop(self) -> None:
        self._server.stop()
