#!/bin/bash
# For ipvlan l3/l3s the LAN must route the tenant subnet via this host: `net create` and
# `net show` say the exact command, `ip route add SUBNET via HOSTADDR`, where HOSTADDR is
# the parent's IPv4 address. The route they print, added on the client, makes the tenant
# reachable (so the guidance is not only worded right but works).
. /lab/lab/vm/lib.sh
lan_up
want="ip route add $L3_SUBNET via $HOST_IP"
modes=(l3)
engine_has_l3s && modes+=(l3s) # see ipvlan-l3s
for mode in "${modes[@]}"; do
  net=ltg$mode
  must lanctl net create "$net" --driver ipvlan --parent "$PARENT" --mode "$mode" \
    --subnet "$L3_SUBNET" --gateway "$L3_GW" --ip-range "$L3_RANGE"
  grep -qF -- "$want" <<<"$OUT" || fail "net create ($mode) does not say '$want'"
  run_stdout lanctl net show "$net" || fail "lanctl net show $net exited $?"
  grep -qF -- "$want" <<<"$OUT" || fail "net show ($mode) does not say '$want' on stdout"
  read -ra route < <(grep -oE "ip route add [0-9./]+ via [0-9.]+" <<<"$OUT" | head -n 1)
  tenants_up "$net" "ltg$mode"
  must ip -n "$CLIENT" "${route[@]:1}"
  expect_reachable "$CLIENT" "$(tenant_ip "ltg$mode")"
  must ip -n "$CLIENT" route del "${route[@]:3}"
  must lanctl down "ltg$mode"
  must lanctl net rm "$net"
done
