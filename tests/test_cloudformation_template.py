"""infra/cloudformation/quilt-mcp-e2e.yaml deploys what the infrastructure guide (section 1) specifies.

The stack is created in moto's CloudFormation on a loopback moto server; what moto's CloudFormation skips is
applied from the same template by tests/cfn_support.py (see MOTO_CREATES there). Every resource is then read
back through the AWS APIs and compared with the guide's values, written out below independently of the
template. The template's parameter defaults must be the suite's own names (quilt_e2e/config.py).
"""

from __future__ import annotations

import ast
import json
import secrets

import boto3
import pytest
from cfn_support import MOTO_CREATES, TEMPLATE, apply_gaps, load_template

from quilt_e2e.config import Settings

REGION = "us-east-1"
ACCOUNT = "123456789012"

# ---- the guide's values (section 1.1-1.5), by bucket role ------------------------------------------------
PURPOSE = {"Key": "Purpose", "Value": "QuiltMCP-E2E-Testing"}
SPEC_BUCKETS = {
    "data": {
        "versioning": "Enabled",
        "lifecycle": [{"ID": "DeleteOldVersions", "Status": "Enabled",
                       "NoncurrentVersionExpiration": {"NoncurrentDays": 7}}],
        "tags": [PURPOSE, {"Key": "DataType", "Value": "Reference"}, {"Key": "Mutable", "Value": "false"}],
        "policy": ("AllowTestRoleReadAccess",
                   {"s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions"}),
    },
    "scratch": {
        "versioning": None,  # "Versioning: Disabled": never enabled
        "lifecycle": [
            {"ID": "AutoDeleteOldObjects", "Status": "Enabled", "Expiration": {"Days": 1}},
            {"ID": "AbortIncompleteMultipartUpload", "Status": "Enabled",
             "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}},
        ],
        "tags": [PURPOSE, {"Key": "DataType", "Value": "Scratch"}, {"Key": "Mutable", "Value": "true"}],
        "policy": ("AllowTestRoleFullAccess", {"s3:*"}),
    },
    "packages": {
        "versioning": "Enabled",
        "lifecycle": [{"ID": "DeleteOldPackageVersions", "Status": "Enabled",
                       "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}],
        "tags": [PURPOSE, {"Key": "DataType", "Value": "PackageRegistry"}, {"Key": "Mutable", "Value": "true"}],
        "policy": ("AllowTestRoleFullAccess", {"s3:*"}),
    },
}
SPEC_POLICY_STATEMENTS = {  # Sid → (actions, resource pattern per bucket or "*")
    "S3BucketAccess": ({"s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketVersioning", "s3:GetBucketTagging"},
                       "arn:aws:s3:::{}"),
    "S3ObjectAccess": ({"s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging", "s3:PutObject",
                        "s3:PutObjectTagging", "s3:DeleteObject", "s3:DeleteObjectVersion"}, "arn:aws:s3:::{}/*"),
    "AthenaAccess": ({"athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults",
                      "athena:StopQueryExecution", "athena:ListDatabases", "athena:ListTableMetadata"}, "*"),
    "GlueAccess": ({"glue:GetDatabase", "glue:GetTable", "glue:GetPartitions", "glue:CreateTable",
                    "glue:UpdateTable", "glue:DeleteTable"}, "*"),
}
SPEC_COLUMNS = [("id", "int"), ("name", "string"), ("value", "double"), ("timestamp", "timestamp")]
PUBLIC_ACCESS_BLOCKED = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                         "RestrictPublicBuckets": True}

# template parameter → the Settings field whose default it must equal
PARAMETER_SETTINGS = {
    "DataBucketName": "data_bucket",
    "ScratchBucketName": "scratch_bucket",
    "PackagesBucketName": "packages_bucket",
    "TestRoleName": "iam_role",
    "GlueDatabaseName": "glue_database",
    "GlueTableName": "glue_table",
    "AthenaWorkGroupName": "athena_workgroup",
}


def as_set(value) -> set:
    return set(value) if isinstance(value, list) else {value}


def error_code(call) -> str:
    from botocore.exceptions import ClientError

    try:
        call()
    except ClientError as exc:
        return exc.response["Error"]["Code"]
    return "no error"


@pytest.fixture(scope="module")
def deployed(server):
    """The template deployed with names unique to this module; (names, clients, what moto did by itself)."""
    suffix = secrets.token_hex(3)
    names = {
        "data": f"cfn-{suffix}-data", "scratch": f"cfn-{suffix}-scratch", "packages": f"cfn-{suffix}-packages",
        "role": f"cfn-{suffix}-role", "database": f"cfn_{suffix}_db", "table": "test_table_1",
        "workgroup": f"cfn-{suffix}-wg", "topic": f"cfn-{suffix}-alerts",
    }
    parameters = {
        "DataBucketName": names["data"], "ScratchBucketName": names["scratch"],
        "PackagesBucketName": names["packages"], "TestRoleName": names["role"],
        "GlueDatabaseName": names["database"], "GlueTableName": names["table"],
        "AthenaWorkGroupName": names["workgroup"], "AlertTopicName": names["topic"],
    }
    session = boto3.Session(region_name=REGION)

    def clients(service: str):
        return session.client(service, endpoint_url=server.endpoint_url)

    template = load_template()
    cfn = clients("cloudformation")
    stack_name = f"quilt-mcp-e2e-{suffix}"
    cfn.create_stack(StackName=stack_name, TemplateBody=TEMPLATE.read_text(),
                     Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
                     Capabilities=["CAPABILITY_NAMED_IAM"])
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    resources = cfn.list_stack_resources(StackName=stack_name)["StackResourceSummaries"]
    # moto lists each resource it does not support as an entry without id or type
    created = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources if r["LogicalResourceId"]}
    by_moto = {
        "status": stack["StackStatus"],
        "types": {r["LogicalResourceId"]: r["ResourceType"] for r in resources if r["LogicalResourceId"]},
        "skipped": sum(1 for r in resources if not r["LogicalResourceId"]),
        "outputs": {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
        "data_versioning": clients("s3").get_bucket_versioning(Bucket=names["data"]).get("Status"),
        "data_lifecycle": error_code(lambda: clients("s3").get_bucket_lifecycle_configuration(Bucket=names["data"])),
        "data_public_access": error_code(lambda: clients("s3").get_public_access_block(Bucket=names["data"])),
        "data_policy": error_code(lambda: clients("s3").get_bucket_policy(Bucket=names["data"])),
    }
    defaults = {k: v.get("Default") for k, v in template["Parameters"].items()}
    all_parameters = {**{k: str(v) for k, v in defaults.items()}, **parameters}
    by_moto["gap_created"] = apply_gaps(template, all_parameters, created, clients, REGION)
    return names, clients, by_moto, template


# ---- what moto's CloudFormation does by itself -----------------------------------------------------------


def test_moto_cloudformation_creates_the_stack_and_what_it_supports(deployed):
    names, _, by_moto, template = deployed
    assert by_moto["status"] == "CREATE_COMPLETE"
    supported = {logical for logical, spec in template["Resources"].items() if spec["Type"] in MOTO_CREATES}
    assert set(by_moto["types"]) == supported, "moto's CloudFormation support changed: update MOTO_CREATES"
    # the bucket properties moto's CloudFormation ignores (tests/cfn_support.py applies them)
    assert by_moto["data_versioning"] is None, "moto now applies VersioningConfiguration: update MOTO_CREATES"
    assert by_moto["data_lifecycle"] == "NoSuchLifecycleConfiguration"
    assert by_moto["data_public_access"] == "NoSuchPublicAccessBlockConfiguration"
    assert by_moto["data_policy"] == "NoSuchBucketPolicy"  # AWS::S3::BucketPolicy is not implemented
    assert by_moto["skipped"] == len(template["Resources"]) - len(supported)
    assert sorted(by_moto["gap_created"]) == sorted(set(template["Resources"]) - supported)
    assert by_moto["outputs"]["DataBucket"] == names["data"]
    assert by_moto["outputs"]["TestRoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/{names['role']}"


# ---- every resource, read back ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["data", "scratch", "packages"])
def test_bucket_as_the_guide_specifies(deployed, role):
    names, clients, _, _ = deployed
    s3, bucket, spec = clients("s3"), names[role], SPEC_BUCKETS[role]

    assert s3.get_bucket_versioning(Bucket=bucket).get("Status") == spec["versioning"]
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert [r["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] for r in rules] == ["AES256"]
    lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    for rule in lifecycle:
        rule.pop("Filter", None)  # the whole bucket: an empty prefix filter or none
        rule.pop("Prefix", None)
    assert lifecycle == spec["lifecycle"]
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == PUBLIC_ACCESS_BLOCKED
    assert sorted(s3.get_bucket_tagging(Bucket=bucket)["TagSet"], key=lambda t: t["Key"]) == sorted(
        spec["tags"], key=lambda t: t["Key"])

    (statement,) = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    sid, actions = spec["policy"]
    assert statement["Sid"] == sid and statement["Effect"] == "Allow"
    assert as_set(statement["Principal"]["AWS"]) == {f"arn:aws:iam::{ACCOUNT}:role/{names['role']}"}
    assert as_set(statement["Action"]) == actions
    assert as_set(statement["Resource"]) == {f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"}


def test_role_trust_and_inline_policy(deployed):
    names, clients, _, _ = deployed
    iam = clients("iam")
    role = iam.get_role(RoleName=names["role"])["Role"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Effect"] == "Allow" and trust["Action"] == "sts:AssumeRole"
    assert trust["Principal"] == {"Service": "ec2.amazonaws.com", "AWS": f"arn:aws:iam::{ACCOUNT}:user/ci-runner"}
    assert {t["Key"]: t["Value"] for t in role.get("Tags", [])} == {"Purpose": "QuiltMCP-E2E-Testing"}

    assert iam.list_role_policies(RoleName=names["role"])["PolicyNames"] == ["QuiltMCPTestAccess"]
    document = iam.get_role_policy(RoleName=names["role"], PolicyName="QuiltMCPTestAccess")["PolicyDocument"]
    if isinstance(document, str):  # moto's CloudFormation keeps an inline policy as the Python dict's text
        document = ast.literal_eval(document)
    statements = {s["Sid"]: s for s in document["Statement"]}
    assert set(statements) == set(SPEC_POLICY_STATEMENTS)
    buckets = [names["data"], names["scratch"], names["packages"]]
    for sid, (actions, resource) in SPEC_POLICY_STATEMENTS.items():
        assert statements[sid]["Effect"] == "Allow"
        assert as_set(statements[sid]["Action"]) == actions, sid
        expected = {"*"} if resource == "*" else {resource.format(b) for b in buckets}
        assert as_set(statements[sid]["Resource"]) == expected, sid


def test_glue_database_and_table(deployed):
    names, clients, _, _ = deployed
    glue = clients("glue")
    database = glue.get_database(Name=names["database"])["Database"]
    assert database["Description"] == "Test database for Tabulator operations"
    assert database["LocationUri"] == f"s3://{names['data']}/athena/"

    table = glue.get_table(DatabaseName=names["database"], Name=names["table"])["Table"]
    storage = table["StorageDescriptor"]
    assert [(c["Name"], c["Type"]) for c in storage["Columns"]] == SPEC_COLUMNS
    assert storage["Location"] == f"s3://{names['data']}/athena/{names['table']}/"
    assert table["TableType"] == "EXTERNAL_TABLE"
    assert "parquet" in storage["SerdeInfo"]["SerializationLibrary"].lower()  # STORED AS PARQUET
    assert "parquet" in storage["InputFormat"].lower() and "parquet" in storage["OutputFormat"].lower()


def test_athena_workgroup(deployed):
    names, clients, _, _ = deployed
    athena = clients("athena")
    group = athena.get_work_group(WorkGroup=names["workgroup"])["WorkGroup"]
    assert group["State"] == "ENABLED"
    assert group["Description"] == "Workgroup for QuiltMCP e2e tests"
    configuration = group["Configuration"]
    assert configuration["ResultConfiguration"]["OutputLocation"] == f"s3://{names['scratch']}/athena-results/"
    assert configuration["ResultConfiguration"]["EncryptionConfiguration"] == {"EncryptionOption": "SSE_S3"}
    assert configuration["EnforceWorkGroupConfiguration"] is True
    assert configuration["PublishCloudWatchMetricsEnabled"] is True
    arn = f"arn:aws:athena:{REGION}:{ACCOUNT}:workgroup/{names['workgroup']}"
    assert athena.list_tags_for_resource(ResourceARN=arn)["Tags"] == [PURPOSE]


def test_billing_alarm_notifies_the_alert_topic(deployed):
    names, clients, _, _ = deployed
    (alarm,) = clients("cloudwatch").describe_alarms(AlarmNames=["QuiltMCP-E2E-Tests-Cost-Alert"])["MetricAlarms"]
    metric = (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"])
    assert metric == ("AWS/Billing", "EstimatedCharges", "Maximum")
    assert (alarm["Period"], alarm["EvaluationPeriods"], alarm["Threshold"]) == (86400, 1, 10.0)
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["Dimensions"] == [{"Name": "Currency", "Value": "USD"}]
    topic_arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:{names['topic']}"
    assert alarm["AlarmActions"] == [topic_arn]
    topics = {t["TopicArn"] for t in clients("sns").list_topics()["Topics"]}
    assert topic_arn in topics


# ---- the template and the suite agree -----------------------------------------------------------------------


def test_parameter_defaults_are_the_suites_names():
    parameters = load_template()["Parameters"]
    defaults = Settings(run_id="e2e-unused")
    for parameter, field in PARAMETER_SETTINGS.items():
        assert parameters[parameter]["Default"] == getattr(defaults, field), parameter
    assert parameters["AlertTopicName"]["Default"] == "quilt-mcp-alerts"  # the guide's AlarmActions topic
    assert float(parameters["DailyCostThreshold"]["Default"]) == 10.0


def test_every_named_resource_takes_its_name_from_a_parameter():
    """No hard-coded bucket, role, database or workgroup name: -D overrides must be deployable."""
    text = TEMPLATE.read_text()
    defaults = Settings(run_id="e2e-unused")
    for field in PARAMETER_SETTINGS.values():
        name = getattr(defaults, field)
        assert text.count(name) == 1, f"'{name}' appears outside its parameter's Default"


def test_template_is_valid_cloudformation():
    """cfn-lint checks every resource and property against CloudFormation's own schemas (shipped with it, no
    network) — including the resources moto's CloudFormation does not implement."""
    from cfnlint.api import ManualArgs, lint_file

    findings = lint_file(TEMPLATE, config=ManualArgs(regions=[REGION]))
    assert [str(finding) for finding in findings] == []
