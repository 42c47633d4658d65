"""Catalog administration: users, roles, SSO, and who may do what."""

import re

import parse
from behave import given, register_type, then, when

import quilt_e2e.step_types  # noqa: F401  (registers Text/Label)
from quilt_e2e.domain import admin
from quilt_e2e.domain import session
from quilt_e2e.domain.packages import split_list


@parse.with_pattern("|".join(re.escape(action) for action in admin.USER_ACTIONS))
def parse_user_action(text):
    return text


register_type(UserAction=parse_user_action)


# -- Given -----------------------------------------------------------------------------------------
@given('a user named "{label:Label}" exists with role "{role:Label}"')
def step_given_user(context, label, role):
    admin.given_user(context.world, label, role)


@given('a user named "{label:Label}" exists with role "{role:Label}" and extra roles "{extra:Label}"')
def step_given_user_extra(context, label, role, extra):
    admin.given_user(context.world, label, role, extra)


@given('an administrator named "{label:Label}" exists with role "{role:Label}"')
def step_given_admin(context, label, role):
    admin.given_user(context.world, label, role, admin=True)


@given('a deactivated user named "{label:Label}" exists with role "{role:Label}"')
def step_given_inactive(context, label, role):
    admin.given_user(context.world, label, role, active=False)


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


@when('I look up the user "{label:Label}"')
def step_get_user(context, label):
    admin.change_user(context.world, "look up", label)


@when('I create a user named "{label:Label}" with role "{role:Label}"')
def step_create_user(context, label, role):
    admin.create_user(context.world, label, role)


@when('I create a user named "{label:Label}" with role "{role:Label}" and extra roles "{extra:Label}"')
def step_create_user_extra(context, label, role, extra):
    admin.create_user(context.world, label, role, extra)


@when('I try to create a user named "{label:Label}" with role "{role:Label}"')
def step_try_create_user(context, label, role):
    admin.create_user(context.world, label, role, expect_refusal=True)


@when('I try to create a user named "{label:Label}" with email "{email:Label}" and role "{role:Label}"')
def step_try_create_user_email(context, label, email, role):
    admin.create_user(context.world, label, role, email=email, expect_refusal=True)


@when('I try to create a user named "{label:Label}" with the email of "{other:Label}" and role "{role:Label}"')
def step_try_create_user_taken_email(context, label, other, role):
    world = context.world
    admin.create_user(world, label, role, email=admin.require_catalog_user(world, other).email, expect_refusal=True)


@when('I change the email of the user "{label:Label}" to "{email:Label}"')
def step_set_email(context, label, email):
    world = context.world
    world.result = admin.call(world, "set_user_email", admin.user_name(world, label), admin.scoped_email(world, email))


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


# -- When: roles -----------------------------------------------------------------------------------
@when("I list the roles")
def step_list_roles(context):
    context.world.result = admin.call(context.world, "list_roles")


@when('I set the role of the user "{label:Label}" to "{role:Label}"')
def step_set_role(context, label, role):
    world = context.world
    world.result = admin.call(world, "set_user_role", admin.user_name(world, label), role)


@when('I set the role of the user "{label:Label}" to "{role:Label}", adding the extra roles "{extra:Label}"')
def step_set_role_append(context, label, role, extra):
    world = context.world
    world.result = admin.call(
        world, "set_user_role", admin.user_name(world, label), role, extra_roles=split_list(extra), append=True
    )


@when('I add the extra roles "{roles:Label}" to the user "{label:Label}"')
def step_add_roles(context, roles, label):
    world = context.world
    world.result = admin.call(world, "add_user_roles", admin.user_name(world, label), split_list(roles))


@when('I remove the roles "{roles:Label}" from the user "{label:Label}"')
def step_remove_roles(context, roles, label):
    world = context.world
    world.result = admin.call(world, "remove_user_roles", admin.user_name(world, label), split_list(roles))


@when('I remove the roles "{roles:Label}" from the user "{label:Label}" with the fallback role "{fallback:Label}"')
def step_remove_roles_fallback(context, roles, label, fallback):
    world = context.world
    world.result = admin.call(
        world, "remove_user_roles", admin.user_name(world, label), split_list(roles), fallback=fallback
    )


@when('I try to remove the roles "{roles:Label}" from the user "{label:Label}" without a fallback role')
def step_try_remove_roles(context, roles, label):
    world = context.world
    admin.attempt(world, "remove_user_roles", admin.user_name(world, label), split_list(roles))


# -- When: SSO -------------------------------------------------------------------------------------
@when("I ask for the SSO configuration")
def step_get_sso(context):
    context.world.result = admin.call(context.world, "get_sso_config")


@when('I set an SSO configuration that gives everyone the role "{role:Label}"')
def step_set_sso(context, role):
    world = context.world
    admin.keep_sso_config_after_scenario(world)
    world.sso_sent = admin.sso_config_for(role)
    world.result = admin.call(world, "set_sso_config", world.sso_sent)


@when("I try to set an empty SSO configuration")
def step_try_set_empty_sso(context):
    world = context.world
    admin.keep_sso_config_after_scenario(world)
    admin.attempt(world, "set_sso_config", {})


@when("I remove the SSO configuration")
def step_remove_sso(context):
    world = context.world
    admin.keep_sso_config_after_scenario(world)
    world.result = admin.call(world, "set_sso_config", None)


