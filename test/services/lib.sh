# Shared helpers of the test-service scripts (engine-up.sh, engine-down.sh, push-app.sh).
# Sourced, never run. Everything logs to stderr; stdout is reserved for `export` lines.
#
# Layout (overridable for experiments, the defaults are what CI uses):
#   $RUN_DIR  (/run/engine-ci)      sockets, pid files, configs, logs
#   $DATA_DIR (/var/lib/engine-ci)  dockerd data-root, podman storage, registry blobs, app context

RUN_DIR=${ENGINE_RUN_DIR:-/run/engine-ci}
DATA_DIR=${ENGINE_DATA_DIR:-/var/lib/engine-ci}
REGISTRY_ADDR=${REGISTRY_ADDR:-127.0.0.1:5000}
ENGINE_UP_TIMEOUT=${ENGINE_UP_TIMEOUT:-30}
DOCKER_SOCK="$RUN_DIR/docker.sock"
PODMAN_SOCK_PATH="$RUN_DIR/podman.sock"
# Versioned: engine-up.sh of an older checkout (another test run on this machine) rewrites
# its own context; a changed app gets a new folder so that one cannot undo the change.
APP_CONTEXT_DIR="$DATA_DIR/app-context-2"
# The 20.10 CLI from the docker.io package (a newer CLI may come first in PATH).
DOCKER_CLI=/usr/bin/docker

SCRIPT_NAME=${SCRIPT_NAME:-$(basename "$0" .sh)}

log() { echo "[$SCRIPT_NAME] $*" >&2; }

die() {
  echo "[$SCRIPT_NAME] ERROR: $*" >&2
  exit 1
}

# Last lines of a log file on stderr, indented.
log_tail() {
  [ -f "$1" ] || return 0
  echo "[$SCRIPT_NAME] --- last lines of $1 ---" >&2
  tail -n 25 "$1" | sed 's/^/    /' >&2
}

# True when PID exists and is not a zombie (PID 1 here may not reap orphans promptly,
# so `kill -0` alone would report a dead daemon as alive).
alive() {
  local pid=$1 state
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$state" ] && [ "$state" != "Z" ] && [ "$state" != "X" ]
}

# PID recorded in pid file $1 if that process is alive, else nothing (and status 1).
live_pid() {
  local pid
  [ -f "$1" ] || return 1
  pid=$(tr -dc '0-9' <"$1")
  alive "$pid" || return 1
  echo "$pid"
}

# Start a daemon detached from the caller's terminal and command substitution:
#   spawn PIDFILE LOGFILE CMD...   (the pid written is the daemon's own, via exec)
spawn() {
  local pidfile=$1 logfile=$2
  shift 2
  rm -f "$pidfile" # a stale one (a daemon killed earlier) would be taken for the new daemon's
  # fd 9 is the engine-up lock (take_lock): the daemon must not keep holding it.
  setsid sh -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" </dev/null >>"$logfile" 2>&1 9>&- &
  local i
  for i in $(seq 1 50); do
    [ -s "$pidfile" ] && return 0
    sleep 0.02
  done
  die "could not start $1 (no pid file $pidfile)"
}

# Wait until `CMD...` succeeds, the daemon in PIDFILE dies, or ENGINE_UP_TIMEOUT passes:
#   wait_ready NAME PIDFILE LOGFILE CMD...
wait_ready() {
  local name=$1 pidfile=$2 logfile=$3
  shift 3
  local deadline=$((SECONDS + ENGINE_UP_TIMEOUT))
  while ((SECONDS < deadline)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if ! live_pid "$pidfile" >/dev/null; then
      log_tail "$logfile"
      echo "[$SCRIPT_NAME] ERROR: $name exited during start-up (log: $logfile)" >&2
      return 1
    fi
    sleep 0.1
  done
  log_tail "$logfile"
  echo "[$SCRIPT_NAME] ERROR: $name did not answer within ${ENGINE_UP_TIMEOUT}s (log: $logfile)" >&2
  return 1
}

# Stop the daemon of PIDFILE: SIGTERM, then SIGKILL after $2 seconds. Silent when not running.
stop_daemon() {
  local pidfile=$1 grace=${2:-10} name=${3:-daemon} pid i
  pid=$(live_pid "$pidfile") || { rm -f "$pidfile"; return 0; }
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 $((grace * 10))); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    log "$name did not stop within ${grace}s, killing it"
    kill -KILL "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do
      alive "$pid" || break
      sleep 0.1
    done
  fi
  rm -f "$pidfile"
}

# Serialise engine-up/engine-down runs (several test runners may call them at once).
take_lock() {
  exec 9>"$RUN_DIR.lock"
  flock -w 300 9 || die "another engine-up/engine-down still holds $RUN_DIR.lock after 300s"
}

