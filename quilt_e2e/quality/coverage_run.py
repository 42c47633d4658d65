"""`quilt-e2e coverage`: behave once per mode under coverage.py, restricted to the installed SUT's measured
files, with one dynamic context per scenario; then one combined report.

Writes to reports/coverage/ (QUILT_E2E_REPORTS_DIR moves reports/):
  coverage.json    per-file statements, missed, percent, missing lines, percent per mode; the total
  html/            coverage.py's HTML report (each line shows the scenarios that ran it)
  contexts.json    line -> scenarios per mode, with each scenario's duration and status (the mutation job's map)
  behave-<mode>.json  behave's JSON results of the run (durations, status)
  .coveragerc, .coverage  the configuration and the combined data

behave's own console output is untouched and its exit status is the command's (the first failing mode's), so
CI can use this command as its behave run; `--fail-under` turns a low total into exit status 2.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from quilt_e2e.quality import sut, unreachable
from quilt_e2e.quality.contexts import CoverageMap, ModeMap, scenario_results_from_behave_json

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MODES = ("local", "multiuser")
FORMAT_OPTIONS = ("-f", "--format")


def reports_dir() -> Path:
    return Path(os.environ.get("QUILT_E2E_REPORTS_DIR") or PROJECT_ROOT / "reports")


class CoverageRunError(Exception):
    """A problem the user can fix (bad mode, no data); one line. `status`: the exit status to end with
    (behave's, when behave failed before measuring anything)."""

    def __init__(self, message: str, status: int = 2):
        super().__init__(message)
        self.status = status


@dataclass
class FileFigures:
    file: str  # relative to the SUT package, e.g. ops/quilt_ops.py
    statements: int
    missed: int
    missing_lines: list[int] = field(default_factory=list)
    per_mode: dict[str, float] = field(default_factory=dict)  # mode -> percent covered by that mode alone
    statement_lines: list[int] = field(default_factory=list)

    @property
    def covered(self) -> int:
        return self.statements - self.missed

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.statements if self.statements else 100.0


@dataclass
class CoverageResult:
    files: list[FileFigures]
    returncodes: dict[str, int]
    wall_seconds: dict[str, float]
    unreachable: dict[str, set[int]] = field(default_factory=dict)  # file -> lines that cannot run (unreachable.yaml)
    unreachable_if_missed: dict[str, set[int]] = field(default_factory=dict)  # file -> lines that may run

    def _unreachable_split(self, f: FileFigures) -> tuple[set[int], set[int]]:
        """A file's statements on listed lines: those missed, and those a scenario ran all the same."""
        lines, missing = self.unreachable.get(f.file, set()), set(f.missing_lines)
        missed = (lines | self.unreachable_if_missed.get(f.file, set())) & missing
        return missed, (lines & set(f.statement_lines)) - missing

    def _unreachable_statements(self, missed: bool) -> int:
        return sum(len(self._unreachable_split(f)[0 if missed else 1]) for f in self.files)

    @property
    def runnable_statements(self) -> int:
        return self.statements - self._unreachable_statements(True) - self._unreachable_statements(False)

    @property
    def runnable_missed(self) -> int:
        return self.missed - self._unreachable_statements(True)

    @property
    def runnable_percent(self) -> float:
        total = self.runnable_statements
        return 100.0 * (total - self.runnable_missed) / total if total else 100.0

    def ran_though_unreachable(self) -> list[str]:
        """file:line of lines listed as unreachable that a scenario ran: the list is wrong there."""
        return [f"{f.file}:{line}" for f in self.files for line in sorted(self._unreachable_split(f)[1])]

    @property
    def statements(self) -> int:
        return sum(f.statements for f in self.files)

    @property
    def missed(self) -> int:
        return sum(f.missed for f in self.files)

    @property
    def percent(self) -> float:
        return 100.0 * (self.statements - self.missed) / self.statements if self.statements else 100.0

    @property
    def behave_status(self) -> int:
        return next((rc for rc in self.returncodes.values() if rc != 0), 0)


# -- configuration ----------------------------------------------------------------------------------------------
def write_rcfile(out: Path, package_dir: Path) -> Path:
    include = "\n".join(f"    {p}" for p in sut.include_patterns(package_dir))
    rc = out / ".coveragerc"
    rc.write_text(
        "# written by quilt-e2e coverage: the installed SUT's ops, backends and Athena service\n"
        "[run]\n"
        f"include =\n{include}\n"
        "parallel = true\n"
        f"data_file = {out / '.coverage'}\n"
        "[report]\n"
        "show_missing = true\n"
        "[html]\n"
        f"directory = {out / 'html'}\n"
        "show_contexts = true\n"
        "title = QuiltOps SUT coverage by the e2e suite\n"
    )
    return rc


def behave_command(mode: str, rcfile: Path, json_out: Path, behave_args: list[str]) -> list[str]:
    """`python -m coverage run ... -m behave --tags=@MODE ...`; behave's JSON goes to a file as the first
    formatter, and behave's default formatter is added for the console unless the caller chose formatters."""
    command = [sys.executable, "-m", "coverage", "run", f"--rcfile={rcfile}", "-m", "behave", f"--tags=@{mode}"]
    command += ["-f", "json", "-o", str(json_out)]
    if not any(a in FORMAT_OPTIONS or a.startswith("--format=") or (a.startswith("-f") and len(a) > 2)
               for a in behave_args):
        command += ["-f", default_format()]
    return command + list(behave_args)


def default_format() -> str:
    """The formatter behave uses when none is given (behave.ini may set default_format)."""
    import configparser

    ini = configparser.ConfigParser()
    ini.read(PROJECT_ROOT / "behave.ini")
    return ini.get("behave", "default_format", fallback="pretty")


# -- the run --------------------------------------------------------------------------------------------------
def run(modes: list[str], behave_args: list[str], out: Path | None = None, echo=print) -> CoverageResult:
    for mode in modes:
        if mode not in MODES:
            raise CoverageRunError(f"unknown mode {mode!r} (use {', '.join(MODES)})")
    out = out or reports_dir() / "coverage"
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(".coverage*"):
        if stale.name != ".coveragerc":
            stale.unlink()
    package_dir = sut.package_dir()
    rcfile = write_rcfile(out, package_dir)
    returncodes: dict[str, int] = {}
    walls: dict[str, float] = {}
    startups: dict[str, float] = {}
    env = dict(os.environ)
    env.pop("COVERAGE_PROCESS_START", None)
    for mode in modes:
        json_out = out / f"behave-{mode}.json"
        json_out.unlink(missing_ok=True)
        command = behave_command(mode, rcfile, json_out, behave_args)
        echo(f"quilt-e2e coverage: {mode} mode: {' '.join(command[1:])}", file=sys.stderr)
        sys.stdout.flush()
        started, started_at = time.monotonic(), time.time()
        returncodes[mode] = subprocess.call(command, cwd=PROJECT_ROOT, env=env)
        walls[mode] = time.monotonic() - started
        startups[mode] = _startup_seconds(started_at)
    if not any(p.name.startswith(".coverage.") for p in out.iterdir()):
        status = next((rc for rc in returncodes.values() if rc), 2)
        raise CoverageRunError(f"behave measured nothing (exit status {returncodes}); see its output above", status)
    return finish(out, rcfile, package_dir, modes, returncodes, walls, startups)


def _startup_seconds(since: float) -> float:
    """The stack's start-up time the behave run just wrote (reports/startup.json), 0 if it wrote none."""
    path = reports_dir() / "startup.json"
    try:
        if path.stat().st_mtime >= since:
            return float(json.loads(path.read_text())["seconds"]["total"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return 0.0


def report_only(modes: list[str], out: Path | None = None) -> CoverageResult:
    """Rebuild the reports from the data of the last run in `out` (exit statuses and wall times from its map)."""
    out = out or reports_dir() / "coverage"
    rcfile = out / ".coveragerc"
    if not rcfile.is_file():
        raise CoverageRunError(f"no earlier run in {out}: run `quilt-e2e coverage` first")
    returncodes: dict[str, int] = dict.fromkeys(modes, 0)
    walls: dict[str, float] = dict.fromkeys(modes, 0.0)
    startups: dict[str, float] = dict.fromkeys(modes, 0.0)
    package_dir = sut.package_dir()
    if (out / "contexts.json").is_file():
        previous = CoverageMap.load(out / "contexts.json")
        package_dir = Path(previous.package_dir or package_dir)
        for mode in modes:
            if mode in previous.modes:
                returncodes[mode] = previous.modes[mode].returncode
                walls[mode] = previous.modes[mode].wall_seconds
                startups[mode] = previous.modes[mode].startup_seconds
    return finish(out, rcfile, package_dir, modes, returncodes, walls, startups)


def finish(out: Path, rcfile: Path, package_dir: Path, modes, returncodes, walls, startups=None) -> CoverageResult:
    """Combine the modes' data and write every report."""
    import coverage

    cov = coverage.Coverage(config_file=str(rcfile))
    if any(p.name.startswith(".coverage.") for p in out.iterdir()) or not (out / ".coverage").is_file():
        try:
            cov.combine(strict=True)
        except coverage.CoverageException as exc:
            raise CoverageRunError(f"no coverage data to combine in {out} ({exc})") from None
        cov.save()
    cov.load()
    data = cov.get_data()

    files = figures(cov, package_dir, modes)
    # the list describes the installed quilt-mcp; another package (a test's) has none
    installed = package_dir.resolve() == sut.package_dir()
    cannot_run = unreachable.load(package_dir) if installed else unreachable.Unreachable()
    result = CoverageResult(files, returncodes, walls, cannot_run.lines, cannot_run.headers)
    write_json(out / "coverage.json", result, package_dir, modes)
    cov.html_report(directory=str(out / "html"), show_contexts=True)

    cmap = CoverageMap(package_dir=str(package_dir), sut_version=sut.version())
    for path in sut.measured_files(package_dir):
        rel = sut.relative(path, package_dir)
        cmap.file_hashes[rel] = sut.sha256(path)
        if str(path) in data.measured_files():
            cmap.add_line_contexts(rel, data.contexts_by_lineno(str(path)))
    for mode in modes:
        mode_map = cmap.modes.setdefault(mode, ModeMap())
        mode_map.wall_seconds = walls.get(mode, 0.0)
        mode_map.startup_seconds = (startups or {}).get(mode, 0.0)
        mode_map.returncode = returncodes.get(mode, 0)
        behave_json = out / f"behave-{mode}.json"
        if behave_json.is_file():
            # a JSON error: behave was interrupted before closing its JSON; durations stay unknown (0)
            with contextlib.suppress(json.JSONDecodeError):
                cmap.set_scenario_results(mode, scenario_results_from_behave_json(json.loads(behave_json.read_text())))
    for feature in sorted(cmap.feature_files()):
        if (PROJECT_ROOT / feature).is_file():
            cmap.feature_hashes[feature] = sut.sha256(PROJECT_ROOT / feature)
    cmap.save(out / "contexts.json")
    return result


def figures(cov, package_dir: Path, modes) -> list[FileFigures]:
    """Per measured file: statements and missed lines overall, and the percentage each mode alone covers
    (lines run outside any scenario, at import, count for every mode)."""
    import tempfile

    result = []
    for path in sut.measured_files(package_dir):
        _, statements, _excluded, missing, _ = cov.analysis2(str(path))
        result.append(FileFigures(sut.relative(path, package_dir), len(statements), len(missing), sorted(missing),
                                  statement_lines=sorted(statements)))
    per_mode: dict[str, dict[str, float]] = {}
    try:
        for mode in modes:
            with tempfile.TemporaryDirectory() as tmp:
                target = Path(tmp) / "mode.json"
                try:
                    cov.json_report(outfile=str(target), contexts=[rf"^(?:{mode}\|.*)?$"])
                except Exception:  # coverage.py: no data for this mode
                    continue
                report = json.loads(target.read_text())
            for name, body in report["files"].items():
                per_mode.setdefault(str(Path(name).resolve()), {})[mode] = body["summary"]["percent_covered"]
    finally:
        cov.config.report_contexts = None  # json_report keeps the filter for every later report
    for figure, path in zip(result, sut.measured_files(package_dir), strict=True):
        figure.per_mode = {mode: per_mode.get(str(path), {}).get(mode, 0.0) for mode in modes}
    return result


def write_json(path: Path, result: CoverageResult, package_dir: Path, modes) -> None:
    payload = {
        "sut": {"package": sut.SUT_PACKAGE, "version": sut.version(), "package_dir": str(package_dir)},
        "modes": list(modes),
        "behave_returncodes": result.returncodes,
        "wall_seconds": {m: round(s, 1) for m, s in result.wall_seconds.items()},
        "files": {
            f.file: {
                "statements": f.statements, "missed": f.missed, "percent": round(f.percent, 2),
                "per_mode_percent": {m: round(p, 2) for m, p in f.per_mode.items()},
                "missing_lines": f.missing_lines,
            }
            for f in result.files
        },
        "total": {"statements": result.statements, "missed": result.missed, "percent": round(result.percent, 2)},
        "runnable": {"statements": result.runnable_statements, "missed": result.runnable_missed,
                     "percent": round(result.runnable_percent, 2), "ran_though_listed_unreachable":
                     result.ran_though_unreachable()},
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")


def table(result: CoverageResult, modes) -> str:
    width = max([len(f.file) for f in result.files] + [5])
    mode_heads = "".join(f"{m:>10}" for m in modes)
    lines = [f"{'file':<{width}}  {'stmts':>6} {'missed':>6} {'cover':>7}{mode_heads}"]
    lines.append("-" * len(lines[0]))
    for f in result.files:
        per = "".join(f"{f.per_mode.get(m, 0.0):>9.1f}%" for m in modes)
        lines.append(f"{f.file:<{width}}  {f.statements:>6} {f.missed:>6} {f.percent:>6.1f}%{per}")
    lines.append("-" * len(lines[0]))
    lines.append(f"{'TOTAL':<{width}}  {result.statements:>6} {result.missed:>6} {result.percent:>6.1f}%")
    lines.append(
        f"{'runnable':<{width}}  {result.runnable_statements:>6} {result.runnable_missed:>6} "
        f"{result.runnable_percent:>6.1f}%  (without the code that cannot run: features/contract/unreachable.yaml)"
    )
    wrong = result.ran_though_unreachable()
    if wrong:
        lines.append(f"listed as unreachable but ran: {', '.join(wrong[:10])}")
    return "\n".join(lines)
