#!/bin/bash
# A tenant on VLAN 42 answers a client on VLAN 42 and not a client in the same subnet on
# the untagged LAN. The VLAN client is PEER.42, a sub-interface of the LAN end of the wire,
# in a namespace of its own; the untagged client is the LAN end itself.
. /lab/lab/vm/lib.sh
lan_up
vclient=ltvclient
on_exit ip netns del "$vclient"
must ip netns add "$vclient"
must ip -n "$CLIENT" link add link "$PEER" name "$PEER.42" type vlan id 42
must ip -n "$CLIENT" link set "$PEER.42" netns "$vclient"
must ip -n "$vclient" addr add "$VLAN_CLIENT_IP/28" dev "$PEER.42"
must ip -n "$vclient" link set "$PEER.42" up
must ip -n "$CLIENT" addr add "$VLAN_UNTAGGED_IP/28" dev "$PEER"

must lanctl net create ltv --driver ipvlan --parent "$PARENT" --vlan 42 \
  --subnet "$VLAN_SUBNET" --gateway "$VLAN_GW" --ip-range "$VLAN_RANGE"
tenants_up ltv ltt42
ip=$(tenant_ip ltt42)
expect_eq "tenant address on VLAN 42" "$ip" 198.51.100.232
expect_reachable "$vclient" "$ip"
expect_unreachable "$CLIENT" "$ip"
