#!/usr/bin/env bash
# Make sure a Docker engine answers on the default socket (or $DOCKER_HOST).
# On these machines no engine runs by default: start Debian's dockerd without iptables and
# without the default bridge (containers then use --network host). Idempotent.
# With DOCKER_HOST=unix:///some/other.sock and no engine there, a private dockerd is started on
# that socket with its own data root, exec root, pid file and containerd namespace, so it can run
# beside the machine's engine (used to test this script's start path).
set -euo pipefail
cache_dir="${CREACH_CACHE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/.cache}"
mkdir -p "$cache_dir"

if docker info >/dev/null 2>&1; then exit 0; fi
args=(--iptables=false --ip6tables=false --bridge=none)
log="$cache_dir/dockerd.log"
if [ -n "${DOCKER_HOST:-}" ]; then
  case "$DOCKER_HOST" in
    unix:///var/run/docker.sock | unix:///run/docker.sock) ;;
    unix://*)
      sock="${DOCKER_HOST#unix://}"
      id="$(printf '%s' "$sock" | sha256sum | cut -c1-8)"
      private="$cache_dir/dockerd-$id"
      mkdir -p "$private"
      # exec-root holds unix sockets: keep its path short.
      args+=(-H "$DOCKER_HOST" --data-root "$private/data" --exec-root "/run/creach-docker-$id"
        --pidfile "$private/dockerd.pid" --containerd-namespace "creach-$id" --containerd-plugins-namespace "creach-$id-plugins")
      log="$private/dockerd.log"
      ;;
    *)
      echo "creach: DOCKER_HOST=$DOCKER_HOST is set but no engine answers there; start it or unset DOCKER_HOST" >&2
      exit 1
      ;;
  esac
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "creach: no Docker engine is running and dockerd is not installed (Debian: apt-get install docker.io)" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "creach: no Docker engine is running; start one (as root: dockerd --iptables=false --bridge=none)" >&2
  exit 1
fi
echo "creach: starting dockerd (log: $log)" >&2
nohup dockerd "${args[@]}" >"$log" 2>&1 </dev/null &
for _ in $(seq 1 120); do
  if docker info >/dev/null 2>&1; then exit 0; fi
  if ! kill -0 $! 2>/dev/null; then break; fi
  sleep 0.5
done
echo "creach: dockerd did not come up within 60 s; see $log" >&2
tail -n 20 "$log" >&2 || true
exit 1
