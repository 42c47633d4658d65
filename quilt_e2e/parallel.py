"""`quilt-e2e run --jobs N [--tags ...] [-- behave args]`: the specification suite in N behave processes
attached to one stack server.

It uses a running stack server or starts one (and stops it again at the end), spreads the selected features
(or single scenarios, `--split scenarios`, selected by name) over N workers by their measured duration (longest
first, onto the least loaded worker; weights from this machine's last run, else the committed baseline), gives
each worker its own run id and reports dir, then merges the workers' Allure results into
<reports>/allure-results/<backend>/ (so `quilt-e2e report` works unchanged), known-defects.json and
performance.json, and prints one summary. Exit status: the first failing worker's, else 0.

Scenarios that change or list catalog-wide state (users, SSO configuration, tabulator tables, open query)
would see each other's changes if they ran at the same time: their features all go to the first worker.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from quilt_e2e.config import new_run_id
from quilt_e2e.stack import PROJECT_ROOT, state_file

FEATURES_DIR = PROJECT_ROOT / "features"
# Features whose scenarios compare catalog-wide listings (all users, all tables) or change catalog-wide
# settings (SSO configuration, open query): run on one worker, one after the other.
CATALOG_WIDE = ("admin.feature", "tabulator.feature", "concurrency.feature", "workflows.feature")
DEFAULT_SECONDS = 4.0  # a scenario nobody has measured yet
DURATIONS_FILE = "durations.json"
# Seconds per "<backend> | <feature title>" measured on the 2-core reference machine: the plan's weights until
# a run on this machine has measured its own (<reports>/parallel/durations.json). Refresh after features change:
#   cp reports/parallel/durations.json quilt_e2e/parallel_durations.json
BASELINE_DURATIONS = Path(__file__).with_name("parallel_durations.json")
_SUMMARY = re.compile(r"^(\d+) scenarios? passed, (\d+) failed, (\d+) skipped(?:, (\d+) untested)?", re.M)


class RunnerError(Exception):
    """`quilt-e2e run` cannot start; one line that says what to do."""


@dataclass
class Unit:
    """What one worker is given: a feature file, or one scenario of it (an outline's example row) by name."""

    target: str  # the feature file, relative to the project
    feature: str  # the feature's title, as Allure results name it
    file: str
    seconds: float
    scenario: str | None = None  # None: the whole feature

    def name_option(self) -> str:
        """behave's --name selection of exactly this scenario. Unlike a file:line location, a scenario left out by
        name is not started at all, so it leaves no Allure result (scenario names are unique across features)."""
        return f"--name=^{re.escape(self.scenario or '')}$"


@dataclass
class Worker:
    index: int
    units: list[Unit] = field(default_factory=list)

    @property
    def load(self) -> float:
        return sum(unit.seconds for unit in self.units)


def add_command(commands) -> None:
    run = commands.add_parser(
        "run", help="run the specification suite in N behave workers on one shared stack",
        description=__doc__.split("\n\n")[1].replace("\n", " "),
    )
    run.add_argument("--jobs", "-j", type=int, default=2, metavar="N", help="behave workers (default: 2)")
    run.add_argument("--tags", "-t", action="append", default=[], metavar="EXPR",
                     help="behave tag expression (repeatable, as for behave; default: @local)")
    run.add_argument("--split", choices=("features", "scenarios"), default="features",
                     help="what a worker is given: whole features or single scenarios (default: features)")
    run.add_argument("--keep-stack", action="store_true", help="leave a stack server this command started running")
    run.add_argument("behave_args", nargs=argparse.REMAINDER, metavar="-- BEHAVE ARGS",
                     help="more behave arguments after -- (e.g. -D data_profile=small, feature files)")


def _reports_dir() -> Path:
    return state_file.reports_dir()


def _tag_expression(tags: list[str]):
    from behave.tag_expression import make_tag_expression

    return make_tag_expression(" and ".join(f"({t})" for t in (tags or ["@local"])))


def _feature_files(extra: list[str]) -> tuple[list[Path], list[str]]:
    """Feature files named among the behave args (default: all of features/), and the other args."""
    files = [Path(a) for a in extra if a.endswith(".feature")]
    others = [a for a in extra if not a.endswith(".feature")]
    for path in files:
        if not path.is_file():
            raise RunnerError(f"no feature file {path}")
    return (files or sorted(FEATURES_DIR.glob("*.feature"))), others


def _durations() -> dict[str, float]:
    """The committed baseline, updated by what runs on this machine measured."""
    return {**_json(BASELINE_DURATIONS, {}), **_json(_reports_dir() / "parallel" / DURATIONS_FILE, {})}


def duration_key(backend: str, feature: str) -> str:
    return f"{backend} | {feature}"


def planned_backend(tags: list[str], behave_args: list[str]) -> str:
    """The backend the workers will run (as the hooks choose it): -D backend=..., else multiuser when the tags
    select multiuser scenarios but not local ones."""
    for value in _userdata(behave_args, ("backend",)):
        return value.split("=", 1)[1].strip()
    if os.environ.get("QUILT_E2E_BACKEND"):
        return os.environ["QUILT_E2E_BACKEND"].strip()
    expression = _tag_expression(tags)
    return "multiuser" if expression.check(["multiuser"]) and not expression.check(["local"]) else "local"


def discover(files: list[Path], tags: list[str], split: str, backend: str = "local") -> list[Unit]:
    """The units the tag expression selects, each with its expected seconds."""
    from behave.parser import parse_file

    expression, known, units = _tag_expression(tags), _durations(), []
    for path in files:
        feature = parse_file(str(path))
        rel = os.path.relpath(path, PROJECT_ROOT) if path.is_absolute() else str(path)
        chosen = [s for s in feature.walk_scenarios() if expression.check(s.effective_tags)]
        if not chosen:
            continue
        seconds = known.get(duration_key(backend, feature.name)) or DEFAULT_SECONDS * len(chosen)
        if split == "features":
            units.append(Unit(rel, feature.name, path.name, seconds))
        else:
            share = seconds / len(chosen)  # for a scenario not measured on its own yet
            units += [Unit(rel, feature.name, path.name, known.get(duration_key(backend, full_name(feature, s)), share),
                           s.name) for s in chosen]
    return units


def full_name(feature, scenario) -> str:
    """The scenario's name as Allure results give it: an outline row's without behave's ' -- @1.2 ...' suffix."""
    return f"{feature.name}: {scenario.name.split(' -- @', 1)[0].strip()}"


def worker_targets(worker: Worker) -> list[str]:
    """The behave arguments that select the worker's units: its feature files, and its scenarios by name."""
    files = list(dict.fromkeys(unit.target for unit in worker.units))
    return files + [unit.name_option() for unit in worker.units if unit.scenario is not None]


def plan(units: list[Unit], jobs: int) -> list[Worker]:
    """Longest first onto the least loaded worker; catalog-wide features all onto worker 0."""
    workers = [Worker(i) for i in range(jobs)]
    for unit in [u for u in units if u.file in CATALOG_WIDE]:
        workers[0].units.append(unit)
    for unit in sorted((u for u in units if u.file not in CATALOG_WIDE), key=lambda u: -u.seconds):
        min(workers, key=lambda w: (w.load, w.index)).units.append(unit)
    return [w for w in workers if w.units]


def _behave() -> list[str]:
    script = Path(sys.executable).with_name("behave")
    return [str(script)] if script.exists() else [sys.executable, "-m", "behave"]


def _worker_env(state_path: Path, reports: Path, run_id: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("QUILT_E2E_ENDPOINT_URL", "QUILT_E2E_CATALOG_URL")}
    env.update(QUILT_E2E_STACK="shared", QUILT_E2E_REPORTS_DIR=str(reports), QUILT_E2E_RUN_ID=run_id)
    env[state_file.STATE_ENV] = str(state_path)
    return env


def run(args: argparse.Namespace) -> int:
    from quilt_e2e import stack_cli

    if args.jobs < 1:
        raise RunnerError("--jobs must be 1 or more")
    extra = [a for a in args.behave_args if a != "--"]
    files, behave_args = _feature_files(extra)
    units = discover(files, args.tags, args.split, planned_backend(args.tags, behave_args))
    if not units:
        raise RunnerError("the tags select no scenario: check --tags")
    workers = plan(units, args.jobs)
    reports = _reports_dir()
    state_path = state_file.default_path()
    started_stack = False
    begun = time.perf_counter()
    if not stack_cli.status(state_path).up:
        state_path.unlink(missing_ok=True)
        print("quilt-e2e run: starting a stack server ...", flush=True)
        stack_cli.up_embedded(state_path, reports / "stack" / "server.log", "127.0.0.1",
                              _userdata(behave_args, PROVISIONED), stack_cli.UP_TIMEOUT)
        started_stack = True
    stack_seconds = time.perf_counter() - begun
    try:
        outcome = _run_workers(workers, args.tags, behave_args, state_path, reports)
    finally:
        if started_stack and not args.keep_stack:
            print(f"quilt-e2e run: {stack_cli.down(state_path)}", flush=True)
    total = time.perf_counter() - begun
    print(f"quilt-e2e run: {len(workers)} worker(s), {outcome['scenarios']}; stack {stack_seconds:.1f}s, "
          f"wall {total:.1f}s{'' if outcome['status'] == 0 else '; FAILED (see the worker logs)'}")
    return outcome["status"]


# the -D settings the stack server provisions with
PROVISIONED = ("region", "data_bucket", "scratch_bucket", "packages_bucket", "glue_database", "glue_table",
               "athena_workgroup", "iam_role", "data_profile")


def _userdata(behave_args: list[str], wanted: tuple[str, ...]) -> list[str]:
    """The -D name=value settings among the behave args whose name is in `wanted`."""
    found = []
    for index, arg in enumerate(behave_args):
        value = arg[2:] if arg.startswith("-D") and len(arg) > 2 else (
            behave_args[index + 1] if arg in ("-D", "--define") and index + 1 < len(behave_args) else None)
        if value and value.split("=", 1)[0] in wanted:
            found.append(value)
    return found


def _run_workers(workers: list[Worker], tags: list[str], behave_args: list[str], state_path: Path,
                 reports: Path) -> dict:
    base = new_run_id()
    root = reports / "parallel"
    processes = []
    with contextlib.ExitStack() as open_logs:  # each worker's log stays open while it runs
        for worker in workers:
            folder = root / f"worker-{worker.index}"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            command = _behave() + [f"--tags={t}" for t in tags] + behave_args
            if not any(a.startswith(("-f", "--format")) for a in behave_args):
                command.append("--format=progress")
            command += worker_targets(worker)
            log = open_logs.enter_context(open(folder / "behave.log", "wb"))
            env = _worker_env(state_path, folder, f"{base}-w{worker.index}")
            processes.append((worker, folder, log, subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                                                    env=env, cwd=PROJECT_ROOT)))
            print(f"quilt-e2e run: worker {worker.index}: {len(worker.units)} unit(s), ~{worker.load:.0f}s "
                  f"expected, log {folder / 'behave.log'}", flush=True)
        status = 0
        try:
            for worker, _, log, process in processes:
                code = process.wait()
                log.close()
                print(f"quilt-e2e run: worker {worker.index} finished with status {code}", flush=True)
                status = status or code
        except KeyboardInterrupt:
            for _, _, _, process in processes:
                process.terminate()  # SIGTERM: each worker cleans its run up and exits
            for _, _, log, process in processes:
                process.wait()
                log.close()
            raise
    folders = [folder for _, folder, _, _ in processes]
    merge_results(folders, reports)
    _save_durations(folders, reports)
    split_by_name = any(unit.scenario is not None for worker in workers for unit in worker.units)
    # behave counts the scenarios a worker left out by name as skipped: then count the merged results instead
    summary = summarize_results(folders) if split_by_name else summarize([f / "behave.log" for f in folders])
    return {"status": status, "scenarios": summary}


