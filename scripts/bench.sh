#!/usr/bin/env bash
# Benchmarks lanctl against bare docker on the real engine.
#
#   sudo scripts/bench.sh [--rounds N]
#
# Needs root, docker, a local test image (never pulled) and iproute2. Progress goes to
# stderr; the results (markdown) go to stdout. Each comparison is measured side by side in
# one run: every round runs each variant once, in an order that rotates from round to
# round, and the table shows medians and the ratio of the medians.
#
# Environment (all optional):
#   ROUNDS=5        rounds for comparisons 1, 1′, 4 and (by default) 3 (--rounds sets it)
#   ROUNDS2=3       rounds for comparison 2 (a container publishing 1000 ports is slow)
#   ROUNDS3=ROUNDS  rounds for comparison 3 (32 tenants)
#   PARALLELS="default 8"   the --parallel values tried in comparison 3
#   PUB_TIMEOUT=300 seconds each run of comparison 2 may take before it is killed
#   FAKE_RUNS=100   hyperfine runs for comparison 5
#   PROBE32=1       also time one `lanctl up --count 32` with the LAN probe on (0: skip)
#   ONLY="1 2 3 4 5"  the comparisons to run (6 to 12 only when named)
#   FLOOD=1000000   ARP frames comparison 11 sends at check --watch
#   ROUNDS6=ROUNDS  rounds for comparison 6 (Compose: 32 services up / again / down)
#   VARIANTS6="compose lanctl lprobe ldef lapply seq par32 par4"  the variants of 6 to run
#   ROUNDS7=ROUNDS  rounds for comparison 7 (scale: reads and one more up at SCALE tenants)
#   ROUNDS7B=ROUNDS7  rounds for 7's 120-tenant batch vs a sequential loop
#   ROUNDS8=3       rounds for comparison 8 (peak RSS of lanctl and docker-compose)
#   SCALE="1 32 120"  the tenant counts of comparison 7
#   ROUNDS12=ROUNDS  rounds for comparison 12 (dual-stack up against IPv4-only)
#   SETTLE=3        seconds to let the engine finish removals before the next timed run
#   IMAGE=lanctl-test/media:latest   the image: local only (tests/image/build.sh makes it if missing)
#   LANCTL=target/release/lanctl     the binary (built with cargo build --release if absent)
#
# Comparisons 6 to 8 (issue 15):
#   6  docker-compose (1.29) of 32 services on lanctl's network (external, static
#      ipv4_address, same image and restart policy): up -d / up -d again / down, against
#      lanctl up --count 32 (without and with the probe) / apply FLEET.json / down NAMES;
#      with the defaults on (probe and readiness, issue 26): up --count 32, and apply of
#      FLEET.json from nothing then again (nothing to do); and the daemon's floor: the 32
#      bare docker run lines sequential, 4 and 32 at once.
#   7  at SCALE tenants: lanctl ls, net show, net ls, apply (nothing to do), one more up --no-probe vs its bare
#      docker run line; then 120 tenants in one lanctl up vs a sequential loop.
#   8  peak RSS (VmHWM at exit of the process itself, scripts/peak-rss.py) of lanctl up,
#      apply, ls, net show, down and of docker-compose up, ps, down.
#   9  timelines: when each docker/ip process of lanctl up, apply, ls, net show started
#      and ended (wrappers on PATH), to show where the time goes; with 6's defaults, also
#      apply of the 32 from nothing and up --count 32.
#  10  readiness (issue 26), ROUNDS10 rounds (default ROUNDS): the bare docker run line
#      against lanctl up with its defaults (probe, readiness), --wait 0 and --no-probe
#      --wait 0, rotated in each round so load falls on every variant; a tenant of
#      lanctl-test/sh whose port opens 3 s after its start (`--ready tcp:8080`), reported
#      by how long after the 3 s it is ready; and 32 tenants with `--ready tcp:80` against
#      the same 32 with --wait 0 (the batch's readiness costs at most the slowest tenant's
#      own readiness, one tenant's `--ready tcp:80` minus its --wait 0, plus 1 s).
#
#  11  the RSS of `lanctl check --watch` (issue 23) while FLOOD gratuitous ARPs from 8192
#      MACs claim a tenant's address (scripts/arp-flood.py, from the peer's namespace):
#      sampled every 0.5 s, at the start, at the end and its peak; flat is the goal.
#  12  dual-stack (issue 22), ROUNDS12 rounds (default ROUNDS): one tenant's lanctl up on a
#      dual-stack macvlan network on the bench's veth against the same on an IPv4-only one
#      on a second veth beside it (docker allows one macvlan network per parent), with the
#      defaults, --wait 0 and --no-probe --wait 0; and the docker/ip processes lanctl ls
#      starts with an IPv4-only tenant and with a dual-stack one (wrappers on PATH). It
#      runs last and replaces the bench network ($SUBNET is split in two /27s); the IPv6
#      subnet 2001:db8:51:80::/64 is blackholed for the run like the IPv4 one.
#
# Network safety: the parent is a veth pair made here (ltb0a, its peer ltb0b inside the
# netns ltb0n), the subnet is 198.51.100.128/26, the benchmark's slot of TEST-NET-2
# (tests/testsuite/common/mod.rs lists the slots); with comparison 7 (121 tenants at once) it is
# 198.51.100.0/25, the real-engine tests' slots, which is safe because the run holds their
# lock throughout. It is checked against the host's routes and
# addresses and against the addresses the host depends on (apt sources, resolvers, cargo
# registries), then blackholed for the whole run, so nothing reaches a real network.
# Every docker resource is named ltb*; all of it, the veth pair and the blackhole route
# are removed on exit, also on failure or interrupt, and /run/lanctl-tests/<pid>-bench.held
# records them meanwhile, so scripts/cleanup-test-leftovers.sh can remove them if the run
# is killed. The run holds /tmp/lanctl-real-tests.lock so it never overlaps the
# real-engine tests of others.
set -uo pipefail

ROUNDS="${ROUNDS:-5}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS="${2:?--rounds needs a number}"; shift 2 ;;
    --rounds=*) ROUNDS="${1#*=}"; shift ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done
ROUNDS2="${ROUNDS2:-3}"
ROUNDS3="${ROUNDS3:-$ROUNDS}"
PARALLELS="${PARALLELS:-default 8}"
PUB_TIMEOUT="${PUB_TIMEOUT:-300}"
FAKE_RUNS="${FAKE_RUNS:-100}"
PROBE32="${PROBE32:-1}"
SETTLE="${SETTLE:-3}"
ONLY="${ONLY:-1 2 3 4 5}"
ROUNDS6="${ROUNDS6:-$ROUNDS}"
ROUNDS7="${ROUNDS7:-$ROUNDS}"
ROUNDS7B="${ROUNDS7B:-$ROUNDS7}"
ROUNDS8="${ROUNDS8:-3}"
ROUNDS10="${ROUNDS10:-$ROUNDS}"
ROUNDS12="${ROUNDS12:-$ROUNDS}"
VARIANTS6="${VARIANTS6:-compose lanctl lprobe ldef lapply seq par32 par4}"
SCALE="${SCALE:-1 32 120}"
[[ "$SETTLE" =~ ^[0-9]+$ ]] || { echo "bench.sh: SETTLE must be a number of seconds" >&2; exit 2; }
for v in ROUNDS ROUNDS2 ROUNDS3 ROUNDS6 ROUNDS7 ROUNDS7B ROUNDS8 ROUNDS10 ROUNDS12 PUB_TIMEOUT FAKE_RUNS; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: $v must be a positive integer" >&2; exit 2; }
done

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo" || exit 1
IMAGE="${IMAGE:-lanctl-test/media:latest}"
LANCTL="${LANCTL:-$repo/target/release/lanctl}"

SUBNET=198.51.100.128/26
GATEWAY=198.51.100.129
RANGE=198.51.100.140-198.51.100.189   # 50 addresses: comparison 4 holds 33 tenants at once
if [[ " ${ONLY:-} " == *" 7 "* ]]; then
  # Comparison 7 holds 121 tenants at once, more than the /26 slot has. It widens to the
  # lower half of TEST-NET-2, the slots of the real-engine tests: safe only because this
  # run holds their lock (below) for its whole length, and checked and blackholed as the
  # slot is. Never anything outside 198.51.100.0/24.
  SUBNET=198.51.100.0/25
  GATEWAY=198.51.100.1
  RANGE=198.51.100.4-198.51.100.126   # 123 addresses
fi
VETH=ltb0a
PEER=ltb0b
PEER_NS=ltb0n   # the peer lives here, so frames leaving the parent reach nothing else
NET=ltbnet
N=32

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

[[ $EUID -eq 0 ]] || die "run as root (it creates a veth pair, a route and docker networks)"
command -v docker >/dev/null || die "docker is not installed"
command -v ip >/dev/null || die "ip (iproute2) is not installed"
command -v jq >/dev/null || die "jq is not installed (apt-get install jq)"
docker version >/dev/null 2>&1 || die "the docker engine does not answer"
unset LANCTL_DOCKER LANCTL_ARPING LANCTL_PROBE
REAL_DOCKER="$(command -v docker)"

if [[ ! -x "$LANCTL" ]]; then
  say "building lanctl (cargo build --release)"
  cargo build --release >&2 || die "cargo build failed"
fi

# ---------------------------------------------------------------- lock, cleanup
LOCK=/tmp/lanctl-real-tests.lock
HOLDER=/tmp/lanctl-real-tests.holder
exec 9>"$LOCK"
if ! flock -n 9; then
  if read -r hpid hsince hwhat 2>/dev/null <"$HOLDER"; then
    say "waiting for the real-engine test lock held by pid $hpid ($hwhat) since $(date -u -d "@$hsince" '+%F %T UTC')"
  else
    say "waiting for the real-engine test lock held by a process that left no $HOLDER"
  fi
  flock 9
fi
echo "$$ $(date +%s) bench.sh" >"$HOLDER"
HELD_DIR=/run/lanctl-tests
HELD="$HELD_DIR/$$-bench.held"

WORK="$(mktemp -d /tmp/ltb-bench.XXXXXX)"
# A copy, so a rebuild of target/ by someone else during the run changes nothing here.
LANCTL_SRC="$LANCTL"
cp "$LANCTL_SRC" "$WORK/lanctl" || die "cannot copy $LANCTL_SRC"
LANCTL="$WORK/lanctl"
LANCTL_ID="$("$LANCTL" --version), sha256 $(sha256sum "$LANCTL" | cut -c1-12), built $(date -u -r "$LANCTL_SRC" '+%Y-%m-%d %H:%M UTC')"
COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
if ! git diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || [[ -n "$(git ls-files --others --exclude-standard src)" ]]; then
  COMMIT="$COMMIT + uncommitted changes in src/"
fi
STALE="$(find src Cargo.toml Cargo.lock -newer "$LANCTL_SRC" -type f 2>/dev/null | head -3 | tr '\n' ' ')"
[[ -n "$STALE" ]] && say "warning: $LANCTL_SRC is older than $STALE- rebuild with cargo build --release"
LOG="$WORK/commands.log"
ADDED_ROUTE=0
ADDED_ROUTE6=0
ADDED_VETH2=0
VETH2=ltb1a   # comparison 12's second parent, its peer in the same namespace
PEER2=ltb1b
SUBNET6=2001:db8:51:80::/64   # comparison 12's IPv6 subnet
ADDED_VETH=0
ADDED_NS=0

