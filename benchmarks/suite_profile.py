"""Where a behave run's time goes: the SUT, the stack's servers, or the suite's own work.

Runs behave in this process (same arguments as `behave`) and, per scenario, adds up
- wall and CPU seconds (CPU of the whole process: the SUT, the suite and the in-process servers),
- seconds inside SUT calls (`RecordedCall.__call__` of the domain's driver, the one place that calls QuiltOps),
- milliseconds the servers spent answering, split into moto, the Athena SQL front (DuckDB) and the
  catalog stand-in, and into requests made while a SUT call ran vs. the suite's own (setup, checks).
`suite own` = wall - SUT calls: everything the suite does around them (set-up, verification reads,
expectations, hooks, reporting); it also holds the first import of quilt_mcp (in the run's first scenario,
seconds) and SUT objects built outside the driver (the Athena service's constructor).
Nothing is patched in the SUT: only the suite's driver and RequestLog are wrapped, and only in this process.

Run:  QUILT_E2E_REPORTS_DIR=/tmp/reports-profile .venv/bin/python benchmarks/suite_profile.py \\
          --out /tmp/profile.json -- --tags=@local features/packages.feature
Prints one line per feature and the slowest scenarios; --out keeps every scenario's figures as JSON.
      .venv/bin/python benchmarks/suite_profile.py compare BEFORE.json AFTER.json
prints the per-feature table of two such runs (Markdown) and every scenario whose outcome differs.
Times depend on the machine's load: compare runs made back to back.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, os.getcwd())  # the checkout behave runs in (compare two checkouts with one script)

FIELDS = ("wall", "cpu", "sut", "aws_sut_ms", "aws_suite_ms", "athena_ms", "catalog_ms", "requests")


class Tally:
    """Counters shared by the wrappers; a SUT call in progress is counted per process (threads included)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.in_sut = 0
        self.totals = collections.Counter()

    def add(self, **values) -> None:
        with self.lock:
            self.totals.update(values)

    def snapshot(self) -> collections.Counter:
        with self.lock:
            return collections.Counter(self.totals)


TALLY = Tally()


def _instrument() -> None:
    from behave.model import Scenario

    from quilt_e2e.catalog.server import CatalogRequestLog
    from quilt_e2e.domain.driver import RecordedCall
    from quilt_e2e.loopback import RequestLog

    original_call = RecordedCall.__call__

    def timed_call(self, *args, **kwargs):
        with TALLY.lock:
            TALLY.in_sut += 1
        started = time.perf_counter()
        try:
            return original_call(self, *args, **kwargs)
        finally:
            with TALLY.lock:
                TALLY.in_sut -= 1
                TALLY.totals["sut"] += time.perf_counter() - started

    RecordedCall.__call__ = timed_call

    original_log_call = RequestLog.__call__

    def log_call(self, environ, start_response):
        in_sut = TALLY.in_sut > 0
        started = time.perf_counter()
        try:
            return original_log_call(self, environ, start_response)
        finally:
            ms = (time.perf_counter() - started) * 1000
            if isinstance(self, CatalogRequestLog):
                TALLY.add(catalog_ms=ms, requests=1)
            elif environ.get("HTTP_X_AMZ_TARGET", "").startswith("AmazonAthena"):
                TALLY.add(athena_ms=ms, requests=1)
            else:
                TALLY.add(**{"aws_sut_ms" if in_sut else "aws_suite_ms": ms}, requests=1)

    RequestLog.__call__ = log_call

    original_run = Scenario.run

    def run(self, runner):
        before, wall0, cpu0 = TALLY.snapshot(), time.perf_counter(), time.process_time()
        try:
            return original_run(self, runner)
        finally:
            after = TALLY.snapshot()
            figures = {key: after[key] - before[key] for key in FIELDS[2:]}
            figures.update(wall=time.perf_counter() - wall0, cpu=time.process_time() - cpu0)
            SCENARIOS.append({"feature": self.feature.filename, "line": self.line, "name": self.name,
                              "status": self.status.name, "ran": any(_ran(step) for step in self.steps), **figures})

    Scenario.run = run


SCENARIOS: list[dict] = []


def _ran(step) -> bool:
    """The step ran: it passed or failed, or it is the known defect's failure shown as skipped with its reason."""
    return step.status.name in ("passed", "failed", "error") or bool(getattr(step, "error_message", None))