def summarize(logs: list[Path]) -> str:
    counts = [0, 0, 0, 0]
    for path in logs:
        text = path.read_text(errors="replace") if path.exists() else ""
        for match in _SUMMARY.finditer(text):
            for i, value in enumerate(match.groups()):
                counts[i] += int(value or 0)
    return f"{counts[0]} scenarios passed, {counts[1]} failed, {counts[2]} skipped" + (
        f", {counts[3]} untested" if counts[3] else "")


def summarize_results(folders: list[Path]) -> str:
    """The workers' Allure results counted: passed, failed (failed or broken) and skipped scenarios."""
    counts = dict.fromkeys(("passed", "failed", "skipped"), 0)
    for folder in folders:
        for result in (folder / "allure-results").glob("*/*-result.json"):
            status = _json(result, {}).get("status")
            key = "failed" if status in ("failed", "broken") else status
            if key in counts:
                counts[key] += 1
    return f"{counts['passed']} scenarios passed, {counts['failed']} failed, {counts['skipped']} skipped"


def merge_results(folders: list[Path], reports: Path) -> None:
    """The workers' Allure results, known defects and performance figures, as one run would have written them."""
    from quilt_e2e.reporting.allure import ALLURE_RESULT_FILES

    cleared: set[Path] = set()
    for folder in folders:
        for backend_dir in sorted((folder / "allure-results").glob("*")):
            target = reports / "allure-results" / backend_dir.name
            if target not in cleared:
                target.mkdir(parents=True, exist_ok=True)
                for pattern in ALLURE_RESULT_FILES:
                    for stale in target.glob(pattern):
                        stale.unlink()
                cleared.add(target)
            for item in backend_dir.iterdir():
                if item.is_file():
                    shutil.copy2(item, target / item.name)
    defects: list = []
    performance: dict[str, dict] = {}
    for folder in folders:
        defects += _json(folder / "known-defects.json", [])
        for backend, section in _json(folder / "performance.json", {}).items():
            merged = performance.setdefault(backend, {**section, "figures": [], "over_limit": 0, "run_id": []})
            merged["figures"] += section.get("figures", [])
            merged["over_limit"] += section.get("over_limit", 0)
            merged["run_id"].append(section.get("run_id"))
    (reports / "known-defects.json").write_text(json.dumps(defects, indent=2) + "\n")
    if performance:
        path = reports / "performance.json"
        report = _json(path, {})
        for backend, section in performance.items():
            report[backend] = {**section, "run_id": ",".join(r for r in section["run_id"] if r)}
        path.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")


