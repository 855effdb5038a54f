# shellcheck shell=bash disable=SC2034  # constants for the scenarios that source this
# Sourced by every scenario (inside the VM). A scenario is a plain bash script that exits 0
# when lanctl did what it must, and otherwise calls `fail`, whose message the runner prints
# as the evidence, after the commands and output that led to it.
# In an interactive shell (scripts/lab.sh shell) only the helpers are wanted.
[[ $- == *i* ]] || set -uo pipefail

# The lab's slot is 198.51.100.192/26; every address below is inside it.
LAN_SUBNET=198.51.100.192/27 # the untagged LAN
LAN_GW=198.51.100.193        # the LAN client doubles as its router
CLIENT_IP=198.51.100.193
HOST_IP=198.51.100.194       # this Docker host's address on the parent
LAN_RANGE=198.51.100.200/29  # tenants of the untagged LAN: .200-.207
VLAN_SUBNET=198.51.100.224/28
VLAN_GW=198.51.100.225
VLAN_CLIENT_IP=198.51.100.225
VLAN_UNTAGGED_IP=198.51.100.226
VLAN_RANGE=198.51.100.232/29
L3_SUBNET=198.51.100.240/28  # routed (ipvlan l3/l3s) tenants, reached via HOST_IP
L3_GW=198.51.100.241
L3_RANGE=198.51.100.248/29
# IPv6 uses only 2001:db8:51:c0::/63 (documentation space; scripts/lab.sh blackholes it
# on the host as it does the IPv4 slot): the /64 of the untagged LAN, then the routed one.
LAN6_SUBNET=2001:db8:51:c0::/64
LAN6_GW=2001:db8:51:c0::1         # the LAN client, as for IPv4
CLIENT6_IP=2001:db8:51:c0::1
HOST6_IP=2001:db8:51:c0::2        # this Docker host's IPv6 address on the parent
LAN6_RANGE=2001:db8:51:c0::100/125 # tenants of the untagged LAN: ::100-::107
L36_SUBNET=2001:db8:51:c1::/64     # routed (ipvlan l3) tenants, reached via HOST6_IP
L36_GW=2001:db8:51:c1::1
L36_RANGE=2001:db8:51:c1::100/125
IMAGE=lanctl-test/media:latest
PARENT=ltp0 # the Docker host's end of the LAN
PEER=ltc0   # the LAN end, in the client namespace
CLIENT=ltclient

fail() {
  local msg="$*"
  # One line: the runner takes the evidence from the last FAIL line.
  echo "FAIL: ${msg//$'\n'/\\n}"
  exit 1
}

# Ends the scenario as pending: what it tests cannot be shown here (the runner prints
# `pend NAME: REASON`, which does not fail the run). Only for what lanctl cannot change.
pending() {
  echo "PENDING: $*"
  exit 3
}

# Each logged command carries the seconds since the scenario began: slow steps show.
lab_t0=$EPOCHREALTIME
stamp() { awk -v a="$lab_t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%5.1f", b - a }'; }

# Runs a command, logging it and its output; its status is returned, its output is in $OUT.
run() {
  echo "+ [$(stamp)] $*"
  OUT=$("$@" 2>&1)
  local rc=$?
  [[ -z $OUT ]] || printf '%s\n' "$OUT"
  [[ $rc -eq 0 ]] || echo "(exit $rc)"
  return $rc
}

# Like run, but a non-zero status fails the scenario.
must() {
  run "$@" || fail "$* exited $?: $(tail -n 1 <<<"$OUT")"
}

# Like run, but only stdout lands in $OUT, stderr in $ERR; both are logged.
run_stdout() {
  echo "+ [$(stamp)] $*"
  local err
  err=$(mktemp)
  OUT=$("$@" 2>"$err")
  local rc=$?
  ERR=$(<"$err")
  rm -f "$err"
  [[ -z $OUT ]] || printf '%s\n' "$OUT"
  # shellcheck disable=SC2001  # a prefix on every line
  [[ -z $ERR ]] || sed 's/^/(stderr) /' <<<"$ERR"
  [[ $rc -eq 0 ]] || echo "(exit $rc)"
  return $rc
}

must_stdout() {
  run_stdout "$@" || fail "$* exited $?: $(tail -n 1 <<<"$ERR")"
}

expect_eq() {
  local what=$1 got=$2 want=$3
  [[ $got == "$want" ]] || fail "$what: got '$got', want '$want'"
}

