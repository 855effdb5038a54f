#!/bin/bash
# ipvlan l3: the tenant subnet is routed, not bridged. The LAN client cannot reach the
# tenant until it routes the tenant subnet via this host's address on the parent; then it
# can, on the tenant's own address.
. /lab/lab/vm/lib.sh
lan_up
must lanctl net create ltl3 --driver ipvlan --parent "$PARENT" --mode l3 \
  --subnet "$L3_SUBNET" --gateway "$L3_GW" --ip-range "$L3_RANGE"
tenants_up ltl3 ltt3
expect_eq "lanctl up output" "$OUT" "ltt3 198.51.100.248"
expect_unreachable "$CLIENT" 198.51.100.248
must ip -n "$CLIENT" route add "$L3_SUBNET" via "$HOST_IP"
expect_reachable "$CLIENT" 198.51.100.248
