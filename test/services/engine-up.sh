#!/usr/bin/env bash
# Install (if missing) and start a real container engine and OCI registry for the e2e tests,
# build the busybox test app offline and push v1.0.0 v1.1.0 v2.0.0-rc.1 of 127.0.0.1:5000/app.
# A second registry process on 127.0.0.1:5002 serves the same storage behind basic auth.
#
#   eval "$(bash test/services/engine-up.sh)"
#
# stdout carries ONLY `export K=V` lines; progress goes to stderr. Idempotent: what already
# runs is kept. Must run as root. Knobs:
#   ENGINE=docker|podman        the engine DOCKER_HOST/ENGINE_SOCK point at (default docker)
#   WITH_PODMAN=1               also start podman next to docker (exports PODMAN_SOCK)
#   ENGINE_STORAGE_DRIVER=X     force a dockerd storage driver (default overlay2, vfs fallback)
#   ENGINE_USERLAND_PROXY=false publish ports with kernel NAT instead of docker-proxy
#   ENGINE_UP_TIMEOUT=N         seconds each daemon gets to answer (default 30)
#   KEEP_LOCAL_IMAGES=1         keep the built tags in the engine after pushing
set -euo pipefail
SCRIPT_NAME=engine-up
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ENGINE=${ENGINE:-docker}
WITH_PODMAN=${WITH_PODMAN:-0}
ENGINE_USERLAND_PROXY=${ENGINE_USERLAND_PROXY:-true}
APP_TAGS="v1.0.0 v1.1.0 v2.0.0-rc.1"
case $ENGINE in docker | podman) ;; *) die "ENGINE=$ENGINE is not supported: use docker or podman" ;; esac
[ "$(id -u)" = 0 ] || die "engine-up.sh must run as root (it starts dockerd/podman and the registry)"
started_at=$SECONDS

need_docker=0
need_podman=0
[ "$ENGINE" = docker ] && need_docker=1
{ [ "$ENGINE" = podman ] || [ "$WITH_PODMAN" = 1 ]; } && need_podman=1

# --- packages -------------------------------------------------------------------------------
install_packages() {
  local wanted=(docker-registry busybox-static iptables iproute2 curl jq) missing=() pkg
  ((need_docker)) && wanted+=(docker.io)
  ((need_podman)) && wanted+=(podman)
  for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]} (apt)"
  # Keep package scripts from starting a system dockerd/registry of their own.
  local own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1
  fi
  local status=0
  {
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  } >"/tmp/engine-up-apt.log" 2>&1 || status=$?
  ((own_policy)) && rm -f /usr/sbin/policy-rc.d
  if ((status)); then
    log_tail /tmp/engine-up-apt.log
    die "apt-get install ${missing[*]} failed (exit $status, log: /tmp/engine-up-apt.log)"
  fi
}

# --- registries -----------------------------------------------------------------------------
# Two registry processes share one storage: $REGISTRY_ADDR is open, $AUTH_REGISTRY_ADDR serves
# the same repositories behind htpasswd basic auth ($AUTH_REGISTRY_USER / $AUTH_REGISTRY_PASSWORD).
AUTH_REGISTRY_ADDR=${AUTH_REGISTRY_ADDR:-127.0.0.1:5002}
AUTH_REGISTRY_USER=dewy
AUTH_REGISTRY_PASSWORD=dewy-secret
# bcrypt of $AUTH_REGISTRY_PASSWORD (htpasswd -Bbn dewy dewy-secret), so apache2-utils is not needed.
AUTH_REGISTRY_HTPASSWD='dewy:$2y$05$pFyBxlLfWqevbivHW1qWROK4RAWwcmvXlGxQSbVJR93fAVDzfvVKe'

