"""`quilt-e2e stack up|down --kind docker`: a long-lived stack server in containers that `-D stack=shared` runs
attach to, described by the same state file as the embedded kind's server."""

from __future__ import annotations

import dataclasses
import secrets
import time
from pathlib import Path

from quilt_e2e.stack import StackError, state_file

KIND = "docker"


def up(state_path: Path, log_path: Path, host: str, userdata: list[str], timeout: float) -> dict:
    """Start the containers (they outlive this command), wait until they are ready, write the state file."""
    from quilt_e2e.config import ConfigError, load_settings
    from quilt_e2e.stack.docker.stack import DockerServices, ensure_reference_data
    from quilt_e2e.stack.shared import MATCHING_SETTINGS

    if host not in ("127.0.0.1", "localhost"):
        raise StackError(f"--host {host}: the docker kind publishes its ports on 127.0.0.1 only")
    try:
        settings = load_settings({**dict(item.split("=", 1) for item in userdata), "stack": KIND,
                                  "run_id": f"e2e-stack-{secrets.token_hex(3)}"})
    except ConfigError as exc:
        raise StackError(str(exc)) from None
    services = DockerServices(settings, health_timeout=timeout, owned=False).connect()
    ensure_reference_data(settings.data_profile)
    services.start()
    assert services.run is not None
    aws = services.run.services["aws"].container
    aws.reload()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text("".join(f"== {name}\n{text}\n" for name, text in services.logs().items()))
    state = {
        "kind": KIND,
        "pid": aws.attrs["State"]["Pid"],  # the AWS container's server process, as this host sees it
        "run_id": settings.run_id,
        "containers": sorted(running.name for running in services.run.services.values()),
        "image": services.image,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "services": "all",
        "host": "127.0.0.1",
        "aws_endpoint": services.aws_url,
        "catalog_url": services.catalog_url,
        "control_key": services.control_key,
        "settings": {k: v for k, v in dataclasses.asdict(settings).items() if k in MATCHING_SETTINGS},
        "startup_seconds": services.seconds,
        "state_file": str(state_path),
    }
    state_file.write(state_path, state)
    if services.client is not None:
        services.client.close()
    return state


def down(state_path: Path, timeout: float = 20.0) -> str:
    """Remove the containers and network of the state file's docker stack, and the state file."""
    from quilt_e2e.stack.docker.containers import remove_labelled
    from quilt_e2e.stack.docker.engine import LABEL_RUN, connect

    try:
        state = state_file.read(state_path)
    except state_file.StateFileError:
        return f"no stack server is up (no state at {state_path})"
    if state.get("kind") != KIND:
        raise StackError(f"{state_path} describes a {state.get('kind', 'embedded')} stack server, not a docker one: "
                         f"quilt-e2e stack down --kind {state.get('kind', 'embedded')}")
    client = connect(timeout=int(timeout))
    try:
        removed = remove_labelled(client, {LABEL_RUN: state["run_id"]})
    finally:
        client.close()
    state_path.unlink(missing_ok=True)
    return f"docker stack {state['run_id']} removed ({', '.join(removed) or 'nothing was left'}); state file removed"
