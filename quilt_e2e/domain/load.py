"""Running QuiltOps under load: bounded thread pools whose workers start together, and time/memory probes.

Each worker opens its own QuiltOps with the real factory, in its own thread, before the common start. QuiltOps
documents no thread safety for one shared instance, and quilt-mcp itself builds one per request
(`QuiltOpsFactory.create()` in every tool), so that is what concurrent use means here. Every SUT call still goes
through a recorded driver (`world.drive`), so the failure report lists them (world.calls is appended from several
threads; list.append is atomic).

Two probes: `probe` measures wall time and the resident memory the process gains while a call runs (Linux:
VmHWM after resetting it through /proc/self/clear_refs; elsewhere a sampling thread), which costs nothing but
misses memory the allocator reuses from earlier work; `traced` measures the peak of Python's own allocations
(tracemalloc) during a call above what was allocated before it, which counts every allocation but slows the call,
so time and memory are measured in two runs of the call. On the embedded stack moto and the catalog stand-in
serve the call from inside this process, so memory figures include their share: an upper bound of the SUT's own.
"""

from __future__ import annotations

import re
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quilt_e2e.domain.driver import Driver
from quilt_e2e.domain.world import World

MB = 1_000_000
DEFAULT_TIMEOUT = 180.0  # seconds a pool may take before its stragglers count as a deadlock or hang


# -- parallel workers ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Task:
    """One worker's job: `action(ops)` calls the SUT through `ops` (a recorded driver: `ops.browse_content(...)`)
    and returns the scenario checks. `key` is what the check needs to know about the task (a package name, a
    dataset, ...)."""

    label: str
    action: Callable[[Any], Any]
    key: Any = None


@dataclass
class WorkerResult:
    task: Task
    result: Any = None
    error: BaseException | None = None
    started: float = 0.0
    finished: float = 0.0

    @property
    def seconds(self) -> float:
        return self.finished - self.started



def describe_error(error: BaseException) -> str:
    """`Type: message`, and the error it was raised from when the SUT wrapped one (its text may be empty)."""
    text = f"{type(error).__name__}: {error}"
    cause = error.__cause__ or error.__context__
    if cause is not None:
        text += f" (from {type(cause).__name__}: {cause!r:.200})"
    return text


@dataclass
class PoolRun:
    """The outcome of one pool: every task's result, in task order, and the pool's wall time."""

    results: list[WorkerResult] = field(default_factory=list)
    seconds: float = 0.0
    workers: int = 0

    def failures(self) -> list[WorkerResult]:
        return [r for r in self.results if r.error is not None]

    def assert_all_succeeded(self, results: list[WorkerResult] | None = None) -> None:
        """Fail with every distinct error (by type and message), each with the first worker that met it."""
        results = self.results if results is None else results
        failed = [r for r in results if r.error is not None]
        if failed:
            distinct: dict[str, list[WorkerResult]] = {}
            for r in failed:
                distinct.setdefault(describe_error(r.error), []).append(r)
            common_first = sorted(distinct.items(), key=lambda item: -len(item[1]))[:6]
            details = "; ".join(f"{len(rs)}x {rs[0].task.label}: {error}" for error, rs in common_first)
            raise AssertionError(f"{len(failed)} of {len(results)} parallel calls failed: {details}")

    def by_key(self) -> dict[Any, list[WorkerResult]]:
        grouped: dict[Any, list[WorkerResult]] = {}
        for result in self.results:
            grouped.setdefault(result.task.key, []).append(result)
        return grouped


def own_ops(world: World) -> Driver:
    """A recorded QuiltOps of this thread's own, built by the real factory (the scenario's identity must already be set
    up in the main thread: `world.ops` does that)."""
    from quilt_mcp.ops.factory import QuiltOpsFactory

    return world.drive(world.drive(QuiltOpsFactory).create())


