"""The mutation score and its reports (reports/mutation/mutation.json and mutation.md), and the registry of
equivalent mutants (features/contract/equivalent_mutants.yaml).

Score = (killed + timeout) / (killed + timeout + survived). Equivalent mutants (no test can tell them from the
original: the registry says why) and errors (the run itself broke) are listed but not in the denominator.

equivalent_mutants.yaml is a list of entries:

    - id: 3f2a9c0d1e4b            # the mutant id `quilt-e2e mutate --list` prints
      file: backends/quilt3_backend_packages.py
      line: 120
      mutation: "x == 0 -> x == 1"
      reason: why no observable behaviour changes
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from quilt_e2e.quality.mutants import Mutant, Plan
from quilt_e2e.quality.mutation_run import EQUIVALENT, ERROR, KILLED, SURVIVED, TIMEOUT, Outcome

EQUIVALENTS = Path(__file__).resolve().parents[2] / "features" / "contract" / "equivalent_mutants.yaml"
EQUIVALENT_KEYS = ("id", "file", "line", "mutation", "reason")


class EquivalentsError(Exception):
    """The registry of equivalent mutants is malformed; the message names the entry."""


@dataclass(frozen=True)
class Equivalent:
    id: str
    file: str
    line: int
    mutation: str
    reason: str


def load_equivalents(path: Path = EQUIVALENTS) -> dict[str, Equivalent]:
    if not path.is_file():
        return {}
    raw = yaml.safe_load(path.read_text()) or []
    if not isinstance(raw, list):
        raise EquivalentsError(f"{path.name}: expected a list of entries ({', '.join(EQUIVALENT_KEYS)})")
    result: dict[str, Equivalent] = {}
    for n, entry in enumerate(raw, 1):
        if not isinstance(entry, dict) or set(entry) != set(EQUIVALENT_KEYS):
            keys = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
            raise EquivalentsError(f"{path.name}: entry {n} has {keys}, needs exactly {list(EQUIVALENT_KEYS)}")
        if not str(entry["reason"]).strip():
            raise EquivalentsError(f"{path.name}: entry {n} ({entry['id']}) needs a reason")
        if str(entry["id"]) in result:
            raise EquivalentsError(f"{path.name}: entry {n}: {entry['id']} is listed twice")
        result[str(entry["id"])] = Equivalent(str(entry["id"]), str(entry["file"]), int(entry["line"]),
                                              str(entry["mutation"]), str(entry["reason"]))
    return result


@dataclass
class Score:
    counts: Counter

    @property
    def killed(self) -> int:
        return self.counts[KILLED] + self.counts[TIMEOUT]

    @property
    def denominator(self) -> int:
        return self.killed + self.counts[SURVIVED]

    @property
    def percent(self) -> float | None:
        return 100.0 * self.killed / self.denominator if self.denominator else None

    def line(self) -> str:
        pct = "n/a" if self.percent is None else f"{self.percent:.1f}%"
        c = self.counts
        return (f"{pct} ({self.killed}/{self.denominator} killed: {c[KILLED]} killed, {c[TIMEOUT]} timeout, "
                f"{c[SURVIVED]} survived; {c[EQUIVALENT]} equivalent, {c[ERROR]} error)")


def score(outcomes: list[Outcome], plans: dict[str, Plan] | None = None, file: str | None = None) -> Score:
    chosen = [o for o in outcomes if file is None or (plans and plans[o.id].mutant.file == file)]
    return Score(Counter(o.status for o in chosen))


def mutant_entry(plan: Plan, outcome: Outcome) -> dict:
    m: Mutant = plan.mutant
    entry = {
        "id": m.id, "file": m.file, "line": m.line, "col": m.mutation.col, "operator": m.operator,
        "function": m.mutation.function, "mutation": m.describe(), "original_line": m.original_line,
        "mutated_line": m.mutated_line, "status": outcome.status, "seconds": round(outcome.seconds, 1),
        "scenarios": {r.mode: r.locations for r in plan.runs},
        "runs": [
            {**asdict(r), "seconds": round(r.seconds, 1), "timeout_seconds": round(r.timeout_seconds, 1)}
            for r in outcome.runs
        ],
    }
    if outcome.reason:
        entry["reason"] = outcome.reason
    return entry


def write(out: Path, plans: list[Plan], outcomes: list[Outcome], meta: dict) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    by_id = {p.mutant.id: p for p in plans}
    files = sorted({p.mutant.file for p in plans})
    total = score(outcomes)
    payload = {
        **meta,
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "score": {
            "percent": total.percent,
            "killed": total.counts[KILLED],
            "timeout": total.counts[TIMEOUT],
            "survived": total.counts[SURVIVED],
            "equivalent": total.counts[EQUIVALENT],
            "error": total.counts[ERROR],
        },
        "per_file": {
            f: {"percent": s.percent, **{k: s.counts[k] for k in (KILLED, TIMEOUT, SURVIVED, EQUIVALENT, ERROR)}}
            for f in files
            for s in [score(outcomes, by_id, f)]
        },
        "mutants": [mutant_entry(by_id[o.id], o) for o in outcomes],
    }
    json_path = out / "mutation.json"
    json_path.write_text(json.dumps(payload, indent=2) + "\n")
    md_path = out / "mutation.md"
    md_path.write_text(markdown(plans, outcomes, meta))
    return json_path, md_path


def markdown(plans: list[Plan], outcomes: list[Outcome], meta: dict) -> str:
    by_id = {p.mutant.id: p for p in plans}
    total = score(outcomes)
    lines = [
        "# Mutation testing of the installed SUT",
        "",
        f"quilt-mcp {meta.get('sut_version', '?')}; sample {meta.get('sample', '?')} of "
        f"{meta.get('eligible', '?')} mutants on covered lines (seed {meta.get('seed', '?')}); "
        f"{meta.get('seconds_per_mutant', 0):.1f} s per mutant.",
        "",
        f"**Score: {total.line()}**",
        "",
        "| file | killed | timeout | survived | equivalent | error | score |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for file in sorted({p.mutant.file for p in plans}):
        s = score(outcomes, by_id, file)
        pct = "n/a" if s.percent is None else f"{s.percent:.0f} %"
        c = s.counts
        lines.append(f"| {file} | {c[KILLED]} | {c[TIMEOUT]} | {c[SURVIVED]} | {c[EQUIVALENT]} | {c[ERROR]} | {pct} |")
    for title, status in (("Survivors", SURVIVED), ("Equivalent (not in the score)", EQUIVALENT),
                          ("Errors (re-run with --mutant ID)", ERROR)):
        chosen = [o for o in outcomes if o.status == status]
        if not chosen:
            continue
        lines += ["", f"## {title}", ""]
        for o in chosen:
            m = by_id[o.id].mutant
            lines.append(f"- `{m.id}` **{m.where}** {m.operator} in `{m.mutation.function or '(module)'}`")
            lines.append(f"  - original: `{m.original_line}`")
            lines.append(f"  - mutated:  `{m.mutated_line}`")
            if status == EQUIVALENT:
                lines.append(f"  - why equivalent: {o.reason}")
            else:
                scenarios = ", ".join(f"{r.mode}: {len(r.scenarios)}" for r in by_id[o.id].runs)
                lines.append(f"  - scenarios run: {scenarios}")
    return "\n".join(lines) + "\n"
