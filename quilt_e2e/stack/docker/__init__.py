"""The docker stack (`-D stack=docker`): the stack server in containers the docker SDK runs, on images the
project builds itself (no registry, no pull)."""
