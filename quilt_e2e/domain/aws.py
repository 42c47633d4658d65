"""AWS clients QuiltOps hands out: which service, region and identity they have, and a read-only call per
service whose answer the suite knows from its own provisioning (checked with its own boto3 clients)."""

from __future__ import annotations

from quilt_e2e.domain import catalog_facts
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
