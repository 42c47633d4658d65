"""`quilt-e2e stack up|down|status` (a stack server runs in the background). quilt_e2e.cli adds these to its
parser; `quilt-e2e run` (the parallel runner, quilt_e2e.parallel) starts and stops its stack server through
this module, so this module does not import quilt_e2e.parallel (no import cycle).

A stack kind is a row of KINDS: how to bring a server up, where its state is. `embedded` runs
`python -m quilt_e2e.stack.serve` as a detached process; other kinds (e.g. docker) add their own row.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from quilt_e2e.processes import process_exists
from quilt_e2e.stack import state_file
from quilt_e2e.stack.docker import kind as docker_kind

UP_TIMEOUT = 300.0  # provisioning and the first datagen run on a loaded machine
DOWN_TIMEOUT = 60.0  # a loaded machine needs a while to close the servers


class StackCommandError(Exception):
    """`quilt-e2e stack ...` cannot do what was asked; one line that says what to do."""


def _errors() -> tuple[type[Exception], ...]:
    from quilt_e2e.catalog.control import ControlError

    return (StackCommandError, ControlError, state_file.StateFileError)


@dataclass(frozen=True)
class StackStatus:
    state: dict | None
    healthy: dict[str, bool]  # service name → answers its health route

    @property
    def up(self) -> bool:
        return bool(self.healthy) and all(self.healthy.values())


def status(state_path: Path) -> StackStatus:
    from quilt_e2e.catalog.control_client import health

    try:
        state = state_file.read(state_path)
    except state_file.StateFileError:
        return StackStatus(None, {})
    services = {"aws": state.get("aws_endpoint"), "catalog": state.get("catalog_url")}
    return StackStatus(state, {name: health(url) is not None for name, url in services.items() if url})


def _server_alive(pid: int) -> bool:
    if not process_exists(pid):
        return False
    try:  # a recycled pid is not our server
        return b"quilt_e2e.stack.serve" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True


def up_embedded(state_path: Path, log_path: Path, host: str, userdata: list[str], timeout: float) -> dict:
    """Start the stack server detached (its own session: a Ctrl-C of the caller does not stop it), wait for
    its state file and health, and return its state."""
    from quilt_e2e.catalog.control_client import ControlError, wait_healthy

    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "quilt_e2e.stack.serve", "--state-file", str(state_path), "--host", host]
    for item in userdata:
        command += ["-D", item]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    deadline = time.monotonic() + timeout
    while True:
        code = process.poll()
        if code is not None:
            raise StackCommandError(f"the stack server exited with status {code} while starting: {_last_line(log_path)}"
                                    f" (log: {log_path})")
        try:
            state = state_file.read(state_path)
            if state.get("pid") == process.pid:
                break
        except state_file.StateFileError:
            pass
        if time.monotonic() > deadline:
            _terminate(process.pid, DOWN_TIMEOUT)
            raise StackCommandError(f"the stack server did not come up within {timeout:.0f}s (log: {log_path})")
        time.sleep(0.3)
    try:
        for url in (state.get("aws_endpoint"), state.get("catalog_url")):
            if url:
                wait_healthy(url, max(5.0, deadline - time.monotonic()))
    except ControlError as exc:
        _terminate(process.pid, DOWN_TIMEOUT)
        raise StackCommandError(f"{exc} (log: {log_path})") from None
    return state


def _last_line(path: Path) -> str:
    try:
        lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "(no log)"
    return lines[-1] if lines else "(empty log)"


def _terminate(pid: int, timeout: float) -> str:
    """SIGTERM, then SIGKILL after `timeout`; how it ended."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return "already gone"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _server_alive(pid):
            return "stopped"
        time.sleep(0.2)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return "stopped"
    return f"killed (no clean stop within {timeout:.0f}s)"


def down(state_path: Path, timeout: float = DOWN_TIMEOUT) -> str:
    """Stop the server the state file names and remove the file; what happened, in words."""
    try:
        state = state_file.read(state_path)
    except state_file.StateFileError:
        return f"no stack server is up (no state at {state_path})"
    pid = int(state["pid"])
    how = _terminate(pid, timeout) if _server_alive(pid) else "was not running"
    state_path.unlink(missing_ok=True)
    return f"stack server {pid} {how}; state file removed"


@dataclass(frozen=True)
class StackKind:
    up: Callable[..., dict]
    down: Callable[[Path, float], str]


SHARED_ERRORS = _errors()

