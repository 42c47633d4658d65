""".github/workflows/e2e.yml: the guide's CI (section 4.1), running the commands CI (.ci/run) runs.

Checked: it is a valid GitHub workflow (check-jsonschema's vendored schema, offline); its triggers, jobs and
artifacts; that every command it runs is one the project documents (.ci/run, README.md, docs/); and that it
uses only the actions named here, each pinned to a full version or a commit.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "e2e.yml"
ALLOWED_ACTIONS = {
    "actions/checkout", "actions/setup-python", "actions/setup-node", "actions/upload-artifact",
    "actions/download-artifact", "aws-actions/configure-aws-credentials", "slackapi/slack-github-action",
}
PINNED = re.compile(r"^v\d+\.\d+\.\d+$|^[0-9a-f]{40}$")


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.load(WORKFLOW.read_text(), Loader=yaml.BaseLoader)  # BaseLoader: `on` stays a string key


def steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def commands(workflow: dict) -> list[str]:
    found = []
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            for line in step.get("run", "").replace("\\\n", " ").splitlines():
                if line.strip() and not line.strip().startswith("#"):
                    found.append(" ".join(line.split()))
    return found


def documented_text() -> str:
    texts = [ROOT / ".ci" / "run", ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(" ".join(line.split()) for path in texts for line in path.read_text().splitlines())


def test_is_a_valid_github_workflow():
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_triggers_are_manual_and_nightly(workflow):
    triggers = workflow["on"]
    assert set(triggers) == {"workflow_dispatch", "schedule"}
    assert triggers["schedule"] == [{"cron": "0 2 * * *"}]  # 02:00 UTC, as the guide
    assert triggers["workflow_dispatch"]["inputs"]["stack"]["options"] == ["embedded", "aws"]


def test_one_job_per_mode_runs_that_modes_scenarios(workflow):
    for job, tag in (("local", "@local"), ("multiuser", "@multiuser")):
        runs = [step.get("run", "") for step in steps(workflow, job)]
        assert any(f"behave --tags={tag}" in run for run in runs), job
        assert workflow["jobs"][job]["timeout-minutes"] == "60"


def test_results_and_report_are_uploaded_even_after_a_failure(workflow):
    uploads = {}
    for name, job in workflow["jobs"].items():
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/upload-artifact@"):
                uploads[step["with"]["name"]] = (name, step["with"]["path"], step.get("if"))
    assert uploads["allure-results-local"] == ("local", "reports/allure-results/local/", "always()")
    assert uploads["allure-results-multiuser"] == ("multiuser", "reports/allure-results/multiuser/", "always()")
    assert uploads["allure-report"][:2] == ("report", "reports/allure-report/")
    report = workflow["jobs"]["report"]
    assert set(report["needs"]) == {"local", "multiuser"} and report["if"] == "always()"
    assert any("quilt-e2e report" in step.get("run", "") for step in report["steps"])


def test_a_failure_notifies(workflow):
    notify = workflow["jobs"]["notify"]
    assert notify["if"] == "failure()"
    assert set(notify["needs"]) >= {"local", "multiuser"}
    (slack,) = notify["steps"]
    assert slack["uses"].startswith("slackapi/slack-github-action@")
    assert slack["with"]["webhook"] == "${{ secrets.SLACK_WEBHOOK_URL }}"
    assert "${{ github.run_id }}" in slack["with"]["payload"]


def test_every_command_is_one_the_project_documents(workflow):
    documented = documented_text()
    runs = commands(workflow)
    assert runs, "the workflow runs nothing"
    for command in runs:
        shlex.split(command)  # well-formed shell words
        assert command in documented, f"`{command}` is not in .ci/run, README.md or docs/"


def test_uses_only_named_actions_pinned_to_a_version(workflow):
    used = [step["uses"] for job in workflow["jobs"].values() for step in job["steps"] if "uses" in step]
    assert used
    for reference in used:
        action, _, version = reference.partition("@")
        assert action in ALLOWED_ACTIONS, f"{action} is not one of the actions this project uses"
        assert PINNED.match(version), f"{reference}: pin a full version (vX.Y.Z) or a commit"


def test_secrets_reach_only_the_steps_that_need_them(workflow):
    """Secrets go to the AWS credential step, the multiuser job and the notification; never to `run` text."""
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            assert "secrets." not in step.get("run", ""), step


def test_the_suites_settings_reach_only_the_mode_jobs(workflow):
    """The stack choice goes to behave through QUILT_E2E_STACK; the project's own pytest never sees it."""
    assert "env" not in workflow
    for job in ("local", "multiuser"):
        assert workflow["jobs"][job]["env"]["QUILT_E2E_STACK"] == "${{ inputs.stack || 'embedded' }}"
    assert "env" not in workflow["jobs"]["project-tests"]
    aws_steps = [step for job in ("local", "multiuser") for step in steps(workflow, job)
                 if step.get("if", "").endswith("env.QUILT_E2E_STACK == 'aws'")]
    assert {step.get("name") for step in aws_steps} == {
        "Configure AWS credentials", "Check authentication", "Remove what old runs left in the test account"}
