"""AWS clients QuiltOps hands out: which service, region and identity they have, and a read-only call per
service whose answer the suite knows from its own provisioning (checked with its own boto3 clients)."""

from __future__ import annotations

from quilt_e2e.domain import catalog_facts, session
from quilt_e2e.domain.world import World

BOTO_SERVICE_NAMES = {"s3": "s3", "athena": "athena", "glue": "glue", "sts": "sts"}


def service_list(text: str) -> list[str]:
    services = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in services if s not in BOTO_SERVICE_NAMES]
    if unknown:
        raise AssertionError(
            f"test defect: no check for AWS service(s) {unknown} (known: {', '.join(BOTO_SERVICE_NAMES)})"
        )
    return services


def read_only_problem(world: World, service: str, client) -> str | None:
    """None when the client's answer to one read-only call holds what the suite provisioned."""
    settings = world.settings
    if service == "s3":
        names = [b["Name"] for b in client.list_buckets().get("Buckets", [])]
        return None if settings.data_bucket in names else f"s3 lists {names}, not the data bucket"
    if service == "athena":
        names = [w["Name"] for w in client.list_work_groups().get("WorkGroups", [])]
        return None if settings.athena_workgroup in names else f"athena lists workgroups {names}"
    if service == "glue":
        names = [d["Name"] for d in client.get_databases().get("DatabaseList", [])]
        return None if settings.glue_database in names else f"glue lists databases {names}"
    if service == "sts":
        account = world.stack.client("sts").get_caller_identity()["Account"]
        answer = client.get_caller_identity()["Account"]
        return None if answer == account else f"sts answers account {answer}, expected {account}"
    raise AssertionError(f"test defect: no read-only check for {service}")


def client_problems(world: World, clients: dict) -> list[str]:
    """Each client is its own object, of its service, in the catalog's region, and answers its check."""
    region = catalog_facts.facts(world).region
    problems = []
    if len({id(c) for c in clients.values()}) != len(clients):
        problems.append("the same client object was handed out for different services")
    for service, client in clients.items():
        actual = client.meta.service_model.service_name
        if actual != BOTO_SERVICE_NAMES[service]:
            problems.append(f"the {service} client is a client of {actual}")
        if client.meta.region_name != region:
            problems.append(f"the {service} client is bound to {client.meta.region_name}, expected {region}")
    return problems


def checksum_problems(world: World, client, dataset: str) -> list[str]:
    """Every file of the dataset read through the client has its reference SHA-256."""
    problems = []
    for relpath in world.reference.files(dataset):
        key = world.reference.key(dataset, relpath)
        body = client.get_object(Bucket=world.settings.data_bucket, Key=key)["Body"].read()
        if not world.reference.holds_bytes(key, body):
            problems.append(f"{key}: bytes differ from the reference data")
    return problems


# -- the checks behind steps/aws_steps.py ---------------------------------------------------------
def assert_client_reads(world: World, dataset) -> None:
    """Then that client reads every file of the {dataset} dataset with its reference checksum."""
    problems = checksum_problems(world, world.result, dataset)
    assert not problems, "; ".join(problems)


def assert_client_region(world: World, region) -> None:
    """Then that client is bound to region "{region}"."""
    client = world.result
    assert client.meta.service_model.service_name == "s3", f"not an S3 client: {client.meta.service_model.service_name}"
    actual = client.meta.region_name
    assert actual == region, f"client region is {actual}, expected {region}"


def assert_client_service_region(world: World, service, region) -> None:
    """Then that client is a client of the AWS service "{service}" bound to region "{region}"."""
    client = world.result
    actual = (client.meta.service_model.service_name, client.meta.region_name)
    assert actual == (service, region), (
        f"the client is a {actual[0]} client in {actual[1]}, expected {service} in {region}"
    )


def assert_clients_separate(world: World) -> None:
    """Then each client is a separate client of its service in the catalog's region."""
    problems = client_problems(world, world.result)
    assert not problems, "; ".join(problems)


def assert_clients_work(world: World) -> None:
    """Then each client answers a read-only call of its service."""
    problems = [p for service, client in world.result.items() if (p := read_only_problem(world, service, client))]
    assert not problems, "; ".join(problems)


def assert_own_identity(world: World) -> None:
    """Then that client acts as my own AWS identity."""
    arn, own = world.result.get_caller_identity()["Arn"], catalog_facts.own_aws_identity(world)
    assert arn == own, f"the client acts as {arn}, expected my own identity {own}"


def assert_catalog_role(world: World, who) -> None:
    """Then that client acts with the role the catalog grants {who}."""
    assert world.user == session.ROLES_TO_USERS[who], f"test defect: logged in as {world.user}, not {who}"
    catalog_facts.assert_catalog_role_identity(world, world.result.get_caller_identity()["Arn"])


def assert_acts_as(world: World, identity: str) -> None:
    """The client the SUT handed out acts as the given identity (an ARN)."""
    arn = world.result.get_caller_identity()["Arn"]
    assert arn == identity, f"the client acts as {arn}, expected {identity}"
