"""The operator subcommands of `quilt-e2e` (quilt_e2e.cli adds them): check-auth, baselines, cleanup, cost-report.

Exit status: 0 done / every check passed, 1 a check failed (cost over the limit, baselines wrong, AWS refused a call),
2 a usage or configuration error (one line on stderr).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from decimal import Decimal, InvalidOperation

from quilt_e2e.config import ConfigError, Settings, load_settings

PROG = "quilt-e2e"
COMMANDS = ("check-auth", "baselines", "cleanup", "cost-report")
_SETTINGS_HELP = ("a suite setting, as for behave (e.g. -D aws_profile=quilt-mcp-tests -D scratch_bucket=NAME); "
                  "repeatable. Environment variables work too (QUILT_TEST_BUCKET_SCRATCH, AWS_PROFILE, ...), and "
                  "AWS_ENDPOINT_URL points every AWS call at another endpoint")


class OperatorError(Exception):
    """Bad input or an unusable account; the message says what to do (exit status 2)."""


def _setting(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"'{text}' is not KEY=VALUE (e.g. -D scratch_bucket=my-scratch)")
    return key.strip(), value


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of days of at least 1")
    return int(text)


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"'{text}' is not an amount in USD (e.g. 10 or 12.50)") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("the limit must be above 0")
    return value


def add_commands(commands) -> None:
    def parser(name: str, help_text: str, description: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=description)
        sub.add_argument("-D", dest="settings", action="append", type=_setting, default=[], metavar="KEY=VALUE",
                         help=_SETTINGS_HELP)
        return sub

    auth = parser("check-auth", "check AWS credentials, bucket access and catalog tokens (guide 3.3)",
                  "One line per check (AWS credentials, each configured bucket, the Glue table and Athena workgroup "
                  "for local mode, the catalog's config.json and each spec user's refresh token for multiuser "
                  "mode), with a `fix:` line for each failure. Exit 0 when every check passed, 1 otherwise.")
    auth.add_argument("--mode", choices=("local", "multiuser", "both"), default="both",
                      help="which mode's checks to run (default: %(default)s)")

    base = parser("baselines", "write or verify the baseline packages test-user/* (guide 2.2)",
                  "Write the baseline packages into the configured registry (generating and uploading the "
                  "reference data of -D data_profile first; existing baselines are kept), or with --verify check "
                  "that every baseline is there with the reference data's entries, hashes and metadata (exit 1 "
                  "if not).")
    base.add_argument("--verify", action="store_true", help="only check, write nothing")

    clean = parser("cleanup", "remove what old runs left in the scratch bucket and the registry (guide 5.1)",
                   "Remove run namespaces (e2e-YYYYmmdd-HHMMSS-xxxx/) whose newest object is older than --older-than "
                   "from the scratch bucket and the package registry, and Athena results in the scratch bucket "
                   "older than that. Only the configured scratch and packages buckets are ever touched; baseline "
                   "packages, other packages and the data bucket never are.")
    clean.add_argument("--older-than", default="24h", metavar="AGE",
                       help="minimum age, e.g. 90m, 24h, 7d (default: %(default)s)")
    clean.add_argument("--dry-run", action="store_true", help="list what would be removed, remove nothing")
    clean.add_argument("--bucket", action="append", default=None, metavar="NAME",
                       help="clean only this bucket (must be the configured scratch or packages bucket); repeatable")

    cost = parser("cost-report", "daily cost of the test resources from Cost Explorer (guide 1.5)",
                  "Daily BlendedCost by service for the last N full days, of the resources tagged "
                  "Purpose=QuiltMCP-E2E-Testing. Exit 1 if a day is over the daily limit (the billing alarm's).")
    cost.add_argument("--days", type=_positive_int, default=1, metavar="N", help="days to report (default: 1)")
    cost.add_argument("--daily-limit", type=_amount, default=Decimal("10"), metavar="USD",
                      help="a day above this fails the report (default: 10, the guide's alarm threshold)")
    cost.add_argument("--all-resources", action="store_true",
                      help="do not filter on the Purpose tag (before it is activated for cost allocation)")


def _settings(args: argparse.Namespace) -> Settings:
    userdata = dict(args.settings)
    if userdata.get("stack", "aws") != "aws":
        raise OperatorError(f"{args.command} works on an AWS account (or AWS_ENDPOINT_URL): leave -D stack out")
    # the operator works on the account, never provisions it; the backend only matters to behave
    return load_settings({**userdata, "stack": "aws", "provision": "false", "backend": "local"})


def _session(settings: Settings):
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        return boto3.Session(profile_name=settings.aws_profile or None, region_name=settings.region)
    except ProfileNotFound:
        raise OperatorError(f"AWS profile '{settings.aws_profile}' not found: check -D aws_profile / AWS_PROFILE "
                            "against ~/.aws/config") from None


def _out(command: str, line: str) -> None:
    print(f"{PROG} {command}: {line}")


def _check_auth(args, settings: Settings) -> int:
    from quilt_e2e.operator.auth_check import AuthChecker, run_checks

    modes = ["local", "multiuser"] if args.mode == "both" else [args.mode]
    results = run_checks(AuthChecker(settings, _session(settings)), modes)
    for result in results:
        for line in result.lines():
            print(line)
    failed = [r for r in results if not r.ok]
    _out("check-auth", f"{len(results) - len(failed)} of {len(results)} check(s) passed ({', '.join(modes)} mode)")
    return 1 if failed else 0


def _stack(settings: Settings):
    """The suite's aws stack: sandbox (quilt3 never sees your own Quilt login), credentials and bucket checks."""
    from quilt_e2e.stack import AwsStack

    return AwsStack(settings).start()


