"""`quilt-e2e docker build|status|clean`: the docker stack's images and leftovers (quilt_e2e.cli adds them)."""

from __future__ import annotations

import argparse

PROG = "quilt-e2e docker"


def add_commands(commands) -> None:
    dock = commands.add_parser(
        "docker",
        help="the docker stack (-D stack=docker): build its images, show or remove what it left",
        description=(
            "Images are built by the project with no registry: a Debian 12 base by debootstrap, then "
            "docker/Dockerfile FROM it, installing from a wheelhouse built here. Both are tagged by a hash of "
            "their inputs, so an unchanged tree does not rebuild."
        ),
    )
    actions = dock.add_subparsers(dest="docker_action", metavar="ACTION")
    actions.required = True
    build = actions.add_parser("build", help="build the base and stack images if their inputs changed")
    build.add_argument("--rebuild", action="store_true", help="build even when an image with the same inputs exists")
    actions.add_parser("status", help="the images, and any container or network of the suite in the engine")
    clean = actions.add_parser("clean", help="remove every container and network of the suite (and --images)")
    clean.add_argument("--images", action="store_true", help="also remove the suite's images")


def run_command(args: argparse.Namespace) -> int:
    from quilt_e2e.stack.docker import containers, images
    from quilt_e2e.stack.docker.engine import LABEL_OWNER, LABEL_RUN, OWNER, connect

    client = connect()
    if args.docker_action == "build":
        report = images.ensure_images(client, rebuild=args.rebuild)
        print(f"{PROG} build: {report.summary()}")
        return 0
    if args.docker_action == "status":
        owned = {"label": f"{LABEL_OWNER}={OWNER}"}
        for image in client.images.list(filters=owned):
            print(f"{PROG} status: image {', '.join(image.tags) or image.short_id}")
        for container in client.containers.list(all=True, filters=owned):
            run_id = container.labels.get(LABEL_RUN, "?")
            print(f"{PROG} status: container {container.name} ({container.status}, run {run_id})")
        for network in client.networks.list(filters=owned):
            print(f"{PROG} status: network {network.name}")
        return 0
    if args.docker_action == "clean":
        removed = containers.remove_labelled(client, {})
        if args.images:
            removed += images.remove_images(client)
        print(f"{PROG} clean: removed {len(removed)}: {', '.join(removed) or 'nothing'}")
        return 0
    return 2
