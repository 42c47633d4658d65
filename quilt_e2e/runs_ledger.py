"""The run ledger: which runs are alive on a stack, so a run killed outright (SIGKILL, a lost machine) is
cleaned up by the next one.

Each run keeps a marker object `_runs/<run_id>.json` in the scratch bucket (host, pid and its start time,
started, heartbeat), written once the stack is up and refreshed every HEARTBEAT_SECONDS; cleanup deletes it
last. A marker whose owner is dead — on this host its process is gone (or the pid now belongs to another
process), on any host its heartbeat is older than STALE_AFTER_SECONDS — names a dead run: the next run removes
that run's scratch objects, its packages and then its marker, one line per run. A live run's namespace is never
touched, neither are baseline packages, reference data or any bucket outside scratch and registry (the cleanup
guard). Athena query results carry no run id: the scratch bucket's lifecycle rule (1 day) expires those.

The marker lives on the stack, not on the local disk, because that is where the leftovers are: a shared stack or
real AWS is reached from several machines. On the embedded stack everything dies with the process; the ledger
then only ever finds its own run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from quilt_e2e.cleanup import CleanupRefused, clean_scratch, delete_run_packages, guard_bucket, run_scratch_objects
from quilt_e2e.config import Settings
from quilt_e2e.processes import process_exists
from quilt_e2e.stack.baseline import BASELINE_NAMESPACE

MARKER_PREFIX = "_runs/"
HEARTBEAT_SECONDS = 30.0
STALE_AFTER_SECONDS = 600.0  # 20 missed heartbeats: a run on another host is dead only after this long
_FAR_FUTURE = dt.datetime.max.replace(tzinfo=dt.UTC)  # clean_scratch then keeps every Athena result
_RUN_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{2,62}$")


def marker_key(run_id: str) -> str:
    return f"{MARKER_PREFIX}{run_id}.json"


def process_start_ticks(pid: int) -> int | None:
    """When process `pid` started (clock ticks since boot, /proc/<pid>/stat field 22); None if there is no such
    process. Telling a reused pid from the run's own process needs this; without /proc, whether it exists."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:
        return 0 if process_exists(pid) else None
    fields = stat.rsplit(")", 1)[1].split()  # the command name in parentheses may hold spaces
    return int(fields[19])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class RunMarker:
    run_id: str
    host: str
    pid: int
    pid_started: int | None  # process_start_ticks(pid) when the run began
    started: str  # ISO 8601, UTC
    heartbeat: str
    backend: str = ""
    stack: str = ""

    def to_json(self) -> bytes:
        return json.dumps(dataclasses.asdict(self), indent=2).encode()

    @classmethod
    def from_json(cls, body: bytes) -> RunMarker:
        raw = json.loads(body)
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in names})

    def why_dead(self, host: str, now: dt.datetime, stale_after: float) -> str | None:
        """Why this marker's owner is dead, or None while it may be alive."""
        if self.host == host:
            ticks = process_start_ticks(self.pid)
            if ticks is None:
                return f"process {self.pid} on {self.host} is gone"
            if self.pid_started not in (None, 0) and ticks not in (0, self.pid_started):
                return f"process {self.pid} on {self.host} is gone (the pid now belongs to another process)"
            return None
        age = (now - dt.datetime.fromisoformat(self.heartbeat)).total_seconds()
        if age > stale_after:
            return f"no heartbeat from {self.host} (pid {self.pid}) for {age:.0f} s"
        return None


@dataclass(frozen=True)
class Reaped:
    run_id: str
    reason: str
    scratch_objects: int
    packages: list[str]

    def line(self) -> str:
        packages = f" ({', '.join(self.packages)})" if self.packages else ""
        return (f"removed leftovers of dead run {self.run_id} ({self.reason}): {self.scratch_objects} scratch "
                f"object(s), {len(self.packages)} package(s){packages}, its marker")