ltb_containers() { docker ps -a --format '{{.Names}}' 2>/dev/null | grep '^ltb' || true; }

cleanup() {
  local rc=$? names nets n err
  set +e
  trap - EXIT INT TERM
  say "cleaning up"
  names="$(ltb_containers)"
  # shellcheck disable=SC2086
  [[ -n "$names" ]] && timeout 600 docker rm -f $names >/dev/null 2>&1
  nets="$(docker network ls --format '{{.Name}}' 2>/dev/null | grep '^ltb')"
  for n in $nets; do
    # Docker 20.10 can keep a removed container's endpoint counted ("has active endpoints"
    # with no container): a second try after the engine settles, then a loud warning, since
    # the network's subnet then blocks every overlapping network until dockerd restarts.
    docker network rm "$n" >/dev/null 2>&1 && continue
    sleep 5
    err="$(docker network rm "$n" 2>&1 >/dev/null)" || say "warning: cannot remove network $n: $err"
  done
  [[ -n "${WATCH_PID:-}" ]] && kill -TERM "$WATCH_PID" 2>/dev/null && wait "$WATCH_PID" 2>/dev/null
  [[ -n "${FLOOD_PID:-}" ]] && kill "$FLOOD_PID" 2>/dev/null
  [[ $ADDED_VETH == 1 ]] && ip link del "$VETH" 2>/dev/null
  [[ $ADDED_VETH2 == 1 ]] && ip link del "$VETH2" 2>/dev/null
  [[ $ADDED_NS == 1 ]] && ip netns del "$PEER_NS" 2>/dev/null
  [[ $ADDED_ROUTE == 1 ]] && ip route del blackhole "$SUBNET" 2>/dev/null
  [[ $ADDED_ROUTE6 == 1 ]] && ip -6 route del blackhole "$SUBNET6" 2>/dev/null
  rm -rf "$WORK"
  # The record goes once what it lists is gone; before it was written, nothing was made.
  if [[ -e $HELD ]]; then
    if [[ -n "$(ltb_containers)" ]] || docker network ls --format '{{.Name}}' 2>/dev/null | grep -q '^ltb' || { [[ $ADDED_VETH == 1 ]] && ip link show "$VETH" >/dev/null 2>&1; } \
       || { [[ $ADDED_VETH2 == 1 ]] && ip link show "$VETH2" >/dev/null 2>&1; } \
       || { [[ $ADDED_NS == 1 ]] && ip netns list | grep -q "^$PEER_NS\b"; } \
       || { [[ $ADDED_ROUTE == 1 ]] && [[ -n "$(ip -4 route show type blackhole "$SUBNET")" ]]; } \
       || { [[ $ADDED_ROUTE6 == 1 ]] && [[ -n "$(ip -6 route show type blackhole "$SUBNET6")" ]]; }; then
      say "warning: leftovers remain ($(ltb_containers | tr '\n' ' ')); $HELD stays for scripts/cleanup-test-leftovers.sh"
    else
      rm -f "$HELD"
    fi
  fi
  rm -f "$HOLDER"
  exit "$rc"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

# ---------------------------------------------------------------- safety checks
# The subnet must not overlap any route or address of this host, nor hold an address the
# host depends on: blackholing a package mirror or a resolver would cut the host off.
ip4() { local IFS=.; read -r a b c d <<<"$1"; echo $(( (a << 24) | (b << 16) | (c << 8) | d )); }
overlaps() { # CIDR CIDR
  local n1="${1%/*}" l1="${1#*/}" n2="${2%/*}" l2="${2#*/}" l m
  [[ "$1" == */* ]] || l1=32
  [[ "$2" == */* ]] || l2=32
  l=$(( l1 < l2 ? l1 : l2 ))
  m=$(( l == 0 ? 0 : (0xffffffff << (32 - l)) & 0xffffffff ))
  (( ($(ip4 "$n1") & m) == ($(ip4 "$n2") & m) ))
}
# Never anything outside TEST-NET-2 (the real-engine tests' /24), whatever the slot.
[[ "${SUBNET#*/}" -ge 24 ]] && overlaps "$SUBNET" 198.51.100.0/24 || die "$SUBNET is not inside 198.51.100.0/24; not running"
while read -r dst; do
  [[ -z "$dst" || "$dst" == default ]] && continue
  [[ "$dst" =~ ^[0-9.]+(/[0-9]+)?$ ]] || continue
  overlaps "$dst" "$SUBNET" && die "a route to $dst overlaps $SUBNET; not running"
done < <(ip -j -4 route show table all | jq -r '.[].dst')
while read -r a; do
  [[ -n "$a" ]] && overlaps "$a" "$SUBNET" && die "the host has address $a in $SUBNET; not running"
done < <(ip -j -4 addr show | jq -r '.[].addr_info[]?.local')
# Hosts of apt's sources: one-line (deb [options] URI ...) and deb822 (URIs: ...).
apt_uris() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -r $f ]] && sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk '$1 == "deb" || $1 == "deb-src" { print $2 }'
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -r $f ]] && awk 'tolower($1) == "uris:" { on = 1; for (i = 2; i <= NF; i++) print $i; next }
      /^[ \t]/ && on { for (i = 1; i <= NF; i++) print $i; next } { on = 0 }' "$f"
  done
}
uri_host() { sed -E -n 's|^[^:]*://([^/]*@)?([^/:]+).*|\2|p'; }
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
dependencies() { # "NAME WHAT" lines
  apt_uris | uri_host | sed 's/$/ apt-source/'
  printf '%s cargo-registry\n' index.crates.io static.crates.io
  cat "$cargo_home/config.toml" "$cargo_home/config" 2>/dev/null | sed 's/#.*//' \
    | grep -oE "[\"'][^\"']*://[^\"']*[\"']" | tr -d "\"'" | uri_host | sed 's/$/ cargo-registry/'
  awk '$1 == "nameserver" { print $2, "resolver" }' /etc/resolv.conf 2>/dev/null
}
while read -r name what; do
  # getent: a name that does not resolve is skipped (the host cannot reach it anyway).
  for a in $(getent ahostsv4 "$name" 2>/dev/null | awk '{ print $1 }' | sort -u); do
    overlaps "$a" "$SUBNET" && die "$SUBNET holds $a, the address of $name ($what) this host needs; not running"
  done
done < <(dependencies | sort -u)
if [[ -n "$(ltb_containers)" ]] || docker network ls --format '{{.Name}}' | grep -q '^ltb'; then
  die "ltb* containers or networks exist already (a run in progress, or leftovers): remove them first"
fi
ip link show "$VETH" >/dev/null 2>&1 && die "$VETH exists already (a run in progress, or a leftover)"
ip netns list | grep -q "^$PEER_NS\b" && die "netns $PEER_NS exists already (a run in progress, or a leftover)"

# Recorded before anything is made, so a kill at any later point leaves a record.
mkdir -p "$HELD_DIR" || die "cannot create $HELD_DIR"
{
  echo "pid $$"
  stat=$(cat /proc/$$/stat); stat=${stat##*) }; read -ra st <<<"$stat"; echo "start ${st[19]}"
  echo "boot $(cat /proc/sys/kernel/random/boot_id)"
  echo "owner bench.sh"
  echo "prefix ltb"
  echo "blackhole $SUBNET"
} >"$HELD.tmp" && mv "$HELD.tmp" "$HELD" || die "cannot write $HELD"
ip route add blackhole "$SUBNET" || die "cannot add the blackhole route"
ADDED_ROUTE=1
ip netns add "$PEER_NS" || die "cannot create the namespace $PEER_NS"
ADDED_NS=1
ip link add "$VETH" type veth peer name "$PEER" || die "cannot create the veth pair"
ADDED_VETH=1
ip link set "$PEER" netns "$PEER_NS" || die "cannot move $PEER into $PEER_NS"
ip link set "$VETH" up && ip -n "$PEER_NS" link set "$PEER" up || die "cannot bring the veth pair up"

# ---------------------------------------------------------------- image
if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  if [[ "$IMAGE" == lanctl-test/media:latest && -x tests/image/build.sh ]]; then
    say "building $IMAGE with tests/image/build.sh"
    tests/image/build.sh >&2 || die "tests/image/build.sh failed"
  else
    say "building a busybox image ltb/busybox:latest (no registry needed)"
    bb=/bin/busybox
    [[ -x $bb ]] && ! ldd "$bb" >/dev/null 2>&1 || die "a static /bin/busybox is needed (apt-get install busybox-static)"
    mkdir -p "$WORK/img" && cp "$bb" "$WORK/img/busybox"
    printf '%s\n' 'FROM scratch' 'COPY busybox /bin/busybox' 'RUN ["/bin/busybox", "--install", "-s", "/bin"]' \
      'ENTRYPOINT ["/bin/httpd", "-f", "-p", "80"]' > "$WORK/img/Dockerfile"
    DOCKER_BUILDKIT=0 docker build -q -t ltb/busybox:latest "$WORK/img" >&2 || die "docker build failed"
    IMAGE=ltb/busybox:latest
  fi
fi

# ---------------------------------------------------------------- helpers
# Runs "$@" in this shell, output to the log; sets T_MS (milliseconds, one decimal).
T_MS=0
timed() {
  local t0 t1 rc
  echo "== $*" >>"$LOG"
  t0=$(date +%s%N)
  "$@" >>"$LOG" 2>&1
  rc=$?
  t1=$(date +%s%N)
  T_MS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')
  return $rc
}
declare -A S=() FAILS=()
# record KEY: appends T_MS to the samples of KEY, or counts a failure.
record() { # KEY RC
  if [[ $2 -eq 0 ]]; then S[$1]="${S[$1]:-} $T_MS"; else FAILS[$1]=$(( ${FAILS[$1]:-0} + 1 )); S[$1]="${S[$1]:-} FAIL"; fi
}
median() { # values... (FAIL ignored)
  printf '%s\n' "$@" | grep -v -e FAIL -e '^$' | sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "n/a"; exit }
    if (NR % 2) printf "%.1f\n", v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
med() { # KEY
  # shellcheck disable=SC2086
  median ${S[$1]:-}
}
minmax() { stats "$1" | sed -e 's/^[0-9]* runs, //' -e 's/median [0-9.]*, //'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }
# Eval each line of a file in turn, stopping at the first failure: the "before lanctl" way.
run_lines() { local l; while IFS= read -r l; do eval "$l" || return 1; done <"$1"; }
# After removing containers the daemon and fuse-overlayfs go on working for a while.
settle() { sleep "$SETTLE"; }
rm_names() { [[ $# -gt 0 ]] && timeout 600 docker rm -f "$@" >/dev/null 2>&1; return 0; }
# Items of an array rotated by $1, so every variant goes first in some round.
rotate() { local k=$1; shift; local a=("$@") n=$# i; for ((i = 0; i < n; i++)); do echo "${a[(i + k) % n]}"; done; }
fmt_samples() { echo "${S[$1]:-}" | sed 's/^ //'; }

# --wait 0: the bare `docker run` returns once the container is started and watches
# nothing, so lanctl is timed without its health watch (2 s by default) too.
UP=(up --net "$NET" --image "$IMAGE" --pull never --ip-env LOCAL_IP --wait 0)
# The same with lanctl's defaults: the probe and the readiness wait (issue 26).
UPD=(up --net "$NET" --image "$IMAGE" --pull never --ip-env LOCAL_IP)

# ---------------------------------------------------------------- network
say "creating network $NET (macvlan on $VETH, $SUBNET, range $RANGE)"
if ! "$LANCTL" net create "$NET" --driver macvlan --parent "$VETH" --subnet "$SUBNET" \
  --gateway "$GATEWAY" --ip-range "$RANGE" >>"$LOG" 2>"$WORK/netcreate.err"; then
  cat "$WORK/netcreate.err" >&2
  die "lanctl net create failed"
fi
NETCREATE_WARN="$(grep -i warn "$WORK/netcreate.err" || true)"

HAVE_ARPING=no
command -v arping >/dev/null && HAVE_ARPING=yes

want() { [[ " $ONLY " == *" $1 "* ]]; }

# The 32 names and the 32 lines lanctl plans for them (used by 3, 4 and 5).
P3=ltb-r
NAMES3=()
for ((i = 1; i <= N; i++)); do NAMES3+=("$P3$i"); done
"$LANCTL" --dry-run "${UP[@]}" --no-probe --count "$N" --prefix "$P3" >"$WORK/lines32.sh" 2>>"$LOG" \
  || die "lanctl --dry-run up --count $N failed"
[[ "$(grep -c '^docker run ' "$WORK/lines32.sh")" -eq $N && "$(wc -l <"$WORK/lines32.sh")" -eq $N ]] \
  || die "dry run did not print $N docker run lines"

# ================================================================ 5. lanctl's own cost
if want 5; then
  say "5. lanctl --dry-run up --count $N against a fake docker and ip"
  FAKE="$WORK/fake"
  mkdir -p "$FAKE/bin"
  docker network ls --no-trunc --format '{{json .}}' | jq -c --arg n "$NET" 'select(.Name == $n)' >"$FAKE/netls.json"
  docker network inspect "$NET" >"$FAKE/netinspect.json"
  cat >"$FAKE/bin/docker" <<EOF
#!/bin/sh
[ -n "\${FAKE_LOG:-}" ] && printf 'docker %s\n' "\$*" >>"\$FAKE_LOG"
case "\$1 \$2" in
  "network ls") cat "$FAKE/netls.json" ;;
  "network inspect") cat "$FAKE/netinspect.json" ;;
  "ps "*) ;;
  "container inspect") echo '[]' ;;
  *) echo "fake docker: unexpected: \$*" >&2; exit 1 ;;
