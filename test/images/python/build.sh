#!/usr/bin/env bash
# creach-test/python: bookworm minbase + python3-minimal.
# Entrypoint ["python3"], Cmd ["-c","print('creach-test python')"]: `docker run IMAGE -c CODE`
# replaces only the arguments.
source "$(dirname "$0")/../lib.sh"
IMAGE_NAME=python
PACKAGES=(python3-minimal)
CHANGES=('ENTRYPOINT ["python3"]' 'CMD ["-c","print('"'"'creach-test python'"'"')"]')
build_image "$@"
