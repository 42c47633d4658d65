"""Who the scenario acts as: a quilt3 catalog login, or a raw JWT handed to QuiltOps' runtime context."""

from __future__ import annotations

import uuid

from quilt_e2e.domain.world import World

DEFAULT_USER = "test-user"
# Product words for the catalog's users (infrastructure spec 1.4).
ROLES_TO_USERS = {
    "an administrator": "test-admin",
    "a data scientist": "test-user",
    "a read-only user": "test-readonly",
    "a service account": "test-service",
}


def catalog(world: World):
    if world.stack.catalog is None:
        raise AssertionError(
            "test defect: this stack has no catalog to log in to (the embedded stack starts one; for aws, "
            "configure a catalog)"
        )
    return world.stack.catalog


def login(world: World, username: str) -> None:
    """quilt3's own login flow against the catalog: config.json, /api/token, /api/auth/get_credentials."""
    import quilt3

    stand_in = catalog(world)
    quilt3.config(stand_in.url)
    quilt3.session.login_with_token(stand_in.issue_refresh_token(username))
    world.user = username


def switch_user(world: World, username: str) -> None:
    """Another person takes over mid-scenario: log in as them and build QuiltOps afresh for their session."""
    login(world, username)
    world.forget_ops()


def assert_declarable_as_parameter(world: World) -> None:
    """quilt-mcp's tools declare an optional QuiltOps parameter: pydantic accepts the session as it is, and None."""
    from quilt_mcp.ops.quilt_ops import QuiltOps

    from quilt_e2e.domain.expectations import assert_pydantic_accepts

    assert_pydantic_accepts(QuiltOps, world.sut)


def ensure_identity(world: World) -> None:
    """Multiuser QuiltOps needs a catalog identity to exist at all: act as the default user unless the
    scenario chose one (or chose none)."""
    if world.settings.backend == "multiuser" and world.user is None:
        login(world, DEFAULT_USER)


def present_token(world: World, token: str) -> None:
    """Give QuiltOps a JWT the way an HTTP client of the MCP server does: through the runtime context."""
    from quilt_mcp.context.runtime_context import (
        RuntimeAuthState,
        push_runtime_context,
        reset_runtime_context,
    )

    handle = push_runtime_context(environment="web", auth=RuntimeAuthState(scheme="Bearer", access_token=token))
    world.cleanups.append(lambda: reset_runtime_context(handle))
    world.user = "<token>"


def token_for(world: World, username: str, *, expired: bool = False) -> str:
    return catalog(world).issue_token(username, expires_in=-60 if expired else None)


def forged_token(world: World, username: str) -> str:
    """A well-formed JWT for a real user, signed with a key the catalog does not know."""
    import jwt

    genuine = jwt.decode(token_for(world, username), options={"verify_signature": False})
    return jwt.encode(genuine, "not-the-catalog-secret-0123456789abcdef", algorithm="HS256")


def present_aws_credentials(world: World) -> str:
    """Hand QuiltOps AWS credentials through the runtime context, as an MCP client that brings its own does.
    They are the test IAM role's (assumed with the suite's own AWS access); returns the identity they carry.

    Only the embedded stack lets the suite assume that role (on AWS it trusts EC2 alone): @use.with_stack=embedded."""
    from quilt_mcp.context.runtime_context import (
        RuntimeAuthState,
        push_runtime_context,
        reset_runtime_context,
    )

    sts = world.stack.client("sts")
    account = sts.get_caller_identity()["Account"]
    answer = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{world.settings.iam_role}",
                             RoleSessionName=f"{world.settings.run_id}-presented"[:64], DurationSeconds=900)
    credentials = answer["Credentials"]
    extras = {"aws_credentials": {
        "access_key_id": credentials["AccessKeyId"],
        "secret_access_key": credentials["SecretAccessKey"],
        "session_token": credentials["SessionToken"],
        "region": world.settings.region,
    }}
    handle = push_runtime_context(environment="web", auth=RuntimeAuthState(scheme="Bearer", extras=extras))
    world.cleanups.append(lambda: reset_runtime_context(handle))
    return answer["AssumedRoleUser"]["Arn"]


def revoke_login(world: World) -> None:
    """The catalog stops accepting the current user's login. The user is shared by every run on the stack, so
    the scenario goes on as a copy of them made for this run (same role and rights), logged in, which the
    stand-in then deactivates and removes after the scenario (a real catalog is never changed like this: such
    scenarios are @use.with_stack=embedded)."""
    from dataclasses import replace

    stand_in = catalog(world)
    directory = getattr(getattr(stand_in, "catalog", None), "directory", None)
    if directory is None:
        raise AssertionError(
            "test defect: only the embedded stack's stand-in can revoke a login (tag @use.with_stack=embedded)"
        )
    user = directory.get(world.user or "")
    if user is None:
        raise AssertionError(f"test defect: no catalog user {world.user!r} is logged in to revoke")
    copy = replace(user, name=world.run_user_name(user.name), email=world.run_email(user.email), id=str(uuid.uuid4()))
    directory.add(copy)
    world.cleanups.append(lambda: directory.remove(copy.name))
    switch_user(world, copy.name)
    directory.update(copy.name, is_active=False)


def damage_login_file(world: World, name: str) -> None:
    """quilt3's login file `name` (auth.json or credentials.json) holds garbage, as a new process finds it
    after a crash mid-write; quilt3's in-memory session is dropped so the next call reads the file."""
    import quilt3.session

    sandbox = world.stack.sandbox
    if sandbox is None:
        raise AssertionError("test defect: no sandbox to hold quilt3's login files")
    path = sandbox.quilt_data_dir / name
    if not path.exists():
        raise AssertionError(f"test defect: there is no {name} to damage (log in first)")
    path.write_text('{"truncated": ')
    quilt3.session.clear_session()
