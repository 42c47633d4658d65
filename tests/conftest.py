"""Shared fixtures: a moto server on loopback with fake credentials."""

from __future__ import annotations

import pytest

from quilt_e2e.stack.aws_server import LocalAwsServer
from quilt_e2e.stack.env_vars import changed_env

FAKE_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
CLEARED = ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION")


@pytest.fixture(scope="module")
def server():
    """A plain moto server (no Athena front), with the environment restored afterwards.

    moto's state is shared by every server in one process: tests use their own resource names.
    """
    with changed_env({**FAKE_ENV, **dict.fromkeys(CLEARED)}):
        aws = LocalAwsServer().start()
        try:
            yield aws
        finally:
            aws.stop()


@pytest.fixture(scope="module")
def s3(server):
    """A boto3 S3 client of the module's moto server."""
    import boto3

    return boto3.client("s3", endpoint_url=server.endpoint_url, region_name="us-east-1")


def s3_with(server, buckets, objects: dict[str, bytes], bucket_of_objects: str):
    """A boto3 S3 client of `server` after creating `buckets` and writing `objects` into `bucket_of_objects`."""
    import boto3

    client = boto3.client("s3", endpoint_url=server.endpoint_url, region_name="us-east-1")
    for bucket in buckets:
        client.create_bucket(Bucket=bucket)
    for key, body in objects.items():
        client.put_object(Bucket=bucket_of_objects, Key=key, Body=body)
    return client


@pytest.fixture
def unique_settings():
    """A factory of Settings whose buckets, Glue database, workgroup, role and run id are unique to one test:
    moto's state is shared by every server in this process."""
    import secrets

    from quilt_e2e.config import load_settings

    def make(prefix: str, **extra):
        suffix = secrets.token_hex(3)
        names = {
            "data_bucket": f"{prefix}-{suffix}-data",
            "scratch_bucket": f"{prefix}-{suffix}-scratch",
            "packages_bucket": f"{prefix}-{suffix}-packages",
            "glue_database": f"{prefix}_{suffix}_db",
            "athena_workgroup": f"{prefix}-{suffix}-wg",
            "iam_role": f"{prefix}-{suffix}-role",
            "run_id": f"e2e-{prefix}-{suffix}",
        }
        return load_settings({**names, **extra}, env={})

    return make
