"""AWS clients from the session: services, regions, the identity they act as."""

from behave import given, then, when

from quilt_e2e.domain import aws, session
from quilt_e2e.domain.expectations import assert_same_names


@given("I present AWS credentials of the test role")
def step_present_aws(context):
    context.presented_identity = session.present_aws_credentials(context.world)


@when('I ask the session for an S3 client in region "{region}"')
def step_s3_client_region(context, region):
    context.world.result = context.world.ops.get_boto3_client("s3", region=region)


@when("I ask the session for an S3 client")
def step_s3_client(context):
    context.world.result = context.world.ops.get_boto3_client("s3")


@when('I ask the session for a client of the AWS service "{service}" in region "{region}"')
def step_client_in_region(context, service, region):
    context.world.result = context.world.ops.get_aws_client(service, region=region)


@when('I ask the session for a client of the AWS service "{service}"')
def step_client(context, service):
    context.world.result = context.world.ops.get_aws_client(service)


@when('I ask the session for clients of the AWS services "{services}"')
def step_clients(context, services):
    world = context.world
    world.result = {service: world.ops.get_aws_client(service) for service in aws.service_list(services)}


@when('I try to get a client for the AWS service "{service}"')
def step_try_client(context, service):
    context.world.attempt(lambda: context.world.ops.get_aws_client(service))


@then("that client lists the reference data of the {dataset} dataset")
def step_client_lists(context, dataset):
    world = context.world
    listing = world.result.list_objects_v2(Bucket=world.settings.data_bucket, Prefix=f"{dataset}/")
    keys = [obj["Key"] for obj in listing.get("Contents", [])]
    expected = [world.reference.key(dataset, relpath) for relpath in world.reference.files(dataset)]
    assert_same_names("listed objects", expected, keys)


@then("that client reads every file of the {dataset} dataset with its reference checksum")
def step_client_reads(context, dataset):
    aws.assert_client_reads(context.world, dataset)


@then('that client is bound to region "{region}"')
def step_client_region(context, region):
    aws.assert_client_region(context.world, region)


@then('that client is a client of the AWS service "{service}" bound to region "{region}"')
def step_client_service_region(context, service, region):
    aws.assert_client_service_region(context.world, service, region)


@then("each client is a separate client of its service in the catalog's region")
def step_clients_separate(context):
    aws.assert_clients_separate(context.world)


@then("each client answers a read-only call of its service")
def step_clients_work(context):
    aws.assert_clients_work(context.world)


@then("that client acts as my own AWS identity")
def step_own_identity(context):
    aws.assert_own_identity(context.world)


@then("that client acts with the role the catalog grants {who}")
def step_catalog_role(context, who):
    aws.assert_catalog_role(context.world, who)


@then("that client acts with the AWS credentials I presented")
def step_presented_identity(context):
    aws.assert_acts_as(context.world, context.presented_identity)
