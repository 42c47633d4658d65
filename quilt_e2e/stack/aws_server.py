"""moto's AWS server on a free loopback port, with the Athena SQL front in front of it."""

from __future__ import annotations

import collections
import threading
import time
from typing import Callable, Deque

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

WsgiApp = Callable


class RequestLog:
    """A bounded log of the requests the server saw (method, path, target, status, ms) for diagnostics."""

    def __init__(self, app: WsgiApp, size: int = 200):
        self._app = app
        self.entries: Deque[dict] = collections.deque(maxlen=size)

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        record = {
            "method": environ.get("REQUEST_METHOD"),
            "host": environ.get("HTTP_HOST", ""),
            "path": environ.get("PATH_INFO", ""),
            "target": environ.get("HTTP_X_AMZ_TARGET", ""),
        }

        def _start_response(status, headers, exc_info=None):
            record["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        try:
            return self._app(environ, _start_response)
        finally:
            record["ms"] = round((time.perf_counter() - started) * 1000, 1)
            self.entries.append(record)

    def recent(self, count: int = 50) -> list[dict]:
        return list(self.entries)[-count:]


class LocalAwsServer:
    """Runs moto's server app in a thread, bound to 127.0.0.1 only."""

    def __init__(self, wrap: Callable[[WsgiApp, "LocalAwsServer"], WsgiApp] | None = None):
        self._wrap = wrap
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.request_log: RequestLog | None = None

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the local AWS server is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "LocalAwsServer":
        app: WsgiApp = DomainDispatcherApplication(create_backend_app)
        if self._wrap is not None:
            app = self._wrap(app, self)
        self.request_log = RequestLog(app)
        self._server = make_server("127.0.0.1", 0, self.request_log, threaded=True, request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
