"""What the catalog and AWS say, independently of QuiltOps: the expectations for catalog configuration,
authentication status, registry URL, bucket listing and AWS identities, and the checks against them.

The catalog is asked directly (the stand-in's own state, or a real catalog over plain HTTP, never through the
SUT); AWS through the suite's own boto3 clients (world.stack.client).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from urllib.parse import urlparse

from quilt_e2e.domain import session
from quilt_e2e.domain.world import World

# Catalog_Config field → the config.json key it is read from (the four keys a catalog must serve)
CONFIG_KEYS = {
    "region": "region",
    "api_gateway_endpoint": "apiGatewayEndpoint",
    "registry_url": "registryUrl",
    "analytics_bucket": "analyticsBucket",
}


@dataclass(frozen=True)
class CatalogFacts:
    """One catalog as it describes itself: its URL, its config.json and the stack it was deployed as."""

    url: str
    config: dict
    stack_name: str

    @property
    def registry_url(self) -> str:
        return str(self.config["registryUrl"])

    @property
    def region(self) -> str:
        return str(self.config["region"])

    @property
    def catalog_name(self) -> str:
        """The catalog's DNS name as a person reads it: its host, without a leading www."""
        host = urlparse(self.url).hostname or ""
        return host[4:] if host.startswith("www.") else host

    @property
    def tabulator_data_catalog(self) -> str:
        """The Athena data catalog a Quilt stack registers for tabulator: quilt-<stack name>-tabulator."""
        return f"quilt-{self.stack_name}-tabulator"

    def catalog_config(self) -> dict:
        """Every Catalog_Config field as this catalog's configuration determines it."""
        return {
            "region": self.region,
            "api_gateway_endpoint": str(self.config["apiGatewayEndpoint"]),
            "registry_url": self.registry_url,
            "analytics_bucket": str(self.config["analyticsBucket"]),
            "stack_prefix": self.stack_name,
            "tabulator_data_catalog": self.tabulator_data_catalog,
        }

    @property
    def graphql_endpoint(self) -> str:
        return f"{self.registry_url.rstrip('/')}/graphql"


def facts(world: World) -> CatalogFacts:
    """The facts of the catalog the run logs in to (the stand-in, or -D catalog_url)."""
    catalog = session.catalog(world)
    return CatalogFacts(url=catalog.url.rstrip("/"), config=dict(catalog.config_json()), stack_name=catalog.stack_name)


def config_without(world: World, key: str) -> dict:
    """The run catalog's config.json with one key left out."""
    config = dict(facts(world).config)
    if key not in config:
        raise AssertionError(f"test defect: the catalog's config.json has no {key!r} to leave out")
    del config[key]
    return config


# -- comparisons ------------------------------------------------------------------------------------------
def differences(what: str, actual, expected: dict) -> list[str]:
    """One line per dataclass field of `actual` that differs from `expected` (every field must be expected)."""
    names = [f.name for f in fields(actual)]
    missing = set(names) ^ set(expected)
    if missing:
        raise AssertionError(f"test defect: expected values for {what} do not match its fields: {sorted(missing)}")
    return [f"{what}.{name} is {getattr(actual, name)!r}, expected {expected[name]!r}"
            for name in names if getattr(actual, name) != expected[name]]


def assert_fields(what: str, actual, expected: dict) -> None:
    problems = differences(what, actual, expected)
    if problems:
        raise AssertionError("; ".join(problems))


def assert_catalog_config(actual, catalog: CatalogFacts) -> None:
    if type(actual).__name__ != "Catalog_Config":
        raise AssertionError(f"expected a Catalog_Config, got {type(actual).__name__}: {actual!r}")
    assert_fields("Catalog_Config", actual, catalog.catalog_config())


def authenticated_status(catalog: CatalogFacts, url: str | None = None) -> dict:
    """Auth_Status of a session logged in to `catalog` (reached at `url`, default its own URL)."""
    return {
        "is_authenticated": True,
        "logged_in_url": url or catalog.url,
        "catalog_name": catalog.catalog_name if url is None else _dns_name(url),
        "registry_url": catalog.registry_url,
        "region": catalog.region,
        "tabulator_data_catalog": catalog.tabulator_data_catalog,
    }


def degraded_status(url: str) -> dict:
    """Auth_Status of a login whose catalog configuration cannot be read: who, where, nothing from config.json."""
    return {
        "is_authenticated": True,
        "logged_in_url": url,
        "catalog_name": _dns_name(url),
        "registry_url": None,
        "region": None,
        "tabulator_data_catalog": None,
    }


UNAUTHENTICATED_STATUS = {
    "is_authenticated": False,
    "logged_in_url": None,
    "catalog_name": None,
    "registry_url": None,
    "region": None,
    "tabulator_data_catalog": None,
}


def _dns_name(url: str) -> str:
    host = urlparse(url).hostname or ""
    return host[4:] if host.startswith("www.") else host