def _baselines(args, settings: Settings) -> int:
    from quilt_e2e.operator import baselines

    stack = _stack(settings)
    try:
        s3 = stack.client("s3")
        if args.verify:
            baselines.ensure_local_data(settings, stack.data_dir)  # the expectation, computed from the data
            statuses = baselines.verify(settings, stack.data_dir, s3)
            for status in statuses:
                if status.ok:
                    print(f"ok    {status.name} ({status.top_hash[:12]})")
                for problem in status.problems:
                    print(f"FAIL  {status.name}: {problem}")
            bad = [s for s in statuses if not s.ok]
            _out("baselines", f"{len(statuses) - len(bad)} of {len(statuses)} baseline(s) as expected in "
                              f"s3://{settings.packages_bucket}" + ("" if not bad else "; fix: quilt-e2e baselines"))
            return 1 if bad else 0
        uploaded, top_hashes, existing = baselines.create(settings, stack.data_dir, s3)
        _out("baselines", f"reference data: {uploaded} object(s) uploaded to s3://{settings.data_bucket}")
        for name, top_hash in top_hashes.items():
            print(f"{'kept ' if name in existing else 'wrote'} {name} ({top_hash[:12]})")
        _out("baselines", f"{len(top_hashes) - len(existing & set(top_hashes))} written, "
                          f"{len(existing & set(top_hashes))} already there")
        return 0
    finally:
        stack.stop()


def _cleanup(args, settings: Settings) -> int:
    from quilt_e2e.operator import retention

    age = retention.parse_age(args.older_than)
    buckets = retention.check_buckets(settings, args.bucket)
    stack = _stack(settings)
    try:
        s3 = stack.client("s3")
        found = retention.find_candidates(s3, settings, age)
        verb = "would remove" if args.dry_run else "removing"
        for run_id, keys in found.scratch_runs.items():
            if settings.scratch_bucket in buckets:
                print(f"{verb} s3://{settings.scratch_bucket}/{run_id}/ ({len(keys)} object(s))")
        if found.athena_results and settings.scratch_bucket in buckets:
            print(f"{verb} {len(found.athena_results)} Athena result object(s) older than {args.older_than} "
                  f"in s3://{settings.scratch_bucket}/")
        for run_id, names in found.package_runs.items():
            if settings.packages_bucket in buckets:
                print(f"{verb} {len(names)} package(s) of run {run_id} from s3://{settings.packages_bucket}: "
                      f"{', '.join(names) or 'only objects of an unfinished push'}")
        for location in found.kept_recent:
            print(f"keep  {location} (newer than {args.older_than})")
        if args.dry_run:
            _out("cleanup", "dry run: nothing removed")
            return 0
        objects, packages = retention.delete_candidates(s3, settings, found, buckets)
        _out("cleanup", f"{objects} scratch object(s) and {len(packages)} package(s) removed")
        return 0
    finally:
        stack.stop()


def _cost_report(args, settings: Settings) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from quilt_e2e.operator import costs

    ce = _session(settings).client("ce", region_name="us-east-1")  # Cost Explorer lives in us-east-1
    try:
        report = costs.query(ce, args.days, dt.datetime.now(dt.UTC).date(),
                             tag_filter=not args.all_resources)
    except (BotoCoreError, ClientError) as exc:
        raise OperatorError(f"Cost Explorer query failed ({exc}); the identity needs ce:GetCostAndUsage") from None
    for line in costs.render(report, args.daily_limit):
        print(line)
    return 1 if report.days_over(args.daily_limit) else 0


_HANDLERS = {"check-auth": _check_auth, "baselines": _baselines, "cleanup": _cleanup, "cost-report": _cost_report}


def run_command(args: argparse.Namespace) -> int:
    """Run one operator command; user-fixable errors are one line on stderr and exit status 2."""
    from botocore.exceptions import BotoCoreError, ClientError

    from datagen import DatagenError
    from quilt_e2e.cleanup import CleanupRefused
    from quilt_e2e.operator.retention import AgeError
    from quilt_e2e.stack import StackError

    try:
        return _HANDLERS[args.command](args, _settings(args))
    except (OperatorError, ConfigError, CleanupRefused, AgeError, StackError) as exc:
        print(f"{PROG} {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError, DatagenError) as exc:  # the account refused something half-way
        print(f"{PROG} {args.command}: failed: {exc}; `{PROG} check-auth` shows what access is missing",
              file=sys.stderr)
        return 1
