"""DockerStack (`-D stack=docker`): the stack server (`python -m quilt_e2e.stack.serve`) in containers of the
project's own image, on a private network of the run; the in-process SUT talks to the ports they publish on
127.0.0.1, as it would to any remote stack.

Containers (a pod: the catalog shares the AWS container's network namespace, so every URL a service hands
out, config.json's registryUrl or a presigned S3 URL, is the same 127.0.0.1:PORT inside and outside):
  - `<run id>-aws`: moto + the Athena SQL front, provisioned with the run's settings and reference data;
  - `<run id>-catalog`: the catalog stand-in over that S3 (a full stack; a minimal one has AWS only).
"""

from __future__ import annotations

import secrets
import time

from quilt_e2e.catalog.control import HEALTH_PATH
from quilt_e2e.stack import DATA_CACHE
from quilt_e2e.stack.docker.containers import RunContainers, ServiceSpec, free_port, remove_orphans
from quilt_e2e.stack.shared import MATCHING_SETTINGS as SERVED_SETTINGS  # what the server provisions with
from quilt_e2e.stack.shared import SharedStack
from quilt_e2e.stack.state_file import CONTROL_KEY_ENV

SERVE = ["python3", "-m", "quilt_e2e.stack.serve", "--host", "0.0.0.0"]
READY_LINE = "quilt-e2e stack server: up in"  # printed once provisioned (health answers before that)
CONTAINER_DATA = "/app/.e2e-data"


def ensure_reference_data(profile: str) -> None:
    """Generate (or validate) the reference data here; the AWS container mounts it read-only and uploads it."""
    import datagen

    data_dir = DATA_CACHE / profile
    report = datagen.validate(data_dir) if (data_dir / "checksums.json").exists() else None
    if report is None or not report.ok:
        datagen.generate(profile, data_dir)


class DockerServices:
    """The containers of one run's stack: start (minimal: AWS; full: + catalog), wait until ready, logs, stop."""

    def __init__(self, settings, *, full: bool = True, health_timeout: float = 180.0, owned: bool = True):
        self.settings = settings
        self.full = full
        self.owned = owned  # see RunContainers
        self.health_timeout = health_timeout
        self.control_key = secrets.token_urlsafe(24)
        self.client = None
        self.run: RunContainers | None = None
        self.aws_url: str | None = None
        self.catalog_url: str | None = None
        self.image: str | None = None
        self.seconds: dict[str, float] = {}
        self.orphans_removed: list[str] = []

    def _timed(self, phase: str, started: float) -> None:
        self.seconds[phase] = round(time.perf_counter() - started, 3)

    def connect(self) -> DockerServices:
        """Reach the engine (one-line StackError if none answers) and remove a killed run's leftovers."""
        from quilt_e2e.stack.docker.engine import connect

        if self.client is None:
            started = time.perf_counter()
            self.client = connect()
            self.orphans_removed = remove_orphans(self.client)
            self._timed("engine", started)
        return self

    def start(self) -> DockerServices:
        from quilt_e2e.stack.docker import images

        self.connect()
        started = time.perf_counter()
        self.image = images.ensure_images(self.client).stack_tag
        self._timed("images", started)
        started = time.perf_counter()
        self.run = RunContainers(self.client, self.settings.run_id, self.image, health_timeout=self.health_timeout,
                                 owned=self.owned)
        try:
            self._start_containers()
        except BaseException:
            self.stop()
            raise
        self._timed("containers", started)
        return self

    def _start_containers(self) -> None:
        assert self.run is not None
        settings = self.settings
        userdata = [arg for key in SERVED_SETTINGS for arg in ("-D", f"{key}={getattr(settings, key)}")]
        environment = {CONTROL_KEY_ENV: self.control_key}
        aws_port = free_port()
        catalog_port = free_port() if self.full else 0
        self.run.create_network()
        DATA_CACHE.mkdir(parents=True, exist_ok=True)
        # the reference data this process has just generated or validated: the server validates it and uploads
        # it (read-only: files a container wrote would belong to its root)
        volumes = {str(DATA_CACHE): {"bind": CONTAINER_DATA, "mode": "ro"}}
        aws = self.run.start(
            ServiceSpec("aws", [*SERVE, "--services", "aws", "--aws-port", str(aws_port), *userdata], aws_port,
                        HEALTH_PATH, environment, READY_LINE),
            publish=(aws_port, catalog_port) if self.full else (aws_port,), volumes=volumes,
        )
        self.aws_url = aws.url
        catalog = None
        if self.full:
            catalog = self.run.start(
                ServiceSpec("catalog", [*SERVE, "--services", "catalog", "--catalog-port", str(catalog_port),
                                        "--aws-endpoint", aws.url, *userdata],
                            catalog_port, HEALTH_PATH, environment, READY_LINE),
                beside=aws,
            )
            self.catalog_url = catalog.url
        self.run.wait_healthy(aws)
        if catalog is not None:
            self.run.wait_healthy(catalog)

    def logs(self, tail: int = 100) -> dict[str, str]:
        """Each container's recent output, secrets masked."""
        from quilt_e2e.reporting.masking import MASK

        if self.run is None:
            return {}
        # the control key is a secret of this run whatever the line around it looks like
        return {running.name: self.run.logs(running, tail).replace(self.control_key, MASK)
                for running in self.run.services.values()}

    def stop(self) -> None:
        if self.run is not None:
            self.run.stop()
            self.run = None
        if self.client is not None:
            self.client.close()
            self.client = None


class DockerStack(SharedStack):
    """The run's own stack server in containers; this process attaches to it as to a shared one (SharedStack:
    the stand-in through its control API, provisioning verified, request logs), then removes the containers."""

    kind = "docker"

    def __init__(self, settings, *, full: bool = True):
        super().__init__(settings)
        self.services = DockerServices(settings, full=full)

    def _start_services(self) -> None:
        self.services.connect()  # no engine: say so before anything else takes time
        with self._timed("datagen"):
            self._ensure_reference_data()  # before the containers: the AWS one uploads this very data
        self.services.start()
        self.startup_seconds.update({f"docker {k}": v for k, v in self.services.seconds.items()})
        super()._start_services()

    def _locate(self) -> tuple[str, str, str]:
        return self.services.aws_url or "", self.services.catalog_url or "", self.services.control_key

    def _ensure_reference_data(self) -> None:
        ensure_reference_data(self.settings.data_profile)

    def _stop_services(self) -> None:
        try:
            super()._stop_services()
        finally:
            self.services.stop()

    def service_logs(self, tail: int = 100) -> dict[str, str]:
        return self.services.logs(tail)
