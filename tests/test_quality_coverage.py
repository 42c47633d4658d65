"""`quilt-e2e coverage` (quilt_e2e.quality.coverage_run) and the CLI: the include paths point at the installed SUT,
behave's command keeps its own output, the reports are written from coverage.py data recorded with
per-scenario contexts (a fake package, no behave run), and `quilt-e2e mutate --list` reads the map."""

from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

from quilt_e2e import cli
from quilt_e2e.quality import coverage_run, sut
from quilt_e2e.quality.contexts import CoverageMap


def test_the_include_paths_point_at_the_installed_sut():
    package_dir = sut.package_dir()
    probe = "import importlib.util as u; print(list(u.find_spec('quilt_mcp').submodule_search_locations)[0])"
    assert Path(subprocess.check_output([sys.executable, "-c", probe], text=True).strip()).resolve() == package_dir
    assert package_dir.parent == Path(sysconfig.get_paths()["purelib"]).resolve()  # the venv's site-packages
    patterns = sut.include_patterns()
    assert patterns == [str(package_dir / "ops" / "*"), str(package_dir / "backends" / "*"),
                        str(package_dir / "services" / "athena_service.py")]
    files = {sut.relative(p) for p in sut.measured_files()}
    assert {"ops/quilt_ops.py", "ops/admin_ops.py", "ops/tabulator_mixin.py", "backends/quilt3_backend.py",
            "backends/platform_backend.py", "backends/quilt3_backend_admin.py", "services/athena_service.py"} <= files
    assert not any(f.startswith("services/") and f != "services/athena_service.py" for f in files)
    for path in sut.measured_files():
        assert any(fnmatch.fnmatch(str(path), p) for p in patterns)
    assert not any(fnmatch.fnmatch(str(package_dir / "services" / "other.py"), p) for p in patterns)


def test_the_rcfile_measures_only_the_sut(tmp_path):
    rc = coverage_run.write_rcfile(tmp_path, Path("/site/quilt_mcp"))
    text = rc.read_text()
    assert (
        "    /site/quilt_mcp/ops/*\n    /site/quilt_mcp/backends/*\n    /site/quilt_mcp/services/athena_service.py\n"
        in text
    )
    assert "parallel = true" in text and f"data_file = {tmp_path / '.coverage'}" in text


def test_behave_keeps_its_console_output_and_gets_the_caller_s_arguments(tmp_path):
    rc, out = tmp_path / ".coveragerc", tmp_path / "behave-local.json"
    command = coverage_run.behave_command("local", rc, out, ["features/packages.feature:12", "--stop"])
    assert command[:7] == [sys.executable, "-m", "coverage", "run", f"--rcfile={rc}", "-m", "behave"]
    assert command[7:] == ["--tags=@local", "-f", "json", "-o", str(out), "-f", "pretty",
                           "features/packages.feature:12", "--stop"]
    chosen = coverage_run.behave_command("multiuser", rc, out, ["-f", "progress"])
    assert chosen[7:] == ["--tags=@multiuser", "-f", "json", "-o", str(out), "-f", "progress"]
    assert "pretty" not in coverage_run.behave_command("local", rc, out, ["--format=plain"])


def fake_sut(root: Path) -> Path:
    pkg = root / "fakesut"
    for d in ("ops", "backends", "services"):
        (pkg / d).mkdir(parents=True)
        (pkg / d / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "ops" / "core.py").write_text("def local_only(x):\n    return x + 1\n\n\ndef both(x):\n    return x * 2\n")
    (pkg / "backends" / "never.py").write_text("def never():\n    return 1\n")
    (pkg / "services" / "athena_service.py").write_text("def multi(x):\n    if x:\n        return 1\n    return 2\n")
    return pkg


