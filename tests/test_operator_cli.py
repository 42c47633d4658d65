"""The operator commands (`quilt-e2e check-auth | baselines | cleanup | cost-report`) against a moto server.

Each command runs as a real `quilt-e2e` process with AWS_ENDPOINT_URL pointing at the loopback moto server of
this module (quilt3 is imported by the commands inside their own sandbox, never in the test process). Old
objects are made by back-dating moto's stored objects: S3 offers no way to write an object in the past.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal

import boto3
import pytest
import requests
from test_cleanup import keys_in, put, write_package

from quilt_e2e.stack.provision import provision_all, provision_buckets

OLD_RUN = "e2e-20261101-010203-0a0a"
NEW_RUN = "e2e-20261203-120000-0b0b"
MIXED_RUN = "e2e-20261120-080000-0c0c"  # an old object and a new one: still in use, kept
ORPHAN_RUN = "e2e-20261102-000000-0d0d"  # objects a push copied into the registry, but no pointer
ACCOUNT = "123456789012"


def run_cli(server, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    child_env = {key: value for key, value in os.environ.items()
                 if not key.startswith(("AWS_", "QUILT_E2E_", "QUILT_TEST_"))}
    child_env.update({
        "AWS_ENDPOINT_URL": server.endpoint_url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1", "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
        **(env or {}),
    })
    return subprocess.run([sys.executable, "-m", "quilt_e2e.cli", *args], capture_output=True, text=True,
                          timeout=240, env=child_env)


def settings_args(settings) -> list[str]:
    args = []
    for key in ("data_bucket", "scratch_bucket", "packages_bucket", "glue_database", "athena_workgroup", "iam_role"):
        args += ["-D", f"{key}={getattr(settings, key)}"]
    return args


def backdate(bucket: str, prefix: str, days: float) -> int:
    """Make moto's stored objects under `prefix` look `days` older (every version)."""
    from moto.s3.models import s3_backends

    store = s3_backends[ACCOUNT]["aws"].buckets[bucket].keys
    aged = 0
    for name, versions in store.iterlists():
        if name.startswith(prefix):
            for version in versions:
                version.last_modified -= dt.timedelta(days=days)
                aged += 1
    assert aged, f"nothing under s3://{bucket}/{prefix}"
    return aged


# ---- cleanup --------------------------------------------------------------------------------------------


@pytest.fixture
def account(server, s3, unique_settings):
    """Buckets holding an old, a new and a half-old run, baselines, other packages and reference data."""
    settings = unique_settings("op")
    provision_buckets(s3, settings)
    scratch, packages, data = settings.scratch_bucket, settings.packages_bucket, settings.data_bucket
    put(s3, scratch, f"{OLD_RUN}/a.csv", f"{OLD_RUN}/deep/b.json", f"{NEW_RUN}/a.csv",
        f"{MIXED_RUN}/old.csv", "notes/old.txt", "athena-results/old.csv", "athena-results/new.csv")
    for name in (f"{OLD_RUN}/pkg-a", f"{OLD_RUN}/pkg-b", "test-user/simple-csv", "team/shared"):
        write_package(s3, packages, name, revisions=2)
    write_package(s3, packages, f"{NEW_RUN}/pkg-a")
    put(s3, data, "simple-csv/file1.csv", f"{OLD_RUN}/looks-like-a-run.csv")
    put(s3, packages, f"{ORPHAN_RUN}/data.txt")
    for bucket, prefix in ((scratch, f"{OLD_RUN}/"), (scratch, f"{MIXED_RUN}/"), (scratch, "notes/"),
                           (scratch, "athena-results/old"), (packages, ""), (data, "")):
        backdate(bucket, prefix, days=3)
    put(s3, scratch, f"{MIXED_RUN}/new.csv")
    write_package(s3, packages, f"{NEW_RUN}/pkg-b")  # written after the back-dating: new
    return settings


