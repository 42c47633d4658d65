"""The images the docker stack runs, built by the project with no image registry.

- base: Debian 12 (bookworm) minbase with python3 and python3-venv, made by debootstrap from Debian's
  packages and imported into the engine (`docker import`). Tagged by a hash of its recipe.
- stack: docker/Dockerfile FROM that base, pip installing only from a wheelhouse the host builds
  (same Python 3.11 on Debian 12 on both sides, so the wheels match), with the project's source.
  Tagged by a hash of its inputs (Dockerfile, pinned requirements, base tag, source), so an unchanged
  tree does not rebuild. The build runs with no network and never pulls.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from quilt_e2e.stack import PROJECT_ROOT, StackError
from quilt_e2e.stack.docker.engine import LABEL_INPUTS, LABEL_OWNER, OWNER

log = logging.getLogger("quilt_e2e.stack.docker")

DOCKERFILE = PROJECT_ROOT / "docker" / "Dockerfile"
BUILD_DIR = PROJECT_ROOT / ".e2e-docker"  # build context, rootfs tarball and wheelhouse (git-ignored)
BASE_REPO = "quilt-e2e/base"
STACK_REPO = "quilt-e2e/stack"
SUITE = "bookworm"
BASE_PACKAGES = ("python3", "python3-venv", "ca-certificates")
SOURCE_PACKAGES = ("quilt_e2e", "datagen")  # what the stack server imports
SOURCE_LEFT_OUT = ("quilt_e2e/stack/docker",)  # the container manager itself never runs in a container
# The project's dependencies the stack server never imports: the SUT runs in the test process, and so do the
# test runner, its reporting and the engine client. Their own dependencies stay out unless something else needs them.
NOT_IN_IMAGE = ("quilt-mcp", "behave", "allure-behave", "docker")
# bumping this rebuilds the base even when the recipe above is unchanged
BASE_RECIPE_VERSION = "1"
_FROM_RE = re.compile(r"^\s*FROM\s+(\S+)", re.IGNORECASE | re.MULTILINE)


class ImageBuildError(StackError):
    """An image could not be built; the message is one line that says why."""


@dataclass
class BuildReport:
    base_tag: str = ""
    stack_tag: str = ""
    built: list[str] = field(default_factory=list)  # tags built by this call (empty: all cached)
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        phases = ", ".join(f"{k} {v:.1f}s" for k, v in self.seconds.items())
        what = f"built {len(self.built)}" if self.built else "up to date, nothing built"
        return f"images {what} ({phases}): stack {self.stack_tag}, base {self.base_tag}"


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:16]


# -- inputs ----------------------------------------------------------------------------------------
def base_tag() -> str:
    recipe = json.dumps([SUITE, "minbase", sorted(BASE_PACKAGES), BASE_RECIPE_VERSION]).encode()
    return f"{BASE_REPO}:{_digest(recipe)}"


def runtime_requirements(project: str = "quilt-e2e", leave_out: tuple[str, ...] = NOT_IN_IMAGE) -> list[str]:
    """What the stack server needs: the project's runtime dependencies (less `leave_out`) and theirs, pinned to
    the versions installed here (`name==version`), so the image runs what the host's tests run. Extras (dev)
    are not followed."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pinned: dict[str, str] = {}
    todo: list[tuple[str, frozenset[str]]] = [(project, frozenset())]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise ImageBuildError(f"'{name}' is required but not installed here: "
                                  "pip install -e '.[dev]' first") from None
        key = canonicalize_name(dist.metadata["Name"])
        if key != canonicalize_name(project):
            pinned[key] = dist.version
        for text in dist.requires or []:
            req = Requirement(text)
            if key == canonicalize_name(project) and canonicalize_name(req.name) in leave_out:
                continue
            envs = [{"extra": e} for e in extras] or [{"extra": ""}]
            if req.marker is not None and not any(req.marker.evaluate(env) for env in envs):
                continue
            todo.append((canonicalize_name(req.name), frozenset(req.extras)))
    return [f"{name}=={version}" for name, version in sorted(pinned.items())]


