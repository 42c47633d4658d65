"""provision_all against moto, read back with boto3 and compared with the infrastructure spec."""

from __future__ import annotations

import json
import secrets
from urllib.parse import unquote

import boto3
import pytest
from botocore.exceptions import ClientError

from quilt_e2e.config import load_settings
from quilt_e2e.stack.provision import bucket_specs, provision_all, provision_workgroup

# The spec's expectations, written out independently of bucket_specs() where the spec gives numbers.
LIFECYCLE_SPEC = {
    "data": {"noncurrent_days": 7},
    "packages": {"noncurrent_days": 30},
}
EXPECTED_COLUMNS = [("id", "int"), ("name", "string"), ("value", "double"), ("timestamp", "timestamp")]


def clients(server, region="us-east-1"):
    session = boto3.Session(region_name=region)
    return {name: session.client(name, endpoint_url=server.endpoint_url) for name in ("s3", "iam", "glue", "athena")}


@pytest.fixture(scope="module")
def provisioned(server):
    """The spec's default names, provisioned twice (the second run must converge, not fail)."""
    settings = load_settings({}, env={})
    provision_all(boto3.Session(), settings, endpoint_url=server.endpoint_url)
    provision_all(boto3.Session(), settings, endpoint_url=server.endpoint_url)
    return settings, clients(server)


def bucket_roles(settings):
    return {"data": settings.data_bucket, "scratch": settings.scratch_bucket, "packages": settings.packages_bucket}


def policy_document(response) -> dict:
    document = response["PolicyDocument"]
    return json.loads(unquote(document)) if isinstance(document, str) else document


def as_list(value):
    return value if isinstance(value, list) else [value]


# ---- buckets ------------------------------------------------------------------------------------


def test_buckets_exist_once(provisioned):
    settings, c = provisioned
    names = [b["Name"] for b in c["s3"].list_buckets()["Buckets"]]
    for bucket in bucket_roles(settings).values():
        assert names.count(bucket) == 1
        c["s3"].head_bucket(Bucket=bucket)


def test_versioning(provisioned):
    settings, c = provisioned
    roles = bucket_roles(settings)
    status = {role: c["s3"].get_bucket_versioning(Bucket=b).get("Status") for role, b in roles.items()}
    assert status == {"data": "Enabled", "packages": "Enabled", "scratch": None}