esac
EOF
  cat >"$FAKE/bin/ip" <<EOF
#!/bin/sh
[ -n "\${FAKE_LOG:-}" ] && printf 'ip %s\n' "\$*" >>"\$FAKE_LOG"
[ "\$*" = "-j addr show" ] && { echo '[]'; exit 0; }
echo "fake ip: unexpected: \$*" >&2; exit 1
EOF
  cat >"$FAKE/bin/arping" <<EOF
#!/bin/sh
[ -n "\${FAKE_LOG:-}" ] && printf 'arping %s\n' "\$*" >>"\$FAKE_LOG"
# What iputils prints when nothing answers: lanctl reads "taken" only from a reply line.
printf 'Sent 1 probes (1 broadcast(s))\nReceived 0 response(s)\n'
exit 0
EOF
  chmod +x "$FAKE/bin/"*
  # docker and ip come from PATH, so the plan reads `docker run ...` as for real.
  FAKE_PROBE_CMD=("$LANCTL" --dry-run up --net "$NET" --image "$IMAGE" --pull never
    --ip-env LOCAL_IP --count "$N" --prefix "$P3")
  FAKE_CMD=("${FAKE_PROBE_CMD[@]}" --no-probe)
  REAL_PATH="$PATH"
  export PATH="$FAKE/bin:$PATH"
  # Sanity: the plan against the fake is the plan against the real engine.
  FAKE_LOG="$FAKE/calls.log" "${FAKE_CMD[@]}" >"$FAKE/plan.sh" 2>>"$LOG" || die "dry run against the fake failed"
  cmp -s "$FAKE/plan.sh" "$WORK/lines32.sh" || die "the plan against the fake differs from the real one"
  FAKE_CALLS="$(cat "$FAKE/calls.log")"
  FAKE_NCALLS="$(wc -l <"$FAKE/calls.log")"
  # The arping fallback: the native probe would open a real socket on the parent.
  FAKE_LOG="$FAKE/calls-probe.log" LANCTL_PROBE=arping LANCTL_ARPING="$FAKE/bin/arping" "${FAKE_PROBE_CMD[@]}" >/dev/null 2>>"$LOG" \
    || die "dry run with the fake arping failed"
  FAKE_NCALLS_PROBE="$(wc -l <"$FAKE/calls-probe.log")"
  fake_time() { # KEY command...
    local key=$1; shift
    if command -v hyperfine >/dev/null; then
      # -N: no shell in between; no word of these commands has a space.
      hyperfine -N --warmup 5 --runs "$FAKE_RUNS" --export-json "$WORK/hf.json" "$*" >>"$LOG" 2>&1 \
        || { S[$key]=" FAIL"; FAILS[$key]=1; return; }
      S[$key]=" $(jq -r '.results[0].times[] * 1000' "$WORK/hf.json" | tr '\n' ' ')"
    else
      local i
      for ((i = 0; i < FAKE_RUNS; i++)); do timed "$@"; record "$key" $?; done
    fi
  }
  TIMER="a date +%s%N loop"
  command -v hyperfine >/dev/null && TIMER="hyperfine $(hyperfine --version | awk '{print $2}')"
  fake_time 5.noprobe "${FAKE_CMD[@]}"
  export LANCTL_ARPING="$FAKE/bin/arping" LANCTL_PROBE=arping
  fake_time 5.fakeprobe "${FAKE_PROBE_CMD[@]}"
  unset LANCTL_ARPING LANCTL_PROBE
  export PATH="$REAL_PATH"
  # For scale: the same dry run against the real engine (its queries are real docker calls).
  for ((r = 0; r < ROUNDS; r++)); do
    timed "${FAKE_CMD[@]}"
    record 5.real $?
  done
fi

# ================================================================ 1. one tenant
T1=ltb1
LINE1="$("$LANCTL" --dry-run "${UP[@]}" --no-probe "$T1" 2>>"$LOG")" || die "lanctl --dry-run up failed"
[[ "$(wc -l <<<"$LINE1")" -eq 1 && "$LINE1" == docker\ run\ * ]] || die "unexpected dry-run output: $LINE1"
if want 1; then
  say "1. one tenant: lanctl up (native probe, arping probe, no-probe) vs the docker run line it prints; $ROUNDS rounds"
  # probe: the default as root, the native ARP probe. dry/dryprobe: the same run planned
  # only (reads, and the probe, which is a read, but no docker run): their difference is
  # the probe alone, with nothing answering.
  V1=(bare noprobe probe dry dryprobe)
  [[ $HAVE_ARPING == yes ]] && V1+=(arping)
  for ((r = 0; r < ROUNDS; r++)); do
    for v in $(rotate "$r" "${V1[@]}"); do
      case $v in
        bare) timed eval "$LINE1"; rc=$? ;;
        noprobe) timed "$LANCTL" "${UP[@]}" --no-probe "$T1"; rc=$? ;;
        probe) timed "$LANCTL" "${UP[@]}" "$T1"; rc=$? ;;
        arping) LANCTL_PROBE=arping timed "$LANCTL" "${UP[@]}" "$T1"; rc=$? ;;
        dry) timed "$LANCTL" --dry-run "${UP[@]}" --no-probe "$T1"; rc=$? ;;
        dryprobe) timed "$LANCTL" --dry-run "${UP[@]}" "$T1"; rc=$? ;;
      esac
      record "1.$v" $rc
      [[ $v == dry* ]] && { say "   round $((r + 1)) $v ${T_MS} ms (rc $rc)"; continue; }
      [[ $rc -eq 0 && -z "$(docker ps -q --filter "name=^/$T1\$" --filter status=running)" ]] && FAILS[1.$v.notrunning]=1
      rm_names "$T1"
      say "   round $((r + 1)) $v ${T_MS} ms (rc $rc)"
    done
  done
fi

# ================================================================ 10. readiness
if want 10; then
  say "10. readiness: bare docker run vs lanctl up (defaults, --wait 0, --no-probe --wait 0); $ROUNDS10 rounds"
  # The defaults: LAN probe, then the readiness wait (the running settle for this image).
  UPD=(up --net "$NET" --image "$IMAGE" --pull never --ip-env LOCAL_IP)
  V10=(bare default wait0 noprobe)
  for ((r = 0; r < ROUNDS10; r++)); do
    for v in $(rotate "$r" "${V10[@]}"); do
      case $v in
        bare) timed eval "$LINE1"; rc=$? ;;
        default) timed "$LANCTL" "${UPD[@]}" "$T1"; rc=$? ;;
        wait0) timed "$LANCTL" "${UPD[@]}" --wait 0 "$T1"; rc=$? ;;
        noprobe) timed "$LANCTL" "${UPD[@]}" --no-probe --wait 0 "$T1"; rc=$? ;;
      esac
      record "10.$v" $rc
      rm_names "$T1"
      say "   round $((r + 1)) $v ${T_MS} ms (rc $rc)"
    done
  done
  # A port that opens 3 s after the container's start: how long after that lanctl says so.
  LATE=()
  for ((r = 0; r < ROUNDS10; r++)); do
    err="$("$LANCTL" up --net "$NET" --image lanctl-test/sh:latest --pull never --no-probe --ready tcp:8080 --wait 20 "$T1" \
      -- 'sleep 3; exec httpd -f -p 8080 -h /' 2>&1 >/dev/null)"
    secs="$(sed -n 's/.* ready in \([0-9.]*\) s .*/\1/p' <<<"$err")"
    if [[ -n $secs ]]; then LATE+=("$(awk -v s="$secs" 'BEGIN { printf "%.1f", (s - 3) * 1000 }')"); else LATE+=(FAIL); FAILS[10.late]=1; fi
    rm_names "$T1"
    say "   round $((r + 1)) late port: $err"
  done
  S[10.late]=" ${LATE[*]}"
  # 32 at once with a port check, against the same 32 not waited for; and one tenant so.
  for ((r = 0; r < ROUNDS10; r++)); do
    for v in $(rotate "$r" ready32 wait32 ready1 wait1); do
      case $v in
        ready32) timed "$LANCTL" "${UPD[@]}" --no-probe --count "$N" --prefix "$P3" --ready tcp:80 --wait 30; rc=$?; rm_names "${NAMES3[@]}" ;;
        wait32) timed "$LANCTL" "${UPD[@]}" --no-probe --count "$N" --prefix "$P3" --wait 0; rc=$?; rm_names "${NAMES3[@]}" ;;
        ready1) timed "$LANCTL" "${UPD[@]}" --no-probe --ready tcp:80 --wait 30 "$T1"; rc=$?; rm_names "$T1" ;;
        wait1) timed "$LANCTL" "${UPD[@]}" --no-probe --wait 0 "$T1"; rc=$?; rm_names "$T1" ;;
      esac
      record "10.$v" $rc
      say "   round $((r + 1)) $v ${T_MS} ms (rc $rc)"
      settle
    done
  done
