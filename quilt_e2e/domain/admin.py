"""Catalog administration (users, roles, SSO) through QuiltOps' AdminOps, and independent checks.

Every call to the SUT goes through `world.call_with(world.ops.admin, ...)` or `world.attempt(...)`.
What the SUT did is verified in the catalog itself: the stand-in's own state (its user directory and SSO
config), or plain HTTP requests to the catalog as a given user (sign-in, admin GraphQL), never only
through the SUT's own read-back.

Users a scenario creates are named `<run id>-<label>` and removed from the catalog after the scenario,
whether the SUT or the scenario's Given created them.
"""

from __future__ import annotations

from typing import Any

import requests
import yaml

from quilt_e2e.domain import session
from quilt_e2e.domain.packages import split_list
from quilt_e2e.domain.world import World

EMAIL_DOMAIN = "e2e.example.com"


# -- names -------------------------------------------------------------------------------------------
def user_name(world: World, label: str) -> str:
    """The run-scoped catalog user name for a scenario's label."""
    return f"{world.settings.run_id}-{label}"


def email_of(world: World, label: str) -> str:
    """The run-scoped email address a scenario's user is created with."""
    return f"{user_name(world, label)}@{EMAIL_DOMAIN}"


def scoped_email(world: World, email: str) -> str:
    """A scenario's email address made unique to the run: the run id is prefixed to its local part."""
    return f"{world.settings.run_id}.{email}"


# -- the catalog itself (verification and preconditions) -----------------------------------------
def stand_in(world: World):
    return session.catalog(world)


def directory(world: World):
    return stand_in(world).catalog.directory


def catalog_user(world: World, label: str):
    """The catalog's own record of a scenario user, or None."""
    return directory(world).get(user_name(world, label))


def require_catalog_user(world: World, label: str):
    user = catalog_user(world, label)
    assert user is not None, f"the catalog has no user {user_name(world, label)!r}"
    return user


def remove_run_users_after_scenario(world: World) -> None:
    """Register (once per scenario) the removal of every user of this run from the catalog."""
    if getattr(world, "_admin_users_cleanup", False):
        return
    world._admin_users_cleanup = True
    prefix = f"{world.settings.run_id}-"

    def _remove() -> None:
        users = directory(world)
        with users.lock:
            for name in [n for n in users.users if n.startswith(prefix)]:
                users.remove(name)

    world.cleanups.append(_remove)


def given_user(world: World, label: str, role: str, extra_roles: str = "", *, admin: bool = False,
               active: bool = True):
    """A run-scoped user put straight into the catalog's directory (not through the SUT)."""
    from quilt_e2e.catalog.directory import User

    remove_run_users_after_scenario(world)
    users = directory(world)
    name = user_name(world, label)
    assert users.get(name) is None, f"test defect: user {name} already exists"
    roles = split_list(extra_roles)
    unknown = [r for r in [role, *roles] if r not in users.roles]
    assert not unknown, f"test defect: the catalog has no roles {unknown}"
    return users.add(User(name, email_of(world, label), role, roles, is_admin=admin, is_active=active))


def role_names(user) -> tuple[str | None, list[str]]:
    """(primary role, extra roles) of a catalog user as the API shows them."""
    return user.role, user.visible_extra_roles()


def assert_catalog_roles(world: World, label: str, role: str, extra_roles: str) -> None:
    user = require_catalog_user(world, label)
    primary, extra = role_names(user)
    assert primary == role, f"the catalog shows {user.name} with role {primary!r}, expected {role!r}"
    assert sorted(extra) == sorted(split_list(extra_roles)), (
        f"the catalog shows {user.name} with extra roles {extra}, expected {split_list(extra_roles)}"
    )


