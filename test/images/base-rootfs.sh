#!/usr/bin/env bash
# The one debootstrap every test image starts from: Debian bookworm, minbase variant, for the
# host's architecture. Its output is cached as a tarball under .cache/images/ keyed by the hash
# of this file, so a machine debootstraps once and each image only adds its own packages.
#
# Usage: base-rootfs.sh   → prints the path of the cached rootfs tarball on stdout.
# Env:   CREACH_DEBIAN_MIRROR overrides the mirror read from the host's apt sources.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${CREACH_CACHE_DIR:-$root/.cache}/images"
mkdir -p "$cache"

suite=bookworm
arch="$(dpkg --print-architecture)"
key="$(sha256sum "$here/base-rootfs.sh" | cut -c1-12)"
out="$cache/rootfs-$suite-minbase-$arch-$key.tar"

# The mirror comes from the host's own apt configuration (deb822 .sources or a classic
# sources.list), never from a name written here: these machines reach only their mirror.
debian_mirror() {
  if [ -n "${CREACH_DEBIAN_MIRROR:-}" ]; then echo "$CREACH_DEBIAN_MIRROR"; return; fi
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # A stanza's URIs for the stanza whose Suites name the plain suite (not -security).
    awk -v suite="$suite" '
      BEGIN { RS=""; FS="\n" }
      {
        uris=""; ok=0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", $i); split($i, u, /[ \t]+/); uris=u[1] }
          if ($i ~ /^Suites:/) { n = split($i, s, /[ \t]+/); for (j = 2; j <= n; j++) if (s[j] == suite) ok=1 }
        }
        if (ok && uris != "") { print uris; exit }
      }' "$f"
  done | head -n1 | grep . && return
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v suite="$suite" '$1 == "deb" && $0 !~ /^#/ { for (i = 2; i <= NF; i++) if ($i == suite) { m=$(i-1); if (m ~ /^\[/) m=$(i-1); print m; exit } }' "$f"
  done | head -n1 | grep . && return
  echo "creach: cannot find a Debian mirror for $suite in /etc/apt/sources.list{,.d}; set CREACH_DEBIAN_MIRROR" >&2
  return 1
}

if [ -s "$out" ]; then echo "$out"; exit 0; fi

exec 9>"$cache/rootfs.lock"
flock 9
if [ -s "$out" ]; then echo "$out"; exit 0; fi

mirror="$(debian_mirror)"
tmp="$(mktemp -d "$cache/rootfs.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
echo "creach: debootstrap --variant=minbase $suite (once per machine; cached as $out)" >&2
start=$(date +%s)
if ! debootstrap --variant=minbase --arch="$arch" "$suite" "$tmp/root" "$mirror" >"$tmp/debootstrap.log" 2>&1; then
  tail -n 30 "$tmp/debootstrap.log" >&2
  echo "creach: debootstrap failed (full log above)" >&2
  exit 1
fi
# Package lists are fetched once here so that each image can apt-get install without another
# 'apt-get update'; each image removes them again. The downloaded .debs are not kept.
cp /etc/resolv.conf "$tmp/root/etc/resolv.conf"
if ! chroot "$tmp/root" apt-get -qq update >"$tmp/apt-update.log" 2>&1; then
  tail -n 30 "$tmp/apt-update.log" >&2
  echo "creach: apt-get update in the new rootfs failed" >&2
  exit 1
fi
rm -rf "$tmp/root/var/cache/apt/archives/"*.deb "$tmp/root/var/log/"* "$tmp/root/debootstrap"
tar --numeric-owner -C "$tmp/root" -cf "$tmp/rootfs.tar" .
mv "$tmp/rootfs.tar" "$out"
echo "creach: base rootfs ready in $(( $(date +%s) - start )) s" >&2
echo "$out"