def expected_after_cleanup(s3, settings) -> dict[str, set[str]]:
    before = {b: keys_in(s3, b) for b in (settings.scratch_bucket, settings.packages_bucket, settings.data_bucket)}
    old_package_keys = {key for key in before[settings.packages_bucket]
                        if key.startswith((f".quilt/named_packages/{OLD_RUN}/", f"{OLD_RUN}/"))}
    assert len(old_package_keys) == 2 * (2 + 1 + 1)  # per package: 2 timestamp pointers, latest, its copied object
    return {
        settings.scratch_bucket: before[settings.scratch_bucket]
        - {f"{OLD_RUN}/a.csv", f"{OLD_RUN}/deep/b.json", "athena-results/old.csv"},
        settings.packages_bucket: before[settings.packages_bucket] - old_package_keys - {f"{ORPHAN_RUN}/data.txt"},
        settings.data_bucket: before[settings.data_bucket],
    }


def test_cleanup_dry_run_lists_only_old_runs_and_removes_nothing(server, s3, account):
    settings = account
    before = {b: keys_in(s3, b) for b in (settings.scratch_bucket, settings.packages_bucket, settings.data_bucket)}

    proc = run_cli(server, "cleanup", "--dry-run", "--older-than", "24h", *settings_args(settings))

    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert f"would remove s3://{settings.scratch_bucket}/{OLD_RUN}/ (2 object(s))" in out
    assert f"would remove 2 package(s) of run {OLD_RUN} from s3://{settings.packages_bucket}: " \
           f"{OLD_RUN}/pkg-a, {OLD_RUN}/pkg-b" in out
    assert "would remove 1 Athena result object(s)" in out
    assert f"would remove 0 package(s) of run {ORPHAN_RUN} from s3://{settings.packages_bucket}: " \
           "only objects of an unfinished push" in out
    for kept in (NEW_RUN, MIXED_RUN):
        assert f"would remove s3://{settings.scratch_bucket}/{kept}/" not in out
        assert f"keep  s3://{settings.scratch_bucket}/{kept}/" in out
    assert "test-user" not in out and "team/shared" not in out and settings.data_bucket not in out
    assert "dry run: nothing removed" in out
    assert {b: keys_in(s3, b) for b in before} == before


def test_cleanup_removes_only_old_run_namespaces(server, s3, account):
    settings = account
    expected = expected_after_cleanup(s3, settings)

    proc = run_cli(server, "cleanup", "--older-than", "2d", *settings_args(settings))

    assert proc.returncode == 0, proc.stderr
    assert "3 scratch object(s) and 2 package(s) removed" in proc.stdout
    assert {b: keys_in(s3, b) for b in expected} == expected
    from quilt_e2e.stack.registry_layout import named_packages

    assert named_packages(s3, settings.packages_bucket) == {
        "test-user/simple-csv", "team/shared", f"{NEW_RUN}/pkg-a", f"{NEW_RUN}/pkg-b"}


def test_cleanup_with_an_age_above_every_object_removes_nothing(server, s3, account):
    settings = account
    before = {b: keys_in(s3, b) for b in (settings.scratch_bucket, settings.packages_bucket)}
    proc = run_cli(server, "cleanup", "--older-than", "4d", *settings_args(settings))
    assert proc.returncode == 0, proc.stderr
    assert "0 scratch object(s) and 0 package(s) removed" in proc.stdout
    assert {b: keys_in(s3, b) for b in before} == before


def test_cleanup_of_one_bucket_leaves_the_other(server, s3, account):
    settings = account
    packages_before = keys_in(s3, settings.packages_bucket)
    proc = run_cli(server, "cleanup", "--bucket", settings.scratch_bucket, *settings_args(settings))
    assert proc.returncode == 0, proc.stderr
    assert f"{OLD_RUN}/a.csv" not in keys_in(s3, settings.scratch_bucket)
    assert keys_in(s3, settings.packages_bucket) == packages_before


@pytest.mark.parametrize("bucket_of", ["data_bucket", "other"])
def test_cleanup_refuses_every_other_bucket(server, s3, account, bucket_of):
    settings = account
    bucket = getattr(settings, bucket_of) if bucket_of != "other" else "some-unrelated-bucket"
    before = {b: keys_in(s3, b) for b in (settings.scratch_bucket, settings.packages_bucket, settings.data_bucket)}

    proc = run_cli(server, "cleanup", "--bucket", bucket, *settings_args(settings))

    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"quilt-e2e cleanup: error: refusing to clean bucket '{bucket}': cleanup only touches the configured "
        f"scratch and registry buckets ({settings.packages_bucket}, {settings.scratch_bucket})"]
    assert {b: keys_in(s3, b) for b in before} == before


