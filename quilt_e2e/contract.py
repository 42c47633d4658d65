"""The API contract matrix: every public member of the SUT × parameter value class × backend, every field of
what it returns and every error it documents, each cell naming the scenario that asserts it or saying why it
does not apply. The matrix is data the suite owns (features/contract/*.yaml); this module loads it, checks it
against the installed SUT and the feature files, and summarises it.

A matrix file looks like this:

    QuiltOps.create_package_revision:
      backends: [local, multiuser]          # where the member exists
      parameters:                           # every parameter of the signature, each value class a cell
        package_name:
          valid user/package: {scenario: "Create a package from the <dataset> dataset"}
          malformed: {scenario: "Malformed package names are rejected before anything is written"}
        copy:
          "True": {not_applicable: "why this cell cannot hold"}
      fields:                               # every field of the returned object (dataclass fields are required)
        Package_Creation_Result.top_hash: {scenario: "..."}
      errors:                               # every documented error, and the context it carries
        ValidationError for a malformed name: {scenario: "...", backends: [local]}

A cell's `scenario` is a scenario (or Scenario Outline) name, or a list of them; each must exist and run on
every backend of the cell (`backends`, default the member's; a narrower list needs a `note` saying why).
A cell holds `scenario` or `not_applicable`.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CONTRACT_DIR = Path(__file__).resolve().parents[1] / "features" / "contract"
FEATURES_DIR = CONTRACT_DIR.parent
BACKENDS = ("local", "multiuser")
SECTIONS = ("parameters", "fields", "errors")
# data beside the matrix that is not part of it (the mutation job's equivalent mutants, quilt_e2e.quality)
NOT_MATRIX = frozenset({"equivalent_mutants.yaml", "unreachable.yaml"})


class ContractError(Exception):
    """The matrix is malformed; the message names the file and the member."""


@dataclass(frozen=True)
class Cell:
    member: str
    section: str  # parameters | fields | errors
    aspect: str  # the parameter, field or error
    value: str  # the value class (parameters) or a description ("" for fields)
    backends: tuple[str, ...]
    scenarios: tuple[str, ...] = ()
    not_applicable: str = ""
    source: str = ""

    def describe(self) -> str:
        where = f"{self.member} {self.section[:-1]} {self.aspect}"
        return f"{where} [{self.value}]" if self.value else where


@dataclass
class Matrix:
    members: dict[str, tuple[str, ...]] = field(default_factory=dict)  # member -> backends
    cells: list[Cell] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # member -> file name

    def cells_of(self, member: str, section: str | None = None) -> list[Cell]:
        return [c for c in self.cells if c.member == member and (section is None or c.section == section)]


# -- loading ------------------------------------------------------------------------------------------
def load_matrix(directory: Path = CONTRACT_DIR) -> Matrix:
    matrix = Matrix()
    for path in sorted(directory.glob("*.yaml")):
        if path.name in NOT_MATRIX:
            continue
        raw = yaml.safe_load(path.read_text()) or {}
        if not isinstance(raw, dict):
            raise ContractError(f"{path.name}: expected a mapping of member -> contract")
        for member, body in raw.items():
            if member in matrix.members:
                raise ContractError(f"{path.name}: {member} is also in {matrix.sources[member]}")
            _load_member(matrix, path.name, member, body or {})
    return matrix


def _load_member(matrix: Matrix, source: str, member: str, body: dict) -> None:
    where = f"{source}: {member}"
    unknown = set(body) - {"backends", "note", *SECTIONS}
    if unknown:
        raise ContractError(f"{where}: unknown key(s) {sorted(unknown)} (use backends, note, {', '.join(SECTIONS)})")
    backends = tuple(body.get("backends") or ())
    if not backends or set(backends) - set(BACKENDS):
        raise ContractError(f"{where}: backends must be a non-empty subset of {list(BACKENDS)}")
    matrix.members[member] = backends
    matrix.sources[member] = source
    for section in SECTIONS:
        for aspect, spec in (body.get(section) or {}).items():
            if section == "parameters":
                if not isinstance(spec, dict) or not spec:
                    raise ContractError(f"{where}: parameter {aspect} needs at least one value class")
                for value, cell in spec.items():
                    matrix.cells.append(_cell(where, member, section, str(aspect), str(value), cell, backends, source))
            else:
                matrix.cells.append(_cell(where, member, section, str(aspect), "", spec, backends, source))


def _cell(where, member, section, aspect, value, spec, member_backends, source) -> Cell:
    label = f"{where} {section}.{aspect}" + (f" [{value}]" if value else "")
    if not isinstance(spec, dict):
        raise ContractError(f"{label}: a cell is a mapping with `scenario` or `not_applicable`")
    unknown = set(spec) - {"scenario", "not_applicable", "backends", "note"}
    if unknown:
        raise ContractError(f"{label}: unknown key(s) {sorted(unknown)}")
    scenarios = spec.get("scenario") or ()
    scenarios = (scenarios,) if isinstance(scenarios, str) else tuple(scenarios)
    reason = str(spec.get("not_applicable") or "").strip()
    if bool(scenarios) == bool(reason):
        raise ContractError(f"{label}: give exactly one of `scenario` or `not_applicable` (with its reason)")
    backends = tuple(spec.get("backends") or member_backends)
    if set(backends) - set(member_backends):
        raise ContractError(f"{label}: backends {list(backends)} are not all backends of the member")
    if set(backends) != set(member_backends) and not str(spec.get("note") or "").strip():
        raise ContractError(f"{label}: holds on {list(backends)} only; say why in `note`")
    return Cell(member, section, aspect, value, backends, scenarios, reason, source)


# -- the SUT's public surface ---------------------------------------------------------------------------------
def sut_interfaces() -> dict[str, type]:
    """The classes whose public members the matrix must cover, by the name the matrix uses."""
    from quilt_mcp.ops.admin_ops import AdminOps
    from quilt_mcp.ops.factory import QuiltOpsFactory
    from quilt_mcp.ops.quilt_ops import QuiltOps
    from quilt_mcp.services.athena_service import AthenaQueryService

    return {
        "QuiltOpsFactory": QuiltOpsFactory,
        "QuiltOps": QuiltOps,
        "AdminOps": AdminOps,
        "AthenaQueryService": AthenaQueryService,
    }


def public_members(cls: type) -> dict[str, object]:
    """Public methods and properties a class declares (constructor parameters count as `__init__`)."""
    members = {name: value for name, value in vars(cls).items() if not name.startswith("_")}
    if "__init__" in vars(cls) and len(parameters_of(cls.__init__)) > 0:
        members["__init__"] = cls.__init__
    return members


def parameters_of(function) -> list[str]:
    if isinstance(function, (staticmethod, classmethod)):
        function = function.__func__
    if isinstance(function, property):
        return []
    names = list(inspect.signature(function).parameters)
    return [n for n in names if n not in ("self", "cls")]


def returned_dataclass(function) -> type | None:
    """The domain dataclass a member returns (also inside List/Optional), if any."""
    if isinstance(function, property):
        function = function.fget
    if isinstance(function, (staticmethod, classmethod)):
        function = function.__func__
    try:
        hint = typing.get_type_hints(function).get("return")
    except Exception:
        return None
    stack = [hint]
    while stack:
        current = stack.pop()
        if dataclasses.is_dataclass(current):
            return current  # type: ignore[return-value]
        stack.extend(typing.get_args(current))
    return None


def expected_surface() -> dict[str, dict]:
    """member -> {"parameters": [...], "dataclass": type | None} for every public member of the SUT."""
    surface: dict[str, dict] = {}
    for interface, cls in sut_interfaces().items():
        for name, value in public_members(cls).items():
            surface[f"{interface}.{name}"] = {
                "parameters": parameters_of(value),
                "dataclass": None if name == "__init__" else returned_dataclass(value),
            }
    return surface


# -- the feature files -----------------------------------------------------------------------------------------
def scenario_tags(features_dir: Path = FEATURES_DIR) -> dict[str, set[str]]:
    """Scenario (and Scenario Outline) name -> the union of the tags its runs carry."""
    from behave.parser import parse_file

    names: dict[str, set[str]] = {}
    for path in sorted(features_dir.rglob("*.feature")):
        feature = parse_file(str(path))
        for scenario in feature.walk_scenarios(with_outlines=True):
            tags = set(scenario.effective_tags)
            for example in getattr(scenario, "examples", []) or []:
                tags |= set(example.tags)
            names.setdefault(scenario.name, set()).update(tags)
    return names


# -- checks ---------------------------------------------------------------------------------------------------
def check(
    matrix: Matrix, surface: dict[str, dict] | None = None, scenarios: dict[str, set[str]] | None = None
) -> list[str]:
    """Every problem with the matrix, one readable line each; [] when it is complete and consistent."""
    surface = expected_surface() if surface is None else surface
    scenarios = scenario_tags() if scenarios is None else scenarios
    problems = [f"{m}: not in the contract matrix" for m in sorted(set(surface) - set(matrix.members))]
    problems += [
        f"{m}: in the matrix but not a public member of the SUT" for m in sorted(set(matrix.members) - set(surface))
    ]
    for member in sorted(set(surface) & set(matrix.members)):
        expected = surface[member]
        given = {c.aspect for c in matrix.cells_of(member, "parameters")}
        problems += [f"{member}: parameter {p} has no value class" for p in expected["parameters"] if p not in given]
        problems += [
            f"{member}: {p} is not a parameter of the member" for p in sorted(given - set(expected["parameters"]))
        ]
        if expected["dataclass"] is not None:
            cls = expected["dataclass"]
            fields_given = {c.aspect for c in matrix.cells_of(member, "fields")}
            problems += [
                f"{member}: field {cls.__name__}.{f.name} is not asserted"
                for f in dataclasses.fields(cls)
                if f"{cls.__name__}.{f.name}" not in fields_given
            ]
    for cell in matrix.cells:
        for name in cell.scenarios:
            if name not in scenarios:
                problems.append(f"{cell.describe()}: no scenario named {name!r}")
                continue
            missing = [b for b in cell.backends if b not in scenarios[name]]
            if missing:
                problems.append(f"{cell.describe()}: scenario {name!r} does not run on {', '.join(missing)}")
    return problems


def summary(matrix: Matrix) -> dict[str, dict[str, int]]:
    """Per backend: cells asserted by a scenario, cells not applicable."""
    result = {b: {"asserted": 0, "not_applicable": 0} for b in BACKENDS}
    for cell in matrix.cells:
        for backend in BACKENDS:
            if backend in matrix.members[cell.member]:
                key = "asserted" if cell.scenarios and backend in cell.backends else "not_applicable"
                result[backend][key] += 1
    return result
