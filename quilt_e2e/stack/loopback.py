"""What every server of the stack shares: a threaded werkzeug server on 127.0.0.1, and a request log."""

from __future__ import annotations

import collections
import itertools
import threading
import time
from typing import Callable, Deque

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

WsgiApp = Callable


class RequestLog:
    """A bounded log of the requests a server saw, for diagnostics. Records what `describe` returns
    (method, host, path, API target by default), then status and milliseconds; never headers."""

    def __init__(self, app: WsgiApp, size: int = 200):
        self._app = app
        self.entries: Deque[dict] = collections.deque(maxlen=size)
        self._sequence = itertools.count(1)  # `seq` tells entries apart across processes (the control API)

    def describe(self, environ) -> dict:
        return {
            "method": environ.get("REQUEST_METHOD"),
            "host": environ.get("HTTP_HOST", ""),
            "path": environ.get("PATH_INFO", ""),
            "target": environ.get("HTTP_X_AMZ_TARGET", ""),
        }

    def annotate(self, record: dict, environ) -> None:
        """Add what is known only after the app answered."""

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        record = {"seq": next(self._sequence), **self.describe(environ)}

        def _start_response(status, headers, exc_info=None):
            record["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        try:
            return self._app(environ, _start_response)
        finally:
            self.annotate(record, environ)
            record["ms"] = round((time.perf_counter() - started) * 1000, 1)
            self.entries.append(record)

    def recent(self, count: int = 50) -> list[dict]:
        return list(self.entries)[-count:]


class LoopbackServer:
    """A threaded WSGI server bound to a free port of 127.0.0.1, serving in a daemon thread."""

    def __init__(self, name: str):
        self._name = name
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def bind(self, app: WsgiApp, request_handler: type[WSGIRequestHandler] = WSGIRequestHandler,
             host: str = "127.0.0.1", port: int = 0) -> str:
        """Bind (the port is known from here on) and return the URL; `serve` starts answering. The stack
        server binds other addresses only when told to (`--host 0.0.0.0` inside a container)."""
        self._server = make_server(host, port, app, threaded=True, request_handler=request_handler)
        return self.url

    def serve(self) -> None:
        assert self._server is not None, "bind first"
        self._thread = threading.Thread(target=self._server.serve_forever, name=self._name, daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"the {self._name} server is not running")
        host, port = self._server.server_address[:2]
        if host in ("0.0.0.0", "::"):  # bound to every address: callers on this machine use loopback
            host = "127.0.0.1"
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
