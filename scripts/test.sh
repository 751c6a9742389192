#!/usr/bin/env bash
# The whole test suite (`npm test`), with its own set-up: npm dependencies, the sensor build, the
# TypeScript build, a Docker engine and a registry on 127.0.0.1. Test images are built (or
# reused from the cache) by the integration project's global setup. Fails with a clear message
# when a service cannot be started; never skips. Extra arguments go to `vitest run`
# (e.g. `npm test -- --project unit`, `npm test -- test/integration/collect-docker.test.ts`).
set -euo pipefail
cd "$(dirname "$0")/.."

# npm ci when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "test: npm ci" >&2
  npm ci --no-audit --no-fund
fi

echo "test: building the sensor and the TypeScript sources" >&2
npm run --silent build

echo "test: starting the Docker engine and the registry (if not running)" >&2
bash scripts/env/docker-engine.sh
bash scripts/env/registry.sh

# vitest prints its own summary; a JSON report beside it lets us close with one plain
# "N passed, N failed" line that any CI log reader understands, and keep vitest's exit status.
mkdir -p .cache
results=.cache/vitest-results.json
rm -f "$results"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?
if [ -f "$results" ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  ' "$results"
fi
exit "$status"
