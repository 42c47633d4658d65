"""The Docker engine the docker stack talks to, through the docker SDK; labels that mark what the suite owns."""

from __future__ import annotations

import os

from quilt_e2e.stack import StackError

# Everything the suite creates in the engine carries LABEL_OWNER; containers and networks also LABEL_RUN.
LABEL_OWNER = "org.quilt-e2e.owner"
OWNER = "quilt-e2e"
LABEL_RUN = "org.quilt-e2e.run-id"
LABEL_ROLE = "org.quilt-e2e.role"
LABEL_INPUTS = "org.quilt-e2e.inputs-hash"


def engine_address() -> str:
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def connect(timeout: int = 10):
    """A docker SDK client whose engine answered a ping; else StackError in one line saying what to do."""
    from docker.errors import DockerException

    import docker

    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except (DockerException, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StackError(
            f"no Docker engine answers at {engine_address()} ({reason[:160]}): start dockerd or use -D stack=embedded"
        ) from None
    return client


def engine_answers() -> bool:
    try:
        connect(timeout=5).close()
    except StackError:
        return False
    return True
