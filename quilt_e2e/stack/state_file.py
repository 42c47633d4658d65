"""The stack server's state file: where its services answer, its pid, the settings it provisioned with, and
the stand-in's control key. Written by `python -m quilt_e2e.stack.serve`, read by `-D stack=shared` runs
and `quilt-e2e stack status|down`. It holds a secret (the control key): mode 0600, never printed."""

from __future__ import annotations

import json
import os
from pathlib import Path

STATE_ENV = "QUILT_E2E_STACK_STATE"  # where the state file is; default <reports dir>/stack/state.json
CONTROL_KEY_ENV = "QUILT_E2E_CONTROL_KEY"  # the control key when a run has no state file (e.g. split containers)


def reports_dir() -> Path:
    from quilt_e2e.stack import PROJECT_ROOT

    return Path(os.environ.get("QUILT_E2E_REPORTS_DIR") or PROJECT_ROOT / "reports")


def default_path() -> Path:
    return Path(os.environ.get(STATE_ENV) or reports_dir() / "stack" / "state.json")


class StateFileError(Exception):
    """The state file is absent or unreadable; the message says what to do."""


def write(path: Path, state: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + f".{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(state, handle, indent=2)
        handle.write("\n")
    os.replace(temporary, path)  # readers never see half a file


def read(path: Path) -> dict:
    try:
        state = json.loads(path.read_text())
    except FileNotFoundError:
        raise StateFileError(f"no stack server state at {path}: start one with `quilt-e2e stack up`") from None
    except (OSError, ValueError) as exc:
        raise StateFileError(f"unreadable stack state file {path} ({type(exc).__name__}): "
                             "remove it and run `quilt-e2e stack up`") from None
    if not isinstance(state, dict) or "pid" not in state:
        raise StateFileError(f"{path} is not a stack server state file: remove it and run `quilt-e2e stack up`")
    return state


def remove_if_owned(path: Path, pid: int) -> None:
    """Remove the state file if it still describes the server `pid` (a newer server may have replaced it)."""
    try:
        if json.loads(path.read_text()).get("pid") == pid:
            path.unlink()
    except (OSError, ValueError):
        pass
