"""Authentication, session status and AWS access."""

from behave import given, then, when

from quilt_e2e.domain.expectations import assert_same_names


@given("no catalog login exists")
def step_no_login(context):
    sandbox = context.world.stack.sandbox
    auth_file = sandbox.quilt_data_dir / "auth.json" if sandbox else None
    assert auth_file is None or not auth_file.exists(), f"a catalog login exists in the sandbox: {auth_file}"


@when("I open a QuiltOps session")
def step_open_session(context):
    assert context.world.ops is not None


@then("the session is served by the Quilt3 backend")
def step_is_quilt3(context):
    from quilt_mcp.backends.quilt3_backend import Quilt3_Backend
    from quilt_mcp.ops.quilt_ops import QuiltOps

    ops = context.world.ops
    assert isinstance(ops, QuiltOps), f"{type(ops)} is not a QuiltOps"
    assert isinstance(ops, Quilt3_Backend), f"expected the Quilt3 backend, got {type(ops).__name__}"


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
