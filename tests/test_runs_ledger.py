"""The run ledger: a run killed with SIGKILL leaves a marker; the next run removes exactly its leftovers.

Real processes: each "run" is a child process that joins the ledger on a moto server (as a run does once its
stack is up), writes scratch objects and pushes a package with quilt3, then waits. One is killed with SIGKILL,
another stays alive; the reaper (a sandboxed child, as quilt3 must be) then cleans up after the dead one only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap

import pytest

from quilt_e2e.cleanup import CleanupRefused
from quilt_e2e.runs_ledger import RunMarker, RunsLedger, leftovers, marker_key, process_start_ticks
from quilt_e2e.stack.provision import provision_buckets
from quilt_e2e.stack.registry_layout import named_packages

SANDBOX = textwrap.dedent(
    """
    import json, sys
    from quilt_e2e.stack.sandbox import Sandbox

    endpoint, settings_json = sys.argv[1], sys.argv[2]
    sandbox = Sandbox().enter({"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
                               "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                               "AWS_REGION": "us-east-1"})
    import boto3
    from quilt_e2e.config import load_settings
    from quilt_e2e.runs_ledger import RunsLedger
    settings = load_settings(json.loads(settings_json), env={})
    s3 = boto3.client("s3", endpoint_url=endpoint)
    """
)

# A run in progress: joins the ledger, leaves objects and a quilt3-pushed package, then works "forever".
RUN = SANDBOX + textwrap.dedent(
    """
    import time, quilt3
    ledger = RunsLedger(s3, settings)
    ledger.register()
    ledger.start_heartbeat(every=0.2)
    run = settings.run_id
    for key in (f"{run}/upload.csv", f"{run}/nested/deep/result.json"):
        s3.put_object(Bucket=settings.scratch_bucket, Key=key, Body=b"written by the run")
    local = sandbox.root / "data.csv"
    local.write_text("a,b\\n1,2\\n")
    quilt3.Package().set("data.csv", str(local)).push(f"{run}/made-by-run", registry=settings.registry,
                                                       force=True)
    print("READY", flush=True)
    while True:
        time.sleep(1)
    """
)

REAP = SANDBOX + textwrap.dedent(
    """
    print(json.dumps(RunsLedger(s3, settings).reap_dead(stale_after=float(sys.argv[3]))))
    sandbox.exit()
    """
)


def put(s3, bucket: str, *keys: str) -> None:
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=f"content of {key}".encode())


def keys_in(s3, bucket: str) -> set[str]:
    return {
        obj["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for obj in page.get("Contents", [])
    }


def write_package(s3, bucket: str, name: str) -> None:
    """A package's registry objects (manifest and pointers), as a baseline is written."""
    manifest = json.dumps({"version": "v0", "message": name, "user_meta": {}}).encode() + b"\n"
    s3.put_object(Bucket=bucket, Key=".quilt/packages/0123abcd", Body=manifest)
    for pointer in ("1700000000", "latest"):
        s3.put_object(Bucket=bucket, Key=f".quilt/named_packages/{name}/{pointer}", Body=b"0123abcd")


@pytest.fixture
def settings(s3, unique_settings):
    settings = unique_settings("rl")
    provision_buckets(s3, settings)
    return settings


def as_run(settings, run_id: str):
    return dataclasses.replace(settings, run_id=run_id)


def child_settings(settings) -> str:
    return json.dumps(
        {
            "data_bucket": settings.data_bucket,
            "scratch_bucket": settings.scratch_bucket,
            "packages_bucket": settings.packages_bucket,
            "run_id": settings.run_id,
        }
    )


def start_run(server, settings) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", RUN, server.endpoint_url, child_settings(settings)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    output = []
    while not output or output[-1] not in ("READY", ""):  # quilt3 prints what it pushed first
        output.append(proc.stdout.readline().strip())
    if output[-1] != "READY":
        line = " | ".join(output)
        proc.kill()
        raise AssertionError(f"the run child did not get going: {line!r} {proc.stderr.read()[-2000:]}")
    return proc


def reap(server, settings, stale_after: float = 600.0) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-c", REAP, server.endpoint_url, child_settings(settings), str(stale_after)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def remote_marker(run_id: str, heartbeat_age: dt.timedelta) -> RunMarker:
    beat = (dt.datetime.now(dt.UTC) - heartbeat_age).isoformat()
    return RunMarker(run_id, "another-host.example", 4242, 1, beat, beat, "local", "aws")


def test_the_next_run_removes_what_a_sigkilled_run_left_and_nothing_of_a_live_one(server, s3, settings):
    dead, live = as_run(settings, "e2e-killed-0001"), as_run(settings, "e2e-alive-0002")
    stale, fresh = "e2e-remote-stale-0003", "e2e-remote-fresh-0004"
    # what must survive: baselines, reference data, unrelated scratch objects, and two live runs
    write_package(s3, settings.packages_bucket, "test-user/simple-csv")
    put(s3, settings.data_bucket, f"{dead.run_id}/reference-lookalike.csv", "reference/data.csv")
    put(s3, settings.scratch_bucket, "athena-results/q.csv", f"{dead.run_id}x/lookalike.txt")
    for run_id, age in ((stale, dt.timedelta(hours=2)), (fresh, dt.timedelta(seconds=5))):
        s3.put_object(Bucket=settings.scratch_bucket, Key=marker_key(run_id), Body=remote_marker(run_id, age).to_json())
        put(s3, settings.scratch_bucket, f"{run_id}/upload.csv")

    killed, alive = start_run(server, dead), start_run(server, live)
    try:
        killed.send_signal(signal.SIGKILL)
        assert killed.wait(timeout=30) == -signal.SIGKILL
        assert leftovers(s3, dead)  # the kill left the run's objects, package and marker behind
        assert f"{dead.run_id}/made-by-run" in named_packages(s3, settings.packages_bucket, namespace=dead.run_id)
        live_before = sorted(leftovers(s3, live))
        data_before = keys_in(s3, settings.data_bucket)

        lines = reap(server, as_run(settings, "e2e-next-run-0005"))

        assert alive.poll() is None
        assert len(lines) == 2, lines
        killed_line = next(line for line in lines if dead.run_id in line)
        assert f"process {killed.pid} on {socket.gethostname()} is gone" in killed_line
        assert "2 scratch object(s), 1 package(s)" in killed_line and f"{dead.run_id}/made-by-run" in killed_line
        stale_line = next(line for line in lines if stale in line)
        assert "no heartbeat from another-host.example" in stale_line and "1 scratch object(s)" in stale_line

        assert leftovers(s3, dead) == []
        assert leftovers(s3, as_run(settings, stale)) == []
        assert sorted(leftovers(s3, live)) == live_before  # marker, scratch objects, package
        assert any(key.endswith(marker_key(live.run_id)) for key in live_before)
        scratch = keys_in(s3, settings.scratch_bucket)
        assert {
            marker_key(fresh),
            f"{fresh}/upload.csv",
            "athena-results/q.csv",
            f"{dead.run_id}x/lookalike.txt",
        } <= scratch
        assert named_packages(s3, settings.packages_bucket) == {"test-user/simple-csv", f"{live.run_id}/made-by-run"}
        assert keys_in(s3, settings.data_bucket) == data_before
    finally:
        alive.terminate()
        alive.wait(timeout=30)


def test_a_live_runs_heartbeat_moves_and_retiring_removes_its_marker(s3, settings):
    clock = [dt.datetime(2026, 12, 3, 20, 0, tzinfo=dt.UTC)]
    ledger = RunsLedger(s3, settings, clock=lambda: clock[0])
    ledger.register()
    clock[0] += dt.timedelta(seconds=30)
    ledger.beat()

    stored = RunMarker.from_json(
        s3.get_object(Bucket=settings.scratch_bucket, Key=marker_key(settings.run_id))["Body"].read()
    )
    assert (stored.pid, stored.pid_started) == (os.getpid(), process_start_ticks(os.getpid()))
    assert dt.datetime.fromisoformat(stored.heartbeat) - dt.datetime.fromisoformat(stored.started) == dt.timedelta(
        seconds=30
    )
    assert ledger.dead_runs() == []  # its own marker is never a dead run

    ledger.retire()
    assert leftovers(s3, settings) == []


def test_who_counts_as_dead():
    now = dt.datetime.now(dt.UTC)
    host = socket.gethostname()
    me = RunMarker("e2e-me", host, os.getpid(), process_start_ticks(os.getpid()), now.isoformat(), now.isoformat())
    assert me.why_dead(host, now, 60) is None
    reused = dataclasses.replace(me, pid_started=(me.pid_started or 0) + 12345)
    assert "now belongs to another process" in reused.why_dead(host, now, 60)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert "is gone" in dataclasses.replace(me, pid=gone.pid).why_dead(host, now, 60)
    remote = remote_marker("e2e-remote", dt.timedelta(seconds=61))
    assert remote.why_dead(host, now, 60).startswith("no heartbeat from another-host.example")
    assert remote.why_dead(host, now, 120) is None


def test_unreadable_or_misnamed_markers_are_not_runs_and_baselines_are_never_reaped(s3, settings):
    ledger = RunsLedger(s3, settings)
    s3.put_object(Bucket=settings.scratch_bucket, Key=marker_key("e2e-garbled"), Body=b"{not json")
    misnamed = remote_marker("e2e-real-name", dt.timedelta(days=1))
    s3.put_object(Bucket=settings.scratch_bucket, Key=marker_key("e2e-other-name"), Body=misnamed.to_json())
    assert ledger.markers() == []

    for run_id in ("test-user", settings.run_id):
        with pytest.raises(CleanupRefused):
            ledger.reap(remote_marker(run_id, dt.timedelta(days=1)), "dead")


def test_the_runs_command_lists_markers_and_reaps_the_dead(server, s3, settings):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    now = dt.datetime.now(dt.UTC).isoformat()
    dead = RunMarker("e2e-cli-dead-0001", socket.gethostname(), gone.pid, None, now, now)
    alive = RunMarker(
        "e2e-cli-alive-0002", socket.gethostname(), os.getpid(), process_start_ticks(os.getpid()), now, now
    )
    for marker in (dead, alive):
        s3.put_object(Bucket=settings.scratch_bucket, Key=marker_key(marker.run_id), Body=marker.to_json())
        put(s3, settings.scratch_bucket, f"{marker.run_id}/upload.csv")
    command = [
        sys.executable,
        "-m",
        "quilt_e2e.cli",
        "runs",
        "--endpoint-url",
        server.endpoint_url,
        "-D",
        f"data_bucket={settings.data_bucket}",
        "-D",
        f"scratch_bucket={settings.scratch_bucket}",
        "-D",
        f"packages_bucket={settings.packages_bucket}",
    ]

    listing = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert listing.returncode == 0, listing.stderr[-2000:]
    lines = listing.stdout.splitlines()
    assert any(dead.run_id in line and f"DEAD: process {gone.pid}" in line for line in lines), lines
    assert any(alive.run_id in line and line.endswith("alive") for line in lines), lines
    assert leftovers(s3, as_run(settings, dead.run_id))  # listing removes nothing

    reaped = subprocess.run([*command, "--reap"], capture_output=True, text=True, timeout=120)
    assert reaped.returncode == 0, reaped.stderr[-2000:]
    assert f"removed leftovers of dead run {dead.run_id}" in reaped.stdout
    assert leftovers(s3, as_run(settings, dead.run_id)) == []
    assert len(leftovers(s3, as_run(settings, alive.run_id))) == 2  # its marker and its object