# -- When: permissions -----------------------------------------------------------------------------
# -- Then: users -----------------------------------------------------------------------------------
@then("the list shows every catalog user with the email, role and status the catalog has for them")
def step_users_match_catalog(context):
    world = context.world
    listed = {user.name: user for user in world.result}
    records = dict(admin.directory(world).users)
    missing, extra = sorted(set(records) - set(listed)), sorted(set(listed) - set(records))
    assert not missing and not extra, f"listed users differ from the catalog's: missing {missing}, unexpected {extra}"
    for name, record in records.items():
        admin.assert_matches_catalog(listed[name], record)


@then("the list includes administrators and non-administrators")
def step_users_mixed(context):
    flags = {user.is_admin for user in context.world.result}
    assert flags == {True, False}, f"is_admin values in the list: {flags}"


@then("the account shows the email, role and status the catalog has for that user")
def step_account_matches_catalog(context):
    world = context.world
    admin.assert_matches_catalog(world.result, admin.directory(world).get(world.looked_up))


@then('the returned account is "{label:Label}" with role "{role:Label}", active and without administrator rights')
def step_returned_new_account(context, label, role):
    world = context.world
    admin.assert_account(world.result, name=admin.user_name(world, label), email=admin.email_of(world, label),
                         role=role, admin=False, active=True)


@then('the returned account has role "{role:Label}" and extra roles "{extra:Text}"')
def step_returned_roles(context, role, extra):
    admin.assert_account(context.world.result, role=role, extra_roles=split_list(extra))


@then('the catalog has the user "{label:Label}" with role "{role:Label}" and extra roles "{extra:Text}"')
def step_catalog_user_roles(context, label, role, extra):
    admin.assert_catalog_roles(context.world, label, role, extra)


@then('the catalog has the user "{label:Label}", active and without administrator rights')
def step_catalog_user_plain(context, label):
    world = context.world
    user = admin.require_catalog_user(world, label)
    assert user.email == admin.email_of(world, label), f"{user.name}: email {user.email!r}"
    assert user.is_active and not user.is_admin, f"{user.name}: active={user.is_active} admin={user.is_admin}"


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


# -- Then: roles -----------------------------------------------------------------------------------
@then("the roles are exactly the catalog's roles, each with its name and type")
def step_roles_match(context):
    world = context.world
    roles = {role.name: role for role in world.result}
    expected = admin.directory(world).roles
    assert sorted(roles) == sorted(expected), f"roles listed {sorted(roles)}, the catalog has {sorted(expected)}"
    for name, record in expected.items():
        role = roles[name]
        assert role.type == record.typename, f"role {name}: type {role.type!r}, expected {record.typename!r}"
        assert role.arn == record.arn, f"role {name}: arn {role.arn!r}, expected {record.arn!r}"


@then('the roles include "{names:Label}"')
def step_roles_include(context, names):
    listed = {role.name for role in context.world.result}
    missing = [name for name in split_list(names) if name not in listed]
    assert not missing, f"roles missing from the list: {missing} (listed {sorted(listed)})"


# -- Then: SSO -------------------------------------------------------------------------------------
@then("there is no SSO configuration")
def step_no_sso(context):
    assert context.world.result is None, f"expected no SSO configuration, got {context.world.result!r:.300}"


@then("the returned SSO configuration reads back as the one I set, uploaded by me")
def step_sso_returned(context):
    world = context.world
    config = world.result
    assert config is not None, "set_sso_config returned nothing"
    assert admin.parsed(config.text) == world.sso_sent, f"returned text {config.text!r} differs from what was set"
    uploader = config.uploader.name if config.uploader else None
    assert uploader == world.user, f"uploader {uploader!r}, expected {world.user!r}"


@then("the catalog holds the SSO configuration I set")
def step_catalog_sso(context):
    world = context.world
    stored = admin.catalog_sso_config(world)
    assert stored is not None, "the catalog holds no SSO configuration"
    assert admin.parsed(stored.text) == world.sso_sent, f"the catalog holds {stored.text!r}"


@then("asking for the SSO configuration returns the one I set")
def step_sso_read_back(context):
    world = context.world
    config = admin.call(world, "get_sso_config")
    assert config is not None, "get_sso_config returned None"
    assert admin.parsed(config.text) == world.sso_sent, f"get_sso_config returned {config.text!r}"


@then('the SSO configuration returned gives everyone the role "{role:Label}"')
def step_sso_get_existing(context, role):
    world = context.world
    config = world.result
    assert config is not None, "get_sso_config returned None"
    assert admin.parsed(config.text) == admin.sso_config_for(role), f"returned {config.text!r}"
    assert config.text == admin.catalog_sso_config(world).text, "returned text differs from the catalog's"


@then("the catalog still holds its previous SSO configuration")
def step_sso_unchanged(context):
    world = context.world
    assert admin.catalog_sso_config(world) is world.sso_before, (
        f"the SSO configuration changed to {admin.catalog_sso_config(world)!r:.300}"
    )


@then("the removal returns no configuration")
def step_removal_none(context):
    assert context.world.result is None, f"set_sso_config(None) returned {context.world.result!r:.300}"


@then("the catalog holds no SSO configuration")
def step_catalog_no_sso(context):
    stored = admin.catalog_sso_config(context.world)
    assert stored is None, f"the catalog still holds {stored.text!r:.300}"
