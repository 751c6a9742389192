#!/usr/bin/env bash
# creach-test/base: Debian bookworm minbase and nothing else (bash, coreutils, dpkg, apt).
# Entrypoint none, Cmd ["bash"].
source "$(dirname "$0")/../lib.sh"
IMAGE_NAME=base
CHANGES=('CMD ["bash"]')
build_image "$@"
