"""`quilt-e2e runs`: the runs a stack knows of (quilt_e2e.runs_ledger), and removing what dead ones left.

Every behave run already does this when it starts; the command is for a stack no run is about to use (a shared
stack or real AWS after a machine was lost). It reads the same settings as a run (`-D key=value`, environment).
"""

from __future__ import annotations

import argparse
import os

PROG = "quilt-e2e runs"


class RunsCommandError(Exception):
    """A usage error; the message is one line."""


def add_commands(commands) -> None:
    runs = commands.add_parser(
        "runs",
        help="list the runs whose markers a stack holds; --reap removes what dead runs left",
        description=(
            "List every run marker in the scratch bucket (_runs/<run id>.json) with its host, pid, age of its "
            "heartbeat and whether its owner is alive. With --reap, remove each dead run's scratch objects, its "
            "packages and its marker, one line per run; live runs, baselines and reference data are never touched."
        ),
    )
    runs.add_argument("-D", "--define", action="append", default=[], metavar="KEY=VALUE",
                      help="a run setting, as for behave (e.g. -D stack=aws -D scratch_bucket=...)")
    runs.add_argument("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL"), metavar="URL",
                      help="the AWS endpoint of a local stack (default: $AWS_ENDPOINT_URL; real AWS if unset)")
    runs.add_argument("--stale-after", type=float, default=None, metavar="SECONDS",
                      help="a run on another host is dead after this long without a heartbeat (default: 600)")
    runs.add_argument("--reap", action="store_true", help="remove what dead runs left")


def _settings(defines: list[str]):
    from quilt_e2e.config import load_settings

    userdata = {}
    for item in defines:
        key, sep, value = item.partition("=")
        if not sep:
            raise RunsCommandError(f"-D takes KEY=VALUE, not '{item}'")
        userdata[key.strip()] = value
    userdata.setdefault("stack", "aws")  # the settings name buckets; nothing is started
    return load_settings(userdata)


def run_command(args: argparse.Namespace) -> int:
    from quilt_e2e.config import ConfigError
    from quilt_e2e.runs_ledger import STALE_AFTER_SECONDS, RunsLedger
    from quilt_e2e.stack.sandbox import Sandbox

    try:
        settings = _settings(args.define)
    except ConfigError as exc:
        raise RunsCommandError(str(exc)) from None
    env = {"AWS_ENDPOINT_URL": args.endpoint_url} if args.endpoint_url else {}
    if args.endpoint_url and not os.environ.get("AWS_ACCESS_KEY_ID"):
        env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")  # a local stack's credentials
    sandbox = Sandbox().enter(env, block_network=bool(args.endpoint_url))  # quilt3 deletes the packages
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        s3 = boto3.Session(region_name=settings.region).client("s3", endpoint_url=args.endpoint_url)
        ledger = RunsLedger(s3, settings, pid=-1)  # this command is no run: its pid owns no marker
        stale_after = args.stale_after if args.stale_after is not None else STALE_AFTER_SECONDS
        try:
            markers = ledger.markers()
            dead = {m.run_id: reason for m, reason in ledger.dead_runs(stale_after)}
            for marker in markers:
                state = f"DEAD: {dead[marker.run_id]}" if marker.run_id in dead else "alive"
                print(f"{PROG}: {marker.run_id} host {marker.host} pid {marker.pid} started {marker.started} "
                      f"heartbeat {marker.heartbeat} — {state}")
            if not markers:
                print(f"{PROG}: no run markers in s3://{settings.scratch_bucket}/_runs/")
            if args.reap:
                for line in ledger.reap_dead(stale_after):
                    print(f"{PROG}: {line}")
        except (BotoCoreError, ClientError) as exc:
            raise RunsCommandError(f"cannot read s3://{settings.scratch_bucket}: {exc}") from None
    finally:
        sandbox.exit()
    return 0
