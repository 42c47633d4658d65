"""Faults the embedded stack injects on purpose (`-D fault=...`), and which category a failure under one belongs to.

- `s3-5xx:RATE`: that share of the SUT's S3 operations is answered `500 InternalError` on every attempt (an
  outage of those calls no client can ride out) → a failure is the stack's (infrastructure).
- `slowdown:RATE`: that share of the SUT's S3 operations is answered `503 SlowDown` on its first attempt only.
  AWS SDKs retry SlowDown (botocore's documented retry behaviour, which quilt3 and QuiltOps use), so the retry
  succeeds → a failure is the SUT's (it did not retry).
- `catalog-down`: the catalog stand-in answers 503 to every request → a failure is the stack's.
- `token-expiry:Ns`: the catalog mints access tokens that live N seconds. QuiltOps documents
  `AuthenticationError` for expired tokens → failing with it is the stack's doing; QuiltOps raising anything else is
  the SUT's (a wrong exception type on an expired token). quilt3's session renews a token that expires within 60 s
  before each request, so only a token that expires in flight (a lifetime of about a second on a loaded machine)
  or one QuiltOps holds on to is ever refused.

A failure is blamed on the SUT only when QuiltOps itself raised; the suite's own steps failing under a fault (its
catalog login, its assertions on what the SUT returned) are the stack's doing.

Operations are picked deterministically (every 1/RATE-th, counted in arrival order), so a run is repeatable as
far as the order of requests is. An operation is one botocore call: its retries share the
`amz-sdk-invocation-id` header and number themselves in `amz-sdk-request`. Only the SUT's requests are touched:
the suite's own clients (verification, the catalog stand-in's registry access, the run ledger) carry
SUITE_USER_AGENT. Faults are armed once the stack is up and disarmed before cleanup, so start-up and cleanup
run on a healthy stack.
"""

from __future__ import annotations

import collections
import re
import threading
import traceback
import uuid
from dataclasses import dataclass

from quilt_e2e.config import SUITE_USER_AGENT
from quilt_e2e.fault_spec import FaultSpec

_S3_SCOPE = re.compile(r"/s3/aws4_request|%2Fs3%2Faws4_request", re.IGNORECASE)
_ATTEMPT = re.compile(r"attempt=(\d+)")
_REMEMBERED_OPERATIONS = 4096
_S3_ERRORS = {
    "s3-5xx": ("500 Internal Server Error", "InternalError", "We encountered an internal error. Please try again."),
    "slowdown": ("503 Slow Down", "SlowDown", "Please reduce your request rate."),
}


@dataclass(frozen=True)
class FaultWindow:
    """What a fault did between two marks (one scenario): requests it saw and how many it spoiled."""

    spec: FaultSpec
    seen: int
    injected: int

    def line(self) -> str:
        spec, tail = self.spec, f"(fault {self.spec})"
        if spec.kind in _S3_ERRORS:
            status, code, _ = _S3_ERRORS[spec.kind]
            scope = " on their first attempt" if spec.kind == "slowdown" else ""
            answered = f"{status.split()[0]} {code}"
            return f"stack: S3 answered {answered} to {self.injected} of {self.seen} requests{scope} {tail}"
        if spec.kind == "catalog-down":
            return f"stack: the catalog answered 503 to {self.injected} of {self.seen} requests {tail}"
        return (f"stack: catalog access tokens expire after {spec.seconds} s; the catalog refused {self.injected} "
                f"of {self.seen} requests with 401 {tail}")