class RunsLedger:
    """This run's marker on the stack, and the reaping of dead runs' leftovers."""

    def __init__(self, s3, settings: Settings, *, host: str | None = None, pid: int | None = None,
                 clock: Callable[[], dt.datetime] = _now):
        self.s3 = s3
        self.settings = settings
        self.host = host or socket.gethostname()
        self.pid = os.getpid() if pid is None else pid
        self._clock = clock
        self._marker: RunMarker | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- this run ------------------------------------------------------------------------------------
    def register(self) -> RunMarker:
        now = self._clock().isoformat()
        self._marker = RunMarker(self.settings.run_id, self.host, self.pid, process_start_ticks(self.pid), now, now,
                                 self.settings.backend, self.settings.stack)
        self._put(self._marker)
        return self._marker

    def beat(self) -> None:
        if self._marker is not None:
            self._marker = dataclasses.replace(self._marker, heartbeat=self._clock().isoformat())
            self._put(self._marker)

    def start_heartbeat(self, every: float = HEARTBEAT_SECONDS) -> None:
        def loop():
            while not self._stop.wait(every):
                with contextlib.suppress(Exception):  # a missed beat only makes the run look older to other hosts
                    self.beat()

        self._thread = threading.Thread(target=loop, name="run-ledger-heartbeat", daemon=True)
        self._thread.start()

    def stop_heartbeat(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def retire(self) -> None:
        """Remove this run's marker: the last thing its cleanup does."""
        self.stop_heartbeat()
        guard_bucket(self.settings, self.settings.scratch_bucket)
        self.s3.delete_object(Bucket=self.settings.scratch_bucket, Key=marker_key(self.settings.run_id))
        self._marker = None

    def _put(self, marker: RunMarker) -> None:
        guard_bucket(self.settings, self.settings.scratch_bucket)
        self.s3.put_object(Bucket=self.settings.scratch_bucket, Key=marker_key(marker.run_id), Body=marker.to_json(),
                           ContentType="application/json")

    # -- other runs ----------------------------------------------------------------------------------
    def markers(self) -> list[RunMarker]:
        """Every run's marker; one that cannot be read is skipped (it names no run this code can trust)."""
        found = []
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.settings.scratch_bucket, Prefix=MARKER_PREFIX):
            for obj in page.get("Contents", []):
                try:
                    marker = RunMarker.from_json(self.s3.get_object(Bucket=self.settings.scratch_bucket,
                                                                    Key=obj["Key"])["Body"].read())
                except (ValueError, TypeError, KeyError):
                    continue
                if obj["Key"] == marker_key(marker.run_id):
                    found.append(marker)
        return found

    def dead_runs(self, stale_after: float = STALE_AFTER_SECONDS) -> list[tuple[RunMarker, str]]:
        now = self._clock()
        dead = []
        for marker in self.markers():
            if marker.run_id == self.settings.run_id:
                continue
            reason = marker.why_dead(self.host, now, stale_after)
            if reason is not None:
                dead.append((marker, reason))
        return dead

    def reap(self, marker: RunMarker, reason: str) -> Reaped:
        """Remove a dead run's scratch objects and packages, then its marker (so an interrupted reap is retried)."""
        if not _RUN_ID_RE.match(marker.run_id) or marker.run_id == BASELINE_NAMESPACE:
            raise CleanupRefused(f"refusing to reap run id '{marker.run_id}': not a run namespace")
        if marker.run_id == self.settings.run_id:
            raise CleanupRefused(f"refusing to reap the current run '{marker.run_id}'")
        dead = dataclasses.replace(self.settings, run_id=marker.run_id)
        scratch = clean_scratch(self.s3, dead, run_started=_FAR_FUTURE)
        packages = delete_run_packages(self.s3, dead)
        self.s3.delete_object(Bucket=self.settings.scratch_bucket, Key=marker_key(marker.run_id))
        return Reaped(marker.run_id, reason, scratch, packages)

    def reap_dead(self, stale_after: float = STALE_AFTER_SECONDS) -> list[str]:
        """Reap every dead run; one line per run, saying what was removed or why it could not be."""
        lines = []
        for marker, reason in self.dead_runs(stale_after):
            try:
                lines.append(self.reap(marker, reason).line())
            except Exception as exc:  # the next run tries again; this one must still start
                lines.append(f"could not remove leftovers of dead run {marker.run_id} ({reason}): "
                             f"{type(exc).__name__}: {exc}")
        return lines


def leftovers(s3, settings: Settings) -> list[str]:
    """What is still on the stack under the run id (s3://bucket/key): empty after a complete cleanup."""
    found = [f"s3://{settings.scratch_bucket}/{key}" for key in run_scratch_objects(s3, settings)]
    bucket = settings.packages_bucket
    for prefix in (f"{settings.run_id}/", f".quilt/named_packages/{settings.run_id}/"):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            found += [f"s3://{bucket}/{obj['Key']}" for obj in page.get("Contents", [])]
    try:
        s3.head_object(Bucket=settings.scratch_bucket, Key=marker_key(settings.run_id))
        found.append(f"s3://{settings.scratch_bucket}/{marker_key(settings.run_id)}")
    except Exception as exc:  # botocore's ClientError 404: no marker, as it should be
        if "404" not in str(exc) and "Not Found" not in str(exc):
            raise
    return found
