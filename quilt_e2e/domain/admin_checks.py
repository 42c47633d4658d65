"""Checks of what AdminOps returned and did, against the catalog's own records.

Every field of every User, Role and SSOConfig the SUT returns is compared with the stand-in's state (its
user directory, role table and SSO config): names, emails, flags, dates (the same instant, as an ISO 8601
string with a timezone), the primary role and the extra roles in the catalog's order, each role's
identifier, name, ARN and kind. Errors are checked for their type, what they say and the context they carry.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import datetime

from quilt_e2e.domain import admin
from quilt_e2e.domain.expectations import assert_pydantic_accepts, error_class_name
from quilt_e2e.domain.packages import split_list
from quilt_e2e.domain.world import Attempt, World


# -- single fields -------------------------------------------------------------------------------------
def instant_problem(what: str, value, expected: datetime) -> str | None:
    """None when `value` is an ISO 8601 string with a timezone for the instant `expected`."""
    if not isinstance(value, str):
        return f"{what} is {value!r}, not an ISO 8601 string (expected {expected.isoformat()})"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return f"{what} {value!r} is not ISO 8601"
    if parsed.tzinfo is None:
        return f"{what} {value!r} has no timezone"
    if parsed != expected:
        return f"{what} {value!r} (expected {expected.isoformat()})"
    return None


def role_problems(what: str, role, record, *, with_kind: bool = False) -> list[str]:
    """A domain Role against the catalog's role record (None: no role). Kind only when asked."""
    from quilt_mcp.domain.role import Role

    if record is None:
        return [] if role is None else [f"{what} is {role!r}, expected no role"]
    if not isinstance(role, Role):
        return [f"{what} is {role!r}, expected the role {record.name!r}"]
    got = (role.id, role.name, role.arn)
    expected = (record.id, record.name, record.arn)
    problems = [f"{what} (id, name, arn) = {got}, expected {expected}"] if got != expected else []
    if with_kind and role.type != record.typename:
        problems.append(f"{what} {record.name}: type {role.type!r} (expected {record.typename!r})")
    return problems


def catalog_role(world: World, name: str | None):
    return admin.directory(world).roles.get(name) if name is not None else None


def last_login_problem(value, record, earlier) -> str | None:
    """last_login against the record; with the record from before the call (`earlier`), any instant from that
    one to the record's now is right: a sign-in only moves it forward, and on a shared stack another run may
    sign in as a shared user (test-user) while the call runs. In a run alone the two are the same instant."""
    problem = instant_problem("last_login", value, record.last_login)
    if problem is None or earlier is None or earlier.last_login == record.last_login:
        return problem
    # not an ISO 8601 instant with a timezone: no instant in the window either
    with contextlib.suppress(TypeError, ValueError):
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is not None and earlier.last_login <= parsed <= record.last_login:
            return None
    return (f"last_login {value!r} (expected from {earlier.last_login.isoformat()} to "
            f"{record.last_login.isoformat()}: the user signed in while the list was made)")


def account_problems(world: World, account, record, *, with_kind: bool = False, earlier=None) -> list[str]:
    """Every field of a domain User against the catalog's record of that user (`earlier`: the record just
    before the call, for last_login)."""
    from quilt_mcp.domain.user import User

    if not isinstance(account, User):
        return [f"expected a User, got {type(account).__name__}: {account!r:.200}"]
    problems = []
    for field, expected in (("name", record.name), ("email", record.email)):
        if getattr(account, field) != expected:
            problems.append(f"{field} {getattr(account, field)!r} (expected {expected!r})")
    for field, expected in (("is_active", record.is_active), ("is_admin", record.is_admin),
                            ("is_sso_only", record.is_sso_only), ("is_service", record.is_service)):
        if getattr(account, field) is not expected:
            problems.append(f"{field} {getattr(account, field)!r} (expected {expected})")
    for problem in (instant_problem("date_joined", account.date_joined, record.date_joined),
                    last_login_problem(account.last_login, record, earlier)):
        if problem:
            problems.append(problem)
    problems += role_problems("role", account.role, catalog_role(world, record.role), with_kind=with_kind)
    expected_extra = [catalog_role(world, name) for name in record.visible_extra_roles()]
    expected_extra = [role for role in expected_extra if role is not None]
    extra = list(account.extra_roles) if isinstance(account.extra_roles, list) else account.extra_roles
    if not isinstance(extra, list) or len(extra) != len(expected_extra):
        problems.append(f"extra roles {extra!r} (expected {[r.name for r in expected_extra]})")
    else:
        for index, (role, expected) in enumerate(zip(extra, expected_extra, strict=True)):
            problems += role_problems(f"extra role {index + 1}", role, expected, with_kind=with_kind)
    return problems


