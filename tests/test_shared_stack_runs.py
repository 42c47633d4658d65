"""Two behave runs at once on one stack server (`quilt-e2e stack up`), one per backend, writing packages:
both green, each in its own run-id namespace, nothing of either left on the stack afterwards, then
`quilt-e2e stack down` stops the server. Slow (a stack start-up and two behave runs, ~1-2 min) but in CI."""

from __future__ import annotations

import os
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
