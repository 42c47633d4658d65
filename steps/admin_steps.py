"""Catalog administration: users, roles, SSO, and who may do what."""

import re
from datetime import datetime

import parse
from behave import given, register_type, then, when

import quilt_e2e.step_types  # noqa: F401  (registers Text/Label)
from quilt_e2e.domain import admin
from quilt_e2e.domain import admin_checks as checks
from quilt_e2e.domain import session


def _choice(*words):
    @parse.with_pattern("|".join(re.escape(word) for word in words))
    def _parse(text):
        return text

    return _parse


@parse.with_pattern(admin.EXTRA_ROLES_PATTERN)
def parse_extra_roles(text):
    return text


register_type(
    UserAction=_choice(*admin.USER_ACTIONS),
    NamedAction=_choice("create", *admin.USER_ACTIONS),
    BlankValue=_choice(*admin.BLANK_VALUES),
    BlankName=_choice(*admin.BLANK_NAMES),
    BlankText=_choice(*admin.BLANK_TEXTS),
    RoleMode=_choice("replacing the extra roles", "keeping the extra roles"),
    ExtraRoles=parse_extra_roles,
)


# -- Given -----------------------------------------------------------------------------------------
@given('a user named "{label:Label}" exists with role "{role:Label}"')
def step_given_user(context, label, role):
    admin.given_user(context.world, label, role)


@given('a user named "{label:Label}" exists with role "{role:Label}" and extra roles "{extra:Label}"')
def step_given_user_extra(context, label, role, extra):
    admin.given_user(context.world, label, role, extra)


@given('a user named "{label:Label}" exists without a role')
def step_given_user_no_role(context, label):
    admin.given_user(context.world, label, None)


@given('a single sign-on user named "{label:Label}" exists with role "{role:Label}"')
def step_given_sso_user(context, label, role):
    admin.given_user(context.world, label, role, sso_only=True)


@given('an administrator named "{label:Label}" exists with role "{role:Label}"')
def step_given_admin(context, label, role):
    admin.given_user(context.world, label, role, admin=True)


@given('a deactivated user named "{label:Label}" exists with role "{role:Label}"')
def step_given_inactive(context, label, role):
    admin.given_user(context.world, label, role, active=False)


@given('the user "{label:Label}" has signed in to the catalog')
def step_given_signed_in(context, label):
    admin.sign_in(context.world, label)


@given("the catalog has no SSO configuration")
def step_given_no_sso(context):
    admin.given_sso_config(context.world, None)


@given('the catalog has an SSO configuration that gives everyone the role "{role:Label}"')
def step_given_sso(context, role):
    admin.given_sso_config(context.world, admin.sso_config_for(role))


# -- When: users -----------------------------------------------------------------------------------
@when("I list the catalog users")
def step_list_users(context):
    context.world.result = admin.call(context.world, "list_users")


@when("I look up the user account of {who}")
def step_get_known_user(context, who):
    world = context.world
    world.looked_up = session.ROLES_TO_USERS[who]
    world.result = admin.call(world, "get_user", world.looked_up)


@when('I create a user named "{label:Label}" with role "{role:Label}"')
def step_create_user(context, label, role):
    admin.create_user(context.world, label, role)


@when('I create a user named "{label:Label}" with role "{role:Label}" and {extra:ExtraRoles}')
def step_create_user_extra(context, label, role, extra):
    admin.create_user(context.world, label, role, extra)


@when('I try to create a user named "{label:Label}" with role "{role:Label}"')
def step_try_create_user(context, label, role):
    admin.create_user(context.world, label, role, expect_refusal=True)


@when('I try to create a user named "{label:Label}" with role "{role:Label}" and {extra:ExtraRoles}')
def step_try_create_user_extra(context, label, role, extra):
    admin.create_user(context.world, label, role, extra, expect_refusal=True)


