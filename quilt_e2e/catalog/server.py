"""CatalogStandIn: the stand-in catalog/registry as a real HTTP server on 127.0.0.1, in a thread."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC

import boto3
from botocore.config import Config
from werkzeug.serving import WSGIRequestHandler

from quilt_e2e.catalog.app import OPERATION_KEY, CatalogApp
from quilt_e2e.catalog.control import ControlApi
from quilt_e2e.catalog.registry import Registry
from quilt_e2e.catalog.run_front import run_of
from quilt_e2e.catalog.state import Catalog
from quilt_e2e.catalog.tokens import TokenIssuer
from quilt_e2e.config import SUITE_USER_AGENT
from quilt_e2e.loopback import LoopbackServer, RequestLog

_BROWSE_SESSION = re.compile(r"^/browse/[^/]+/")


class CatalogRequestLog(RequestLog):
    """The stack's request log, plus the GraphQL operation name. It records method and path only:
    never headers (the Authorization token), query strings, or browsing-session ids. A request that came
    through a run's front (quilt_e2e.catalog.run_front) also records the run id."""

    def describe(self, environ) -> dict:
        record = {
            "method": environ.get("REQUEST_METHOD"),
            "path": _BROWSE_SESSION.sub("/browse/<session>/", environ.get("PATH_INFO", "")),
        }
        run = run_of(environ)
        return record if run is None else {**record, "run": run}

    def annotate(self, record: dict, environ) -> None:
        record["operation"] = environ.get(OPERATION_KEY)


class _QuietRequestHandler(WSGIRequestHandler):
    """CatalogRequestLog records every request; werkzeug's own access log would only add noise."""

    def log_request(self, code="-", size="-") -> None:
        pass