fi

# ================================================================ 2. vs 1000 published ports
SKIP2=""
if want 2; then
  say "2. one tenant vs a bridge container publishing 500 TCP + 500 UDP ports; $ROUNDS2 rounds, ${PUB_TIMEOUT}s timeout"
  PUB=ltb-pub
  PUB_CMD=(timeout "$PUB_TIMEOUT" docker run -d --name "$PUB" --pull never
    -p 30000-30499:30000-30499 -p 30000-30499:30000-30499/udp "$IMAGE")
  busy="$(ss -Htanu 2>/dev/null | awk '{ n = split($5, p, ":"); if (p[n] >= 30000 && p[n] <= 30499) print p[n] }' | head -3)"
  V2=(publish noprobe)
  [[ $HAVE_ARPING == yes ]] && V2+=(probe)
  if [[ -n "$busy" ]]; then
    say "   ports 30000-30499 are in use ($busy ...): skipping comparison 2"
    SKIP2="ports 30000-30499 in use"
  else
    for ((r = 0; r < ROUNDS2; r++)); do
      for v in $(rotate "$r" "${V2[@]}"); do
        case $v in
          publish)
            timed "${PUB_CMD[@]}"; rc=$?
            [[ $rc -eq 124 ]] && FAILS[2.publish.timeout]=$(( ${FAILS[2.publish.timeout]:-0} + 1 ))
            PROXIES="$(pgrep -c -x docker-proxy || true)"
            ;;
          noprobe) timed "$LANCTL" "${UP[@]}" --no-probe "$T1"; rc=$? ;;
          probe) timed "$LANCTL" "${UP[@]}" "$T1"; rc=$? ;;
        esac
        record "2.$v" $rc
        say "   round $((r + 1)) $v ${T_MS} ms (rc $rc)"
        if [[ $v == publish ]]; then
          timed rm_names "$PUB"
          record 2.rmpublish 0
          say "   (docker rm -f of it: ${T_MS} ms)"
          settle
        else
          rm_names "$T1"
        fi
      done
    done
  fi
fi

# ================================================================ 3. 32 tenants
DEFAULT_J=$(( $(nproc) * 2 )); (( DEFAULT_J < 2 )) && DEFAULT_J=2; (( DEFAULT_J > 8 )) && DEFAULT_J=8
if want 3; then
  say "3. $N tenants: lanctl up --count $N --parallel J vs a sequential loop of the lines it prints; $ROUNDS3 rounds"
  V3=(loop)
  for j in $PARALLELS; do V3+=("j$j"); done
  for ((r = 0; r < ROUNDS3; r++)); do
    for v in $(rotate "$r" "${V3[@]}"); do
      case $v in
        loop) timed run_lines "$WORK/lines32.sh"; rc=$? ;;
        jdefault) timed "$LANCTL" "${UP[@]}" --no-probe --count "$N" --prefix "$P3"; rc=$? ;;
        j*) timed "$LANCTL" "${UP[@]}" --no-probe --count "$N" --prefix "$P3" --parallel "${v#j}"; rc=$? ;;
      esac
      record "3.$v" $rc
      running="$(docker ps -q --filter "label=io.lanctl.network=$NET" --filter status=running | wc -l)"
      [[ $rc -eq 0 && $running -ne $N ]] && FAILS[3.$v.notrunning]="$running"
      say "   round $((r + 1)) $v ${T_MS} ms (rc $rc, $running running)"
      rm_names "${NAMES3[@]}"
      settle
    done
  done
  if [[ $PROBE32 == 1 && $HAVE_ARPING == yes ]]; then
    say "   once more with the LAN probe on (default --parallel): lanctl probes each address in turn"
    timed "$LANCTL" "${UP[@]}" --count "$N" --prefix "$P3"
    record 3.probe $?
    say "   probe ${T_MS} ms"
    rm_names "${NAMES3[@]}"
    settle
  fi
fi

# ================================================================ 4. docker calls of lanctl ls
declare -A LS_CALLS=() LS_ROWS=() LS_WHAT=()
if want 4; then
  say "4. docker processes started by lanctl ls, with 1 and $N tenants"
  WRAP="$WORK/bin/docker"
  mkdir -p "$WORK/bin"
  cat >"$WRAP" <<EOF
#!/usr/bin/env bash
printf -v line '%q ' "\$@"
printf '%s\n' "\${line% }" >>"$WORK/ls-calls.log"
exec "$REAL_DOCKER" "\$@"
EOF
  chmod +x "$WRAP"
  ls_count() { # number of tenants
    local k=$1 line i=0
    : >"$WORK/ls-calls.log"
    "$LANCTL" --docker "$WRAP" ls >"$WORK/ls.out" 2>>"$LOG" || die "lanctl ls failed"
    LS_CALLS[$k]="$(wc -l <"$WORK/ls-calls.log")"
    LS_ROWS[$k]="$(( $(wc -l <"$WORK/ls.out") - 1 ))"
    LS_WHAT[$k]="$(sed 's/^/docker /' "$WORK/ls-calls.log")"
    cp "$WORK/ls-calls.log" "$WORK/ls-calls-$k.log"
    for ((r = 0; r < ROUNDS; r++)); do
      timed "$LANCTL" ls; record "4.ls$k" $?
      # Each docker call of ls on its own (its arguments have no spaces).
      i=0
      while IFS= read -r line; do
        i=$((i + 1))
        timed eval "docker $line"; record "4.ls$k.call$i" $?
        if [[ $line == ps\ * ]]; then
          timed eval "docker ps --size=false ${line#ps }"; record "4.ls$k.call$i.nosize" $?
        fi
      done <"$WORK/ls-calls-$k.log"
    done
  }
  "$LANCTL" "${UP[@]}" --no-probe "${P3}1" >>"$LOG" 2>&1 || die "lanctl up ${P3}1 failed"
  ls_count 1
  "$LANCTL" "${UP[@]}" --no-probe --count "$N" --prefix "$P3" >>"$LOG" 2>&1 || die "lanctl up --count $N failed"
  ls_count "$N"
  say "   one more tenant while $N are on the network: lanctl up --no-probe vs its docker run line; $ROUNDS rounds"
  T4=ltb-one
  LINE4="$("$LANCTL" --dry-run "${UP[@]}" --no-probe "$T4" 2>>"$LOG")" || die "lanctl --dry-run up $T4 failed"
  for ((r = 0; r < ROUNDS; r++)); do
    for v in $(rotate "$r" bare noprobe); do
      case $v in
        bare) timed eval "$LINE4"; rc=$? ;;
        noprobe) timed "$LANCTL" "${UP[@]}" --no-probe "$T4"; rc=$? ;;
      esac
      record "4.one.$v" $rc
      rm_names "$T4"
      say "   round $((r + 1)) $v ${T_MS} ms (rc $rc)"
    done
  done
  rm_names "${NAMES3[@]}"
  settle
fi

