#!/bin/bash
# ipvlan l2, dual-stack: two tenants get the first two addresses of both ranges (`up`
# prints them, `ls --json` reads them back as address/address6), a LAN client reaches
# each over IPv6 and over IPv4 on its own addresses, and the client's neighbour table
# holds the parent's MAC for all four: ipvlan's one MAC also answers NDP.
. /lab/lab/vm/lib.sh
lan_up
lan6_up
net_create_l2 ltl2d --subnet "$LAN6_SUBNET" --gateway "$LAN6_GW" --ip-range "$LAN6_RANGE"
tenants_up6 ltl2d ltt1 ltt2
expect_eq "lanctl up output" "$OUT" \
  $'ltt1 198.51.100.200 2001:db8:51:c0::100\nltt2 198.51.100.201 2001:db8:51:c0::101'
must_stdout lanctl --json ls --net ltl2d
expect_eq "ls --json addresses" "$(jq -r '.[] | "\(.name) \(.address) \(.address6)"' <<<"$OUT" | sort)" \
  $'ltt1 198.51.100.200 2001:db8:51:c0::100\nltt2 198.51.100.201 2001:db8:51:c0::101'
parent_mac=$(mac_of "$PARENT")
for ip in 2001:db8:51:c0::100 2001:db8:51:c0::101 198.51.100.200 198.51.100.201; do
  expect_reachable "$CLIENT" "$ip"
  run ip -n "$CLIENT" neigh show "$ip"
  expect_eq "client's neighbour entry for $ip" "$(neigh_mac "$CLIENT" "$ip")" "$parent_mac"
done
