#!/usr/bin/env bash
# Build the test app with a version baked in and push it to the test registry:
#
#   push-app.sh REPO VERSION [--fail-health] [--crash] [--drop-every N] [--port N] [--user U]
#
# pushes 127.0.0.1:5000/REPO:vVERSION (VERSION may be given with or without the `v`), removes
# the local tag and prints the manifest digest (`sha256:...`) on stdout.
#   --fail-health  APP_FAIL_HEALTH=1 baked in: /health answers 404
#   --crash        APP_CRASH=1 baked in: the container exits 1 at start
#   --drop-every N APP_DROP_EVERY=N baked in: every Nth GET /cgi-bin/version is cut unanswered
#   --port N       listens on and EXPOSEs N instead of 8080
#   --user U       the image's USER is U (UID or UID:GID)
# Uses the engine of ENGINE_KIND (from engine-up.sh; default docker). Needs engine-up.sh first.
set -euo pipefail
SCRIPT_NAME=push-app
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(($# >= 2)) || die "usage: push-app.sh REPO VERSION [--fail-health] [--crash] [--drop-every N] [--port N] [--user U]"
repo=$1
version=${2#v}
shift 2
[[ $repo =~ ^[a-z0-9]+([._/-][a-z0-9]+)*$ ]] || die "REPO '$repo' is not a valid repository name (lower-case, e.g. app or team/app)"
[[ $version =~ ^[0-9A-Za-z][0-9A-Za-z.+_-]*$ ]] || die "VERSION '$version' is not a valid tag (e.g. 1.2.0)"
ref="$REGISTRY_ADDR/$repo:v${version//+/_}"
digest=$(build_push_app "${ENGINE_KIND:-docker}" "$ref" "$version" "$@")
[ -n "$digest" ] || die "pushed $ref but the registry reported no digest"
log "pushed $ref $digest"
echo "$digest"