# ================================================================ 6. Compose
# Peak RSS of one process, not of its children (scripts/peak-rss.py says why): sets RSS_KB.
RSS_KB=0
rss_timed() { # command...: timed, under peak-rss.py
  local rc
  timed "$repo/scripts/peak-rss.py" "$WORK/rss.out" "$@"; rc=$?
  RSS_KB="$(awk '{ print $1 }' "$WORK/rss.out" 2>/dev/null || echo '?')"
  return $rc
}
record_rss() { # KEY: appends RSS_KB (in MB) to the samples of KEY
  S[$1]="${S[$1]:-} $(awk -v k="$RSS_KB" 'BEGIN { if (k ~ /^[0-9]+$/) printf "%.1f", k / 1024; else print "FAIL" }')"
}
# Runs the lines of a file J at a time (bash -c each), failing if any fails.
par_lines() { # FILE J
  xargs -d '\n' -P "$2" -n 1 bash -c 'eval "$1"' _ <"$1"
}
ADDRS32=()
if want 6 || want 8 || want 9; then
  command -v docker-compose >/dev/null || die "docker-compose is not installed (apt-get install docker-compose)"
  mapfile -t ADDRS32 < <(grep -oE -- '--ip [0-9.]+' "$WORK/lines32.sh" | awk '{ print $2 }')
  RESTART32="$(grep -oE -- '--restart [^ ]+' "$WORK/lines32.sh" | head -1 | awk '{ print $2 }')"
  [[ ${#ADDRS32[@]} -eq $N && -n "$RESTART32" ]] || die "cannot read the addresses and restart policy of the $N lines"
  # The same services as lanctl's lines: same names' hosts, image, address, restart policy and
  # LOCAL_IP; on the network lanctl made, declared external so compose neither makes nor
  # removes it. The image is local: compose 1.29 pulls only what is missing, and nothing builds.
  CDIR="$WORK/compose"
  mkdir -p "$CDIR"
  {
    echo "version: '2.4'"
    echo "services:"
    for ((i = 1; i <= N; i++)); do
      a="${ADDRS32[$((i - 1))]}"
      echo "  s$i:"
      echo "    image: $IMAGE"
      echo "    container_name: ltb-c$i"
      echo "    hostname: ltb-c$i"
      echo "    restart: $RESTART32"
      echo "    environment:"
      echo "      LOCAL_IP: $a"
      echo "    networks:"
      echo "      $NET:"
      echo "        ipv4_address: $a"
    done
    echo "networks:"
    echo "  $NET:"
    echo "    external: true"
  } >"$CDIR/docker-compose.yml"
  COMPOSE=(docker-compose -p ltbc -f "$CDIR/docker-compose.yml" --no-ansi)
  NAMESC=()
  for ((i = 1; i <= N; i++)); do NAMESC+=("ltb-c$i"); done
  # The fleet of the same 32 tenants lanctl up --count makes, with the network as made.
  FLEET="$WORK/fleet32.json"
  jq -n --arg net "$NET" --arg parent "$VETH" --arg subnet "$SUBNET" --arg gw "$GATEWAY" \
    --arg range "$RANGE" --arg image "$IMAGE" --arg restart "$RESTART32" --arg prefix "$P3" \
    --argjson addrs "$(printf '%s\n' "${ADDRS32[@]}" | jq -R . | jq -s .)" '{
      networks: [{ name: $net, driver: "macvlan", parent: $parent, subnet: $subnet,
                   gateway: $gw, ip_range: $range, mode: "bridge" }],
      tenants: [range(0; $addrs | length) as $i | { name: "\($prefix)\($i + 1)", net: $net,
                 image: $image, ip: $addrs[$i], ip_env: ["LOCAL_IP"], restart: $restart }] }' >"$FLEET" \
    || die "cannot write the fleet file"
  # Sanity: the fleet is what up --count made, so apply has nothing to do.
  "$LANCTL" "${UP[@]}" --no-probe --count "$N" --prefix "$P3" >>"$LOG" 2>&1 || die "lanctl up --count $N failed"
  "$LANCTL" --dry-run apply --no-probe --wait 0 "$FLEET" >"$WORK/apply-plan.sh" 2>>"$LOG" || die "lanctl --dry-run apply of $FLEET failed (see $LOG)"
  [[ -s "$WORK/apply-plan.sh" ]] && { cat "$WORK/apply-plan.sh" >&2; die "apply of the fleet of the $N tenants up made would change something"; }
  rm_names "${NAMES3[@]}"
  settle
fi
if want 6; then
  say "6. $N services: docker-compose up -d / again / down vs lanctl up --count $N / apply / down, and the daemon's floor; $ROUNDS6 rounds"
  read -ra V6 <<<"$VARIANTS6"
  for v in "${V6[@]}"; do
    [[ " compose lanctl lprobe ldef lapply seq par32 par4 " == *" $v "* ]] || die "VARIANTS6: no variant $v"
  done
  for ((r = 0; r < ROUNDS6; r++)); do
    for v in $(rotate "$r" "${V6[@]}"); do
      case $v in
        compose)
          timed "${COMPOSE[@]}" up -d; rc=$?; record 6.compose.up $rc
          say "   round $((r + 1)) compose up ${T_MS} ms (rc $rc)"
          running="$(docker ps -q --filter name='^/ltb-c' --filter status=running | wc -l)"
          [[ $rc -eq 0 && $running -ne $N ]] && FAILS[6.compose.notrunning]="$running"
          timed "${COMPOSE[@]}" up -d; rc=$?; record 6.compose.again $rc
          say "   round $((r + 1)) compose up again ${T_MS} ms (rc $rc)"
          timed "${COMPOSE[@]}" down; rc=$?; record 6.compose.down $rc
          say "   round $((r + 1)) compose down ${T_MS} ms (rc $rc)"
          rm_names "${NAMESC[@]}"
          ;;
        lanctl)
          timed "$LANCTL" "${UP[@]}" --no-probe --count "$N" --prefix "$P3"; rc=$?; record 6.lanctl.up $rc
          say "   round $((r + 1)) lanctl up ${T_MS} ms (rc $rc)"
          running="$(docker ps -q --filter "label=io.lanctl.network=$NET" --filter status=running | wc -l)"
          [[ $rc -eq 0 && $running -ne $N ]] && FAILS[6.lanctl.notrunning]="$running"
          timed "$LANCTL" apply --no-probe --wait 0 "$FLEET"; rc=$?; record 6.lanctl.apply $rc
          say "   round $((r + 1)) lanctl apply ${T_MS} ms (rc $rc)"
          timed "$LANCTL" down "${NAMES3[@]}"; rc=$?; record 6.lanctl.down $rc
          say "   round $((r + 1)) lanctl down ${T_MS} ms (rc $rc)"
          rm_names "${NAMES3[@]}"
          ;;
        lprobe)
          timed "$LANCTL" "${UP[@]}" --count "$N" --prefix "$P3"; rc=$?; record 6.lprobe.up $rc
          say "   round $((r + 1)) lanctl up (probe) ${T_MS} ms (rc $rc)"
          rm_names "${NAMES3[@]}"
          ;;
        ldef)
          timed "$LANCTL" "${UPD[@]}" --count "$N" --prefix "$P3"; rc=$?; record 6.ldef.up $rc
          say "   round $((r + 1)) lanctl up (defaults) ${T_MS} ms (rc $rc)"
          running="$(docker ps -q --filter "label=io.lanctl.network=$NET" --filter status=running | wc -l)"
          [[ $rc -eq 0 && $running -ne $N ]] && FAILS[6.ldef.notrunning]="$running"
          rm_names "${NAMES3[@]}"
          ;;
        lapply)
          # From nothing: the fleet's 32 tenants, each at the address Compose gives its
          # service, with the defaults (probe, readiness); then again, nothing to do.
          timed "$LANCTL" apply "$FLEET"; rc=$?; record 6.lapply.up $rc
          say "   round $((r + 1)) lanctl apply from nothing (defaults) ${T_MS} ms (rc $rc)"
          running="$(docker ps -q --filter "label=io.lanctl.network=$NET" --filter status=running | wc -l)"
          [[ $rc -eq 0 && $running -ne $N ]] && FAILS[6.lapply.notrunning]="$running"
          timed "$LANCTL" apply "$FLEET"; rc=$?; record 6.lapply.again $rc
          say "   round $((r + 1)) lanctl apply again (defaults) ${T_MS} ms (rc $rc)"
          rm_names "${NAMES3[@]}"
          ;;
        seq|par32|par4)
          case $v in
            seq) timed run_lines "$WORK/lines32.sh"; rc=$? ;;
            par32) timed par_lines "$WORK/lines32.sh" "$N"; rc=$? ;;
            par4) timed par_lines "$WORK/lines32.sh" 4; rc=$? ;;
          esac
          record "6.$v" $rc
          say "   round $((r + 1)) bare $v ${T_MS} ms (rc $rc)"
          timed rm_names "${NAMES3[@]}"; record 6.rm32 0
          ;;
      esac
      settle
    done
  done
fi

# ================================================================ 7. scale
if want 7; then
  say "7. scale: ls, net show, net ls, one more up at $SCALE tenants; $ROUNDS7 rounds; a 120 batch vs a loop, $ROUNDS7B rounds"
  T7=ltb-one
  have=0
  for k in $SCALE; do
    if (( k > have )); then
      # Named by the count so far: ltb-s<have>-1 ..., each batch its own prefix.
      "$LANCTL" "${UP[@]}" --no-probe --count $((k - have)) --prefix "ltb-s$have-" >>"$LOG" 2>&1 \
        || die "lanctl up --count $((k - have)) failed (to reach $k tenants)"
      have=$k
    fi
    on="$(docker ps -q --filter "label=io.lanctl.network=$NET" | wc -l)"
    [[ $on -eq $k ]] || die "expected $k tenants on $NET, found $on"
    LINE7="$("$LANCTL" --dry-run "${UP[@]}" --no-probe "$T7" 2>>"$LOG")" || die "lanctl --dry-run up $T7 failed"
    # The k tenants as a fleet file, as `up` made them: an apply of it has nothing to do.
    FLEET7="$WORK/fleet-scale$k.json"
    docker ps --filter "label=io.lanctl.network=$NET" --format '{{.Names}}' \
      | jq -R . | jq -s --arg net "$NET" --arg image "$IMAGE" \
        '{tenants: [.[] | {name: ., net: $net, image: $image, ip_env: ["LOCAL_IP"]}]}' >"$FLEET7" \
      || die "cannot write $FLEET7"
    "$LANCTL" apply --no-probe --wait 0 "$FLEET7" 2>&1 | grep -q 'nothing to do' \
      || die "lanctl apply of the $k tenants as they are has something to do (see $FLEET7)"
    for ((r = 0; r < ROUNDS7; r++)); do
      for v in $(rotate "$r" ls netshow netls apply bare noprobe); do
        case $v in
          ls) timed "$LANCTL" ls; rc=$? ;;
          apply) timed "$LANCTL" apply --no-probe --wait 0 "$FLEET7"; rc=$? ;;
          netshow) timed "$LANCTL" net show "$NET"; rc=$? ;;
          netls) timed "$LANCTL" net ls; rc=$? ;;
          bare) timed eval "$LINE7"; rc=$? ;;
          noprobe) timed "$LANCTL" "${UP[@]}" --no-probe "$T7"; rc=$? ;;
        esac
        record "7.$k.$v" $rc
        [[ $v == bare || $v == noprobe ]] && rm_names "$T7"
        say "   $k tenants, round $((r + 1)) $v ${T_MS} ms (rc $rc)"
      done
    done
  done
  # shellcheck disable=SC2046
  rm_names $(docker ps -aq --filter "label=io.lanctl.network=$NET")
  settle
  NB=120
  "$LANCTL" --dry-run "${UP[@]}" --no-probe --count "$NB" --prefix ltb-b >"$WORK/lines120.sh" 2>>"$LOG" \
    || die "lanctl --dry-run up --count $NB failed"
  [[ "$(grep -c '^docker run ' "$WORK/lines120.sh")" -eq $NB ]] || die "dry run did not print $NB docker run lines"
  NAMESB=()
  for ((i = 1; i <= NB; i++)); do NAMESB+=("ltb-b$i"); done
  for ((r = 0; r < ROUNDS7B; r++)); do
    for v in $(rotate "$r" loop batch); do
      case $v in
        loop) timed run_lines "$WORK/lines120.sh"; rc=$? ;;
        batch) timed "$LANCTL" "${UP[@]}" --no-probe --count "$NB" --prefix ltb-b; rc=$? ;;
      esac
      record "7.b$NB.$v" $rc
      running="$(docker ps -q --filter "label=io.lanctl.network=$NET" --filter status=running | wc -l)"
      [[ $rc -eq 0 && $running -ne $NB ]] && FAILS[7.b$NB.$v.notrunning]="$running"
      say "   $NB batch, round $((r + 1)) $v ${T_MS} ms (rc $rc, $running running)"
      rm_names "${NAMESB[@]}"
      settle
    done
  done
fi

# ================================================================ 8. peak RSS
if want 8; then
  say "8. peak RSS (VmHWM at exit, the process alone) of lanctl and docker-compose; $ROUNDS8 rounds"
  for ((r = 0; r < ROUNDS8; r++)); do
    for v in $(rotate "$r" lanctl compose); do
      case $v in
        lanctl)
          rss_timed "$LANCTL" "${UP[@]}" --no-probe --count "$N" --prefix "$P3"; rc=$?; record_rss 8.lanctl.up
          say "   round $((r + 1)) lanctl up --count $N: ${RSS_KB} kB (rc $rc)"
          rss_timed "$LANCTL" "${UP[@]}" --count 1 --prefix ltb-p; rc=$?; record_rss 8.lanctl.upprobe
          say "   round $((r + 1)) lanctl up (probe): ${RSS_KB} kB (rc $rc)"
          rss_timed "$LANCTL" apply --no-probe --wait 0 "$FLEET"; rc=$?; record_rss 8.lanctl.apply
          say "   round $((r + 1)) lanctl apply: ${RSS_KB} kB (rc $rc)"
          rss_timed "$LANCTL" ls; rc=$?; record_rss 8.lanctl.ls
          say "   round $((r + 1)) lanctl ls ($((N + 1)) tenants): ${RSS_KB} kB (rc $rc)"
          rss_timed "$LANCTL" down "${NAMES3[@]}" ltb-p1; rc=$?; record_rss 8.lanctl.down
          say "   round $((r + 1)) lanctl down: ${RSS_KB} kB (rc $rc)"
          rm_names "${NAMES3[@]}" ltb-p1
          ;;
        compose)
          rss_timed "${COMPOSE[@]}" up -d; rc=$?; record_rss 8.compose.up
          say "   round $((r + 1)) compose up: ${RSS_KB} kB (rc $rc)"
          rss_timed "${COMPOSE[@]}" up -d; rc=$?; record_rss 8.compose.again
          rss_timed "${COMPOSE[@]}" ps; rc=$?; record_rss 8.compose.ps
          rss_timed "${COMPOSE[@]}" down; rc=$?; record_rss 8.compose.down
          say "   round $((r + 1)) compose down: ${RSS_KB} kB (rc $rc)"
          rm_names "${NAMESC[@]}"
          ;;
      esac
      settle
    done
  done
  # lanctl ls at 120 tenants (the widest scale of 7 when it ran; else as many as the range holds).
  k8=120
  [[ $SUBNET == */26 ]] && k8=48
  "$LANCTL" "${UP[@]}" --no-probe --count "$k8" --prefix ltb-m >>"$LOG" 2>&1 || die "lanctl up --count $k8 failed"
  RSS_LS_AT=$k8
  for ((r = 0; r < ROUNDS8; r++)); do
    rss_timed "$LANCTL" ls; record_rss 8.lanctl.lsmany
    rss_timed "$LANCTL" net show "$NET"; record_rss 8.lanctl.netshowmany
  done
  # shellcheck disable=SC2046
  rm_names $(docker ps -aq --filter "label=io.lanctl.network=$NET")
  settle