# start_registry NAME ADDR [auth]
start_registry() {
  local name=$1 addr=$2 auth=${3:-} pidfile="$RUN_DIR/$1.pid" logfile="$RUN_DIR/$1.log"
  local probe=(curl -fsS -m 2 "http://$addr/v2/")
  [ -n "$auth" ] && probe=(curl -fsS -m 2 -u "$AUTH_REGISTRY_USER:$AUTH_REGISTRY_PASSWORD" "http://$addr/v2/")
  if live_pid "$pidfile" >/dev/null; then
    log "$name already running"
    return 0
  fi
  mkdir -p "$DATA_DIR/registry"
  cat >"$RUN_DIR/$name.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $DATA_DIR/registry
  delete:
    enabled: true
http:
  addr: $addr
EOF
  if [ -n "$auth" ]; then
    echo "$AUTH_REGISTRY_HTPASSWD" >"$RUN_DIR/htpasswd"
    printf 'auth:\n  htpasswd:\n    realm: dewy-test\n    path: %s\n' "$RUN_DIR/htpasswd" >>"$RUN_DIR/$name.yml"
  fi
  log "starting $name on $addr"
  spawn "$pidfile" "$logfile" docker-registry serve "$RUN_DIR/$name.yml"
  wait_ready "$name" "$pidfile" "$logfile" "${probe[@]}" || exit 1
}

