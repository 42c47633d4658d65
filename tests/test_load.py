"""The load support code: the bounded pool with a common start, the time/memory probe, the performance report,
the profile gate, and the packages the performance scenarios write into the registry."""

from __future__ import annotations

import json
import threading
import time

import pytest

from quilt_e2e.domain.load import PoolRun, Task, WorkerResult, describe_error, probe, run_parallel
from quilt_e2e.domain.world import Measurement
from quilt_e2e.reporting import performance


class FakeWorld:
    """What run_parallel needs of a World: the scenario's identity (`ops`) and its cleanups."""

    def __init__(self):
        self.cleanups = []
        self.opened = 0

    @property
    def ops(self):
        self.opened += 1
        return object()


def ops_per_thread():
    return threading.current_thread().name


# -- the pool ---------------------------------------------------------------------------------------------
def test_first_wave_starts_together_after_every_worker_opened_its_session():
    arrivals, lock = [], threading.Lock()
    opened = threading.Event()
    opened_count = [0]

    def make_ops():
        time.sleep(0.05 * opened_count[0])  # workers open their sessions at different speeds
        with lock:
            opened_count[0] += 1
            if opened_count[0] == 4:
                opened.set()
        return threading.current_thread().name

    def action(ops):
        with lock:
            arrivals.append((opened.is_set(), time.perf_counter()))
        return ops

    pool = run_parallel(FakeWorld(), [Task(f"t{i}", action) for i in range(4)], 4, ops_factory=make_ops)
    assert all(was_open for was_open, _ in arrivals), "a worker started before every session was open"
    starts = [t for _, t in arrivals]
    assert max(starts) - min(starts) < 0.05
    assert len({r.result for r in pool.results}) == 4, "each worker has a session of its own"


def test_results_keep_task_order_and_errors_stay_with_their_task():
    def fail(ops):
        raise ValueError("broken on purpose")

    tasks = [Task("ok", lambda ops: "fine", key="a"), Task("bad", fail, key="b")]
    pool = run_parallel(FakeWorld(), tasks, 2, ops_factory=ops_per_thread)
    assert [r.task.label for r in pool.results] == ["ok", "bad"]
    assert pool.results[0].result == "fine" and pool.results[0].error is None
    assert isinstance(pool.results[1].error, ValueError)
    assert [r.task.label for r in pool.failures()] == ["bad"]
    assert pool.by_key() == {"a": [pool.results[0]], "b": [pool.results[1]]}
    with pytest.raises(AssertionError, match=r"1 of 2 parallel calls failed: 1x bad: ValueError: broken on purpose"):
        pool.assert_all_succeeded()
    pool.assert_all_succeeded([pool.results[0]])  # only the chosen results are judged


def test_pool_is_bounded():
    running, peak, lock = [0], [0], threading.Lock()

    def action(ops):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1

    run_parallel(FakeWorld(), [Task(str(i), action) for i in range(9)], 3, ops_factory=ops_per_thread)
    assert peak[0] == 3
    with pytest.raises(AssertionError, match="not bounded"):
        run_parallel(FakeWorld(), [Task("x", action)], 100, ops_factory=ops_per_thread)


def test_a_hanging_pool_is_reported_as_a_hang():
    release = threading.Event()
    try:
        with pytest.raises(AssertionError, match=r"1 of 2 parallel calls still running after 0.3 s .*: stuck"):
            run_parallel(FakeWorld(), [Task("quick", lambda ops: 1), Task("stuck", lambda ops: release.wait(5))], 2,
                         timeout=0.3, ops_factory=ops_per_thread)
    finally:
        release.set()


def test_the_factory_failing_is_that_task_s_outcome():
    def make_ops():
        raise RuntimeError("no session")

    pool = run_parallel(FakeWorld(), [Task("t", lambda ops: 1)], 1, ops_factory=make_ops)
    assert isinstance(pool.results[0].error, RuntimeError)