def assert_account(world: World, account, record, *, with_kind: bool = False) -> None:
    problems = account_problems(world, account, record, with_kind=with_kind)
    name = getattr(account, "name", "?")
    assert not problems, f"the account {name!r} differs from the catalog's record of {record.name}: " + "; ".join(
        problems)


def assert_account_of(world: World, account, label: str) -> None:
    assert_account(world, account, admin.require_catalog_user(world, label))


def assert_catalog_roles(world: World, label: str, role: str, extra_roles: str) -> None:
    """The catalog itself shows the user with this primary role and these extra roles (in this order)."""
    user = admin.require_catalog_user(world, label)
    primary, extra = user.role, user.visible_extra_roles()
    assert primary == role, f"the catalog shows {user.name} with role {primary!r}, expected {role!r}"
    assert extra == split_list(extra_roles), (
        f"the catalog shows {user.name} with extra roles {extra}, expected {split_list(extra_roles)}"
    )


def assert_users_listed(world: World, listed, *, with_kind: bool = False) -> None:
    """The listed users are exactly the catalog's users, each one field by field. Users another run made
    (one beside this one on a shared stack, which may add or remove them meanwhile) are not this run's to check."""
    assert isinstance(listed, list), f"list_users returned {type(listed).__name__}, not a list"
    by_name = {getattr(user, "name", None): user for user in listed}
    assert len(by_name) == len(listed), f"users listed more than once: {[u.name for u in listed]}"
    records = {name: record for name, record in admin.directory(world).users.items() if not world.of_another_run(name)}
    shown = {name for name in by_name if not (isinstance(name, str) and world.of_another_run(name))}
    missing, extra = sorted(set(records) - shown), sorted(shown - set(records), key=str)
    assert not missing and not extra, f"listed users differ from the catalog's: missing {missing}, unexpected {extra}"
    problems = []
    for name, record in sorted(records.items()):
        earlier = world.users_before_listing.get(name)
        problems += [f"{name}: {p}"
                     for p in account_problems(world, by_name[name], record, with_kind=with_kind, earlier=earlier)]
    assert not problems, "listed users differ from the catalog's records: " + "; ".join(problems)


def assert_roles_listed(world: World, roles, *, with_kind: bool) -> None:
    """The listed roles are exactly the catalog's roles, each with its id, name, ARN (and kind)."""
    assert isinstance(roles, list), f"list_roles returned {type(roles).__name__}, not a list"
    listed = {getattr(role, "name", None): role for role in roles}
    expected = admin.directory(world).roles
    assert len(listed) == len(roles), f"roles listed more than once: {[r.name for r in roles]}"
    assert sorted(listed, key=str) == sorted(expected), (
        f"roles listed {sorted(listed, key=str)}, the catalog has {sorted(expected)}"
    )
    problems = []
    for name, record in expected.items():
        problems += role_problems(f"role {name}", listed[name], record, with_kind=with_kind)
    assert not problems, "; ".join(problems)


# -- SSO -----------------------------------------------------------------------------------------------
def sso_problems(world: World, config, stored, *, full_uploader: bool = False) -> list[str]:
    """A domain SSOConfig against the catalog's stored one: text, timestamp and uploader."""
    from quilt_mcp.domain.sso_config import SSOConfig

    if stored is None:
        return [] if config is None else [f"expected no SSO configuration, got {config!r:.300}"]
    if not isinstance(config, SSOConfig):
        return [f"expected an SSOConfig, got {config!r:.300}"]
    problems = []
    if config.text != stored.text:
        problems.append(f"text {config.text!r:.200} (the catalog holds {stored.text!r:.200})")
    problem = instant_problem("timestamp", config.timestamp, stored.timestamp)
    if problem:
        problems.append(problem)
    uploader = config.uploader
    got = (getattr(uploader, "name", None), getattr(uploader, "email", None))
    if got != (stored.uploader.name, stored.uploader.email):
        problems.append(f"uploader (name, email) {got} (expected {(stored.uploader.name, stored.uploader.email)})")
    elif full_uploader:
        problems += [f"uploader {p}" for p in account_problems(world, uploader, stored.uploader)]
    return problems