# --- dockerd --------------------------------------------------------------------------------
# -m 2: a daemon can hold its socket open without answering while it starts.
docker_ping() { curl -fsS -m 2 --unix-socket "$DOCKER_SOCK" http://localhost/_ping; }

launch_dockerd() {
  local driver=$1 pidfile="$RUN_DIR/dockerd.pid" logfile="$RUN_DIR/engine.log"
  cat >"$RUN_DIR/daemon.json" <<EOF
{
  "data-root": "$DATA_DIR/docker",
  "exec-root": "$RUN_DIR/docker-exec",
  "pidfile": "$RUN_DIR/docker-exec/dockerd.pid",
  "hosts": ["unix://$DOCKER_SOCK"],
  "storage-driver": "$driver",
  "insecure-registries": ["$REGISTRY_ADDR", "$AUTH_REGISTRY_ADDR"],
  "userland-proxy": $ENGINE_USERLAND_PROXY,
  "log-level": "warn"
}
EOF
  log "starting dockerd (storage driver $driver, userland-proxy $ENGINE_USERLAND_PROXY)"
  spawn "$pidfile" "$logfile" dockerd --config-file "$RUN_DIR/daemon.json"
  wait_ready "dockerd ($driver)" "$pidfile" "$logfile" docker_ping
}

start_dockerd() {
  if live_pid "$RUN_DIR/dockerd.pid" >/dev/null && docker_ping >/dev/null 2>&1; then
    log "docker already running"
    return 0
  fi
  stop_daemon "$RUN_DIR/dockerd.pid" 10 "stale dockerd"
  ip link show docker0 >/dev/null 2>&1 || touch "$RUN_DIR/created-docker0"
  mkdir -p "$DATA_DIR/docker"
  if [ -n "${ENGINE_STORAGE_DRIVER:-}" ]; then
    launch_dockerd "$ENGINE_STORAGE_DRIVER" ||
      die "dockerd failed to start with storage driver $ENGINE_STORAGE_DRIVER (log: $RUN_DIR/engine.log)"
  elif ! launch_dockerd overlay2; then
    stop_daemon "$RUN_DIR/dockerd.pid" 10 "dockerd (overlay2)"
    log "overlay2 failed; retrying with vfs"
    launch_dockerd vfs || die "dockerd failed to start with overlay2 and vfs (log: $RUN_DIR/engine.log)"
  fi
}

# --- podman ---------------------------------------------------------------------------------
podman_ping() { curl -fsS -m 2 --unix-socket "$PODMAN_SOCK_PATH" http://localhost/_ping; }

# Written on every run (also when podman already runs: registries.conf is read per pull).
write_podman_config() {
  local hard_nofile
  mkdir -p "$RUN_DIR/podman" "$DATA_DIR/podman"
  # Root here lacks CAP_SYS_RESOURCE: podman's default ulimits (nofile 1048576) would make
  # every container start fail, so cap them at what this process may grant.
  hard_nofile=$(ulimit -Hn)
  [ "$hard_nofile" = unlimited ] && hard_nofile=1048576
  cat >"$RUN_DIR/podman/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$hard_nofile:$hard_nofile", "nproc=16384:16384"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$RUN_DIR/podman/events.log"
runtime = "runc"
tmp_dir = "$RUN_DIR/podman/libpod-tmp"
volume_path = "$DATA_DIR/podman/volumes"

[network]
network_backend = "cni"
EOF
  cat >"$RUN_DIR/podman/storage.conf" <<EOF
[storage]
driver = "overlay"
runroot = "$RUN_DIR/podman/run"
graphroot = "$DATA_DIR/podman/storage"
EOF
  cat >"$RUN_DIR/podman/registries.conf" <<EOF
[[registry]]
location = "$REGISTRY_ADDR"
insecure = true

[[registry]]
location = "$AUTH_REGISTRY_ADDR"
insecure = true
EOF
}

start_podman() {
  local pidfile="$RUN_DIR/podman.pid" logfile="$RUN_DIR/podman.log"
  write_podman_config
  if live_pid "$pidfile" >/dev/null && podman_ping >/dev/null 2>&1; then
    log "podman already running"
    return 0
  fi
  stop_daemon "$pidfile" 10 "stale podman service"
  ip link show cni-podman0 >/dev/null 2>&1 || touch "$RUN_DIR/created-cni-podman0"
  podman_env
  log "starting podman service"
  spawn "$pidfile" "$logfile" podman system service --time=0 "unix://$PODMAN_SOCK_PATH"
  wait_ready "podman service" "$pidfile" "$logfile" podman_ping || exit 1
}

# --- test app -------------------------------------------------------------------------------
# put FILE: move FILE.new over FILE when it differs (else drop it). Builds of other test runs
# may be reading the context right now: a file rewritten in place reaches them truncated.
put() {
  if cmp -s "$1.new" "$1"; then rm -f "$1.new"; else mv -f "$1.new" "$1"; fi
}

write_app_context() {
  mkdir -p "$APP_CONTEXT_DIR"
  cp -f /bin/busybox "$APP_CONTEXT_DIR/busybox.new" && put "$APP_CONTEXT_DIR/busybox"
  cat >"$APP_CONTEXT_DIR/start.sh.new" <<'EOF'
#!/bin/sh
# Test app: GET / → $APP_VERSION, GET /health → ok (404 with APP_FAIL_HEALTH=1).
# GET /cgi-bin/version → $APP_VERSION too, but with APP_DROP_EVERY=N every Nth such request
# is cut before a byte is sent (its handler is killed): a fault only real traffic shows.
# APP_CRASH=1 exits 1 at once. TERM/INT stop it at once (busybox httpd as PID 1 would not).
if [ "$APP_CRASH" = 1 ]; then
  echo "APP_CRASH=1: exiting with status 1" >&2
  exit 1
fi
echo "$APP_VERSION" >/www/index.html
echo "${APP_DROP_EVERY:-0}" >/tmp/drop-every
mkdir -p /www/cgi-bin
cat >/www/cgi-bin/version <<'CGI'
#!/bin/sh
every=$(cat /tmp/drop-every)
if [ "$every" -gt 0 ]; then
  n=$(($(cat /tmp/requests 2>/dev/null || echo 0) + 1))
  echo "$n" >/tmp/requests
  [ $((n % every)) = 0 ] && kill -9 "$PPID"
fi
printf 'Content-Type: text/plain\r\n\r\n'
cat /www/index.html
CGI
chmod +x /www/cgi-bin/version
rm -f /www/health
[ "$APP_FAIL_HEALTH" = 1 ] || echo ok >/www/health
httpd -f -p "${PORT:-8080}" -h /www &
pid=$!
trap 'kill "$pid" 2>/dev/null; exit 0' TERM INT
wait "$pid"
EOF
  chmod +x "$APP_CONTEXT_DIR/start.sh.new" && put "$APP_CONTEXT_DIR/start.sh"
  cat >"$APP_CONTEXT_DIR/Dockerfile.new" <<'EOF'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox --install -s /bin && mkdir -p /www /tmp && chmod 1777 /www /tmp"]
COPY start.sh /start.sh
ARG PORT=8080
ARG FAIL_HEALTH=0
ARG CRASH=0
ARG DROP_EVERY=0
ARG VERSION=0.0.0
ENV PORT=$PORT APP_FAIL_HEALTH=$FAIL_HEALTH APP_CRASH=$CRASH APP_DROP_EVERY=$DROP_EVERY APP_VERSION=$VERSION
LABEL org.opencontainers.image.version=$VERSION
EXPOSE $PORT
HEALTHCHECK --interval=2s --timeout=2s --retries=3 CMD wget -q -O /dev/null http://127.0.0.1:${PORT}/health || exit 1
CMD ["/start.sh"]
EOF
  put "$APP_CONTEXT_DIR/Dockerfile"
}

push_app_tags() {
  # Tags already in the registry are kept, so their digests stay stable across runs.
  local tag pushed=()
  for tag in $APP_TAGS; do
    [ -n "$(registry_digest "$REGISTRY_ADDR/app:$tag" 2>/dev/null)" ] && continue
    build_push_app "$ENGINE" "$REGISTRY_ADDR/app:$tag" "${tag#v}" >/dev/null
    pushed+=("$tag")
  done
  log "app tags in $REGISTRY_ADDR/app: $APP_TAGS (pushed now: ${pushed[*]:-none})"
}

# --- main -----------------------------------------------------------------------------------
take_lock
install_packages
mkdir -p "$RUN_DIR" "$DATA_DIR"
start_registry registry "$REGISTRY_ADDR"
start_registry auth-registry "$AUTH_REGISTRY_ADDR" auth
((need_docker)) && start_dockerd
((need_podman)) && start_podman
write_app_context
push_app_tags
log "ready in $((SECONDS - started_at))s"

if [ "$ENGINE" = podman ]; then
  echo "export DOCKER_HOST=unix://$PODMAN_SOCK_PATH"
  echo "export ENGINE_SOCK=$PODMAN_SOCK_PATH"
else
  echo "export DOCKER_HOST=unix://$DOCKER_SOCK"
  echo "export ENGINE_SOCK=$DOCKER_SOCK"
  echo "export ENGINE_USERLAND_PROXY=$ENGINE_USERLAND_PROXY"
fi
echo "export ENGINE_KIND=$ENGINE"
if ((need_podman)); then
  echo "export PODMAN_SOCK=$PODMAN_SOCK_PATH"
  echo "export CONTAINERS_CONF=$RUN_DIR/podman/containers.conf"
  echo "export CONTAINERS_STORAGE_CONF=$RUN_DIR/podman/storage.conf"
  echo "export CONTAINERS_REGISTRIES_CONF=$RUN_DIR/podman/registries.conf"
fi
echo "export TEST_REGISTRY=$REGISTRY_ADDR"
echo "export TEST_IMAGE=$REGISTRY_ADDR/app"
echo "export TEST_AUTH_REGISTRY=$AUTH_REGISTRY_ADDR"
echo "export TEST_AUTH_USER=$AUTH_REGISTRY_USER"
echo "export TEST_AUTH_PASSWORD=$AUTH_REGISTRY_PASSWORD"
echo "export TEST_IMAGE_TAGS=\"$APP_TAGS\""
echo "export APP_CONTEXT=$APP_CONTEXT_DIR"
