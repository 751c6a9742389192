#!/usr/bin/env bash
# Make sure a Docker engine answers on the default socket (or $DOCKER_HOST).
# On these machines no engine runs by default: start Debian's dockerd without iptables and
# without the default bridge (containers then use --network host). Idempotent.
set -euo pipefail
cache_dir="${CREACH_CACHE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/.cache}"
mkdir -p "$cache_dir"

if docker info >/dev/null 2>&1; then exit 0; fi
if [ -n "${DOCKER_HOST:-}" ]; then
  echo "creach: DOCKER_HOST=$DOCKER_HOST is set but no engine answers there; start it or unset DOCKER_HOST" >&2
  exit 1
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "creach: no Docker engine is running and dockerd is not installed (Debian: apt-get install docker.io)" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "creach: no Docker engine is running; start one (as root: dockerd --iptables=false --bridge=none)" >&2
  exit 1
fi
echo "creach: starting dockerd (log: $cache_dir/dockerd.log)" >&2
nohup dockerd --iptables=false --ip6tables=false --bridge=none >"$cache_dir/dockerd.log" 2>&1 &
for _ in $(seq 1 120); do
  if docker info >/dev/null 2>&1; then exit 0; fi
  sleep 0.5
done
echo "creach: dockerd did not come up within 60 s; see $cache_dir/dockerd.log" >&2
tail -n 20 "$cache_dir/dockerd.log" >&2 || true
exit 1
