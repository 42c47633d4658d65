"""The account's Athena and Glue set-up a scenario needs, and what Athena, Glue and S3 say about it.

Everything here talks to the stack with plain boto3 clients (never through the SUT). What a scenario adds
(workgroups, a Glue table, a region or workgroup setting) is undone after the scenario.

Regions: a scenario that needs its own set of workgroups works in a region of its own (moto keeps Athena
per region), one not used before in this run. The SUT caches the workgroup it discovers per region and
data catalog for the life of the process, so a fresh region is also a fresh discovery.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from quilt_e2e.domain.world import World
from quilt_e2e.stack.env_vars import EnvChanges

# Regions with Athena and Glue; a scenario takes the first one this run has not used.
SPARE_REGIONS = (
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "ap-southeast-1", "ap-southeast-2",
    "ap-northeast-1", "ap-south-1", "ca-central-1", "sa-east-1", "us-west-1", "us-west-2", "us-east-2",
)
_used_regions: set[str] = set()  # per process, i.e. per run
REGION_VARIABLES = ("AWS_DEFAULT_REGION", "AWS_REGION")
WORKGROUP_VARIABLE = "ATHENA_WORKGROUP"


@dataclass
class AthenaSetup:
    """What this scenario changed, by the scenario's own words."""

    region: str | None = None  # the analyst's region when the scenario chose one
    workgroups: dict[str, str] = field(default_factory=dict)  # label -> workgroup name
    tables: dict[str, str] = field(default_factory=dict)  # label -> Glue table name


def setup(world: World) -> AthenaSetup:
    if not hasattr(world, "athena_setup"):
        world.athena_setup = AthenaSetup()
    return world.athena_setup


def analyst_region(world: World) -> str:
    """The region the SUT works in: the scenario's own, or the run's."""
    return setup(world).region or world.settings.region


def client(world: World, service: str, region: str | None = None):
    """A verification client in the analyst's region (or `region`), independent of the SUT."""
    region = region or analyst_region(world)
    if region == world.settings.region:
        return world.stack.client(service)
    return world.stack.boto3_session().client(service, region_name=region, endpoint_url=world.stack.endpoint_url)


# -- settings of the SUT's process -------------------------------------------------------------------
def set_environment(world: World, values: dict[str, str | None]) -> None:
    """Set (None: unset) variables for this scenario; the previous values come back after it."""
    changes = EnvChanges()
    changes.set(values)
    world.cleanups.append(changes.restore)


def use_region(world: World, region: str) -> None:
    """The SUT works in `region` for the rest of the scenario (its QuiltOps is built first, in the run's)."""
    _ = world.ops
    set_environment(world, dict.fromkeys(REGION_VARIABLES, region))
    setup(world).region = region


def use_fresh_region(world: World) -> str:
    for region in SPARE_REGIONS:
        if region != world.settings.region and region not in _used_regions:
            _used_regions.add(region)
            use_region(world, region)
            return region
    raise AssertionError(f"test defect: every spare region ({len(SPARE_REGIONS)}) is used in this run")


def name_workgroup_in_settings(world: World, label: str) -> None:
    set_environment(world, {WORKGROUP_VARIABLE: workgroup_name(world, label)})


# -- workgroups --------------------------------------------------------------------------------------
def workgroup_name(world: World, label: str) -> str:
    """A workgroup the scenario made is named `<label>-<run id>`; 'primary' and unknown labels are literal."""
    return setup(world).workgroups.get(label, label)


def results_location(world: World, label: str) -> str:
    return f"s3://{world.settings.scratch_bucket}/{world.settings.run_id}/athena-results/{label}/"


