#!/usr/bin/env bash
# `npm run demo`: creach end to end on a sample, from a fresh machine.
#   1. set-up: Debian packages (as root, when missing), npm dependencies, the sensor and TS build
#   2. a Docker engine and a registry on 127.0.0.1 (started if not running)
#   3. the sample: an nginx image built from Debian packages (test/images/nginx, cached)
#   4. instrument it → <tag>-instrumented, loaded into the engine
#   5. run it, send it a few requests, stop the app through the sensor (report written, the
#      sensor stays up so the report can be copied out)
#   6. collect the report, scan the original image, print the table
# Work files go to $CREACH_DEMO_DIR (default .cache/demo); the container is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
work="${CREACH_DEMO_DIR:-$repo/.cache/demo}"
port="${CREACH_DEMO_PORT:-18080}"
name="creach-demo-$$"
step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
creach() { node "$repo/bin/creach.js" "$@"; }

step "1/6 set-up"
need=()
for c in docker:docker.io dockerd:docker.io docker-registry:docker-registry debootstrap:debootstrap make:build-essential gcc:build-essential musl-gcc:musl-tools aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu curl:curl; do
  command -v "${c%%:*}" >/dev/null 2>&1 || need+=("${c#*:}")
done
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "demo: missing Debian packages: ${need[*]} (run as root, or apt-get install them)" >&2
    exit 1
  fi
  echo "demo: apt-get install ${need[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${need[@]}" | sort -u) </dev/null >/dev/null
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund >&2
fi
npm run --silent build >&2

step "2/6 Docker engine and registry"
bash scripts/env/docker-engine.sh
bash scripts/env/registry.sh

step "3/6 the sample image (nginx from Debian packages)"
image="$(bash test/images/nginx/build.sh)"
echo "demo: $image" >&2

step "4/6 creach container instrument --image $image --app-stop-signal QUIT --load-instrumented-image"
instrumented="$(creach container instrument --image "$image" --app-stop-signal QUIT --load-instrumented-image)"
echo "demo: $instrumented" >&2

step "5/6 run it, send requests, stop the app through the sensor"
mkdir -p "$work"
rm -rf "$work/profiles"
printf 'server {\n\tlisten %s default_server;\n\troot /var/www/html;\n\tindex index.html;\n}\n' "$port" >"$work/site.conf"
cleanup() { docker rm -f "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT
docker run -d --name "$name" --network host ${CREACH_DEMO_DOCKER_ARGS-"--cap-add=SYS_PTRACE"} -v "$work/site.conf:/etc/nginx/sites-enabled/default:ro" "$instrumented" >/dev/null
up=0
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/" >/dev/null 2>&1; then up=1; break; fi
  if [ "$(docker inspect -f '{{.State.Running}}' "$name")" != true ]; then break; fi
  sleep 0.2
done
if [ "$up" != 1 ]; then
  echo "demo: nginx did not answer on 127.0.0.1:$port; its log:" >&2
  docker logs "$name" >&2 || true
  exit 1
fi
for _ in 1 2 3; do curl -fsS "http://127.0.0.1:$port/" >/dev/null; done
curl -fsS "http://127.0.0.1:$port/" >&2
docker exec "$name" /opt/_instrumented/creach-sensor stop >&2

step "6/6 collect and scan"
creach container collect --output-dir "$work/profiles" --container "$name" >&2
creach container scan --image "$image" --os-reachability --profiling-data-dir "$work/profiles" --output-type table
