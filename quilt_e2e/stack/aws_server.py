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

    def put_objects(self, bucket: str, objects: dict[str, bytes]) -> None:
        """Store objects straight in moto's S3 store, which this server serves from this process: what a PUT
        does (versioning and the bucket's default encryption apply), without the HTTP round trip and signing."""
        from moto.s3.models import s3_backends

        partition, account = s3_backends.bucket_accounts[bucket]
        backend = s3_backends[account][partition]
        for key, body in objects.items():
            backend.put_object(bucket, key, body)

    def stop(self) -> None:
        self._server.stop()
