"""benchmarks/repeat_runs.py: outcomes read from Allure results and known-defects.json, and their differences."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "repeat_runs.py"
spec = importlib.util.spec_from_file_location("repeat_runs", SCRIPT)
repeat_runs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(repeat_runs)


def write_run(reports: Path, statuses: dict[str, str], defects: list[dict]) -> None:
    results = reports / "allure-results" / "local"
    results.mkdir(parents=True)
    for n, (name, status) in enumerate(statuses.items()):
        (results / f"{n}-result.json").write_text(
            json.dumps({"name": name, "fullName": f"Area: {name}", "status": status})
        )
    (reports / "known-defects.json").write_text(json.dumps(defects))


def test_outcomes_name_each_scenario_with_its_status_and_reproduced_defects(tmp_path):
    write_run(tmp_path, {"Reads": "passed", "Races": "skipped"}, [{"defect": "QMCP-090", "scenario": "Races"}])
    assert repeat_runs.outcome(tmp_path, "local") == {
        "local | Area: Reads": "passed",
        "local | Area: Races": "skipped (QMCP-090)",
    }


def test_differences_name_the_scenario_and_the_runs_of_each_outcome():
    same = {"local | A": "passed", "local | B": "skipped (QMCP-090)"}
    flaky = {"local | A": "passed", "local | B": "failed"}
    assert repeat_runs.differences([same, same]) == []
    assert repeat_runs.differences([same, flaky, same, {"local | A": "passed"}]) == [
        "local | B: skipped (QMCP-090) in run(s) 1,3; failed in run(s) 2; absent in run(s) 4"
    ]


def test_usage_errors_exit_2(capsys):
    assert repeat_runs.main(["--runs", "1"]) == 2
    assert repeat_runs.main(["--backends", "cloud"]) == 2
    assert "--runs must be at least 2" in capsys.readouterr().err
