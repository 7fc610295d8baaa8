#!/usr/bin/env bash
# Runs the test suite again on Node 22 and Node 24. The binaries come from the npm registry's
# `node` package, installed into .tmp/ (ignored by git); they are put first on PATH, so the
# emulator's job processes and the spawned CLI run on that Node too.
set -euo pipefail
cd "$(dirname "$0")/.."
for major in ${COMPAT_NODE_MAJORS:-22 24}; do
  dir=".tmp/node$major"
  if [ ! -x "$dir/node_modules/.bin/node" ]; then
    npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "node@$major" >/dev/null
  fi
  echo "== Node $("$dir/node_modules/.bin/node" --version)"
  PATH="$PWD/$dir/node_modules/.bin:$PATH" node node_modules/vitest/vitest.mjs run
done
