"""Behave hooks: bring the stack up, isolate each scenario, apply the known-defect rule, report, tear down.

The hooks live in quilt_e2e.hooks (importable and testable); behave finds them here.
"""

from quilt_e2e.hooks import after_all, after_scenario, after_step, before_all, before_scenario  # noqa: F401
