"""GraphQL through the session: endpoint, credentials, queries (with variables, a registry, problems)."""

from behave import then, when

from quilt_e2e.domain import catalog_facts, graphql, session


@when("I ask for the GraphQL endpoint")
def step_endpoint(context):
    context.world.result = context.world.ops.get_graphql_endpoint()


@when("I try to get the GraphQL endpoint")
def step_try_endpoint(context):
    context.world.attempt(lambda: context.world.ops.get_graphql_endpoint())


@then("the endpoint is the GraphQL address of the catalog's registry")
def step_endpoint_is(context):
    graphql.assert_endpoint_is(context.world)


@when("I ask for the GraphQL authentication headers")
def step_headers(context):
    context.world.result = context.world.ops.get_graphql_auth_headers()


@when("I try to get the GraphQL authentication headers")
def step_try_headers(context):
    context.world.attempt(lambda: context.world.ops.get_graphql_auth_headers())


@then("the headers carry a bearer token the catalog accepts as {who}")
def step_headers_accepted(context, who):
    graphql.assert_headers_accepted(context.world, who)


@when("I run a GraphQL query for my user name")
def step_graphql_me(context):
    context.world.result = context.world.ops.execute_graphql_query(graphql.MY_NAME)


@when("I try to run a GraphQL query for my user name")
def step_try_graphql(context):
    context.world.attempt(lambda: context.world.ops.execute_graphql_query(graphql.MY_NAME))


@when("I run a GraphQL query for my user name, addressed to the catalog's registry")
def step_graphql_me_registry(context):
    registry = catalog_facts.facts(context.world).registry_url
    context.world.result = context.world.ops.execute_graphql_query(graphql.MY_NAME, registry=registry)


@when("I try to run a GraphQL query for my user name, addressed to a registry nobody answers at")
def step_graphql_me_elsewhere(context):
    world = context.world
    world.attempt(lambda: world.ops.execute_graphql_query(graphql.MY_NAME, registry=graphql.NOBODY_ANSWERS))


@then("the catalog answers with the user name of {who}")
def step_graphql_answer(context, who):
    graphql.assert_answer_names_user(context.world.result, session.ROLES_TO_USERS[who])


@when("I run a GraphQL query for the data bucket's configuration, passing its name as a variable")
def step_graphql_variables(context):
    world = context.world
    variables = {"name": world.settings.data_bucket}
    world.result = world.ops.execute_graphql_query(graphql.BUCKET_CONFIG, variables=variables)


@then("the catalog answers with the data bucket's configuration")
def step_graphql_bucket(context):
    graphql.assert_graphql_bucket(context.world)


@when("I try to run a GraphQL query with {problem}")
def step_try_bad_query(context, problem):
    document, variables = graphql.bad_query(problem)
    context.world.attempt(lambda: context.world.ops.execute_graphql_query(document, variables=variables))


@when("I try to run a GraphQL query for the catalog's users")
def step_try_user_list(context):
    context.world.attempt(lambda: context.world.ops.execute_graphql_query(graphql.USER_LIST))


@when("I try to list the catalog users")
def step_try_list_users(context):
    graphql.try_list_users(context.world)
