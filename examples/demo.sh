#!/usr/bin/env bash
# dewy in two minutes: a zero-downtime rolling deploy on this machine, end to end.
#
#   npm run demo                 (or: bash examples/demo.sh; needs root, Debian with Node/npm)
#   DEMO_AUTO=1 npm run demo     (no waiting for Ctrl-C at the end)
#
# It installs what it needs (test/install.sh, test/services/engine-up.sh: dockerd and a
# registry on 127.0.0.1:5000), builds dist/dewy when missing, publishes a demo app as
# 127.0.0.1:5000/demo:v1.0.0, starts dewy with 2 replicas and telemetry, then publishes
# v1.1.0 and deploys it while requests keep flowing, counting failures (there are none).
# Ctrl-C stops dewy (SIGTERM: its containers are removed); the engine and the registry are
# stopped only if the demo started them. Knobs: DEMO_PORT (8080), DEMO_ADMIN_PORT (17539),
# DEMO_REPO (demo: the repository on 127.0.0.1:5000 and the app name).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

PORT=${DEMO_PORT:-8080}
ADMIN_PORT=${DEMO_ADMIN_PORT:-17539}
REPO=${DEMO_REPO:-demo}
# How dewy runs: DEMO_DEWY (a command line, e.g. "node dist/dewy.js"), else dist/dewy.
read -ra DEWY <<<"${DEMO_DEWY:-$root/dist/dewy}"
ENGINE_SOCK_PATH=/run/engine-ci/docker.sock
REGISTRY=127.0.0.1:5000
MANIFEST_TYPE=application/vnd.docker.distribution.manifest.v2+json

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
  bold=$'\e[1m' green=$'\e[32m' red=$'\e[31m' dim=$'\e[2m' off=$'\e[0m'
else
  bold='' green='' red='' dim='' off=''
fi
step_no=0
step() { step_no=$((step_no + 1)); printf '\n%s==> %d. %s%s\n' "$bold" "$step_no" "$*" "$off"; }
say() { printf '    %s\n' "$*"; }
hint() { printf '    %-52s %s%s%s\n' "$1" "$dim" "$2" "$off"; }
ok() { printf '    %s✔%s %s\n' "$green" "$off" "$*"; }
fail() { printf '\n%s✘ %s%s\n' "$red" "$*" "$off" >&2; exit 1; }
indent() { sed "s/^/    ${dim}│${off} /"; }

work=$(mktemp -d /tmp/dewy-demo.XXXXXX)
dewy_pid=''
started_engine=0

