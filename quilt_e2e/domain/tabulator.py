"""Tabulator tables and the catalog-wide open-query setting, through QuiltOps, with independent checks.

Tables a scenario creates are named `<run id>-<label>` (the catalog allows lowercase letters, digits,
'-' and '_') and removed from the catalog after the scenario, in every bucket, whoever created them.
What the SUT did is verified in the catalog's own table store and open-query setting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from quilt_e2e.domain import session
from quilt_e2e.domain.driver import Driver
from quilt_e2e.domain.expectations import assert_same_names
from quilt_e2e.domain.packages import split_list
from quilt_e2e.domain.world import Attempt, World
from quilt_e2e.stack.baseline import baseline_package_name

# Configurations a scenario may not be able to use, by the words the scenario uses for them.
NOT_YAML = "schema: [unclosed\nsource: {type: quilt-packages"


def table_name(world: World, label: str) -> str:
    return f"{world.settings.run_id}-{label}"


def bucket_named(world: World, which: str) -> str:
    buckets = {
        "scratch": world.settings.scratch_bucket,
        "data": world.settings.data_bucket,
        "packages": world.settings.packages_bucket,
    }
    assert which in buckets, f"test defect: no '{which}' bucket (use one of {', '.join(buckets)})"
    return buckets[which]


# -- configurations ----------------------------------------------------------------------------------
def columns_of(text: str) -> list[dict]:
    """ "id int, name string" → [{"name": "id", "type": "INT"}, ...]"""
    columns = []
    for item in split_list(text):
        name, _, kind = item.partition(" ")
        assert name and kind.strip(), f"test defect: column {item!r} needs a name and a type"
        columns.append({"name": name, "type": kind.strip().upper()})
    return columns


def config_with_columns(columns: str) -> str:
    """A table over the CSV files of the baseline simple-csv package, with the given columns."""
    package = baseline_package_name("simple-csv")
    config = {
        "schema": columns_of(columns),
        "source": {"type": "quilt-packages", "package_name": f"^{package}$", "logical_key": r".*\.csv$"},
        "parser": {"format": "csv", "delimiter": ",", "header": True},
    }
    return yaml.safe_dump(config, sort_keys=False)


def bad_config(kind: str) -> str:
    """A configuration the catalog cannot use, by the words of the scenario."""
    good = yaml.safe_load(config_with_columns("id int, name string"))
    configs = {
        "text that is not YAML": NOT_YAML,
        "no columns": yaml.safe_dump({k: v for k, v in good.items() if k != "schema"}),
        "no source": yaml.safe_dump({k: v for k, v in good.items() if k != "source"}),
        "a list instead of a mapping": yaml.safe_dump([good]),
        "empty text": "",
    }
    assert kind in configs, f"test defect: unknown bad configuration '{kind}' (use one of {', '.join(configs)})"
    return configs[kind]


def columns_in(config_text: str) -> list[dict]:
    parsed = yaml.safe_load(config_text)
    assert isinstance(parsed, dict), f"table configuration is not a YAML mapping: {config_text!r:.200}"
    return parsed.get("schema") or []


# -- the catalog's own table store -------------------------------------------------------------------
def store(world: World):
    return session.catalog(world).catalog.tabulator


def stored_config(world: World, bucket: str, label: str) -> str | None:
    return store(world).get(bucket, table_name(world, label))


def remove_run_tables_after_scenario(world: World) -> None:
    if getattr(world, "_tabulator_cleanup", False):
        return
    world._tabulator_cleanup = True
    prefix = f"{world.settings.run_id}-"
    tables = store(world)
    buckets = list(session.catalog(world).catalog.buckets)

    def _remove() -> None:
        for bucket in buckets:
            for table in tables.tables(bucket):
                if table["name"].startswith(prefix):
                    tables.put(bucket, table["name"], None)

    world.cleanups.append(_remove)


def given_table(world: World, bucket: str, label: str, columns: str = "id int, name string") -> str:
    """A table put straight into the catalog's store (not through the SUT); returns its configuration."""
    remove_run_tables_after_scenario(world)
    text = config_with_columns(columns)
    store(world).put(bucket, table_name(world, label), text)
    world.tables_before = {**getattr(world, "tables_before", {}), label: text}
    return text


