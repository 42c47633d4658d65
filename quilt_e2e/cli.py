"""The `quilt-e2e` command line.

    quilt-e2e report [--results DIR] [--output DIR] [--single-file] [--node-modules DIR]
    quilt-e2e coverage [--modes local,multiuser] [--fail-under PCT] [-- BEHAVE ARGS]
    quilt-e2e mutate [--sample N] [--seed S] [--files GLOB] [--jobs N] [--list] [--mutant ID]
    quilt-e2e contract
    quilt-e2e check-auth | baselines | cleanup | cost-report   (operator commands, quilt_e2e/operator/)
    quilt-e2e runs [--reap] [-D KEY=VALUE ...] [--endpoint-url URL] [--stale-after SECONDS]
    quilt-e2e stack up|status|down [--kind embedded]
    quilt-e2e run --jobs N [--tags EXPR] [-- BEHAVE ARGS]
    quilt-e2e docker build [--rebuild] | status | clean [--images]

Errors a user can fix are one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

PROG = "quilt-e2e"


def _parser() -> argparse.ArgumentParser:
    from quilt_e2e.reporting import report

    parser = argparse.ArgumentParser(prog=PROG, description="Tools of the QuiltOps end-to-end suite.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    rep = commands.add_parser(
        "report",
        help="build the HTML report (Allure 2) of the last behave run",
        description=(
            "Build the Allure 2 HTML report from behave's Allure results, keeping the history of earlier "
            "reports in the same --output so trends show across runs. Needs Node.js (`npm ci` installs the "
            "pinned allure-commandline into ./node_modules) and Java."
        ),
    )
    rep.add_argument("--results", type=Path, default=report.DEFAULT_RESULTS, metavar="DIR",
                     help="Allure results written by behave (default: %(default)s)")
    rep.add_argument("--output", type=Path, default=report.DEFAULT_OUTPUT, metavar="DIR",
                     help="report directory, replaced on every run; its history/ is kept (default: %(default)s)")
    rep.add_argument("--single-file", action="store_true",
                     help=f"also write one self-contained, shareable HTML file ({report.SINGLE_FILE_NAME} in --output)")
    rep.add_argument("--node-modules", type=Path, default=None, metavar="DIR",
                     help=f"where `npm ci` installed allure-commandline (default: ${report.NODE_MODULES_ENV}, "
                          "else ./node_modules, else the project's node_modules)")
    rep.add_argument("--name", default=report.REPORT_NAME, help="report title (default: %(default)s)")
    commands.add_parser(
        "contract",
        help="check the API contract matrix against the installed SUT and the features; print its size",
        description=(
            "Load features/contract/*.yaml, check it against the installed quilt-mcp (every public member, "
            "parameter and returned field has a cell) and the feature files (every cell names a scenario that "
            "runs on its backends), and print the number of asserted and not-applicable cells per backend."
        ),
    )
    from quilt_e2e.quality.cli import add_commands

    add_commands(commands)
    from quilt_e2e.operator import cli as operator_cli

    operator_cli.add_commands(commands)
    from quilt_e2e import runs_cli

    runs_cli.add_commands(commands)
    from quilt_e2e.stack.docker import cli as docker_cli

    docker_cli.add_commands(commands)
    from quilt_e2e import stack_cli

    stack_cli.add_commands(commands)
    from quilt_e2e import parallel

    parallel.add_command(commands)
    return parser


def _contract() -> int:
    from quilt_e2e import contract

    matrix = contract.load_matrix()
    problems = contract.check(matrix)
    print(f"{PROG} contract: {len(matrix.members)} members, {len(matrix.cells)} cells")
    for backend, counts in contract.summary(matrix).items():
        print(f"{PROG} contract:   {backend}: {counts['asserted']} asserted by scenarios, "
              f"{counts['not_applicable']} not applicable (with a reason)")
    for problem in problems:
        print(f"{PROG} contract: problem: {problem}", file=sys.stderr)
    return 1 if problems else 0


def _report(args: argparse.Namespace) -> int:
    from quilt_e2e.reporting import report

    built = report.generate(
        args.results, args.output, single_file=args.single_file, node_modules=args.node_modules, name=args.name
    )
    prefix = f"{PROG} report:"
    history = "with the history of earlier reports" if built.history_carried else "no earlier history"
    print(f"{prefix} {report.summary_line(built.counts)} (run #{built.build_order}, {history})")
    print(f"{prefix} {built.index.resolve()}")
    print(f"{prefix} view it over HTTP: python3 -m http.server -b 127.0.0.1 -d {args.output} 8000, "
          "then open http://127.0.0.1:8000/")
    if built.single_file is not None:
        print(f"{prefix} single file: {built.single_file.resolve()} (opens from disk, shareable)")
    return 0


def main(argv: list[str] | None = None) -> int:
    from quilt_e2e import runs_cli
    from quilt_e2e.contract import ContractError
    from quilt_e2e.operator.cli import COMMANDS as OPERATOR_COMMANDS
    from quilt_e2e.operator.cli import run_command as run_operator_command
    from quilt_e2e.parallel import RunnerError
    from quilt_e2e.quality.cli import QUALITY_ERRORS, run_command
    from quilt_e2e.reporting.report import ReportError
    from quilt_e2e.stack import StackError
    from quilt_e2e.stack_cli import SHARED_ERRORS
    from quilt_e2e.stack_cli import run_command as run_shared_command

    args = _parser().parse_args(argv)
    try:
        if args.command == "report":
            return _report(args)
        if args.command in ("coverage", "mutate"):
            return run_command(args)
        if args.command == "contract":
            return _contract()
        if args.command in OPERATOR_COMMANDS:
            return run_operator_command(args)
        if args.command == "runs":
            return runs_cli.run_command(args)
        if args.command == "stack":
            return run_shared_command(args)
        if args.command == "run":
            from quilt_e2e import parallel

            return parallel.run(args)
        if args.command == "docker":
            from quilt_e2e.stack.docker.cli import run_command as docker_command

            return docker_command(args)
    except (ReportError, ContractError, StackError, *QUALITY_ERRORS, *SHARED_ERRORS, RunnerError,
            runs_cli.RunsCommandError) as exc:
        print(f"{PROG} {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG} {args.command}: interrupted", file=sys.stderr)
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
