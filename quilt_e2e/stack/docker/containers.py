"""The containers of one run: a private network, the stack server's containers on it, ports published on
127.0.0.1 only, health waits, logs, and removal of everything the run (or an earlier killed run) left.

Every object carries the owner label, the run id, and the owning process (host + pid): at start, what a run
whose process is gone left behind is removed; a concurrent run's containers are left alone.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from quilt_e2e.processes import process_exists
from quilt_e2e.reporting.masking import mask_text
from quilt_e2e.stack import StackError
from quilt_e2e.stack.docker.engine import LABEL_OWNER, LABEL_ROLE, LABEL_RUN, OWNER

log = logging.getLogger("quilt_e2e.stack.docker")

LABEL_HOST = "org.quilt-e2e.host"
LABEL_PID = "org.quilt-e2e.pid"
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class ServiceSpec:
    """One container: its role (aws, catalog), the command of the stack server, the port it serves, and the
    HTTP path that answers 200 once it serves."""

    role: str
    command: list[str]
    port: int
    health_path: str = "/"
    environment: dict[str, str] = field(default_factory=dict)
    ready_line: str = ""  # a line the service prints once it is ready (after provisioning), if it has one


@dataclass
class RunningService:
    spec: ServiceSpec
    container: object
    host_port: int = 0

    @property
    def name(self) -> str:
        return self.container.name  # type: ignore[attr-defined]

    @property
    def url(self) -> str:
        """Where this process reaches the service (the published loopback port)."""
        return f"http://{LOOPBACK}:{self.host_port}"



def free_port() -> int:
    """A TCP port free on this machine's loopback now (the engine publishes it; a lost race fails the start)."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


