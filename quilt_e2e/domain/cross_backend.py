"""The other backend, built by the real factory from the other mode's configuration."""

from __future__ import annotations

from contextlib import contextmanager

from quilt_e2e.domain import packages as pk
from quilt_e2e.domain import session
from quilt_e2e.domain.driver import Driver
from quilt_e2e.domain.world import World
from quilt_e2e.stack.env_vars import changed_env

OTHER = {"local": "multiuser", "multiuser": "local"}


@contextmanager
def _mode(world: World, backend: str):
    """Temporarily configure QuiltOps for `backend` (environment + quilt_mcp's cached mode)."""
    from quilt_mcp.config import reset_mode_config

    url = session.catalog(world).url
    wanted = {"QUILT_MULTIUSER_MODE": "true" if backend == "multiuser" else "false"}
    if backend == "multiuser":
        wanted.update(QUILT_CATALOG_URL=url, QUILT_REGISTRY_URL=url)
    try:
        with changed_env(wanted):
            reset_mode_config()
            yield
    finally:
        reset_mode_config()


def other_ops(world: World) -> Driver:
    """QuiltOps of the other backend (recorded), acting as the scenario's user (the Platform backend needs one)."""
    from quilt_mcp.ops.factory import QuiltOpsFactory

    if not world.user:
        session.login(world, session.DEFAULT_USER)
    with _mode(world, OTHER[world.settings.backend]):
        return world.drive(world.drive(QuiltOpsFactory).create())


def files_of(world: World, ops, package_name: str, path: str = "") -> dict[str, int | None]:
    """Every file of a package (path → size), walking directories where a backend lists them."""
    files: dict[str, int | None] = {}
    for item in ops.browse_content(package_name, world.registry, path):
        if item.type == "directory":
            files.update(files_of(world, ops, package_name, item.path))
        else:
            files[item.path] = item.size
    return files


def view_through_other(world: World, key: str) -> dict:
    """What a user of the other backend sees of the current package: search hits for its name, its files,
    its information and a download link to the reference file `key`."""
    name, registry = pk.current(world).name, world.registry
    path = pk.path_of_reference_file(world, key)
    ops = other_ops(world)
    return {
        "search": ops.search_packages(name, registry),
        "files": files_of(world, ops, name),
        "info": ops.get_package_info(name, registry),
        "link": ops.get_content_url(name, registry, path),
    }
