"""Mutants (quilt_e2e.quality.mutants) and the coverage map (quilt_e2e.quality.contexts): stable ids, sampling
that is deterministic and limited to covered lines, the scenarios chosen per mutant, and the map's parsing —
also from real coverage.py data recorded with per-scenario contexts."""

from __future__ import annotations

import json
import sys
import textwrap
import types
from pathlib import Path

import pytest

from quilt_e2e.quality import contexts
from quilt_e2e.quality.contexts import CoverageMap, ModeMap, Scenario, parse_context
from quilt_e2e.quality.mutants import all_mutants, mutant_id, mutants_of, plan, population, sample, stale_files

MODULE = textwrap.dedent('''\
    LIMIT = 10


    def check(size, strict=False):
        if size > LIMIT:
            raise ValueError("too big")
        return size == 0 or strict


    def unused(a):
        return a + 1
    ''')


def fake_package(root: Path) -> Path:
    pkg = root / "fakesut"
    for d in ("ops", "backends", "services"):
        (pkg / d).mkdir(parents=True)
        (pkg / d / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "ops" / "checks.py").write_text(MODULE)
    (pkg / "services" / "athena_service.py").write_text("def q(x):\n    return x * 2\n")
    (pkg / "backends" / "other.py").write_text("def z():\n    return True\n")
    return pkg


def cmap_for(lines_by_mode: dict[str, dict[int, list[str]]], durations: dict[str, float] | None = None,
             failed=(), file="ops/checks.py", wall=20.0) -> CoverageMap:
    cmap = CoverageMap()
    by_line: dict[int, list[str]] = {}
    for mode, lines in lines_by_mode.items():
        for line, locations in lines.items():
            by_line.setdefault(line, []).extend(contexts.context_name(mode, loc) for loc in locations)
    cmap.add_line_contexts(file, by_line)
    for mode_map in cmap.modes.values():
        mode_map.wall_seconds = wall
        for s in mode_map.scenarios:
            s.duration = (durations or {}).get(s.location, 1.0)
            s.status = "failed" if s.location in failed else "passed"
    return cmap


def test_mutant_ids_are_stable_and_distinct():
    first = mutants_of("ops/checks.py", MODULE)
    again = mutants_of("ops/checks.py", MODULE)
    assert [m.id for m in first] == [m.id for m in again]
    assert len({m.id for m in first}) == len(first)
    assert all(len(m.id) == 12 and int(m.id, 16) >= 0 for m in first)
    other_file = mutants_of("ops/other.py", MODULE)
    assert not {m.id for m in first} & {m.id for m in other_file}
    m = first[0]
    assert m.id == mutant_id("ops/checks.py", m.mutation)


def test_mutants_carry_the_original_and_mutated_line():
    flip = next(m for m in mutants_of("ops/checks.py", MODULE) if m.operator == "compare-flip" and m.line == 5)
    assert (flip.original_line, flip.mutated_line) == ("if size > LIMIT:", "if size <= LIMIT:")
    assert flip.where == "ops/checks.py:5" and flip.mutation.function == "check"
    assert flip.mutated_source() == MODULE.replace("size > LIMIT", "size <= LIMIT") and flip.is_valid()


def test_all_mutants_of_a_package_can_be_limited_by_glob(tmp_path):
    pkg = fake_package(tmp_path)
    assert {m.file for m in all_mutants(pkg)} == {"ops/checks.py", "services/athena_service.py", "backends/other.py"}
    assert {m.file for m in all_mutants(pkg, ["ops/*"])} == {"ops/checks.py"}
    assert {m.file for m in all_mutants(pkg, ["athena_service.py"])} == {"services/athena_service.py"}


def test_only_mutants_on_covered_lines_are_eligible():
    cmap = cmap_for({"local": {5: ["features/a.feature:3"], 7: ["features/a.feature:3"]}})
    pop = population(mutants_of("ops/checks.py", MODULE), cmap)
    assert pop.import_time == 2  # LIMIT = 10 at module level: 11 and 0
    assert {p.mutant.line for p in pop.eligible} == {4, 5, 7}  # 4: the default, selected by the body's lines
    assert pop.uncovered == pop.candidates - pop.import_time - len(pop.eligible) > 0
    assert all(p.runs and p.runs[0].locations == ["features/a.feature:3"] for p in pop.eligible)


def test_scenarios_that_failed_unmutated_are_not_used():
    cmap = cmap_for({"local": {5: ["features/a.feature:3", "features/b.feature:9"]}}, failed={"features/b.feature:9"})
    flip = next(m for m in mutants_of("ops/checks.py", MODULE) if m.operator == "compare-flip" and m.line == 5)
    p = plan(flip, cmap)
    assert p.runs[0].locations == ["features/a.feature:3"] and p.unusable == 1
    only_failed = cmap_for({"local": {5: ["features/b.feature:9"]}}, failed={"features/b.feature:9"})
    assert not plan(flip, only_failed).covered