def assert_sso_is_catalogs(world: World, config, *, full_uploader: bool = False) -> None:
    problems = sso_problems(world, config, admin.catalog_sso_config(world), full_uploader=full_uploader)
    assert not problems, "the SSO configuration differs from the catalog's: " + "; ".join(problems)


def parsed_sso(text: str):
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise AssertionError(f"SSO configuration text does not parse as YAML: {exc}") from None


# -- errors --------------------------------------------------------------------------------------------
def assert_refused_as_any(attempt: Attempt, kinds: Iterable[str]) -> BaseException:
    """The attempted call raised one of the QuiltOps exceptions named by `kinds` (where the contract
    allows more than one)."""
    import quilt_mcp.ops.exceptions as sut_exceptions

    names = [error_class_name(kind) for kind in kinds]
    wanted = " or ".join(names)
    if attempt.error is None:
        raise AssertionError(f"expected {wanted}, but the call succeeded: {attempt.call.describe()} -> "
                             f"{attempt.result!r:.300}")
    if not isinstance(attempt.error, tuple(getattr(sut_exceptions, name) for name in names)):
        raise AssertionError(f"expected {wanted}, got {type(attempt.error).__name__}: {attempt.error}")
    return attempt.error


def assert_error_names_user(world: World, label: str) -> None:
    """The error says which user: the run-scoped name is in its message or in its context."""
    error = world.last_attempt.error
    name = admin.user_name(world, label)
    context = getattr(error, "context", None) or {}
    places = [str(error), *(str(value) for value in context.values())]
    assert any(name in text for text in places), f"the error does not name the user {name}: {error!s} {context!r}"


def assert_error_names_operation(world: World) -> None:
    """The error's context says which operation was refused (and on which user)."""
    error = world.last_attempt.error
    context = getattr(error, "context", None) or {}
    expected = admin.refused_operation(world)
    assert context.get("operation") == expected, (
        f"the error context gives operation {context.get('operation')!r}, expected {expected!r}: {context!r}"
    )


def assert_no_catalog_request(world: World) -> None:
    sent = [f"{e.get('method')} {e.get('path')} {e.get('operation') or ''}".strip()
            for e in admin.catalog_requests_since_attempt(world)]
    assert not sent, f"the call reached the catalog: {sent}"


# -- the admin operations themselves -------------------------------------------------------------------
ADMIN_METHODS = tuple(admin.OPERATION_NAMES)


def assert_session_offers_admin(world: World) -> None:
    """QuiltOps.admin is an AdminOps with every admin method, and the same object on every access."""
    from quilt_mcp.ops.admin_ops import AdminOps

    ops = world.sut
    first, second = ops.admin, ops.admin
    assert isinstance(first, AdminOps), f"QuiltOps.admin is {type(first).__name__}, not an AdminOps"
    assert first is second, f"QuiltOps.admin gave two different objects: {first!r} and {second!r}"
    missing = [name for name in ADMIN_METHODS if not callable(getattr(first, name, None))]
    assert not missing, f"QuiltOps.admin lacks {missing}"


def assert_declarable_as_parameter(world: World) -> None:
    """A tool signature may declare an (optional) AdminOps parameter."""
    from quilt_mcp.ops.admin_ops import AdminOps

    assert_pydantic_accepts(AdminOps, world.sut.admin)


# -- the checks behind steps/admin_steps.py ---------------------------------------------------------
def assert_users_mixed(world: World) -> None:
    """Then the list includes administrators and non-administrators."""
    flags = {user.is_admin for user in world.result}
    assert flags == {True, False}, f"is_admin values in the list: {flags}"


def assert_signed_in_dates(world: World) -> None:
    """Then the account shows the user's latest sign-in as the last login, and the day they joined."""
    account, (start, end) = world.result, world.sign_in_window
    last_login = datetime.fromisoformat(account.last_login)
    assert start <= last_login <= end, f"last login {account.last_login}, the sign-in was between {start} and {end}"
    joined = instant_problem("date_joined", account.date_joined, admin.JOINED)
    assert joined is None, joined


