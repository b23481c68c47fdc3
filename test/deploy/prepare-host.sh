#!/usr/bin/env bash
# Part of `npm run test:deploy`: makes sure this Debian machine can build and run the images.
# Installs Debian's docker.io, docker-compose and debootstrap when missing, and starts dockerd
# when no engine answers. Prints "started-dockerd <pid>" when it started one (the caller stops
# it at the end), nothing else on stdout.
set -euo pipefail
say() { printf '[host] %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }

need=()
have dockerd || need+=(docker.io)
have docker-compose || need+=(docker-compose)
have debootstrap || need+=(debootstrap)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! have apt-get; then
    say "missing: ${need[*]}; install them (apt-get install -y ${need[*]}) or run this as root on Debian"
    exit 1
  fi
  say "installing ${need[*]} (Debian packages)"
  # Keep the packages' init scripts from starting anything: this script starts dockerd itself.
  own_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  trap 'if [ -n "$own_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi' EXIT
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
else
  say "docker.io, docker-compose, debootstrap: installed"
fi

if docker info >/dev/null 2>&1; then
  say "a Docker engine is running"
  exit 0
fi
dockerd_bin="$(command -v dockerd || echo /usr/sbin/dockerd)"
log="${JCHAT_DOCKERD_LOG:-/var/log/jchat-dockerd.log}"
say "starting $dockerd_bin (log: $log)"
setsid "$dockerd_bin" >"$log" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    echo "started-dockerd $pid"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  sleep 0.5
done
say "dockerd did not come up; the end of $log:"
tail -n 20 "$log" >&2
exit 1
