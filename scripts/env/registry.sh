#!/usr/bin/env bash
# Start Debian's docker-registry (distribution v2) on loopback for the tests. Idempotent.
#   open registry:  127.0.0.1:${CREACH_TEST_REGISTRY_PORT:-5000}  (no auth)
# Storage lives under .cache/registry so that runs do not touch the system's registry.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache_dir="${CREACH_CACHE_DIR:-$root/.cache}"
port="${CREACH_TEST_REGISTRY_PORT:-5000}"
mkdir -p "$cache_dir/registry"

if curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1; then exit 0; fi
bin="$(command -v docker-registry || true)"
if [ -z "$bin" ]; then
  echo "creach: docker-registry is not installed (Debian: apt-get install docker-registry)" >&2
  exit 1
fi
cat >"$cache_dir/registry/config.yml" <<YAML
version: 0.1
log: { level: warn }
storage:
  filesystem: { rootdirectory: $cache_dir/registry/data }
  delete: { enabled: true }
http:
  addr: 127.0.0.1:$port
YAML
nohup "$bin" serve "$cache_dir/registry/config.yml" >"$cache_dir/registry/registry.log" 2>&1 &
for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1; then exit 0; fi
  sleep 0.25
done
echo "creach: the registry did not come up on 127.0.0.1:$port; see $cache_dir/registry/registry.log" >&2
exit 1