def run_parallel(world: World, tasks: list[Task], workers: int, *, timeout: float = DEFAULT_TIMEOUT,
                 ops_factory: Callable[[], Any] | None = None) -> PoolRun:
    """Run `tasks` on a pool of `workers` threads. The first wave (one task per worker) starts at the same
    moment, after each worker has opened its QuiltOps; later tasks start as workers free up. A task's error is
    kept in its result (the scenario asserts it); a pool still busy after `timeout` fails the step as a hang."""
    assert tasks, "test defect: no tasks to run in parallel"
    assert 1 <= workers <= 32, f"test defect: a pool of {workers} workers is not bounded sensibly"
    world.ops  # noqa: B018  the scenario's identity (a catalog login in multiuser mode) is set up here, once
    forget_cached_manifests_after_scenario(world)
    make_ops = ops_factory or (lambda: own_ops(world))
    first_wave = min(workers, len(tasks))
    ready = threading.Semaphore(0)
    go = threading.Event()
    results = [WorkerResult(task) for task in tasks]

    def work(index: int) -> None:
        result = results[index]
        try:
            ops = make_ops()
        except BaseException as exc:  # the factory failing is the outcome of this task
            result.error = exc
            return
        finally:
            ready.release()
        go.wait()
        result.started = time.perf_counter()
        try:
            result.result = result.task.action(ops)
        except BaseException as exc:  # kept for the scenario's checks, never swallowed
            result.error = exc
        finally:
            result.finished = time.perf_counter()

    console = sys.stdout  # parallel pushes on the Quilt3 backend can leave it swapped (known defect QMCP-093)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="quilt-e2e-load")
    try:
        futures = [pool.submit(work, index) for index in range(len(tasks))]
        for _ in range(first_wave):
            if not ready.acquire(timeout=timeout):
                break
        started = time.perf_counter()
        go.set()
        _, pending = wait(futures, timeout=timeout)
        seconds = time.perf_counter() - started
    finally:
        go.set()
        pool.shutdown(wait=False, cancel_futures=True)
        sys.stdout = console
    if pending:
        hung = [r.task.label for r in results if r.started and not r.finished] or [r.task.label for r in results]
        raise AssertionError(
            f"{len(pending)} of {len(tasks)} parallel calls still running after {timeout:g} s (deadlock or hang): "
            f"{', '.join(hung[:5])}"
        )
    for future in futures:
        future.result()  # an error in the harness itself (not in a task) surfaces here
    return PoolRun(results, seconds, workers)


def forget_cached_manifests_after_scenario(world: World) -> None:
    """After a scenario that ran work in parallel, empty quilt3's local manifest cache (in the run's sandbox):
    parallel reads can leave a damaged entry there (known defect QMCP-091), which must not reach later scenarios."""
    if getattr(world, "_manifest_cache_cleanup", False):
        return
    world._manifest_cache_cleanup = True

    def _forget() -> None:
        from quilt3.util import CACHE_PATH

        for cached in (Path(CACHE_PATH) / "manifest").glob("*"):
            cached.unlink(missing_ok=True)

    world.cleanups.append(_forget)


# -- time and memory -------------------------------------------------------------------------------------
_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kb(field_name: str) -> int | None:
    try:
        match = re.search(rf"^{field_name}:\s+(\d+) kB", _STATUS.read_text(), re.MULTILINE)
    except OSError:
        return None
    return int(match.group(1)) if match else None


def resident_bytes() -> int | None:
    """The process's resident set size now, or None where /proc is not available."""
    kb = _status_kb("VmRSS")
    return None if kb is None else kb * 1024


def _reset_peak() -> bool:
    """Reset the kernel's resident-set high-water mark (Linux >= 4.0); False where that is not possible."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


@dataclass
class ProbeReading:
    seconds: float = 0.0
    peak_gain_bytes: int | None = None  # None: memory could not be measured on this platform
    method: str = ""

    @property
    def peak_gain_mb(self) -> float | None:
        return None if self.peak_gain_bytes is None else self.peak_gain_bytes / MB


@contextmanager
def probe(sample_every: float = 0.01) -> Iterator[ProbeReading]:
    """Measure the wall time of the block and the most resident memory the process gained while it ran."""
    reading = ProbeReading()
    before = resident_bytes()
    exact = before is not None and _reset_peak() and _status_kb("VmHWM") is not None
    peak = [before or 0]
    stop = threading.Event()
    sampler = None
    if before is not None and not exact:
        def sample() -> None:
            while not stop.wait(sample_every):
                peak[0] = max(peak[0], resident_bytes() or 0)

        sampler = threading.Thread(target=sample, name="quilt-e2e-rss-sampler", daemon=True)
        sampler.start()
    started = time.perf_counter()
    try:
        yield reading
    finally:
        reading.seconds = time.perf_counter() - started
        stop.set()
        if sampler is not None:
            sampler.join()
        if before is None:
            reading.method = "unavailable"
        elif exact:
            reading.peak_gain_bytes = max(0, (_status_kb("VmHWM") or 0) * 1024 - before)
            reading.method = "VmHWM"
        else:
            reading.peak_gain_bytes = max(0, max(peak[0], resident_bytes() or 0) - before)
            reading.method = f"RSS sampled every {sample_every * 1000:g} ms"


@dataclass
class TracedReading:
    peak_gain_bytes: int = 0

    @property
    def peak_gain_mb(self) -> float:
        return self.peak_gain_bytes / MB


@contextmanager
def traced() -> Iterator[TracedReading]:
    """The most memory Python allocations (every thread's) reached during the block, above the level at its start."""
    reading = TracedReading()
    started_here = not tracemalloc.is_tracing()
    if started_here:
        tracemalloc.start()
    tracemalloc.reset_peak()
    baseline = tracemalloc.get_traced_memory()[0]
    try:
        yield reading
    finally:
        reading.peak_gain_bytes = max(0, tracemalloc.get_traced_memory()[1] - baseline)
        if started_here:
            tracemalloc.stop()
