"""Each scenario's outcome in a run's Allure results, keyed so that two runs can be compared scenario by scenario.

A key is the backend, the scenario's full name and its example row (a Scenario Outline's rows share one name);
the run's own parameters (stack, fault) are left out, so a run on another stack compares with it. An outcome is
the Allure status, or `known defect <ID>` for a scenario skipped as a reproduced known defect.
"""

from __future__ import annotations

import json
from pathlib import Path

RUN_PARAMETERS = frozenset({"backend", "stack", "fault"})  # the run's settings, not the scenario's example row


def outcome_key(backend: str, result: dict) -> str:
    row = ", ".join(
        f"{p['name']}={p.get('value')}" for p in result.get("parameters") or () if p.get("name") not in RUN_PARAMETERS
    )
    name = result.get("fullName") or result.get("name") or "?"
    return f"{backend} | {name}" + (f" [{row}]" if row else "")


def outcome_status(result: dict) -> str:
    status = result.get("status") or "?"
    message = (result.get("statusDetails") or {}).get("message") or ""
    if status == "skipped" and "KNOWN DEFECT" in message:
        return "known defect " + message.split("KNOWN DEFECT", 1)[1].split()[0].rstrip(":")
    return status


def scenario_outcomes(results_root: Path) -> dict[str, str]:
    """key → outcome for every result under `results_root/<backend>/` (an allure-results folder)."""
    found = {}
    for path in sorted(results_root.glob("*/*-result.json")):
        result = json.loads(path.read_text())
        found[outcome_key(path.parent.name, result)] = outcome_status(result)
    return found