class RunContainers:
    """Owns the network and containers of one run id on one engine."""

    def __init__(self, client, run_id: str, image: str, *, health_timeout: float = 120.0, owned: bool = True):
        """`owned`: the containers live as long as this process (a killed one's are removed by the next run);
        otherwise they stay until removed by run id (`quilt-e2e stack down --kind docker`)."""
        self.client = client
        self.run_id = run_id
        self.image = image
        self.health_timeout = health_timeout
        self.network = None
        self.services: dict[str, RunningService] = {}
        self._labels = {LABEL_OWNER: OWNER, LABEL_RUN: run_id, LABEL_HOST: socket.gethostname(),
                        LABEL_PID: str(os.getpid()) if owned else "none"}

    @property
    def network_name(self) -> str:
        return f"{self.run_id}-net"

    # -- lifecycle ---------------------------------------------------------------------------------
    def create_network(self) -> None:
        self.network = self.client.networks.create(self.network_name, driver="bridge", labels=self._labels,
                                                   check_duplicate=True)

    def start(self, spec: ServiceSpec, *, publish: tuple[int, ...] = (), beside: RunningService | None = None,
              volumes: dict | None = None) -> RunningService:
        """Start one service's container on the run's network, publishing `publish` ports (container port =
        host port, on 127.0.0.1 only: the URLs a service hands out then work from this process too). With
        `beside`, the container joins that container's network namespace (a pod): it reaches it on 127.0.0.1,
        and its ports are the ones `beside` published."""
        from docker.errors import APIError

        assert self.network is not None, "create_network() first"
        where: dict = ({"network_mode": f"container:{beside.container.id}"} if beside is not None  # type: ignore[attr-defined]
                       else {"network": self.network.name,
                             "ports": {f"{port}/tcp": (LOOPBACK, port) for port in publish}})
        try:
            container = self.client.containers.run(
                self.image, command=spec.command, name=f"{self.run_id}-{spec.role}", detach=True,
                labels={**self._labels, LABEL_ROLE: spec.role}, environment=spec.environment,
                init=True, stop_signal="SIGTERM", volumes=volumes or {}, **where,
            )
        except APIError as exc:
            raise StackError(f"could not start the {spec.role} container: {exc.explanation or exc}") from None
        running = RunningService(spec, container, host_port=spec.port)
        self.services[spec.role] = running
        return running

    def wait_healthy(self, running: RunningService, timeout: float | None = None) -> float:
        """Poll the service until it answers HTTP; return the seconds it took. On timeout or exit: StackError
        naming the container and its last log lines."""
        timeout = self.health_timeout if timeout is None else timeout
        started = time.perf_counter()
        deadline = started + timeout
        url = running.url + running.spec.health_path
        while True:
            running.container.reload()  # type: ignore[attr-defined]
            status = running.container.status  # type: ignore[attr-defined]
            if status in ("exited", "dead"):
                raise StackError(f"container {running.name} exited before it was healthy; "
                                 f"last log lines: {self.last_lines(running)}")
            ready_line = running.spec.ready_line
            if self._answers(url) and (not ready_line or ready_line in self.logs(running, 50)):
                return time.perf_counter() - started
            if time.perf_counter() > deadline:
                raise StackError(f"container {running.name} not healthy after {timeout:.0f}s ({url}); "
                                 f"last log lines: {self.last_lines(running)}")
            time.sleep(0.25)

    @staticmethod
    def _answers(url: str) -> bool:
        # no proxy: the run's sandbox points proxies at a dead port for everything but loopback
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(url, timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def logs(self, running: RunningService, tail: int = 100) -> str:
        """The container's recent output, with secrets masked."""
        from docker.errors import APIError, NotFound

        try:
            raw = running.container.logs(tail=tail, timestamps=False)  # type: ignore[attr-defined]
        except (APIError, NotFound) as exc:
            return f"(no logs: {exc})"
        return mask_text(raw.decode("utf-8", errors="replace"))

    def last_lines(self, running: RunningService, count: int = 5) -> str:
        lines = [line for line in self.logs(running, tail=count * 4).splitlines() if line.strip()][-count:]
        return " | ".join(lines) if lines else "(no output)"

    def stop(self) -> None:
        """Stop and remove this run's containers and network (by label, so a half-started run is covered too)."""
        remove_labelled(self.client, {LABEL_RUN: self.run_id})
        self.services.clear()
        self.network = None


def remove_labelled(client, labels: dict[str, str]) -> list[str]:
    """Remove (force) every container, then every network, of the suite carrying all `labels`; names removed."""
    from docker.errors import APIError, NotFound

    filters = {"label": [f"{LABEL_OWNER}={OWNER}"] + [f"{k}={v}" for k, v in labels.items()]}
    removed = []
    for container in client.containers.list(all=True, filters=filters):
        try:
            container.remove(force=True, v=True)
            removed.append(container.name)
        except NotFound:
            pass
        except APIError as exc:
            log.warning("could not remove container %s: %s", container.name, exc.explanation or exc)
    for network in client.networks.list(filters=filters):
        try:
            network.remove()
            removed.append(network.name)
        except NotFound:
            pass
        except APIError as exc:
            log.warning("could not remove network %s: %s", network.name, exc.explanation or exc)
    return removed


def remove_orphans(client) -> list[str]:
    """Remove what runs on this host whose process is gone left behind (a killed run); names removed."""
    host = socket.gethostname()
    dead_runs: set[str] = set()
    owned = {"label": [f"{LABEL_OWNER}={OWNER}", f"{LABEL_HOST}={host}"]}
    for obj in client.containers.list(all=True, filters=owned) + client.networks.list(filters=owned):
        labels = obj.attrs.get("Config", {}).get("Labels") if hasattr(obj, "status") else obj.attrs.get("Labels")
        labels = labels or {}
        pid = labels.get(LABEL_PID, "")
        if pid.isdigit() and not process_exists(int(pid)) and labels.get(LABEL_RUN):
            dead_runs.add(labels[LABEL_RUN])
    removed = []
    for run_id in sorted(dead_runs):
        removed += remove_labelled(client, {LABEL_RUN: run_id, LABEL_HOST: host})
    return removed
