#!/usr/bin/env bash
# Stop and remove everything engine-up.sh started: containers, dockerd, the podman service,
# the registry, their mounts, /run/engine-ci and /var/lib/engine-ci, and the bridges it created.
# Idempotent: a second run prints "nothing to tear down". Logs on stderr only.
set -euo pipefail
SCRIPT_NAME=engine-down
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
take_lock

if [ ! -d "$RUN_DIR" ] && [ ! -d "$DATA_DIR" ]; then
  log "nothing to tear down"
  exit 0
fi

# Unmount everything below a directory, deepest first.
unmount_below() {
  local dir=$1
  awk -v d="$dir" '$2 == d || index($2, d "/") == 1 {print $2}' /proc/mounts | sort -r | while read -r mnt; do
    umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || log "could not unmount $mnt"
  done
}

# Delete a network bridge if engine-up.sh created it.
delete_bridge() {
  local name=$1
  [ -f "$RUN_DIR/created-$name" ] || return 0
  ip link delete "$name" 2>/dev/null || true
}

if live_pid "$RUN_DIR/dockerd.pid" >/dev/null; then
  ids=$(DOCKER_HOST="unix://$DOCKER_SOCK" timeout 20 "$DOCKER_CLI" ps -aq 2>/dev/null || true)
  if [ -n "$ids" ]; then
    names=$(DOCKER_HOST="unix://$DOCKER_SOCK" timeout 20 "$DOCKER_CLI" ps -a --format '{{.Names}} ({{.Status}})' 2>/dev/null | paste -sd, - || true)
    log "removing $(echo "$ids" | wc -l) docker container(s) left behind: $names"
    # shellcheck disable=SC2086
    DOCKER_HOST="unix://$DOCKER_SOCK" timeout 30 "$DOCKER_CLI" rm -f $ids >/dev/null 2>&1 || true
  fi
fi
stop_daemon "$RUN_DIR/dockerd.pid" 20 dockerd

# The podman CLI works on its storage without the service, so this also runs when it died.
if [ -f "$RUN_DIR/podman/containers.conf" ]; then
  podman_env
  log "removing podman containers"
  timeout 30 podman rm -af -t 0 >/dev/null 2>&1 || true
fi
stop_daemon "$RUN_DIR/podman.pid" 10 "podman service"
stop_daemon "$RUN_DIR/registry.pid" 10 registry
stop_daemon "$RUN_DIR/auth-registry.pid" 10 auth-registry

unmount_below "$RUN_DIR"
unmount_below "$DATA_DIR"
delete_bridge docker0
delete_bridge cni-podman0
rm -rf "$RUN_DIR" "$DATA_DIR"
log "torn down"
