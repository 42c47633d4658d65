"""The HTTP surface of the stand-in (catalog-contract.md section 1), as a WSGI app on werkzeug."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from quilt_e2e.catalog import search
from quilt_e2e.catalog.directory import User
from quilt_e2e.catalog.graphql_api import GraphQLApi
from quilt_e2e.catalog.registry import split_s3_url
from quilt_e2e.catalog.resolvers.common import RequestContext
from quilt_e2e.catalog.run_front import rebase_config, run_of
from quilt_e2e.catalog.state import Catalog
from quilt_e2e.catalog.tokens import TokenError, TokenIssuer

CREDENTIALS_TTL = timedelta(hours=1)
OPERATION_KEY = "quilt_e2e.catalog.operation"  # environ key the request log reads

URLS = Map([
    Rule("/config.json", endpoint="config", methods=["GET"]),
    Rule("/api/token", endpoint="token", methods=["POST"]),
    Rule("/api/auth/get_credentials", endpoint="credentials", methods=["GET"]),
    Rule("/graphql", endpoint="graphql", methods=["POST"]),
    Rule("/browse/<session_id>/<path:path>", endpoint="browse", methods=["GET", "HEAD"]),
    Rule("/api/search", endpoint="search", methods=["GET"]),
])


class Unauthorized(Exception):
    """→ HTTP 401 with {"message": ...}."""


def json_response(body, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def error_response(message: str, status: int) -> Response:
    return json_response({"message": message}, status)


class CatalogApp:
    def __init__(self, catalog: Catalog, tokens: TokenIssuer, config: dict, presign, aws_credentials):
        self.catalog, self.tokens, self.config = catalog, tokens, config
        self._presign = presign  # (bucket, key, version, expires_in) → URL
        self._aws_credentials = aws_credentials  # (user, ttl) → STS-shaped credentials of the user's role
        self.graphql = GraphQLApi()

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            endpoint, arguments = URLS.bind_to_environ(environ).match()
            response = getattr(self, f"on_{endpoint}")(request, **arguments)
        except Unauthorized as exc:
            response = error_response(str(exc), 401)
        except HTTPException as exc:  # no route (404) or wrong method (405)
            response = error_response(exc.description or exc.name, exc.code or 500)
        return response(environ, start_response)

    # -- authentication --------------------------------------------------------------------------
    def user_for_token(self, token: str) -> User:
        try:
            claims = self.tokens.decode(token)
        except TokenError as exc:
            raise Unauthorized(str(exc)) from None
        user = self.catalog.directory.get(claims["name"])
        if user is None or user.id != claims.get("id"):
            raise Unauthorized("User not found")
        if not user.is_active:
            raise Unauthorized("User is inactive")
        return user

    def authenticate(self, request: Request) -> User | None:
        """The bearer's user; None without an Authorization header; Unauthorized for a bad token."""
        header = request.headers.get("Authorization")
        if header is None:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Invalid Authorization header")
        return self.user_for_token(token.strip())

    # -- endpoints -------------------------------------------------------------------------------
    def on_config(self, request: Request) -> Response:
        # static, like the real catalog's: no auth check. Through a run's front its URLs are the front's.
        if run_of(request.environ) is not None:
            return json_response(rebase_config(self.config, request.host_url))
        return json_response(self.config)

    def on_token(self, request: Request) -> Response:
        """quilt3's refresh: form `refresh_token` → a new access token (refresh tokens stay valid)."""
        refresh_token = request.form.get("refresh_token", "")
        username = self.tokens.redeem_refresh_token(refresh_token)
        user = self.catalog.directory.get(username) if username else None
        if user is None or not user.is_active:
            return error_response("Invalid refresh token", 401)
        user.last_login = datetime.now(UTC)  # a sign-in, as the admin API's lastLogin shows
        access_token = self.tokens.issue_access_token(user.id, user.name, user.email)
        expires_at = self.tokens.decode(access_token)["exp"]
        return json_response({"access_token": access_token, "refresh_token": refresh_token, "expires_at": expires_at})

    def on_credentials(self, request: Request) -> Response:
        """Temporary credentials of the IAM role behind the user's catalog role, as the real registry hands
        out (it assumes the role for the user); `Expiration` is ISO-8601 with a timezone."""
        user = self.authenticate(request)
        if user is None:
            raise Unauthorized("Authentication required")
        credentials = self._aws_credentials(user, CREDENTIALS_TTL)
        expiration = credentials["Expiration"].astimezone(UTC)
        return json_response({
            "AccessKeyId": credentials["AccessKeyId"],
            "SecretAccessKey": credentials["SecretAccessKey"],
            "SessionToken": credentials["SessionToken"],
            "Expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
        })

    def on_graphql(self, request: Request) -> Response:
        context = RequestContext(self.catalog, self.authenticate(request))
        if request.mimetype != "application/json":
            # GraphQL servers over HTTP (the registry's included) only take a JSON body
            message = "Posted content must be of type application/json"
            return json_response({"errors": [{"message": message}]}, 400)
        try:
            payload = json.loads(request.get_data(as_text=True) or "null")
        except ValueError:
            payload = None
        result = self.graphql.run(payload, context)
        request.environ[OPERATION_KEY] = result.operation
        return json_response(result.body, result.status)

    def on_browse(self, request: Request, session_id: str, path: str) -> Response:
        """A file of the session's revision → 302 to a presigned S3 URL for its physical key."""
        self.authenticate(request)  # the session id is the capability; a bad token still gets 401
        session = self.catalog.sessions.get(session_id)
        if session is None:
            return error_response("Browsing session not found or expired", 404)
        revision = self.catalog.registry.resolve(session.bucket, session.name, session.top_hash)
        row = next((r for r in revision.manifest.rows if r.logical_key == path), None) if revision else None
        if row is None:
            return error_response(f"Not found: {path}", 404)
        bucket, key, version = split_s3_url(row.physical_key)
        remaining = max(int((session.expires - datetime.now(UTC)).total_seconds()), 1)
        response = Response(status=302)
        response.headers["Location"] = self._presign(bucket, key, version, remaining)
        return response

    def on_search(self, request: Request) -> Response:
        """ES-shaped search over `<bucket>` (objects) and `<bucket>_packages` indexes, `_all` for both."""
        user = self.authenticate(request)
        args = request.args
        if args.get("action") == "freeform":
            try:
                body = json.loads(args.get("body", "{}"))
            except ValueError:
                return json_response({"error": "body is not valid JSON"}, 400)
            query = search.query_from_dsl(body)
            required = search.required_fields_from_dsl(body)
        else:
            query, required = args.get("query"), []
        terms = search.query_terms(query)
        size = int(args.get("size", 1000) or 1000)
        readable = set(self.catalog.buckets) if self.catalog.directory.can_read(user) else set()
        hits = []
        for index in self._indexes(args.get("index", "_all")):
            bucket, packages = re.sub(r"_packages$", "", index), index.endswith("_packages")
            if bucket not in readable:
                continue
            finder = search.package_hits if packages else search.object_hits
            hits.extend(hit for hit in finder(self.catalog.registry, bucket, terms) if search.has_fields(hit, required))
        return json_response({"hits": {"total": {"value": len(hits)}, "hits": hits[:size]}})

    def _indexes(self, spec: str) -> list[str]:
        if spec in ("_all", "*", ""):
            return [name + suffix for name in self.catalog.buckets for suffix in ("", "_packages")]
        return [index.strip() for index in spec.split(",") if index.strip()]
