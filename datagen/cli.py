"""Command line: generate / validate / upload. Bad input -> one line on stderr, exit 2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .checksums import validate
from .errors import DatagenError
from .generate import generate
from .profiles import PROFILES
from .seeds import BASE_SEED
from .versions import GENERATOR_VERSION

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class OneLineParser(argparse.ArgumentParser):
    """argparse prints the whole usage block on errors; we want one line and the hint."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m datagen", description="Deterministic QuiltOps e2e test data.")
    parser.add_argument("--version", action="version", version=f"datagen {GENERATOR_VERSION}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    gen = commands.add_parser("generate", help="write every dataset plus checksums.json and manifest.json")
    gen.add_argument("--profile", required=True, choices=sorted(PROFILES), help="small (~2 MB, CI) or full (~530 MiB)")
    gen.add_argument("--out", required=True, metavar="DIR", help="output directory (created if needed)")
    gen.add_argument("--seed", type=int, default=BASE_SEED, help=f"base seed (default {BASE_SEED})")

    val = commands.add_parser("validate", help="check files against checksums.json and manifest.json")
    val.add_argument("data_dir", metavar="DIR")

    up = commands.add_parser("upload", help="upload a validated directory to S3, skipping unchanged objects")
    up.add_argument("data_dir", metavar="DIR")
    up.add_argument("--bucket", required=True)
    up.add_argument("--prefix", default="", help="key prefix inside the bucket (default: bucket root)")
    up.add_argument("--endpoint-url", default=None, help="S3 endpoint, e.g. a local moto server")
    up.add_argument("--workers", type=int, default=4, help="parallel uploads (default 4)")
    up.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except DatagenError as error:
        return _fail(str(error))
    except OSError as error:  # e.g. a file vanished or the disk filled up mid-run
        return _fail(f"{error.filename or ''}: {error.strerror or error}".lstrip(": "))
    except KeyboardInterrupt:
        return _fail("interrupted", code=130)


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"datagen: error: {message}", file=sys.stderr)
    return code


def run_generate(args) -> int:
    manifest = generate(args.profile, args.out, seed=args.seed)
    print(
        f"generated profile {manifest.profile} (seed {manifest.seed}): {len(manifest.datasets)} datasets, "
        f"{manifest.total_files} files, {manifest.total_bytes} bytes ({manifest.total_bytes / 2**20:.1f} MiB) "
        f"in {args.out}"
    )
    return EXIT_OK


def run_validate(args) -> int:
    report = validate(args.data_dir)
    for line in report.problem_lines():
        print(line)
    print(report.summary())
    return EXIT_OK if report.ok else EXIT_INVALID


def run_upload(args) -> int:
    # Imported here so generate/validate work without touching boto3's import cost.
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    from .upload import upload

    config = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=60)
    try:
        client = boto3.client("s3", endpoint_url=args.endpoint_url, config=config)
        progress = not args.quiet and sys.stderr.isatty()
        report = upload(args.data_dir, client, args.bucket, args.prefix, progress=progress, workers=args.workers)
    except (BotoCoreError, ClientError) as error:
        return _fail(describe_aws_error(error, args.endpoint_url))
    print(report.summary(args.bucket, args.prefix.strip("/")))
    return EXIT_OK


def describe_aws_error(error: Exception, endpoint_url: str | None) -> str:
    """Say what went wrong with AWS and what to do about it, in one line."""
    from botocore import exceptions as bx

    where = endpoint_url or "the default AWS S3 endpoint"
    if isinstance(error, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return "no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
    if isinstance(error, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError)):
        return f"cannot reach S3 at {where}; check --endpoint-url and that the server is running"
    if isinstance(error, bx.ClientError):
        info = error.response.get("Error", {})
        code, message = info.get("Code", "?"), info.get("Message", "") or str(error)
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken"):
            return f"S3 rejected the credentials ({code}); check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE"
        return f"S3 request failed ({code}): {message}".replace("\n", " ")
    return f"AWS error: {error}".replace("\n", " ")


COMMANDS = {"generate": run_generate, "validate": run_validate, "upload": run_upload}
