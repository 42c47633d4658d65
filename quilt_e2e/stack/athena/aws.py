"""AWS access from inside the server: boto3 clients that call this same server (in process)."""

from __future__ import annotations

import dataclasses
import functools
import io
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse, HeadersDict
from botocore.config import Config
from werkzeug.test import EnvironBuilder, run_wsgi_app


@dataclasses.dataclass(frozen=True)
class Caller:
    """Who sent the request: the SigV4 scope (region) and access key, reused for our own calls."""

    region: str
    access_key: str = "testing"


_SIGV4_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/")


def caller_of(environ: dict, default_region: str) -> Caller:
    match = _SIGV4_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if not match:
        return Caller(default_region)
    return Caller(region=match.group(2), access_key=match.group(1))


class AwsClients:
    """boto3 clients pointed at the local server, created lazily (the port is known only once it runs).

    With `in_process_app`, requests skip the socket: botocore's before-send hook hands them straight to
    that WSGI app (moto), which keeps a query at a few ms instead of ~10 ms per AWS call.
    """

    def __init__(self, endpoint_url: Callable[[], str], in_process_app=None):
        self._endpoint_url = endpoint_url
        self._in_process_app = in_process_app
        self._clients: dict[tuple, Any] = {}
        self._lock = threading.Lock()

    def get(self, service: str, caller: Caller):
        endpoint = self._endpoint_url()
        key = (service, caller, endpoint)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._new_client(service, caller, endpoint)
            return self._clients[key]

    def _new_client(self, service: str, caller: Caller, endpoint: str):
        # moto does not check signatures; the caller's key keeps moto's account mapping the same.
        client = boto3.session.Session().client(
            service,
            region_name=caller.region,
            endpoint_url=endpoint,
            aws_access_key_id=caller.access_key,
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 2, "mode": "standard"}, s3={"addressing_style": "path"}),
        )
        if self._in_process_app is not None:
            client.meta.events.register("before-send", functools.partial(_send_in_process, self._in_process_app))
        return client


class _BufferedBody(io.BytesIO):
    """A response body botocore can read() and stream() (it expects urllib3's interface)."""

    def stream(self, amt: int = 1024, decode_content: bool | None = None) -> Iterator[bytes]:
        while chunk := self.read(amt):
            yield chunk


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _send_in_process(app, request, **_kwargs) -> AWSResponse:
    """botocore's before-send hook: the response of the WSGI app, without a socket."""
    url = urllib.parse.urlsplit(request.url)
    body = request.body
    if hasattr(body, "read"):
        body = body.read()
    headers = {name: _text(value) for name, value in request.headers.items()}
    environ = EnvironBuilder(
        method=request.method,
        base_url=f"{url.scheme}://{url.netloc}",
        path=urllib.parse.unquote(url.path) or "/",
        query_string=url.query,
        headers=headers,
        data=body or b"",
    ).get_environ()
    app_iter, status, response_headers = run_wsgi_app(app, environ, buffered=True)
    try:
        content = b"".join(app_iter)
    finally:
        getattr(app_iter, "close", lambda: None)()
    header_dict = HeadersDict()
    for name, value in response_headers.items():
        header_dict[name] = value
    return AWSResponse(request.url, int(status.split(" ", 1)[0]), header_dict, _BufferedBody(content))


def parse_s3_url(url: str) -> tuple[str, str]:
    match = re.match(r"^s3a?n?://([^/]+)/?(.*)$", url or "")
    if not match:
        raise ValueError(f"not an S3 location: {url!r}")
    return match.group(1), match.group(2)

