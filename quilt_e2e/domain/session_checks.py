"""Checks of session scenarios: who the session is and how it reports its authentication."""

from __future__ import annotations

from quilt_e2e.domain.world import World


# -- the checks behind steps/session_steps.py ---------------------------------------------------------
def start_logged_out(world: World) -> None:
    """Given no catalog login exists."""
    world.user = ""  # explicitly nobody
    sandbox = world.stack.sandbox
    auth_file = sandbox.quilt_data_dir / "auth.json" if sandbox else None
    assert auth_file is None or not auth_file.exists(), f"a catalog login exists in the sandbox: {auth_file}"


def assert_not_authenticated(world: World) -> None:
    """Then I am reported as not authenticated."""
    status = world.result
    assert type(status).__name__ == "Auth_Status", f"expected an Auth_Status, got {status!r}"
    assert status.is_authenticated is False, f"reported authenticated: {status!r}"