# --- helpers ---------------------------------------------------------------------------------
engine_up() { curl -sf --max-time 2 --unix-socket "$ENGINE_SOCK_PATH" http://engine/_ping >/dev/null 2>&1; }
registry_up() { curl -sf --max-time 2 "http://$REGISTRY/v2/" >/dev/null 2>&1; }

# Delete every tag of the demo repository from the registry (a fresh start, and the cleanup).
delete_demo_tags() {
  local tag digest
  for tag in $(curl -sf "http://$REGISTRY/v2/$REPO/tags/list" | jq -r '.tags[]?' 2>/dev/null); do
    digest=$(curl -sfI -H "Accept: $MANIFEST_TYPE" "http://$REGISTRY/v2/$REPO/manifests/$tag" |
      tr -d '\r' | awk 'tolower($1) == "docker-content-digest:" {print $2}')
    [ -n "$digest" ] && curl -sf -o /dev/null -X DELETE "http://$REGISTRY/v2/$REPO/manifests/$digest"
  done
  return 0
}

# The demo's managed containers as "name state" lines, from the engine API.
demo_containers() {
  curl -sf --unix-socket "$ENGINE_SOCK_PATH" -G http://engine/containers/json \
    --data-urlencode all=1 --data-urlencode "filters={\"label\":[\"dewy.app=$REPO\"]}" |
    jq -r '.[] | "\(.Names[0] | ltrimstr("/"))  \(.State)"'
}

# Remove what dewy could not (it was killed): the next demo must not adopt stale replicas.
remove_demo_containers() {
  local id
  for id in $(curl -sf -m 10 --unix-socket "$ENGINE_SOCK_PATH" -G http://engine/containers/json \
    --data-urlencode all=1 --data-urlencode "filters={\"label\":[\"dewy.app=$REPO\"]}" | jq -r '.[].Id'); do
    curl -sf -m 30 --unix-socket "$ENGINE_SOCK_PATH" -X DELETE "http://engine/containers/$id?force=1" >/dev/null
  done
}

# Publish REPO:vVERSION of the test app (it answers its version on GET /).
publish() {
  bash test/services/push-app.sh "$REPO" "$1" 2>/dev/null >/dev/null || fail "could not push $REGISTRY/$REPO:v$1"
  ok "pushed $REGISTRY/$REPO:v$1"
}

# First "msg=..." log line of dewy matching $1, waiting up to $2 seconds.
wait_log() {
  local i
  for i in $(seq 1 $(($2 * 5))); do
    grep -m1 -E "$1" "$work/dewy.log" 2>/dev/null && return 0
    alive_dewy || { indent <"$work/dewy.log" >&2; fail "dewy exited (log above). A port taken? Try DEMO_PORT=18080 DEMO_ADMIN_PORT=18539 npm run demo"; }
    sleep 0.2
  done
  indent <"$work/dewy.log" >&2
  fail "dewy did not log /$1/ within $2 s (log above)"
}
# dewy's text log lines without the time stamp and the long image digests.
tidy_log() { sed -E 's/^time=[^ ]+ //; s/ image=[^ ]+//'; }
alive_dewy() { [ -n "$dewy_pid" ] && kill -0 "$dewy_pid" 2>/dev/null; }

cleanup() {
  local status=$?
  trap - EXIT
  trap '' INT TERM # a second Ctrl-C must not cut the clean-up short (it is bounded: 60 s)
  set +e # every cleanup step runs, whatever failed before
  [ -n "${load_pid:-}" ] && kill "$load_pid" 2>/dev/null
  if alive_dewy; then
    step "Stopping dewy (SIGTERM): it closes the proxy, drains and removes its containers"
    kill -TERM "$dewy_pid"
    local i
    for i in $(seq 1 300); do alive_dewy || break; sleep 0.2; done
    if alive_dewy; then
      kill -KILL "$dewy_pid"
      say "dewy did not stop within 60 s; killed it"
    else
      wait "$dewy_pid" && ok "dewy exited with status 0" || say "dewy exited with status $?"
    fi
    grep -E 'msg="(Managed containers removed|Dewy stopped)"' "$work/dewy.log" | tidy_log | indent
  fi
  if [ -n "$dewy_pid" ]; then # also when dewy had exited by itself
    local left
    left=$(demo_containers 2>/dev/null || true)
    if [ -z "$left" ]; then
      ok "no demo container left"
    else
      say "containers left (removing them):"
      echo "$left" | indent
      remove_demo_containers
    fi
  fi
  if registry_up; then
    delete_demo_tags
    local images
    images=$(curl -sf --unix-socket "$ENGINE_SOCK_PATH" -G http://engine/images/json \
      --data-urlencode "filters={\"reference\":[\"$REGISTRY/$REPO\"]}" | jq -r '.[].Id' 2>/dev/null || true)
    for id in $images; do curl -sf -o /dev/null -X DELETE --unix-socket "$ENGINE_SOCK_PATH" "http://engine/images/$id?force=1"; done
  fi
  if [ "$started_engine" = 1 ]; then
    step "Stopping the container engine and registry the demo started"
    bash test/services/engine-down.sh 2>&1 | indent || true
  fi
  rm -rf "$work"
  [ "$status" = 0 ] && printf '\n%sDone.%s\n' "$bold" "$off"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. what the demo needs --------------------------------------------------------------------
printf '%sdewy demo%s: rolling deploys with zero downtime, on this machine.\n' "$bold" "$off"
[ "$(id -u)" = 0 ] || fail "the demo starts dockerd and a registry: run it as root (sudo npm run demo)"

step "Installing what the demo needs (npm packages, Debian packages; skipped when present)"
bash test/install.sh 2>&1 | indent || fail "test/install.sh failed (output above)"
ok "Deno, Bun, curl, jq and the registry are installed"

step "Starting the container engine (dockerd) and a registry on $REGISTRY"
if engine_up && registry_up; then
  say "already running: the demo leaves them running afterwards"
else
  started_engine=1
fi
env_lines=$(bash test/services/engine-up.sh 2> >(indent >&2)) || fail "engine-up.sh failed (output above)"
eval "$env_lines"
ok "engine at $DOCKER_HOST, registry at http://$REGISTRY"

step "Building dist/dewy"
if [ -n "${DEMO_DEWY:-}" ]; then
  say "running dewy as: ${DEWY[*]} ($("${DEWY[@]}" --version))"
elif [ -x "${DEWY[0]}" ]; then
  say "dist/dewy exists ($("${DEWY[@]}" --version)); delete it to rebuild"
else
  node_modules/.bin/bun compile.ts --only=bun 2>&1 | indent || fail "compile.ts failed (output above)"
fi

# --- 2. the first version --------------------------------------------------------------------
step "Publishing the demo app v1.0.0 as $REGISTRY/$REPO"
delete_demo_tags
publish 1.0.0

step "Starting dewy: 2 replicas behind its proxy on :$PORT, admin API and /metrics on :$ADMIN_PORT"
say "${dim}dewy container --registry img://$REGISTRY/$REPO --port $PORT --health-path /health \\"
say "    --replicas 2 --telemetry --admin-port $ADMIN_PORT${off}"
setsid "${DEWY[@]}" container --registry "img://$REGISTRY/$REPO" --port "$PORT" --health-path /health \
  --replicas 2 --telemetry --admin-port "$ADMIN_PORT" >"$work/dewy.log" 2>&1 &
dewy_pid=$!
admin=$(wait_log 'msg="Admin API started"' 30 | sed -E 's/.*address=([^ ]+).*/\1/')
wait_log 'msg="Container deployed successfully"' 120 >/dev/null
grep -E 'msg="(Dewy started|TCP proxy started|Starting container|Health check passed|Container deployed successfully)"' \
  "$work/dewy.log" | tidy_log | indent
ok "v1.0.0 is deployed (full log: $work/dewy.log while the demo runs)"

step "The app answers through dewy's proxy"
say "\$ curl http://localhost:$PORT/"
curl -sf "http://127.0.0.1:$PORT/" | indent || fail "no answer on port $PORT"
say "\$ dewy container list"
"${DEWY[@]}" container list --admin-port "${admin##*:}" | indent

# --- 3. a rolling deploy under load -------------------------------------------------------------
step "Publishing v1.1.0 and deploying it while requests keep coming"
publish 1.1.0
# A bounded request loop: one request after the other, at most 3000 or 60 s.
(
  end=$((SECONDS + 60))
  for _ in $(seq 1 3000); do
    [ -e "$work/stop-load" ] || [ $SECONDS -ge $end ] && break
    body=$(curl -s --max-time 5 "http://127.0.0.1:$PORT/") && echo "ok $body" || echo "failed"
  done >"$work/load.txt"
) &
load_pid=$!
sleep 1
say "\$ curl -X POST '$admin/api/deploy?wait=true'     ${dim}(what a registry webhook or CI would call)${off}"
curl -s -m 120 -X POST "$admin/api/deploy?wait=true" | jq -c . | indent
sleep 1
touch "$work/stop-load"
wait "$load_pid" || true
load_pid=''
succeeded=$(grep -c '^ok' "$work/load.txt" || true)
failed=$(grep -c '^failed' "$work/load.txt" || true)
# Versions in the order they answered: "1.0.0 ×60, then 1.1.0 ×120 (both for 9 requests ...)".
switch=$(awk '$1 == "ok" { n++; if (!($2 in count)) order[++k] = $2; count[$2]++
    if ($2 == order[1]) last_old = n; else if (!first_new) first_new = n }
  END {
    for (i = 1; i <= k; i++) printf "%s%s ×%d", (i > 1 ? ", then " : ""), order[i], count[order[i]]
    if (k == 2 && last_old > first_new) printf " (both answered for %d requests while the new replicas joined)", last_old - first_new + 1
  }' "$work/load.txt")
say "requests during the deploy: ${bold}$succeeded succeeded, $failed failed${off}"
say "versions that answered:     $switch"
[ "$failed" = 0 ] && ok "zero failed requests" || say "${red}some requests failed${off}"
sed -n '/msg="Starting container deployment" version=v1.1.0/,$p' "$work/dewy.log" |
  grep -E 'msg="(Starting container deployment|Container added to load balancer|Removing old container|Container deployed successfully)"' |
  tidy_log | indent
say "\$ dewy container list"
"${DEWY[@]}" container list --admin-port "${admin##*:}" | indent

step "A few OpenTelemetry metrics from $admin/metrics"
curl -sf "$admin/metrics" | grep -E '^dewy_(proxy_connections_total|proxy_errors_total|proxy_backends|deployments_total|deployment_errors_total|container_replicas|container_desired_replicas)\{' |
  sed -E 's/,?otel_scope_name="[^"]*"//' | indent
say "scrape it with Prometheus (examples/prometheus.yml) and import examples/grafana-dashboard.json"

# --- 4. the end ---------------------------------------------------------------------------------
if [ "${DEMO_AUTO:-0}" = 1 ]; then
  say "DEMO_AUTO=1: stopping now"
else
  step "dewy keeps running: try it yourself"
  hint "curl http://localhost:$PORT/" "the app, through dewy's proxy"
  hint "curl $admin/api/status" "dewy's state"
  hint "dist/dewy container list --admin-port ${admin##*:}" "the replicas"
  hint "bash test/services/push-app.sh $REPO 1.2.0" "a new version: dewy polls every 10 s"
  hint "curl -X POST $admin/api/deploy" "...or deploy it now"
  say "${bold}Press Ctrl-C to stop dewy and clean up.${off}"
  trap 'printf "\n"; exit 0' INT
  while alive_dewy; do sleep 1; done
  say "dewy exited by itself (log: $work/dewy.log)"
  indent <"$work/dewy.log" | tail -n 20
  exit 1
fi