def test_plan_runs_the_cheapest_mode_first_and_the_fastest_scenarios_first():
    cmap = cmap_for(
        {"local": {5: ["features/slow.feature:1", "features/fast.feature:1"]},
         "multiuser": {5: ["features/mid.feature:1"]}},
        durations={"features/slow.feature:1": 30.0, "features/fast.feature:1": 0.5, "features/mid.feature:1": 2.0},
    )
    flip = next(m for m in mutants_of("ops/checks.py", MODULE) if m.operator == "compare-flip" and m.line == 5)
    p = plan(flip, cmap)
    assert [r.mode for r in p.runs] == ["multiuser", "local"]
    assert p.runs[1].locations == ["features/fast.feature:1", "features/slow.feature:1"]
    overhead = 20.0 - 2.0  # wall minus the scenarios' own time
    assert p.runs[0].estimated_seconds == pytest.approx(overhead + 2.0)


def test_sampling_is_deterministic_and_seeded():
    cmap = cmap_for({"local": {line: ["features/a.feature:3"] for line in range(1, 12)}})
    eligible = population(mutants_of("ops/checks.py", MODULE), cmap).eligible
    assert len(eligible) > 6
    first = [p.mutant.id for p in sample(eligible, 4, seed=7)]
    assert first == [p.mutant.id for p in sample(list(reversed(eligible)), 4, seed=7)]
    assert len(first) == 4 and len(set(first)) == 4
    others = {tuple(p.mutant.id for p in sample(eligible, 4, seed=s)) for s in range(10)}
    assert len(others) > 1
    everything = sample(eligible, 1000, seed=1)
    assert [p.mutant.id for p in everything] == [
        p.mutant.id for p in sorted(eligible, key=lambda p: p.mutant.sort_key())
    ]


def test_stale_files_are_named(tmp_path):
    pkg = fake_package(tmp_path)
    cmap = CoverageMap(file_hashes={"ops/checks.py": "0" * 64, "backends/other.py": None})
    from quilt_e2e.quality import sut

    cmap.file_hashes["backends/other.py"] = sut.sha256(pkg / "backends" / "other.py")
    assert stale_files(cmap, pkg) == ["ops/checks.py"]


# -- the map ----------------------------------------------------------------------------------------------------
def test_contexts_parse():
    assert parse_context("local|features/x.feature:12") == ("local", "features/x.feature:12")
    assert parse_context("multiuser|features/x.feature:30") == ("multiuser", "features/x.feature:30")
    assert parse_context("") is None and parse_context("no-separator") is None and parse_context("|x") is None


def test_map_round_trips_through_json(tmp_path):
    cmap = cmap_for({"local": {5: ["features/a.feature:3"], 6: ["features/a.feature:3", "features/b.feature:7"]},
                     "multiuser": {5: ["features/a.feature:3"]}})
    cmap.add_line_contexts("ops/checks.py", {1: [""], 2: [""]})
    cmap.file_hashes = {"ops/checks.py": "ab" * 32}
    path = tmp_path / "contexts.json"
    cmap.save(path)
    raw = json.loads(path.read_text())
    assert raw["modes"]["local"]["lines"]["ops/checks.py"] == {"5": [0], "6": [0, 1]}
    assert raw["outside_scenarios"] == {"ops/checks.py": [1, 2]}
    loaded = CoverageMap.load(path)
    assert loaded.to_json() == cmap.to_json()
    assert [s.location for s in loaded.scenarios_at("local", "ops/checks.py", [6])] == [
        "features/a.feature:3", "features/b.feature:7"]
    assert loaded.covered_lines("ops/checks.py") == {5, 6}
    assert loaded.covered_lines("ops/checks.py", "multiuser") == {5}


def test_a_map_naming_an_unknown_scenario_is_refused():
    raw = {"version": 1, "modes": {"local": {"scenarios": [], "lines": {"ops/x.py": {"3": [0]}}}}}
    with pytest.raises(ValueError, match="unknown scenario index 0"):
        CoverageMap.from_json(raw)
    with pytest.raises(ValueError, match="version"):
        CoverageMap.from_json({"version": 99})


def test_behave_json_gives_durations_names_and_status():
    raw = [
        {
            "elements": [
                {"type": "background", "location": "features/a.feature:2", "steps": [{"result": {"duration": 9}}]},
                {
                    "type": "scenario",
                    "name": "One",
                    "location": "features/a.feature:5",
                    "status": "passed",
                    "steps": [{"result": {"duration": 0.25}}, {"result": {"duration": 0.5}}],
                },
                {
                    "type": "scenario",
                    "name": "Row",
                    "location": "features/a.feature:14",
                    "status": "failed",
                    "steps": [{"result": {"duration": 1.0}}, {}],
                },
                {
                    "type": "scenario",
                    "name": "Excluded",
                    "location": "features/a.feature:20",
                    "status": "skipped",
                    "steps": [{}],
                },
            ]
        }
    ]
    results = contexts.scenario_results_from_behave_json(raw)
    assert set(results) == {"features/a.feature:5", "features/a.feature:14", "features/a.feature:20"}
    assert results["features/a.feature:5"] == Scenario("features/a.feature:5", "One", "passed", 0.75)
    assert results["features/a.feature:14"].status == "failed" and not results["features/a.feature:14"].usable
    assert results["features/a.feature:20"].duration == 0.0


