"""Running mutants (quilt_e2e.quality.overlay, mutation_run, mutation_report): the overlay shadows the installed
package for a subprocess and never touches it; kill / survive / timeout / error against a tiny fake package and
a trivial command; behave's summary parsed; the score and the reports; the equivalent-mutants registry."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from quilt_e2e.quality import overlay, sut
from quilt_e2e.quality.contexts import CoverageMap, Scenario
from quilt_e2e.quality.mutants import ModeRun, Plan, mutants_of
from quilt_e2e.quality.mutation_report import EquivalentsError, load_equivalents, markdown, score, write
from quilt_e2e.quality.mutation_run import (
    EQUIVALENT,
    ERROR,
    KILLED,
    SURVIVED,
    TIMEOUT,
    MutantRunner,
    Outcome,
    run_verdict,
    scenario_counts,
)

SOURCE = textwrap.dedent('''\
    def double(x):
        return x * 2


    def loop(n):
        while n > 0:
            n -= 1
        return n


    def label(x):
        return "label"
    ''')

# A stand-in for behave: checks the package's behaviour and prints behave's summary line.
CHECK = textwrap.dedent('''\
    import sys, fakepkg.core as core
    ok = core.double(3) == 6 and core.loop(5) == 0
    print(f"{int(ok)} scenario passed, {int(not ok)} failed, 0 skipped")
    if not ok:
        print("\\nFailing scenarios:\\n  features/fake.feature:3  Doubling\\n")
    sys.exit(0 if ok else 1)
    ''')


def installed_fake(root: Path) -> Path:
    """A fake "installed" package: fakepkg in root/site, which the child also has on its PYTHONPATH."""
    pkg = root / "site" / "fakepkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "core.py").write_text(SOURCE)
    (pkg / "__pycache__").mkdir()
    (pkg / "__pycache__" / "core.cpython-311.pyc").write_bytes(b"stale")
    return pkg


def mutant(pkg: Path, line: int, operator: str):
    found = [
        m for m in mutants_of("core.py", (pkg / "core.py").read_text()) if m.line == line and m.operator == operator
    ]
    assert found, f"no {operator} mutant on line {line}"
    return found[0]


def the_plan(m, seconds=1.0) -> Plan:
    return Plan(m, [ModeRun("local", [Scenario("features/fake.feature:3", duration=seconds)], overhead_seconds=0.0)])


@pytest.fixture
def fake(tmp_path, monkeypatch):
    pkg = installed_fake(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(pkg.parent))
    check = tmp_path / "check.py"
    check.write_text(CHECK)
    runner = MutantRunner(pkg, tmp_path / "logs", command=lambda run: [sys.executable, str(check)], cwd=tmp_path,
                          timeout_factor=1.0, timeout_extra=4.0)
    return pkg, runner, tmp_path


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


# -- overlay ----------------------------------------------------------------------------------------------------
def test_the_overlay_shadows_the_installed_package_and_leaves_it_untouched(tmp_path):
    pkg = installed_fake(tmp_path)
    before = snapshot(pkg)
    root = overlay.build(pkg, tmp_path / "overlay", "core.py", SOURCE.replace("x * 2", "x * 3"))
    env = overlay.environment(root, {"PYTHONPATH": str(pkg.parent), "PATH": "/usr/bin:/bin",
                                     "PYTHONPYCACHEPREFIX": str(tmp_path / "prefix")}, reports_dir=tmp_path / "r")
    assert env["PYTHONPATH"].split(":") == [str(root), str(pkg.parent)]
    assert env["PYTHONDONTWRITEBYTECODE"] == "1" and "PYTHONPYCACHEPREFIX" not in env
    assert env["QUILT_E2E_REPORTS_DIR"] == str(tmp_path / "r")
    out = subprocess.run([sys.executable, "-c", "import fakepkg.core as c; print(c.__file__, c.double(2))"],
                         env=env, capture_output=True, text=True, check=True).stdout.split()
    assert out == [str(root / "fakepkg" / "core.py"), "6"]
    assert snapshot(pkg) == before  # the installed package: not a byte changed, no bytecode written
    assert not list(root.rglob("__pycache__")) and not list(root.rglob("*.pyc"))  # none copied, none written


def test_the_overlay_of_the_real_sut_is_found_first_and_site_packages_is_not_written(tmp_path):
    package_dir = sut.package_dir()
    target = package_dir / "ops" / "factory.py"
    before = (target.stat().st_mtime_ns, sut.sha256(target))
    root = overlay.build(package_dir, tmp_path, "ops/factory.py", target.read_text() + "\nMUTATED = True\n")
    probe = "import importlib.util as u; s = u.find_spec('quilt_mcp'); print(list(s.submodule_search_locations)[0])"
    found = subprocess.run([sys.executable, "-c", probe], env=overlay.environment(root), capture_output=True,
                           text=True, check=True).stdout.strip()
    assert Path(found) == root / "quilt_mcp"
    assert (root / "quilt_mcp" / "ops" / "factory.py").read_text().endswith("MUTATED = True\n")
    assert (target.stat().st_mtime_ns, sut.sha256(target)) == before


def test_an_overlay_is_never_built_over_the_installed_package(tmp_path):
    pkg = installed_fake(tmp_path)
    with pytest.raises(ValueError, match="must not be built"):
        overlay.build(pkg, pkg.parent, "core.py", "x = 1\n")
    with pytest.raises(ValueError, match="not a file"):
        overlay.build(pkg, tmp_path / "o", "missing.py", "x = 1\n")


# -- classification ---------------------------------------------------------------------------------------------
def test_a_mutant_that_changes_behaviour_is_killed(fake):
    pkg, runner, tmp = fake
    m = mutant(pkg, 2, "arith")  # x * 2 -> x / 2
    outcome = runner.run(the_plan(m), tmp / "reports")
    assert outcome.status == KILLED
    assert outcome.runs[0].returncode == 1 and outcome.runs[0].failing == ["features/fake.feature:3  Doubling"]
    assert Path(outcome.runs[0].log).read_text().startswith("0 scenario passed, 1 failed")


def test_a_mutant_nothing_observes_survives(fake):
    pkg, runner, tmp = fake
    outcome = runner.run(the_plan(mutant(pkg, 12, "string")), tmp / "reports")
    assert outcome.status == SURVIVED and outcome.runs[0].verdict == "passed"


def test_a_mutant_that_hangs_times_out(fake):
    pkg, runner, tmp = fake
    m = mutant(pkg, 7, "arith")  # n -= 1 -> n += 1: never ends
    outcome = runner.run(the_plan(m), tmp / "reports")
    assert outcome.status == TIMEOUT
    assert outcome.runs[0].returncode is None and outcome.runs[0].timeout_seconds == pytest.approx(5.0)
    assert outcome.seconds < 30


def test_a_run_that_fails_without_running_scenarios_is_an_error(tmp_path, monkeypatch):
    pkg = installed_fake(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(pkg.parent))
    runner = MutantRunner(pkg, tmp_path / "logs", cwd=tmp_path,
                          command=lambda run: [sys.executable, "-c", "print('quilt-e2e: stack failed'); exit(2)"])
    assert runner.run(the_plan(mutant(pkg, 2, "arith")), tmp_path / "r").status == ERROR


def test_modes_run_in_order_and_stop_at_the_first_kill(fake):
    pkg, runner, tmp = fake
    commands = []
    original = runner.command
    runner.command = lambda run: commands.append(run.mode) or original(run)
    m = mutant(pkg, 2, "arith")
    two_modes = Plan(m, [ModeRun("multiuser", [Scenario("features/a.feature:1")]),
                         ModeRun("local", [Scenario("features/a.feature:1")])])
    assert runner.run(two_modes, tmp / "r").status == KILLED and commands == ["multiuser"]


def test_parallel_workers_get_their_own_reports_dir(fake):
    pkg, runner, tmp = fake
    seen = []
    runner.command = lambda run: [sys.executable, "-c",
                                  "import os; print(os.environ['QUILT_E2E_REPORTS_DIR']); print('1 scenario passed')"]
    plans = [the_plan(mutant(pkg, 12, "string")), the_plan(mutant(pkg, 2, "arith"))]
    outcomes = runner.run_all(plans, tmp / "reports", jobs=2, progress=lambda p, o, d, t: seen.append(d))
    assert [o.id for o in outcomes] == [p.mutant.id for p in plans] and sorted(seen) == [1, 2]
    dirs = {Path(o.runs[0].log).read_text().splitlines()[0] for o in outcomes}
    assert dirs <= {str(tmp / "reports" / "worker-0"), str(tmp / "reports" / "worker-1")}


BEHAVE_ERRORED = """
Errored scenarios:
  features/catalog_login.feature:28  Searching the registry finds the baseline packages