fi

# ================================================================ 9. where the time goes
# One run each, after a warm-up run, of lanctl with docker and ip on PATH replaced by
# wrappers that log when each process started and ended: the processes lanctl waits for,
# and the gaps between them that are lanctl's own (or in-process work, as the native probe
# and the MAC announcement).
declare -A TL=()
if want 9; then
  say "9. timelines of lanctl's processes: up --no-probe, apply (nothing to do), ls, net show at $N tenants"
  TBIN="$WORK/tbin"
  mkdir -p "$TBIN"
  for tool in docker ip; do
    cat >"$TBIN/$tool" <<EOF2
#!/usr/bin/env bash
t0=\$(date +%s%N)
"$(command -v "$tool")" "\$@"
rc=\$?
printf '%s %s %s %s %s\n' "\$t0" "\$(date +%s%N)" "\$rc" "$tool" "\$*" >>"$WORK/trace.log"
exit \$rc
EOF2
    chmod +x "$TBIN/$tool"
  done
  # timeline KEY command...: the second of two runs, as "start+duration ms  command" lines.
  timeline() {
    local key=$1 t0 t1 i
    shift
    for i in 1 2; do
      [[ $key == up ]] && rm_names ltb-one
      [[ $key == apply0 || $key == up32 ]] && { rm_names "${NAMES3[@]}"; settle; }
      : >"$WORK/trace.log"
      t0=$(date +%s%N)
      PATH="$TBIN:$PATH" "$@" >>"$LOG" 2>&1 || FAILS[9.$key]=1
      t1=$(date +%s%N)
    done
    TL[$key]="$(sort -n "$WORK/trace.log" | awk -v t0="$t0" -v t1="$t1" '{
        cmd = ""; for (i = 4; i <= NF; i++) cmd = cmd (i > 4 ? " " : "") $i
        if (length(cmd) > 110) cmd = substr(cmd, 1, 107) "..."
        printf "%7.1f +%6.1f ms  %s%s\n", ($1 - t0) / 1e6, ($2 - $1) / 1e6, cmd, ($3 != 0 ? "  (exit " $3 ")" : "") }
      END { printf "%7.1f          exit of lanctl\n", (t1 - t0) / 1e6 }')"
  }
  "$LANCTL" "${UP[@]}" --no-probe --count "$N" --prefix "$P3" >>"$LOG" 2>&1 || die "lanctl up --count $N failed"
  timeline up "$LANCTL" "${UP[@]}" --no-probe ltb-one
  rm_names ltb-one
  [[ -n "${FLEET:-}" ]] && timeline apply "$LANCTL" apply --no-probe --wait 0 "$FLEET"
  timeline ls "$LANCTL" ls
  timeline netshow "$LANCTL" net show "$NET"
  rm_names "${NAMES3[@]}"
  settle
  # From nothing, with the defaults (issue 26): where the time of 6's ldef and lapply goes.
  [[ -n "${FLEET:-}" ]] && timeline apply0 "$LANCTL" apply "$FLEET"
  timeline up32 "$LANCTL" "${UPD[@]}" --count "$N" --prefix "$P3"
  rm_names "${NAMES3[@]}"
  settle
fi

# ================================================================ 11. check --watch under a flood
# check --watch keeps one table that grows with what the LAN sends, capped (MAX_QUIET in
# src/conflict/watch.rs); everything else is read once at its start. So its RSS must not
# grow with the frames it hears: sampled while FLOOD frames from 8192 MACs (twice the cap)
# claim a tenant's address.
FLOOD="${FLOOD:-1000000}"
WATCH_PID=""
FLOOD_PID=""
RSS10=()
if want 11; then
  say "11. check --watch: its RSS while $FLOOD ARP frames claim a tenant's address"
  "$LANCTL" "${UP[@]}" --no-probe ltb-watch >>"$LOG" 2>&1 || die "lanctl up ltb-watch failed"
  WIP="$(docker container inspect -f "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}" ltb-watch)"
  # Its lines are counted, not kept: a flood prints hundreds of thousands.
  "$LANCTL" --json check --watch ltb-watch 2>"$WORK/watch.err" > >(wc -l >"$WORK/watch.count") &
  WATCH_PID=$!
  for _ in $(seq 100); do grep -q listening "$WORK/watch.err" && break; sleep 0.1; done
  grep -q listening "$WORK/watch.err" || die "check --watch did not start listening: $(cat "$WORK/watch.err")"
  rss10() { awk -v k="$1" '$1 == k ":" { print $2 }' "/proc/$WATCH_PID/status"; }
  RSS10_START="$(rss10 VmRSS)"
  t0=$(date +%s%N)
  ip netns exec "$PEER_NS" python3 "$repo/scripts/arp-flood.py" "$PEER" "$WIP" "$FLOOD" >"$WORK/flood.out" 2>&1 &
  FLOOD_PID=$!
  while kill -0 "$FLOOD_PID" 2>/dev/null; do RSS10+=("$(rss10 VmRSS)"); sleep 0.5; done
  wait "$FLOOD_PID" || die "the ARP flood failed: $(cat "$WORK/flood.out")"
  FLOOD_PID=""
  FLOOD_S=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
  sleep 1
  RSS10_END="$(rss10 VmRSS)"
  HWM10="$(rss10 VmHWM)"
  kill -TERM "$WATCH_PID"
  wait "$WATCH_PID"
  WATCH_RC=$?
  WATCH_PID=""
  sleep 0.5
  EVENTS10="$(cat "$WORK/watch.count" 2>/dev/null || echo '?')"
  rm_names ltb-watch
  settle
fi

# ================================================================ 12. dual-stack
# Issue 22: a dual-stack up costs at most 1.1x the IPv4-only up, and ls reads no extra
# process for IPv6. Docker allows one macvlan network per parent (and this kernel has no
# 802.1Q for VLANs of one), so the dual-stack network is on the bench's veth and the
# IPv4-only one on a second veth pair beside it (ltb1a, its peer ltb1b in the same
# namespace), each with half of the slot: the same kind of parent, the same image and
# flags, IPv6 the only difference. The bench network goes first (its /26 would overlap
# both halves); nothing runs after 12.
declare -A LS12=() LS12WHAT=()
if want 12; then
  say "12. dual-stack: lanctl up of one tenant, IPv4-only vs dual-stack network; $ROUNDS12 rounds"
  [[ -z "$(docker ps -aq --filter "label=io.lanctl.network=$NET")" ]] || die "12 needs $NET empty"
  docker network rm "$NET" >>"$LOG" 2>&1 || die "cannot remove $NET before 12"
  [[ $SUBNET == 198.51.100.128/26 ]] || die "12 runs in the /26 slot only (not with 7)"
  # The IPv6 subnet: nothing of the host's may overlap it, and it is blackholed (and held,
  # so that scripts/cleanup-test-leftovers.sh removes the route after a kill -9).
  [[ -z "$(ip -6 route show table all root "$SUBNET6")" ]] || die "a route inside $SUBNET6 exists; not running 12"
  [[ -z "$(ip -6 route show table all match "$SUBNET6" | grep -v '^default')" ]] || die "a route over $SUBNET6 exists; not running 12"
  [[ -z "$(ip -6 addr show to "$SUBNET6")" ]] || die "the host has an address in $SUBNET6; not running 12"
  echo "blackhole $SUBNET6" >>"$HELD" || die "cannot add to $HELD"
  ip -6 route add blackhole "$SUBNET6" || die "cannot add the IPv6 blackhole route"
  ADDED_ROUTE6=1
  ip link show "$VETH2" >/dev/null 2>&1 && die "$VETH2 exists already (a run in progress, or a leftover)"
  ip link add "$VETH2" type veth peer name "$PEER2" || die "cannot create the veth pair $VETH2"
  ADDED_VETH2=1
  ip link set "$PEER2" netns "$PEER_NS" || die "cannot move $PEER2 into $PEER_NS"
  ip link set "$VETH2" up && ip -n "$PEER_NS" link set "$PEER2" up || die "cannot bring the veth pair $VETH2 up"
  "$LANCTL" net create ltbv4 --driver macvlan --parent "$VETH2" --subnet 198.51.100.128/27 \
    --gateway 198.51.100.129 --ip-range 198.51.100.136-198.51.100.159 >>"$LOG" 2>"$WORK/net12.err" \
    || die "lanctl net create ltbv4 failed: $(cat "$WORK/net12.err")"
  "$LANCTL" net create ltbv6 --driver macvlan --parent "$VETH" --subnet 198.51.100.160/27 \
    --gateway 198.51.100.161 --ip-range 198.51.100.168-198.51.100.191 \
    --subnet "$SUBNET6" --gateway 2001:db8:51:80::1 --ip-range 2001:db8:51:80::100/120 >>"$LOG" 2>"$WORK/net12.err" \
    || die "lanctl net create ltbv6 failed: $(cat "$WORK/net12.err")"
  up12() { # NET [more...]
    local net=$1; shift
    "$LANCTL" up ltb-d --net "$net" --image "$IMAGE" --pull never --ip-env LOCAL_IP "$@"
  }
  # Sanity: the dual-stack tenant has an IPv6 address, the other none.
  up12 ltbv6 --wait 0 >>"$LOG" 2>"$WORK/up12.err" || die "lanctl up on ltbv6 failed: $(cat "$WORK/up12.err")"
  a6="$(docker container inspect -f '{{(index .NetworkSettings.Networks "ltbv6").GlobalIPv6Address}}' ltb-d)"
  [[ $a6 == 2001:db8:51:80::* ]] || die "the dual-stack tenant has no IPv6 address ($a6)"
  rm_names ltb-d
  up12 ltbv4 --wait 0 >>"$LOG" 2>"$WORK/up12.err" || die "lanctl up on ltbv4 failed: $(cat "$WORK/up12.err")"
  a6="$(docker container inspect -f '{{(index .NetworkSettings.Networks "ltbv4").GlobalIPv6Address}}' ltb-d)"
  [[ -z $a6 ]] || die "the IPv4-only tenant has an IPv6 address ($a6)"
  rm_names ltb-d
  # docker's own share: each network's bare `docker run` line, as lanctl's dry run prints it.
  declare -A LINE12=()
  for fam in v4 v6; do
    LINE12[$fam]="$("$LANCTL" --dry-run up ltb-d --net "ltb$fam" --image "$IMAGE" --pull never --ip-env LOCAL_IP \
      --no-probe --wait 0 2>>"$LOG" | grep '^docker run ')" || die "lanctl --dry-run up on ltb$fam failed"
    [[ $(grep -c '^docker run ' <<<"${LINE12[$fam]}") -eq 1 ]] || die "the dry run on ltb$fam printed no single docker run line"
  done
  settle
  for ((r = 0; r < ROUNDS12; r++)); do
    for v in $(rotate "$r" v4def v6def v4wait0 v6wait0 v4noprobe v6noprobe v4bare v6bare); do
      net=ltbv4; [[ $v == v6* ]] && net=ltbv6
      case $v in
        *bare) timed eval "${LINE12[${v%bare}]}"; rc=$? ;;
        *def) timed up12 "$net"; rc=$? ;;
        *wait0) timed up12 "$net" --wait 0; rc=$? ;;
        *noprobe) timed up12 "$net" --no-probe --wait 0; rc=$? ;;
      esac
      record "12.$v" $rc
      say "   round $((r + 1)) $v ${T_MS} ms (rc $rc)"
      rm_names ltb-d
      settle
    done
  done
  # ls with one IPv4-only tenant, then with one dual-stack tenant: the processes it starts
  # (docker and ip wrapped on PATH, each call logged), the second of two runs each, so the
  # hint of the networks the last ls needed is the same in both; and its time.
  LBIN="$WORK/lbin"
  mkdir -p "$LBIN"
  for tool in docker ip; do
    printf '#!/bin/sh\nprintf "%%s %%s\\n" %s "$*" >>"%s"\nexec %s "$@"\n' "$tool" "$WORK/ls12.log" "$(command -v "$tool")" >"$LBIN/$tool"
    chmod +x "$LBIN/$tool"
  done
  for fam in v4 v6; do
    up12 "ltb$fam" --wait 0 >>"$LOG" 2>&1 || die "lanctl up on ltb$fam failed (see $LOG)"
    for i in 1 2; do
      : >"$WORK/ls12.log"
      PATH="$LBIN:$PATH" "$LANCTL" ls >>"$LOG" 2>&1 || FAILS[12.ls$fam]=1
    done
    LS12[$fam]="$(wc -l <"$WORK/ls12.log")"
    LS12WHAT[$fam]="$(sed -E 's/([0-9a-f]{12})[0-9a-f]{52}/\1/g' "$WORK/ls12.log")"
    for ((r = 0; r < ROUNDS12; r++)); do
      timed "$LANCTL" ls; record "12.ls$fam" $?
    done
    rm_names ltb-d
    settle
  done
