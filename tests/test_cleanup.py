"""Cleanup removes what a run created and nothing else; it refuses buckets outside its configured set."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
import textwrap

import pytest

from quilt_e2e import cleanup
from quilt_e2e.cleanup import CleanupRefused, clean_scratch, guard_bucket, run_scratch_objects
from quilt_e2e.stack.provision import provision_buckets
from quilt_e2e.stack.registry_layout import named_packages

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def env(server, s3, unique_settings):
    """Fresh provisioned buckets (moto's state is shared by every server in this process), plus an unrelated bucket."""
    settings = unique_settings("cl")
    provision_buckets(s3, settings)
    unrelated = settings.data_bucket.replace("-data", "-unrelated")
    s3.create_bucket(Bucket=unrelated)
    return settings, unrelated


def put(s3, bucket: str, *keys: str) -> None:
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=f"content of {key}".encode())


def keys_in(s3, bucket: str) -> set[str]:
    keys = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys.update(obj["Key"] for obj in page.get("Contents", []))
    return keys


def populate_scratch(s3, settings) -> tuple[set[str], set[str], set[str]]:
    """(this run's objects, Athena results, objects of others) written to the scratch bucket."""
    run = settings.run_id
    mine = {f"{run}/upload.csv", f"{run}/nested/deep/file.json"}
    results = {"athena-results/query-1.csv", "athena-results/query-1.csv.metadata"}
    others = {
        "e2e-other-run-0001/upload.csv",
        f"{run}x/lookalike-prefix.txt",  # shares the run id as a string prefix, not as a folder
        "notes.txt",
        f"keep/{run}/not-at-the-root.txt",
    }
    put(s3, settings.scratch_bucket, *mine, *results, *others)
    return mine, results, others


# ---- scratch ------------------------------------------------------------------------------------


def test_clean_scratch_removes_the_runs_objects_and_results_written_since_it_started(s3, env):
    settings, _ = env
    mine, results, others = populate_scratch(s3, settings)
    assert set(run_scratch_objects(s3, settings)) == mine

    deleted = clean_scratch(s3, settings, run_started=dt.datetime.now(dt.UTC) - HOUR)

    assert deleted == len(mine | results)
    assert keys_in(s3, settings.scratch_bucket) == others
    assert run_scratch_objects(s3, settings) == []


def test_clean_scratch_keeps_results_older_than_the_run(s3, env):
    settings, _ = env
    mine, results, others = populate_scratch(s3, settings)

    deleted = clean_scratch(s3, settings, run_started=dt.datetime.now(dt.UTC) + HOUR)

    assert deleted == len(mine)
    assert keys_in(s3, settings.scratch_bucket) == results | others


def test_clean_scratch_of_an_empty_run_deletes_nothing(s3, env):
    settings, _ = env
    put(s3, settings.scratch_bucket, "e2e-other-run-0001/a.txt")

    assert clean_scratch(s3, settings, run_started=dt.datetime.now(dt.UTC) + HOUR) == 0
    assert keys_in(s3, settings.scratch_bucket) == {"e2e-other-run-0001/a.txt"}


def test_delete_keys_batches_of_at_most_1000():
    class RecordingS3:
        def __init__(self):
            self.batches = []

        def delete_objects(self, Bucket, Delete):
            assert Delete["Quiet"] is True
            self.batches.append((Bucket, [o["Key"] for o in Delete["Objects"]]))

    keys = [f"run/key-{i:05d}" for i in range(2345)]
    fake = RecordingS3()

    assert cleanup._delete_keys(fake, "b", keys) == len(keys)
    assert [len(batch) for _, batch in fake.batches] == [1000, 1000, 345]
    assert [k for _, batch in fake.batches for k in batch] == keys
    assert cleanup._delete_keys(fake, "b", []) == 0 and len(fake.batches) == 3


# ---- refusals -----------------------------------------------------------------------------------


def test_guard_accepts_only_scratch_and_packages(env):
    settings, unrelated = env
    guard_bucket(settings, settings.scratch_bucket)
    guard_bucket(settings, settings.packages_bucket)
    for bucket in (settings.data_bucket, unrelated):
        with pytest.raises(CleanupRefused) as exc:
            guard_bucket(settings, bucket)
        assert f"'{bucket}'" in str(exc.value)


def test_clean_scratch_refuses_other_buckets_and_deletes_nothing_there(s3, env):
    settings, unrelated = env
    run = settings.run_id
    protected = {f"{run}/looks-like-the-run.csv", "athena-results/q.csv", "reference/data.csv"}
    for bucket in (settings.data_bucket, unrelated, settings.packages_bucket):
        put(s3, bucket, *protected)

    for bucket in (settings.data_bucket, unrelated, settings.packages_bucket):
        with pytest.raises(CleanupRefused) as exc:
            clean_scratch(s3, settings, run_started=dt.datetime.now(dt.UTC) - HOUR, bucket=bucket)
        assert f"'{bucket}'" in str(exc.value)
        assert keys_in(s3, bucket) == protected, bucket


# ---- packages (quilt3 runs in a sandboxed subprocess) ---------------------------------------------


