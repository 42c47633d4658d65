"""Repeatability: run the same behave selection N times and compare the outcomes.

    .venv/bin/python benchmarks/repeat_runs.py --runs 10 --backends local,multiuser features/bucket_listing.feature
    .venv/bin/python benchmarks/repeat_runs.py --runs 3 -- --tags=@athena -D fault=slowdown:0.3
    .venv/bin/python benchmarks/repeat_runs.py --runs 10 --jobs 2        # the whole suite, `quilt-e2e run --jobs 2`

An outcome is, per backend, every scenario's Allure status (keyed by its full name, so an outline's rows and the two
backends stay apart) and the known defects the run reproduced (reports/known-defects.json). Each run writes its own
reports directory; the first run is the reference. Prints one line per run (exit status, seconds, counts per
status) and every scenario whose outcome differs between runs, with the run numbers; exit status 1 if any differs,
2 for a usage error.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from quilt_e2e.reporting.outcomes import scenario_outcomes

PROJECT = Path(__file__).resolve().parents[1]
BACKENDS = ("local", "multiuser")


def outcome(reports: Path, backend: str) -> dict[str, str]:
    """scenario (an outline's example row included) → status, or the known defect it reproduced, of one run."""
    found = scenario_outcomes(reports / "allure-results")
    return {key: status for key, status in found.items() if key.startswith(f"{backend} | ")}


def command(backend: str, behave_args: list[str], jobs: int) -> list[str]:
    """One run: behave on the embedded stack, or (jobs > 0) the parallel runner on a stack server of its own."""
    if jobs:
        return [str(Path(sys.executable).with_name("quilt-e2e")), "run", "--jobs", str(jobs), "--tags", f"@{backend}",
                "--", *behave_args]
    return [sys.executable, "-m", "behave", f"--tags=@{backend}", "-f", "null", "--no-summary", *behave_args]


def run_once(number: int, backend: str, behave_args: list[str], root: Path,
             jobs: int = 0) -> tuple[int, float, dict[str, str]]:
    reports = root / f"run-{number:02d}" / backend
    env = {k: v for k, v in os.environ.items() if k not in ("QUILT_E2E_STACK", "QUILT_E2E_STACK_STATE")}
    env["QUILT_E2E_REPORTS_DIR"] = str(reports)
    started = time.perf_counter()
    proc = subprocess.run(command(backend, behave_args, jobs), cwd=PROJECT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["(no output)"]
        print(f"run {number} {backend}: behave exited {proc.returncode}: {tail[0]}", file=sys.stderr)
    return proc.returncode, seconds, outcome(reports, backend)


def differences(outcomes: list[dict[str, str]]) -> list[str]:
    lines = []
    for scenario in sorted(set().union(*outcomes)):
        seen = [o.get(scenario, "absent") for o in outcomes]
        if len(set(seen)) > 1:
            by_status = collections.defaultdict(list)
            for number, status in enumerate(seen, 1):
                by_status[status].append(str(number))
            lines.append(f"{scenario}: " + "; ".join(f"{s} in run(s) {','.join(n)}" for s, n in by_status.items()))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--backends", default="local,multiuser", help="comma-separated: local, multiuser")
    parser.add_argument("--jobs", type=int, default=0, metavar="N",
                        help="run each with `quilt-e2e run --jobs N` instead of one behave process (default: behave)")
    parser.add_argument("--keep", type=Path, default=None, help="keep every run's reports here (default: a temp dir)")
    parser.add_argument("behave_args", nargs="*", help="feature files and other behave arguments (after --)")
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if args.runs < 2 or any(b not in BACKENDS for b in backends):
        print(f"repeat_runs: --runs must be at least 2 and --backends a list of {', '.join(BACKENDS)}", file=sys.stderr)
        return 2
    root = args.keep or Path(tempfile.mkdtemp(prefix="quilt-e2e-repeat-"))
    outcomes: list[dict[str, str]] = []
    for number in range(1, args.runs + 1):
        merged: dict[str, str] = {}
        for backend in backends:
            code, seconds, result = run_once(number, backend, args.behave_args, root, args.jobs)
            merged.update(result)
            counts = collections.Counter(status.split(" ")[0] for status in result.values())
            print(f"run {number} {backend}: exit {code}, {seconds:.1f} s, "
                  + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())), flush=True)
        outcomes.append(merged)
    diff = differences(outcomes)
    scenarios = len(set().union(*outcomes))
    if diff:
        print(f"repeat_runs: {len(diff)} of {scenarios} scenario outcomes differ across {args.runs} runs:")
        for line in diff:
            print(f"  {line}")
        return 1
    print(f"repeat_runs: {args.runs} runs, {scenarios} scenario outcomes identical in every run (reports in {root})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