def test_default_encryption_is_aes256(provisioned):
    settings, c = provisioned
    for bucket in bucket_roles(settings).values():
        rules = c["s3"].get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        algorithms = [r["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] for r in rules]
        assert algorithms == ["AES256"], bucket


def test_lifecycle_rules(provisioned):
    settings, c = provisioned
    roles = bucket_roles(settings)
    rules = {role: c["s3"].get_bucket_lifecycle_configuration(Bucket=b)["Rules"] for role, b in roles.items()}
    for role_rules in rules.values():
        assert all(rule["Status"] == "Enabled" for rule in role_rules)

    for role, spec in LIFECYCLE_SPEC.items():
        days = [
            r["NoncurrentVersionExpiration"]["NoncurrentDays"]
            for r in rules[role]
            if "NoncurrentVersionExpiration" in r
        ]
        assert days == [spec["noncurrent_days"]], role
        assert not any("Expiration" in r for r in rules[role]), f"{role}: current versions must not expire"

    scratch = rules["scratch"]
    assert [r["Expiration"]["Days"] for r in scratch if "Expiration" in r] == [1]
    aborts = [
        r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
        for r in scratch
        if "AbortIncompleteMultipartUpload" in r
    ]
    assert aborts == [1]


def test_public_access_is_blocked(provisioned):
    settings, c = provisioned
    for bucket in bucket_roles(settings).values():
        block = c["s3"].get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert block == {
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        }, bucket


def test_tags(provisioned):
    settings, c = provisioned
    tags = {
        bucket: {t["Key"]: t["Value"] for t in c["s3"].get_bucket_tagging(Bucket=bucket)["TagSet"]}
        for bucket in bucket_roles(settings).values()
    }
    for spec in bucket_specs(settings):
        assert tags[spec.name] == {t["Key"]: t["Value"] for t in spec.tags}
    roles = bucket_roles(settings)
    assert {role: (tags[b]["DataType"], tags[b]["Mutable"]) for role, b in roles.items()} == {
        "data": ("Reference", "false"),
        "scratch": ("Scratch", "true"),
        "packages": ("PackageRegistry", "true"),
    }
    assert {t["Purpose"] for t in tags.values()} == {"QuiltMCP-E2E-Testing"}


# ---- IAM ----------------------------------------------------------------------------------------


def test_iam_role_and_inline_policy(provisioned):
    settings, c = provisioned
    role = c["iam"].get_role(RoleName=settings.iam_role)["Role"]
    assert role["RoleName"] == settings.iam_role
    assert c["iam"].list_role_policies(RoleName=settings.iam_role)["PolicyNames"] == ["QuiltMCPTestAccess"]

    document = policy_document(c["iam"].get_role_policy(RoleName=settings.iam_role, PolicyName="QuiltMCPTestAccess"))
    allowed: dict[str, set[str]] = {}
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            allowed.setdefault(action, set()).update(as_list(statement["Resource"]))

    for bucket in bucket_roles(settings).values():
        for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"):
            assert f"arn:aws:s3:::{bucket}/*" in allowed.get(action, set()), (action, bucket)
        assert f"arn:aws:s3:::{bucket}" in allowed.get("s3:ListBucket", set()), bucket
    assert "athena:StartQueryExecution" in allowed
    assert "glue:GetTable" in allowed


# ---- Glue and Athena -----------------------------------------------------------------------------


def test_glue_database_and_table(provisioned):
    settings, c = provisioned
    database = c["glue"].get_database(Name=settings.glue_database)["Database"]
    assert database["Name"] == settings.glue_database

    table = c["glue"].get_table(DatabaseName=settings.glue_database, Name=settings.glue_table)["Table"]
    columns = [(col["Name"], col["Type"]) for col in table["StorageDescriptor"]["Columns"]]
    assert columns == EXPECTED_COLUMNS
    assert table["StorageDescriptor"]["Location"] == f"s3://{settings.data_bucket}/athena/{settings.glue_table}/"
    assert table["TableType"] == "EXTERNAL_TABLE"
    names = [t["Name"] for t in c["glue"].get_tables(DatabaseName=settings.glue_database)["TableList"]]
    assert names.count(settings.glue_table) == 1


def test_athena_workgroup(provisioned):
    settings, c = provisioned
    workgroup = c["athena"].get_work_group(WorkGroup=settings.athena_workgroup)["WorkGroup"]
    configuration = workgroup["Configuration"]
    assert configuration["ResultConfiguration"]["OutputLocation"] == f"s3://{settings.scratch_bucket}/athena-results/"
    assert configuration["EnforceWorkGroupConfiguration"] is True
    names = [wg["Name"] for wg in c["athena"].list_work_groups()["WorkGroups"]]
    assert names.count(settings.athena_workgroup) == 1


# ---- other names ---------------------------------------------------------------------------------


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_custom_names_are_provisioned(server, provisioned, region, unique_settings):
    default_settings, _ = provisioned
    settings = unique_settings("custom", region=region)
    before = {b["Name"] for b in clients(server)["s3"].list_buckets()["Buckets"]}

    provision_all(boto3.Session(), settings, endpoint_url=server.endpoint_url)

    c = clients(server, region)
    after = {b["Name"] for b in c["s3"].list_buckets()["Buckets"]}
    assert after - before == set(bucket_roles(settings).values())
    for bucket in bucket_roles(settings).values():
        location = c["s3"].get_bucket_location(Bucket=bucket)["LocationConstraint"]
        assert (location or "us-east-1") == region
    assert c["s3"].get_bucket_versioning(Bucket=settings.data_bucket)["Status"] == "Enabled"
    document = policy_document(c["iam"].get_role_policy(RoleName=settings.iam_role, PolicyName="QuiltMCPTestAccess"))
    resources = {r for s in document["Statement"] for r in as_list(s["Resource"])}
    assert f"arn:aws:s3:::{settings.scratch_bucket}/*" in resources
    assert f"arn:aws:s3:::{default_settings.scratch_bucket}/*" not in resources
    table = c["glue"].get_table(DatabaseName=settings.glue_database, Name=settings.glue_table)["Table"]
    assert table["StorageDescriptor"]["Location"] == f"s3://{settings.data_bucket}/athena/{settings.glue_table}/"
    workgroup = c["athena"].get_work_group(WorkGroup=settings.athena_workgroup)["WorkGroup"]
    assert workgroup["Configuration"]["ResultConfiguration"]["OutputLocation"] == f"s3://{settings.scratch_bucket}/athena-results/"

    # the default-named resources are untouched
    default_policy = policy_document(
        clients(server)["iam"].get_role_policy(RoleName=default_settings.iam_role, PolicyName="QuiltMCPTestAccess")
    )
    default_resources = {r for s in default_policy["Statement"] for r in as_list(s["Resource"])}
    assert f"arn:aws:s3:::{settings.scratch_bucket}/*" not in default_resources


def test_reprovisioning_converges_a_drifted_table_and_bucket(server, unique_settings):
    settings = unique_settings("drift")
    provision_all(boto3.Session(), settings, endpoint_url=server.endpoint_url)
    c = clients(server)
    c["glue"].update_table(
        DatabaseName=settings.glue_database,
        TableInput={"Name": settings.glue_table, "StorageDescriptor": {"Columns": [{"Name": "x", "Type": "int"}]}},
    )
    c["s3"].delete_bucket_tagging(Bucket=settings.scratch_bucket)
    c["s3"].delete_public_access_block(Bucket=settings.packages_bucket)

    provision_all(boto3.Session(), settings, endpoint_url=server.endpoint_url)

    table = c["glue"].get_table(DatabaseName=settings.glue_database, Name=settings.glue_table)["Table"]
    assert [(col["Name"], col["Type"]) for col in table["StorageDescriptor"]["Columns"]] == EXPECTED_COLUMNS
    tags = {t["Key"]: t["Value"] for t in c["s3"].get_bucket_tagging(Bucket=settings.scratch_bucket)["TagSet"]}
    assert tags["DataType"] == "Scratch"
    block = c["s3"].get_public_access_block(Bucket=settings.packages_bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())


class RecordingAthena:
    """Stands in for an Athena client holding a drifted workgroup (moto 5 has no UpdateWorkGroup)."""

    def __init__(self, name, configuration):
        self.name, self.configuration, self.updates = name, configuration, []

    def list_work_groups(self):
        return {"WorkGroups": [{"Name": self.name, "State": "ENABLED"}]}

    def get_work_group(self, WorkGroup):
        return {"WorkGroup": {"Name": WorkGroup, "Configuration": self.configuration}}

    def update_work_group(self, WorkGroup, ConfigurationUpdates):
        self.updates.append((WorkGroup, ConfigurationUpdates))


def test_reprovisioning_converges_a_drifted_workgroup():
    settings = load_settings({}, env={})
    athena = RecordingAthena(
        settings.athena_workgroup,
        {"ResultConfiguration": {"OutputLocation": "s3://elsewhere/results/"}, "EnforceWorkGroupConfiguration": False},
    )
    provision_workgroup(athena, settings)
    assert len(athena.updates) == 1
    name, updates = athena.updates[0]
    assert name == settings.athena_workgroup
    assert updates["ResultConfiguration"]["OutputLocation"] == f"s3://{settings.scratch_bucket}/athena-results/"
    assert updates["EnforceWorkGroupConfiguration"] is True


def test_reprovisioning_leaves_a_converged_workgroup_alone():
    settings = load_settings({}, env={})
    athena = RecordingAthena(
        settings.athena_workgroup,
        {
            "ResultConfiguration": {"OutputLocation": f"s3://{settings.scratch_bucket}/athena-results/"},
            "EnforceWorkGroupConfiguration": True,
        },
    )
    provision_workgroup(athena, settings)
    assert athena.updates == []


def test_missing_bucket_is_reported_by_s3_not_invented(server, provisioned):
    # guards the read-back helpers: a bucket nobody provisioned is not found
    with pytest.raises(ClientError):
        clients(server)["s3"].head_bucket(Bucket=f"never-made-{secrets.token_hex(3)}")
