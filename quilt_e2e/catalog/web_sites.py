"""Web sites that are not (quite) a Quilt catalog, on 127.0.0.1: what QuiltOps meets when it is pointed at
the wrong address, at a catalog that refuses access to its configuration, or at a catalog whose
config.json is incomplete.

These are ordinary local web servers, not the catalog stand-in, so the scenarios that use them run on every
stack (a real catalog cannot be asked to misbehave; these sites never pretend to be one beyond config.json).
Each site is a path prefix the suite publishes for one scenario: `publish()` returns its base URL.
"""

from __future__ import annotations

import atexit
import json
import secrets
import threading
from dataclasses import dataclass

from werkzeug.wrappers import Request, Response

from quilt_e2e.loopback import LoopbackServer

HTML_PAGE = "<!doctype html><html><head><title>Welcome</title></head><body><h1>Welcome</h1></body></html>"


@dataclass(frozen=True)
class Page:
    status: int
    body: str
    content_type: str


class WebSites:
    """One loopback server holding many small sites, each under its own random path prefix."""

    _shared: WebSites | None = None
    _shared_lock = threading.Lock()

    def __init__(self):
        self._pages: dict[str, Page] = {}  # path → what it answers
        self._lock = threading.Lock()
        self._server = LoopbackServer("web-sites")

    @classmethod
    def shared(cls) -> WebSites:
        """The run's instance, started on first use and stopped when the process exits."""
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls().start()
                atexit.register(cls._shared.stop)
            return cls._shared

    def start(self) -> WebSites:
        self._server.bind(self._app)
        self._server.serve()
        return self

    def stop(self) -> None:
        self._server.stop()

    @property
    def url(self) -> str:
        return self._server.url

    # -- publishing ------------------------------------------------------------------------------------
    def publish(self, pages: dict[str, Page]) -> str:
        """A new site answering `pages` (path below the site → page); every other path is a 404 page.
        Returns the site's base URL (no trailing slash)."""
        prefix = f"/site-{secrets.token_hex(6)}"
        with self._lock:
            for path, page in pages.items():
                self._pages[f"{prefix}/{path.lstrip('/')}"] = page
        return f"{self.url}{prefix}"

    def withdraw(self, site_url: str) -> None:
        prefix = site_url[len(self.url):] + "/"
        with self._lock:
            for path in [p for p in self._pages if p.startswith(prefix)]:
                del self._pages[path]

    # -- the sites a scenario can ask for ------------------------------------------------------------------
    def plain_web_site(self) -> str:
        """A web site with a home page and nothing else: /config.json is a 404 page."""
        return self.publish({"": Page(200, HTML_PAGE, "text/html"), "index.html": Page(200, HTML_PAGE, "text/html")})

    def single_page_app(self) -> str:
        """A web site answering every path, config.json included, with its HTML home page (status 200)."""
        return self.publish({"": Page(200, HTML_PAGE, "text/html"), "config.json": Page(200, HTML_PAGE, "text/html")})

    def access_denied(self) -> str:
        """A catalog behind an access control that refuses the request (403, as CloudFront/WAF answer)."""
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
        )
        return self.publish({"config.json": Page(403, body, "application/xml")})

    def catalog_config(self, config) -> str:
        """A catalog whose config.json is exactly `config` (any JSON value)."""
        return self.publish({"config.json": Page(200, json.dumps(config), "application/json")})

    # -- WSGI ------------------------------------------------------------------------------------------------
    def _app(self, environ, start_response):
        request = Request(environ)
        path = request.path.rstrip("/") if request.path != "/" else request.path
        with self._lock:
            page = self._pages.get(path) or self._pages.get(f"{path}/")
        if page is None or request.method not in ("GET", "HEAD"):
            page = Page(404, "<!doctype html><html><body><h1>404 Not Found</h1></body></html>", "text/html")
        response = Response(page.body, status=page.status, content_type=page.content_type)
        return response(environ, start_response)
