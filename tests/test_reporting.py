"""Allure results: secrets are masked everywhere, failures land in the right category, labels are set."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from quilt_e2e.reporting.allure import CATEGORIES, InfrastructureProblem, SuiteCodeError, SutError, classify
from quilt_e2e.reporting.masking import MASK, mask, mask_text

PROJECT = Path(__file__).resolve().parents[1]
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0LWFkbWluIn0.c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtbGVhaw"
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"


# -- masking ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, secret",
    [
        (f"Authorization: Bearer {JWT}", JWT),
        (f"token {JWT} rejected", JWT),
        (f"key {KEY_ID} denied", KEY_ID),
        (f"aws_secret_access_key={SECRET}", SECRET),
        (f"password: hunter2-{SECRET}", SECRET),
        (f"https://bucket.s3/x?X-Amz-Signature={SECRET}&X-Amz-Expires=3600", SECRET),
    ],
)
def test_mask_text_hides_secrets(text, secret):
    masked = mask_text(text)
    assert secret not in masked
    assert MASK in masked


def test_mask_hides_secret_values_by_key_and_keeps_the_rest():
    payload = {"headers": {"Authorization": "Basic abc"}, "refresh_token": "r-1", "bucket": "quilt-mcp-test-data"}
    masked = mask(payload)
    assert masked["headers"]["Authorization"] == MASK
    assert masked["refresh_token"] == MASK
    assert masked["bucket"] == "quilt-mcp-test-data"


# -- classification ----------------------------------------------------------------------------------
def test_classify_separates_sut_infrastructure_and_test_defects():
    from botocore.exceptions import EndpointConnectionError
    from quilt_mcp.ops.exceptions import BackendError

    assert classify(AssertionError("expected X")) is None
    assert classify(BackendError("Package update failed")) is SutError
    assert classify(EndpointConnectionError(endpoint_url="http://127.0.0.1:1")) is InfrastructureProblem
    try:
        {}["missing"]
    except KeyError as exc:
        assert classify(exc) is SuiteCodeError


def test_a_client_library_error_belongs_to_whoever_called_the_library(server, monkeypatch):
    """botocore raises for the SUT and for the suite's own verification alike: the caller decides."""
    import boto3
    import quilt3
    from botocore.exceptions import ClientError

    s3 = boto3.client("s3", endpoint_url=server.endpoint_url, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    with pytest.raises(ClientError) as by_suite:
        s3.get_object(Bucket="no-such-bucket-for-classify", Key="k")
    assert classify(by_suite.value) is SuiteCodeError
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.endpoint_url)
    with pytest.raises(Exception) as by_sut:  # whatever quilt3 lets through is the SUT's
        quilt3.Package.browse("nobody/nothing", registry="s3://no-such-bucket-for-classify")
    assert classify(by_sut.value) is SutError, f"{type(by_sut.value).__module__}.{type(by_sut.value).__name__}"


def category_of(result: dict) -> str | None:
    """Allure's rule: the first category whose statuses and message regex (full match) fit."""
    message = (result.get("statusDetails") or {}).get("message") or ""
    for category in CATEGORIES:
        if result["status"] not in category.get("matchedStatuses", []):
            continue
        if "messageRegex" in category and not re.fullmatch(category["messageRegex"], message):
            continue
        return category["name"]
    return None


# -- a real run through the production hooks ------------------------------------------------------------
FEATURE = """
Feature: Reporting probe
  @local
  Scenario: A passing call whose answer carries credentials
    When the probe asks for the auth status
    Then it passes

  @local
  Scenario: A SUT failure whose message carries credentials
    When the probe calls the SUT with a token

  @local
  Scenario: A broken step in the suite's own code
    When the probe's own code breaks
"""

STEPS = f'''
from behave import then, when

JWT, KEY_ID, SECRET = {JWT!r}, {KEY_ID!r}, {SECRET!r}


class FakeOps:
    def get_auth_status(self):
        return {{"headers": {{"Authorization": "Bearer " + JWT}}, "token": JWT, "catalog": "local"}}

    def execute_graphql_query(self, query, token=None):
        from quilt_mcp.ops.exceptions import BackendError  # after the sandbox: quilt3 reads HOME on import

        raise BackendError(f"401 for token {{token}} with {{KEY_ID}} aws_secret_access_key={{SECRET}}")


@when("the probe asks for the auth status")
def step_status(context):
    context.world.drive(FakeOps()).get_auth_status()


@then("it passes")
def step_passes(context):
    pass


@when("the probe calls the SUT with a token")
def step_token(context):
    context.world.drive(FakeOps()).execute_graphql_query("query {{ me {{ name }} }}", token=JWT)


@when("the probe's own code breaks")
def step_breaks(context):
    {{}}["no such key"]
'''


@pytest.fixture(scope="module")
def probe_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("probe")
    (root / "features").mkdir()
    (root / "steps").mkdir()
    (root / "features" / "probe.feature").write_text(textwrap.dedent(FEATURE))
    (root / "steps" / "probe_steps.py").write_text(STEPS)
    (root / "environment.py").write_text("from quilt_e2e.hooks import *  # noqa\n")
    reports = root / "reports"
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "QUILT_E2E_REPORTS_DIR": str(reports)}
    proc = subprocess.run(
        [sys.executable, "-m", "behave", "--no-capture", "features"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    results = [json.loads(p.read_text()) for p in (reports / "allure-results" / "local").glob("*-result.json")]
    return proc, reports, {r["name"]: r for r in results}


def test_no_secret_reaches_results_reports_or_console(probe_run):
    proc, reports, results = probe_run
    assert len(results) == 3, proc.stdout + proc.stderr
    written = [p for p in reports.rglob("*") if p.is_file()]
    assert any("attachment" in p.name for p in written)
    for text, where in [(p.read_text(errors="replace"), str(p)) for p in written] + [
        (proc.stdout, "stdout"),
        (proc.stderr, "stderr"),
    ]:
        for secret in (JWT, KEY_ID, SECRET):
            assert secret not in text, f"secret leaked into {where}"


def test_failures_land_in_their_categories(probe_run):
    proc, reports, results = probe_run
    assert proc.returncode != 0  # two scenarios fail
    assert results["A passing call whose answer carries credentials"]["status"] == "passed"
    assert category_of(results["A SUT failure whose message carries credentials"]) == (
        "SUT failures (product defects / regressions)"
    )
    assert category_of(results["A broken step in the suite's own code"]) == "Test defects"
    categories = json.loads((reports / "allure-results" / "local" / "categories.json").read_text())
    assert [c["name"] for c in categories] == [c["name"] for c in CATEGORIES]


def test_results_carry_labels_parameters_and_environment(probe_run):
    _, reports, results = probe_run
    result = results["A passing call whose answer carries credentials"]
    labels = {label["name"]: label["value"] for label in result["labels"]}
    assert labels["epic"] == "Probe" and labels["story"] == result["name"] and labels["severity"] == "normal"
    assert {p["name"]: p["value"] for p in result["parameters"]} == {"backend": "local", "stack": "embedded"}
    assert any(a["name"].endswith("get_auth_status.json") for a in result.get("attachments", []))
    properties = (reports / "allure-results" / "local" / "environment.properties").read_text()
    from importlib.metadata import version

    assert f"SUT.quilt-mcp={version('quilt-mcp')}" in properties
    assert "stack=embedded" in properties and "datagen.profile=small" in properties