@pytest.mark.parametrize("args, message", [
    (["cleanup", "--older-than", "soon"], "age 'soon' must be a positive number with m, h or d"),
    (["cleanup", "--older-than", "0d"], "age '0d' must be a positive number"),
    (["check-auth", "-D", "stack=embedded"], "check-auth works on an AWS account"),
    (["baselines", "-D", "nonsense=1"], "unknown setting(s) nonsense"),
])
def test_usage_errors_are_one_line_and_exit_2(server, args, message):
    proc = run_cli(server, *args)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and message in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


# ---- check-auth ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def provisioned(server, s3):
    import secrets

    from quilt_e2e.config import load_settings

    suffix = secrets.token_hex(3)
    settings = load_settings({
        "data_bucket": f"au-{suffix}-data", "scratch_bucket": f"au-{suffix}-scratch",
        "packages_bucket": f"au-{suffix}-packages", "glue_database": f"au_{suffix}_db",
        "athena_workgroup": f"au-{suffix}-wg", "iam_role": f"au-{suffix}-role", "run_id": f"e2e-au-{suffix}",
    }, env={})
    provision_all(boto3.Session(region_name="us-east-1"), settings, endpoint_url=server.endpoint_url)
    return settings


def test_check_auth_local_passes_on_a_provisioned_account(server, s3, provisioned):
    proc = run_cli(server, "check-auth", "--mode", "local", *settings_args(provisioned))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("ok    AWS credentials: arn:aws:") and f"(account {ACCOUNT})" in lines[0]
    assert f"ok    scratch bucket {provisioned.scratch_bucket}: reachable, listable and writable" in lines
    assert (f"ok    Glue table {provisioned.glue_database}.test_table_1: "
            f"at s3://{provisioned.data_bucket}/athena/test_table_1/") in lines
    assert (f"ok    Athena workgroup {provisioned.athena_workgroup}: "
            f"results in s3://{provisioned.scratch_bucket}/athena-results/") in lines
    assert lines[-1] == "quilt-e2e check-auth: 6 of 6 check(s) passed (local mode)"
    assert not [k for k in keys_in(s3, provisioned.scratch_bucket) if "check-auth-probe" in k]


def test_check_auth_names_each_failure_with_its_fix(server, provisioned):
    args = settings_args(provisioned)
    args[args.index(f"data_bucket={provisioned.data_bucket}")] = "data_bucket=no-such-bucket-anywhere"
    args[args.index(f"athena_workgroup={provisioned.athena_workgroup}")] = "athena_workgroup=no-such-wg"
    proc = run_cli(server, "check-auth", "--mode", "local", *args)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert "FAIL  data bucket no-such-bucket-anywhere: not readable (404)" in lines, proc.stdout + proc.stderr
    failing = lines.index("FAIL  data bucket no-such-bucket-anywhere: not readable (404)")
    assert lines[failing + 1].startswith("      fix: create it (infra/cloudformation/quilt-mcp-e2e.yaml")
    failing = next(i for i, line in enumerate(lines) if line.startswith("FAIL  Athena workgroup no-such-wg"))
    assert lines[failing + 1].startswith("      fix: create it with the CloudFormation template")
    assert lines[-1] == "quilt-e2e check-auth: 4 of 6 check(s) passed (local mode)"


def test_check_auth_without_credentials_says_how_to_get_them(server, provisioned):
    proc = run_cli(server, "check-auth", *settings_args(provisioned),
                   env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
                        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent",
                        "AWS_EC2_METADATA_DISABLED": "true"})
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[:2] == [
        "FAIL  AWS credentials: sts get-caller-identity failed (NoCredentialsError)",
        "      fix: set -D aws_profile=NAME or AWS_PROFILE (guide: quilt-mcp-tests), or run `aws sso login`"]


