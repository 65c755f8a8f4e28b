#!/usr/bin/env bash
# The crash-safety trial at full strength: SIGKILL the engine 100 times (override with TRIALS=n)
# while 20,000 commands are submitted, then prove exactly-once outcomes against `relayer exec`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d dist ] || npm run build
RELAYER_CHAOS_TRIALS="${TRIALS:-100}" RELAYER_CHAOS_COMMANDS="${COMMANDS:-20000}" \
  node --test --test-reporter=spec dist/test/e2e/crash.test.js