@when('I try to create a user named "{label:Label}" with role "{role:Label}" and extra roles that are not names')
def step_try_create_user_odd_extra(context, label, role):
    world = context.world
    admin.remove_run_users_after_scenario(world)
    admin.attempt(world, "create_user", admin.user_name(world, label), admin.email_of(world, label), role,
                  extra_roles=[42])


@when('I try to create a user named "{label:Label}" with email "{email:Label}" and role "{role:Label}"')
def step_try_create_user_email(context, label, email, role):
    admin.create_user(context.world, label, role, email=email, expect_refusal=True)


@when('I try to create a user named "{label:Label}" with the email of "{other:Label}" and role "{role:Label}"')
def step_try_create_user_taken_email(context, label, other, role):
    world = context.world
    taken = admin.require_catalog_user(world, other).email
    admin.create_user(world, label, role, email=taken, expect_refusal=True)


@when('I try to create a user named "{label:Label}" with {blank:BlankValue}')
def step_try_create_incomplete(context, label, blank):
    admin.create_user_with_blank(context.world, label, blank)


@when('I change the email of the user "{label:Label}" to "{email:Label}"')
def step_set_email(context, label, email):
    world = context.world
    world.result = admin.call(world, "set_user_email", admin.user_name(world, label), admin.scoped_email(world, email))


@when('I change the email of the user "{label:Label}" to the address it already has')
def step_set_same_email(context, label):
    world = context.world
    world.result = admin.call(world, "set_user_email", admin.user_name(world, label), admin.email_of(world, label))


@when('I try to change the email of the user "{label:Label}" to "{email:Label}"')
def step_try_set_email(context, label, email):
    world = context.world
    admin.attempt(world, "set_user_email", admin.user_name(world, label), email)


@when('I try to change the email of the user "{label:Label}" to the email of "{other:Label}"')
def step_try_set_taken_email(context, label, other):
    world = context.world
    taken = admin.require_catalog_user(world, other).email
    admin.attempt(world, "set_user_email", admin.user_name(world, label), taken)


@when('I {action:UserAction} the user "{label:Label}"')
def step_user_action(context, action, label):
    admin.change_user(context.world, action, label)


@when('I try to {action:UserAction} the user "{label:Label}"')
def step_try_user_action(context, action, label):
    admin.change_user(context.world, action, label, expect_refusal=True)


@when('I try to {action:UserAction} the user "{label:Label}" with {blank:BlankValue}')
def step_try_user_action_blank(context, action, label, blank):
    admin.change_user(context.world, action, label, expect_refusal=True, blank=blank)


@when("I try to {action:UserAction} my own account")
def step_try_own_account(context, action):
    admin.act_on_own_account(context.world, action)


@when("I try to {action:NamedAction} a user whose name is {blank:BlankName}")
def step_try_blank_name(context, action, blank):
    admin.act_on_blank_name(context.world, action, blank)


# -- When: roles -----------------------------------------------------------------------------------
@when("I list the roles")
def step_list_roles(context):
    context.world.result = admin.call(context.world, "list_roles")


@when("I try to list the roles")
def step_try_list_roles(context):
    admin.attempt(context.world, "list_roles")


@when('I set the role of the user "{label:Label}" to "{role:Label}"')
def step_set_role(context, label, role):
    admin.set_role(context.world, label, role)


@when('I try to set the role of the user "{label:Label}" to "{role:Label}"')
def step_try_set_role(context, label, role):
    admin.set_role(context.world, label, role, expect_refusal=True)


@when('I set the role of the user "{label:Label}" to "{role:Label}" with {extra:ExtraRoles}, {mode:RoleMode}')
def step_set_role_extra(context, label, role, extra, mode):
    admin.set_role(context.world, label, role, extra, keep=mode.startswith("keeping"))


@when('I try to set the role of the user "{label:Label}" to "{role:Label}" with {extra:ExtraRoles}, {mode:RoleMode}')
def step_try_set_role_extra(context, label, role, extra, mode):
    admin.set_role(context.world, label, role, extra, keep=mode.startswith("keeping"), expect_refusal=True)


