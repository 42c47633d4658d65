"""GraphQL documents the scenarios send through QuiltOps, and what the catalog should answer to them."""

from __future__ import annotations

from quilt_e2e.domain import catalog_facts, session
from quilt_e2e.domain.driver import unwrap
from quilt_e2e.domain.world import Attempt, World

MY_NAME = "query { me { name email } }"
BUCKET_CONFIG = "query BucketConfig($name: String!) { bucketConfig(name: $name) { name } }"
USER_LIST = "query { admin { user { list { name } } } }"  # an administrator's query
NOBODY_ANSWERS = "http://127.0.0.1:9"  # the discard port: nothing listens there

# problem → (document, variables): queries the catalog rejects before running them
BAD_QUERIES = {
    "a field the catalog does not have": ("query { me { name shoeSize } }", None),
    "a syntax error": ("query { me { name ", None),
    "a variable of the wrong type": (BUCKET_CONFIG, {"name": 42}),
    "a required variable missing": (BUCKET_CONFIG, None),
}


def bad_query(problem: str) -> tuple[str, dict | None]:
    try:
        return BAD_QUERIES[problem]
    except KeyError:
        raise AssertionError(f"test defect: no bad query for {problem!r} (known: {', '.join(BAD_QUERIES)})") from None


def acting_user(world: World) -> str:
    return world.user or session.DEFAULT_USER


def expected_bucket_config(world: World, bucket: str) -> dict:
    """The whole answer to BUCKET_CONFIG: the bucket if the catalog shows it to the user, else null."""
    visible = session.catalog(world).visible_buckets(acting_user(world))
    return {"data": {"bucketConfig": {"name": bucket} if bucket in visible else None}}


def assert_answer_names_user(answer, username: str) -> None:
    if not isinstance(answer, dict) or "errors" in answer:
        raise AssertionError(f"GraphQL answered {answer!r}")
    me = (answer.get("data") or {}).get("me") or {}
    if me.get("name") != username:
        raise AssertionError(f"GraphQL answered {answer}, expected the user {username}")


def try_list_users(world: World) -> Attempt:
    """Through the AdminOps interface QuiltOps.admin offers, try to list the catalog's users."""
    from quilt_mcp.ops.admin_ops import AdminOps

    admin = world.ops.admin
    assert isinstance(unwrap(admin), AdminOps), f"QuiltOps.admin gave {unwrap(admin)!r}, not the AdminOps interface"
    return world.attempt(lambda: admin.list_users())


# -- the checks behind steps/graphql_steps.py ---------------------------------------------------------
def assert_endpoint_is(world: World) -> None:
    """Then the endpoint is the GraphQL address of the catalog's registry."""
    expected = catalog_facts.facts(world).graphql_endpoint
    assert world.result == expected, f"GraphQL endpoint {world.result!r}, expected {expected!r}"


def assert_headers_accepted(world: World, who) -> None:
    """Then the headers carry a bearer token the catalog accepts as {who}."""
    import requests

    world, headers = world, world.result
    assert isinstance(headers, dict), f"expected a dict of headers, got {headers!r}"
    assert str(headers.get("Authorization", "")).startswith("Bearer "), "no bearer token in the headers"
    endpoint = catalog_facts.facts(world).graphql_endpoint
    answer = requests.post(endpoint, json={"query": "{ me { name } }"}, headers=headers, timeout=30).json()
    assert answer.get("data", {}).get("me", {}).get("name") == session.ROLES_TO_USERS[who], f"catalog said {answer}"


def assert_graphql_bucket(world: World) -> None:
    """Then the catalog answers with the data bucket's configuration."""
    expected = expected_bucket_config(world, world.settings.data_bucket)
    assert world.result == expected, f"GraphQL answered {world.result!r}, expected {expected!r}"