def assert_status(actual, expected: dict) -> None:
    if type(actual).__name__ != "Auth_Status":
        raise AssertionError(f"expected an Auth_Status, got {type(actual).__name__}: {actual!r}")
    normalised = dict(expected)
    # the catalog URL may come back with or without a trailing slash; nothing else is normalised
    if (isinstance(actual.logged_in_url, str) and isinstance(expected["logged_in_url"], str)
            and actual.logged_in_url.rstrip("/") == expected["logged_in_url"].rstrip("/")):
        normalised["logged_in_url"] = actual.logged_in_url
    assert_fields("Auth_Status", actual, normalised)


# -- buckets ------------------------------------------------------------------------------------------------
def bucket_region(world: World, name: str) -> str:
    """Where S3 says the bucket lives (GetBucketLocation; us-east-1 answers with no constraint)."""
    location = world.s3().get_bucket_location(Bucket=name).get("LocationConstraint")
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(location, location)


def s3_buckets(world: World) -> dict[str, datetime]:
    """The buckets the user's AWS credentials can list, with their creation dates: in local mode with a catalog
    login those quilt3 itself uses (the catalog's, for the user's role), otherwise the suite's own."""
    client = world.s3()
    if world.settings.backend == "local" and world.user:
        import quilt3

        client = quilt3.get_boto3_session().client("s3", endpoint_url=world.stack.endpoint_url)
    return {b["Name"]: b["CreationDate"] for b in client.list_buckets().get("Buckets", [])}


def expected_bucket_names(world: World) -> list[str]:
    """Local mode lists what the AWS credentials can list; multiuser the bucket configs the catalog shows."""
    if world.settings.backend == "local":
        return sorted(s3_buckets(world))
    return sorted(session.catalog(world).visible_buckets(world.user or session.DEFAULT_USER))


def access_level(world: World, name: str) -> str | None:
    """The catalog's permission level for the user on the bucket, where the catalog tells (None: unknown)."""
    catalog = session.catalog(world)
    directory = getattr(getattr(catalog, "catalog", None), "directory", None)
    if directory is None or world.settings.backend == "local":
        return None
    return directory.level(directory.get(world.user or session.DEFAULT_USER))


def bucket_list_problems(world: World, buckets) -> list[str]:
    """The listed buckets are exactly the ones the user can use, each with S3's creation date (if given)."""
    if not isinstance(buckets, list) or any(type(b).__name__ != "Bucket_Info" for b in buckets):
        return [f"expected a list of Bucket_Info, got {buckets!r:.300}"]
    names = [b.name for b in buckets]
    expected = expected_bucket_names(world)
    if sorted(names) != expected or len(set(names)) != len(names):
        return [f"listed buckets {sorted(names)}, expected {expected}"]
    created = s3_buckets(world)
    problems = []
    for bucket in buckets:
        problems += _created_date_problems(bucket, created.get(bucket.name), world.settings.backend)
    return problems


def bucket_location_problems(world: World, buckets) -> list[str]:
    """Each bucket's region is where S3 says it lives; its access level is the user's (not a placeholder)."""
    problems = []
    for bucket in buckets:
        region = bucket_region(world, bucket.name)
        if bucket.region != region:
            problems.append(f"bucket {bucket.name}: region {bucket.region!r}, expected {region!r}")
        level = access_level(world, bucket.name)
        if bucket.access_level in ("", "unknown") or (level is not None and bucket.access_level.upper() != level):
            problems.append(f"bucket {bucket.name}: access level {bucket.access_level!r}, expected "
                            f"{level or 'the access the user has'!r}")
    return problems


def _created_date_problems(bucket, s3_created: datetime | None, backend: str) -> list[str]:
    """created_date is optional: the catalog's bucket configs carry none; when given it is S3's date."""
    if bucket.created_date is None:
        if backend == "local":
            return [f"bucket {bucket.name}: no created_date, though S3 gives {s3_created}"]
        return []
    try:
        stated = datetime.fromisoformat(bucket.created_date)
    except (TypeError, ValueError):
        return [f"bucket {bucket.name}: created_date {bucket.created_date!r} is not ISO 8601"]
    if stated.tzinfo is None or s3_created is None or stated != s3_created.astimezone(UTC):
        return [f"bucket {bucket.name}: created_date {bucket.created_date!r}, expected {s3_created}"]
    return []


# -- AWS identities -------------------------------------------------------------------------------------------
def own_aws_identity(world: World) -> str:
    return world.stack.client("sts").get_caller_identity()["Arn"]


def assert_catalog_role_identity(world: World, arn: str) -> None:
    """The ARN of credentials the catalog handed out: an assumed role, the user's catalog role where known."""
    role_arn = session.catalog(world).aws_role_arn(world.user or session.DEFAULT_USER)
    if role_arn is None:  # a real catalog does not tell which role; it must be one, and not the suite's own identity
        if ":assumed-role/" not in arn or arn == own_aws_identity(world):
            raise AssertionError(f"the client acts as {arn}, not as a role the catalog assumed for the user")
        return
    account, role_name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[1]
    expected_prefix = f"arn:aws:sts::{account}:assumed-role/{role_name}/"
    if not arn.startswith(expected_prefix):
        raise AssertionError(f"the client acts as {arn}, expected the catalog role {role_arn} ({expected_prefix}...)")

