"""Who the scenario acts as: a quilt3 catalog login, or a raw JWT handed to QuiltOps' runtime context."""

from __future__ import annotations

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


def ensure_identity(world: World) -> None:
    """Multiuser QuiltOps needs a catalog identity to exist at all: act as the default user unless the
    scenario chose one (or chose none)."""
    if world.settings.backend == "multiuser" and world.user is None:
        login(world, DEFAULT_USER)


def present_token(world: World, token: str) -> None:
    """Give QuiltOps a JWT the way an HTTP client of the MCP server does: through the runtime context."""
    from quilt_mcp.context.runtime_context import RuntimeAuthState, push_runtime_context, reset_runtime_context

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
