#!/usr/bin/env bash
# Recipe for the sensor tests' Debian image: bookworm minbase plus what the fidelity tests and the
# benchmark run inside a real container (strace as ground truth, python3 for the import workload,
# procps for ps, nginx-light for the web-server benchmark). Called by test/support/sensor-images.ts,
# which tags the result with a hash of this file, so editing the recipe rebuilds the image.
# Usage: sensor-image-build.sh TAG
set -euo pipefail
tag="$1"
packages="strace,python3,procps,nginx-light"

# The mirror comes from the host's apt configuration (never named in the project).
mirror="$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)"
if [ -z "$mirror" ]; then
  mirror="$(awk '/^deb / { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)"
fi
[ -n "$mirror" ] || { echo "sensor-image-build: no Debian mirror found in /etc/apt/sources.list.d/*.sources" >&2; exit 1; }

root="$(mktemp -d /tmp/creach-sensor-image.XXXXXX)"
trap 'rm -rf "$root"' EXIT
mkdir -p /var/cache/creach-debootstrap
debootstrap --variant=minbase --include="$packages" --cache-dir=/var/cache/creach-debootstrap \
  bookworm "$root" "$mirror" >"$root.log" 2>&1 || { tail -n 30 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"
# Keep the image small: package lists, docs and man pages are not needed at run time.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/usr/share/doc/* \
  "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root"/var/log/*
tar -C "$root" --numeric-owner -c . | docker import -c 'CMD ["/bin/sh"]' - "$tag" >/dev/null
echo "$tag"
