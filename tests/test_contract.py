"""The contract matrix (features/contract/*.yaml) covers the installed SUT's whole public surface, and every
cell names a scenario that exists and runs on the cell's backends, or says why it does not apply."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from quilt_e2e import contract


def test_the_matrix_covers_the_installed_sut_and_names_real_scenarios():
    matrix = contract.load_matrix()
    problems = contract.check(matrix)
    assert not problems, f"{len(problems)} contract problem(s):\n" + "\n".join(problems)


def test_the_sut_surface_is_what_the_matrix_is_measured_against():
    surface = contract.expected_surface()
    # the members issue 7 names, as the installed SUT declares them
    assert surface["QuiltOps.create_package_revision"]["parameters"] == [
        "package_name", "s3_uris", "metadata", "registry", "message", "auto_organize", "copy"]
    assert surface["QuiltOps.get_auth_status"]["dataclass"].__name__ == "Auth_Status"
    assert surface["QuiltOps.search_packages"]["dataclass"].__name__ == "Package_Info"
    assert surface["AdminOps.get_sso_config"]["dataclass"].__name__ == "SSOConfig"
    assert "QuiltOps.admin" in surface and "AthenaQueryService.__init__" in surface
    assert sum(m.startswith("AdminOps.") for m in surface) == 14
    tabulator = {"list_tabulator_tables", "get_tabulator_table", "create_tabulator_table", "update_tabulator_table",
                 "rename_tabulator_table", "delete_tabulator_table", "get_open_query_status", "set_open_query"}
    assert {f"QuiltOps.{name}" for name in tabulator} <= set(surface)


def _matrix(tmp_path: Path, text: str) -> contract.Matrix:
    (tmp_path / "area.yaml").write_text(textwrap.dedent(text))
    return contract.load_matrix(tmp_path)


@dataclass
class Result:
    name: str
    size: int


def _surface():
    return {"Api.get": {"parameters": ["name"], "dataclass": Result}}


COMPLETE = """
    Api.get:
      backends: [local, multiuser]
      parameters:
        name:
          valid: {scenario: "Get a thing"}
          missing: {not_applicable: "the API cannot be called without it"}
      fields:
        Result.name: {scenario: "Get a thing"}
        Result.size: {scenario: ["Get a thing", "Local size"], backends: [local], note: "size is local only"}
      errors:
        NotFoundError: {scenario: "Get a thing"}
"""


def test_a_complete_matrix_has_no_problems(tmp_path):
    matrix = _matrix(tmp_path, COMPLETE)
    tags = {"Get a thing": {"local", "multiuser"}, "Local size": {"local"}}
    assert contract.check(matrix, _surface(), tags) == []
    assert contract.summary(matrix) == {
        "local": {"asserted": 4, "not_applicable": 1},
        "multiuser": {"asserted": 3, "not_applicable": 2},
    }


def test_gaps_are_named(tmp_path):
    matrix = _matrix(tmp_path, """
        Api.get:
          backends: [local, multiuser]
          parameters:
            other: {valid: {scenario: "Get a thing"}}
          fields:
            Result.name: {scenario: "No such scenario"}
        Api.gone:
          backends: [local]
    """)
    problems = contract.check(matrix, _surface(), {"Get a thing": {"local"}})
    assert "Api.get: parameter name has no value class" in problems
    assert "Api.get: other is not a parameter of the member" in problems
    assert "Api.get: field Result.size is not asserted" in problems
    assert "Api.get field Result.name: no scenario named 'No such scenario'" in problems
    assert "Api.get parameter other [valid]: scenario 'Get a thing' does not run on multiuser" in problems
    assert "Api.gone: in the matrix but not a public member of the SUT" in problems


def test_a_member_missing_from_the_matrix_is_named(tmp_path):
    matrix = _matrix(tmp_path, COMPLETE)
    surface = {**_surface(), "Api.put": {"parameters": [], "dataclass": None}}
    assert contract.check(matrix, surface, {"Get a thing": {"local", "multiuser"}, "Local size": {"local"}}) == [
        "Api.put: not in the contract matrix"]


@pytest.mark.parametrize("cell, message", [
    ("{}", "exactly one of `scenario` or `not_applicable`"),
    ("{scenario: x, not_applicable: y}", "exactly one of `scenario` or `not_applicable`"),
    ("{scenario: x, backends: [local]}", "say why in `note`"),
    ("{scenario: x, backends: [nowhere]}", "not all backends of the member"),
    ("{scenario: x, colour: red}", "unknown key(s) ['colour']"),
    ("just a string", "a cell is a mapping"),
])
def test_malformed_cells_are_refused_with_the_reason(tmp_path, cell, message):
    with pytest.raises(contract.ContractError, match=None) as caught:
        _matrix(tmp_path, f"""
            Api.get:
              backends: [local, multiuser]
              errors:
                NotFoundError: {cell}
        """)
    assert message in str(caught.value) and "area.yaml: Api.get" in str(caught.value)


def test_a_member_cannot_be_in_two_files(tmp_path):
    (tmp_path / "a.yaml").write_text("Api.get: {backends: [local]}\n")
    (tmp_path / "b.yaml").write_text("Api.get: {backends: [local]}\n")
    with pytest.raises(contract.ContractError, match=r"b\.yaml: Api\.get is also in a\.yaml"):
        contract.load_matrix(tmp_path)


def test_scenario_names_of_outlines_and_their_example_tags_are_read(tmp_path):
    (tmp_path / "x.feature").write_text(textwrap.dedent("""
        Feature: F
          @local
          Scenario Outline: Do <thing>
            Given a step

            @multiuser
            Examples:
              | thing |
              | one   |
    """))
    tags = contract.scenario_tags(tmp_path)
    assert tags["Do <thing>"] >= {"local", "multiuser"}


def test_the_contract_command_prints_the_matrix_size_per_backend(capsys):
    from quilt_e2e import cli

    assert cli.main(["contract"]) == 0
    out = capsys.readouterr().out
    matrix = contract.load_matrix()
    assert f"{len(matrix.members)} members, {len(matrix.cells)} cells" in out
    for backend, counts in contract.summary(matrix).items():
        assert (
            f"{backend}: {counts['asserted']} asserted by scenarios, {counts['not_applicable']} not applicable" in out
        )


def test_the_contract_command_reports_a_broken_matrix_in_one_line(tmp_path, monkeypatch, capsys):
    from quilt_e2e import cli

    (tmp_path / "broken.yaml").write_text("- not a mapping\n")
    monkeypatch.setattr(contract, "CONTRACT_DIR", tmp_path)
    monkeypatch.setattr(contract.load_matrix, "__defaults__", (tmp_path,))
    assert cli.main(["contract"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("quilt-e2e contract: error: broken.yaml: expected a mapping") and "\n" not in err
