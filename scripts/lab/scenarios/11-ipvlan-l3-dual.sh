#!/bin/bash
# ipvlan l3, dual-stack: both tenant subnets are routed, not bridged. `net show` names
# the IPv6 route the LAN needs, via this host's IPv6 address on the parent; the LAN
# client cannot reach the tenant's IPv6 address until it adds that route, then it can,
# and the IPv4 address likewise once the IPv4 route is in.
. /lab/lab/vm/lib.sh
lan_up
lan6_up
must lanctl net create ltl3d --driver ipvlan --parent "$PARENT" --mode l3 \
  --subnet "$L3_SUBNET" --gateway "$L3_GW" --ip-range "$L3_RANGE" \
  --subnet "$L36_SUBNET" --gateway "$L36_GW" --ip-range "$L36_RANGE"
want6="ip -6 route add $L36_SUBNET via $HOST6_IP"
want4="ip route add $L3_SUBNET via $HOST_IP"
run_stdout lanctl net show ltl3d || fail "lanctl net show ltl3d exited $?"
grep -qF -- "$want6" <<<"$OUT" || fail "net show does not say '$want6' on stdout"
grep -qF -- "$want4" <<<"$OUT" || fail "net show does not say '$want4' on stdout"
# The route as net show printed it, for the client to run below.
read -ra route < <(grep -oE "ip -6 route add [0-9a-f:/]+ via [0-9a-f:]+" <<<"$OUT" | head -n 1)
tenants_up6 ltl3d ltt3
expect_eq "lanctl up output" "$OUT" "ltt3 198.51.100.248 2001:db8:51:c1::100"
expect_unreachable "$CLIENT" 2001:db8:51:c1::100
must ip -n "$CLIENT" "${route[@]:1}"
expect_reachable "$CLIENT" 2001:db8:51:c1::100
expect_unreachable "$CLIENT" 198.51.100.248
must ip -n "$CLIENT" route add "$L3_SUBNET" via "$HOST_IP"
expect_reachable "$CLIENT" 198.51.100.248
