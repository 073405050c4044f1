#!/usr/bin/env bash
# The runtime globals are src/runtime/'s alone: nothing else in src/ uses Deno.* or Bun.*, or
# sniffs for them (runtime/detect.ts does that once), nor reads the process's environment,
# cwd, uid/gid, home directory, user or host name (the core gets them from the Runtime
# adapter or the entry).
# Imports (node:net, node:http) are checked by dependency-cruiser (.ci/check-imports.sh).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
leaks=$(grep -rnE '\b(Deno|Bun)\.[A-Za-z]|"(Deno|Bun)" in globalThis' src --include='*.ts' \
  | grep -vE '^src/runtime/')
if [ -n "$leaks" ]; then
  echo "Runtime globals outside src/runtime/:" >&2
  echo "$leaks" >&2
  exit 1
fi
# dependency-cruiser skips tests; tests in src/ reach node:net/node:http via test/_node-*.ts.
sockets=$(grep -rnE 'from "node:(net|http)"' src --include='*.ts' | grep -vE '^src/runtime/')
if [ -n "$sockets" ]; then
  echo "node:net/node:http imported outside src/runtime/ (tests: use test/_node-net.ts, _node-http.ts):" >&2
  echo "$sockets" >&2
  exit 1
fi
# Tests beside their modules and the entries may read the process directly.
reads=$(grep -rnE 'process\.(env|cwd|getuid|getgid)\b|\b(homedir|userInfo|hostname)\(' src --include='*.ts' \
  | grep -vE '^src/(runtime|entries)/|\.test\.ts:')
if [ -n "$reads" ]; then
  echo "Process environment, cwd, uid/gid, home, user or host name read outside src/runtime/ (use the Runtime):" >&2
  echo "$reads" >&2
  exit 1
fi
echo "runtime-neutral: ok (no Deno.*, Bun.* or process reads outside src/runtime/)" >&2