def _json(path: Path, default):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return default


def _save_durations(folders: list[Path], reports: Path) -> None:
    """Seconds per backend and feature (by its title), and per backend and scenario (the Allure full name, the mean
    over the example rows that share it), from this run's Allure results: the next plan's weights."""
    durations = _json(reports / "parallel" / DURATIONS_FILE, {})
    totals: dict[str, float] = {}
    rows: dict[str, list[float]] = {}
    for folder in folders:
        for result in (folder / "allure-results").glob("*/*-result.json"):
            data = _json(result, {})
            feature = next((label["value"] for label in data.get("labels", []) if label.get("name") == "feature"), None)
            if feature and data.get("stop") and data.get("start"):
                seconds = (data["stop"] - data["start"]) / 1000
                key = duration_key(result.parent.name, feature)
                totals[key] = totals.get(key, 0.0) + seconds
                rows.setdefault(duration_key(result.parent.name, data.get("fullName") or feature), []).append(seconds)
    durations.update({k: round(v, 1) for k, v in totals.items()})
    durations.update({k: round(sum(v) / len(v), 2) for k, v in rows.items()})
    (reports / "parallel").mkdir(parents=True, exist_ok=True)
    (reports / "parallel" / DURATIONS_FILE).write_text(json.dumps(durations, indent=2, sort_keys=True) + "\n")
