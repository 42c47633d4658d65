"""Catalog administration (users, roles, SSO) through QuiltOps' AdminOps: names, preconditions and calls.

Every call to the SUT goes through the recorded driver `world.ops.admin` (`perform`, `attempt`).
What the SUT did is verified in the catalog itself (`admin_checks`): the stand-in's own state (its user
directory, roles and SSO config), its request log, or plain HTTP requests to the catalog as a given user
(sign-in, admin GraphQL), never only through the SUT's own read-back.

Users a scenario creates are named `<run id>-<label>` and removed from the catalog after the scenario,
whether the SUT or the scenario's Given created them. Users a scenario puts into the catalog directly get
fixed join and last-login dates, so every date the SUT reports has a known, distinct expected value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests
import yaml

from quilt_e2e.domain import session
from quilt_e2e.domain.driver import Driver
from quilt_e2e.domain.packages import split_list
from quilt_e2e.domain.world import Attempt, World

EMAIL_DOMAIN = "e2e.example.com"
# The dates a scenario's catalog-made users carry (microseconds included: they must survive the trip).
JOINED = datetime(2024, 1, 15, 9, 30, 5, 250000, tzinfo=UTC)
LAST_LOGIN = datetime(2025, 6, 1, 12, 0, 42, 123456, tzinfo=UTC)


# -- names -------------------------------------------------------------------------------------------
def user_name(world: World, label: str) -> str:
    """The run-scoped catalog user name for a scenario's label."""
    return world.run_user_name(label)


def email_of(world: World, label: str) -> str:
    """The run-scoped email address a scenario's user is created with."""
    return f"{user_name(world, label)}@{EMAIL_DOMAIN}"


def scoped_email(world: World, email: str) -> str:
    """A scenario's email address made unique to the run."""
    return world.run_email(email)


# -- the catalog itself (preconditions) ------------------------------------------------------------
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


def given_user(world: World, label: str, role: str | None, extra_roles: str = "", *, admin: bool = False,
               active: bool = True, sso_only: bool = False):
    """A run-scoped user put straight into the catalog's directory (not through the SUT)."""
    from quilt_e2e.catalog.directory import User

    remove_run_users_after_scenario(world)
    users = directory(world)
    name = user_name(world, label)
    assert users.get(name) is None, f"test defect: user {name} already exists"
    roles = split_list(extra_roles)
    unknown = [r for r in [role, *roles] if r is not None and r not in users.roles]
    assert not unknown, f"test defect: the catalog has no roles {unknown}"
    return users.add(User(name, email_of(world, label), role, roles, is_admin=admin, is_active=active,
                          is_sso_only=sso_only, date_joined=JOINED, last_login=LAST_LOGIN))


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


def sign_in(world: World, label: str) -> None:
    """The user signs in to the catalog now; the window of the sign-in is kept for the checks."""
    before = datetime.now(UTC)
    ok, answer = can_sign_in(world, user_name(world, label))
    assert ok, f"test defect: the catalog refused to sign {label} in: {answer}"
    world.sign_in_window = (before, datetime.now(UTC))


# -- SSO preconditions -------------------------------------------------------------------------------
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
    """Set (or clear) the catalog's SSO configuration directly, not through the SUT. It was uploaded by
    the administrator, a little while ago (a distinct, known time)."""
    from quilt_e2e.catalog.state import SsoConfig

    keep_sso_config_after_scenario(world)
    catalog = stand_in(world).catalog
    if config is None:
        catalog.sso_config = None
    else:
        uploader = directory(world).get(session.ROLES_TO_USERS["an administrator"])
        uploaded = datetime(2025, 11, 3, 8, 15, 30, 654321, tzinfo=UTC)
        catalog.sso_config = SsoConfig(yaml.safe_dump(config), uploaded, uploader)
    world.sso_before = catalog.sso_config


def catalog_sso_config(world: World):
    return stand_in(world).catalog.sso_config


# -- calls to the SUT --------------------------------------------------------------------------------
def admin_ops(world: World) -> Driver:
    return world.ops.admin


def list_users(world: World) -> list:
    """List the users; the catalog's records just before are kept (another run may sign in meanwhile)."""
    adm = admin_ops(world)
    world.users_before_listing = dict(directory(world).users)
    world.result = adm.list_users()
    return world.result


AdminAction = Callable[[Driver], Any]  # a call on the AdminOps driver, e.g. `lambda adm: adm.list_users()`


def perform(world: World, action: AdminAction, *, expect_refusal: bool = False):
    """Make an admin call; a call the scenario expects may be refused is attempted (see `attempt`)."""
    if expect_refusal:
        return attempt(world, action)
    world.result = action(admin_ops(world))
    return world.result


