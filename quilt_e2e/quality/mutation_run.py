"""Running mutants: each one in subprocesses over an overlay of the installed SUT (quilt_e2e.quality.overlay),
running `behave --tags=@MODE --stop FILE:LINE ...` for exactly the scenarios that covered the mutated line,
mode by mode (cheapest first), until one run fails.

A mutant is
  killed    when a run exits non-zero after running scenarios (a failed scenario; the known-defect rule
            already turns a changed failure or an unexpected pass into a failure),
  timeout   when a run exceeds its limit (3 x the expected duration + 30 s by default) — counts as killed,
  survived  when every run passes,
  error     when a run exits non-zero without running any scenario (the stack did not start, ...): not the
            mutant's doing, left out of the score and worth a re-run (`quilt-e2e mutate --mutant ID`).
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from quilt_e2e.quality import overlay
from quilt_e2e.quality.mutants import ModeRun, Plan

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KILLED, SURVIVED, TIMEOUT, ERROR, EQUIVALENT = "killed", "survived", "timeout", "error", "equivalent"
SUMMARY = re.compile(r"^(\d+) scenarios? passed\b.*$", re.M)  # behave: "3 scenarios passed, 1 failed, 2 skipped"
COUNT = re.compile(r"(\d+) (?:scenarios? )?([a-z_]+)")
PROBLEM_SECTIONS = ("Failing scenarios:", "Errored scenarios:")


def behave_command(run: ModeRun) -> list[str]:
    return [sys.executable, "-m", "behave", f"--tags=@{run.mode}", "--stop", "-f", "plain", "--no-timings",
            *run.locations]


@dataclass
class RunRecord:
    mode: str
    scenarios: list[str]
    returncode: int | None
    seconds: float
    timeout_seconds: float
    verdict: str  # passed | failed | timeout | error
    log: str = ""  # where the run's output is
    failing: list[str] = field(default_factory=list)  # behave's "Failing scenarios" lines


@dataclass
class Outcome:
    id: str
    status: str
    seconds: float = 0.0
    runs: list[RunRecord] = field(default_factory=list)
    reason: str = ""  # equivalent: why


def run_verdict(returncode: int, output: str) -> tuple[str, list[str]]:
    """passed / failed / error from behave's exit status and console output."""
    failing = _failing_scenarios(output)
    if returncode == 0:
        return "passed", failing
    counts = scenario_counts(output)
    ran_badly = sum(v for k, v in counts.items() if k not in ("passed", "skipped", "untested"))
    if ran_badly or failing or "UNEXPECTED PASS" in output:
        return "failed", failing
    return "error", failing


def scenario_counts(output: str) -> dict[str, int]:
    """behave's last summary line `3 scenarios passed, 1 failed, 2 skipped` as {"passed": 3, "failed": 1, ...}."""
    lines = [m.group(0) for m in SUMMARY.finditer(output)]
    return {kind: int(number) for number, kind in COUNT.findall(lines[-1])} if lines else {}


def _failing_scenarios(output: str) -> list[str]:
    """The `location  name` lines behave lists under "Failing scenarios:" and "Errored scenarios:"."""
    found = []
    for section in PROBLEM_SECTIONS:
        if section not in output:
            continue
        for line in output.split(section, 1)[1].splitlines()[1:]:
            if not line.startswith("  ") or not line.strip():
                break
            found.append(line.strip())
    return found


class MutantRunner:
    """Runs mutants of the installed package `package_dir` with `command(run)` per mode (behave by default)."""

    def __init__(self, package_dir: Path, log_dir: Path, *, command: Callable[[ModeRun], list[str]] = behave_command,
                 cwd: Path = PROJECT_ROOT, timeout_factor: float = 3.0, timeout_extra: float = 30.0,
                 verdict: Callable[[int, str], tuple[str, list[str]]] = run_verdict):
        self.package_dir = Path(package_dir)
        self.log_dir = Path(log_dir)
        self.command = command
        self.cwd = cwd
        self.timeout_factor = timeout_factor
        self.timeout_extra = timeout_extra
        self.verdict = verdict
        self._live: set[subprocess.Popen] = set()  # runs in progress (their own process groups)
        self._stopping = False

    def timeout_for(self, run: ModeRun) -> float:
        return self.timeout_factor * run.estimated_seconds + self.timeout_extra

    def run(self, plan: Plan, reports_dir: Path) -> Outcome:
        mutant = plan.mutant
        source = (self.package_dir / mutant.file).read_text(encoding="utf-8")
        outcome = Outcome(mutant.id, SURVIVED)
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=f"quilt-mutant-{mutant.id}-") as tmp:
            root = overlay.build(self.package_dir, Path(tmp), mutant.file, mutant.mutation.apply(source))
            env = overlay.environment(root, reports_dir=reports_dir)
            for mode_run in plan.runs:
                record = self._run_mode(mutant.id, mode_run, env)
                outcome.runs.append(record)
                if record.verdict == "failed":
                    outcome.status = KILLED
                elif record.verdict == "timeout":
                    outcome.status = TIMEOUT
                elif record.verdict == "error":
                    outcome.status = ERROR
                if record.verdict != "passed":
                    break
        outcome.seconds = time.monotonic() - started
        return outcome

    def _run_mode(self, mutant_id: str, run: ModeRun, env: dict[str, str]) -> RunRecord:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{mutant_id}.{run.mode}.log"
        limit = self.timeout_for(run)
        started = time.monotonic()
        with open(log, "w", encoding="utf-8") as out:
            if self._stopping:
                raise KeyboardInterrupt
            process = subprocess.Popen(self.command(run), cwd=self.cwd, env=env, stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True)
            self._live.add(process)
            try:
                returncode = process.wait(timeout=limit)
            except subprocess.TimeoutExpired:
                _stop(process)
                return RunRecord(run.mode, run.locations, None, time.monotonic() - started, limit, "timeout", str(log))
            finally:
                self._live.discard(process)
            if self._stopping:
                raise KeyboardInterrupt
        output = log.read_text(encoding="utf-8", errors="replace")
        verdict, failing = self.verdict(returncode, output)
        return RunRecord(run.mode, run.locations, returncode, time.monotonic() - started, limit, verdict, str(log),
                         failing)

    def run_all(self, plans: list[Plan], reports_root: Path, jobs: int = 1,
                progress: Callable[[Plan, Outcome, int, int], None] | None = None) -> list[Outcome]:
        """Run every plan, `jobs` at a time; worker N writes behave's reports into reports_root/worker-N."""
        slots: queue.Queue[Path] = queue.Queue()
        for n in range(max(1, jobs)):
            slots.put(reports_root / f"worker-{n}")
        done = [0]
        lock = threading.Lock()

        def one(plan: Plan) -> Outcome:
            slot = slots.get()
            try:
                outcome = self.run(plan, slot)
            finally:
                slots.put(slot)
            with lock:
                done[0] += 1
                if progress is not None:
                    progress(plan, outcome, done[0], len(plans))
            return outcome

        pool = ThreadPoolExecutor(max_workers=max(1, jobs))
        try:
            return list(pool.map(one, plans))
        except KeyboardInterrupt:
            # the runs are in their own process groups (a timeout must stop a whole behave): stop them here
            self._stopping = True
            for process in list(self._live):
                _stop(process)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the run's process group (behave's hooks then tear the stack down), SIGKILL if it lingers."""
    for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue
