#!/usr/bin/env bash
# The Docker engine the tests run against: a private dockerd of the test run's own, so
# the machine's engine is never changed by a test and its state (a network a killed run
# left, which the engine may refuse to remove until it restarts: moby#17217) cannot fail
# a test run. Own config file, data root, exec root, socket, pidfile and containerd
# namespace; no bridge and no iptables rules, since the tests make their own parents.
#
#   scripts/test-engine.sh start OWNER_PID   prints `export DOCKER_HOST=unix://…` once the
#                                            engine answers; it lives as long as OWNER_PID
#   scripts/test-engine.sh stop DOCKER_HOST  stops it and removes its directory
#
# A record in /run/lanctl-tests (the format scripts/cleanup-test-leftovers.sh reads) names
# the directory and the daemons, so a run killed before `stop` is cleaned by the next run.
set -euo pipefail

HELD_DIR=/run/lanctl-tests
die() { echo "test-engine: $*" >&2; exit 1; }

start_time() { # PID: field 22 of its stat
  local s
  s=$(cat "/proc/$1/stat") && s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s
  echo "${20}"
}

start() {
  local owner=$1 dir sock rec
  command -v dockerd >/dev/null || die "dockerd is not installed (apt-get install docker.io)"
  dir=$(mktemp -d /tmp/lanctl-engine-XXXXXX)
  sock="unix://$dir/docker.sock"
  mkdir -p "$HELD_DIR"
  rec="$HELD_DIR/$owner-engine.held"
  printf 'pid %s\nstart %s\nboot %s\nowner test-engine\nprefix ltengine\ndir %s\npidfile %s\npidfile %s\n' \
    "$owner" "$(start_time "$owner")" "$(cat /proc/sys/kernel/random/boot_id)" "$dir" \
    "$dir/docker.pid" "$dir/exec/containerd/containerd.pid" >"$rec.tmp"
  mv "$rec.tmp" "$rec"
  # Its own config file keeps /etc/docker/daemon.json out, its own key file /etc/docker.
  printf '{"deprecated-key-path": "%s/key.json"}\n' "$dir" >"$dir/daemon.json"
  setsid dockerd --config-file "$dir/daemon.json" --data-root "$dir/data" --exec-root "$dir/exec" \
    -H "$sock" --pidfile "$dir/docker.pid" \
    --containerd-namespace ltengine --containerd-plugins-namespace ltengine-plugins \
    --bridge none --iptables=false --ip6tables=false \
    </dev/null >"$dir/dockerd.log" 2>&1 &
  for _ in $(seq 120); do
    docker -H "$sock" version >/dev/null 2>&1 && { echo "export DOCKER_HOST=$sock"; return 0; }
    sleep 0.5
  done
  tail -20 "$dir/dockerd.log" >&2
  die "the test engine in $dir did not answer within 60 s (its log is above)"
}

stop() {
  local sock=$1 dir pid
  dir=${sock#unix://}
  dir=${dir%/docker.sock}
  [[ $dir =~ ^/tmp/lanctl-engine-[A-Za-z0-9]+$ ]] || die "$sock is not a test engine's socket"
  pid=$(cat "$dir/docker.pid" 2>/dev/null) || pid=""
  if [[ -n $pid ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$dir"; then
    # dockerd stops its containers and its containerd on SIGTERM: give it the time to.
    kill -TERM "$pid"
    for _ in $(seq 150); do [[ -d /proc/$pid ]] || break; sleep 0.2; done
  fi
  # The record's owner is the caller: cleanup-test-leftovers.sh does the rest (what still
  # names the directory, then the directory) once the owner is gone, or now.
  for rec in "$HELD_DIR"/*-engine.held; do
    grep -qxF "dir $dir" "$rec" 2>/dev/null || continue
    # This script's own command line names the directory too.
    others() { pgrep -f -- "$dir" | grep -vx "$$" || true; }
    others | xargs -r kill -TERM 2>/dev/null || true
    sleep 0.5
    others | xargs -r kill -KILL 2>/dev/null || true
    rm -rf --one-file-system "$dir" && rm -f "$rec"
  done
}

case ${1:-} in
  start) [[ ${2:-} =~ ^[0-9]+$ ]] || die "usage: test-engine.sh start OWNER_PID"; start "$2" ;;
  stop) [[ -n ${2:-} ]] || die "usage: test-engine.sh stop DOCKER_HOST"; stop "$2" ;;
  *) die "usage: test-engine.sh start OWNER_PID | stop DOCKER_HOST" ;;
esac
