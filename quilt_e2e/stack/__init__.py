"""The stack a run talks to: `embedded` (moto + Athena SQL on loopback, the default), `shared` (a running
stack server, quilt_e2e.stack.shared), `docker` (stack servers in containers the run starts,
quilt_e2e.stack.docker) or `aws` (real AWS).

Both expose the same surface to the hooks and the domain layer: settings, a boto3 session for
verification (independent of the SUT), the local reference data directory, and diagnostics.
"""

from __future__ import annotations

import logging
import os
import time
from contextlib import contextmanager
from pathlib import Path

from quilt_e2e.config import ConfigError, Settings
from quilt_e2e.stack.sandbox import Sandbox

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_CACHE = PROJECT_ROOT / ".e2e-data"
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}

log = logging.getLogger("quilt_e2e.stack")


class StackError(RuntimeError):
    """The stack could not be brought up or reached; the message says what to do."""


def local_services_env(settings: Settings) -> dict[str, str]:
    """The sandbox's environment where the AWS services are local (moto): fake credentials, no profile."""
    return {
        **FAKE_CREDENTIALS,
        "AWS_DEFAULT_REGION": settings.region,
        "AWS_REGION": settings.region,
        "AWS_PROFILE": None,  # type: ignore[dict-item]
        "QUILT_MULTIUSER_MODE": "false" if settings.backend == "local" else "true",
    }


