"""stack=shared: attach to a running stack server (`quilt-e2e stack up`) instead of starting one.

Nothing is started and nothing the server provisioned is re-created or re-uploaded; the run verifies it is
there (buckets, Glue table, workgroup, the reference data of the same data version, the baseline packages).
Where the server answers comes from -D endpoint_url / catalog_url (QUILT_E2E_ENDPOINT_URL / _CATALOG_URL) or
else from the server's state file. Several runs may share one server: each works in its own run-id namespace
and cleans only that.
"""

from __future__ import annotations

import contextlib
import json

from quilt_e2e.stack import Stack, StackError, local_services_env, state_file

UP_HINT = "start one with `quilt-e2e stack up`"
# settings a run must share with the server that provisioned the stack
MATCHING_SETTINGS = ("region", "data_bucket", "scratch_bucket", "packages_bucket", "glue_database", "glue_table",
                     "athena_workgroup", "iam_role", "data_profile")


class SharedStack(Stack):
    kind = "shared"

    def __init__(self, settings):
        super().__init__(settings)
        self.control_key = ""
        self.state: dict | None = None

    def _sandbox_env(self) -> dict[str, str]:
        return local_services_env(self.settings)

    def _locate(self) -> tuple[str, str, str]:
        """(AWS endpoint, catalog URL, control key): from the settings and environment, else the state file."""
        import os

        aws, catalog = self.settings.endpoint_url, self.settings.catalog_url
        key = os.environ.get(state_file.CONTROL_KEY_ENV, "")
        if aws and catalog and key:
            return aws, catalog, key
        path = state_file.default_path()
        try:
            self.state = state_file.read(path)
        except state_file.StateFileError as exc:
            if aws or catalog:
                raise StackError(f"no control key for the stack at {aws or catalog}: set "
                                 f"{state_file.CONTROL_KEY_ENV} or {state_file.STATE_ENV}, or {UP_HINT}") from None
            raise StackError(str(exc)) from None
        served = self.state.get("settings", {})
        different = [k for k in MATCHING_SETTINGS if k in served and served[k] != getattr(self.settings, k)]
        if different:
            pairs = ", ".join(f"{k}={getattr(self.settings, k)} (server: {served[k]})" for k in different)
            raise StackError(f"this run's settings differ from the stack server's ({pairs}): use the server's, "
                             "or `quilt-e2e stack down` and up again with -D ...")
        return aws or self.state.get("aws_endpoint") or "", catalog or self.state.get("catalog_url") or "", \
            key or self.state.get("control_key", "")

    def _start_services(self) -> None:
        from quilt_e2e.catalog.control import ControlError
        from quilt_e2e.catalog.control_client import StandInClient, health

        aws, catalog, self.control_key = self._locate()
        where = f" (state file {state_file.default_path()})" if self.state is not None else ""
        for name, url in (("AWS", aws), ("catalog", catalog)):
            if not url or health(url) is None:
                raise StackError(f"no stack server answers: {name} {url or '(no address)'} is down{where}; {UP_HINT}")
        self.endpoint_url = aws
        try:
            # the run's own front: the stand-in's request log tells this run's requests from a neighbour's
            self.catalog = StandInClient(catalog, self.control_key, run_id=self.settings.run_id)
        except ControlError as exc:
            raise StackError(f"the stack server's catalog refuses control ({exc}); {UP_HINT}") from None
        assert self.sandbox is not None
        env = {"AWS_ENDPOINT_URL": aws}
        if self.settings.backend == "multiuser":
            env.update(QUILT_CATALOG_URL=self.catalog.url, QUILT_REGISTRY_URL=self.catalog.url)
        self.sandbox.set_env(env)

    def _stop_services(self) -> None:
        if self.catalog is not None:
            self.catalog.stop()
            self.catalog = None

    def _check_reachable(self) -> None:
        super()._check_reachable()
        with self._timed("verify"):
            problems = self.provisioning_problems()
        if problems:
            raise StackError(f"the stack server is not fully provisioned: {'; '.join(problems[:3])}; "
                             f"`quilt-e2e stack down` and {UP_HINT}")

    def provisioning_problems(self) -> list[str]:
        """What the server should have provisioned and has not (empty: all there). The local reference data
        is generated if absent (the run reads it), never uploaded."""
        from botocore.exceptions import ClientError

        import datagen
        from datagen.checksums import load_checksums
        from quilt_e2e.stack.baseline import BASELINES, baseline_package_name

        settings, s3, problems = self.settings, self.client("s3"), []
        for bucket in (settings.data_bucket, settings.scratch_bucket, settings.packages_bucket):
            try:
                s3.head_bucket(Bucket=bucket)
            except ClientError:
                problems.append(f"bucket {bucket} is missing")
        if problems:
            return problems
        checks = (
            ("Glue table", lambda: self.client("glue").get_table(DatabaseName=settings.glue_database,
                                                                  Name=settings.glue_table)),
            ("workgroup", lambda: self.client("athena").get_work_group(WorkGroup=settings.athena_workgroup)),
        )
        for label, check in checks:
            try:
                check()
            except ClientError as exc:
                problems.append(f"{label}: {exc.response.get('Error', {}).get('Code', '?')}")
        report = datagen.validate(self.data_dir) if (self.data_dir / "checksums.json").exists() else None
        if report is None or not report.ok:
            datagen.generate(settings.data_profile, self.data_dir)
        local = load_checksums(self.data_dir)  # {relative path: sha256}
        try:
            served = s3.get_object(Bucket=settings.data_bucket, Key="checksums.json")["Body"].read()
            if json.loads(served) != local:
                problems.append("the reference data is another version than this checkout's")
        except ClientError:
            problems.append("the reference data is not uploaded (no checksums.json)")
        keys = set()
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.data_bucket):
            keys.update(obj["Key"] for obj in page.get("Contents", []))
        missing = sorted(set(local) - keys)
        if missing:
            problems.append(f"{len(missing)} reference file(s) missing, e.g. {missing[0]}")
        for baseline in BASELINES:
            name = baseline_package_name(baseline.name)
            try:
                s3.head_object(Bucket=settings.packages_bucket, Key=f".quilt/named_packages/{name}/latest")
            except ClientError:
                problems.append(f"baseline package {name} is missing")
        return problems

    def recent_requests(self, count: int = 50) -> list[dict]:
        import requests

        from quilt_e2e.catalog.control import KEY_HEADER, RPC_PREFIX

        found: list[dict] = []
        try:
            answer = requests.post(f"{self.endpoint_url}{RPC_PREFIX}recent_requests", json={},
                                   headers={KEY_HEADER: self.control_key}, timeout=10)
            found += [{"service": "aws", **r} for r in answer.json().get("result", [])[-count:]]
        except (requests.RequestException, ValueError):
            pass  # diagnostics only: a dead server shows in the run's own failure
        if self.catalog is not None:
            with contextlib.suppress(Exception):
                found += [{"service": "catalog", **r} for r in self.catalog.recent_requests(count)]
        return found[-count:]