fi

# ================================================================ report
say "done; writing the report"
verdict() { # value op goal
  awk -v v="$1" -v g="$3" -v op="$2" 'BEGIN { if (v == "n/a") { print "n/a"; exit }
    ok = (op == "le") ? (v <= g) : (v >= g); print ok ? "**met**" : "**missed**" }'
}
stats() { # KEY: "n runs, min X, median Y, max Z"
  # shellcheck disable=SC2086
  printf '%s\n' ${S[$1]:-} | grep -v FAIL | sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "no runs"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%d runs, min %.1f, median %.1f, max %.1f\n", NR, v[1], m, v[NR] }'
}
echo "## Results"
echo
echo "Medians of wall time in milliseconds, from the command's start until it returns."
echo "Rounds: comparisons 1, 1′, 4: $ROUNDS; 2: $ROUNDS2; 3: $ROUNDS3; 5: $FAKE_RUNS runs. In every round each variant runs once, in an order that rotates from round to round."
echo
echo "| # | comparison | lanctl | bare docker | lanctl / bare | goal | verdict |"
echo "|---|---|---:|---:|---:|---|---|"
if want 1; then
  b1=$(med 1.bare); n1=$(med 1.noprobe)
  echo "| 1 | one tenant: \`lanctl up --no-probe\` vs its \`docker run\` line | $n1 | $b1 | $(ratio "$n1" "$b1") | ≤ 1.10 | $(verdict "$(ratio "$n1" "$b1")" le 1.10) |"
  p1=$(med 1.probe)
  echo "| 1 | one tenant: \`lanctl up\` (default as root: native ARP probe) vs its \`docker run\` line | $p1 | $b1 | $(ratio "$p1" "$b1") | ≤ 1.30 | $(verdict "$(ratio "$p1" "$b1")" le 1.30) |"
  d1=$(med 1.dry); dp1=$(med 1.dryprobe)
  pa=$(awk -v a="$dp1" -v b="$d1" 'BEGIN { if (a == "n/a" || b == "n/a") print "n/a"; else printf "%.1f", a - b }')
  echo "| 1 | the native probe alone, nothing answering: \`lanctl -n up\` minus \`lanctl -n up --no-probe\` ($dp1 − $d1) | $pa | – | – | ≤ 300 ms | $(verdict "$pa" le 300) |"
  if [[ $HAVE_ARPING == yes ]]; then
    a1=$(med 1.arping)
    echo "| 1 | one tenant: \`LANCTL_PROBE=arping lanctl up\` (the fallback) vs its \`docker run\` line | $a1 | $b1 | $(ratio "$a1" "$b1") | – | – |"
  fi
fi
if want 10; then
  b10=$(med 10.bare); d10=$(med 10.default); w10=$(med 10.wait0); n10=$(med 10.noprobe)
  echo "| 10 | one tenant: \`lanctl up\` with its defaults (probe, running settle) vs its \`docker run\` line | $d10 | $b10 | $(ratio "$d10" "$b10") | ≤ 2.0 | $(verdict "$(ratio "$d10" "$b10")" le 2.0) |"
  echo "| 10 | one tenant: \`lanctl up --wait 0\` vs its \`docker run\` line | $w10 | $b10 | $(ratio "$w10" "$b10") | ≤ 1.2 | $(verdict "$(ratio "$w10" "$b10")" le 1.2) |"
  echo "| 10 | one tenant: \`lanctl up --no-probe --wait 0\` vs its \`docker run\` line | $n10 | $b10 | $(ratio "$n10" "$b10") | – | – |"
  l10=$(med 10.late)
  echo "| 10 | a port that opens 3 s after the start: ready this long after (ms; samples $(fmt_samples 10.late)) | $l10 | – | – | ≤ 200 ms | $(verdict "$l10" le 200) |"
  r32=$(med 10.ready32); w32=$(med 10.wait32); r1=$(med 10.ready1); w1=$(med 10.wait1)
  extra=$(awk -v a="$r32" -v b="$w32" 'BEGIN { printf "%.1f", a - b }')
  own=$(awk -v a="$r1" -v b="$w1" 'BEGIN { printf "%.1f", a - b + 1000 }')
  echo "| 10 | 32 tenants: \`--ready tcp:80\` minus \`--wait 0\` ($r32 − $w32) vs one tenant's own readiness + 1 s ($r1 − $w1 + 1000) | $extra | $own | $(ratio "$extra" "$own") | ≤ 1.0 | $(verdict "$(ratio "$extra" "$own")" le 1.0) |"
fi
if want 4; then
  b4=$(med 4.one.bare); n4=$(med 4.one.noprobe)
  echo "| 1′ | one tenant while $N tenants are on the network: \`lanctl up --no-probe\` vs its \`docker run\` line | $n4 | $b4 | $(ratio "$n4" "$b4") | ≤ 1.10 | $(verdict "$(ratio "$n4" "$b4")" le 1.10) |"
fi
if want 2; then
  if [[ -z "$SKIP2" ]]; then
    pub=$(med 2.publish)
    for v in noprobe probe; do
      [[ -n "${S[2.$v]:-}" ]] || continue
      l=$(med "2.$v")
      what="\`lanctl up --no-probe\`"; [[ $v == probe ]] && what="\`lanctl up\` (probe)"
      echo "| 2 | one tenant: $what vs \`docker run -d -p 30000-30499:… -p …/udp\` on the default bridge | $l | $pub | $(ratio "$l" "$pub") | faster | $(verdict "$(ratio "$pub" "$l")" ge 1.0) |"
    done
  else
    echo "| 2 | skipped: $SKIP2 | | | | | |"
  fi
fi
if want 3; then
  loop=$(med 3.loop)
  for j in $PARALLELS; do
    l=$(med "3.j$j")
    label="$j"; [[ $j == default ]] && label="default = $DEFAULT_J"
    sp=$(ratio "$loop" "$l")
    echo "| 3 | $N tenants: \`lanctl up --count $N --parallel $label --no-probe\` vs a sequential loop of the $N lines | $l | $loop | $(ratio "$l" "$loop") (${sp}× faster) | ≥ 1.6× faster | $(verdict "$sp" ge 1.6) |"
  done
fi
if want 4; then
  c1=${LS_CALLS[1]}; c32=${LS_CALLS[$N]}
  ok='**missed**'; [[ $c1 == "$c32" && $c32 -le 3 ]] && ok='**met**'
  echo "| 4 | docker processes started by \`lanctl ls\`: 1 tenant / $N tenants | $c1 / $c32 | | | the same small number | $ok |"
fi
if want 5; then
  f5=$(med 5.noprobe)
  echo "| 5 | lanctl's own cost: \`lanctl --dry-run up --count $N --no-probe\` against a fake docker and ip | $f5 | | | ≤ 20 ms | $(verdict "$f5" le 20) |"
fi
if want 6; then
  echo
  echo "### 6. Compose: $N services vs \`lanctl\` ($ROUNDS6 rounds)"
  echo
  echo "| step | lanctl | docker-compose 1.29 | compose / lanctl |"
  echo "|---|---:|---:|---:|"
  for pair in "up -d vs \`up --count $N --no-probe --wait 0\`|6.lanctl.up|6.compose.up" \
              "up -d vs \`up --count $N --wait 0\` (LAN probe on)|6.lprobe.up|6.compose.up" \
              "up -d vs \`up --count $N\`, defaults (probe, readiness); goal ≥ 1.3|6.ldef.up|6.compose.up" \
              "up -d vs \`apply FLEET.json\` from nothing, defaults; goal ≥ 1.3|6.lapply.up|6.compose.up" \
              "no-change rerun: \`up -d\` again vs \`apply --no-probe --wait 0 FLEET.json\`|6.lanctl.apply|6.compose.again" \
              "no-change rerun: \`up -d\` again vs \`apply FLEET.json\`, defaults; goal ≤ 60 ms|6.lapply.again|6.compose.again" \
              "down vs \`down NAMES\`|6.lanctl.down|6.compose.down"; do
    IFS="|" read -r what lk ck <<<"$pair"
    [[ -n "${S[$lk]:-}" ]] || continue
    l=$(med "$lk"); c=$(med "$ck")
    echo "| $what | $l ($(minmax "$lk")) | $c ($(minmax "$ck")) | $(ratio "$c" "$l") |"
  done
  echo
  echo "The daemon's floor: the same $N \`docker run\` lines (lanctl's dry run), bare:"
  echo
  echo "| how | median ms (min, max) |"
  echo "|---|---:|"
  for k in seq par4 par32; do
    [[ -n "${S[6.$k]:-}" ]] || continue
    case $k in
      seq) what="one after the other (a bash loop)" ;;
      par4) what="4 at once (\`xargs -P 4\`, lanctl's default --parallel here)" ;;
      par32) what="all $N at once (\`xargs -P $N\`)" ;;
    esac
    echo "| $what | $(med "6.$k") ($(minmax "6.$k")) |"
  done
  [[ -n "${S[6.rm32]:-}" ]] && echo "| \`docker rm -f\` of the $N (one call, not part of any timing) | $(med 6.rm32) |"
