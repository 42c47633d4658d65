"""Catalog configuration, the default catalog and registry, bucket listing, and other catalog addresses."""

from behave import given, then, when

from quilt_e2e.domain import catalog_checks, catalog_facts, other_catalogs, session


# -- other catalog addresses (kept on the behave context for the scenario) -------------------------------
@given("a web site that is not a Quilt catalog")
def step_plain_site(context):
    context.other_catalog_url = other_catalogs.plain_web_site(context.world)


@given("a web site that answers every address with its home page")
def step_spa_site(context):
    context.other_catalog_url = other_catalogs.single_page_app(context.world)


@given("a catalog that refuses access to its configuration")
def step_denied_site(context):
    context.other_catalog_url = other_catalogs.access_denied(context.world)


@given("a catalog whose configuration is not a JSON object")
def step_list_config(context):
    configs = [catalog_facts.facts(context.world).config]
    context.other_catalog_url = other_catalogs.catalog_serving(context.world, configs)


@given('a catalog whose configuration lacks its "{key}"')
def step_incomplete_config(context, key):
    context.other_catalog_url = other_catalogs.catalog_without(context.world, key)


@given("an address nobody answers at")
def step_dead_address(context):
    context.other_catalog_url = other_catalogs.NOBODY_ANSWERS


@given("a host name that does not exist")
def step_no_host(context):
    context.other_catalog_url = other_catalogs.NO_SUCH_HOST


@given("I am logged in to a catalog whose configuration does not name its region")
def step_login_incomplete(context):
    context.other_catalog_url = other_catalogs.log_in_to_catalog_without(context.world, "region")


@given('I am logged in to a catalog whose configuration lacks its "{key}"')
def step_login_lacking(context, key):
    context.other_catalog_url = other_catalogs.log_in_to_catalog_without(context.world, key)


# -- reading a catalog's configuration --------------------------------------------------------------------
@when("I read the configuration of the catalog")
def step_read_config(context):
    world = context.world
    world.result = world.ops.get_catalog_config(catalog_facts.facts(world).url)


@when("I read the configuration of the catalog, its address ending in a slash")
def step_read_config_slash(context):
    world = context.world
    world.result = world.ops.get_catalog_config(catalog_facts.facts(world).url + "/")


@when("I try to read the configuration of that catalog")
def step_try_read_other(context):
    context.world.attempt(lambda: context.world.ops.get_catalog_config(context.other_catalog_url))


@when("I try to read a catalog configuration from {address}")
def step_try_read_address(context, address):
    catalog_checks.try_read_address(context.world, address)


@then("I receive the catalog's configuration")
def step_config_is(context):
    world = context.world
    catalog_facts.assert_catalog_config(world.result, catalog_facts.facts(world))


@then("the error message names the catalog configuration")
def step_error_names_config(context):
    catalog_checks.assert_error_names_config(context.world)


@then("the error's details name the address I asked for")
def step_error_address(context):
    catalog_checks.assert_error_details_name(context.world, context.other_catalog_url)


# -- the default catalog and registry ---------------------------------------------------------------------
@when("I choose the catalog as my default catalog")
def step_configure(context):
    world = context.world
    world.result = world.ops.configure_catalog(catalog_facts.facts(world).url)


@when("I try to choose the catalog as my default catalog")
def step_try_configure(context):
    world = context.world
    world.attempt(lambda: world.ops.configure_catalog(catalog_facts.facts(world).url))


@when("I try to choose {address} as my default catalog")
def step_try_configure_address(context, address):
    catalog_checks.try_configure_address(context.world, address)


@then("the choice is accepted")
def step_configure_accepted(context):
    catalog_checks.assert_configure_accepted(context.world)


@then("my local Quilt configuration points at the catalog and its registry")
def step_quilt_config_is(context):
    catalog_checks.assert_quilt_config_is(context.world)


@then("my local Quilt configuration still names no catalog")
def step_quilt_config_none(context):
    catalog_checks.assert_quilt_config_none(context.world)


@when("I ask for the registry URL")
def step_registry_url(context):
    context.world.result = context.world.ops.get_registry_url()


@then("the registry URL is the catalog's registry")
def step_registry_is(context):
    catalog_checks.assert_registry_is(context.world)


@then("there is no registry URL")
def step_no_registry(context):
    catalog_checks.assert_no_registry(context.world)


# -- buckets ----------------------------------------------------------------------------------------------
@when("I list the buckets")
def step_list_buckets(context):
    context.world.result = context.world.ops.list_buckets()


@when("I try to list the buckets")
def step_try_list_buckets(context):
    context.world.attempt(lambda: context.world.ops.list_buckets())


@then("I see every bucket I can use, each with its creation date")
def step_buckets_are(context):
    catalog_checks.assert_buckets_are(context.world)


@then("each bucket names its region and my access level to it")
def step_bucket_regions(context):
    catalog_checks.assert_bucket_regions(context.world)


# -- a multiuser deployment's own settings ------------------------------------------------------------------
@given("the deployment names {description} and no registry")
def step_deployment(context, description):
    world = context.world
    session.login(world, session.DEFAULT_USER)  # a token exists: what fails is the deployment's configuration
    other_catalogs.deploy_with(world, QUILT_CATALOG_URL=other_catalogs.deployment_url(world, description),
                               QUILT_REGISTRY_URL=None)


@given("the deployment names a GraphQL endpoint nobody answers at")
def step_dead_graphql(context):
    world = context.world
    session.login(world, session.DEFAULT_USER)
    context.other_catalog_url = f"{other_catalogs.NOBODY_ANSWERS}/graphql"
    other_catalogs.deploy_with(world, QUILT_GRAPHQL_ENDPOINT=context.other_catalog_url)


@then("the endpoint is the one the deployment names")
def step_endpoint_named(context):
    catalog_checks.assert_endpoint_is(context.world, context.other_catalog_url)


@when("I try to ask for the authentication status")
def step_try_status(context):
    context.world.attempt(lambda: context.world.ops.get_auth_status())
