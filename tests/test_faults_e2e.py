"""Each injected fault, end to end: a small behave run in a subprocess, read back from its Allure results.

Checked per fault: the scenario's status and Allure category (by Allure 2's own matching of categories.json),
the first line of its message (what the stack did), that it finished within SCENARIO_BOUND_SECONDS, and that
cleanup left nothing under the run id (reports/cleanup.json). The four runs start together to save wall time.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Measured on the 2-core machine under load from other jobs: 10-30 s per scenario under a fault (botocore's backoff
# between retries is most of it); the bound catches a hang, not a slowdown.
SCENARIO_BOUND_SECONDS = 120
RUN_TIMEOUT_SECONDS = 900
# reads a baseline package: S3 only on local, the catalog too on multiuser
READ_METADATA = "features/packages_read.feature:36"
SCENARIO_NAMES = {READ_METADATA: "Metadata of a baseline package reads back as it was written"}

STRUCK = r"stack: .* to [1-9]\d* of [1-9]\d* requests.*"  # the fault did strike the scenario
RUNS = {
    # fault: (backend, scenarios, expected status, expected category, first line of the message, the attachment)
    "s3-5xx:1": (
        "local",
        [READ_METADATA],
        "broken",
        "Infrastructure problems",
        r"stack: S3 answered 500 InternalError to [1-9]\d* of [1-9]\d* requests \(fault s3-5xx:1\)",
        STRUCK,
    ),
    # botocore retries SlowDown: the SUT rides it out
    "slowdown:1": (
        "local",
        [READ_METADATA],
        "passed",
        None,
        None,
        r"stack: S3 answered 503 SlowDown to [1-9]\d* of [1-9]\d* requests on their first attempt .*",
    ),
    "catalog-down": (
        "multiuser",
        [READ_METADATA],
        "broken",
        "Infrastructure problems",
        r"stack: the catalog answered 503 to [1-9]\d* of [1-9]\d* requests \(fault catalog-down\)",
        STRUCK,
    ),
    # quilt3's catalog session renews a token that expires within 60 s before every request: nothing is refused
    # (with 1 s tokens a loaded machine lets one expire in flight: 5 s is the shortest lifetime that is repeatable)
    "token-expiry:5s": (
        "multiuser",
        [READ_METADATA],
        "passed",
        None,
        None,
        r"stack: catalog access tokens expire after 5 s; the catalog refused 0 of [1-9]\d* requests "
        r"with 401 \(fault token-expiry:5s\)",
    ),
}


def _categories(result: dict, categories: list[dict]) -> list[str]:
    """Allure 2's CategoriesPlugin: every category whose statuses and full-match message regex fit."""
    status, message = result["status"], (result.get("statusDetails") or {}).get("message")
    return [
        c["name"]
        for c in categories
        if status in c.get("matchedStatuses", [status])
        and (
            c.get("messageRegex") is None
            or (message is not None and re.fullmatch(c["messageRegex"], message, re.DOTALL))
        )
    ]


@pytest.fixture(scope="module")
def fault_runs(tmp_path_factory):
    procs = {}
    for fault, (backend, scenarios, *_rest) in RUNS.items():
        reports = tmp_path_factory.mktemp(re.sub(r"\W", "-", fault))
        env = {**os.environ, "QUILT_E2E_REPORTS_DIR": str(reports)}
        for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "QUILT_E2E_FAULT"):
            env.pop(key, None)
        command = [
            sys.executable,
            "-m",
            "behave",
            f"--tags=@{backend}",
            "-D",
            f"fault={fault}",
            "-f",
            "null",
            "--no-summary",
            *scenarios,
        ]
        procs[fault] = (
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
            reports,
            backend,
        )
    finished = {}
    for fault, (proc, reports, backend) in procs.items():
        out, err = proc.communicate(timeout=RUN_TIMEOUT_SECONDS)
        finished[fault] = (proc.returncode, out + err, reports, backend)
    return finished


@pytest.mark.parametrize("fault", list(RUNS))
def test_a_fault_surfaces_in_its_category_with_one_line_in_bounded_time_and_leaves_nothing(fault_runs, fault):
    backend, scenarios, status, category, first_line, attachment = RUNS[fault]
    code, output, reports, _ = fault_runs[fault]
    assert f"fault {fault} injected into the stack" in output, output[-3000:]
    results_dir = reports / "allure-results" / backend
    results = [json.loads(p.read_text()) for p in results_dir.glob("*-result.json")]
    results = [r for r in results if r["name"] in {SCENARIO_NAMES[s] for s in scenarios}]  # not the other lines'
    assert len(results) == len(scenarios), output[-3000:]
    categories = json.loads((results_dir / "categories.json").read_text())
    for result in results:
        assert result["status"] == status, (result["name"], result.get("statusDetails"))
        assert (result["stop"] - result["start"]) / 1000 < SCENARIO_BOUND_SECONDS, result["name"]
        assert {"name": "fault", "value": fault} in result["parameters"]
        attachments = {a["name"]: (results_dir / a["source"]).read_text() for a in result.get("attachments", [])}
        # what the fault did, whatever the outcome
        assert re.fullmatch(attachment, attachments["injected fault"]), attachments["injected fault"]
        if category is None:
            assert _categories(result, categories) == []
            continue
        assert _categories(result, categories) == [category]
        message = result["statusDetails"]["message"]
        headline = message.split("\n", 1)[0].split(": ", 1)[1]  # after `module.Wrapper: `
        assert re.fullmatch(first_line, headline), headline
    assert code == (0 if status == "passed" else 1), output[-3000:]
    cleanup = json.loads((reports / "cleanup.json").read_text())
    assert cleanup["leftovers"] == [], cleanup