def assert_tables_have_name_and_config(listing: list[dict]) -> None:
    """Each table is a dict with exactly the documented keys 'name' and 'config' (YAML text)."""
    assert isinstance(listing, list), f"expected a list of tables, got {listing!r:.200}"
    for table in listing:
        assert isinstance(table, dict) and set(table) == {"name", "config"}, f"a listed table is {table!r:.300}"
        assert isinstance(table["name"], str) and isinstance(table["config"], str), f"a listed table is {table!r:.300}"


def assert_bucket_answer(world: World, answer, bucket: str) -> None:
    """A table change answers with the bucket's configuration: its name and every table the catalog has."""
    expected = {"__typename": "BucketConfig", "name": bucket, "tabulatorTables": store(world).tables(bucket)}
    tables = len(expected["tabulatorTables"])
    assert answer == expected, f"the answer is {answer!r:.400}, expected the bucket {bucket} with its {tables} table(s)"


def assert_error_context(error: BaseException, expected: dict) -> None:
    """The refusal's context names exactly what the call was about."""
    context = getattr(error, "context", None)
    assert context == expected, f"the error's context is {context!r}, expected {expected!r}"


def run_tables(world: World, listing: list[dict]) -> dict[str, str]:
    """The tables of this run in a listing, by label → configuration text."""
    prefix = f"{world.settings.run_id}-"
    return {t["name"][len(prefix):]: t["config"] for t in listing if t["name"].startswith(prefix)}


# -- calls to the SUT --------------------------------------------------------------------------------
def ops(world: World) -> Driver:
    """QuiltOps for a table change or read: the run's tables are removed after the scenario, and what a
    call returns becomes the scenario's result."""
    remove_run_tables_after_scenario(world)
    return world.drive(world.sut, after=lambda record: setattr(world, "result", record.result))


def attempt(world: World, action: Callable[[Driver], Any]) -> Attempt:
    """A table call the scenario expects may be refused, e.g. `lambda ops: ops.list_tabulator_tables(b)`."""
    remove_run_tables_after_scenario(world)
    return world.attempt(lambda: action(world.ops))


# -- open query --------------------------------------------------------------------------------------
def keep_open_query_after_scenario(world: World) -> None:
    """Open query is a catalog-wide admin setting: put back what the catalog had before the scenario."""
    if getattr(world, "_open_query_restore", False):
        return
    world._open_query_restore = True
    catalog = session.catalog(world).catalog
    before = catalog.open_query

    def _restore() -> None:
        catalog.open_query = before

    world.cleanups.append(_restore)


def given_open_query(world: World, enabled: bool) -> None:
    keep_open_query_after_scenario(world)
    session.catalog(world).catalog.open_query = enabled


def catalog_open_query(world: World) -> bool:
    return session.catalog(world).catalog.open_query


def set_open_query(world: World, enabled: bool, *, expect_refusal: bool = False):
    keep_open_query_after_scenario(world)
    if expect_refusal:
        return world.attempt(lambda: world.ops.set_open_query(enabled))
    world.result = world.ops.set_open_query(enabled)
    return world.result


def assert_open_query_answer(answer: Any, enabled: bool, *, changed: bool = False) -> None:
    """The status answer is {success, open_query_enabled}; a change's answer also has a message."""
    assert isinstance(answer, dict), f"expected a dict, got {answer!r:.200}"
    assert answer.get("success") is True, f"the answer does not report success: {answer}"
    assert answer.get("open_query_enabled") is enabled, (
        f"the answer says open_query_enabled={answer.get('open_query_enabled')!r}, expected {enabled}"
    )
    expected = {"success": True, "open_query_enabled": enabled}
    if changed:
        expected["message"] = f"Open query {'enabled' if enabled else 'disabled'}"
    assert answer == expected, f"the answer is {answer!r}, expected {expected!r}"


