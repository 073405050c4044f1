#!/usr/bin/env bash
# Bridge address vs published port: the same nginx backend in a container on the test engine,
# dialled by dewy's proxy (the compiled bench binary) and by haproxy, once through the
# container's published 127.0.0.1 port (docker-proxy / NAT) and once at its bridge address, as
# dewy dials replicas since issue 19. Run by `BENCH_BRIDGE=1 bash bench/run.sh` after it built
# the binary; writes bench/out/RESULTS-bridge.md. Short: 3 s per run, 2 runs per cell.
#
# Needs the engine of test/services/engine-up.sh (DOCKER_HOST). Loopback and the container's
# own bridge address only; every load run is bounded by `timeout -s KILL`.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${BENCH_WORK:-$PWD/bench/out}/bridge
BINARY=${BENCH_BINARY:-$PWD/bench/out/dewy-proxy}
IMAGE=${BENCH_BRIDGE_IMAGE:-127.0.0.1:5000/app:v1.0.0}
SECONDS_PER_RUN=${BENCH_BRIDGE_SECONDS:-3}
RUNS=${BENCH_BRIDGE_RUNS:-2}
NAME=dewy-bench-backend-$$
DOCKER=/usr/bin/docker
log() { echo "[bench bridge] $*" >&2; }

[ -n "${DOCKER_HOST:-}" ] || { log 'DOCKER_HOST is not set: eval "$(bash test/services/engine-up.sh)" first'; exit 2; }
[ -x "$BINARY" ] || { log "$BINARY is missing: run it through BENCH_BRIDGE=1 bash bench/run.sh"; exit 2; }
mkdir -p "$WORK/www" "$WORK/tmp"
echo "hello, dewy!" >"$WORK/www/small"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  "$DOCKER" rm -f "$NAME" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# The backend: the host's nginx, run in a container of the test image with /usr bind-mounted,
# so the backend is the benchmark's usual one and only the path to it changes.
cat >"$WORK/backend.conf" <<EOF
daemon off;
worker_processes 1;
worker_rlimit_nofile 20000;
pid $WORK/backend.pid;
error_log $WORK/backend.error.log warn;
events { worker_connections 8192; }
user root;
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  client_body_temp_path $WORK/tmp; proxy_temp_path $WORK/tmp; fastcgi_temp_path $WORK/tmp;
  uwsgi_temp_path $WORK/tmp; scgi_temp_path $WORK/tmp;
  default_type application/octet-stream;
  server { listen 0.0.0.0:9001 backlog=4096; root $WORK/www; }
}
EOF
"$DOCKER" run -d --name "$NAME" -p 127.0.0.1::9001 --cpuset-cpus 0 \
  -v /usr:/usr:ro -v /lib:/lib:ro -v /lib64:/lib64:ro -v /etc/passwd:/etc/passwd:ro \
  -v /etc/group:/etc/group:ro -v "$WORK:$WORK" --entrypoint /usr/sbin/nginx "$IMAGE" \
  -e "$WORK/backend.error.log" -c "$WORK/backend.conf" >/dev/null
ip=$("$DOCKER" inspect -f '{{.NetworkSettings.IPAddress}}' "$NAME")
published=$("$DOCKER" port "$NAME" 9001/tcp | head -1)
for _ in $(seq 1 50); do curl -fsS -m 1 "http://$ip:9001/small" >/dev/null 2>&1 && break; sleep 0.1; done
log "backend: published $published, bridge $ip:9001"

# run_cell PROXY BACKEND SCENARIO → median requests/s of $RUNS runs
run_cell() {
  local proxy=$1 backend=$2 scenario=$3 port pid rates=()
  case $proxy in
  dewy)
    port=9101
    taskset -c 0 "$BINARY" --port "$port" --backend "$backend" >"$WORK/dewy.log" 2>&1 &
    ;;
  haproxy)
    port=9102
    printf 'global\n  nbthread 1\n  maxconn 8000\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 300s\n  timeout server 300s\nfrontend bench\n  bind 127.0.0.1:%s\n  default_backend app\nbackend app\n  server app1 %s\n' \
      "$port" "$backend" >"$WORK/haproxy.cfg"
    taskset -c 0 haproxy -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 &
    ;;
  esac
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 100); do curl -fsS -m 1 "http://127.0.0.1:$port/small" >/dev/null 2>&1 && break; sleep 0.05; done
  local header=()
  [ "$scenario" = close ] && header=(-H "Connection: close")
  for _ in $(seq 1 "$RUNS"); do
    rates+=("$(timeout -s KILL $((SECONDS_PER_RUN + 10)) taskset -c 1 wrk -t1 -c32 -d"${SECONDS_PER_RUN}s" \
      "${header[@]}" "http://127.0.0.1:$port/small" | awk '/Requests\/sec/ {printf "%d", $2}')")
  done
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  printf '%s\n' "${rates[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

out=${BENCH_WORK:-$PWD/bench/out}/RESULTS-bridge.md
{
  echo "# Bridge address vs published port ($(date -u '+%Y-%m-%d %H:%M UTC'), $RUNS × ${SECONDS_PER_RUN} s per cell, median req/s)"
  echo
  echo "Backend: nginx in a container (CPU 0 with the proxy; wrk on CPU 1, 32 connections)."
  echo "Published = 127.0.0.1:${published##*:} (docker-proxy / NAT); bridge = $ip:9001."
  echo
  echo "| proxy | scenario | published | bridge | bridge / published |"
  echo "|---|---|---|---|---|"
} >"$out"
for proxy in dewy haproxy; do
  for scenario in keepalive close; do
    a=$(run_cell "$proxy" "$published" "$scenario")
    b=$(run_cell "$proxy" "$ip:9001" "$scenario")
    ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "?" }')
    echo "| $proxy | $scenario | $a | $b | $ratio |" >>"$out"
    log "$proxy $scenario: published $a req/s, bridge $b req/s ($ratio)"
  done
done
cat "$out"