@when('I add the extra roles "{roles:Label}" to the user "{label:Label}"')
def step_add_roles(context, roles, label):
    admin.add_roles(context.world, label, roles)


@when('I try to add the extra roles "{roles:Label}" to the user "{label:Label}"')
def step_try_add_roles(context, roles, label):
    admin.add_roles(context.world, label, roles, expect_refusal=True)


@when('I remove the roles "{roles:Label}" from the user "{label:Label}"')
def step_remove_roles(context, roles, label):
    admin.remove_roles(context.world, label, roles)


@when('I remove the roles "{roles:Label}" from the user "{label:Label}" with the fallback role "{fallback:Label}"')
def step_remove_roles_fallback(context, roles, label, fallback):
    admin.remove_roles(context.world, label, roles, fallback)


@when('I try to remove the roles "{roles:Label}" from the user "{label:Label}" with the fallback role "{fallback:Label}"')
def step_try_remove_roles_fallback(context, roles, label, fallback):
    admin.remove_roles(context.world, label, roles, fallback, expect_refusal=True)


@when('I try to remove the roles "{roles:Label}" from the user "{label:Label}" without a fallback role')
def step_try_remove_roles(context, roles, label):
    admin.remove_roles(context.world, label, roles, expect_refusal=True)


# -- When: SSO -------------------------------------------------------------------------------------
@when("I ask for the SSO configuration")
def step_get_sso(context):
    context.world.result = admin.call(context.world, "get_sso_config")


@when("I try to ask for the SSO configuration")
def step_try_get_sso(context):
    admin.attempt(context.world, "get_sso_config")


@when('I set an SSO configuration that gives everyone the role "{role:Label}"')
def step_set_sso(context, role):
    admin.set_sso(context.world, admin.sso_config_for(role))


@when('I try to set an SSO configuration that gives everyone the role "{role:Label}"')
def step_try_set_sso(context, role):
    admin.set_sso(context.world, admin.sso_config_for(role), expect_refusal=True)


@when("I try to set an empty SSO configuration")
def step_try_set_empty_sso(context):
    admin.set_sso(context.world, {}, expect_refusal=True)


@when("I try to set the SSO configuration to {blank:BlankText}")
def step_try_set_blank_sso(context, blank):
    admin.set_sso(context.world, admin.BLANK_TEXTS[blank], expect_refusal=True)


@when("I remove the SSO configuration")
def step_remove_sso(context):
    admin.set_sso(context.world, None)


@when("I try to remove the SSO configuration")
def step_try_remove_sso(context):
    admin.set_sso(context.world, None, expect_refusal=True)


# -- Then: the admin operations --------------------------------------------------------------------
@then("the session offers the catalog administration operations, the same ones each time")
def step_offers_admin(context):
    checks.assert_session_offers_admin(context.world)


@then("a tool can declare the administration operations as a parameter")
def step_declarable(context):
    checks.assert_declarable_as_parameter(context.world)


# -- Then: users -----------------------------------------------------------------------------------
@then("the list shows every catalog user exactly as the catalog has them")
def step_users_match_catalog(context):
    checks.assert_users_listed(context.world, context.world.result)


@then("every listed user's roles have the name, identifier, ARN and kind the catalog gives them")
def step_listed_role_kinds(context):
    checks.assert_users_listed(context.world, context.world.result, with_kind=True)


@then("the list includes administrators and non-administrators")
def step_users_mixed(context):
    flags = {user.is_admin for user in context.world.result}
    assert flags == {True, False}, f"is_admin values in the list: {flags}"


@then("the account shows exactly what the catalog has for that user")
def step_account_matches_catalog(context):
    world = context.world
    checks.assert_account(world, world.result, admin.directory(world).get(world.looked_up))