# -- the checks behind steps/tabulator_steps.py ---------------------------------------------------------
def assert_listing_tables(world: World, labels) -> None:
    """Then the listing shows the tables "{labels:Label}" with the configurations the catalog has for them."""
    listed = run_tables(world, world.result)
    assert_same_names("tables of this run", split_list(labels), listed)
    for label, config in listed.items():
        for bucket in session.catalog(world).catalog.buckets:
            stored = stored_config(world, bucket, label)
            if stored is not None:
                break
        assert config == stored, f"table {label}: listed configuration differs from the catalog's"


def assert_catalog_no_named(world: World, name, which) -> None:
    """Then the catalog has no tabulator table named "{name:Text}" in the {which} bucket."""
    stored = store(world).get(bucket_named(world, which), name)
    assert stored is None, f"the catalog has a table named {name!r}: {stored!r:.200}"


def assert_listing_empty(world: World) -> None:
    """Then the listing shows no tables."""
    assert world.result == [], f"tables listed: {[t.get('name') for t in world.result]}"


def assert_received_table(world: World, label, which) -> None:
    """Then I receive the table "{label:Label}" with the configuration the catalog has for it in the {which} bucket."""
    table = world.result
    name = table_name(world, label)
    assert isinstance(table, dict) and table.get("name") == name, f"received {table!r:.300}"
    stored = stored_config(world, bucket_named(world, which), label)
    assert table.get("config") == stored, (
        f"received configuration {table.get('config')!r:.300} differs from {stored!r:.300}"
    )


def assert_catalog_table(world: World, label, which, columns) -> None:
    """Then the catalog has the tabulator table "{label:Label}" in the {which} bucket with columns "{columns:Label}"."""
    stored = stored_config(world, bucket_named(world, which), label)
    assert stored is not None, f"the catalog has no table {table_name(world, label)} in the {which} bucket"
    assert columns_in(stored) == columns_of(columns), f"the catalog's table has columns {columns_in(stored)}"


def assert_catalog_no_table(world: World, label, which) -> None:
    """Then the catalog has no tabulator table "{label:Label}" in the {which} bucket."""
    stored = stored_config(world, bucket_named(world, which), label)
    assert stored is None, f"the catalog has a table {table_name(world, label)}: {stored!r:.200}"


def assert_read_back_columns(world: World, label, which, columns) -> None:
    """Then getting the tabulator table "{label:Label}" of the {which} bucket shows columns "{columns:Label}"."""
    table = world.ops.get_tabulator_table(bucket_named(world, which), table_name(world, label))
    assert columns_in(table["config"]) == columns_of(columns), f"read back columns {columns_in(table['config'])}"


def assert_listing_after_none(world: World, which) -> None:
    """Then listing the tabulator tables of the {which} bucket shows no table of this run."""
    listing = world.ops.list_tabulator_tables(bucket_named(world, which))
    left = run_tables(world, listing)
    assert not left, f"tables of this run still listed: {sorted(left)}"


def assert_tables_unchanged(world: World, labels, which) -> None:
    """Then the tables "{labels:Label}" of the {which} bucket keep their configurations."""
    bucket = bucket_named(world, which)
    for label in split_list(labels):
        stored = stored_config(world, bucket, label)
        assert stored == world.tables_before[label], f"table {label} changed: {stored!r:.200}"


def assert_delete_answer(world: World) -> None:
    """Then the deletion answers with the bucket's remaining tables."""
    answer = world.result
    assert isinstance(answer, dict) and answer.get("__typename") == "BucketConfig", f"delete answered {answer!r:.300}"
    listed = {t["name"] for t in answer.get("tabulatorTables") or []}
    bucket = answer.get("name")
    stored = {t["name"] for t in store(world).tables(bucket)}
    assert listed == stored, f"the answer lists {sorted(listed)}, the catalog has {sorted(stored)}"


def assert_catalog_open_query(world: World, enabled) -> None:
    """Then the catalog has open query {enabled:SwitchState}."""
    actual = catalog_open_query(world)
    assert actual is enabled, f"the catalog has open query {'enabled' if actual else 'disabled'}"
