#!/usr/bin/env bash
# A second, private dockerd with "live-restore": true, for the tests that restart the engine
# under load (test/e2e/engine-restart.test.ts). It has its own bridge, socket, data and
# containerd, and touches no iptables rule, so restarting it disturbs neither the shared
# engine of engine-up.sh (which runs a swarm: live-restore is incompatible with swarm mode)
# nor the tests of others running on it.
#
#   bash test/services/live-engine.sh up        # prints `export LIVE_ENGINE_SOCK=...`
#   bash test/services/live-engine.sh restart   # SIGTERM dockerd, start it again, wait for it
#   bash test/services/live-engine.sh down      # remove its containers, stop it, clean up
#
# Must run as root. Published ports go through docker-proxy (no NAT), which dies with dockerd:
# while it restarts, every published port refuses, while the bridge addresses keep answering.
set -euo pipefail
SCRIPT_NAME=live-engine
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LIVE_RUN_DIR=${LIVE_ENGINE_RUN_DIR:-/run/engine-ci-live}
LIVE_DATA_DIR=${LIVE_ENGINE_DATA_DIR:-/var/lib/engine-ci-live}
LIVE_SOCK="$LIVE_RUN_DIR/docker.sock"
LIVE_BRIDGE=dewylive0
LIVE_BRIDGE_CIDR=${LIVE_ENGINE_BRIDGE_CIDR:-10.219.0.1/24}
PIDFILE="$LIVE_RUN_DIR/dockerd.pid"
LOGFILE="$LIVE_RUN_DIR/engine.log"

[ "$(id -u)" = 0 ] || die "live-engine.sh must run as root"

live_ping() { curl -fsS -m 2 --unix-socket "$LIVE_SOCK" http://localhost/_ping; }

launch() {
  mkdir -p "$LIVE_RUN_DIR" "$LIVE_DATA_DIR"
  cat >"$LIVE_RUN_DIR/daemon.json" <<EOF
{
  "data-root": "$LIVE_DATA_DIR/docker",
  "exec-root": "$LIVE_RUN_DIR/docker-exec",
  "pidfile": "$LIVE_RUN_DIR/docker-exec/dockerd.pid",
  "hosts": ["unix://$LIVE_SOCK"],
  "bridge": "$LIVE_BRIDGE",
  "iptables": false,
  "ip-masq": false,
  "ip-forward": false,
  "live-restore": true,
  "insecure-registries": ["$REGISTRY_ADDR"],
  "log-level": "warn"
}
EOF
  spawn "$PIDFILE" "$LOGFILE" dockerd --config-file "$LIVE_RUN_DIR/daemon.json"
  wait_ready "live dockerd" "$PIDFILE" "$LOGFILE" live_ping
}

up() {
  take_live_lock
  if live_pid "$PIDFILE" >/dev/null && live_ping >/dev/null 2>&1; then
    log "live dockerd already running"
  else
    stop_daemon "$PIDFILE" 10 "stale live dockerd"
    if ! ip link show "$LIVE_BRIDGE" >/dev/null 2>&1; then
      ip link add "$LIVE_BRIDGE" type bridge
      ip addr add "$LIVE_BRIDGE_CIDR" dev "$LIVE_BRIDGE"
      ip link set "$LIVE_BRIDGE" up
    fi
    log "starting the live-restore dockerd on $LIVE_SOCK (bridge $LIVE_BRIDGE $LIVE_BRIDGE_CIDR)"
    launch || exit 1
  fi
  echo "export LIVE_ENGINE_SOCK=$LIVE_SOCK"
}

restart() {
  take_live_lock
  live_pid "$PIDFILE" >/dev/null || die "the live dockerd is not running: run '$0 up' first"
  stop_daemon "$PIDFILE" 20 "live dockerd"
  log "starting the live dockerd again"
  launch || exit 1
}

down() {
  take_live_lock
  if live_pid "$PIDFILE" >/dev/null; then
    local ids
    ids=$(DOCKER_HOST="unix://$LIVE_SOCK" timeout 20 "$DOCKER_CLI" ps -aq 2>/dev/null || true)
    # shellcheck disable=SC2086
    [ -z "$ids" ] || DOCKER_HOST="unix://$LIVE_SOCK" timeout 30 "$DOCKER_CLI" rm -f $ids >/dev/null 2>&1 || true
  fi
  stop_daemon "$PIDFILE" 20 "live dockerd"
  # With live-restore its containerd outlives dockerd; nothing runs in it any more.
  stop_daemon "$LIVE_RUN_DIR/docker-exec/containerd/containerd.pid" 10 "live containerd"
  awk -v d="$LIVE_RUN_DIR" -v e="$LIVE_DATA_DIR" \
    '$2 == d || index($2, d "/") == 1 || $2 == e || index($2, e "/") == 1 {print $2}' /proc/mounts |
    sort -r | while read -r mnt; do umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true; done
  ip link delete "$LIVE_BRIDGE" 2>/dev/null || true
  rm -rf "$LIVE_RUN_DIR" "$LIVE_DATA_DIR"
  log "live dockerd torn down"
}

# Its own lock: engine-up.sh's is not held while the shared engine is left alone.
take_live_lock() {
  exec 9>"$LIVE_RUN_DIR.lock"
  flock -w 120 9 || die "another live-engine.sh still holds $LIVE_RUN_DIR.lock"
}

case ${1:-} in
up) up ;;
restart) restart ;;
down) down ;;
*) die "usage: $0 up|restart|down" ;;
esac