@then('the account shows exactly what the catalog has for "{label:Label}"')
@then('the returned account is exactly what the catalog has for "{label:Label}"')
def step_returned_is_catalogs(context, label):
    checks.assert_account_of(context.world, context.world.result, label)


@then("the account shows the user's latest sign-in as the last login, and the day they joined")
def step_signed_in_dates(context):
    world = context.world
    account, (start, end) = world.result, world.sign_in_window
    last_login = datetime.fromisoformat(account.last_login)
    assert start <= last_login <= end, f"last login {account.last_login}, the sign-in was between {start} and {end}"
    joined = checks.instant_problem("date_joined", account.date_joined, admin.JOINED)
    assert joined is None, joined


@then("the account is marked as signing in through single sign-on only")
def step_sso_only(context):
    account = context.world.result
    assert account.is_sso_only is True, f"is_sso_only is {account.is_sso_only!r}"


@then("the account has no role and no extra roles")
def step_no_roles(context):
    account = context.world.result
    assert account.role is None and account.extra_roles == [], f"role {account.role!r}, extra {account.extra_roles!r}"


@then("every role of the account has the name, identifier, ARN and kind the catalog gives it")
def step_account_role_kinds(context):
    world = context.world
    checks.assert_account(world, world.result, admin.directory(world).get(world.result.name), with_kind=True)


@then('the catalog has the user "{label:Label}" with role "{role:Label}" and extra roles "{extra:Text}"')
def step_catalog_user_roles(context, label, role, extra):
    checks.assert_catalog_roles(context.world, label, role, extra)


@then('the catalog has the user "{label:Label}", active and without administrator rights')
def step_catalog_user_plain(context, label):
    world = context.world
    user = admin.require_catalog_user(world, label)
    assert user.email == admin.email_of(world, label), f"{user.name}: email {user.email!r}"
    assert user.is_active and not user.is_admin, f"{user.name}: active={user.is_active} admin={user.is_admin}"
    assert not user.is_sso_only and not user.is_service, (
        f"{user.name}: sso={user.is_sso_only} service={user.is_service}"
    )


@then('looking up the user "{label:Label}" returns the same account')
def step_lookup_same(context, label):
    world = context.world
    created = world.result
    found = admin.call(world, "get_user", admin.user_name(world, label))
    assert found == created, f"looked up {found!r}\n  created {created!r}"


@then('the catalog still has the user "{label:Label}" with role "{role:Label}" and the original email')
def step_catalog_user_unchanged(context, label, role):
    world = context.world
    user = admin.require_catalog_user(world, label)
    assert user.role == role, f"{user.name}: role is now {user.role!r}, was {role!r}"
    assert user.email == admin.email_of(world, label), f"{user.name}: email is now {user.email!r}"


@then('the catalog has no user "{label:Label}"')
def step_catalog_no_user(context, label):
    world = context.world
    assert admin.catalog_user(world, label) is None, f"the catalog has a user {admin.user_name(world, label)}"


@then('the user list no longer shows "{label:Label}"')
def step_list_without(context, label):
    world = context.world
    names = [user.name for user in admin.call(world, "list_users")]
    assert admin.user_name(world, label) not in names, f"{admin.user_name(world, label)} is still listed"


@then('the returned account shows the email "{email:Label}"')
def step_returned_email(context, email):
    world = context.world
    admin.assert_account(world.result, email=admin.scoped_email(world, email))


@then('the catalog has the email "{email:Label}" for the user "{label:Label}"')
def step_catalog_email(context, email, label):
    world = context.world
    user = admin.require_catalog_user(world, label)
    assert user.email == admin.scoped_email(world, email), f"{user.name}: the catalog has email {user.email!r}"


@then('the catalog still has the original email for the user "{label:Label}"')
def step_catalog_email_kept(context, label):
    world = context.world
    user = admin.require_catalog_user(world, label)
    assert user.email == admin.email_of(world, label), f"{user.name}: the catalog has email {user.email!r}"


