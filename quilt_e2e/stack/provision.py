"""Provision what the infrastructure spec describes: buckets, IAM role, Glue database/table, Athena workgroup.

Every function is idempotent, so it can run against a fresh moto server or an existing AWS account.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from quilt_e2e.config import Settings

PURPOSE_TAG = {"Key": "Purpose", "Value": "QuiltMCP-E2E-Testing"}
PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


@dataclass(frozen=True)
class BucketSpec:
    name: str
    versioned: bool
    lifecycle_rules: tuple[dict[str, Any], ...]
    tags: tuple[dict[str, str], ...]


def bucket_specs(settings: Settings) -> list[BucketSpec]:
    """The three buckets of the infrastructure spec (section 1.1), under the configured names."""
    return [
        BucketSpec(
            settings.data_bucket,
            versioned=True,
            lifecycle_rules=(
                {
                    "ID": "DeleteOldVersions",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 7},
                },
            ),
            tags=(PURPOSE_TAG, {"Key": "DataType", "Value": "Reference"}, {"Key": "Mutable", "Value": "false"}),
        ),
        BucketSpec(
            settings.scratch_bucket,
            versioned=False,
            lifecycle_rules=(
                {
                    "ID": "AutoDeleteOldObjects",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "Expiration": {"Days": 1},
                },
                {
                    "ID": "AbortIncompleteMultipartUpload",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                },
            ),
            tags=(PURPOSE_TAG, {"Key": "DataType", "Value": "Scratch"}, {"Key": "Mutable", "Value": "true"}),
        ),
        BucketSpec(
            settings.packages_bucket,
            versioned=True,
            lifecycle_rules=(
                {
                    "ID": "DeleteOldPackageVersions",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                },
            ),
            tags=(PURPOSE_TAG, {"Key": "DataType", "Value": "PackageRegistry"}, {"Key": "Mutable", "Value": "true"}),
        ),
    ]


def role_policy(settings: Settings) -> dict[str, Any]:
    """Inline policy QuiltMCPTestAccess of the spec (section 1.2), for the configured buckets."""
    buckets = [settings.data_bucket, settings.scratch_bucket, settings.packages_bucket]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "S3BucketAccess",
                "Effect": "Allow",
                "Action": ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketVersioning", "s3:GetBucketTagging"],
                "Resource": [f"arn:aws:s3:::{b}" for b in buckets],
            },
            {
                "Sid": "S3ObjectAccess",
                "Effect": "Allow",
                "Action": [
                    "s3:GetObject",
                    "s3:GetObjectVersion",
                    "s3:GetObjectTagging",
                    "s3:PutObject",
                    "s3:PutObjectTagging",
                    "s3:DeleteObject",
                    "s3:DeleteObjectVersion",
                ],
                "Resource": [f"arn:aws:s3:::{b}/*" for b in buckets],
            },
            {
                "Sid": "AthenaAccess",
                "Effect": "Allow",
                "Action": [
                    "athena:StartQueryExecution",
                    "athena:GetQueryExecution",
                    "athena:GetQueryResults",
                    "athena:StopQueryExecution",
                    "athena:ListDatabases",
                    "athena:ListTableMetadata",
                ],
                "Resource": "*",
            },
            {
                "Sid": "GlueAccess",
                "Effect": "Allow",
                "Action": [
                    "glue:GetDatabase",
                    "glue:GetTable",
                    "glue:GetPartitions",
                    "glue:CreateTable",
                    "glue:UpdateTable",
                    "glue:DeleteTable",
                ],
                "Resource": "*",
            },
        ],
    }


TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},
    ],
}

GLUE_COLUMNS = [
    {"Name": "id", "Type": "int"},
    {"Name": "name", "Type": "string"},
    {"Name": "value", "Type": "double"},
    {"Name": "timestamp", "Type": "timestamp"},
]


def glue_table_location(settings: Settings) -> str:
    return f"s3://{settings.data_bucket}/athena/{settings.glue_table}/"


def athena_output_location(settings: Settings) -> str:
    return f"s3://{settings.scratch_bucket}/athena-results/"


def provision_buckets(s3, settings: Settings) -> None:
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    for spec in bucket_specs(settings):
        if spec.name not in existing:
            if settings.region == "us-east-1":
                s3.create_bucket(Bucket=spec.name)
            else:
                s3.create_bucket(
                    Bucket=spec.name, CreateBucketConfiguration={"LocationConstraint": settings.region}
                )
        if spec.versioned:
            s3.put_bucket_versioning(Bucket=spec.name, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_encryption(
            Bucket=spec.name,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
        s3.put_bucket_lifecycle_configuration(
            Bucket=spec.name, LifecycleConfiguration={"Rules": [dict(rule) for rule in spec.lifecycle_rules]}
        )
        s3.put_public_access_block(Bucket=spec.name, PublicAccessBlockConfiguration=PUBLIC_ACCESS_BLOCK)
        s3.put_bucket_tagging(Bucket=spec.name, Tagging={"TagSet": [dict(tag) for tag in spec.tags]})


def provision_iam(iam, settings: Settings) -> None:
    try:
        iam.get_role(RoleName=settings.iam_role)
    except iam.exceptions.NoSuchEntityException:
        iam.create_role(
            RoleName=settings.iam_role,
            AssumeRolePolicyDocument=json.dumps(TRUST_POLICY),
            Tags=[PURPOSE_TAG],
        )
    iam.put_role_policy(
        RoleName=settings.iam_role,
        PolicyName="QuiltMCPTestAccess",
        PolicyDocument=json.dumps(role_policy(settings)),
    )


def provision_glue(glue, settings: Settings) -> None:
    try:
        glue.get_database(Name=settings.glue_database)
    except glue.exceptions.EntityNotFoundException:
        glue.create_database(
            DatabaseInput={
                "Name": settings.glue_database,
                "Description": "Test database for Tabulator operations",
                "LocationUri": f"s3://{settings.data_bucket}/athena/",
            }
        )
    table_input = {
        "Name": settings.glue_table,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE"},
        "StorageDescriptor": {
            "Columns": GLUE_COLUMNS,
            "Location": glue_table_location(settings),
            "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
        },
    }
    try:
        glue.get_table(DatabaseName=settings.glue_database, Name=settings.glue_table)
        glue.update_table(DatabaseName=settings.glue_database, TableInput=table_input)
    except glue.exceptions.EntityNotFoundException:
        glue.create_table(DatabaseName=settings.glue_database, TableInput=table_input)


def provision_workgroup(athena, settings: Settings) -> None:
    configuration = {
        "ResultConfiguration": {
            "OutputLocation": athena_output_location(settings),
            "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"},
        },
        "EnforceWorkGroupConfiguration": True,
        "PublishCloudWatchMetricsEnabled": True,
    }
    names = {wg["Name"] for wg in athena.list_work_groups().get("WorkGroups", [])}
    if settings.athena_workgroup not in names:
        athena.create_work_group(
            Name=settings.athena_workgroup,
            Description="Workgroup for QuiltMCP e2e tests",
            Configuration=configuration,
            Tags=[PURPOSE_TAG],
        )
        return
    current = athena.get_work_group(WorkGroup=settings.athena_workgroup)["WorkGroup"].get("Configuration", {})
    drifted = (
        current.get("ResultConfiguration", {}).get("OutputLocation") != athena_output_location(settings)
        or not current.get("EnforceWorkGroupConfiguration")
    )
    if drifted:  # converge an existing workgroup (only then: moto has no UpdateWorkGroup)
        athena.update_work_group(
            WorkGroup=settings.athena_workgroup,
            ConfigurationUpdates={
                "ResultConfiguration": configuration["ResultConfiguration"],
                "EnforceWorkGroupConfiguration": True,
                "PublishCloudWatchMetricsEnabled": True,
            },
        )


def provision_all(session, settings: Settings, endpoint_url: str | None = None) -> None:
    """Create or converge every resource; `session` is a boto3.Session."""

    def client(service: str):
        return session.client(service, region_name=settings.region, endpoint_url=endpoint_url)

    provision_buckets(client("s3"), settings)
    provision_iam(client("iam"), settings)
    provision_glue(client("glue"), settings)
    provision_workgroup(client("athena"), settings)