def _summary(scenarios: list[dict], slowest: int) -> str:
    per_feature: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    scenarios = [row for row in scenarios if row["ran"]]  # not those the tags or the known-defect rule left out
    for row in scenarios:
        per_feature[row["feature"]].update({key: row[key] for key in FIELDS}, scenarios=1)
    header = (f"{'':44} {'n':>4} {'wall s':>8} {'cpu s':>7} {'SUT s':>7} {'own s':>7} "
              f"{'moto/SUT':>9} {'moto/own':>9} {'athena':>7} {'catalog':>8}")
    lines = [header]

    def line(label, row, count):
        return (f"{label[:44]:44} {count:>4} {row['wall']:8.1f} {row['cpu']:7.1f} {row['sut']:7.1f} "
                f"{row['wall'] - row['sut']:7.1f} {row['aws_sut_ms'] / 1000:9.1f} {row['aws_suite_ms'] / 1000:9.1f} "
                f"{row['athena_ms'] / 1000:7.1f} {row['catalog_ms'] / 1000:8.1f}")

    total = collections.Counter()
    for feature, row in sorted(per_feature.items(), key=lambda item: -item[1]["wall"]):
        lines.append(line(feature, row, row["scenarios"]))
        total.update(row)
    lines.append(line("total", total, total["scenarios"]))
    lines.append(f"\nslowest {slowest} scenarios:")
    for row in sorted(scenarios, key=lambda r: -r["wall"])[:slowest]:
        lines.append(line(f"{Path(row['feature']).name}:{row['line']} {row['name']}", row, 1))
    return "\n".join(lines)


def compare(before_file: Path, after_file: Path) -> str:
    """Per feature: wall and CPU seconds before → after, and every scenario whose status changed."""
    before, after = (json.loads(Path(f).read_text()) for f in (before_file, after_file))

    def per_feature(run):
        table = collections.defaultdict(collections.Counter)
        for row in run["scenarios"]:
            table[Path(row["feature"]).name].update(wall=row["wall"], cpu=row["cpu"], sut=row["sut"],
                                                    n=int(row.get("ran", True)))
        return table

    old, new = per_feature(before), per_feature(after)
    lines = ["| feature | scenarios | wall s before | wall s after | CPU s before | CPU s after | SUT s before "
             "| SUT s after |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name in sorted(set(old) | set(new), key=lambda n: -old[n]["wall"]):
        a, b = old[name], new[name]
        lines.append(f"| {name} | {a['n']} / {b['n']} | {a['wall']:.1f} | {b['wall']:.1f} | {a['cpu']:.1f} | "
                     f"{b['cpu']:.1f} | {a['sut']:.1f} | {b['sut']:.1f} |")
    lines.append(f"| **behave run** | | {before['wall']:.1f} | {after['wall']:.1f} | {before['cpu']:.1f} | "
                 f"{after['cpu']:.1f} | | |")
    def status(run):
        return {(Path(r["feature"]).name, r["line"], r["name"]): r["status"] for r in run["scenarios"]}

    old_status, new_status = status(before), status(after)
    changed = sorted(k for k in set(old_status) | set(new_status) if old_status.get(k) != new_status.get(k))
    lines.append("")
    lines.append("outcomes: identical" if not changed else "outcomes changed:\n" + "\n".join(
        f"  {k[0]}:{k[1]} {k[2]}: {old_status.get(k)} -> {new_status.get(k)}" for k in changed))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["compare"]:
        if len(argv) != 3:
            print("usage: suite_profile.py compare BEFORE.json AFTER.json", file=sys.stderr)
            return 2
        print(compare(Path(argv[1]), Path(argv[2])))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="write every scenario's figures here (JSON)")
    parser.add_argument("--slowest", type=int, default=15, help="how many of the slowest scenarios to list")
    parser.add_argument("behave_args", nargs="*", help="arguments for behave (after --)")
    args = parser.parse_args(argv)
    _instrument()
    from behave.__main__ import main as behave_main

    started = time.perf_counter()
    status = behave_main(args.behave_args)
    elapsed = time.perf_counter() - started
    print(_summary(SCENARIOS, args.slowest), file=sys.stderr)
    print(f"behave wall {elapsed:.1f} s, process CPU {time.process_time():.1f} s", file=sys.stderr)
    if args.out:
        args.out.write_text(json.dumps({"wall": elapsed, "cpu": time.process_time(), "scenarios": SCENARIOS},
                                       indent=1))
    return status


if __name__ == "__main__":
    sys.exit(main())
