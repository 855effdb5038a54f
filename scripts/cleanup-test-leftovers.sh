#!/usr/bin/env bash
# Removes what killed test runs left behind, and never what a live run holds.
#
# Every real-engine run (a RealEnv test, scripts/bench.sh, the VM lab) writes a record
# /run/lanctl-tests/<pid>-<name>.held before it makes anything and removes it when it has
# removed everything:
#
#   pid 4242                        the process the resources belong to
#   start 123456                    its start time, field 22 of /proc/<pid>/stat (a reused pid differs)
#   boot 0f3c...                    /proc/sys/kernel/random/boot_id (a record from before a reboot differs)
#   owner testsuite-1a2b3c          who, for people
#   prefix lt3fa9c1                 its containers, docker networks, links and netns: names starting so
#   blackhole 198.51.100.0/26 4242  a blackhole route it added: subnet and metric
#   dir /tmp/lanctl-2h-x1y2         a directory of its own (a /tmp/lanctl-* one)
#   pidfile /tmp/lanctl-2h-x1y2/h1/docker.pid   a daemon it started (a private dockerd, an sshd)
#
# 1. Records whose process is gone: their daemons are stopped (a pidfile's process only if
#    its command line names one of the record's dirs, so a reused pid is never hit; then
#    whatever still names a dir is killed), their resources and blackholes are removed,
#    then their dirs and the record. A name that also starts with a live record's prefix
#    is kept.
# 2. If the real-engine lock (/tmp/lanctl-real-tests.lock) is free, no RealEnv or bench run
#    is live, so everything else named lt* and every blackhole inside 198.51.100.0/24 (and
#    the old 203.0.113.0/24) and 2001:db8::/32 goes too, except what live records (a lab) hold. The lock is
#    held meanwhile, so no run starts halfway through.
# Caution for step 2: anything else named lt* (an experiment by hand) goes too.
set -uo pipefail   # no -e: one stubborn leftover must not stop the rest

HELD_DIR=/run/lanctl-tests
LOCK=/tmp/lanctl-real-tests.lock
HOLDER=/tmp/lanctl-real-tests.holder
say() { printf 'cleanup: %s\n' "$*" >&2; }

boot=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo '?')
have_docker=0
docker info >/dev/null 2>&1 && have_docker=1

field() { # FILE KEY: the first value of KEY
  awk -v k="$2" '$1 == k { print $2; exit }' "$1"
}
start_of() { # PID: field 22 of its stat, read after the last ')' (the name may hold anything)
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s
  echo "${20}"
}
alive() { # RECORD: whether its process still runs
  local pid
  pid=$(field "$1" pid)
  [[ $pid =~ ^[0-9]+$ && $(field "$1" boot) == "$boot" ]] || return 1
  [[ $(start_of "$pid") == "$(field "$1" start)" ]]
}

