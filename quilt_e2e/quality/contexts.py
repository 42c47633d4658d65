"""The coverage map: for each mode, which scenarios ran each line of each measured SUT file, and how long each
scenario took. `quilt-e2e coverage` writes it (reports/coverage/contexts.json); `quilt-e2e mutate` reads it to
run, for a mutant, exactly the scenarios that reached the mutated line.

coverage.py records one dynamic context per scenario, `mode|features/x.feature:LINE` (quilt_e2e.hooks), where
LINE is what `behave FILE:LINE` accepts (for a Scenario Outline, the example row). Lines run outside any
scenario (imports in before_all) are in the empty context.

contexts.json:

    {"version": 1,
     "sut": {"package_dir": "...", "version": "0.22.0", "files": {"ops/quilt_ops.py": "<sha256>", ...}},
     "modes": {"local": {"wall_seconds": 118.2, "startup_seconds": 6.1, "returncode": 0,
                         "scenarios": [{"location": "features/packages.feature:12", "name": "...",
                                        "status": "passed", "duration": 1.42}, ...],
                         "lines": {"ops/quilt_ops.py": {"120": [0, 3, 7], ...}}},   # indices into scenarios
               "multiuser": {...}},
     "outside_scenarios": {"ops/quilt_ops.py": [1, 3, 5, ...]},                   # the empty context
     "features": {"features/packages.feature": "<sha256>", ...}}   # FILE:LINE holds only for these versions
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

MAP_VERSION = 1
SEPARATOR = "|"
PROCESS_SECONDS = 8.0  # a behave process besides the stack's start-up: interpreter, imports, teardown


def context_name(mode: str, location: str) -> str:
    return f"{mode}{SEPARATOR}{location}"


def parse_context(context: str) -> tuple[str, str] | None:
    """`local|features/x.feature:12` -> ("local", "features/x.feature:12"); the empty context -> None."""
    if not context or SEPARATOR not in context:
        return None
    mode, location = context.split(SEPARATOR, 1)
    if not mode or not location:
        return None
    return mode, location


@dataclass
class Scenario:
    location: str
    name: str = ""
    status: str = "passed"  # behave's: passed | failed | skipped (a reproduced known defect is skipped)
    duration: float = 0.0

    @property
    def usable(self) -> bool:
        """A scenario that failed on the unmutated SUT cannot tell a mutant from the original."""
        return self.status != "failed"


@dataclass
class ModeMap:
    wall_seconds: float = 0.0
    returncode: int = 0
    scenarios: list[Scenario] = field(default_factory=list)
    lines: dict[str, dict[int, list[int]]] = field(default_factory=dict)  # file -> line -> scenario indices

    def scenario_index(self) -> dict[str, int]:
        return {s.location: i for i, s in enumerate(self.scenarios)}

    startup_seconds: float = 0.0  # the stack's start-up in that run (reports/startup.json), 0 if unknown

    def overhead_seconds(self) -> float:
        """What one behave run costs besides its scenarios: interpreter, imports, stack start-up, teardown."""
        if self.startup_seconds:
            return self.startup_seconds + PROCESS_SECONDS
        return max(0.0, self.wall_seconds - sum(s.duration for s in self.scenarios))

    def per_scenario_seconds(self) -> float:
        """Each scenario's share of the run's time outside its steps (hooks: world, cleanup, reporting)."""
        if not self.scenarios or not self.startup_seconds:
            return 0.0
        rest = self.wall_seconds - self.overhead_seconds() - sum(s.duration for s in self.scenarios)
        return max(0.0, rest) / len(self.scenarios)


@dataclass
class CoverageMap:
    package_dir: str = ""
    sut_version: str = ""
    file_hashes: dict[str, str] = field(default_factory=dict)
    modes: dict[str, ModeMap] = field(default_factory=dict)
    outside_scenarios: dict[str, list[int]] = field(default_factory=dict)
    feature_hashes: dict[str, str] = field(default_factory=dict)  # feature file -> sha256 when the map was made

    def feature_files(self) -> set[str]:
        return {s.location.rsplit(":", 1)[0] for m in self.modes.values() for s in m.scenarios}

    def changed_features(self, root: Path) -> list[str]:
        """Feature files edited since the map was made: their FILE:LINE locations may name other scenarios."""
        import hashlib

        changed = []
        for name, recorded in sorted(self.feature_hashes.items()):
            path = root / name
            if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != recorded:
                changed.append(name)
        return changed

    # -- building ---------------------------------------------------------------------------------------------
    def add_line_contexts(self, file: str, contexts_by_line: dict[int, list[str]]) -> None:
        """Record coverage.py's contexts_by_lineno() of one file (relative name)."""
        outside: set[int] = set()
        for line, contexts in contexts_by_line.items():
            for context in contexts:
                parsed = parse_context(context)
                if parsed is None:
                    outside.add(int(line))
                    continue
                mode, location = parsed
                mode_map = self.modes.setdefault(mode, ModeMap())
                index = mode_map.scenario_index().get(location)
                if index is None:
                    mode_map.scenarios.append(Scenario(location))
                    index = len(mode_map.scenarios) - 1
                bucket = mode_map.lines.setdefault(file, {}).setdefault(int(line), [])
                if index not in bucket:
                    bucket.append(index)
        if outside:
            self.outside_scenarios[file] = sorted(set(self.outside_scenarios.get(file, [])) | outside)

    def set_scenario_results(self, mode: str, results: dict[str, Scenario]) -> None:
        """Durations, status and names from behave's JSON (keyed by location); scenarios that ran no SUT line
        are added too (they cost time but cover nothing)."""
        mode_map = self.modes.setdefault(mode, ModeMap())
        index = mode_map.scenario_index()
        for location, result in results.items():
            if location in index:
                known = mode_map.scenarios[index[location]]
                known.name, known.status, known.duration = result.name, result.status, result.duration

    # -- queries ----------------------------------------------------------------------------------------------
    def scenarios_at(self, mode: str, file: str, lines) -> list[Scenario]:
        """The scenarios of `mode` that ran any of `lines` of `file`, in no particular order."""
        mode_map = self.modes.get(mode)
        if mode_map is None:
            return []
        by_line = mode_map.lines.get(file, {})
        indices = {i for line in lines for i in by_line.get(int(line), ())}
        return [mode_map.scenarios[i] for i in sorted(indices)]

    def covered_lines(self, file: str, mode: str | None = None) -> set[int]:
        """Lines of `file` that some scenario ran (in `mode`, or in any mode)."""
        modes = [mode] if mode else list(self.modes)
        return {line for m in modes if m in self.modes for line in self.modes[m].lines.get(file, {})}

    # -- persistence ------------------------------------------------------------------------------------------
    def to_json(self) -> dict:
        return {
            "version": MAP_VERSION,
            "sut": {"package_dir": self.package_dir, "version": self.sut_version, "files": self.file_hashes},
            "modes": {
                mode: {
                    "wall_seconds": round(m.wall_seconds, 3),
                    "startup_seconds": round(m.startup_seconds, 3),
                    "returncode": m.returncode,
                    "scenarios": [
                        {"location": s.location, "name": s.name, "status": s.status, "duration": round(s.duration, 3)}
                        for s in m.scenarios
                    ],
                    "lines": {
                        file: {str(line): sorted(idx) for line, idx in sorted(lines.items())}
                        for file, lines in sorted(m.lines.items())
                    },
                }
                for mode, m in self.modes.items()
            },
            "outside_scenarios": dict(sorted(self.outside_scenarios.items())),
            "features": dict(sorted(self.feature_hashes.items())),
        }

    @classmethod
    def from_json(cls, raw: dict) -> CoverageMap:
        if raw.get("version") != MAP_VERSION:
            raise ValueError(f"coverage map version {raw.get('version')!r}, expected {MAP_VERSION}")
        sut = raw.get("sut") or {}
        result = cls(
            package_dir=sut.get("package_dir", ""),
            sut_version=sut.get("version", ""),
            file_hashes=dict(sut.get("files") or {}),
            outside_scenarios={f: [int(x) for x in lines] for f, lines in (raw.get("outside_scenarios") or {}).items()},
            feature_hashes=dict(raw.get("features") or {}),
        )
        for mode, body in (raw.get("modes") or {}).items():
            scenarios = [Scenario(**s) for s in body.get("scenarios") or []]
            lines = {
                file: {int(line): [int(i) for i in idx] for line, idx in by_line.items()}
                for file, by_line in (body.get("lines") or {}).items()
            }
            for file, by_line in lines.items():
                for line, idx in by_line.items():
                    bad = [i for i in idx if not 0 <= i < len(scenarios)]
                    if bad:
                        raise ValueError(f"coverage map: {mode} {file}:{line} names unknown scenario index {bad[0]}")
            result.modes[mode] = ModeMap(
                wall_seconds=float(body.get("wall_seconds") or 0.0),
                startup_seconds=float(body.get("startup_seconds") or 0.0),
                returncode=int(body.get("returncode") or 0),
                scenarios=scenarios,
                lines=lines,
            )
        return result

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), separators=(",", ":")) + "\n")

    @classmethod
    def load(cls, path: Path) -> CoverageMap:
        return cls.from_json(json.loads(path.read_text()))


def scenario_results_from_behave_json(raw) -> dict[str, Scenario]:
    """Location -> Scenario (name, status, duration = the sum of its steps' durations) from behave's `-f json`
    output. Scenarios a tag expression excluded come out as skipped with no duration."""
    results: dict[str, Scenario] = {}
    for feature in raw or []:
        for element in feature.get("elements") or []:
            location = element.get("location")
            if element.get("type") != "scenario" or not location:
                continue  # backgrounds: their steps run inside each scenario
            duration = sum(
                float((step.get("result") or {}).get("duration") or 0.0) for step in element.get("steps") or []
            )
            results[location] = Scenario(location, element.get("name", ""), element.get("status", "passed"), duration)
    return results
