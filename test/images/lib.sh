# Shared by test/images/<name>/build.sh. A recipe sets these, then calls `build_image "$@"`:
#   IMAGE_NAME     short name; the tag is creach-test/$IMAGE_NAME:<hash of the recipe files>
#   PACKAGES       array of Debian packages to apt-get install (no recommends) on the base rootfs
#   CHANGES        array of Dockerfile instructions for `docker import --change`
#   customize()    optional function run after the install with $ROOTFS set (write files there;
#                  run commands with `chroot "$ROOTFS" …`)
#
# build.sh options: (none) ensure the image exists and print its tag on stdout (the only thing
# on stdout); --tag print the tag without building; --force rebuild even if the engine has it.
set -euo pipefail

IMAGES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$IMAGES_DIR/../.." && pwd)"
CACHE_DIR="${CREACH_CACHE_DIR:-$REPO_ROOT/.cache}/images"
PACKAGES=()
CHANGES=()

die() { echo "creach-test-images: $*" >&2; exit 1; }

# The tag changes whenever anything that goes into the image changes: the base recipe, this
# library, and every file of the image's own folder.
recipe_hash() {
  local dir="$IMAGES_DIR/$IMAGE_NAME"
  {
    sha256sum "$IMAGES_DIR/base-rootfs.sh" "$IMAGES_DIR/lib.sh" | cut -d' ' -f1
    (cd "$dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -c1-12
}

build_image() {
  local force=0 tag_only=0
  for a in "$@"; do
    case "$a" in
      --force) force=1 ;;
      --tag) tag_only=1 ;;
      *) die "unknown option $a (use --tag or --force)" ;;
    esac
  done
  local tag="creach-test/$IMAGE_NAME:$(recipe_hash)"
  if [ "$tag_only" = 1 ]; then echo "$tag"; return; fi

  docker info >/dev/null 2>&1 || die "no Docker engine answers (DOCKER_HOST=${DOCKER_HOST:-unset}); run: bash scripts/env/docker-engine.sh"
  if [ "$force" = 0 ] && docker image inspect "$tag" >/dev/null 2>&1; then echo "$tag"; return; fi

  mkdir -p "$CACHE_DIR"
  # One builder per image at a time (parallel test workers, other engineers).
  exec 8>"$CACHE_DIR/$IMAGE_NAME.lock"
  flock 8
  if [ "$force" = 0 ] && docker image inspect "$tag" >/dev/null 2>&1; then echo "$tag"; return; fi
  [ "$(id -u)" = 0 ] || die "building $tag needs root (debootstrap and chroot)"

  local start base
  start=$(date +%s)
  base="$(bash "$IMAGES_DIR/base-rootfs.sh")"
  ROOTFS="$(mktemp -d "$CACHE_DIR/$IMAGE_NAME.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$ROOTFS'" EXIT
  tar --numeric-owner -C "$ROOTFS" -xf "$base"
  cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
  # Package scripts must not try to start services inside the chroot.
  printf '#!/bin/sh\nexit 101\n' >"$ROOTFS/usr/sbin/policy-rc.d"
  chmod +x "$ROOTFS/usr/sbin/policy-rc.d"

  if [ "${#PACKAGES[@]}" -gt 0 ]; then
    echo "creach-test-images: $IMAGE_NAME: apt-get install ${PACKAGES[*]}" >&2
    if ! DEBIAN_FRONTEND=noninteractive chroot "$ROOTFS" apt-get -qq -y --no-install-recommends install "${PACKAGES[@]}" >"$ROOTFS.log" 2>&1; then
      tail -n 30 "$ROOTFS.log" >&2
      rm -f "$ROOTFS.log"
      die "$IMAGE_NAME: apt-get install failed"
    fi
    rm -f "$ROOTFS.log"
  fi
  if declare -F customize >/dev/null; then customize; fi

  # Keep the dpkg database (scan reads it); drop what only the build needed.
  chroot "$ROOTFS" apt-get -qq clean
  rm -rf "$ROOTFS/usr/sbin/policy-rc.d" "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin \
    "$ROOTFS"/var/cache/debconf/*-old "$ROOTFS"/var/lib/dpkg/*-old "$ROOTFS"/tmp/* \
    "$ROOTFS"/dev/* "$ROOTFS"/proc/* "$ROOTFS"/sys/*
  # Log files go, log folders stay (nginx refuses to start without /var/log/nginx).
  find "$ROOTFS/var/log" -type f -delete
  : >"$ROOTFS/etc/resolv.conf"

  local args=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
    --change "LABEL io.creach.test-image=$IMAGE_NAME")
  local c
  for c in "${CHANGES[@]}"; do args+=(--change "$c"); done
  tar --numeric-owner -C "$ROOTFS" -c . | docker import "${args[@]}" - "$tag" >/dev/null
  echo "creach-test-images: built $tag in $(( $(date +%s) - start )) s" >&2
  echo "$tag"
}