# Cleanups run in reverse order at exit, whatever the outcome. Docker's networks and
# containers need none: after each scenario the runner removes every one (docker rm -f,
# docker network rm: one call each, where lanctl down/net rm take seconds per object
# under TCG), and every interface and namespace left.
cleanups=()
on_exit() { cleanups+=("$*"); }
run_cleanups() {
  local i
  echo "+ [$(stamp)] cleanup"
  for ((i = ${#cleanups[@]} - 1; i >= 0; i--)); do eval "${cleanups[i]}" >/dev/null 2>&1; done
  echo "+ [$(stamp)] cleanup done"
}
[[ $- == *i* ]] || trap run_cleanups EXIT

# The body of http://IP/ as the test image serves it (LOCAL_IP=...), from namespace $1
# (empty: this host); an IPv6 address goes in brackets. Static busybox, not curl: under
# TCG every shared library costs. (`wget -T` segfaults in Debian 12's busybox, hence timeout.)
http_get() {
  local ns=$1 ip=$2 enter=() host=$2
  [[ $ip != *:* ]] || host="[$ip]"
  [[ -z $ns ]] || enter=(nsenter "--net=/run/netns/$ns")
  "${enter[@]}" busybox timeout 3 busybox wget -qO- "http://$host/" 2>&1
  local rc=$?
  ((rc != 143)) || echo "no answer within 3 s"
  return $rc
}

# The tenant serves its own address on its page: an IPv4 one as LOCAL_IP, an IPv6 one as
# EXTERNAL_IP (tenants_up6 sets both), so an answer from the wrong tenant does not pass.
expect_reachable() {
  local ns=$1 ip=$2 body i key=LOCAL_IP
  [[ $ip != *:* ]] || key=EXTERNAL_IP
  echo "+ [$(stamp)] http_get '${ns:-host}' $ip"
  for i in $(seq 20); do
    if body=$(http_get "$ns" "$ip") && grep -qx "$key=$ip" <<<"$body"; then
      echo "reached $ip from ${ns:-the host} (try $i)"
      return 0
    fi
    sleep 0.5
  done
  fail "tenant $ip not reachable from ${ns:-the host}: ${body:-no answer}"
}

expect_unreachable() {
  local ns=$1 ip=$2 body
  echo "+ [$(stamp)] http_get '${ns:-host}' $ip (must fail)"
  if body=$(http_get "$ns" "$ip"); then
    fail "tenant $ip answered ${ns:-the host}, which must not reach it: $(head -n 1 <<<"$body")"
  fi
  echo "unreachable as it must be: $body"
}

# Docker Engine 23.0 added ipvlan's l3s mode; older daemons refuse it.
engine_has_l3s() {
  local v
  v=$(docker version -f '{{.Server.Version}}')
  ((${v%%.*} >= 23))
}

mac_of() { cat "/sys/class/net/$1/address"; }

# The neighbour entry's MAC for $2 in namespace $1 (empty: this host).
neigh_mac() {
  local ns=()
  [[ -z $1 ]] || ns=(-n "$1")
  ip "${ns[@]}" neigh show "$2" | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'
}

# The LAN: the Docker host's parent ltp0 (HOST_IP) is a veth whose peer ltc0 sits in the
# client namespace (CLIENT_IP), like a LAN with one other machine on it.
lan_up() {
  must ip netns add "$CLIENT"
  on_exit ip netns del "$CLIENT"
  must ip link add "$PARENT" type veth peer name "$PEER" netns "$CLIENT"
  on_exit ip link del "$PARENT"
  must ip addr add "$HOST_IP/27" dev "$PARENT"
  must ip link set "$PARENT" up
  must ip -n "$CLIENT" link set lo up
  must ip -n "$CLIENT" addr add "$CLIENT_IP/27" dev "$PEER"
  must ip -n "$CLIENT" link set "$PEER" up
}

# IPv6 on the LAN of lan_up: HOST6_IP on the parent, CLIENT6_IP on the client's end, both
# without DAD (nothing else is on this LAN), so neither is tentative when the test begins.
lan6_up() {
  must ip addr add "$HOST6_IP/64" dev "$PARENT" nodad
  must ip -n "$CLIENT" addr add "$CLIENT6_IP/64" dev "$PEER" nodad
}

# lanctl network NAME on the parent with the usual untagged-LAN spec, plus extra options.
# (Networks and containers need no on_exit: the runner removes them after each scenario.)
net_create_l2() {
  local name=$1
  shift
  must lanctl net create "$name" --driver ipvlan --parent "$PARENT" --mode l2 \
    --subnet "$LAN_SUBNET" --gateway "$LAN_GW" --ip-range "$LAN_RANGE" "$@"
}

# Tenants NAME... on network NET from the test image; LOCAL_IP is their own address.
tenants_up() {
  local net=$1
  shift
  must_stdout lanctl up "$@" --net "$net" --image "$IMAGE" --ip-env LOCAL_IP
}

# Dual-stack tenants NAME... on network NET: LOCAL_IP is their IPv4 address, EXTERNAL_IP
# their IPv6 one (the two variables the test image shows).
tenants_up6() {
  local net=$1
  shift
  must_stdout lanctl up "$@" --net "$net" --image "$IMAGE" --ip-env LOCAL_IP --ip6-env EXTERNAL_IP
}

# The address lanctl gave tenant $1.
tenant_ip() {
  docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"
}

# Two VMs (run --two) meet through files in the share: `signal NAME TEXT` publishes,
# `await NAME SECONDS [UNLESS]` waits for it and prints TEXT, giving up early when UNLESS
# is published (the other VM has stopped waiting for us).
signal() {
  printf '%s\n' "$2" > "/lab/sync/.$1.tmp" && mv "/lab/sync/.$1.tmp" "/lab/sync/$1"
}
await() {
  local i
  for ((i = 0; i < $2 * 2; i++)); do
    if [[ -f /lab/sync/$1 ]]; then
      cat "/lab/sync/$1"
      return 0
    fi
    [[ -n ${3:-} && -f /lab/sync/$3 ]] && return 1
    sleep 0.5
  done
  return 1
}
