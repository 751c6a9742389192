#!/usr/bin/env bash
# creach-test/big: an image of well over 300 MB uncompressed for benchmarks (instrument, scan):
# bookworm minbase + nginx + python3-minimal + gcc-12 + libllvm15 (one big layer, a few hundred
# packages' worth of files). Cmd ["nginx","-g","daemon off;"] like the nginx image.
source "$(dirname "$0")/../lib.sh"
IMAGE_NAME=big
PACKAGES=(nginx python3-minimal gcc-12 libllvm15)
CHANGES=('CMD ["nginx","-g","daemon off;"]')
build_image "$@"
