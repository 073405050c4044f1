#!/usr/bin/env bash
# The runtime globals are src/runtime/'s alone: nothing else in src/ uses Deno.* or Bun.*, or
# sniffs for them (runtime/detect.ts does that once). Imports (node:net, node:http) are checked
# by dependency-cruiser (.ci/check-imports.sh).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
leaks=$(grep -rnE '\b(Deno|Bun)\.[A-Za-z]|"(Deno|Bun)" in globalThis' src --include='*.ts' \
  | grep -vE '^src/runtime/')
if [ -n "$leaks" ]; then
  echo "Runtime globals outside src/runtime/:" >&2
  echo "$leaks" >&2
  exit 1
fi
echo "runtime-neutral: ok (no Deno.* or Bun.* outside src/runtime/)" >&2
