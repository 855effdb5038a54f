#!/bin/bash
# ipvlan l2, dual-stack: two tenants get the first two addresses of both ranges (`up`
# prints them, `ls --json` reads them back as address/address6), a LAN client reaches
# each over IPv6 and over IPv4 on its own addresses, and the client's neighbour table
# holds the parent's MAC for all four: ipvlan's one MAC also answers NDP. The unsolicited
# Neighbor Advertisements after the start (-v shows them) name that MAC too.
. /lab/lab/vm/lib.sh
lan_up
lan6_up
net_create_l2 ltl2d --subnet "$LAN6_SUBNET" --gateway "$LAN6_GW" --ip-range "$LAN6_RANGE"
parent_mac=$(mac_of "$PARENT")
must_stdout lanctl -v up ltt1 ltt2 --net ltl2d --image "$IMAGE" --ip-env LOCAL_IP --ip6-env EXTERNAL_IP
expect_eq "lanctl up output" "$OUT" \
  $'ltt1 198.51.100.200 2001:db8:51:c0::100\nltt2 198.51.100.201 2001:db8:51:c0::101'
expect_eq "NDP announcements" "$(grep '^+ # NDP announcement' <<<"$ERR" | sort)" \
  "+ # NDP announcement on $PARENT: 2001:db8:51:c0::100 is at $parent_mac (unsolicited neighbor advertisement)
+ # NDP announcement on $PARENT: 2001:db8:51:c0::101 is at $parent_mac (unsolicited neighbor advertisement)"
must_stdout lanctl --json ls --net ltl2d
expect_eq "ls --json addresses" "$(jq -r '.[] | "\(.name) \(.address) \(.address6)"' <<<"$OUT" | sort)" \
  $'ltt1 198.51.100.200 2001:db8:51:c0::100\nltt2 198.51.100.201 2001:db8:51:c0::101'
for ip in 2001:db8:51:c0::100 2001:db8:51:c0::101 198.51.100.200 198.51.100.201; do
  expect_reachable "$CLIENT" "$ip"
  run ip -n "$CLIENT" neigh show "$ip"
  expect_eq "client's neighbour entry for $ip" "$(neigh_mac "$CLIENT" "$ip")" "$parent_mac"
done