def add_workgroup(world: World, label: str, *, enabled: bool = True, results: bool = True,
                  description: str = "") -> str:
    """A workgroup in the analyst's region (removed after the scenario); 'primary' is changed, not made."""
    athena = client(world, "athena")
    if label == "primary":
        name = "primary"
    else:
        name = f"{label}-{world.settings.run_id}"
        configuration = {"ResultConfiguration": {"OutputLocation": results_location(world, label)}} if results else {}
        athena.create_work_group(Name=name, Description=description, Configuration=configuration)
        world.cleanups.append(lambda: athena.delete_work_group(WorkGroup=name, RecursiveDeleteOption=True))
    setup(world).workgroups[label] = name
    if not enabled:
        athena.update_work_group(WorkGroup=name, State="DISABLED")
        world.cleanups.append(lambda: athena.update_work_group(WorkGroup=name, State="ENABLED"))
    return name


def athena_workgroups(world: World) -> dict[str, dict]:
    """Every workgroup of the analyst's region as Athena describes it: name -> the documented fields."""
    athena = client(world, "athena")
    described = {}
    for summary in athena.list_work_groups()["WorkGroups"]:
        group = athena.get_work_group(WorkGroup=summary["Name"])["WorkGroup"]
        configuration = group.get("Configuration") or {}
        described[group["Name"]] = {
            "state": group["State"],
            "name": group["Name"],
            "description": group.get("Description", ""),
            "creation_time": group.get("CreationTime"),
            "output_location": (configuration.get("ResultConfiguration") or {}).get("OutputLocation"),
            "enforce_workgroup_config": configuration.get("EnforceWorkGroupConfiguration", False),
        }
    return described


def executions_in(world: World, label: str) -> list[dict]:
    """The query executions Athena records for a workgroup, newest first."""
    athena = client(world, "athena")
    ids = athena.list_query_executions(WorkGroup=workgroup_name(world, label)).get("QueryExecutionIds", [])
    if not ids:
        return []
    return athena.batch_get_query_execution(QueryExecutionIds=ids)["QueryExecutions"]


# -- Glue ----------------------------------------------------------------------------------------------
def glue_table_name(world: World, label: str) -> str:
    """A label the scenario gave a table it made -> the Glue name; any other name is literal."""
    return setup(world).tables.get(label, label)


def add_partitioned_table(world: World, label: str) -> str:
    """A parquet table of the test database, partitioned by `region`, with a `event_date` column that is not
    a partition (removed after the scenario). It has no data files: its description is what matters."""
    glue = world.stack.client("glue")
    token = re.sub(r"[^a-z0-9]+", "_", world.settings.run_id.lower())
    name = f"{token}_{label}"
    glue.create_table(
        DatabaseName=world.settings.glue_database,
        TableInput={
            "Name": name,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "parquet"},
            "PartitionKeys": [{"Name": "region", "Type": "string", "Comment": "sales region"}],
            "StorageDescriptor": {
                "Columns": [
                    {"Name": "order_id", "Type": "bigint", "Comment": "order number"},
                    {"Name": "event_date", "Type": "date", "Comment": "day of the sale"},
                    {"Name": "amount", "Type": "double"},
                ],
                "Location": f"s3://{world.settings.scratch_bucket}/{world.settings.run_id}/athena/{label}/",
                "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
            },
        },
    )
    world.cleanups.append(lambda: glue.delete_table(DatabaseName=world.settings.glue_database, Name=name))
    setup(world).tables[label] = name
    return name


def glue_database_names(world: World) -> list[str]:
    glue = world.stack.client("glue")
    names = []
    for page in glue.get_paginator("get_databases").paginate():
        names += [database["Name"] for database in page["DatabaseList"]]
    return sorted(names)


def glue_table_names(world: World, database: str) -> list[str]:
    glue = world.stack.client("glue")
    names = []
    for page in glue.get_paginator("get_tables").paginate(DatabaseName=database):
        names += [table["Name"] for table in page["TableList"]]
    return sorted(names)


def glue_table(world: World, name: str, database: str | None = None) -> dict:
    database = database or world.settings.glue_database
    return world.stack.client("glue").get_table(DatabaseName=database, Name=name)["Table"]