def manifest(name: str, entries: dict[str, str], bucket: str) -> bytes:
    """A quilt manifest (JSON lines: package metadata, then one row per entry)."""
    lines = [{"version": "v0", "message": f"made for {name}", "user_meta": {}}]
    for logical_key, content in entries.items():
        data = content.encode()
        lines.append(
            {
                "logical_key": logical_key,
                "physical_keys": [f"s3://{bucket}/{name}/{logical_key}"],
                "size": len(data),
                "hash": {"type": "SHA256", "value": hashlib.sha256(data).hexdigest()},
                "meta": {},
            }
        )
    return "\n".join(json.dumps(line) for line in lines).encode() + b"\n"


def write_package(s3, bucket: str, name: str, revisions: int = 1, copy: bool = True) -> list[str]:
    """Write a package's registry objects directly (manifest, timestamped pointer(s), latest)."""
    hashes = []
    for revision in range(revisions):
        entries = {"data.txt": f"{name} revision {revision}"}
        body = manifest(name, entries, bucket)
        top_hash = hashlib.sha256(body).hexdigest()
        s3.put_object(Bucket=bucket, Key=f".quilt/packages/{top_hash}", Body=body)
        s3.put_object(
            Bucket=bucket, Key=f".quilt/named_packages/{name}/{1700000000 + revision}", Body=top_hash.encode()
        )
        s3.put_object(Bucket=bucket, Key=f".quilt/named_packages/{name}/latest", Body=top_hash.encode())
        if copy:
            for logical_key, content in entries.items():
                s3.put_object(Bucket=bucket, Key=f"{name}/{logical_key}", Body=content.encode())
        hashes.append(top_hash)
    return hashes


CHILD = textwrap.dedent(
    """
    import json, sys

    from quilt_e2e.stack.sandbox import Sandbox

    endpoint, settings_json, unrelated = sys.argv[1], sys.argv[2], sys.argv[3]
    sandbox = Sandbox().enter({
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    })
    try:
        import boto3
        import quilt3.util

        from quilt_e2e.cleanup import CleanupRefused, delete_run_packages
        from quilt_e2e.config import load_settings

        settings = load_settings(json.loads(settings_json), env={})
        s3 = boto3.client("s3", endpoint_url=endpoint)
        refused = []
        for bucket in (settings.data_bucket, unrelated):
            try:
                delete_run_packages(s3, settings, bucket=bucket)
            except CleanupRefused as exc:
                refused.append(str(exc))
        deleted = delete_run_packages(s3, settings)
        print(json.dumps({
            "deleted": deleted,
            "refused": refused,
            "quilt3_home_sandboxed": str(quilt3.util.BASE_PATH).startswith(str(sandbox.root)),
        }))
    finally:
        sandbox.exit()
    """
)


def test_delete_run_packages_removes_only_the_run_namespace(server, s3, env):
    settings, unrelated = env
    bucket, run = settings.packages_bucket, settings.run_id
    run_packages = [f"{run}/pkg-a", f"{run}/pkg-b"]
    kept_packages = ["test-user/simple-csv", "e2e-other-run-0001/pkg-a", f"{run}x/lookalike"]
    for name in run_packages:
        write_package(s3, bucket, name, revisions=2)
    kept_hashes = {name: write_package(s3, bucket, name) for name in kept_packages}
    for bucket_name in (settings.data_bucket, settings.scratch_bucket):
        put(s3, bucket_name, f".quilt/named_packages/{run}/pkg-a/latest", f"{run}/pkg-a/data.txt")
    put(s3, unrelated, f".quilt/named_packages/{run}/pkg-a/latest", f"{run}/pkg-a/data.txt")
    put(s3, settings.data_bucket, "reference/x.csv")
    assert named_packages(s3, bucket, namespace=run) == set(run_packages)
    before = {b: keys_in(s3, b) for b in (settings.data_bucket, settings.scratch_bucket, unrelated)}

    proc = subprocess.run(
        [sys.executable, "-c", CHILD, server.endpoint_url, json.dumps({
            "data_bucket": settings.data_bucket,
            "scratch_bucket": settings.scratch_bucket,
            "packages_bucket": settings.packages_bucket,
            "run_id": run,
        }), unrelated],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])

    assert sorted(result["deleted"]) == sorted(run_packages)
    assert result["quilt3_home_sandboxed"] is True
    assert len(result["refused"]) == 2
    assert f"'{settings.data_bucket}'" in result["refused"][0]
    assert f"'{unrelated}'" in result["refused"][1]

    remaining = keys_in(s3, bucket)
    assert named_packages(s3, bucket, namespace=run) == set()
    assert not any(key.startswith(f".quilt/named_packages/{run}/") for key in remaining)
    assert not any(key.startswith(f"{run}/") for key in remaining)  # copied objects of the run's packages
    assert named_packages(s3, bucket) == set(kept_packages)
    for name, hashes in kept_hashes.items():
        latest = s3.get_object(Bucket=bucket, Key=f".quilt/named_packages/{name}/latest")["Body"].read().decode()
        assert latest == hashes[-1]
        assert f".quilt/packages/{latest}" in remaining
        assert f"{name}/data.txt" in remaining
    # the other buckets are untouched, even where they hold keys that look like the run's
    assert {b: keys_in(s3, b) for b in before} == before
