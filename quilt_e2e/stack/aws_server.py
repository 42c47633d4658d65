"""moto's AWS server on a free loopback port, with the Athena SQL front in front of it."""

from __future__ import annotations

from collections.abc import Callable

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

from quilt_e2e.loopback import LoopbackServer, RequestLog, WsgiApp

__all__ = ["LocalAwsServer", "RequestLog"]


class LocalAwsServer:
    """Runs moto's server app in a thread, bound to 127.0.0.1 only."""

    def __init__(self, wrap: Callable[[WsgiApp, LocalAwsServer], WsgiApp] | None = None):
        self._wrap = wrap
        self._server = LoopbackServer("moto-server")
        self.request_log: RequestLog | None = None

    @property
    def endpoint_url(self) -> str:
        return self._server.url

    def start(self) -> LocalAwsServer:
        app: WsgiApp = DomainDispatcherApplication(create_backend_app)
        if self._wrap is not None:
            app = self._wrap(app, self)
        self.request_log = RequestLog(app)
        self._server.bind(self.request_log, MotoRequestHandler)
        self._server.serve()
        return self

    def stop(self) -> None:
        self._server.stop()
