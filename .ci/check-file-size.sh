#!/usr/bin/env bash
# Small files with one job: no module in src/ over 350 lines. Tests (*.test.ts) are exempt: a
# module's cases stay together beside it.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
max=350
long=$(find src -name '*.ts' ! -name '*.test.ts' -exec wc -l {} + | awk -v max=$max '$2 != "total" && $1 > max')
if [ -n "$long" ]; then
  echo "Files in src/ over $max lines (split them by concern):" >&2
  echo "$long" >&2
  exit 1
fi
echo "file-size: ok (no module in src/ over $max lines)" >&2
