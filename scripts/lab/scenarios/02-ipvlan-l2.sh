#!/bin/bash
# ipvlan l2: two tenants on a veth parent get the first two addresses of the range, a LAN
# client reaches each on its own address (served with its own LOCAL_IP), and the client's
# neighbour table holds the parent's MAC for both: ipvlan's one-MAC-per-port promise.
. /lab/lab/vm/lib.sh
lan_up
net_create_l2 ltl2
tenants_up ltl2 ltt1 ltt2
expect_eq "lanctl up output" "$OUT" $'ltt1 198.51.100.200\nltt2 198.51.100.201'
parent_mac=$(mac_of "$PARENT")
for ip in 198.51.100.200 198.51.100.201; do
  expect_reachable "$CLIENT" "$ip"
  run ip -n "$CLIENT" neigh show "$ip"
  expect_eq "client's neighbour entry for $ip" "$(neigh_mac "$CLIENT" "$ip")" "$parent_mac"
done