class Stack:
    """Common lifecycle: sandbox → services → provisioning → reference data → baseline packages."""

    kind = "?"
    offline = True  # block every HTTP(S) call that would leave loopback

    def __init__(self, settings: Settings):
        self.settings = settings
        self.sandbox: Sandbox | None = None
        self.data_dir: Path = DATA_CACHE / settings.data_profile
        self.startup_seconds: dict[str, float] = {}
        self.endpoint_url: str | None = None
        self.catalog = None  # the catalog the run logs in to (the stand-in on the embedded stack)
        self.faults = None  # StackFaults when the run injects one (-D fault=..., embedded only)
        self._clients: dict[str, object] = {}

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> Stack:
        started = time.perf_counter()
        try:
            with self._timed("sandbox"):
                self.sandbox = Sandbox().enter(self._sandbox_env(), block_network=self.offline)
            with self._timed("services"):
                self._start_services()
            with self._timed("check"):
                self._check_reachable()
            if self.settings.provision:
                self._provision_and_load()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds["total"] = time.perf_counter() - started
        return self

    def stop(self) -> None:
        self._clients.clear()
        try:
            self._stop_services()
        finally:
            if self.sandbox is not None:
                self.sandbox.exit()
                self.sandbox = None

    # -- shared helpers --------------------------------------------------------------------------
    @contextmanager
    def _timed(self, phase: str):
        started = time.perf_counter()
        yield
        self.startup_seconds[phase] = round(time.perf_counter() - started, 3)

    def boto3_session(self):
        import boto3
        import botocore.session

        from quilt_e2e.stack.faults import SUITE_USER_AGENT

        core = botocore.session.get_session()
        core.user_agent_extra = SUITE_USER_AGENT  # the suite's own requests: injected faults leave them alone
        return boto3.Session(botocore_session=core, profile_name=self.settings.aws_profile or None,
                             region_name=self.settings.region)

    def client(self, service: str):
        """A verification client, independent of the SUT; cached, as building one costs ~0.2 s."""
        if service not in self._clients:
            self._clients[service] = self.boto3_session().client(service, endpoint_url=self.endpoint_url)
        return self._clients[service]

    def put_objects(self, bucket: str, objects: dict[str, bytes]) -> None:
        """Write many small objects as test set-up (never the subject of a scenario): PUTs on 8 threads."""
        from concurrent.futures import ThreadPoolExecutor

        s3 = self.client("s3")
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda item: s3.put_object(Bucket=bucket, Key=item[0], Body=item[1]), objects.items()))

    def _check_reachable(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        s3 = self.client("s3")
        try:
            s3.list_buckets()
        except (BotoCoreError, ClientError) as exc:
            raise StackError(f"{self.kind} stack unreachable ({self.endpoint_url or 'AWS'}): {exc}") from None

    def _provision_and_load(self) -> None:
        import datagen
        from quilt_e2e.stack import baseline, provision

        with self._timed("provision"):
            provision.provision_all(self.boto3_session(), self.settings, endpoint_url=self.endpoint_url)
        with self._timed("datagen"):
            datagen.ensure_generated(self.settings.data_profile, self.data_dir)
        with self._timed("upload"):
            datagen.upload(self.data_dir, self.client("s3"), self.settings.data_bucket)
        with self._timed("baselines"):
            baseline.create_baseline_packages(self.settings, self.data_dir, self.client("s3"))

    def recent_requests(self, count: int = 50) -> list[dict]:
        return []

    def service_logs(self, tail: int = 100) -> dict[str, str]:
        """Recent output of the stack's separate services by name (containers), secrets masked; none here."""
        return {}

    # -- per kind --------------------------------------------------------------------------------
    def _sandbox_env(self) -> dict[str, str]:
        raise NotImplementedError

    def _start_services(self) -> None:
        raise NotImplementedError

    def _stop_services(self) -> None:
        pass


class EmbeddedStack(Stack):
    """moto's server (with the Athena SQL front) and the catalog stand-in on 127.0.0.1; no network."""

    kind = "embedded"

    def __init__(self, settings: Settings):
        super().__init__(settings)
        self._server = None

    def _sandbox_env(self) -> dict[str, str]:
        return local_services_env(self.settings)

    def _start_services(self) -> None:
        from quilt_e2e.catalog import CatalogStandIn
        from quilt_e2e.stack.athena import with_athena_sql
        from quilt_e2e.stack.aws_server import LocalAwsServer
        from quilt_e2e.stack.faults import StackFaults

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        settings = self.settings
        faults = self.faults = StackFaults(settings.fault_spec) if settings.fault else None
        wrap = with_athena_sql
        if faults is not None:
            wrap = lambda app, server: faults.wrap_aws(with_athena_sql(app, server))  # noqa: E731
        self._server = LocalAwsServer(wrap=wrap).start()
        self.endpoint_url = self._server.endpoint_url
        self.catalog = CatalogStandIn(
            self.endpoint_url,
            settings.packages_bucket,
            buckets=(settings.data_bucket, settings.scratch_bucket),
            region=settings.region,
            wrap=faults.wrap_catalog if faults is not None else None,
        ).start()
        if faults is not None and faults.token_lifetime():
            self.catalog.tokens.access_ttl = faults.token_lifetime()
        # The SUT runs in this process: every boto3/botocore client it makes goes to moto, and in
        # multiuser mode every catalog call to the stand-in.
        assert self.sandbox is not None
        env = {"AWS_ENDPOINT_URL": self.endpoint_url}
        if settings.backend == "multiuser":
            env.update(QUILT_CATALOG_URL=self.catalog.url, QUILT_REGISTRY_URL=self.catalog.url)
        self.sandbox.set_env(env)

    def _stop_services(self) -> None:
        if self.catalog is not None:
            self.catalog.stop()
            self.catalog = None
        if self._server is not None:
            self._server.stop()
            self._server = None

    def put_objects(self, bucket: str, objects: dict[str, bytes]) -> None:
        # moto runs in this process: 1,000 PUTs through HTTP cost the run ~10-60 s, straight into its store ~0.1 s
        assert self._server is not None, "the stack is not running"
        self._server.put_objects(bucket, objects)

    def recent_requests(self, count: int = 50) -> list[dict]:
        requests = []
        if self._server is not None and self._server.request_log is not None:
            requests += [{"service": "aws", **r} for r in self._server.request_log.recent(count)]
        if self.catalog is not None:
            requests += [{"service": "catalog", **r} for r in self.catalog.recent_requests(count)]
        return requests[-count:]


class AwsStack(Stack):
    """Real AWS: nothing is started; provisioning and data upload happen only with provision=true."""

    kind = "aws"
    offline = False

    def _sandbox_env(self) -> dict[str, str]:
        env = {
            "AWS_DEFAULT_REGION": self.settings.region,
            "AWS_REGION": self.settings.region,
            "QUILT_MULTIUSER_MODE": "false" if self.settings.backend == "local" else "true",
            # real AWS needs the developer's AWS config, but never their Quilt session
            "AWS_CONFIG_FILE": os.environ.get("AWS_CONFIG_FILE", str(Path.home() / ".aws" / "config")),
            "AWS_SHARED_CREDENTIALS_FILE": os.environ.get(
                "AWS_SHARED_CREDENTIALS_FILE", str(Path.home() / ".aws" / "credentials")
            ),
        }
        if self.settings.aws_profile:
            env["AWS_PROFILE"] = self.settings.aws_profile
        return env

    def _start_services(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        if self.settings.catalog_url:
            from quilt_e2e.catalog.remote import RemoteCatalog

            self.catalog = RemoteCatalog(self.settings.catalog_url)
            if self.settings.backend == "multiuser":
                assert self.sandbox is not None
                # the registry is the catalog's config.json registryUrl (a real catalog's registry is another host)
                self.sandbox.set_env({"QUILT_CATALOG_URL": self.catalog.url})
        elif self.settings.backend == "multiuser":
            raise StackError("multiuser mode on stack=aws needs a real catalog: set -D catalog_url=https://...")
        try:
            self.client("sts").get_caller_identity()
        except (BotoCoreError, ClientError) as exc:
            raise StackError(
                f"no usable AWS credentials ({exc}); set -D aws_profile=NAME or AWS_PROFILE, or log in (aws sso login)"
            ) from None

    def _check_reachable(self) -> None:
        from botocore.exceptions import ClientError

        super()._check_reachable()
        if self.settings.provision:
            return
        s3 = self.client("s3")
        for bucket in (self.settings.data_bucket, self.settings.scratch_bucket, self.settings.packages_bucket):
            try:
                s3.head_bucket(Bucket=bucket)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "?")
                raise StackError(
                    f"bucket '{bucket}' is not reachable ({code}); create it with -D provision=true "
                    f"or point the suite at yours with -D data_bucket=/scratch_bucket=/packages_bucket="
                ) from None


def create_stack(settings: Settings) -> Stack:
    if settings.stack == "embedded":
        return EmbeddedStack(settings)
    if settings.stack == "aws":
        return AwsStack(settings)
    if settings.stack == "shared":
        from quilt_e2e.stack.shared import SharedStack

        return SharedStack(settings)
    if settings.stack == "docker":
        from quilt_e2e.stack.docker.stack import DockerStack

        return DockerStack(settings)
    raise ConfigError(f"unknown stack '{settings.stack}'")