def test_map_from_real_coverage_data_with_per_scenario_contexts(tmp_path):
    """coverage.py in a subprocess, switching contexts like the behave hook does: the map names, per mode,
    the scenarios that ran each line; lines run before any scenario are outside scenarios."""
    pkg = fake_package(tmp_path)
    script = tmp_path / "drive.py"
    script.write_text(textwrap.dedent('''\
        import coverage
        import fakesut.ops.checks as checks
        cov = coverage.Coverage.current()
        cov.switch_context("local|features/a.feature:3")
        checks.check(1)
        cov.switch_context("multiuser|features/b.feature:8")
        try:
            checks.check(99)
        except ValueError:
            pass
        '''))
    rc = tmp_path / ".coveragerc"
    rc.write_text(f"[run]\ninclude =\n    {pkg}/ops/*\ndata_file = {tmp_path / '.coverage'}\n")
    import subprocess

    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-m", "coverage", "run", f"--rcfile={rc}", str(script)], check=True, env=env,
                   cwd=tmp_path)
    import coverage

    data = coverage.CoverageData(basename=str(tmp_path / ".coverage"))
    data.read()
    cmap = CoverageMap()
    cmap.add_line_contexts("ops/checks.py", data.contexts_by_lineno(str(pkg / "ops" / "checks.py")))
    assert [s.location for s in cmap.scenarios_at("local", "ops/checks.py", [7])] == ["features/a.feature:3"]
    assert [s.location for s in cmap.scenarios_at("multiuser", "ops/checks.py", [6])] == ["features/b.feature:8"]
    assert cmap.scenarios_at("local", "ops/checks.py", [6]) == []
    assert {1, 4, 10} <= set(cmap.outside_scenarios["ops/checks.py"])  # import time: module-level lines


def test_the_behave_hook_names_the_context_by_mode_and_location(monkeypatch):
    from quilt_e2e import hooks

    switched = []
    fake = types.SimpleNamespace(Coverage=types.SimpleNamespace(
        current=lambda: types.SimpleNamespace(switch_context=switched.append)))
    monkeypatch.setitem(sys.modules, "coverage", fake)
    scenario = types.SimpleNamespace(location="features/packages.feature:42")
    hooks._coverage_context("multiuser", scenario)
    assert switched == ["multiuser|features/packages.feature:42"]
    fake.Coverage.current = lambda: None  # not under coverage: nothing happens
    hooks._coverage_context("local", scenario)
    assert switched == ["multiuser|features/packages.feature:42"]
    assert ModeMap().overhead_seconds() == 0.0


def test_a_run_is_estimated_from_start_up_scenario_steps_and_hooks():
    scenarios = [Scenario(f"features/a.feature:{i}", duration=5.0) for i in range(4)]
    mode_map = ModeMap(wall_seconds=100.0, startup_seconds=12.0, scenarios=scenarios)
    assert mode_map.overhead_seconds() == 12.0 + contexts.PROCESS_SECONDS
    assert mode_map.per_scenario_seconds() == pytest.approx((100.0 - 20.0 - 20.0) / 4)
    unknown = ModeMap(wall_seconds=100.0, scenarios=scenarios)  # no start-up figure: all but the steps is overhead
    assert (unknown.overhead_seconds(), unknown.per_scenario_seconds()) == (80.0, 0.0)


def test_feature_files_edited_since_the_map_are_named(tmp_path):
    import hashlib

    (tmp_path / "features").mkdir()
    for name in ("a", "b", "c"):
        (tmp_path / "features" / f"{name}.feature").write_text(f"Feature: {name}\n")
    cmap = cmap_for({"local": {5: ["features/a.feature:3", "features/b.feature:4", "features/c.feature:2"]}})
    assert cmap.feature_files() == {"features/a.feature", "features/b.feature", "features/c.feature"}
    cmap.feature_hashes = {f: hashlib.sha256((tmp_path / f).read_bytes()).hexdigest() for f in cmap.feature_files()}
    assert cmap.changed_features(tmp_path) == []
    (tmp_path / "features" / "b.feature").write_text("Feature: b, edited\n")
    (tmp_path / "features" / "c.feature").unlink()
    assert cmap.changed_features(tmp_path) == ["features/b.feature", "features/c.feature"]
    assert CoverageMap.from_json(cmap.to_json()).feature_hashes == cmap.feature_hashes
