"""Serial behave vs `quilt-e2e run --jobs N --split features|scenarios`, side by side in one session.

    .venv/bin/python benchmarks/parallel_benchmark.py [--tags @local] [--jobs 1,2] [--split features,scenarios]
        [--out FILE] [FEATURE ...]

Every parallel variant plans with the committed weights (quilt_e2e/parallel_durations.json). Each variant gets
its own reports dir under a temporary folder. For each: wall time of the whole command
(stack start-up included) and its outcome per scenario from the Allure results: passed, skipped, known defect
(a skipped result whose reason is KNOWN DEFECT ...) or failed. The variants must agree scenario by scenario;
any difference is listed. Wall times depend on the machine and its load: run on an otherwise idle one.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from quilt_e2e.reporting.outcomes import scenario_outcomes

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def outcomes(results_root: Path) -> dict[str, str]:
    return scenario_outcomes(results_root / "allure-results")


def measure(name: str, command: list[str], reports: Path) -> dict:
    env = {**os.environ, "QUILT_E2E_REPORTS_DIR": str(reports)}
    for variable in ("QUILT_E2E_STACK", "QUILT_E2E_STACK_STATE", "QUILT_E2E_ENDPOINT_URL", "QUILT_E2E_CATALOG_URL"):
        env.pop(variable, None)
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - started
    (reports / "command.log").write_bytes(completed.stdout)
    found = outcomes(reports)
    counts: dict[str, int] = {}
    for status in found.values():
        key = "known defect" if status.startswith("known defect") else status
        counts[key] = counts.get(key, 0) + 1
    print(f"{name}: {seconds:.1f}s, exit {completed.returncode}, {counts}", flush=True)
    return {"name": name, "command": " ".join(command), "seconds": round(seconds, 1), "exit": completed.returncode,
            "counts": counts, "outcomes": found}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tags", default="@local")
    parser.add_argument("--jobs", default="1,2", help="comma-separated worker counts (default: 1,2)")
    parser.add_argument("--split", default="features",
                        help="comma-separated: features, scenarios (default: features)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "parallel_benchmark.json")
    parser.add_argument("features", nargs="*", help="feature files (default: all)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="quilt-e2e-parallel-bench-"))
    runs = [measure("behave (serial, embedded)",
                    [str(BIN / "behave"), f"--tags={args.tags}", "--format=progress", *args.features],
                    root / "serial")]
    for jobs in [int(j) for j in args.jobs.split(",")]:
        for split in args.split.split(","):
            # every variant plans with the same weights: the committed baseline (a fresh reports dir has none)
            name = f"quilt-e2e run --jobs {jobs} --split {split}"
            runs.append(measure(name, [str(BIN / "quilt-e2e"), "run", "--jobs", str(jobs), "--split", split, "--tags",
                                       args.tags, *(["--", *args.features] if args.features else [])],
                                root / f"jobs-{jobs}-{split}"))
    serial = runs[0]
    lines = ["| command | wall s | × serial | exit | outcomes | same outcomes as serial |",
             "|---|---:|---:|---:|---|---|"]
    for run in runs:
        differ = sorted(k for k in set(serial["outcomes"]) | set(run["outcomes"])
                        if serial["outcomes"].get(k) != run["outcomes"].get(k))
        run["differences"] = [f"{k}: serial {serial['outcomes'].get(k)}, this {run['outcomes'].get(k)}" for k in differ]
        ratio = run["seconds"] / serial["seconds"] if serial["seconds"] else 0
        lines.append(f"| `{run['command'].replace(str(BIN) + '/', '')}` | {run['seconds']} | {ratio:.2f} "
                     f"| {run['exit']} | {run['counts']} | {'yes' if not differ else f'NO ({len(differ)} differ)'} |")
    print("\n".join(lines))
    for run in runs[1:]:
        for difference in run["differences"][:20]:
            print(f"  {run['name']}: {difference}")
    details = {"tags": args.tags, "features": args.features, "runs": runs, "table": lines}
    args.out.write_text(json.dumps(details, indent=2) + "\n")
    print(f"details: {args.out}; logs in {root}")
    return 0 if all(not r["differences"] and r["exit"] == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