def test_check_auth_multiuser_checks_the_catalog_and_each_users_token(server, provisioned):
    from quilt_e2e.catalog import CatalogStandIn

    catalog = CatalogStandIn(server.endpoint_url, provisioned.packages_bucket,
                             [provisioned.data_bucket, provisioned.scratch_bucket]).start()
    url = catalog.url
    try:
        tokens = {
            "QUILT_E2E_REFRESH_TOKEN_TEST_ADMIN": catalog.issue_refresh_token("test-admin"),
            "QUILT_E2E_REFRESH_TOKEN_TEST_USER": catalog.issue_refresh_token("test-user"),
            "QUILT_E2E_REFRESH_TOKEN_TEST_READONLY": "not-a-token-the-catalog-issued",
        }  # none for test-service
        proc = run_cli(server, "check-auth", "--mode", "multiuser", "-D", f"catalog_url={catalog.url}",
                       *settings_args(provisioned), env=tokens)
    finally:
        catalog.stop()
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert f"ok    catalog {url}: config.json served, registry {url}" in lines
    for user in ("test-admin", "test-user"):
        line = next(line for line in lines if line.startswith(f"ok    catalog token of {user}: accepted"))
        assert "more day(s)" in line
    rejected = lines.index("FAIL  catalog token of test-readonly: refresh token rejected (401)")
    assert "QUILT_E2E_REFRESH_TOKEN_TEST_READONLY" in lines[rejected + 1]
    missing = lines.index("FAIL  catalog token of test-service: QUILT_E2E_REFRESH_TOKEN_TEST_SERVICE is not set")
    assert lines[missing + 1].startswith("      fix: sign in to")
    assert lines[-1] == "quilt-e2e check-auth: 7 of 9 check(s) passed (multiuser mode)"
    assert tokens["QUILT_E2E_REFRESH_TOKEN_TEST_USER"] not in proc.stdout + proc.stderr


def test_check_auth_multiuser_without_a_catalog(server, provisioned):
    proc = run_cli(server, "check-auth", "--mode", "multiuser", *settings_args(provisioned))
    assert proc.returncode == 1
    assert "FAIL  catalog: no catalog configured" in proc.stdout.splitlines()


# ---- cost-report --------------------------------------------------------------------------------------------

S3_NAME, GLUE_NAME = "Amazon Simple Storage Service", "AWS Glue"


def cost_day(day: dt.date, amounts: dict[str, str]) -> dict:
    return {
        "TimePeriod": {"Start": day.isoformat(), "End": (day + dt.timedelta(days=1)).isoformat()},
        "Total": {},
        "Groups": [{"Keys": [service], "Metrics": {"BlendedCost": {"Amount": amount, "Unit": "USD"}}}
                   for service, amount in amounts.items()],
        "Estimated": False,
    }


def inject_cost(server, *days: dict) -> None:
    response = requests.post(f"{server.endpoint_url}/moto-api/static/ce/cost-and-usage-results",
                             json={"results": [{"ResultsByTime": list(days), "DimensionValueAttributes": []}]},
                             timeout=10)
    assert response.status_code == 201


def test_cost_report_prints_each_day_and_service_from_cost_explorer(server):
    today = dt.datetime.now(dt.UTC).date()
    days = [today - dt.timedelta(days=n) for n in (3, 2, 1)]
    amounts = [{S3_NAME: "0.4123", GLUE_NAME: "0.1000"}, {S3_NAME: "1.2000"}, {S3_NAME: "0.0050", GLUE_NAME: "2.50"}]
    inject_cost(server, *(cost_day(day, amount) for day, amount in zip(days, amounts, strict=True)))

    proc = run_cli(server, "cost-report", "--days", "3")

    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == (f"BlendedCost of resources tagged Purpose=QuiltMCP-E2E-Testing, "
                        f"{days[0]} to {days[-1]} (3 day(s))")
    assert lines[1] == f"{days[0]}      $0.51  {S3_NAME} $0.41, {GLUE_NAME} $0.10"
    assert lines[2] == f"{days[1]}      $1.20  {S3_NAME} $1.20"
    assert lines[3] == f"{days[2]}      $2.51  {GLUE_NAME} $2.50, {S3_NAME} $0.01"
    total = sum(Decimal(v) for amount in amounts for v in amount.values())
    s3_total = sum(Decimal(a.get(S3_NAME, "0")) for a in amounts)
    s3_money = "$" + str(s3_total.quantize(Decimal("0.01"), ROUND_HALF_UP))
    assert f"  {S3_NAME:<40} {s3_money:>9}" in lines
    mean = (total / 3).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert f"total ${total.quantize(Decimal('0.01'), ROUND_HALF_UP)} over 3 day(s), mean ${mean}/day" in proc.stdout
    assert lines[-1] == "days over the $10.00/day alarm threshold: none"


