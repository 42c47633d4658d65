"""Performance at the spec's sizes: measured calls and their figures against the spec's limits."""

from behave import given, then, when

import quilt_e2e.step_types  # noqa: F401  (registers Text/Label)
from quilt_e2e.domain import packages as pk
from quilt_e2e.domain import performance as perf
from quilt_e2e.domain import tabulator as tab


@given("the registry holds a package of 1,000 files")
def step_many_files(context):
    perf.ensure_many_files_package(context.world)


@given("the registry holds at least 100 packages")
def step_registry_of_100(context):
    perf.ensure_registry_of_100(context.world)


@when("I browse the root of the package, measuring time and memory")
def step_browse_measured(context):
    world = context.world
    perf.measured(world, lambda: world.ops.browse_content(pk.current(world).name, world.registry, ""))


@when("I create a package from the {dataset} dataset, measuring time and memory")
def step_create_measured(context, dataset):
    world = context.world
    created = []  # the timed creation is the package the scenario checks; the traced one is a second package

    def create():
        created.append(pk.create_from_dataset(world, dataset))
        return world.result

    perf.measured(world, create)
    world.packages["current"] = created[0]


@when('I search the registry for "{query:Label}", measuring time and memory')
def step_search_measured(context, query):
    world = context.world
    perf.measured(world, lambda: world.ops.search_packages(query, world.registry))


@when("I send the catalog one query over its buckets and the revisions of seven packages, measuring time and memory")
def step_complex_query(context):
    perf.run_complex_query(context.world)


@when("{sessions:d} sessions' mixed work on the {which} bucket runs one after another, then all at once")
def step_alone_then_together(context, sessions, which):
    world = context.world
    perf.mixed_work_alone_then_together(world, sessions, tab.bucket_named(world, which))


@then("the listing shows every file of the package with its size")
def step_listing_is_package(context):
    perf.assert_listing_is_the_package(context.world)


@then('the search finds each of the 100 packages that mention "test", at its latest revision')
def step_search_finds(context):
    perf.assert_search_finds_fill_packages(context.world)


@then("the answer shows the catalog's buckets and each package as the registry has it")
def step_complex_answer(context):
    perf.assert_complex_answer(context.world)


@then("the figures for {activity} are within the spec's limits")
def step_figures(context, activity):
    perf.assert_within(perf.record_figures(context.world, activity))
