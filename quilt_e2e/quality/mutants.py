"""The mutants of the measured SUT files: stable ids, which scenarios can kill each one (from the coverage
map), and a deterministic sample of those on covered lines."""

from __future__ import annotations

import fnmatch
import hashlib
import random
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from quilt_e2e.quality import sut
from quilt_e2e.quality.contexts import CoverageMap, Scenario
from quilt_e2e.quality.operators import Mutation, is_valid, mutated_line, mutations


@dataclass(frozen=True)
class Mutant:
    id: str
    file: str  # relative to the SUT package, e.g. backends/quilt3_backend_packages.py
    mutation: Mutation
    original_line: str
    mutated_line: str
    source: str = field(default="", repr=False, compare=False)  # the original file, shared by its mutants

    def mutated_source(self) -> str:
        return self.mutation.apply(self.source)

    def is_valid(self) -> bool:
        return is_valid(self.mutation, self.source, _dump(self.source))

    @property
    def line(self) -> int:
        return self.mutation.line

    @property
    def operator(self) -> str:
        return self.mutation.operator

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def describe(self) -> str:
        return self.mutation.describe()

    def sort_key(self):
        m = self.mutation
        return (self.file, m.line, m.col, m.operator, m.replacement)


def mutant_id(file: str, mutation: Mutation) -> str:
    """Stable across runs and machines for one SUT version: file, line, column, operator and replacement."""
    key = f"{file}:{mutation.line}:{mutation.col}:{mutation.operator}:{mutation.replacement}"
    return hashlib.sha256(key.encode()).hexdigest()[:12]


@lru_cache(maxsize=32)
def _dump(source: str) -> str:
    import ast

    return ast.dump(ast.parse(source))


def mutants_of(file: str, source: str) -> list[Mutant]:
    lines = source.splitlines()
    return [
        Mutant(mutant_id(file, m), file, m, lines[m.line - 1].strip(), mutated_line(m, source).strip(), source)
        for m in mutations(source)
    ]


def all_mutants(package_dir: Path, patterns: list[str] | None = None) -> list[Mutant]:
    """Every mutant of the measured files (optionally only files matching a glob, on the relative name or the
    base name), in file and source order."""
    result = []
    for path in sut.measured_files(package_dir):
        rel = sut.relative(path, package_dir)
        if patterns and not any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(path.name, p) for p in patterns):
            continue
        result.extend(mutants_of(rel, path.read_text(encoding="utf-8")))
    return result


# -- which scenarios can kill a mutant --------------------------------------------------------------------------
@dataclass
class ModeRun:
    mode: str
    scenarios: list[Scenario]  # fastest first
    overhead_seconds: float = 0.0  # the behave run's own cost
    per_scenario_seconds: float = 0.0  # each scenario's hooks

    @property
    def locations(self) -> list[str]:
        return [s.location for s in self.scenarios]

    @property
    def estimated_seconds(self) -> float:
        return self.overhead_seconds + sum(s.duration + self.per_scenario_seconds for s in self.scenarios)


@dataclass
class Plan:
    mutant: Mutant
    runs: list[ModeRun] = field(default_factory=list)  # cheapest mode first
    unusable: int = 0  # covering scenarios left out because they failed on the unmutated SUT

    @property
    def covered(self) -> bool:
        return bool(self.runs)

    @property
    def estimated_seconds(self) -> float:
        return sum(r.estimated_seconds for r in self.runs)


def plan(mutant: Mutant, cmap: CoverageMap) -> Plan:
    """The scenarios, per mode, that ran the mutated statement (for a parameter default: the function's
    body). Modes cheapest first, scenarios fastest first. Mutations at import time get no plan."""
    result = Plan(mutant)
    if mutant.mutation.import_time:
        return result
    first, last = mutant.mutation.scope
    for mode, mode_map in cmap.modes.items():
        covering = cmap.scenarios_at(mode, mutant.file, range(first, last + 1))
        usable = sorted((s for s in covering if s.usable), key=lambda s: (s.duration, s.location))
        result.unusable += len(covering) - len(usable)
        if usable:
            result.runs.append(ModeRun(mode, usable, mode_map.overhead_seconds(), mode_map.per_scenario_seconds()))
    result.runs.sort(key=lambda r: (r.estimated_seconds, r.mode))
    return result


@dataclass
class Population:
    candidates: int  # every mutant of the selected files
    import_time: int  # at module/class level (not sampled)
    uncovered: int  # on lines no usable scenario ran
    eligible: list[Plan]  # on covered lines, in file and source order


def population(mutants: list[Mutant], cmap: CoverageMap) -> Population:
    eligible, import_time, uncovered = [], 0, 0
    for mutant in sorted(mutants, key=Mutant.sort_key):
        if mutant.mutation.import_time:
            import_time += 1
            continue
        p = plan(mutant, cmap)
        if p.covered:
            eligible.append(p)
        else:
            uncovered += 1
    return Population(len(mutants), import_time, uncovered, eligible)


def sample(plans: list[Plan], size: int, seed: int) -> list[Plan]:
    """A deterministic sample (same plans, seed and size -> same mutants), in file and source order. Mutants are
    drawn in a seeded random order; one whose source would not parse or not change is passed over."""
    ordered = sorted(plans, key=lambda p: p.mutant.sort_key())
    chosen = []
    for i in random.Random(seed).sample(range(len(ordered)), len(ordered)):
        if len(chosen) >= size:
            break
        if ordered[i].mutant.is_valid():
            chosen.append(i)
    return [ordered[i] for i in sorted(chosen)]


def stale_files(cmap: CoverageMap, package_dir: Path) -> list[str]:
    """Measured files whose content differs from what the coverage map was recorded on."""
    stale = []
    for path in sut.measured_files(package_dir):
        rel = sut.relative(path, package_dir)
        recorded = cmap.file_hashes.get(rel)
        if recorded is not None and recorded != sut.sha256(path):
            stale.append(rel)
    return stale