def test_cost_report_fails_a_day_over_the_limit(server):
    today = dt.datetime.now(dt.UTC).date()
    days = [today - dt.timedelta(days=n) for n in (2, 1)]
    inject_cost(server, cost_day(days[0], {S3_NAME: "1.00"}), cost_day(days[1], {"Amazon Athena": "12.34"}))

    proc = run_cli(server, "cost-report", "--days", "2", "--daily-limit", "10")

    assert proc.returncode == 1
    assert f"{days[1]}     $12.34 OVER LIMIT  Amazon Athena $12.34" in proc.stdout.splitlines()
    assert proc.stdout.splitlines()[-1] == f"days over the $10.00/day alarm threshold: {days[1]}"


def test_cost_report_with_no_data_says_why(server):
    proc = run_cli(server, "cost-report", "--days", "9", "--all-resources")  # nothing injected for this query
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith("BlendedCost of the whole account")
    assert "no cost data for the period" in proc.stdout


# ---- baselines ----------------------------------------------------------------------------------------------


def test_baselines_writes_then_verifies_and_names_what_is_wrong(server, s3, unique_settings):
    from quilt_e2e.domain.registry import latest_top_hash
    from quilt_e2e.stack.baseline import BASELINES
    from quilt_e2e.stack.registry_layout import named_packages

    settings = unique_settings("bl")
    provision_buckets(s3, settings)
    args = settings_args(settings)

    missing = run_cli(server, "baselines", "--verify", *args)
    assert missing.returncode == 1
    not_there = f"FAIL  test-user/simple-csv: not in s3://{settings.packages_bucket} (NoSuchKey)"
    assert not_there in missing.stdout.splitlines()

    written = run_cli(server, "baselines", *args)
    assert written.returncode == 0, written.stderr
    expected = {f"test-user/{b.name}" for b in BASELINES}
    assert named_packages(s3, settings.packages_bucket, namespace="test-user") == expected
    assert written.stdout.splitlines()[-1] == f"quilt-e2e baselines: {len(expected)} written, 0 already there"
    assert "simple-csv/file1.csv" in keys_in(s3, settings.data_bucket)

    again = run_cli(server, "baselines", *args)  # idempotent: nothing rewritten
    assert again.returncode == 0 and again.stdout.splitlines()[-1].endswith(f"0 written, {len(expected)} already there")

    verified = run_cli(server, "baselines", "--verify", *args)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert sum(line.startswith("ok    test-user/") for line in verified.stdout.splitlines()) == len(expected)

    # break two baselines: one points at another package's manifest, one loses a reference object
    other = latest_top_hash(s3, settings.packages_bucket, "test-user/simple-csv")
    s3.put_object(Bucket=settings.packages_bucket, Key=".quilt/named_packages/test-user/single-file/latest",
                  Body=other.encode())
    s3.delete_object(Bucket=settings.data_bucket, Key="nested-structure/metadata/schema.json")
    broken = run_cli(server, "baselines", "--verify", *args)
    assert broken.returncode == 1
    lines = broken.stdout.splitlines()
    assert "FAIL  test-user/single-file: 1 entr(ies) missing, e.g. data.csv" in lines
    assert (f"FAIL  test-user/nested-structure: reference object s3://{settings.data_bucket}/"
            "nested-structure/metadata/schema.json is missing") in lines
    assert lines[-1].startswith(f"quilt-e2e baselines: {len(expected) - 2} of {len(expected)} baseline(s) as expected")
