#!/usr/bin/env bash
# Remove test images of older recipes: every creach-test/<name>:<hash> (exactly a recipe tag;
# derived tags such as <hash>-instrumented are left alone) whose hash is not what
# test/images/<name>/build.sh would build today. Images a container still uses are kept (plain
# `docker rmi`, no -f), so tests running right now are not disturbed. The cached base rootfs
# tarballs of older recipes under .cache/images/ go too.
set -euo pipefail
cd "$(dirname "$0")/.."
current=()
for d in test/images/*/; do
  [ -f "$d/build.sh" ] && current+=("$(bash "$d/build.sh" --tag)")
done
docker image ls --format '{{.Repository}}:{{.Tag}}' | { grep -E '^creach-test/[a-z0-9-]+:[0-9a-f]{12}$' || true; } | while read -r ref; do
  keep=0
  for c in "${current[@]}"; do [ "$ref" = "$c" ] && keep=1; done
  if [ "$keep" = 0 ]; then
    docker rmi "$ref" >/dev/null 2>&1 && echo "removed $ref" || echo "kept $ref (in use)"
  fi
done
key="$(sha256sum test/images/base-rootfs.sh | cut -c1-12)"
for f in "${CREACH_CACHE_DIR:-.cache}"/images/rootfs-*.tar; do
  [ -e "$f" ] || continue
  case "$f" in *"-$key.tar") ;; *) rm -f "$f" && echo "removed $f" ;; esac
done
