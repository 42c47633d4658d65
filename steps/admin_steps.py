"""Catalog administration: users, roles, SSO, and who may do what."""

import re

import parse
from behave import given, register_type, then, when

import quilt_e2e.step_types  # noqa: F401  (registers Text/Label)
from quilt_e2e.domain import admin, session
from quilt_e2e.domain import admin_checks as checks


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
    admin.list_users(context.world)


@when("I look up the user account of {who}")
def step_get_known_user(context, who):
    world = context.world
    world.looked_up = session.ROLES_TO_USERS[who]
    world.result = admin.admin_ops(world).get_user(world.looked_up)


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
    name, email = admin.user_name(world, label), admin.email_of(world, label)
    admin.attempt(world, lambda adm: adm.create_user(name, email, role, extra_roles=[42]))


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
    name, address = admin.user_name(world, label), admin.scoped_email(world, email)
    world.result = admin.admin_ops(world).set_user_email(name, address)


@when('I change the email of the user "{label:Label}" to the address it already has')
def step_set_same_email(context, label):
    world = context.world
    world.result = admin.admin_ops(world).set_user_email(admin.user_name(world, label), admin.email_of(world, label))


@when('I try to change the email of the user "{label:Label}" to "{email:Label}"')
def step_try_set_email(context, label, email):
    world = context.world
    admin.attempt(world, lambda adm: adm.set_user_email(admin.user_name(world, label), email))


@when('I try to change the email of the user "{label:Label}" to the email of "{other:Label}"')
def step_try_set_taken_email(context, label, other):
    world = context.world
    taken = admin.require_catalog_user(world, other).email
    admin.attempt(world, lambda adm: adm.set_user_email(admin.user_name(world, label), taken))


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
    context.world.result = admin.admin_ops(context.world).list_roles()


@when("I try to list the roles")
def step_try_list_roles(context):
    admin.attempt(context.world, lambda adm: adm.list_roles())


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
    context.world.result = admin.admin_ops(context.world).get_sso_config()


@when("I try to ask for the SSO configuration")
def step_try_get_sso(context):
    admin.attempt(context.world, lambda adm: adm.get_sso_config())


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
    checks.assert_users_mixed(context.world)


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
    checks.assert_signed_in_dates(context.world)


@then("the account is marked as signing in through single sign-on only")
def step_sso_only(context):
    checks.assert_sso_only(context.world)


@then("the account has no role and no extra roles")
def step_no_roles(context):
    checks.assert_no_roles(context.world)


@then("every role of the account has the name, identifier, ARN and kind the catalog gives it")
def step_account_role_kinds(context):
    world = context.world
    checks.assert_account(world, world.result, admin.directory(world).get(world.result.name), with_kind=True)


@then('the catalog has the user "{label:Label}" with role "{role:Label}" and extra roles "{extra:Text}"')
def step_catalog_user_roles(context, label, role, extra):
    checks.assert_catalog_roles(context.world, label, role, extra)


@then('the catalog has the user "{label:Label}", active and without administrator rights')
def step_catalog_user_plain(context, label):
    checks.assert_catalog_user_plain(context.world, label)


@then('looking up the user "{label:Label}" returns the same account')
def step_lookup_same(context, label):
    checks.assert_lookup_same(context.world, label)


@then('the catalog still has the user "{label:Label}" with role "{role:Label}" and the original email')
def step_catalog_user_unchanged(context, label, role):
    checks.assert_catalog_user_unchanged(context.world, label, role)


@then('the catalog has no user "{label:Label}"')
def step_catalog_no_user(context, label):
    checks.assert_catalog_no_user(context.world, label)


@then('the user list no longer shows "{label:Label}"')
def step_list_without(context, label):
    checks.assert_list_without(context.world, label)


@then('the returned account shows the email "{email:Label}"')
def step_returned_email(context, email):
    world = context.world
    admin.assert_account(world.result, email=admin.scoped_email(world, email))


@then('the catalog has the email "{email:Label}" for the user "{label:Label}"')
def step_catalog_email(context, email, label):
    checks.assert_catalog_email(context.world, email, label)


@then('the catalog still has the original email for the user "{label:Label}"')
def step_catalog_email_kept(context, label):
    checks.assert_catalog_email_kept(context.world, label)


@then("the returned account has administrator rights")
def step_returned_admin(context):
    admin.assert_account(context.world.result, admin=True)


@then("the returned account has no administrator rights")
def step_returned_not_admin(context):
    admin.assert_account(context.world.result, admin=False)


@then('the user "{label:Label}" can administer the catalog')
def step_can_administer(context, label):
    checks.assert_can_administer(context.world, label)


@then('the user "{label:Label}" can no longer administer the catalog')
def step_cannot_administer(context, label):
    checks.assert_cannot_administer(context.world, label)


@then("the returned account is inactive")
def step_returned_inactive(context):
    admin.assert_account(context.world.result, active=False)


@then("the returned account is active")
def step_returned_active(context):
    admin.assert_account(context.world.result, active=True)


@then('the user "{label:Label}" can no longer sign in')
def step_cannot_sign_in(context, label):
    checks.assert_cannot_sign_in(context.world, label)


@then('the user "{label:Label}" can sign in')
def step_can_sign_in(context, label):
    checks.assert_can_sign_in(context.world, label)


@then("the password reset is accepted")
def step_reset_accepted(context):
    checks.assert_reset_accepted(context.world)


@then("the deletion is accepted")
def step_delete_accepted(context):
    checks.assert_delete_accepted(context.world)


@then('the catalog still has the user "{label:Label}" as an active account')
def step_still_active(context, label):
    checks.assert_still_active(context.world, label)


@then('the catalog still has the user "{label:Label}" with role "{role:Label}", active and without administrator rights')
def step_untouched(context, label, role):
    checks.assert_untouched(context.world, label, role)


@then("I am still an active administrator in the catalog")
def step_still_admin(context):
    checks.assert_still_admin(context.world)


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
    checks.assert_roles_include(context.world, names)


# -- Then: SSO -------------------------------------------------------------------------------------
@then("there is no SSO configuration")
def step_no_sso(context):
    checks.assert_no_sso(context.world)


@then("the SSO configuration returned is the catalog's: its text, when it was uploaded and by whom")
def step_sso_is_catalogs(context):
    checks.assert_sso_is_catalogs(context.world, context.world.result)


@then("the SSO configuration names its uploader with the uploader's whole account")
def step_sso_uploader_account(context):
    checks.assert_sso_is_catalogs(context.world, context.world.result, full_uploader=True)


@then("the returned SSO configuration reads back as the one I set, uploaded by me")
def step_sso_returned(context):
    checks.assert_sso_returned(context.world)


@then("the catalog holds the SSO configuration I set")
def step_catalog_sso(context):
    checks.assert_catalog_sso(context.world)


@then("asking for the SSO configuration returns the one I set")
def step_sso_read_back(context):
    checks.assert_sso_read_back(context.world)


@then('the SSO configuration returned gives everyone the role "{role:Label}"')
def step_sso_get_existing(context, role):
    checks.assert_sso_get_existing(context.world, role)


@then("the catalog still holds its previous SSO configuration")
def step_sso_unchanged(context):
    checks.assert_sso_unchanged(context.world)


@then("the removal returns no configuration")
def step_removal_none(context):
    checks.assert_removal_none(context.world)


@then("the catalog holds no SSO configuration")
def step_catalog_no_sso(context):
    checks.assert_catalog_no_sso(context.world)
