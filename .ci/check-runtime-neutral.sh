#!/usr/bin/env bash
# The core must stay runtime-neutral: only src/runtime/ may use Deno.*, Bun.*, node:net or
# node:http. Fails (listing the offending lines) when anything else does.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
leaks=$(grep -rnE '\b(Deno|Bun)\.[A-Za-z]|from "node:(net|http)"|require\("node:(net|http)"\)' src \
  --include='*.ts' | grep -vE '^src/runtime/')
if [ -n "$leaks" ]; then
  echo "Runtime-specific code outside src/runtime/:" >&2
  echo "$leaks" >&2
  exit 1
fi
echo "runtime-neutral: ok (no Deno.*, Bun.*, node:net or node:http outside src/runtime/)" >&2
