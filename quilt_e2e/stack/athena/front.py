"""The WSGI front: Athena query operations are answered by the engine, everything else goes to moto."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable

from quilt_e2e.stack.athena.aws import AwsClients, caller_of
from quilt_e2e.stack.athena.engine import AthenaEngine
from quilt_e2e.stack.athena.errors import ApiError

log = logging.getLogger("quilt_e2e.athena")


class AthenaSqlFront:
    """WSGI middleware: Athena query operations are answered here, all other requests go to `app` (moto)."""

    def __init__(self, app, endpoint_url: Callable[[], str], region: str = "us-east-1"):
        self._app = app
        self._region = region
        self.engine = AthenaEngine(AwsClients(endpoint_url, in_process_app=app))

    def __call__(self, environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        service, _, operation = target.partition(".")
        handler = self.engine.operations.get(operation) if service == "AmazonAthena" else None
        if handler is None:
            return self._app(environ, start_response)
        caller = caller_of(environ, self._region)
        try:
            request = json.loads(_read_body(environ) or b"{}")
            status, payload = "200 OK", handler(request, caller)
        except ApiError as error:
            status = f"{error.status} {'Bad Request' if error.status == 400 else 'Error'}"
            payload = {"__type": error.code, "Message": str(error), "AthenaErrorCode": "INVALID_INPUT"}
        except Exception as exc:
            log.exception("athena front failed on %s", operation)
            status = "500 Internal Server Error"
            payload = {"__type": "InternalServerException", "Message": str(exc)}
        body = json.dumps(payload).encode()
        start_response(
            status,
            [
                ("Content-Type", "application/x-amz-json-1.1"),
                ("Content-Length", str(len(body))),
                ("x-amzn-RequestId", str(uuid.uuid4())),
            ],
        )
        return [body]

    def close(self) -> None:
        self.engine.close()


def _read_body(environ) -> bytes:
    length = environ.get("CONTENT_LENGTH") or "0"
    stream = environ["wsgi.input"]
    return stream.read(int(length)) if length.isdigit() and int(length) > 0 else stream.read()


def with_athena_sql(app, server) -> AthenaSqlFront:
    """`LocalAwsServer(wrap=with_athena_sql)`: the endpoint is read when the first query arrives."""
    return AthenaSqlFront(app, lambda: server.endpoint_url)
