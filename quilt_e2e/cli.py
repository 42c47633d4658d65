"""The `quilt-e2e` command line.

    quilt-e2e report [--results DIR] [--output DIR] [--single-file] [--node-modules DIR]

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
    return parser


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
    from quilt_e2e.reporting.report import ReportError

    args = _parser().parse_args(argv)
    try:
        if args.command == "report":
            return _report(args)
    except ReportError as exc:
        print(f"{PROG} {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG} {args.command}: interrupted", file=sys.stderr)
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