def attempt(world: World, action: AdminAction) -> Attempt:
    """A call the scenario expects may be refused. The catalog's request log position is noted first, so
    a Then step can tell whether the call reached the catalog at all."""
    target = admin_ops(world)  # a multiuser session talks to the catalog while it is built: not counted
    world.catalog_requests_before = _last_request(world)
    return world.attempt(lambda: action(target))


def _last_request(world: World):
    log = stand_in(world).request_log
    return log.entries[-1] if log is not None and log.entries else None


def catalog_requests_since_attempt(world: World) -> list[dict]:
    """The catalog requests made since the last attempted call started (its own and any after it)."""
    log = stand_in(world).request_log
    entries = list(log.entries) if log is not None else []
    marker = getattr(world, "catalog_requests_before", None)
    if marker is None:
        return entries
    for index in range(len(entries) - 1, -1, -1):
        if entries[index]["seq"] == marker["seq"]:  # seq, not identity: the log may be another process's
            return entries[index + 1:]
    raise AssertionError("test defect: the catalog's request log rolled over during the call")


# Extra roles as a scenario gives them: not at all (the default), an empty list, or a list of names.
NO_EXTRA_ROLES = "no extra roles given"
EMPTY_EXTRA_ROLES = "an empty list of extra roles"
NAMED_EXTRA_ROLES = re.compile(r'^the extra roles "(?P<names>[^"]+)"$')
EXTRA_ROLES_PATTERN = rf'{NO_EXTRA_ROLES}|{EMPTY_EXTRA_ROLES}|the extra roles "[^"]+"'


def extra_roles_kwargs(text: str) -> dict:
    """The `extra_roles` keyword for a scenario's words: omitted, [] or the named roles."""
    if text == NO_EXTRA_ROLES:
        return {}
    if text == EMPTY_EXTRA_ROLES:
        return {"extra_roles": []}
    match = NAMED_EXTRA_ROLES.match(text)
    assert match, f"test defect: cannot read extra roles from {text!r}"
    return {"extra_roles": split_list(match.group("names"))}


def create_user(world: World, label: str, role: str, extra: str = NO_EXTRA_ROLES, *, email: str | None = None,
                expect_refusal: bool = False):
    remove_run_users_after_scenario(world)
    args = (user_name(world, label), email if email is not None else email_of(world, label), role)
    kwargs = extra_roles_kwargs(extra)
    return perform(world, lambda adm: adm.create_user(*args, **kwargs), expect_refusal=expect_refusal)