def test_errors_are_listed_most_common_first_with_what_they_were_raised_from():
    def wrapped():
        try:
            raise EOFError()
        except EOFError:
            raise KeyError("")  # noqa: B904  (the SUT wraps like this)

    with pytest.raises(KeyError) as caught:
        wrapped()
    assert describe_error(caught.value) == "KeyError: '' (from EOFError: EOFError())"
    rare, common = ValueError("rare"), ValueError("common")
    results = [WorkerResult(Task("r", print), error=rare)]
    results += [WorkerResult(Task(f"c{i}", print), error=common) for i in range(2)]
    with pytest.raises(AssertionError) as failure:
        PoolRun(results).assert_all_succeeded()
    assert str(failure.value) == (
        "3 of 3 parallel calls failed: 2x c0: ValueError: common; 1x r: ValueError: rare"
    )


def test_run_parallel_puts_back_the_console_a_task_swapped(monkeypatch):
    import io
    import sys

    console = io.StringIO()
    monkeypatch.setattr(sys, "stdout", console)

    def swap(ops):
        sys.stdout = io.StringIO()  # what a Quilt3 push racing another leaves behind (QMCP-093)

    run_parallel(FakeWorld(), [Task("swap", swap)], 1, ops_factory=ops_per_thread)
    assert sys.stdout is console


def test_run_parallel_forgets_cached_manifests_after_the_scenario(tmp_path, monkeypatch):
    import quilt3.util

    cache = tmp_path / "cache"
    (cache / "manifest").mkdir(parents=True)
    monkeypatch.setattr(quilt3.util, "CACHE_PATH", cache)
    world = FakeWorld()
    run_parallel(world, [Task("t", lambda ops: 1)], 1, ops_factory=ops_per_thread)
    run_parallel(world, [Task("t", lambda ops: 1)], 1, ops_factory=ops_per_thread)
    assert len(world.cleanups) == 1 and world.opened == 2
    (cache / "manifest" / ("0" * 64)).write_text("half a manifest")
    world.cleanups[0]()
    assert not list((cache / "manifest").iterdir())


# -- the probe --------------------------------------------------------------------------------------------
def test_probe_measures_time_and_the_memory_gained_while_it_ran():
    with probe() as reading:
        block = bytearray(60 * 1024 * 1024)
        block[::4096] = b"x" * len(block[::4096])  # touch every page so it is resident
        time.sleep(0.05)
        del block
    assert reading.seconds >= 0.05
    if reading.method == "unavailable":
        pytest.skip("no /proc on this platform")
    assert 55 <= reading.peak_gain_mb <= 200, reading
    with probe() as idle:
        time.sleep(0.01)
    assert idle.peak_gain_mb < 20, idle


def test_probe_samples_where_the_peak_cannot_be_reset(monkeypatch):
    import quilt_e2e.domain.load as load

    monkeypatch.setattr(load, "_reset_peak", lambda: False)
    with probe(sample_every=0.002) as reading:
        block = bytearray(40 * 1024 * 1024)
        block[::4096] = b"x" * len(block[::4096])
        time.sleep(0.05)
        del block
    if reading.method == "unavailable":
        pytest.skip("no /proc on this platform")
    assert reading.method.startswith("RSS sampled")
    assert reading.peak_gain_mb >= 35, reading


def test_traced_counts_python_allocations_above_the_level_before():
    from quilt_e2e.domain.load import traced

    keep = bytearray(30 * 1024 * 1024)  # allocated before: not part of the spike
    with traced() as reading:
        block = bytearray(50 * 1024 * 1024)
        del block
    assert 50 <= reading.peak_gain_mb < 60, reading
    assert keep


# -- figures and the report -------------------------------------------------------------------------------
def test_measurement_describes_its_verdict_and_keeps_the_seconds_name():
    over = Measurement("browse", 12.5, 10, "s", "17.3", True)
    assert over.seconds == 12.5 and not over.within
    assert over.describe() == "browse: 12.500 s (OVER the spec's 17.3 10 s)"
    within = Measurement("memory", 50, 200, "MB", "17.3", False)
    assert within.describe() == "memory: 50.000 MB (within the spec's 17.3 200 MB)"
    assert within.as_dict() == {"name": "memory", "value": 50, "unit": "MB", "limit": 200, "spec": "17.3",
                                "verdict": "within", "enforced": False}
    assert Measurement("search", 1.0, 5).describe() == "search: 1.000 s (within the spec's 5 s)"


