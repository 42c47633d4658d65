"""Runs sharing one stack server (`quilt-e2e stack up`). Two behave runs at once, one per backend, writing
packages: both green, each in its own run-id namespace, nothing of either left afterwards. A worker of a
parallel run killed with SIGKILL: the next run removes what it left. Slow (stack start-ups and behave runs,
minutes) but in CI."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3
import pytest

from quilt_e2e.catalog.control_client import StandInClient
from quilt_e2e.stack import PROJECT_ROOT, state_file

BIN = Path(sys.executable).parent
PACKAGE_WRITING = ["features/packages.feature:38", "features/packages.feature:51", "features/packages.feature:70",
                   "features/packages.feature:76"]
PACKAGES_BUCKET, SCRATCH_BUCKET = "quilt-mcp-test-packages", "quilt-mcp-test-scratch"


def _env(reports: Path, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUILT_E2E_")}
    return {**env, "QUILT_E2E_REPORTS_DIR": str(reports), **extra}


def _packages(s3) -> dict[str, set[str]]:
    """namespace → package names with a current pointer (the bucket is versioned: a deleted package's keys stay
    as versions behind delete markers, and moto still lists their common prefixes, so keys are listed)."""
    found: dict[str, set[str]] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=PACKAGES_BUCKET, Prefix=".quilt/named_packages/"):
        for obj in page.get("Contents", []):
            namespace, name = obj["Key"].split("/")[2:4]
            found.setdefault(namespace, set()).add(name)
    return found


def _namespaces(s3) -> set[str]:
    return set(_packages(s3))


class NamespaceWatcher(threading.Thread):
    """Polls the registry while the runs work: which package namespaces exist, and what each holds."""

    def __init__(self, s3):
        super().__init__(daemon=True)
        self.s3, self.seen, self.stop = s3, {}, threading.Event()

    def run(self):
        while not self.stop.is_set():
            for namespace, names in _packages(self.s3).items():
                self.seen.setdefault(namespace, set()).update(names)
            time.sleep(0.3)


@pytest.mark.timeout(1500)  # on a loaded 2-core machine start-up and the two runs take minutes
def test_two_runs_at_once_on_one_stack_server(tmp_path):
    reports = tmp_path / "reports"
    up = subprocess.run([str(BIN / "quilt-e2e"), "stack", "up"], cwd=PROJECT_ROOT, env=_env(reports),
                        capture_output=True, text=True, timeout=400)
    assert up.returncode == 0, up.stdout + up.stderr
    state_path = reports / "stack" / "state.json"
    state = state_file.read(state_path)
    runs: dict = {}
    try:
        assert "export QUILT_E2E_STACK=shared" in up.stdout and state["control_key"] not in up.stdout
        status = subprocess.run([str(BIN / "quilt-e2e"), "stack", "status"], cwd=PROJECT_ROOT, env=_env(reports),
                                capture_output=True, text=True, timeout=60)
        assert status.returncode == 0 and "aws healthy, catalog healthy" in status.stdout, status.stdout

        s3 = boto3.client("s3", endpoint_url=state["aws_endpoint"], region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        before = _namespaces(s3)
        watcher = NamespaceWatcher(s3)
        watcher.start()
        for backend in ("local", "multiuser"):
            run_id = f"e2e-pytest-{backend}-{os.getpid()}"
            env = _env(reports / backend, QUILT_E2E_STACK="shared", QUILT_E2E_RUN_ID=run_id,
                       **{state_file.STATE_ENV: str(state_path)})
            runs[backend] = (run_id, subprocess.Popen(
                [str(BIN / "behave"), f"--tags=@{backend}", "--format=progress", *PACKAGE_WRITING],
                cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
        outputs = {backend: process.communicate(timeout=900)[0] for backend, (_, process) in runs.items()}
        watcher.stop.set()
        watcher.join(timeout=10)

        for backend, (run_id, process) in runs.items():
            assert process.returncode == 0, f"{backend} run failed:\n{outputs[backend][-3000:]}"
            assert "4 scenarios passed, 0 failed" in outputs[backend], outputs[backend][-2000:]
            assert "shared stack up" in outputs[backend]
            assert watcher.seen.get(run_id), f"no package of the {backend} run was seen in its namespace {run_id}"
        new_namespaces = set(watcher.seen) - before
        assert new_namespaces == {runs["local"][0], runs["multiuser"][0]}, f"namespaces: {set(watcher.seen)}"

        # after both: no namespace, scratch object, catalog user or table of either run is left
        assert _namespaces(s3) == before
        for run_id, _ in runs.values():
            assert s3.list_objects_v2(Bucket=SCRATCH_BUCKET, Prefix=f"{run_id}/").get("KeyCount", 0) == 0
            assert s3.list_objects_v2(Bucket=PACKAGES_BUCKET, Prefix=f"{run_id}/").get("KeyCount", 0) == 0
        stand_in = StandInClient(state["catalog_url"], state["control_key"])
        run_ids = tuple(run_id for run_id, _ in runs.values())
        assert not [u for u in stand_in.catalog.directory.users if u.startswith(run_ids)]
        for bucket in stand_in.catalog.buckets:
            assert not [t for t in stand_in.catalog.tabulator.tables(bucket) if t["name"].startswith(run_ids)]
    finally:
        for _, process in runs.values():
            if process.poll() is None:
                process.terminate()  # behave cleans its run up on SIGTERM
                process.wait(timeout=120)
        down = subprocess.run([str(BIN / "quilt-e2e"), "stack", "down"], cwd=PROJECT_ROOT, env=_env(reports),
                              capture_output=True, text=True, timeout=120)
    assert down.returncode == 0 and "stopped" in down.stdout, down.stdout + down.stderr
    assert not state_path.exists()
    assert not _running(int(state["pid"])), "the stack server still runs after `stack down`"


def _running(pid: int) -> bool:
    """Whether the process runs (a zombie does not: its parent, here init, has not reaped it yet)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def _run_markers(s3) -> dict[str, dict]:
    """run id → marker of every run the ledger knows on the stack."""
    found = {}
    for obj in s3.list_objects_v2(Bucket=SCRATCH_BUCKET, Prefix="_runs/").get("Contents", []):
        marker = json.loads(s3.get_object(Bucket=SCRATCH_BUCKET, Key=obj["Key"])["Body"].read())
        found[marker["run_id"]] = marker
    return found