# Environment for the podman CLI so it shares the service's store and configuration.
podman_env() {
  export CONTAINERS_CONF="$RUN_DIR/podman/containers.conf"
  export CONTAINERS_STORAGE_CONF="$RUN_DIR/podman/storage.conf"
  export CONTAINERS_REGISTRIES_CONF="$RUN_DIR/podman/registries.conf"
}

# Build the test app and push it to the registry, printing the pushed digest:
#   build_push_app ENGINE_KIND REF VERSION [--fail-health] [--crash] [--drop-every N] [--port N] [--user U]
# --user U: the image's USER is U (a second build FROM the app, in a temp context).
# REF is `host:port/repo:tag`. The local tag is removed afterwards unless KEEP_LOCAL_IMAGES=1.
build_push_app() {
  local kind=$1 ref=$2 version=$3
  shift 3
  local args=(--build-arg "VERSION=$version") user=""
  while (($#)); do
    case $1 in
    --fail-health) args+=(--build-arg FAIL_HEALTH=1) ;;
    --crash) args+=(--build-arg CRASH=1) ;;
    --drop-every)
      [[ ${2:-} =~ ^[0-9]+$ ]] || die "--drop-every needs a number, got '${2:-}'"
      args+=(--build-arg "DROP_EVERY=$2")
      shift
      ;;
    --port)
      [[ ${2:-} =~ ^[0-9]+$ ]] || die "--port needs a number, got '${2:-}'"
      args+=(--build-arg "PORT=$2")
      shift
      ;;
    --user)
      [[ ${2:-} =~ ^[0-9]+(:[0-9]+)?$ ]] || die "--user needs UID[:GID], got '${2:-}'"
      user=$2
      shift
      ;;
    *) die "unknown option '$1' (expected --fail-health, --crash, --drop-every N, --port N, --user U)" ;;
    esac
    shift
  done
  [ -f "$APP_CONTEXT_DIR/Dockerfile" ] || die "no app build context in $APP_CONTEXT_DIR: run engine-up.sh first"
  case $kind in
  docker)
    DOCKER_HOST="unix://$DOCKER_SOCK" DOCKER_BUILDKIT=0 "$DOCKER_CLI" build -q "${args[@]}" -t "$ref" "$APP_CONTEXT_DIR" >/dev/null ||
      die "docker build of $ref failed"
    if [ -n "$user" ]; then
      with_user_context "$ref" "$user" DOCKER_HOST="unix://$DOCKER_SOCK" DOCKER_BUILDKIT=0 "$DOCKER_CLI" build -q -t "$ref" ||
        die "docker build of $ref with USER $user failed"
    fi
    DOCKER_HOST="unix://$DOCKER_SOCK" "$DOCKER_CLI" push "$ref" >/dev/null || die "docker push of $ref failed"
    [ "${KEEP_LOCAL_IMAGES:-0}" = 1 ] ||
      DOCKER_HOST="unix://$DOCKER_SOCK" "$DOCKER_CLI" rmi --no-prune "$ref" >/dev/null || true
    ;;
  podman)
    podman_env
    podman build -q --layers=false --format docker "${args[@]}" -t "$ref" "$APP_CONTEXT_DIR" >/dev/null || die "podman build of $ref failed"
    if [ -n "$user" ]; then
      with_user_context "$ref" "$user" podman build -q --layers=false --format docker -t "$ref" ||
        die "podman build of $ref with USER $user failed"
    fi
    podman push -q --tls-verify=false --format v2s2 "$ref" >/dev/null || die "podman push of $ref failed"
    [ "${KEEP_LOCAL_IMAGES:-0}" = 1 ] || podman untag "$ref" "$ref" >/dev/null 2>&1 || true
    ;;
  *) die "unknown engine kind '$kind' (docker or podman)" ;;
  esac
  registry_digest "$ref"
}

# with_user_context REF USER [VAR=value...] BUILD-COMMAND...: run the build command with a
# temp context holding `FROM REF` + `USER USER` as its last argument.
with_user_context() {
  local ref=$1 user=$2 dir status
  shift 2
  dir=$(mktemp -d)
  printf 'FROM %s\nUSER %s\n' "$ref" "$user" >"$dir/Dockerfile"
  env "$@" "$dir" >/dev/null
  status=$?
  rm -rf "$dir"
  return "$status"
}

# The digest the registry serves for REF (`host:port/repo:tag`).
registry_digest() {
  local ref=$1 host repo tag
  host=${ref%%/*}
  repo=${ref#*/}
  tag=${repo##*:}
  repo=${repo%:*}
  curl -fsS -I \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$host/v2/$repo/manifests/$tag" | tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest" {print $2}'
}
