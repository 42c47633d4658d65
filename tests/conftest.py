"""Shared fixtures: a moto server on loopback with fake credentials."""

from __future__ import annotations

import os

import pytest

from quilt_e2e.stack.aws_server import LocalAwsServer

FAKE_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
CLEARED = ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION")


@pytest.fixture(scope="module")
def server():
    """A plain moto server (no Athena front), with the environment restored afterwards.

    moto's state is shared by every server in one process: tests use their own resource names.
    """
    saved = {key: os.environ.get(key) for key in (*FAKE_ENV, *CLEARED)}
    os.environ.update(FAKE_ENV)
    for key in CLEARED:
        os.environ.pop(key, None)
    aws = LocalAwsServer().start()
    try:
        yield aws
    finally:
        aws.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
