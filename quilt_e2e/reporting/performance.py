"""The performance report: every figure a run measured against the spec's limits, as `performance.json` (one
section per backend, so a local and a multiuser run land in the same file) and as lines for the run summary.

A figure is a dict (see quilt_e2e.domain.world.Measurement.as_dict) plus the scenario it was measured in.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

REPORT_NAME = "performance.json"


def section(figures: list[dict], *, backend: str, stack: str, data_profile: str, run_id: str) -> dict:
    return {
        "backend": backend,
        "stack": stack,
        "data_profile": data_profile,
        "run_id": run_id,
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        # with the small profile the limits (set for spec-sized data) are reported, not enforced
        "limits_enforced": data_profile == "full",
        "over_limit": sum(1 for f in figures if f.get("verdict") == "OVER"),
        "figures": figures,
    }


def write(reports_dir: Path, backend_section: dict) -> Path:
    """Put this run's section into `performance.json`, keeping the other backend's section."""
    path = Path(reports_dir) / REPORT_NAME
    try:
        report = json.loads(path.read_text())
        if not isinstance(report, dict):
            report = {}
    except (OSError, ValueError):
        report = {}
    report[backend_section["backend"]] = backend_section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    return path


def summary_lines(backend_section: dict) -> list[str]:
    """Readable lines, one per figure: what, measured value, the spec's limit and within/OVER."""
    figures = backend_section["figures"]
    if not figures:
        return []
    mode = "enforced" if backend_section["limits_enforced"] else "reported only (small data profile)"
    lines = [f"performance ({backend_section['backend']}, {backend_section['data_profile']} data, limits {mode}):"]
    for figure in figures:
        spec = f"spec {figure['spec']}" if figure.get("spec") else "spec"
        lines.append(
            f"  {figure['verdict']:<6} {figure['name']}: {figure['value']:g} {figure['unit']} "
            f"(limit {figure['limit']:g} {figure['unit']}, {spec}) [{figure.get('scenario', '')}]"
        )
    return lines