# Live records protect their names and routes from everything below.
live_prefixes=()
live_routes=()
dead=()
shopt -s nullglob
for rec in "$HELD_DIR"/*.held; do
  if alive "$rec"; then
    live_prefixes+=("$(field "$rec" prefix)")
    while read -r _ subnet metric; do live_routes+=("$subnet $metric"); done < <(grep '^blackhole ' "$rec")
  else
    dead+=("$rec")
  fi
done
protected() { # NAME
  local p
  for p in "${live_prefixes[@]}"; do [[ -n $p && $1 == "$p"* ]] && return 0; done
  return 1
}
route_protected() { # SUBNET METRIC
  local r
  for r in "${live_routes[@]}"; do [[ $r == "$1 $2" ]] && return 0; done
  return 1
}

containers() { ((have_docker)) && docker ps -a --format '{{.Names}}'; }
networks() { ((have_docker)) && docker network ls --format '{{.Name}}'; }
# `ip -o link` prints "7: ltab12p@if6: <...>"; the name ends at '@' or ':'.
links() { ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1; }
namespaces() { ip netns list | awk '{print $1}'; }

remove_named() { # PREFIX: every container, network, link and netns named PREFIX*, unless protected
  local prefix=$1 n out cs=()
  while read -r n; do [[ $n == "$prefix"* ]] && ! protected "$n" && cs+=("$n"); done < <(containers)
  ((${#cs[@]})) && docker rm -f "${cs[@]}" >/dev/null
  while read -r n; do
    [[ $n == "$prefix"* ]] && ! protected "$n" || continue
    # An engine can keep a network with a stale endpoint until it restarts (moby#17217):
    # said once, in one line; the tests run on an engine of their own and are not held up.
    out=$(docker network rm "$n" 2>&1 >/dev/null) ||
      say "warning: the engine at ${DOCKER_HOST:-its default socket} keeps network $n (${out//$'\n'/ })"
  done < <(networks)
  while read -r n; do [[ $n == "$prefix"* ]] && ! protected "$n" && ip link del "$n" 2>/dev/null; done < <(links)
  # A killed test may leave a process in its namespace (tests/testsuite/dhcp_real.rs runs dnsmasq
  # there): it is ended first, or the namespace outlives its name.
  while read -r n; do
    [[ $n == "$prefix"* ]] && ! protected "$n" || continue
    ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null || true
    ip netns del "$n"
  done < <(namespaces)
  return 0
}

del_blackhole() { # SUBNET METRIC ("" for none)
  route_protected "$1" "$2" && return 0
  if [[ -n $2 ]]; then
    ip route del blackhole "$1" metric "$2" 2>/dev/null
  else
    ip route del blackhole "$1" 2>/dev/null
  fi
  return 0
}

naming() { # DIR: the pids whose command line contains DIR
  local p
  for p in /proc/[0-9]*; do
    tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "$1" && echo "${p#/proc/}"
  done
  return 0
}

running() { # PID: alive and not a zombie (an orphan's parent may never reap it)
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) }
  [[ ${s%% *} != Z ]]
}

stop_daemons() { # RECORD: stops what its pidfiles name, kills the rest, removes its dirs
  local rec=$1 d pf pid n dirs=() pids=() up
  while read -r _ d; do
    # Only the harness's own kind of directory: a bad record must not name /.
    [[ $d =~ ^/tmp/lanctl-[A-Za-z0-9._-]+$ ]] && dirs+=("$d")
  done < <(grep '^dir ' "$rec")
  ((${#dirs[@]})) || return 0
  while read -r _ pf; do
    pid=$(cat "$pf" 2>/dev/null) && [[ $pid =~ ^[0-9]+$ ]] || continue
    for d in "${dirs[@]}"; do
      if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$d"; then
        kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
        break
      fi
    done
  done < <(grep '^pidfile ' "$rec")
  # dockerd stops its containers and its containerd on SIGTERM: give it the time to.
  for _ in $(seq 150); do
    up=0
    for pid in "${pids[@]}"; do running "$pid" && up=1; done
    ((up)) || break
    sleep 0.2
  done
  # Then whatever still names a dir (ssh connection masters, a stuck containerd).
  for d in "${dirs[@]}"; do
    for n in $(naming "$d"); do kill -TERM "$n" 2>/dev/null; done
    for _ in $(seq 25); do
      [[ -z $(naming "$d") ]] && break
      sleep 0.2
    done
    for n in $(naming "$d"); do kill -KILL "$n" 2>/dev/null; done
  done
  sleep 0.2
  for d in "${dirs[@]}"; do
    [[ -z $(naming "$d") ]] || { say "warning: processes naming $d survive SIGKILL"; continue; }
    rm -rf --one-file-system "$d"
  done
}

for rec in "${dead[@]}"; do
  say "$(field "$rec" owner) (pid $(field "$rec" pid)) is gone; removing what $rec lists"
  stop_daemons "$rec"
  prefix=$(field "$rec" prefix)
  # A record without a prefix, or with a bare "lt", would name everything: refuse it.
  if [[ $prefix == lt?* ]]; then
    remove_named "$prefix"
  else
    say "warning: $rec has no usable prefix (${prefix:-none}); its names are left for the locked sweep"
  fi
  while read -r _ subnet metric; do del_blackhole "$subnet" "$metric"; done < <(grep '^blackhole ' "$rec")
  rm -f "$rec"
done

exec 9>"$LOCK"
if ! flock -n 9; then
  say "the real-engine lock is held by $(cat "$HOLDER" 2>/dev/null || echo 'a process that left no record'); removed what dead runs left, nothing of live runs"
  exit 0
fi
echo "$$ $(date +%s) cleanup-test-leftovers.sh" >"$HOLDER"
trap 'rm -f "$HOLDER"' EXIT

remove_named lt
# Inside 198.51.100.0/24, and 203.0.113.0/24, which test runs used before the slots.
while read -r _ subnet rest; do
  metric=""
  [[ $rest =~ metric\ ([0-9]+) ]] && metric=${BASH_REMATCH[1]}
  [[ $subnet =~ ^(198\.51\.100|203\.0\.113)\. ]] && del_blackhole "$subnet" "$metric"
done < <(ip -4 route show type blackhole)
exit 0
# IPv6 tests and the lab hold theirs inside 2001:db8::/32 (documentation) only.
while read -r _ subnet rest; do
  metric=""
  [[ $rest =~ metric\ ([0-9]+) ]] && metric=${BASH_REMATCH[1]}
  [[ $subnet =~ ^2001:db8: ]] && del_blackhole "$subnet" "$metric"
done < <(ip -6 route show type blackhole)
