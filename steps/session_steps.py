"""Who the session is (logins, tokens, damaged or revoked logins), which backend serves it, and its
authentication status."""

from behave import given, then, when

from quilt_e2e.domain import catalog_facts, expectations, session, session_checks


@given("no catalog login exists")
def step_no_login(context):
    session_checks.start_logged_out(context.world)


@given("I am logged in to the catalog as {who}")
def step_login(context, who):
    session.login(context.world, session.ROLES_TO_USERS[who])


@when("{who} signs in to the catalog in my place")
def step_switch_user(context, who):
    session.switch_user(context.world, session.ROLES_TO_USERS[who.lower()])


@then("a tool can declare the QuiltOps session as a parameter")
def step_session_declarable(context):
    session.assert_declarable_as_parameter(context.world)


@given("I present a valid catalog token for {who}")
def step_valid_token(context, who):
    world = context.world
    session.present_token(world, session.token_for(world, session.ROLES_TO_USERS[who]))


@given("I present an expired catalog token for {who}")
def step_expired_token(context, who):
    world = context.world
    session.present_token(world, session.token_for(world, session.ROLES_TO_USERS[who], expired=True))


@given("I present a catalog token for {who} signed with the wrong key")
def step_forged_token(context, who):
    world = context.world
    session.present_token(world, session.forged_token(world, session.ROLES_TO_USERS[who]))


@given("the catalog no longer accepts my login")
def step_revoked(context):
    session.revoke_login(context.world)


@given("my saved catalog login has been damaged")
def step_damaged_login(context):
    session.damage_login_file(context.world, "auth.json")


@given("my saved AWS credentials from the catalog have been damaged")
def step_damaged_credentials(context):
    session.damage_login_file(context.world, "credentials.json")


@when("I open a QuiltOps session")
def step_open_session(context):
    context.world.sut  # noqa: B018  the real factory builds QuiltOps (recorded); a failure fails the step


@when("I try to open a QuiltOps session")
def step_try_open_session(context):
    from quilt_mcp.ops.factory import QuiltOpsFactory

    context.world.attempt(lambda: context.world.drive(QuiltOpsFactory).create())


@then("the session is served by the {backend} backend")
def step_backend(context, backend):
    expectations.assert_served_by(context.world.sut, backend)


@when("I ask for the authentication status")
def step_auth_status(context):
    context.world.result = context.world.ops.get_auth_status()


@then("I am reported as authenticated against the catalog")
def step_authenticated(context):
    world = context.world
    catalog_facts.assert_status(world.result, catalog_facts.authenticated_status(catalog_facts.facts(world)))


@then("I am reported as authenticated against that catalog without its registry, region or tabulator catalog")
def step_authenticated_degraded(context):
    catalog_facts.assert_status(context.world.result, catalog_facts.degraded_status(context.other_catalog_url))


@then("I am reported as not authenticated")
def step_not_authenticated(context):
    session_checks.assert_not_authenticated(context.world)


@then("the status names no catalog and no registry")
def step_no_catalog(context):
    catalog_facts.assert_status(context.world.result, catalog_facts.UNAUTHENTICATED_STATUS)