def assert_sso_only(world: World) -> None:
    """Then the account is marked as signing in through single sign-on only."""
    account = world.result
    assert account.is_sso_only is True, f"is_sso_only is {account.is_sso_only!r}"


def assert_no_roles(world: World) -> None:
    """Then the account has no role and no extra roles."""
    account = world.result
    assert account.role is None and account.extra_roles == [], f"role {account.role!r}, extra {account.extra_roles!r}"


def assert_catalog_user_plain(world: World, label) -> None:
    """Then the catalog has the user "{label:Label}", active and without administrator rights."""
    user = admin.require_catalog_user(world, label)
    assert user.email == admin.email_of(world, label), f"{user.name}: email {user.email!r}"
    assert user.is_active and not user.is_admin, f"{user.name}: active={user.is_active} admin={user.is_admin}"
    assert not user.is_sso_only and not user.is_service, (
        f"{user.name}: sso={user.is_sso_only} service={user.is_service}"
    )


def assert_lookup_same(world: World, label) -> None:
    """Then looking up the user "{label:Label}" returns the same account."""
    created = world.result
    found = admin.admin_ops(world).get_user(admin.user_name(world, label))
    assert found == created, f"looked up {found!r}\n  created {created!r}"


def assert_catalog_user_unchanged(world: World, label, role) -> None:
    """Then the catalog still has the user "{label:Label}" with role "{role:Label}" and the original email."""
    user = admin.require_catalog_user(world, label)
    assert user.role == role, f"{user.name}: role is now {user.role!r}, was {role!r}"
    assert user.email == admin.email_of(world, label), f"{user.name}: email is now {user.email!r}"


def assert_catalog_no_user(world: World, label) -> None:
    """Then the catalog has no user "{label:Label}"."""
    assert admin.catalog_user(world, label) is None, f"the catalog has a user {admin.user_name(world, label)}"


def assert_list_without(world: World, label) -> None:
    """Then the user list no longer shows "{label:Label}"."""
    names = [user.name for user in admin.admin_ops(world).list_users()]
    assert admin.user_name(world, label) not in names, f"{admin.user_name(world, label)} is still listed"


def assert_catalog_email(world: World, email, label) -> None:
    """Then the catalog has the email "{email:Label}" for the user "{label:Label}"."""
    user = admin.require_catalog_user(world, label)
    assert user.email == admin.scoped_email(world, email), f"{user.name}: the catalog has email {user.email!r}"


def assert_catalog_email_kept(world: World, label) -> None:
    """Then the catalog still has the original email for the user "{label:Label}"."""
    user = admin.require_catalog_user(world, label)
    assert user.email == admin.email_of(world, label), f"{user.name}: the catalog has email {user.email!r}"


def assert_can_administer(world: World, label) -> None:
    """Then the user "{label:Label}" can administer the catalog."""
    assert admin.require_catalog_user(world, label).is_admin, "the catalog does not record administrator rights"
    assert admin.can_administer(world, admin.user_name(world, label)), "the catalog refuses the user's admin query"


def assert_cannot_administer(world: World, label) -> None:
    """Then the user "{label:Label}" can no longer administer the catalog."""
    assert not admin.require_catalog_user(world, label).is_admin, "the catalog still records administrator rights"
    assert not admin.can_administer(world, admin.user_name(world, label)), "the catalog still answers the admin query"


def assert_cannot_sign_in(world: World, label) -> None:
    """Then the user "{label:Label}" can no longer sign in."""
    assert not admin.require_catalog_user(world, label).is_active, "the catalog still records the user as active"
    ok, answer = admin.can_sign_in(world, admin.user_name(world, label))
    assert not ok, f"the catalog still signs the user in: {answer}"


def assert_can_sign_in(world: World, label) -> None:
    """Then the user "{label:Label}" can sign in."""
    assert admin.require_catalog_user(world, label).is_active, "the catalog records the user as inactive"
    ok, answer = admin.can_sign_in(world, admin.user_name(world, label))
    assert ok, f"the catalog refuses to sign the user in: {answer}"


def assert_reset_accepted(world: World) -> None:
    """Then the password reset is accepted."""
    call = world.last_call("reset_user_password")
    assert call.error is None and call.result is None, f"reset_user_password: {call.describe()}"
    sent = [e.get("operation") for e in admin.stand_in(world).recent_requests(5)]
    assert sent and sent[-1] in ("ResetUserPassword", "usersResetPassword"), f"the catalog was last asked {sent}"


