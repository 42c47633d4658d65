"""benchmarks/repeat_runs.py: outcomes read from Allure results and known-defects.json, and their differences."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "repeat_runs.py"
spec = importlib.util.spec_from_file_location("repeat_runs", SCRIPT)
repeat_runs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(repeat_runs)


def write_run(reports: Path, results: list[dict]) -> None:
    folder = reports / "allure-results" / "local"
    folder.mkdir(parents=True)
    for n, result in enumerate(results):
        (folder / f"{n}-result.json").write_text(json.dumps(result))


def row(scenario: str, status: str, message: str = "", **example) -> dict:
    parameters = [{"name": "backend", "value": "local"}, {"name": "stack", "value": "shared"}]
    parameters += [{"name": key, "value": value} for key, value in example.items()]
    return {"name": scenario, "fullName": f"Area: {scenario}", "status": status,
            "statusDetails": {"message": message}, "parameters": parameters}


def test_outcomes_name_each_scenario_with_its_status_and_reproduced_defect(tmp_path):
    write_run(tmp_path, [row("Reads", "passed"), row("Races", "skipped", "KNOWN DEFECT QMCP-090: lost update")])
    assert repeat_runs.outcome(tmp_path, "local") == {
        "local | Area: Reads": "passed",
        "local | Area: Races": "known defect QMCP-090",
    }


def test_each_example_row_of_an_outline_is_its_own_outcome(tmp_path):
    write_run(tmp_path, [
        row("Names", "passed", name="user/"),
        row("Names", "skipped", "KNOWN DEFECT QMCP-015: ...", name="user/has space"),
    ])
    assert repeat_runs.outcome(tmp_path, "local") == {
        "local | Area: Names [name=user/]": "passed",
        "local | Area: Names [name=user/has space]": "known defect QMCP-015",
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


def test_a_run_is_one_behave_process_or_the_parallel_runner():
    serial = repeat_runs.command("local", ["features/a.feature"], 0)
    assert serial[1:4] == ["-m", "behave", "--tags=@local"] and serial[-1] == "features/a.feature"
    parallel = repeat_runs.command("multiuser", ["features/a.feature"], 2)
    assert Path(parallel[0]).name == "quilt-e2e" and Path(parallel[0]).exists()
    assert parallel[1:] == ["run", "--jobs", "2", "--tags", "@multiuser", "--", "features/a.feature"]
