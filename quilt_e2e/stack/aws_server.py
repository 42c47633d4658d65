"""moto's AWS server on a free loopback port, with the Athena SQL front in front of it."""

from __future__ import annotations

from typing import Callable

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

from quilt_e2e.stack.loopback import LoopbackServer, RequestLog, WsgiApp

__all__ = ["LocalAwsServer", "RequestLog"]


class LocalAwsServer:
    """Runs moto's server app in a thread, bound to 127.0.0.1 unless told otherwise."""

    def __init__(self, wrap: Callable[[WsgiApp, "LocalAwsServer"], WsgiApp] | None = None,
                 host: str = "127.0.0.1", port: int = 0, outer: Callable[[WsgiApp], WsgiApp] | None = None):
        self._wrap = wrap
        self._outer = outer  # around the request log (the stack server's health and control routes)
        self._host, self._port = host, port
        self._server = LoopbackServer("moto-server")
        self.request_log: RequestLog | None = None

    @property
    def endpoint_url(self) -> str:
        return self._server.url

    def start(self) -> "LocalAwsServer":
        app: WsgiApp = DomainDispatcherApplication(create_backend_app)
        if self._wrap is not None:
            app = self._wrap(app, self)
        self.request_log = RequestLog(app)
        served: WsgiApp = self.request_log if self._outer is None else self._outer(self.request_log)
        self._server.bind(served, MotoRequestHandler, host=self._host, port=self._port)
        self._server.serve()
        return self

    def stop(self) -> None:
        self._server.stop()
