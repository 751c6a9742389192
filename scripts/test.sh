#!/usr/bin/env bash
# The whole test suite, with its own set-up: npm dependencies, the sensor build, the TypeScript
# build, a Docker engine and a registry on 127.0.0.1. Fails with a clear message when a
# service cannot be started; never skips.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci
npm run build
bash scripts/env/docker-engine.sh
bash scripts/env/registry.sh
exec npx vitest run "$@"
