"""Measuring the suite: SUT line coverage per scenario (`quilt-e2e coverage`) and mutation testing of the
installed SUT through the scenarios that cover each mutated line (`quilt-e2e mutate`).

Modules: `sut` (where the installed SUT's measured files are), `coverage_run` (behave under coverage.py,
per-scenario contexts, reports), `contexts` (the line -> scenarios map), `operators` (AST mutation
operators), `mutants` (enumeration, stable ids, sampling, scenario selection), `overlay` (a shadow copy of the
installed package with one file mutated), `mutation_run` (running and classifying mutants) and
`mutation_report` (score, equivalent mutants, reports).

Why a driver of our own and not mutmut or cosmic-ray: mutmut 3.x mutates sources below the working
directory into ./mutants/ with trampolines and drives only pytest (its runner, its per-test stats), so it
cannot mutate an installed package nor run behave per mutant; cosmic-ray mutates the module files in place
(here that would be site-packages) and runs one fixed test command for every mutant, without choosing the
scenarios that cover the mutated line. The issue allows a small documented driver; this is it.
"""
