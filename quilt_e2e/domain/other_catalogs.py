"""Catalog addresses other than the run's catalog: web sites that are not a catalog, catalogs that refuse
access or serve an incomplete configuration (quilt_e2e.catalog.web_sites), and addresses nobody answers at."""

from __future__ import annotations

from quilt_e2e.domain import catalog_facts, session
from quilt_e2e.domain.world import World

NOBODY_ANSWERS = "http://127.0.0.1:9"  # the discard port: nothing listens there
NO_SUCH_HOST = "https://invalid-catalog-xyz.invalid"  # .invalid never resolves (RFC 2606)


def _sites():
    from quilt_e2e.catalog.web_sites import WebSites

    return WebSites.shared()


def _published(world: World, url: str) -> str:
    world.cleanups.append(lambda: _sites().withdraw(url))
    return url


def plain_web_site(world: World) -> str:
    return _published(world, _sites().plain_web_site())


def single_page_app(world: World) -> str:
    return _published(world, _sites().single_page_app())


def access_denied(world: World) -> str:
    return _published(world, _sites().access_denied())


def catalog_serving(world: World, config) -> str:
    return _published(world, _sites().catalog_config(config))


def catalog_without(world: World, key: str) -> str:
    """A catalog whose config.json is the run catalog's without `key` (its registry stays the run's)."""
    return catalog_serving(world, catalog_facts.config_without(world, key))


def log_in_to_catalog_without(world: World, key: str, username: str = session.DEFAULT_USER) -> str:
    """Log in to the run catalog, then use it through an address whose config.json lacks `key`: quilt3 is
    configured for that address (local), or the deployment names it as QUILT_CATALOG_URL (multiuser).
    Returns the address."""
    import quilt3

    session.login(world, username)
    url = catalog_without(world, key)
    if world.settings.backend == "local":
        quilt3.config(url)
    else:
        import os

        sandbox = world.stack.sandbox
        previous = os.environ.get("QUILT_CATALOG_URL")
        sandbox.set_env({"QUILT_CATALOG_URL": url})
        world.cleanups.append(lambda: sandbox.set_env({"QUILT_CATALOG_URL": previous}))
    return url


def local_quilt_config(world: World) -> dict:
    """quilt3's config.yml in the sandbox, read as plain YAML."""
    import yaml

    path = world.stack.sandbox.quilt_data_dir / "config.yml"
    return yaml.safe_load(path.read_text()) or {}


def quilt_config_problems(world: World, catalog: catalog_facts.CatalogFacts | None) -> list[str]:
    """The local Quilt configuration names `catalog` (its address, registry, region, API gateway), or none."""
    config = local_quilt_config(world)
    if catalog is None:
        expected = {"navigator_url": None, "registryUrl": None, "region": None, "apiGatewayEndpoint": None}
    else:
        expected = {
            "navigator_url": catalog.url,
            "registryUrl": catalog.registry_url,
            "region": catalog.region,
            "apiGatewayEndpoint": catalog.config["apiGatewayEndpoint"],
        }
    return [f"the local Quilt configuration has {key}={config.get(key)!r}, expected {value!r}"
            for key, value in expected.items() if config.get(key) != value]


def deploy_with(world: World, **variables: str | None) -> None:
    """The multiuser deployment's settings for this scenario (QUILT_CATALOG_URL, QUILT_REGISTRY_URL,
    QUILT_GRAPHQL_ENDPOINT; None = not set); the run's own settings come back afterwards."""
    import os

    sandbox = world.stack.sandbox
    previous = {name: os.environ.get(name) for name in variables}
    sandbox.set_env(variables)
    world.cleanups.append(lambda: sandbox.set_env(previous))


def deployment_url(world: World, description: str) -> str | None:
    """A catalog address for the deployment, by description."""
    if description == "no catalog address":
        return None
    if description == "a catalog address nobody answers at":
        return NOBODY_ANSWERS
    if description == "a catalog whose configuration names no registry":
        return catalog_without(world, "registryUrl")
    raise AssertionError(f"test defect: unknown deployment catalog {description!r}")