@pytest.mark.timeout(1500)
def test_a_sigkilled_worker_of_a_parallel_run_is_reaped_by_the_next_run(tmp_path):
    """`quilt-e2e run --jobs 2` on a stack server; one behave worker is SIGKILLed while it has packages in its
    namespace. The other worker finishes green; the next run reports the dead run id and removes its packages,
    scratch objects and marker, and leaves nothing else changed."""
    reports = tmp_path / "reports"
    up = subprocess.run([str(BIN / "quilt-e2e"), "stack", "up"], cwd=PROJECT_ROOT, env=_env(reports),
                        capture_output=True, text=True, timeout=400)
    assert up.returncode == 0, up.stdout + up.stderr
    state = state_file.read(reports / "stack" / "state.json")
    s3 = boto3.client("s3", endpoint_url=state["aws_endpoint"], region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    runner = None
    try:
        before = _namespaces(s3)
        runner = subprocess.Popen(
            [str(BIN / "quilt-e2e"), "run", "--jobs", "2", "--tags", "@local", "--",
             "features/packages_revise.feature", "features/packages_read.feature"],
            cwd=PROJECT_ROOT, env=_env(reports), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        victim, deadline = None, time.monotonic() + 600
        while victim is None and time.monotonic() < deadline and runner.poll() is None:
            packages = _packages(s3)
            victim = next((m for run_id, m in _run_markers(s3).items() if packages.get(run_id)), None)
            time.sleep(0.2)
        assert victim is not None, "no worker wrote a package in its namespace"
        os.kill(victim["pid"], signal.SIGKILL)
        output = runner.communicate(timeout=900)[0]
        assert runner.returncode != 0 and "finished with status -9" in output, output[-3000:]
        assert "finished with status 0" in output, output[-3000:]  # the other worker is untouched

        dead_id = victim["run_id"]
        left = {f"{dead_id}/{name}" for name in _packages(s3).get(dead_id, ())}
        assert dead_id in _run_markers(s3) and left  # the kill left its marker and packages behind
        live_ids = set(_run_markers(s3)) - {dead_id}
        assert not live_ids, f"the finished worker left its marker: {live_ids}"

        next_run = subprocess.run(
            [str(BIN / "quilt-e2e"), "run", "--jobs", "1", "--tags", "@local", "--", "features/bucket_listing.feature"],
            cwd=PROJECT_ROOT, env=_env(reports), capture_output=True, text=True, timeout=600)
        log = (reports / "parallel" / "worker-0" / "behave.log").read_text()
        assert next_run.returncode == 0, next_run.stdout + log[-3000:]
        reaped = [line for line in log.splitlines() if f"removed leftovers of dead run {dead_id}" in line]
        assert len(reaped) == 1, log[-3000:]
        assert f"process {victim['pid']} on {socket.gethostname()} is gone" in reaped[0]
        assert set(_seen_packages(reaped[0])) == left and f"{len(left)} package(s)" in reaped[0]

        assert _run_markers(s3) == {}
        assert _namespaces(s3) == before
        assert s3.list_objects_v2(Bucket=SCRATCH_BUCKET, Prefix=f"{dead_id}/").get("KeyCount", 0) == 0
        assert s3.list_objects_v2(Bucket=PACKAGES_BUCKET, Prefix=f"{dead_id}/").get("KeyCount", 0) == 0
    finally:
        if runner is not None and runner.poll() is None:
            runner.terminate()
            runner.wait(timeout=120)
        down = subprocess.run([str(BIN / "quilt-e2e"), "stack", "down"], cwd=PROJECT_ROOT, env=_env(reports),
                              capture_output=True, text=True, timeout=120)
    assert down.returncode == 0, down.stdout + down.stderr


def _seen_packages(line: str) -> list[str]:
    """The package names a reap line lists: '..., N package(s) (a/b, a/c), its marker'."""
    if "package(s) (" not in line:
        return []
    return line.split("package(s) (", 1)[1].split("), its marker", 1)[0].split(", ")