class CatalogStandIn:
    """A local Quilt catalog + registry over the S3 of `s3_endpoint_url` (moto).

    CAT and REG are the same origin, `url`. `buckets` are the bucket configs the catalog shows (the
    registry bucket is always one of them); every role's permission applies to all of them.
    """

    def __init__(self, s3_endpoint_url: str, registry_bucket: str, buckets: Iterable[str] = (),
                 region: str = "us-east-1", stack_name: str = "quilt-standin", log_size: int = 500,
                 host: str = "127.0.0.1", port: int = 0, control_key: str | None = None, wrap=None):
        self.s3_endpoint_url = s3_endpoint_url
        self.registry_bucket = registry_bucket
        self.region = region
        self.stack_name = stack_name
        self._wrap = wrap  # a WSGI wrapper around the app, e.g. an injected fault (quilt_e2e/stack/faults.py)
        bucket_names = list(dict.fromkeys([registry_bucket, *buckets]))
        self._s3 = boto3.client(
            "s3", endpoint_url=s3_endpoint_url, region_name=region,
            aws_access_key_id="testing", aws_secret_access_key="testing",
            config=Config(max_pool_connections=32, user_agent_extra=SUITE_USER_AGENT),
        )
        self._sts = boto3.client(
            "sts", endpoint_url=s3_endpoint_url, region_name=region,
            aws_access_key_id="testing", aws_secret_access_key="testing",
            config=Config(user_agent_extra=SUITE_USER_AGENT),
        )
        self.catalog = Catalog(registry=Registry(self._s3), buckets=bucket_names, region=region)
        self.request_log: CatalogRequestLog | None = None
        self._log_size = log_size
        self._app: CatalogApp | None = None
        self._server = LoopbackServer("catalog-standin")
        self.tokens = TokenIssuer()
        self._host, self._port = host, port
        self._control: ControlApi | None = None
        self._control_key = control_key  # None: the control API answers health only (in-process use)

    # -- lifecycle -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> CatalogStandIn:
        # bind first: config.json must name the port
        self._server.bind(self._dispatch, _QuietRequestHandler, host=self._host, port=self._port)
        self._app = CatalogApp(self.catalog, self.tokens, self.config_json(), self._presign, self._role_credentials)
        app = self._wrap(self._app) if self._wrap is not None else self._app
        self.request_log = CatalogRequestLog(app, size=self._log_size)
        # outside the request log: the suite's own control calls are not catalog traffic of the SUT
        self._control = ControlApi(self, self.request_log, self._control_key)
        self._server.serve()
        return self

    def _dispatch(self, environ, start_response):
        return self._control(environ, start_response)

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> CatalogStandIn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- what the contract asks for --------------------------------------------------------------
    def config_json(self) -> dict:
        """CAT/config.json: registryUrl plus the keys auth-status enrichment needs (all non-empty)."""
        url = self.url
        return {
            "mode": "PRODUCT",
            "registryUrl": url,
            "region": self.region,
            "apiGatewayEndpoint": f"{url}/__api-gateway",
            "binaryApiGatewayEndpoint": f"{url}/__binary-api-gateway",
            "s3Proxy": f"{url}/__s3proxy",
            "analyticsBucket": f"{self.stack_name}-analyticsbucket-standin",
            "serviceBucket": f"{self.stack_name}-servicebucket-standin",
            "alwaysRequiresAuth": True,
            "passwordAuth": "ENABLED",
            "ssoAuth": "DISABLED",
            "ssoProviders": "",
            "noDownload": False,
            "noOverviewImages": False,
            "calendlyLink": "",
            "mixpanelToken": "",
            "sentryDSN": "",
        }

    def issue_token(self, username: str, expires_in: int | None = None) -> str:
        """An access token for an existing user (the default lifetime is a week)."""
        user = self.catalog.directory.get(username)
        if user is None:
            raise KeyError(f"no such user: {username}")
        extra = {} if expires_in is None else {"expires_in": expires_in}
        return self.tokens.issue_access_token(user.id, user.name, user.email, **extra)

    def issue_refresh_token(self, username: str) -> str:
        """A refresh token for quilt3.session.login_with_token (redeemed at /api/token)."""
        if self.catalog.directory.get(username) is None:
            raise KeyError(f"no such user: {username}")
        return self.tokens.issue_refresh_token(username)

    def recent_requests(self, count: int = 50, run: str | None = None) -> list[dict]:
        """The last `count` requests; with `run`, the last `count` of that run's (its front's) only."""
        if self.request_log is None:
            return []
        if run is None:
            return self.request_log.recent(count)
        return [entry for entry in list(self.request_log.entries) if entry.get("run") == run][-count:]

    # -- what the catalog knows, for the suite's expectations (RemoteCatalog answers the same questions) ----
    def visible_buckets(self, username: str) -> list[str]:
        """The bucket configs the catalog shows this user (bucketConfigs), in the catalog's order."""
        user = self.catalog.directory.get(username)
        return list(self.catalog.buckets) if self.catalog.directory.can_read(user) else []

    def aws_role_arn(self, username: str) -> str | None:
        """The IAM role whose credentials /api/auth/get_credentials hands this user (None: no role)."""
        user = self.catalog.directory.get(username)
        role = self.catalog.directory.roles.get(user.role) if user is not None and user.role else None
        return role.arn if role is not None else None

    def _role_credentials(self, user, ttl) -> dict:
        """What the real registry does for /api/auth/get_credentials: assume the IAM role of the user's
        catalog role, the session named after the user. A user without a role gets the stack's own
        credentials (the real registry's answer there is unspecified by the contract)."""
        arn = self.aws_role_arn(user.name)
        if arn is None:
            from datetime import datetime

            return {"AccessKeyId": "testing", "SecretAccessKey": "testing", "SessionToken": "testing",
                    "Expiration": datetime.now(UTC) + ttl}
        session_name = user.name if len(user.name) >= 2 else f"{user.name}-session"  # STS wants 2-64 chars
        answer = self._sts.assume_role(RoleArn=arn, RoleSessionName=session_name[:64],
                                       DurationSeconds=int(ttl.total_seconds()))
        return answer["Credentials"]

    def _presign(self, bucket: str, key: str, version: str | None, expires_in: int) -> str:
        params = {"Bucket": bucket, "Key": key, **({"VersionId": version} if version else {})}
        return self._s3.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)