def assert_delete_accepted(world: World) -> None:
    """Then the deletion is accepted."""
    call = world.last_call("delete_user")
    assert call.error is None and call.result is None, f"delete_user: {call.describe()}"


def assert_still_active(world: World, label) -> None:
    """Then the catalog still has the user "{label:Label}" as an active account."""
    user = admin.require_catalog_user(world, label)
    assert user.is_active, f"{user.name} is no longer active"


def assert_untouched(world: World, label, role) -> None:
    """Then the catalog still has the user "{label:Label}" with role "{role:Label}", active and without
    administrator rights."""
    user = admin.require_catalog_user(world, label)
    state = (user.role, user.email, user.is_active, user.is_admin)
    expected = (role, admin.email_of(world, label), True, False)
    assert state == expected, f"{user.name} changed: (role, email, active, admin) = {state}, expected {expected}"


def assert_still_admin(world: World) -> None:
    """Then I am still an active administrator in the catalog."""
    record = admin.directory(world).get(world.user)
    assert record is not None, f"the catalog no longer has the account {world.user}"
    assert (record.is_active, record.is_admin) == (True, True), (
        f"{world.user}: active={record.is_active} admin={record.is_admin}, expected an active administrator"
    )


def assert_roles_include(world: World, names) -> None:
    """Then the roles include "{names:Label}"."""
    from quilt_e2e.domain.packages import split_list

    listed = {role.name for role in world.result}
    missing = [name for name in split_list(names) if name not in listed]
    assert not missing, f"roles missing from the list: {missing} (listed {sorted(listed)})"


def assert_no_sso(world: World) -> None:
    """Then there is no SSO configuration."""
    assert world.result is None, f"expected no SSO configuration, got {world.result!r:.300}"


def assert_sso_returned(world: World) -> None:
    """Then the returned SSO configuration reads back as the one I set, uploaded by me."""
    config = world.result
    assert config is not None, "set_sso_config returned nothing"
    assert parsed_sso(config.text) == world.sso_sent, f"returned text {config.text!r} differs from what was set"
    uploader = config.uploader.name if config.uploader else None
    assert uploader == world.user, f"uploader {uploader!r}, expected {world.user!r}"
    assert_sso_is_catalogs(world, config)


def assert_catalog_sso(world: World) -> None:
    """Then the catalog holds the SSO configuration I set."""
    stored = admin.catalog_sso_config(world)
    assert stored is not None, "the catalog holds no SSO configuration"
    assert parsed_sso(stored.text) == world.sso_sent, f"the catalog holds {stored.text!r}"
    assert stored.uploader.name == world.user, f"the catalog names {stored.uploader.name} as the uploader"


def assert_sso_read_back(world: World) -> None:
    """Then asking for the SSO configuration returns the one I set."""
    config = admin.admin_ops(world).get_sso_config()
    assert config is not None, "get_sso_config returned None"
    assert parsed_sso(config.text) == world.sso_sent, f"get_sso_config returned {config.text!r}"
    assert_sso_is_catalogs(world, config)


def assert_sso_get_existing(world: World, role) -> None:
    """Then the SSO configuration returned gives everyone the role "{role:Label}"."""
    config = world.result
    assert config is not None, "get_sso_config returned None"
    assert parsed_sso(config.text) == admin.sso_config_for(role), f"returned {config.text!r}"


def assert_sso_unchanged(world: World) -> None:
    """Then the catalog still holds its previous SSO configuration."""
    assert admin.catalog_sso_config(world) == world.sso_before, (  # equal, not identical: the stand-in may be remote
        f"the SSO configuration changed to {admin.catalog_sso_config(world)!r:.300}"
    )


def assert_removal_none(world: World) -> None:
    """Then the removal returns no configuration."""
    call = world.last_call("set_sso_config")
    assert call.error is None and call.result is None, f"set_sso_config(None): {call.describe()}"


def assert_catalog_no_sso(world: World) -> None:
    """Then the catalog holds no SSO configuration."""
    stored = admin.catalog_sso_config(world)
    assert stored is None, f"the catalog still holds {stored.text!r:.300}"