class StackFaults:
    """One run's fault: WSGI wrappers for moto and the catalog stand-in, and its counters."""

    def __init__(self, spec: FaultSpec):
        self.spec = spec
        self.armed = False
        self._lock = threading.Lock()
        self._seen = 0
        self._injected = 0
        self._operations = 0  # S3 operations picked from so far
        self._doomed: collections.OrderedDict[str, bool] = collections.OrderedDict()

    # -- lifecycle and counters ----------------------------------------------------------------------
    def arm(self) -> None:
        self.armed = True

    def disarm(self) -> None:
        self.armed = False

    def mark(self) -> tuple[int, int]:
        with self._lock:
            return self._seen, self._injected

    def since(self, mark: tuple[int, int]) -> FaultWindow:
        with self._lock:
            return FaultWindow(self.spec, self._seen - mark[0], self._injected - mark[1])

    def _count(self, injected: bool) -> None:
        with self._lock:
            self._seen += 1
            self._injected += int(injected)

    # -- S3 (moto) -----------------------------------------------------------------------------------
    def wrap_aws(self, app):
        if self.spec.kind not in _S3_ERRORS:
            return app

        def s3_faults(environ, start_response):
            if not (self.armed and _is_sut_s3_request(environ)):
                return app(environ, start_response)
            spoiled = self._spoils(environ)
            self._count(spoiled)
            if not spoiled:
                return app(environ, start_response)
            return _s3_error(environ, start_response, *_S3_ERRORS[self.spec.kind])

        return s3_faults

    def _spoils(self, environ) -> bool:
        invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID") or uuid.uuid4().hex  # presigned URLs: one request
        attempt = _ATTEMPT.search(environ.get("HTTP_AMZ_SDK_REQUEST", ""))
        first_attempt = attempt is None or attempt.group(1) == "1"
        with self._lock:
            doomed = self._doomed.get(invocation)
            if doomed is None:
                n = self._operations
                self._operations += 1
                doomed = int((n + 1) * self.spec.rate) > int(n * self.spec.rate)
                self._doomed[invocation] = doomed
                while len(self._doomed) > _REMEMBERED_OPERATIONS:
                    self._doomed.popitem(last=False)
        if self.spec.kind == "slowdown":
            return doomed and first_attempt  # transient: the retry goes through
        return doomed  # s3-5xx: every attempt of the operation fails

    # -- the catalog stand-in --------------------------------------------------------------------------
    def wrap_catalog(self, app):
        if self.spec.kind == "catalog-down":
            def catalog_down(environ, start_response):
                if not self.armed:
                    return app(environ, start_response)
                _drain(environ)
                self._count(True)
                body = b'{"message": "Service Unavailable"}'
                start_response("503 Service Unavailable",
                               [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
                return [body]

            return catalog_down
        if self.spec.kind == "token-expiry":
            def counts_refusals(environ, start_response):
                if not self.armed:
                    return app(environ, start_response)

                def _start_response(status, headers, exc_info=None):
                    self._count(status.startswith("401"))
                    return start_response(status, headers, exc_info)

                return app(environ, _start_response)

            return counts_refusals
        return app

    def token_lifetime(self) -> int | None:
        return self.spec.seconds if self.spec.kind == "token-expiry" else None


# -- which category a failure under a fault belongs to --------------------------------------------------
INFRASTRUCTURE, SUT = "infrastructure", "sut"
_AUTH_WORDS = re.compile(r"expired|401|unauthori[sz]ed|unauthenticated|authentication", re.IGNORECASE)


def judge(window: FaultWindow | None, exc: BaseException | None, failure_text: str) -> tuple[str, str] | None:
    """(category, the one line that says why) for a step that failed while a fault was active; None when the
    fault played no part (it spoiled nothing in this scenario) and the usual classification applies.

    A failure is the SUT's only when the SUT itself raised (a QuiltOps frame in the traceback) something it should
    not have under this fault; the suite's own use of the stack failing under a fault is the stack's doing."""
    if window is None:
        return None
    spec = window.spec
    if spec.kind == "token-expiry" and window.injected == 0 and not _AUTH_WORDS.search(failure_text):
        return None
    if spec.kind != "token-expiry" and window.injected == 0:
        return None
    surface = _unwrapped(exc)
    if surface is None or isinstance(surface, AssertionError) or not _raised_by_sut(surface):
        return INFRASTRUCTURE, window.line()
    if spec.kind == "token-expiry":
        if _is_documented_auth_error(surface):
            return INFRASTRUCTURE, window.line()
        return SUT, (f"SUT defect: on an expired catalog token QuiltOps raised {type(surface).__name__}, where it "
                     f"documents AuthenticationError — {window.line()}")
    if spec.kind == "slowdown":
        return SUT, f"SUT defect: a transient S3 SlowDown was not retried (AWS SDKs retry it) — {window.line()}"
    return INFRASTRUCTURE, window.line()


def _unwrapped(exc: BaseException | None) -> BaseException | None:
    """The exception under the suite's own wrappers (quilt_e2e raises some `from` the SUT's)."""
    while exc is not None and (type(exc).__module__ or "").startswith("quilt_e2e") and exc.__cause__ is not None:
        exc = exc.__cause__
    return exc


def _raised_by_sut(exc: BaseException) -> bool:
    module = (type(exc).__module__ or "").split(".")[0]
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ is not None else []
    return module == "quilt_mcp" or any("/quilt_mcp/" in frame.filename for frame in frames)


def _is_documented_auth_error(exc: BaseException) -> bool:
    """quilt_mcp.ops.exceptions.AuthenticationError or a subclass, told by name: the stack layer never imports
    the SUT (import-linter's contract)."""
    return any(cls.__module__ == "quilt_mcp.ops.exceptions" and cls.__name__ == "AuthenticationError"
               for cls in type(exc).__mro__)


# -- WSGI helpers ---------------------------------------------------------------------------------------
def _is_sut_s3_request(environ) -> bool:
    if SUITE_USER_AGENT in environ.get("HTTP_USER_AGENT", ""):
        return False
    credential = environ.get("HTTP_AUTHORIZATION", "") + " " + environ.get("QUERY_STRING", "")
    return bool(_S3_SCOPE.search(credential))


def _drain(environ) -> None:
    """Read the request body we will not use, so the kept-alive connection stays in step."""
    length = environ.get("CONTENT_LENGTH") or ""
    if length.isdigit() and int(length) > 0:
        environ["wsgi.input"].read(int(length))


def _s3_error(environ, start_response, status: str, code: str, message: str):
    _drain(environ)
    request_id = uuid.uuid4().hex[:16].upper()
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
            f"<RequestId>{request_id}</RequestId></Error>").encode()
    headers = [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)]
    if environ.get("REQUEST_METHOD") == "HEAD":
        start_response(status, [*headers, ("Content-Length", "0")])
        return [b""]
    start_response(status, [*headers, ("Content-Length", str(len(body)))])
    return [body]
