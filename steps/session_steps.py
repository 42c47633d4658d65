"""Authentication, session status and AWS access."""

from behave import given, then, when

from quilt_e2e.domain import session
from quilt_e2e.domain.expectations import assert_same_names


@given("no catalog login exists")
def step_no_login(context):
    world = context.world
    world.user = ""  # explicitly nobody
    sandbox = world.stack.sandbox
    auth_file = sandbox.quilt_data_dir / "auth.json" if sandbox else None
    assert auth_file is None or not auth_file.exists(), f"a catalog login exists in the sandbox: {auth_file}"


@given("I am logged in to the catalog as {who}")
def step_login(context, who):
    session.login(context.world, session.ROLES_TO_USERS[who])


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


@when("I open a QuiltOps session")
def step_open_session(context):
    assert context.world.ops is not None


@when("I try to open a QuiltOps session")
def step_try_open_session(context):
    from quilt_mcp.ops.factory import QuiltOpsFactory

    context.world.attempt("create", target=QuiltOpsFactory)


@then("the session is served by the {backend} backend")
def step_backend(context, backend):
    from quilt_mcp.backends.platform_backend import Platform_Backend
    from quilt_mcp.backends.quilt3_backend import Quilt3_Backend
    from quilt_mcp.ops.quilt_ops import QuiltOps

    expected = {"Quilt3": Quilt3_Backend, "Platform": Platform_Backend}[backend]
    ops = context.world.ops
    assert isinstance(ops, QuiltOps), f"{type(ops)} is not a QuiltOps"
    assert isinstance(ops, expected), f"expected the {backend} backend, got {type(ops).__name__}"


@then("I am reported as authenticated against the catalog")
def step_authenticated(context):
    status, url = context.world.result, session.catalog(context.world).url
    assert status.is_authenticated is True, f"not authenticated: {status!r}"
    assert (status.logged_in_url or "").rstrip("/") == url, f"logged in to {status.logged_in_url!r}, not {url}"
    host = url.split("://", 1)[1].split(":")[0]
    assert status.catalog_name == host, f"catalog name {status.catalog_name!r}, expected {host!r}"
    assert (status.registry_url or "").rstrip("/") == url, f"registry {status.registry_url!r}, expected {url}"


@when("I ask for the GraphQL authentication headers")
def step_headers(context):
    context.world.result = context.world.call("get_graphql_auth_headers")


@then("the headers carry a bearer token the catalog accepts as {who}")
def step_headers_accepted(context, who):
    import requests

    world, headers = context.world, context.world.result
    assert str(headers.get("Authorization", "")).startswith("Bearer "), "no bearer token in the headers"
    answer = requests.post(
        f"{session.catalog(world).url}/graphql", json={"query": "{ me { name } }"}, headers=headers, timeout=30
    ).json()
    assert answer.get("data", {}).get("me", {}).get("name") == session.ROLES_TO_USERS[who], f"catalog said {answer}"


@when("I run a GraphQL query for my user name")
def step_graphql_me(context):
    context.world.result = context.world.call("execute_graphql_query", "query { me { name email } }")


@then("the catalog answers with the user name of {who}")
def step_graphql_answer(context, who):
    answer = context.world.result
    me = (answer.get("data") or {}).get("me") or {}
    assert me.get("name") == session.ROLES_TO_USERS[who], f"GraphQL answered {answer}"


@when("I ask for the authentication status")
def step_auth_status(context):
    context.world.result = context.world.call("get_auth_status")


@then("I am reported as not authenticated")
def step_not_authenticated(context):
    status = context.world.result
    assert status.is_authenticated is False, f"reported authenticated: {status!r}"


@then("the status names no catalog and no registry")
def step_no_catalog(context):
    status = context.world.result
    assert status.logged_in_url is None and status.catalog_name is None, f"catalog named: {status!r}"
    assert status.registry_url is None, f"registry named: {status!r}"


@when('I ask the session for an S3 client in region "{region}"')
def step_s3_client_region(context, region):
    context.world.result = context.world.call("get_boto3_client", "s3", region=region)


@when("I ask the session for an S3 client")
def step_s3_client(context):
    context.world.result = context.world.call("get_boto3_client", "s3")


@then("that client lists the reference data of the {dataset} dataset")
def step_client_lists(context, dataset):
    world = context.world
    listing = world.result.list_objects_v2(Bucket=world.settings.data_bucket, Prefix=f"{dataset}/")
    keys = [obj["Key"] for obj in listing.get("Contents", [])]
    expected = [world.reference.key(dataset, relpath) for relpath in world.reference.files(dataset)]
    assert_same_names("listed objects", expected, keys)


@then('that client is bound to region "{region}"')
def step_client_region(context, region):
    actual = context.world.result.meta.region_name
    assert actual == region, f"client region is {actual}, expected {region}"


@when('I try to get a client for the AWS service "{service}"')
def step_try_client(context, service):
    context.world.attempt("get_boto3_client", service)


@when("I try to run a GraphQL query for my user name")
def step_try_graphql(context):
    context.world.attempt("execute_graphql_query", "query { me { name } }")


@when("I try to get the GraphQL authentication headers")
def step_try_headers(context):
    context.world.attempt("get_graphql_auth_headers")


@when("I try to list the catalog users")
def step_try_list_users(context):
    context.world.attempt("list_users", target=context.world.ops.admin)