fi
if want 7; then
  echo
  echo "### 7. Scale ($ROUNDS7 rounds; the batch $ROUNDS7B)"
  echo
  echo "| tenants on the network | \`lanctl ls\` | \`lanctl net show\` | \`lanctl net ls\` | \`lanctl apply\` (nothing to do) | one more \`up --no-probe\` | its bare \`docker run\` | ratio |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
  for k in $SCALE; do
    echo "| $k | $(med "7.$k.ls") | $(med "7.$k.netshow") | $(med "7.$k.netls") | $(med "7.$k.apply") | $(med "7.$k.noprobe") | $(med "7.$k.bare") | $(ratio "$(med "7.$k.noprobe")" "$(med "7.$k.bare")") |"
  done
  lb=$(med 7.b120.loop); bb=$(med 7.b120.batch)
  echo
  echo "120 tenants: \`lanctl up --count 120 --no-probe --wait 0\` $bb ms vs a sequential loop of its 120 lines $lb ms: $(ratio "$lb" "$bb")× faster."
fi
if want 8; then
  echo
  echo "### 8. Peak RSS, MB (VmHWM of the process itself at its exit, by scripts/peak-rss.py; $ROUNDS8 rounds)"
  echo
  echo "| command | median MB (min, max) |"
  echo "|---|---:|"
  for k in lanctl.up lanctl.upprobe lanctl.apply lanctl.ls lanctl.lsmany lanctl.netshowmany lanctl.down compose.up compose.again compose.ps compose.down; do
    case $k in
      lanctl.up) what="\`lanctl up --count $N --no-probe\`" ;;
      lanctl.upprobe) what="\`lanctl up\` one tenant, native probe" ;;
      lanctl.apply) what="\`lanctl apply\` of the $N (nothing to do)" ;;
      lanctl.ls) what="\`lanctl ls\`, $((N + 1)) tenants" ;;
      lanctl.lsmany) what="\`lanctl ls\`, ${RSS_LS_AT:-?} tenants" ;;
      lanctl.netshowmany) what="\`lanctl net show\`, ${RSS_LS_AT:-?} tenants" ;;
      lanctl.down) what="\`lanctl down\` of $((N + 1))" ;;
      compose.up) what="\`docker-compose up -d\`, $N services" ;;
      compose.again) what="\`docker-compose up -d\` again (no change)" ;;
      compose.ps) what="\`docker-compose ps\`" ;;
      compose.down) what="\`docker-compose down\`" ;;
    esac
    echo "| $what | $(med "8.$k") ($(minmax "8.$k")) |"
  done
fi
if want 9; then
  echo
  echo "### 9. Where the time goes: lanctl's processes, ms from lanctl's start (start +duration)"
  for k in up apply ls netshow apply0 up32; do
    [[ -n "${TL[$k]:-}" ]] || continue
    case $k in
      apply0) what="\`lanctl apply FLEET.json\` of the $N tenants from nothing, defaults (probe, readiness)" ;;
      up32) what="\`lanctl up --count $N\`, defaults (probe, readiness), from nothing" ;;
      up) what="\`lanctl up --no-probe --wait 0 ltb-one\`, $N tenants on the network" ;;
      apply) what="\`lanctl apply --no-probe --wait 0 FLEET.json\` of the $N tenants (nothing to do)" ;;
      ls) what="\`lanctl ls\`, $N tenants" ;;
      netshow) what="\`lanctl net show $NET\`, $N tenants" ;;
    esac
    echo
    echo "$what:"
    echo '```'
    echo "${TL[$k]}"
    echo '```'
  done
fi
echo
echo "### Further measurements"
echo
echo "| what | median ms |"
echo "|---|---:|"
if want 2 && [[ -z "$SKIP2" ]]; then
  echo "| 2: \`docker rm -f\` of the publishing container (not part of the timing) | $(med 2.rmpublish) |"
  echo "| 2: docker-proxy processes while that container ran | ${PROXIES:-?} (count, not ms) |"
fi
if want 3 && [[ -n "${S[3.probe]:-}" ]]; then
  echo "| 3: \`lanctl up --count $N\` with the LAN probe on (one run) | $(med 3.probe) |"
fi
if want 4; then
  for k in 1 "$N"; do
    echo "| 4: \`lanctl ls\` with $k tenant(s) (${LS_ROWS[$k]} rows) | $(med "4.ls$k") |"
    i=0
    while IFS= read -r line; do
      i=$((i + 1))
      short="$(awk '{ if (NF > 8) printf "%s %s … (%d IDs)", $1, $2, NF - 2; else print }' <<<"$line" | sed 's/\\//g')"
      echo "| 4: … its call \`docker $short\` alone | $(med "4.ls$k.call$i") |"
      [[ -n "${S[4.ls$k.call$i.nosize]:-}" ]] && echo "| 4: … the same call with \`--size=false\` | $(med "4.ls$k.call$i.nosize") |"
    done <"$WORK/ls-calls-$k.log"
  done
fi
if want 5; then
  echo "| 5: the same with the probe on, fake docker, ip and arping ($FAKE_NCALLS_PROBE processes) | $(med 5.fakeprobe) |"
  echo "| 5: \`lanctl --dry-run up --count $N --no-probe\` against the real engine | $(med 5.real) |"
fi
echo
echo "### Raw samples (ms, in run order)"
echo
echo '```'
for k in $(printf '%s\n' "${!S[@]}" | sort -V); do
  case $k in
    5.noprobe|5.fakeprobe) echo "$k: $(stats "$k") (by $TIMER)" ;;
    *) echo "$k: $(fmt_samples "$k")" ;;
  esac
done
echo '```'
if [[ ${#FAILS[@]} -gt 0 ]]; then
  echo
  echo "### Failures"
  echo
  for k in "${!FAILS[@]}"; do echo "- $k: ${FAILS[$k]}"; done
fi
echo
echo "### What ran"
echo
if want 1 || want 2; then
  echo "The \`docker run\` line of comparisons 1 and 2 (printed by \`lanctl --dry-run up\`):"
  echo '```'
  echo "$LINE1"
  echo '```'
fi
if want 4; then
  echo "docker calls of \`lanctl ls\`, 1 tenant:"
  echo '```'
  echo "${LS_WHAT[1]}"
  echo '```'
  echo "$N tenants (IDs shortened here):"
  echo '```'
  sed -E 's/([0-9a-f]{12})[0-9a-f]{52}/\1/g' <<<"${LS_WHAT[$N]}" | fold -w 150
  echo '```'
fi
if want 5; then
  echo "Processes started by \`lanctl --dry-run up --count $N --no-probe\` ($FAKE_NCALLS):"
  echo '```'
  echo "$FAKE_CALLS"
  echo '```'
fi
if want 11; then
  echo
  echo "### 11. \`check --watch\` under a flood (issue 23)"
  echo
  echo "$(cat "$WORK/flood.out" 2>/dev/null || echo '?') gratuitous ARP replies from 8192 MACs claiming a tenant's address, sent in $FLOOD_S s from the LAN's namespace; RSS of \`lanctl --json check --watch\` in KB:"
  echo
  echo "| at the start | during (min / max of ${#RSS10[@]} samples, every 0.5 s) | 1 s after | peak (VmHWM) | lines printed | exit on SIGTERM | flat (end ≤ start + 512 KB) |"
  echo "|---:|---:|---:|---:|---:|---:|---|"
  mm="$(printf '%s\n' "${RSS10[@]}" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo " / " hi }')"
  flat="$(awk -v a="$RSS10_START" -v b="$RSS10_END" 'BEGIN { print (b <= a + 512) ? "**met**" : "**missed**" }')"
  echo "| $RSS10_START | $mm | $RSS10_END | $HWM10 | $EVENTS10 | $WATCH_RC | $flat |"
fi
if want 12; then
  echo
  echo "### 12. Dual-stack \`up\` against IPv4-only (issue 22; $ROUNDS12 rounds)"
  echo
  echo "One tenant, \`lanctl up ltb-d --net NET --image $IMAGE --pull never --ip-env LOCAL_IP\` and the flags below, on a dual-stack macvlan network (198.51.100.160/27 and $SUBNET6, on the veth $VETH) and on an IPv4-only one beside it (198.51.100.128/27, on a second veth $VETH2, its peer in the same namespace). Median ms (min, max)."
  echo
  echo "| flags | IPv4-only | dual-stack | dual / IPv4 | goal | verdict |"
  echo "|---|---:|---:|---:|---|---|"
  for pair in "(defaults: probe, readiness)|def" "--wait 0|wait0" "--no-probe --wait 0|noprobe" "bare: its \`docker run\` line (lanctl's dry run), no lanctl|bare"; do
    IFS="|" read -r what k <<<"$pair"
    a=$(med "12.v4$k"); b=$(med "12.v6$k"); q=$(ratio "$b" "$a")
    echo "| $what | $a ($(minmax "12.v4$k")) | $b ($(minmax "12.v6$k")) | $q | ≤ 1.10 | $(verdict "$q" le 1.10) |"
  done
  ok='**missed**'; [[ "${LS12[v4]}" == "${LS12[v6]}" ]] && ok='**met**'
  echo "| \`lanctl ls\`, one tenant: ms | $(med 12.lsv4) ($(minmax 12.lsv4)) | $(med 12.lsv6) ($(minmax 12.lsv6)) | $(ratio "$(med 12.lsv6)" "$(med 12.lsv4)") | – | – |"
  echo "| \`lanctl ls\`, one tenant: docker/ip processes | ${LS12[v4]} | ${LS12[v6]} | – | the same | $ok |"
  echo
  echo "The processes of \`lanctl ls\` with the IPv4-only tenant (IDs shortened):"
  echo '```'
  echo "${LS12WHAT[v4]}" | fold -w 150
  echo '```'
  echo "With the dual-stack tenant:"
  echo '```'
  echo "${LS12WHAT[v6]}" | fold -w 150
  echo '```'
  echo "The bare lines:"
  echo '```'
  echo "${LINE12[v4]}"
  echo "${LINE12[v6]}"
  echo '```'
fi
if [[ -n "$NETCREATE_WARN" ]]; then
  echo "\`lanctl net create\` warned:"
  echo '```'
  echo "$NETCREATE_WARN"
  echo '```'
fi

echo
echo "## Machine"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- CPU: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), nproc $(nproc)"
echo "- memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "- OS: $(. /etc/os-release 2>/dev/null; echo "${PRETTY_NAME:-?}"), kernel $(uname -r), VM $(systemd-detect-virt --vm 2>/dev/null || echo none), container $(systemd-detect-virt --container 2>/dev/null || echo none)"
echo "- docker: client $(docker version --format '{{.Client.Version}}'), server $(docker version --format '{{.Server.Version}}'), storage driver $(docker info --format '{{.Driver}}' 2>/dev/null), cgroup $(docker info --format '{{.CgroupDriver}} v{{.CgroupVersion}}' 2>/dev/null)"
echo "- lanctl: $LANCTL_ID (release build); tree at the start of the run: $COMMIT${STALE:+; warning: the binary is older than $STALE}"
echo "- arping: $( (arping -V 2>&1 || echo none) | head -1)"
echo "- image: $IMAGE ($(docker image inspect "$IMAGE" --format '{{.Size}}' | awk '{ printf "%.1f MB", $1 / 1e6 }'))"
echo "- parent: veth $VETH (peer $PEER in netns $PEER_NS), macvlan bridge mode, $SUBNET blackholed on the host"