def test_the_reports_come_from_per_scenario_contexts(tmp_path):
    """coverage.py in subprocesses like the two behave runs (one per mode, contexts switched per scenario);
    finish() combines them and writes the table's figures, coverage.json, the HTML and the map."""
    pkg = fake_sut(tmp_path)
    out = tmp_path / "coverage"
    out.mkdir()
    rc = coverage_run.write_rcfile(out, pkg)
    runs = {
        "local": "ops.core.local_only(1); ops.core.both(1)",
        "multiuser": "ops.core.both(2); athena.multi(1)",
    }
    for mode, calls in runs.items():
        script = tmp_path / f"{mode}.py"
        script.write_text(textwrap.dedent(f'''\
            import coverage
            import fakesut.ops.core, fakesut.services.athena_service as athena, fakesut.backends.never
            from fakesut import ops
            coverage.Coverage.current().switch_context("{mode}|features/a.feature:7")
            {calls}
            '''))
        subprocess.run([sys.executable, "-m", "coverage", "run", f"--rcfile={rc}", str(script)], check=True,
                       cwd=tmp_path, env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    (out / "behave-local.json").write_text(json.dumps([{"elements": [
        {"type": "scenario", "name": "A", "location": "features/a.feature:7", "status": "passed",
         "steps": [{"result": {"duration": 1.5}}]}]}]))
    result = coverage_run.finish(out, rc, pkg, ["local", "multiuser"], {"local": 0, "multiuser": 1},
                                 {"local": 10.0, "multiuser": 12.0})
    figures = {f.file: f for f in result.files}
    assert set(figures) == {"ops/__init__.py", "ops/core.py", "backends/__init__.py", "backends/never.py",
                            "services/athena_service.py"}
    core, athena, never = figures["ops/core.py"], figures["services/athena_service.py"], figures["backends/never.py"]
    assert (core.statements, core.missed, core.percent, core.missing_lines) == (4, 0, 100.0, [])
    assert core.per_mode == {"local": 100.0, "multiuser": 75.0}  # multiuser never ran local_only's body
    assert (athena.statements, athena.missed, athena.missing_lines) == (4, 1, [4])
    assert athena.per_mode["local"] == 25.0  # only the def line, at import
    assert (never.statements, never.missed) == (2, 1)  # imported, never called
    assert result.behave_status == 1 and result.statements == 10 + 0  # the two __init__.py have no statements
    report = json.loads((out / "coverage.json").read_text())
    assert report["files"]["services/athena_service.py"] == {
        "statements": 4, "missed": 1, "percent": 75.0, "per_mode_percent": {"local": 25.0, "multiuser": 75.0},
        "missing_lines": [4]}
    assert report["total"] == {"statements": 10, "missed": 2, "percent": 80.0}
    assert report["behave_returncodes"] == {"local": 0, "multiuser": 1}
    assert (out / "html" / "index.html").is_file()
    cmap = CoverageMap.load(out / "contexts.json")
    assert [s.location for s in cmap.scenarios_at("local", "ops/core.py", [2])] == ["features/a.feature:7"]
    assert cmap.scenarios_at("multiuser", "ops/core.py", [2]) == []
    assert cmap.modes["local"].scenarios[0].duration == 1.5 and cmap.modes["local"].wall_seconds == 10.0
    assert cmap.modes["multiuser"].returncode == 1
    assert cmap.file_hashes["ops/core.py"] == sut.sha256(pkg / "ops" / "core.py")
    assert cmap.feature_hashes == {}  # features/a.feature is not a file of this project
    table = coverage_run.table(result, ["local", "multiuser"])
    rows = {line.split()[0]: line.split() for line in table.splitlines() if line}
    assert "services/athena_service.py" in rows and rows["TOTAL"][-1] == "80.0%"
    assert rows["runnable"][1:4] == ["10", "2", "80.0%"]  # a package other than the installed SUT: nothing listed
    again = coverage_run.report_only(["local", "multiuser"], out)  # --report-only: the same from the saved data
    assert [(f.file, f.missed, f.per_mode) for f in again.files] == [
        (f.file, f.missed, f.per_mode) for f in result.files
    ]
    assert again.returncodes == {"local": 0, "multiuser": 1} and again.wall_seconds["multiuser"] == 12.0


def test_cli_coverage_rejects_an_unknown_mode(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["coverage", "--modes", "local,cloud"])
    assert exit_.value.code == 2 and "modes are a comma-separated list of local, multiuser" in capsys.readouterr().err


def test_cli_mutate_without_a_map_says_what_to_do(tmp_path, capsys):
    assert cli.main(["mutate", "--list", "--map", str(tmp_path / "none.json")]) == 2
    assert "run `quilt-e2e coverage` first" in capsys.readouterr().err


def test_cli_mutate_lists_a_sample_on_covered_lines_of_the_real_sut(tmp_path, capsys):
    package_dir = sut.package_dir()
    cmap = CoverageMap(package_dir=str(package_dir))
    for path in sut.measured_files(package_dir):
        cmap.file_hashes[sut.relative(path, package_dir)] = sut.sha256(path)
    lines = range(1, len((package_dir / "ops" / "factory.py").read_text().splitlines()) + 1)
    cmap.add_line_contexts("ops/factory.py", {line: ["local|features/session.feature:5"] for line in lines})
    cmap.modes["local"].scenarios[0].duration = 2.0
    cmap.modes["local"].wall_seconds = 10.0
    cmap.save(tmp_path / "contexts.json")
    args = ["mutate", "--list", "--map", str(tmp_path / "contexts.json"), "--sample", "3", "--seed", "5"]
    assert cli.main(args) == 0
    first = capsys.readouterr().out
    assert cli.main(args) == 0
    assert capsys.readouterr().out == first  # deterministic
    listed = [line for line in first.splitlines() if "ops/factory.py:" in line]
    assert len(listed) == 3 and all("(scenarios: local 1; ~10s)" in line for line in listed)
    assert "on covered lines; running 3 (seed 5)" in first
    mutant_id = listed[0].split()[0]
    assert cli.main(["mutate", "--list", "--map", str(tmp_path / "contexts.json"), "--mutant", mutant_id]) == 0
    assert mutant_id in capsys.readouterr().out
    assert cli.main(["mutate", "--list", "--map", str(tmp_path / "contexts.json"), "--mutant", "nope"]) == 2
    assert "unknown mutant id(s) nope" in capsys.readouterr().err