# The changes an administrator makes to one user, by the words a scenario uses for them. Each maps to
# the AdminOps method and its arguments after the user name (defaults for attempts on unknown users).
def user_changes(world: World) -> dict[str, tuple[Callable[[Driver], Callable], tuple]]:
    return {
        "look up": (lambda adm: adm.get_user, ()),
        "delete": (lambda adm: adm.delete_user, ()),
        "deactivate": (lambda adm: adm.set_user_active, (False,)),
        "reactivate": (lambda adm: adm.set_user_active, (True,)),
        "reset the password of": (lambda adm: adm.reset_user_password, ()),
        "grant administrator rights to": (lambda adm: adm.set_user_admin, (True,)),
        "revoke the administrator rights of": (lambda adm: adm.set_user_admin, (False,)),
        "change the email of": (lambda adm: adm.set_user_email, (scoped_email(world, "changed@e2e.example.com"),)),
        "set the role of": (lambda adm: adm.set_user_role, ("viewer",)),
        "add extra roles to": (lambda adm: adm.add_user_roles, (["analyst"],)),
        "remove extra roles from": (lambda adm: adm.remove_user_roles, (["analyst"],)),
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

# What a scenario leaves blank in a change, by its words: the value sent instead of the first argument.
BLANK_VALUES = {
    "an empty email": "", "a blank email": "   ", "an empty role": "", "a blank role": "   ", "no roles": [],
}
# SSO configurations given as text with nothing in it.
BLANK_TEXTS = {"an empty text": "", "a blank text": "   "}
# A user name that is not there.
BLANK_NAMES = {"empty": "", "only spaces": "   "}


def change_user(world: World, action: str, label: str, *, expect_refusal: bool = False, blank: str | None = None):
    method, args = user_changes(world)[action]
    if blank is not None:
        args = (BLANK_VALUES[blank], *args[1:])
    remove_run_users_after_scenario(world)
    name = user_name(world, label)
    return perform(world, lambda adm: method(adm)(name, *args), expect_refusal=expect_refusal)


def create_user_with_blank(world: World, label: str, blank: str):
    """Try to create a user whose email or role is blank."""
    remove_run_users_after_scenario(world)
    value = BLANK_VALUES[blank]
    email, role = (value, "user") if "email" in blank else (email_of(world, label), value)
    name = user_name(world, label)
    return attempt(world, lambda adm: adm.create_user(name, email, role))


def protect_own_account(world: World) -> str:
    """The logged-in administrator's catalog record is put back after the scenario, whatever the SUT did."""
    users = directory(world)
    record = users.get(world.user)
    assert record is not None, f"test defect: the catalog has no user {world.user!r}"
    saved = (record.is_active, record.is_admin)

    def _restore() -> None:
        if users.get(record.name) is None:
            users.add(record)
        users.update(record.name, is_active=saved[0], is_admin=saved[1])

    world.cleanups.append(_restore)
    world.own_account_before = saved
    return record.name


def act_on_own_account(world: World, action: str):
    """Try an action on the account the scenario is logged in with."""
    name = protect_own_account(world)
    method, args = user_changes(world)[action]
    return attempt(world, lambda adm: method(adm)(name, *args))


def act_on_blank_name(world: World, action: str, blank: str):
    """Try an action on a user whose name is blank (`create` included)."""
    name = BLANK_NAMES[blank]
    if action == "create":
        return attempt(world, lambda adm: adm.create_user(name, f"blank@{EMAIL_DOMAIN}", "user"))
    method, args = user_changes(world)[action]
    return attempt(world, lambda adm: method(adm)(name, *args))


def set_role(world: World, label: str, role: str, extra: str | None = None, keep: bool | None = None,
             *, expect_refusal: bool = False):
    """set_user_role with the extra roles as the scenario words them, and `append` only when it says."""
    kwargs = extra_roles_kwargs(extra) if extra is not None else {}
    if keep is not None:
        kwargs["append"] = keep
    args = (user_name(world, label), role)
    return perform(world, lambda adm: adm.set_user_role(*args, **kwargs), expect_refusal=expect_refusal)


def remove_roles(world: World, label: str, roles: str, fallback: str | None = None, *,
                 expect_refusal: bool = False):
    kwargs = {"fallback": fallback} if fallback is not None else {}
    args = (user_name(world, label), split_list(roles))
    return perform(world, lambda adm: adm.remove_user_roles(*args, **kwargs), expect_refusal=expect_refusal)


def add_roles(world: World, label: str, roles: str, *, expect_refusal: bool = False):
    args = (user_name(world, label), split_list(roles))
    return perform(world, lambda adm: adm.add_user_roles(*args), expect_refusal=expect_refusal)


def set_sso(world: World, config: dict | str | None, *, expect_refusal: bool = False):
    keep_sso_config_after_scenario(world)
    world.sso_sent = config
    return perform(world, lambda adm: adm.set_sso_config(config), expect_refusal=expect_refusal)


# -- what an error says about the call that was refused ----------------------------------------------
# The operation each AdminOps call names in its error context (both backends word them alike).
OPERATION_NAMES = {
    "list_users": "list users",
    "get_user": "get user {name}",
    "create_user": "create user {name}",
    "delete_user": "delete user {name}",
    "set_user_email": "set email for user {name}",
    "set_user_admin": "set admin status for user {name}",
    "set_user_active": "set active status for user {name}",
    "reset_user_password": "reset password for user {name}",
    "set_user_role": "set role for user {name}",
    "add_user_roles": "add roles to user {name}",
    "remove_user_roles": "remove roles from user {name}",
    "list_roles": "list roles",
    "get_sso_config": "get SSO configuration",
    "set_sso_config": "set SSO configuration",
}


def refused_operation(world: World) -> str:
    """How the last attempted call should be named in its error: the operation and, if any, the user."""
    call_record = world.last_attempt.call
    method = call_record.operation.rsplit(".", 1)[-1]
    name = call_record.args[0] if call_record.args and method not in ("set_sso_config",) else ""
    return OPERATION_NAMES[method].format(name=name)


# -- quick checks other areas use (admin_checks compares every field against the catalog) -----------
def role_names(user) -> tuple[str | None, list[str]]:
    """(primary role, extra roles) of a catalog user as the API shows them."""
    return user.role, user.visible_extra_roles()


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
    """A User from the SUT shows the name, email, roles and flags the catalog has for that user."""
    primary, extra = role_names(catalog_record)
    assert_account(account, name=catalog_record.name, email=catalog_record.email, role=primary, extra_roles=extra,
                   admin=catalog_record.is_admin, active=catalog_record.is_active)
    assert account.is_sso_only is catalog_record.is_sso_only, f"{account.name}: is_sso_only {account.is_sso_only!r}"
    assert account.is_service is catalog_record.is_service, f"{account.name}: is_service {account.is_service!r}"