@then("the returned account has administrator rights")
def step_returned_admin(context):
    admin.assert_account(context.world.result, admin=True)


@then("the returned account has no administrator rights")
def step_returned_not_admin(context):
    admin.assert_account(context.world.result, admin=False)


@then('the user "{label:Label}" can administer the catalog')
def step_can_administer(context, label):
    world = context.world
    assert admin.require_catalog_user(world, label).is_admin, "the catalog does not record administrator rights"
    assert admin.can_administer(world, admin.user_name(world, label)), "the catalog refuses the user's admin query"


@then('the user "{label:Label}" can no longer administer the catalog')
def step_cannot_administer(context, label):
    world = context.world
    assert not admin.require_catalog_user(world, label).is_admin, "the catalog still records administrator rights"
    assert not admin.can_administer(world, admin.user_name(world, label)), "the catalog still answers the admin query"


@then("the returned account is inactive")
def step_returned_inactive(context):
    admin.assert_account(context.world.result, active=False)


@then("the returned account is active")
def step_returned_active(context):
    admin.assert_account(context.world.result, active=True)


@then('the user "{label:Label}" can no longer sign in')
def step_cannot_sign_in(context, label):
    world = context.world
    assert not admin.require_catalog_user(world, label).is_active, "the catalog still records the user as active"
    ok, answer = admin.can_sign_in(world, admin.user_name(world, label))
    assert not ok, f"the catalog still signs the user in: {answer}"


@then('the user "{label:Label}" can sign in')
def step_can_sign_in(context, label):
    world = context.world
    assert admin.require_catalog_user(world, label).is_active, "the catalog records the user as inactive"
    ok, answer = admin.can_sign_in(world, admin.user_name(world, label))
    assert ok, f"the catalog refuses to sign the user in: {answer}"


@then("the password reset is accepted")
def step_reset_accepted(context):
    world = context.world
    call = world.last_call("reset_user_password")
    assert call.error is None and call.result is None, f"reset_user_password: {call.describe()}"
    sent = [e.get("operation") for e in admin.stand_in(world).recent_requests(5)]
    assert sent and sent[-1] in ("ResetUserPassword", "usersResetPassword"), f"the catalog was last asked {sent}"


@then("the deletion is accepted")
def step_delete_accepted(context):
    call = context.world.last_call("delete_user")
    assert call.error is None and call.result is None, f"delete_user: {call.describe()}"


@then('the catalog still has the user "{label:Label}" as an active account')
def step_still_active(context, label):
    user = admin.require_catalog_user(context.world, label)
    assert user.is_active, f"{user.name} is no longer active"


@then('the catalog still has the user "{label:Label}" with role "{role:Label}", active and without administrator rights')
def step_untouched(context, label, role):
    world = context.world
    user = admin.require_catalog_user(world, label)
    state = (user.role, user.email, user.is_active, user.is_admin)
    expected = (role, admin.email_of(world, label), True, False)
    assert state == expected, f"{user.name} changed: (role, email, active, admin) = {state}, expected {expected}"


@then("I am still an active administrator in the catalog")
def step_still_admin(context):
    world = context.world
    record = admin.directory(world).get(world.user)
    assert record is not None, f"the catalog no longer has the account {world.user}"
    assert (record.is_active, record.is_admin) == (True, True), (
        f"{world.user}: active={record.is_active} admin={record.is_admin}, expected an active administrator"
    )


# -- Then: errors ----------------------------------------------------------------------------------
@then('the error names the user "{label:Label}"')
def step_error_names_user(context, label):
    checks.assert_error_names_user(context.world, label)


@then("the error says which action was refused")
def step_error_names_operation(context):
    checks.assert_error_names_operation(context.world)


@then("the catalog received no request for it")
def step_no_request(context):
    checks.assert_no_catalog_request(context.world)


