#!/usr/bin/env bash
# The ipvlan/802.1Q lab: boots Debian's own kernel (which has ipvlan and 8021q, unlike many
# CI kernels) in QEMU with this host's userland shared read-only, and runs lanctl there
# against a private dockerd. Nothing the VM does reaches this host's network: the VM has no
# NIC (two VMs share a LAN over a unix socket), and the lab's address slots, IPv4 and
# IPv6, are blackholed here while it runs. See "Try lanctl on ipvlan without touching your
# LAN" in README.md.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lab="$repo/scripts/lab"
. "$lab/common.sh"

usage() {
  cat <<'USAGE'
usage: scripts/lab.sh COMMAND
  build                      build the VM's kernel and initramfs (cached per kernel version)
  run [SCENARIO...]          boot the VM, run the scenarios (all by default) with the lanctl
                             under test: LANCTL_BIN, or target/debug/lanctl of this repo
  run --two [SCENARIO...]    boot two VMs (two Docker hosts) on one virtual LAN and run the
                             two-host scenarios
  shell [--two]              boot the VM (or two) and open a root shell in the first one
  list                       print the scenario names
  clean                      remove the cached VM assets
Environment: LANCTL_BIN, LAB_VERBOSE=1 (print every scenario's log, not only failures),
LAB_TIMEOUT (seconds for a whole run, default 900), LAB_BOOT_TIMEOUT (seconds until a VM
must be up, else it boots once more; default 300),
LAB_MEM (MiB per VM, default 4096), LAB_CPUS (vCPUs per VM, default 2).
USAGE
}

# Scenario names: the file name without its order prefix and .sh.
scenario_names() {
  local dir=$1 f
  for f in "$dir"/[0-9]*.sh; do
    f=${f##*/}
    f=${f#*-}
    echo "${f%.sh}"
  done
}

# One lab at a time, and never beside a real-engine test or the leftover cleanup
# (scripts/cleanup-test-leftovers.sh would delete the lab's blackhole route).
take_lock() {
  exec 9>"$LAB_LOCK"
  flock -n 9 && return 0
  say "waiting for $LAB_LOCK (a real-engine test or another lab holds it)"
  local t0
  t0=$(now)
  flock -w 900 9 || die "$LAB_LOCK busy for 15 min (a real-engine test run); retry when it ends"
  say "got the lock after $(since "$t0") s"
}

need_root() {
  [[ $(id -u) -eq 0 ]] || die "$1 must run as root (qemu, routes, apt-get); rerun with sudo"
}

# ------------------------------------------------------------------------ teardown

qemu_pids=()
blackholed=""
blackholed6=""
run_dir=""
# shellcheck disable=SC2317  # called by the traps
teardown() {
  local pid
  for pid in "${qemu_pids[@]}"; do
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  [[ -z $blackholed ]] || ip route del blackhole "$LAB_SLOT" 2>/dev/null || true
  [[ -z $blackholed6 ]] || ip -6 route del blackhole "$LAB_SLOT6" 2>/dev/null || true
  [[ -z $run_dir ]] || rm -rf "$run_dir"
}

# ------------------------------------------------------------------------ safety

# 0 when the IPv4 prefixes $1 and $2 overlap (one contains the other).
overlaps() {
  local a=$1 b=$2
  [[ $a == */* ]] || a+=/32
  [[ $b == */* ]] || b+=/32
  local ia ib la=${a#*/} lb=${b#*/} l
  ia=$(ip4_int "${a%/*}")
  ib=$(ip4_int "${b%/*}")
  l=$((la < lb ? la : lb))
  local mask=$(((0xffffffff << (32 - l)) & 0xffffffff))
  ((l == 0 || (ia & mask) == (ib & mask)))
}
ip4_int() {
  local IFS=.
  # shellcheck disable=SC2086  # split on the dots
  set -- $1
  echo $((($1 << 24) | ($2 << 16) | ($3 << 8) | $4))
}

# 0 when the IPv6 prefixes $1 and $2 overlap (one contains the other).
overlaps6() {
  local a=$1 b=$2
  [[ $a == */* ]] || a+=/128
  [[ $b == */* ]] || b+=/128
  local la=${a#*/} lb=${b#*/} ha hb l n
  ha=$(ip6_hex "${a%/*}")
  hb=$(ip6_hex "${b%/*}")
  l=$((la < lb ? la : lb))
  n=$((l / 4))
  [[ ${ha:0:n} == "${hb:0:n}" ]] || return 1
  ((l % 4 == 0)) && return 0
  local mask=$(((0xf << (4 - l % 4)) & 0xf))
  (((0x${ha:n:1} & mask) == (0x${hb:n:1} & mask)))
}
# The 32 hex digits of an IPv6 address (no embedded IPv4 form: routes never print one).
ip6_hex() {
  local a=${1,,} head tail g out="" groups=()
  if [[ $a == *::* ]]; then
    head=${a%%::*}
    tail=${a#*::}
    local h=() t=()
    [[ -z $head ]] || IFS=: read -ra h <<<"$head"
    [[ -z $tail ]] || IFS=: read -ra t <<<"$tail"
    groups=("${h[@]}")
    for ((g = ${#h[@]} + ${#t[@]}; g < 8; g++)); do groups+=(0); done
    groups+=("${t[@]}")
  else
    IFS=: read -ra groups <<<"$a"
  fi
  for g in "${groups[@]}"; do out+=$(printf '%04x' "0x$g"); done
  echo "$out"
}

# Refuses to run when the slot is not free on this host: a route or an address in it, or a
# package source or resolver that the blackhole would cut off. Routes that drop traffic
# (blackhole, unreachable, prohibit) are no danger: another suite's over the whole /24 may
# stand, and one of exactly the slot is a killed lab's, which this run adopts.
check_slot_free() {
  local r dst host a
  while read -r r; do
    [[ $r =~ ^(blackhole|unreachable|prohibit)\  ]] && continue
    dst=$(sed -E 's/^(local|broadcast|unicast|multicast|anycast) //; s/ .*//' <<<"$r")
    [[ $dst == default || $dst == 0.0.0.0/0 ]] && continue
    [[ $dst =~ ^[0-9.]+(/[0-9]+)?$ ]] || continue
    overlaps "$dst" "$LAB_SLOT" && die "host route '$r' overlaps the lab's slot $LAB_SLOT; remove it or wait for the test that made it"
  done < <(ip -4 route show table all)
  while read -r a; do
    overlaps "$a" "$LAB_SLOT" && die "this host has address $a in the lab's slot $LAB_SLOT; remove it first"
  done < <(ip -4 -o addr show | awk '{ print $4 }')
  while read -r a; do
    overlaps "$a" "$LAB_SLOT" && die "resolver $a is in the lab's slot $LAB_SLOT; the blackhole would cut it off"
  done < <(awk '$1 == "nameserver" && $2 ~ /^[0-9.]+$/ { print $2 }' /etc/resolv.conf 2>/dev/null)
  # The same for the IPv6 slot: the default route (::/0) is no overlap to refuse, it is
  # what the blackhole takes the slot's traffic from.
  while read -r r; do
    [[ $r =~ ^(blackhole|unreachable|prohibit)\  ]] && continue
    dst=$(sed -E 's/^(local|broadcast|unicast|multicast|anycast) //; s/ .*//' <<<"$r")
    [[ $dst == default || $dst == ::/0 ]] && continue
    [[ $dst =~ ^[0-9a-fA-F:]+(/[0-9]+)?$ ]] || continue
    overlaps6 "$dst" "$LAB_SLOT6" && die "host route '$r' overlaps the lab's IPv6 slot $LAB_SLOT6; remove it or wait for the test that made it"
  done < <(ip -6 route show table all)
  while read -r a; do
    overlaps6 "$a" "$LAB_SLOT6" && die "this host has address $a in the lab's IPv6 slot $LAB_SLOT6; remove it first"
  done < <(ip -6 -o addr show | awk '{ print $4 }')
  while read -r a; do
    overlaps6 "$a" "$LAB_SLOT6" && die "resolver $a is in the lab's IPv6 slot $LAB_SLOT6; the blackhole would cut it off"
  done < <(awk '$1 == "nameserver" && $2 ~ /:/ { print $2 }' /etc/resolv.conf 2>/dev/null)
  for host in $(grep -rhoE 'https?://[^/ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
                | sed -E 's#^https?://##; s#:.*##' | sort -u) index.crates.io static.crates.io; do
    while read -r a; do
      overlaps "$a" "$LAB_SLOT" && die "package source $host ($a) is in the lab's slot $LAB_SLOT; the blackhole would cut it off"
    done < <(getent ahostsv4 "$host" 2>/dev/null | awk '{ print $1 }' | sort -u)
  done
  return 0
}

# Under the lock no other lab runs, so a run directory is a killed run's: its VMs (known
# by the pid files QEMU wrote) are stopped and the directory removed. A directory whose
# lab.sh still lives is left alone all the same, should the lock ever fail.
remove_stale_runs() {
  local dir pidfile pid owner
  for dir in /tmp/ltlab.??????; do
    [[ -d $dir ]] || continue
    owner=$(cat "$dir/owner.pid" 2>/dev/null) || owner=""
    if [[ -n $owner ]] && grep -qa 'lab\.sh' "/proc/$owner/cmdline" 2>/dev/null; then
      say "leaving $dir alone: its lab.sh ($owner) still runs"
      continue
    fi
    for pidfile in "$dir"/vm?.pid; do
      [[ -f $pidfile ]] || continue
      pid=$(<"$pidfile")
      if grep -qF "$dir/" "/proc/$pid/cmdline" 2>/dev/null; then
        say "stopping QEMU $pid of a killed lab run ($dir)"
        kill "$pid" 2>/dev/null || true
      fi
    done
    rm -rf "$dir"
  done
}

# ------------------------------------------------------------------------ the VMs

# Starts VM number $1 of $2 in the background ($3: run|shell); appends its pid to qemu_pids.
boot_vm() {
  local n=$1 of=$2 mode=$3 assets="$LAB_CACHE/current"
  # shellcheck disable=SC2054  # qemu's options are comma-separated
  local args=(
    -accel tcg,thread=multi -smp "${LAB_CPUS:-2}" -m "${LAB_MEM:-4096}"
    -nodefaults -no-user-config -display none -no-reboot -pidfile "$run_dir/vm$n.pid"
    -kernel "$assets/vmlinuz" -initrd "$assets/initrd.img"
    # cryptomgr.notests: the boot-time crypto self-tests cost seconds under emulation, and
    # once hung a CPU there for good.
    -append "console=ttyS0 quiet panic=-1 cryptomgr.notests lab.mode=$mode lab.role=vm$n lab.vms=$of"
    # The host's userland, read-only; the VM writes to a tmpfs overlay above it.
    -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
    -virtfs "local,path=$run_dir/share,mount_tag=lab,security_model=none,multidevs=remap"
  )
  if ((of == 1)); then
    args+=(-nic none)
  else
    # One LAN of two: each VM's NIC sends datagrams to the other's unix socket. No host
    # interface exists, so nothing on it can reach the host's network.
    local other=$((3 - n))
    args+=(
      -netdev "dgram,id=lan,local.type=unix,local.path=$run_dir/vm$n.sock,remote.type=unix,remote.path=$run_dir/vm$other.sock"
      -device "virtio-net-pci,netdev=lan,romfile=,mac=52:54:00:1a:b0:0$n"
    )
  fi
  if [[ $mode == shell && $n == 1 ]]; then
    # Ctrl-C goes to the VM's shell; Ctrl-A x ends the VM.
    # shellcheck disable=SC2054
    args+=(-chardev stdio,id=con,signal=off,mux=on -serial chardev:con -mon chardev=con)
    # 9>&-: a VM that outlives a killed lab.sh must not hold the lock.
    qemu-system-x86_64 "${args[@]}" 9>&- &
  else
    args+=(-serial "file:$run_dir/console-vm$n.log")
    qemu-system-x86_64 "${args[@]}" </dev/null >>"$run_dir/qemu-vm$n.log" 2>&1 9>&- &
  fi
  qemu_pids+=($!)
}

# Sets up the lock, the blackhole, the share (lanctl, the test image, the lab scripts) and
# boots $1 VMs in mode $2. Sets run_dir.
prepare_and_boot() {
  local vms=$1 mode=$2; shift 2
  local bin=${LANCTL_BIN:-$repo/target/debug/lanctl}
  [[ -x $bin ]] || die "no lanctl binary at $bin; run cargo build, or set LANCTL_BIN"
  # jq and curl are the scenarios' tools, arping lanctl's LAN probe: the VM runs this
  # host's userland, so what is installed here is what the VM has.
  ensure_packages qemu-system-x86 kmod busybox-static jq curl iputils-arping
  docker info >/dev/null 2>&1 || die "the host's docker daemon is not reachable; the lab builds its test image there (start dockerd)"
  take_lock
  assets_fresh || bash "$lab/build.sh"

  local prep
  prep=$(now)
  check_slot_free
  remove_stale_runs
  ip -4 route show type blackhole | grep -q "^blackhole $LAB_SLOT " || ip route add blackhole "$LAB_SLOT"
  blackholed=1
  ip -6 route show type blackhole | grep -q "^blackhole $LAB_SLOT6 " || ip -6 route add blackhole "$LAB_SLOT6"
  blackholed6=1

  run_dir=$(mktemp -d /tmp/ltlab.XXXXXX)
  echo $$ >"$run_dir/owner.pid"
  local share="$run_dir/share"
  mkdir -p "$share/bin" "$share/sync" "$share/out/vm1" "$share/out/vm2"
  cp "$bin" "$share/bin/lanctl"
  cp -r "$lab" "$share/lab"
  : > "$share/scenarios"
  (($# == 0)) || printf '%s\n' "$@" > "$share/scenarios"
  stty size 2>/dev/null > "$share/tty-size" || true
  [[ ${LAB_VERBOSE:-0} == 0 ]] || touch "$share/verbose"
  "$repo/tests/image/build.sh" >/dev/null
  docker save -o "$share/image.tar" lanctl-test/media:latest

  say "host side ready in $(since "$prep") s (route, share, test image)"
  boot_all "$vms" "$mode"
}

boot_all() {
  local n
  for n in $(seq "$1"); do boot_vm "$n" "$1" "$2"; done
}

# Stops the VMs and forgets what they wrote, for a second boot.
stop_vms() {
  local pid
  for pid in "${qemu_pids[@]}"; do
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  qemu_pids=()
  rm -f "$run_dir"/share/out/vm*/report "$run_dir"/share/sync/* "$run_dir"/console-vm*.log "$run_dir"/*.sock
}

# 0 once every VM reported that it is up, or stopped, or said why it cannot come up (the
# run then reports that); 1 when one is still booting after LAB_BOOT_TIMEOUT seconds.
wait_up() {
  local vms=$1 deadline=$((SECONDS + ${LAB_BOOT_TIMEOUT:-300})) n up pid
  while ((SECONDS < deadline)); do
    up=0
    for n in $(seq "$vms"); do
      grep -qE "^(lab: vm$n up|fail lab)" "$run_dir/share/out/vm$n/report" 2>/dev/null && up=$((up + 1))
    done
    ((up == vms)) && return 0
    for pid in "${qemu_pids[@]}"; do kill -0 "$pid" 2>/dev/null || return 0; done
    sleep 1
  done
  return 1
}

# Prints the lines of a VM's report as they come until the VM ends: verdicts to stdout,
# the lab's own notes to stderr.
follow_report() {
  local f=$1 pid=$2
  touch "$f"
  # A new bash, not a loop in this one: a fork of this shell would keep a copy of the
  # lock's descriptor (and mawk, Debian's awk, holds lines back until its buffer fills).
  # shellcheck disable=SC2016  # the loop is for the new bash to expand
  tail -n +1 -F --pid="$pid" "$f" 2>/dev/null | bash -c '
    while IFS= read -r line; do
      case $line in
        lab:*) printf "%s\n" "$line" >&2 ;;
        *) printf "%s\n" "$line" ;;
      esac
    done'
}

cmd_run() {
  local vms=1
  if [[ ${1:-} == --two ]]; then vms=2; shift; fi
  local dir="$lab/scenarios" all=() s
  ((vms == 1)) || dir="$lab/scenarios/two"
  mapfile -t all < <(scenario_names "$dir")
  for s in "$@"; do
    printf '%s\n' "${all[@]}" | grep -qx -- "$s" \
      || { echo "lab: no scenario $s; have: ${all[*]}" >&2; exit 2; }
  done
  need_root run
  trap teardown EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM HUP
  local start
  start=$(now)
  prepare_and_boot "$vms" run "$@"
  say "booted $vms VM(s) in ${run_dir} (kernel $(cut -d' ' -f1 "$LAB_CACHE/current/ready"))"
  # Emulation rarely hangs a boot for good (a CPU stuck in the kernel's crypto self-tests
  # once): that is the emulator's, not lanctl's, so the boot gets one more try.
  if ! wait_up "$vms"; then
    say "a VM was not up after ${LAB_BOOT_TIMEOUT:-300} s; its console ends with:"
    tail -n 5 "$run_dir"/console-vm*.log | sed 's/^/    | /' >&2
    say "booting again"
    stop_vms
    boot_all "$vms" run
  fi

  local limit=${LAB_TIMEOUT:-900} report="$run_dir/share/out/vm1/report"
  # One-second sleeps: killing the watchdog then leaves no long sleep behind; and it ends
  # with this script ($$), so it never kills a pid that a killed run's VM left to reuse.
  (
    for ((i = 0; i < limit; i++)); do
      sleep 1
      kill -0 $$ 2>/dev/null || exit 0
    done
    echo "lab: timed out after $limit s" >>"$report"
    kill "${qemu_pids[@]}" 2>/dev/null
  ) 9>&- &
  local watchdog=$!
  follow_report "$report" "${qemu_pids[0]}" 9>&-
  # vm2 powers off once vm1 is done with it; a minute is plenty.
  local pid
  for pid in "${qemu_pids[@]:1}"; do
    for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  kill "$watchdog" 2>/dev/null || true
  wait "$watchdog" 2>/dev/null || true

  local ok=1 stopped=0
  if ! grep -q '^lab: finished' "$report"; then
    ok=0
    stopped=1
    echo "fail lab: the VM stopped before the scenarios finished; its console ends with:"
    tail -n 30 "$run_dir/console-vm1.log" 2>/dev/null | sed 's/^/    | /'
  fi
  grep -q '^fail ' "$report" && ok=0
  if ((vms == 2)) && ((ok == 0)); then
    echo "lab: vm2's report:" >&2
    sed 's/^/    vm2| /' "$run_dir/share/out/vm2/report" >&2 2>/dev/null || true
  fi
  local passed failed pending
  passed=$(grep -c '^pass ' "$report" || true)
  failed=$(($(grep -c '^fail ' "$report" || true) + stopped))
  pending=$(grep -c '^pend ' "$report" || true)
  say "run took $(since "$start") s"
  # Pending scenarios count as skipped: the closing line CI reads is 'N passed, N failed'.
  echo "lab: $passed passed, $failed failed, $pending skipped"
  ((ok == 1))
}

cmd_shell() {
  local vms=1
  if [[ ${1:-} == --two ]]; then vms=2; shift; fi
  need_root shell
  trap teardown EXIT
  trap 'exit 143' TERM HUP
  prepare_and_boot "$vms" shell
  say "booting (about half a minute); 'exit' powers the VM off, Ctrl-A x kills it"
  wait "${qemu_pids[0]}" || true
}

main() {
  case ${1:-} in
    build) need_root build; take_lock; bash "$lab/build.sh" ;;
    run) shift; cmd_run "$@" ;;
    shell) shift; cmd_shell "$@" ;;
    list) scenario_names "$lab/scenarios"; scenario_names "$lab/scenarios/two" | sed 's/$/ (--two)/' ;;
    clean) need_root clean; take_lock; rm -rf "$LAB_CACHE"; say "removed $LAB_CACHE" ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

# One line: bash has read all of it before it runs, so editing this file during a run
# cannot change what the run does next.
main "$@"; exit