0 features passed, 0 failed, 1 error, 0 skipped
0 scenarios passed, 0 failed, 1 error, 7 skipped, 1 untested
2 steps passed, 0 failed, 1 error, 31 skipped, 4 untested
"""


def test_behave_output_is_read_for_the_verdict():
    assert scenario_counts(BEHAVE_ERRORED) == {"passed": 0, "failed": 0, "error": 1, "skipped": 7, "untested": 1}
    assert run_verdict(1, BEHAVE_ERRORED) == (
        "failed", ["features/catalog_login.feature:28  Searching the registry finds the baseline packages"])
    assert run_verdict(0, "3 scenarios passed, 0 failed, 4 skipped\n")[0] == "passed"
    assert (
        run_verdict(1, "2 scenarios passed, 0 failed\nUNEXPECTED PASS (known-defect tag but passed): X\n")[0]
        == "failed"
    )
    assert run_verdict(2, "quilt-e2e: unknown defect tag @defect.QMCP-999\n")[0] == "error"


# -- score, reports, equivalents --------------------------------------------------------------------------------
def test_score_leaves_equivalent_and_errors_out_of_the_denominator(tmp_path):
    installed_fake(tmp_path)
    ms = mutants_of("core.py", SOURCE)[:6]
    plans = [the_plan(m) for m in ms]
    statuses = [KILLED, TIMEOUT, SURVIVED, SURVIVED, EQUIVALENT, ERROR]
    outcomes = [
        Outcome(m.id, s, reason="same behaviour" if s == EQUIVALENT else "") for m, s in zip(ms, statuses, strict=True)
    ]
    total = score(outcomes)
    assert (total.killed, total.denominator, total.percent) == (2, 4, 50.0)
    json_path, md_path = write(tmp_path / "out", plans, outcomes, {"sut_version": "0.22.0", "seed": 3, "sample": 6,
                                                                   "eligible": 9, "seconds_per_mutant": 12.5})
    report = json.loads(json_path.read_text())
    assert report["score"] == {"percent": 50.0, "killed": 1, "timeout": 1, "survived": 2, "equivalent": 1, "error": 1}
    assert report["per_file"]["core.py"]["survived"] == 2 and len(report["mutants"]) == 6
    survivor = next(e for e in report["mutants"] if e["status"] == SURVIVED)
    assert {"original_line", "mutated_line", "operator", "line", "file", "scenarios"} <= set(survivor)
    text = md_path.read_text()
    assert "**Score: 50.0% (2/4 killed" in text and "## Survivors" in text and "## Equivalent" in text
    assert f"- original: `{ms[2].original_line}`" in text and f"- mutated:  `{ms[2].mutated_line}`" in text
    assert "why equivalent: same behaviour" in text
    assert f"**core.py:{ms[2].line}** {ms[2].operator}" in markdown(plans, outcomes, {})


def test_the_equivalents_registry_is_checked(tmp_path):
    path = tmp_path / "equivalent_mutants.yaml"
    assert load_equivalents(tmp_path / "missing.yaml") == {}
    path.write_text("- {id: abc, file: ops/x.py, line: 3, mutation: 'a -> b', reason: 'only a log line'}\n")
    assert load_equivalents(path)["abc"].reason == "only a log line"
    path.write_text("- {id: abc, file: ops/x.py, line: 3, mutation: 'a -> b'}\n")
    with pytest.raises(EquivalentsError, match="needs exactly"):
        load_equivalents(path)
    path.write_text("- {id: abc, file: ops/x.py, line: 3, mutation: 'a -> b', reason: ' '}\n")
    with pytest.raises(EquivalentsError, match="needs a reason"):
        load_equivalents(path)
    path.write_text("abc: 1\n")
    with pytest.raises(EquivalentsError, match="list"):
        load_equivalents(path)


def test_the_project_equivalents_registry_loads_and_stays_out_of_the_contract_matrix():
    from quilt_e2e import contract
    from quilt_e2e.quality.mutation_report import EQUIVALENTS

    load_equivalents(EQUIVALENTS)
    assert EQUIVALENTS.name in contract.NOT_MATRIX and EQUIVALENTS.parent == contract.CONTRACT_DIR
    assert CoverageMap().modes == {}


def test_an_interrupted_job_stops_the_runs_in_progress(fake):
    """Ctrl-C while mutants run: the behave runs (own process groups, for timeouts) are stopped, not orphaned."""
    import time

    pkg, runner, tmp = fake
    quick, slow = the_plan(mutant(pkg, 2, "arith")), the_plan(mutant(pkg, 12, "string"))
    slow.runs[0].scenarios[0].name = "slow"
    runner.timeout_extra = 120.0
    runner.command = lambda run: [sys.executable, "-c", "import time; time.sleep(60)" if run.scenarios[0].name == "slow"
                                  else "print('1 scenario passed')"]

    def interrupt(plan, outcome, done, total):
        if plan is quick:
            raise KeyboardInterrupt  # what Ctrl-C raises in the waiting main thread

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        runner.run_all([quick, slow], tmp / "reports", jobs=2, progress=interrupt)
    assert time.monotonic() - started < 30 and not runner._live
