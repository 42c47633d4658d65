"""The `quilt-e2e coverage` and `quilt-e2e mutate` subcommands (quilt_e2e.cli adds them to its parser)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from quilt_e2e.quality.coverage_run import MODES, CoverageRunError
from quilt_e2e.quality.mutate import MutateError
from quilt_e2e.quality.mutation_report import EquivalentsError
from quilt_e2e.quality.sut import SutError
from quilt_e2e.quality.unreachable import UnreachableListError

QUALITY_ERRORS = (CoverageRunError, MutateError, EquivalentsError, SutError, UnreachableListError)


def _modes(text: str) -> list[str]:
    modes = [m.strip().lstrip("@") for m in text.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        raise argparse.ArgumentTypeError(f"modes are a comma-separated list of {', '.join(MODES)}")
    return modes


def add_commands(commands) -> None:
    cov = commands.add_parser(
        "coverage",
        help="run behave per mode under coverage.py and report SUT line coverage",
        description=(
            "Run behave once per mode (--tags=@local, then --tags=@multiuser) under coverage.py, measuring the "
            "installed SUT's quilt_mcp/ops/, quilt_mcp/backends/ and quilt_mcp/services/athena_service.py with "
            "one coverage context per scenario. Prints statements, missed and percent per file and the total, and "
            "writes reports/coverage/ (coverage.json, html/, contexts.json: line -> scenarios per mode, the "
            "mutation job's map). behave's output is unchanged and its exit status is the command's."
        ),
    )
    cov.add_argument("--modes", type=_modes, default=list(MODES), metavar="MODES",
                     help="comma-separated modes to run, in order (default: local,multiuser)")
    cov.add_argument("--fail-under", type=float, default=None, metavar="PCT",
                     help="exit with status 2 when the total is below PCT (after behave's own status)")
    cov.add_argument("--output", type=Path, default=None, metavar="DIR",
                     help="where the reports go (default: reports/coverage)")
    cov.add_argument("--report-only", action="store_true",
                     help="do not run behave: rebuild the reports from the last run's data in --output")
    cov.add_argument("behave_args", nargs=argparse.REMAINDER, metavar="-- BEHAVE ARGS",
                     help="passed to behave, e.g. -- features/packages.feature")

    mut = commands.add_parser(
        "mutate",
        help="mutation testing of the SUT through the scenarios that cover each mutated line",
        description=(
            "Sample mutants of the measured SUT files on lines `quilt-e2e coverage` found covered, run each in a "
            "shadow copy of the installed package through `behave --tags=@MODE --stop` of exactly the scenarios "
            "that covered its line, and print the score (killed / survived / timeout / equivalent), overall and per "
            "file. Writes reports/mutation/mutation.json and mutation.md. Equivalent mutants are listed in "
            "features/contract/equivalent_mutants.yaml."
        ),
    )
    mut.add_argument("--sample", type=int, default=100, metavar="N", help="mutants to run (default: %(default)s)")
    mut.add_argument("--seed", type=int, default=0, metavar="S", help="sampling seed (default: %(default)s)")
    mut.add_argument("--files", action="append", default=None, metavar="GLOB",
                     help="only files matching GLOB (relative name like backends/*.py, or base name); repeatable")
    mut.add_argument("--jobs", type=int, default=1, metavar="N", help="mutants run in parallel (default: 1)")
    mut.add_argument("--list", action="store_true", dest="list_only", help="show the sample without running it")
    mut.add_argument("--mutant", action="append", default=None, metavar="ID", dest="mutant_ids",
                     help="run this mutant (repeatable); results in reports/mutation/single/")
    mut.add_argument("--map", type=Path, default=None, metavar="FILE", dest="coverage_map",
                     help="coverage map (default: reports/coverage/contexts.json)")
    mut.add_argument("--output", type=Path, default=None, metavar="DIR", help="default: reports/mutation")
    mut.add_argument("--timeout-factor", type=float, default=3.0, metavar="F",
                     help="a run times out after F x its expected duration + --timeout-extra (default: 3)")
    mut.add_argument("--timeout-extra", type=float, default=30.0, metavar="SECONDS", help="default: 30")
    mut.add_argument("--fail-under", type=float, default=None, metavar="PCT",
                     help="exit with status 2 when the score is below PCT")
    mut.add_argument("--stale-features-ok", action="store_true",
                     help="run even if feature files changed since `quilt-e2e coverage` (locations may be off)")


def run_command(args: argparse.Namespace) -> int:
    if args.command == "coverage":
        return _coverage(args)
    return _mutate(args)


def _coverage(args: argparse.Namespace) -> int:
    from quilt_e2e.quality import coverage_run

    behave_args = list(args.behave_args)
    if behave_args[:1] == ["--"]:
        behave_args = behave_args[1:]

    def echo(*parts, file=None):
        print(*parts, file=file or sys.stdout)
        (file or sys.stdout).flush()

    try:
        if args.report_only:
            result = coverage_run.report_only(args.modes, args.output)
        else:
            result = coverage_run.run(args.modes, behave_args, args.output, echo=echo)
    except coverage_run.CoverageRunError as exc:
        print(f"quilt-e2e coverage: error: {exc}", file=sys.stderr)
        return exc.status
    out = args.output or coverage_run.reports_dir() / "coverage"
    print()
    print(coverage_run.table(result, args.modes))
    walls = ", ".join(f"{mode} {seconds:.0f}s" for mode, seconds in result.wall_seconds.items())
    status = ", ".join(f"{mode} {rc}" for mode, rc in result.returncodes.items())
    print(f"quilt-e2e coverage: behave exit status {status}; wall time {walls}")
    print(f"quilt-e2e coverage: {out / 'coverage.json'}, {out / 'html' / 'index.html'}, {out / 'contexts.json'}")
    if result.behave_status:
        return result.behave_status
    if args.fail_under is not None and result.percent < args.fail_under:
        print(f"quilt-e2e coverage: total {result.percent:.1f}% is under --fail-under {args.fail_under:g}%",
              file=sys.stderr)
        return 2
    return 0


def _mutate(args: argparse.Namespace) -> int:
    from quilt_e2e.quality import mutate

    if args.sample < 1 or args.jobs < 1:
        raise MutateError("--sample and --jobs must be at least 1")
    options = mutate.Options(
        sample=args.sample, seed=args.seed, files=args.files, jobs=args.jobs, list_only=args.list_only,
        mutant_ids=args.mutant_ids, coverage_map=args.coverage_map, output=args.output,
        timeout_factor=args.timeout_factor, timeout_extra=args.timeout_extra,
        stale_features_ok=args.stale_features_ok,
    )
    result = mutate.run(options)
    if result is None:
        return 0
    total, _ = result
    if args.fail_under is not None and (total.percent or 0.0) < args.fail_under:
        print(f"quilt-e2e mutate: score under --fail-under {args.fail_under:g}%", file=sys.stderr)
        return 2
    return 0