def source_files(root: Path = PROJECT_ROOT) -> list[Path]:
    files = []
    for package in SOURCE_PACKAGES:
        for path in sorted((root / package).rglob("*")):
            relative = path.relative_to(root).as_posix()
            if (path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo")
                    and not relative.startswith(SOURCE_LEFT_OUT)):
                files.append(path)
    return files


def check_dockerfile(text: str) -> None:
    """Refuse a Dockerfile whose FROM is anything but the project's own base (nothing is ever pulled)."""
    froms = _FROM_RE.findall(text)
    if not froms:
        raise ImageBuildError(f"{DOCKERFILE} has no FROM line")
    for image in froms:
        if image not in ("${BASE_IMAGE}", "$BASE_IMAGE") and not image.startswith(BASE_REPO + ":"):
            raise ImageBuildError(
                f"{DOCKERFILE}: FROM {image} is not the project's base image: use FROM ${{BASE_IMAGE}} "
                "(no registry is reachable and images are never pulled)"
            )


def stack_tag(requirements: list[str], base: str, dockerfile_text: str, root: Path = PROJECT_ROOT) -> str:
    parts = [dockerfile_text.encode(), "\n".join(requirements).encode(), base.encode()]
    for path in source_files(root):
        parts += [str(path.relative_to(root)).encode(), path.read_bytes()]
    return f"{STACK_REPO}:{_digest(*parts)}"


# -- engine helpers --------------------------------------------------------------------------------
def _has_image(client, tag: str) -> bool:
    from docker.errors import ImageNotFound

    try:
        client.images.get(tag)
    except ImageNotFound:
        return False
    return True


# -- base image ------------------------------------------------------------------------------------
def build_base(client, tag: str, *, work_dir: Path = BUILD_DIR) -> None:
    """debootstrap Debian 12 minbase (Debian's packages, the one network use) and import it as `tag`."""
    if shutil.which("debootstrap") is None:
        raise ImageBuildError("debootstrap is not installed: apt-get install -y debootstrap (as root)")
    work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rootfs-", dir=work_dir) as tmp:
        rootfs = Path(tmp) / "rootfs"
        command = ["debootstrap", "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}", SUITE, str(rootfs)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]
            raise ImageBuildError(f"debootstrap failed (exit {done.returncode}): {last[0]}")
        # what a container never needs
        for junk in ("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc", "usr/share/man",
                     "usr/share/locale"):
            shutil.rmtree(rootfs / junk, ignore_errors=True)
        tarball = Path(tmp) / "rootfs.tar"
        with tarfile.open(tarball, "w") as tar:
            tar.add(str(rootfs), arcname=".")
        repository, _, version = tag.partition(":")
        changes = [
            f"LABEL {LABEL_OWNER}={OWNER} {LABEL_INPUTS}={version} org.quilt-e2e.image=base",
            'CMD ["/bin/bash"]',
        ]
        client.api.import_image(src=str(tarball), repository=repository, tag=version, changes=changes)
    if not _has_image(client, tag):
        raise ImageBuildError(f"importing the debootstrap'd rootfs did not produce {tag}")


# -- stack image -----------------------------------------------------------------------------------
def _wheelhouse(requirements: list[str], work_dir: Path) -> Path:
    """pip wheel the pinned requirements once (PyPI, or pip's cache); a stamp keeps an unchanged set."""
    wheelhouse = work_dir / "wheelhouse"
    stamp = wheelhouse / ".requirements"
    wanted = "\n".join(requirements) + "\n"
    if stamp.exists() and stamp.read_text() == wanted:
        return wheelhouse
    shutil.rmtree(wheelhouse, ignore_errors=True)
    wheelhouse.mkdir(parents=True)
    req_file = work_dir / "requirements.txt"
    req_file.write_text(wanted)
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheelhouse),
               "-r", str(req_file)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]
        raise ImageBuildError(f"building the wheelhouse failed (pip exit {done.returncode}): {last[0]}")
    stamp.write_text(wanted)
    return wheelhouse


