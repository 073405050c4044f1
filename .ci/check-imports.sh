#!/usr/bin/env bash
# The import rules of .dependency-cruiser.cjs (no cycles between files or folders, runtime/ at
# the bottom, node:net/node:http only in runtime/, cli/ only from the entries). Run by Bun:
# dependency-cruiser needs Node >= 22, and the Bun in node_modules is always there.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec node_modules/.bin/bun node_modules/dependency-cruiser/bin/dependency-cruiser.mjs \
  --config .dependency-cruiser.cjs --output-type err src mod.ts compile.ts scripts