def test_performance_report_keeps_one_section_per_backend(tmp_path):
    figure = {**Measurement("search", 6.0, 5, "s", "17.1", False).as_dict(), "scenario": "Searching"}
    local = performance.section([figure], backend="local", stack="embedded", data_profile="small", run_id="r1")
    assert local["over_limit"] == 1 and local["limits_enforced"] is False
    path = performance.write(tmp_path, local)
    multi = performance.section([], backend="multiuser", stack="embedded", data_profile="full", run_id="r2")
    performance.write(tmp_path, multi)
    report = json.loads(path.read_text())
    assert set(report) == {"local", "multiuser"}
    assert report["local"]["figures"] == [figure] and report["multiuser"]["limits_enforced"] is True
    lines = performance.summary_lines(local)
    assert lines[0] == "performance (local, small data, limits reported only (small data profile)):"
    assert lines[1] == "  OVER   search: 6 s (limit 5 s, spec 17.1) [Searching]"
    assert performance.summary_lines(multi) == []
    path.write_text("not json")
    performance.write(tmp_path, multi)
    assert set(json.loads(path.read_text())) == {"multiuser"}


def test_the_run_records_figures_with_their_scenario(unique_settings, tmp_path, monkeypatch):
    import quilt_e2e.run as run_module
    from quilt_e2e.defects import DefectRegistry

    monkeypatch.setattr(run_module, "REPORTS_DIR", tmp_path)
    run = run_module.SuiteRun(unique_settings("figs"), DefectRegistry([]))
    run.record_measurements("Browsing", [Measurement("browse", 1.0, 10, "s", "17.3", False).as_dict()])
    lines = run.finish()
    assert any("within browse: 1 s (limit 10 s, spec 17.3) [Browsing]" in line for line in lines)
    report = json.loads((tmp_path / "performance.json").read_text())
    assert report["local"]["figures"][0]["scenario"] == "Browsing"


# -- the packages the measurements need --------------------------------------------------------------------
def test_performance_packages_are_written_once_and_read_back(server, unique_settings, tmp_path):
    import boto3

    import datagen
    from quilt_e2e.domain import performance as perf
    from quilt_e2e.domain.reference import ReferenceData
    from quilt_e2e.domain.registry import read_manifest
    from quilt_e2e.domain.world import World
    from quilt_e2e.stack.registry_layout import named_packages

    settings = unique_settings("perf")
    data_dir = tmp_path / "data"
    datagen.generate("small", data_dir)
    s3 = boto3.client("s3", endpoint_url=server.endpoint_url, region_name="us-east-1")
    for bucket in (settings.data_bucket, settings.packages_bucket):
        s3.create_bucket(Bucket=bucket)

    class Stack:
        catalog = None

        def client(self, service):
            return s3

        def put_objects(self, bucket, objects):  # as the embedded stack: straight into the in-process moto
            server.put_objects(bucket, objects)

    world = World(settings, ReferenceData(data_dir, settings.data_bucket), Stack())
    package = perf.ensure_many_files_package(world)
    assert package.name == "test-user/many-files" and world.packages["current"] is package
    _, entries = read_manifest(s3, settings.packages_bucket, package.latest)
    assert len(entries) == 1000
    for logical_key, entry in entries.items():
        source = entry.physical_key.split(f"s3://{settings.data_bucket}/", 1)[1].split("?", 1)[0]
        assert logical_key.endswith(source.rsplit("/", 1)[-1])
        assert entry.size == (data_dir / source).stat().st_size
    again = perf.ensure_many_files_package(world)
    assert again.latest == package.latest, "written once"

    names = perf.ensure_registry_of_100(world)
    assert len(names) == 100 and set(names) <= named_packages(s3, settings.packages_bucket)
    header, _ = read_manifest(s3, settings.packages_bucket,
                              perf.registry_pointers(world)[names[7]]["latest"])
    assert "test" in header["user_meta"]["tags"] and "8 of 100" in header["user_meta"]["description"]