def _context(requirements: list[str], dockerfile_text: str, work_dir: Path) -> Path:
    wheelhouse = _wheelhouse(requirements, work_dir)
    context = work_dir / "context"
    shutil.rmtree(context, ignore_errors=True)
    (context / "src").mkdir(parents=True)
    (context / "Dockerfile").write_text(dockerfile_text)
    (context / "requirements.txt").write_text("\n".join(requirements) + "\n")
    shutil.copytree(wheelhouse, context / "wheelhouse", ignore=shutil.ignore_patterns(".requirements"))
    for path in source_files():
        target = context / "src" / path.relative_to(PROJECT_ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    return context


def build_stack(client, tag: str, base: str, requirements: list[str], dockerfile_text: str,
                *, work_dir: Path = BUILD_DIR) -> None:
    from docker.errors import APIError, BuildError

    context = _context(requirements, dockerfile_text, work_dir)
    version = tag.partition(":")[2]
    try:
        client.images.build(
            path=str(context), tag=tag, pull=False, rm=True, forcerm=True, network_mode="none",
            buildargs={"BASE_IMAGE": base},
            labels={LABEL_OWNER: OWNER, LABEL_INPUTS: version, "org.quilt-e2e.image": "stack",
                    "org.quilt-e2e.base": base},
        )
    except BuildError as exc:
        lines = [str(entry.get("stream", entry.get("error", ""))).strip() for entry in exc.build_log]
        last = [line for line in lines if line][-1:] or [str(exc)]
        raise ImageBuildError(f"building {tag} failed: {last[0][:300]}") from None
    except APIError as exc:
        raise ImageBuildError(f"building {tag} failed: {exc.explanation or exc}") from None
    finally:
        shutil.rmtree(context, ignore_errors=True)


def ensure_images(client, *, rebuild: bool = False, work_dir: Path = BUILD_DIR) -> BuildReport:
    """Build what is missing or out of date; an unchanged tree costs a few hashes."""
    report = BuildReport()
    started = time.perf_counter()
    dockerfile_text = DOCKERFILE.read_text()
    check_dockerfile(dockerfile_text)
    requirements = runtime_requirements()
    report.base_tag = base_tag()
    report.stack_tag = stack_tag(requirements, report.base_tag, dockerfile_text)
    report.seconds["hash"] = time.perf_counter() - started
    if rebuild or not _has_image(client, report.base_tag):
        started = time.perf_counter()
        log.info("building %s with debootstrap", report.base_tag)
        build_base(client, report.base_tag, work_dir=work_dir)
        report.built.append(report.base_tag)
        report.seconds["base"] = time.perf_counter() - started
    if rebuild or not _has_image(client, report.stack_tag):
        started = time.perf_counter()
        log.info("building %s", report.stack_tag)
        build_stack(client, report.stack_tag, report.base_tag, requirements, dockerfile_text, work_dir=work_dir)
        report.built.append(report.stack_tag)
        report.seconds["stack"] = time.perf_counter() - started
        remove_images(client, keep={report.stack_tag, report.base_tag}, repository=STACK_REPO)
    return report


def remove_images(client, keep: set[str] = frozenset(), repository: str | None = None) -> list[str]:
    """Remove the suite's images (by owner label; only `repository`'s if given) except `keep`; returns the tags
    removed. An image a container still uses stays (the engine refuses; not forced)."""
    from docker.errors import APIError

    removed = []
    for image in client.images.list(name=repository, filters={"label": f"{LABEL_OWNER}={OWNER}"}):
        if not image.tags or any(tag in keep for tag in image.tags):
            continue
        try:
            client.images.remove(image.id)
            removed += image.tags
        except APIError as exc:
            log.info("kept %s: %s", image.tags, exc.explanation or exc)
    return removed