def catalog_graphql_as(world: World, username: str, query: str) -> requests.Response:
    """A GraphQL request to the catalog with a token the catalog itself issued for `username`."""
    catalog = stand_in(world)
    token = catalog.issue_token(username)
    return requests.post(
        f"{catalog.url}/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def can_administer(world: World, username: str) -> bool:
    """Whether the catalog lets `username` list its users (an admin-only query)."""
    response = catalog_graphql_as(world, username, "{ admin { user { list { name } } } }")
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    return response.status_code == 200 and not body.get("errors") and bool((body.get("data") or {}).get("admin"))


def can_sign_in(world: World, username: str) -> tuple[bool, str]:
    """quilt3's sign-in step: redeem a refresh token at the catalog's /api/token. (ok, what it answered)."""
    catalog = stand_in(world)
    refresh = catalog.issue_refresh_token(username)
    response = requests.post(f"{catalog.url}/api/token", data={"refresh_token": refresh}, timeout=30)
    return response.status_code == 200, f"HTTP {response.status_code} {response.text[:200]}"


# -- calls to the SUT --------------------------------------------------------------------------------
def call(world: World, operation: str, *args, **kwargs) -> Any:
    return world.call_with(world.ops.admin, operation, *args, **kwargs)


def attempt(world: World, operation: str, *args, **kwargs):
    return world.attempt(operation, *args, target=world.ops.admin, **kwargs)


def create_user(world: World, label: str, role: str, extra_roles: str = "", *, email: str | None = None,
                expect_refusal: bool = False):
    remove_run_users_after_scenario(world)
    args = (user_name(world, label), email if email is not None else email_of(world, label), role)
    kwargs = {"extra_roles": split_list(extra_roles)} if extra_roles else {}
    if expect_refusal:
        return attempt(world, "create_user", *args, **kwargs)
    world.result = call(world, "create_user", *args, **kwargs)
    return world.result


# The changes an administrator makes to one user, by the words a scenario uses for them. Each maps to
# the AdminOps call and its arguments after the user name (defaults for attempts on unknown users).
def user_changes(world: World) -> dict[str, tuple[str, tuple]]:
    return {
        "look up": ("get_user", ()),
        "delete": ("delete_user", ()),
        "deactivate": ("set_user_active", (False,)),
        "reactivate": ("set_user_active", (True,)),
        "reset the password of": ("reset_user_password", ()),
        "grant administrator rights to": ("set_user_admin", (True,)),
        "revoke the administrator rights of": ("set_user_admin", (False,)),
        "change the email of": ("set_user_email", (scoped_email(world, "changed@e2e.example.com"),)),
        "set the role of": ("set_user_role", ("viewer",)),
        "add extra roles to": ("add_user_roles", (["analyst"],)),
        "remove extra roles from": ("remove_user_roles", (["analyst"],)),
    }


USER_ACTIONS = (
    "look up",
    "delete",
    "deactivate",
    "reactivate",
    "reset the password of",
    "grant administrator rights to",
    "revoke the administrator rights of",
    "change the email of",
    "set the role of",
    "add extra roles to",
    "remove extra roles from",
)


def change_user(world: World, action: str, label: str, *, expect_refusal: bool = False):
    operation, args = user_changes(world)[action]
    remove_run_users_after_scenario(world)
    if expect_refusal:
        return attempt(world, operation, user_name(world, label), *args)
    world.result = call(world, operation, user_name(world, label), *args)
    return world.result


# -- checks of what the SUT returned -----------------------------------------------------------------
def assert_account(account, *, name: str | None = None, email: str | None = None, role: str | None = None,
                   extra_roles: list[str] | None = None, admin: bool | None = None, active: bool | None = None):
    """The User the SUT returned has the given fields (None: not checked)."""
    from quilt_mcp.domain.user import User

    assert isinstance(account, User), f"expected a User, got {type(account).__name__}: {account!r:.200}"
    problems = []
    if name is not None and account.name != name:
        problems.append(f"name {account.name!r} (expected {name!r})")
    if email is not None and account.email != email:
        problems.append(f"email {account.email!r} (expected {email!r})")
    if role is not None and (account.role.name if account.role else None) != role:
        problems.append(f"role {account.role!r} (expected {role!r})")
    if extra_roles is not None and sorted(r.name for r in account.extra_roles) != sorted(extra_roles):
        problems.append(f"extra roles {[r.name for r in account.extra_roles]} (expected {extra_roles})")
    if admin is not None and account.is_admin is not admin:
        problems.append(f"is_admin {account.is_admin!r} (expected {admin})")
    if active is not None and account.is_active is not active:
        problems.append(f"is_active {account.is_active!r} (expected {active})")
    assert not problems, f"the account {account.name!r} differs: " + "; ".join(problems)


def assert_matches_catalog(account, catalog_record) -> None:
    """A User from the SUT shows what the catalog has for that user."""
    primary, extra = role_names(catalog_record)
    assert_account(account, name=catalog_record.name, email=catalog_record.email, role=primary, extra_roles=extra,
                   admin=catalog_record.is_admin, active=catalog_record.is_active)
    assert account.is_sso_only is catalog_record.is_sso_only, f"{account.name}: is_sso_only {account.is_sso_only!r}"
    assert account.is_service is catalog_record.is_service, f"{account.name}: is_service {account.is_service!r}"


# -- SSO ---------------------------------------------------------------------------------------------
def sso_config_for(role: str) -> dict:
    """An SSO configuration: one mapping for the example identity provider, everyone else gets `role`."""
    return {
        "version": "1.0",
        "mappings": [
            {"expression": {"claims": {"email_verified": True}}, "roles": [role]},
        ],
        "default_role": role,
    }


def keep_sso_config_after_scenario(world: World) -> None:
    """The SSO config is catalog-wide: put back what the catalog had before the scenario."""
    if getattr(world, "_sso_restore", False):
        return
    world._sso_restore = True
    catalog = stand_in(world).catalog
    before = catalog.sso_config

    def _restore() -> None:
        catalog.sso_config = before

    world.cleanups.append(_restore)


def given_sso_config(world: World, config: dict | None) -> None:
    """Set (or clear) the catalog's SSO configuration directly, not through the SUT."""
    from datetime import datetime, timezone

    from quilt_e2e.catalog.state import SsoConfig

    keep_sso_config_after_scenario(world)
    catalog = stand_in(world).catalog
    if config is None:
        catalog.sso_config = None
    else:
        uploader = directory(world).get(session.ROLES_TO_USERS["an administrator"])
        catalog.sso_config = SsoConfig(yaml.safe_dump(config), datetime.now(timezone.utc), uploader)
    world.sso_before = catalog.sso_config


def catalog_sso_config(world: World):
    return stand_in(world).catalog.sso_config


def parsed(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise AssertionError(f"SSO configuration text does not parse as YAML: {exc}") from None