# The docker kind adds a row: the same three commands, its own way to start and stop.
KINDS: dict[str, StackKind] = {"embedded": StackKind(up=up_embedded, down=down),
                               docker_kind.KIND: StackKind(up=docker_kind.up, down=docker_kind.down)}


def describe(state: dict, state_path: Path) -> list[str]:
    from quilt_e2e.stack.serve import export_lines

    lines = [f"pid {state['pid']}, started {state.get('started_at', '?')}, services {state.get('services', '?')}",
             f"aws      {state.get('aws_endpoint')}", f"catalog  {state.get('catalog_url')}"]
    return lines + export_lines(state, state_path)


def add_commands(commands) -> None:
    stack = commands.add_parser(
        "stack", help="start, inspect or stop a stack server that behave runs attach to (-D stack=shared)",
        description="A stack server runs the embedded stack (moto + Athena SQL + catalog stand-in) in the "
                    "background; `behave -D stack=shared` and `quilt-e2e run` attach to it.")
    actions = stack.add_subparsers(dest="stack_action", metavar="ACTION")
    actions.required = True
    state_help = f"state file (default: ${state_file.STATE_ENV} or <reports>/stack/state.json)"
    up = actions.add_parser("up", help="start a stack server in the background and wait until it is healthy",
                            description="Start the stack server detached (log in <reports>/stack/server.log), wait "
                                        "for health, print its endpoints and the export lines. Already up: says so.")
    up.add_argument("--kind", choices=sorted(KINDS), default="embedded", help="stack kind (default: embedded)")
    up.add_argument("--host", default="127.0.0.1", help="address the services bind (default: 127.0.0.1)")
    up.add_argument("--timeout", type=float, default=UP_TIMEOUT, metavar="S", help="seconds to wait for health")
    up.add_argument("-D", dest="userdata", action="append", default=[], metavar="KEY=VALUE",
                    help="a suite setting for provisioning (buckets, region, data_profile)")
    up.add_argument("--state-file", type=Path, default=None, help=state_help)
    st = actions.add_parser("status", help="print the stack server's endpoints and health (exit 1 if down)",
                            description="Print endpoints and the health of each service; exit status 1 if down.")
    st.add_argument("--state-file", type=Path, default=None, help=state_help)
    dn = actions.add_parser("down", help="stop the stack server (SIGTERM, SIGKILL after --timeout)",
                            description="Stop the stack server (SIGTERM, then SIGKILL after --timeout seconds) "
                                        "and remove its state file.")
    dn.add_argument("--kind", choices=sorted(KINDS), default="embedded", help="stack kind (default: embedded)")
    dn.add_argument("--timeout", type=float, default=DOWN_TIMEOUT, metavar="S", help="seconds before SIGKILL")
    dn.add_argument("--state-file", type=Path, default=None, help=state_help)


def _recorded_kind(state_path: Path) -> str | None:
    try:
        return state_file.read(state_path).get("kind")
    except state_file.StateFileError:
        return None


def run_command(args: argparse.Namespace) -> int:
    prefix = f"quilt-e2e stack {args.stack_action}:"
    state_path = args.state_file or state_file.default_path()
    if args.stack_action == "status":
        found = status(state_path)
        if found.state is None:
            print(f"{prefix} down (no state at {state_path}); start one with `quilt-e2e stack up`")
            return 1
        health = ", ".join(f"{name} {'healthy' if ok else 'NOT answering'}" for name, ok in found.healthy.items())
        print(f"{prefix} {'up' if found.up else 'DOWN'}: {health}")
        for line in describe(found.state, state_path):
            print(f"  {line}" if not line.startswith("export") else line)
        return 0 if found.up else 1
    kind = KINDS[args.kind]
    if args.stack_action == "down":
        kind = KINDS[_recorded_kind(state_path) or args.kind]  # stop it the way it was started
        print(f"{prefix} {kind.down(state_path, args.timeout)}")
        return 0
    if any("=" not in item for item in args.userdata):
        raise StackCommandError("-D takes KEY=VALUE")
    found = status(state_path)
    if found.up:
        print(f"{prefix} already up")
        state = found.state
    else:
        if found.state is not None:  # stale: the server died without cleaning up
            state_path.unlink(missing_ok=True)
        log_path = state_file.reports_dir() / "stack" / "server.log"
        state = kind.up(state_path, log_path, args.host, args.userdata, args.timeout)
        print(f"{prefix} up (log {log_path})")
    assert state is not None
    for line in describe(state, state_path):
        print(f"  {line}" if not line.startswith("export") else line)
    return 0
