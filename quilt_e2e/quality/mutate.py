"""`quilt-e2e mutate`: sample mutants of the installed SUT's measured files on lines the coverage map says are
covered, run each through the scenarios that covered its line, and score them.

Needs reports/coverage/contexts.json from `quilt-e2e coverage` (of the same SUT files). Writes
reports/mutation/mutation.json and mutation.md, and each run's behave output in reports/mutation/logs/.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

from quilt_e2e.quality import sut
from quilt_e2e.quality.contexts import CoverageMap
from quilt_e2e.quality.coverage_run import PROJECT_ROOT, reports_dir
from quilt_e2e.quality.mutants import Plan, Population, all_mutants, plan, population, sample, stale_files
from quilt_e2e.quality.mutation_report import Score, load_equivalents, score, write
from quilt_e2e.quality.mutation_run import EQUIVALENT, MutantRunner, Outcome


class MutateError(Exception):
    """A problem the user can fix (no coverage map, unknown mutant id, ...); one line."""


@dataclass
class Options:
    sample: int = 100
    seed: int = 0
    files: list[str] | None = None
    jobs: int = 1
    list_only: bool = False
    mutant_ids: list[str] | None = None
    coverage_map: Path | None = None
    output: Path | None = None
    timeout_factor: float = 3.0
    timeout_extra: float = 30.0
    stale_features_ok: bool = False


def load_map(path: Path) -> CoverageMap:
    if not path.is_file():
        raise MutateError(f"no coverage map at {path}: run `quilt-e2e coverage` first")
    try:
        return CoverageMap.load(path)
    except (ValueError, KeyError, TypeError) as exc:
        raise MutateError(f"{path}: {exc}; run `quilt-e2e coverage` again") from None


def select(options: Options, cmap: CoverageMap, package_dir: Path) -> tuple[Population, list[Plan]]:
    """The population of mutants on covered lines and the plans to run (the sample, or the given ids)."""
    mutants = all_mutants(package_dir, options.files)
    pop = population(mutants, cmap)
    if options.mutant_ids:
        by_id = {m.id: m for m in mutants}
        missing = [i for i in options.mutant_ids if i not in by_id]
        if missing:
            raise MutateError(f"unknown mutant id(s) {', '.join(missing)} (see `quilt-e2e mutate --list`)")
        plans = [plan(by_id[i], cmap) for i in options.mutant_ids]
        uncovered = [p.mutant.id for p in plans if not p.covered]
        if uncovered:
            raise MutateError(f"mutant(s) {', '.join(uncovered)} are on lines no usable scenario covers")
        return pop, plans
    return pop, sample(pop.eligible, options.sample, options.seed)


def describe_population(pop: Population, chosen: int, seed: int) -> str:
    return (f"{pop.candidates} mutants of the selected files: {pop.import_time} at import time (module/class level, "
            f"not sampled), {pop.uncovered} on lines no usable scenario covers, {len(pop.eligible)} on covered lines; "
            f"running {chosen} (seed {seed})")


def list_lines(plans: list[Plan], equivalents) -> list[str]:
    lines = []
    for p in plans:
        m = p.mutant
        runs = ", ".join(f"{r.mode} {len(r.scenarios)}" for r in p.runs)
        mark = "  [equivalent]" if m.id in equivalents else ""
        lines.append(f"{m.id}  {m.where:<44} {m.operator:<16} {m.describe()}  (scenarios: {runs}; "
                     f"~{p.estimated_seconds:.0f}s){mark}")
    return lines


def run(options: Options, echo=print) -> tuple[Score, list[Outcome]] | None:
    package_dir = sut.package_dir()
    out = options.output or reports_dir() / "mutation"
    cmap = load_map(options.coverage_map or reports_dir() / "coverage" / "contexts.json")
    stale = stale_files(cmap, package_dir)
    if stale:
        raise MutateError(f"the coverage map was recorded on other versions of {', '.join(stale)}: "
                          "run `quilt-e2e coverage` again")
    changed = cmap.changed_features(PROJECT_ROOT)
    if changed and not options.stale_features_ok:
        raise MutateError(f"{', '.join(changed)} changed since the coverage run, so its FILE:LINE locations may "
                          "name other scenarios: run `quilt-e2e coverage` again (or pass --stale-features-ok)")
    equivalents = load_equivalents()
    pop, plans = select(options, cmap, package_dir)
    echo(f"quilt-e2e mutate: {describe_population(pop, len(plans), options.seed)}")
    if options.list_only:
        for line in list_lines(plans, equivalents):
            echo(line)
        estimate = sum(p.estimated_seconds for p in plans if p.mutant.id not in equivalents)
        echo(f"quilt-e2e mutate: estimated {estimate / 60:.1f} min at most with --jobs 1 (every mode run in full)")
        return None

    runner = MutantRunner(package_dir, out / "logs", timeout_factor=options.timeout_factor,
                          timeout_extra=options.timeout_extra)
    to_run = [p for p in plans if p.mutant.id not in equivalents]
    started = time.monotonic()

    def progress(p: Plan, outcome: Outcome, done: int, total: int) -> None:
        echo(f"[{done}/{total}] {outcome.status:<8} {p.mutant.id} {p.mutant.where} {p.mutant.operator}: "
             f"{p.mutant.describe()} ({outcome.seconds:.0f}s)")
        sys.stdout.flush()

    ran = runner.run_all(to_run, out / "behave-reports", jobs=options.jobs, progress=progress)
    elapsed = time.monotonic() - started
    by_id = {o.id: o for o in ran}
    outcomes = []
    for p in plans:
        if p.mutant.id in equivalents:
            outcomes.append(Outcome(p.mutant.id, EQUIVALENT, reason=equivalents[p.mutant.id].reason))
        else:
            outcomes.append(by_id[p.mutant.id])
    meta = {
        "sut_version": sut.version(), "package_dir": str(package_dir), "seed": options.seed,
        "sample": len(plans), "eligible": len(pop.eligible), "candidates": pop.candidates,
        "import_time": pop.import_time, "uncovered": pop.uncovered, "jobs": options.jobs,
        "files": options.files or [], "elapsed_seconds": round(elapsed, 1),
        "seconds_per_mutant": round(elapsed / len(to_run), 1) if to_run else 0.0,
        "mutant_ids": options.mutant_ids or [], "changed_features": changed,
    }
    if options.mutant_ids:
        out = out / "single"
    json_path, md_path = write(out, plans, outcomes, meta)
    total = score(outcomes)
    echo(f"quilt-e2e mutate: score {total.line()}")
    echo(f"quilt-e2e mutate: {elapsed:.0f}s, {meta['seconds_per_mutant']}s per mutant with --jobs {options.jobs}")
    echo(f"quilt-e2e mutate: {md_path} and {json_path.name}")
    return total, outcomes