@then("the call is refused as an operation the catalog does not allow")
def step_refused_operation(context):
    # reset_user_password documents ValidationError (invalid name) and BackendError (the operation fails)
    checks.assert_refused_as_any(context.world.last_attempt, ("validation", "backend"))


# -- Then: roles -----------------------------------------------------------------------------------
@then("the roles are exactly the catalog's roles, each with its identifier, name and ARN")
def step_roles_match(context):
    checks.assert_roles_listed(context.world, context.world.result, with_kind=False)


@then("each role has the kind the catalog gives it")
def step_roles_kinds(context):
    checks.assert_roles_listed(context.world, context.world.result, with_kind=True)


@then('the roles include "{names:Label}"')
def step_roles_include(context, names):
    from quilt_e2e.domain.packages import split_list

    listed = {role.name for role in context.world.result}
    missing = [name for name in split_list(names) if name not in listed]
    assert not missing, f"roles missing from the list: {missing} (listed {sorted(listed)})"


# -- Then: SSO -------------------------------------------------------------------------------------
@then("there is no SSO configuration")
def step_no_sso(context):
    assert context.world.result is None, f"expected no SSO configuration, got {context.world.result!r:.300}"


@then("the SSO configuration returned is the catalog's: its text, when it was uploaded and by whom")
def step_sso_is_catalogs(context):
    checks.assert_sso_is_catalogs(context.world, context.world.result)


@then("the SSO configuration names its uploader with the uploader's whole account")
def step_sso_uploader_account(context):
    checks.assert_sso_is_catalogs(context.world, context.world.result, full_uploader=True)


@then("the returned SSO configuration reads back as the one I set, uploaded by me")
def step_sso_returned(context):
    world = context.world
    config = world.result
    assert config is not None, "set_sso_config returned nothing"
    assert checks.parsed_sso(config.text) == world.sso_sent, f"returned text {config.text!r} differs from what was set"
    uploader = config.uploader.name if config.uploader else None
    assert uploader == world.user, f"uploader {uploader!r}, expected {world.user!r}"
    checks.assert_sso_is_catalogs(world, config)


@then("the catalog holds the SSO configuration I set")
def step_catalog_sso(context):
    world = context.world
    stored = admin.catalog_sso_config(world)
    assert stored is not None, "the catalog holds no SSO configuration"
    assert checks.parsed_sso(stored.text) == world.sso_sent, f"the catalog holds {stored.text!r}"
    assert stored.uploader.name == world.user, f"the catalog names {stored.uploader.name} as the uploader"


@then("asking for the SSO configuration returns the one I set")
def step_sso_read_back(context):
    world = context.world
    config = admin.call(world, "get_sso_config")
    assert config is not None, "get_sso_config returned None"
    assert checks.parsed_sso(config.text) == world.sso_sent, f"get_sso_config returned {config.text!r}"
    checks.assert_sso_is_catalogs(world, config)


@then('the SSO configuration returned gives everyone the role "{role:Label}"')
def step_sso_get_existing(context, role):
    config = context.world.result
    assert config is not None, "get_sso_config returned None"
    assert checks.parsed_sso(config.text) == admin.sso_config_for(role), f"returned {config.text!r}"


@then("the catalog still holds its previous SSO configuration")
def step_sso_unchanged(context):
    world = context.world
    assert admin.catalog_sso_config(world) == world.sso_before, (  # equal, not identical: the stand-in may be remote
        f"the SSO configuration changed to {admin.catalog_sso_config(world)!r:.300}"
    )


@then("the removal returns no configuration")
def step_removal_none(context):
    world = context.world
    call = world.last_call("set_sso_config")
    assert call.error is None and call.result is None, f"set_sso_config(None): {call.describe()}"


@then("the catalog holds no SSO configuration")
def step_catalog_no_sso(context):
    stored = admin.catalog_sso_config(context.world)
    assert stored is None, f"the catalog still holds {stored.text!r:.300}"
