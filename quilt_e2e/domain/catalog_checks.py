"""Checks of catalog configuration scenarios: what QuiltOps reports about a catalog and the local Quilt
configuration it leaves, against the catalog's own facts (catalog_facts) and other catalogs."""

from __future__ import annotations

from quilt_e2e.domain import catalog_facts, other_catalogs
from quilt_e2e.domain.world import World


def try_read_address(world: World, address) -> None:
    """When I try to read a catalog configuration from {address}."""
    value = {"an empty address": "", "no address at all": None}.get(address, "?")
    assert value != "?", f"test defect: unknown address {address!r}"
    world.attempt(lambda: world.ops.get_catalog_config(value))


def assert_error_names_config(world: World) -> None:
    """Then the error message names the catalog configuration."""
    import re

    message = str(world.last_attempt.error)
    assert re.search(r"catalog[ _]config", message, re.IGNORECASE), f"the message does not name it: {message!r}"


def try_configure_address(world: World, address) -> None:
    """When I try to choose {address} as my default catalog."""
    value = {"an empty address": "", "no address at all": None,
             "an address nobody answers at": other_catalogs.NOBODY_ANSWERS}.get(address, "?")
    assert value != "?", f"test defect: unknown address {address!r}"
    world.attempt(lambda: world.ops.configure_catalog(value))


def assert_configure_accepted(world: World) -> None:
    """Then the choice is accepted."""
    assert world.result is None, f"configure_catalog returned {world.result!r}, documented None"


def assert_quilt_config_is(world: World) -> None:
    """Then my local Quilt configuration points at the catalog and its registry."""
    problems = other_catalogs.quilt_config_problems(world, catalog_facts.facts(world))
    assert not problems, "; ".join(problems)


def assert_quilt_config_none(world: World) -> None:
    """Then my local Quilt configuration still names no catalog."""
    problems = other_catalogs.quilt_config_problems(world, None)
    assert not problems, "; ".join(problems)


def assert_registry_is(world: World) -> None:
    """Then the registry URL is the catalog's registry."""
    expected = catalog_facts.facts(world).registry_url
    assert world.result == expected, f"registry URL {world.result!r}, expected {expected!r}"


def assert_no_registry(world: World) -> None:
    """Then there is no registry URL."""
    assert world.result is None, f"registry URL {world.result!r}, expected none"


def assert_buckets_are(world: World) -> None:
    """Then I see every bucket I can use, each with its creation date."""
    problems = catalog_facts.bucket_list_problems(world, world.result)
    assert not problems, "; ".join(problems)


def assert_bucket_regions(world: World) -> None:
    """Then each bucket names its region and my access level to it."""
    problems = catalog_facts.bucket_location_problems(world, world.result)
    assert not problems, "; ".join(problems)


def assert_error_details_name(world: World, url: str) -> None:
    """The refusal's details name the catalog address the scenario asked for."""
    error = world.last_attempt.error
    details = getattr(error, "context", None) or {}
    assert details.get("catalog_url") == url, (
        f"error context {details!r} does not give catalog_url {url!r}")


def assert_endpoint_is(world: World, url: str) -> None:
    """The GraphQL endpoint the SUT answered is the one the deployment names."""
    actual = world.result
    assert actual == url, f"GraphQL endpoint {actual!r}, expected {url!r}"
