#!/bin/bash
# 802.1Q: `--vlan 42` makes PARENT.42 and `net rm` removes it; a PARENT.42 made by hand
# before `net create --parent PARENT.42` is the admin's, and `net rm` leaves it alone.
. /lab/lab/vm/lib.sh
lan_up
vlan=$PARENT.42
spec=(--driver ipvlan --subnet "$VLAN_SUBNET" --gateway "$VLAN_GW" --ip-range "$VLAN_RANGE")
vlan_id() { ip -j -d link show "$1" 2>/dev/null | jq -r '.[0].linkinfo | select(.info_kind == "vlan") | .info_data.id'; }

on_exit ip link del "$vlan"
ip link show "$vlan" >/dev/null 2>&1 && fail "$vlan exists before the test"
must lanctl net create ltv --parent "$PARENT" --vlan 42 "${spec[@]}"
run ip -d link show "$vlan"
expect_eq "802.1Q id of $vlan after net create --vlan 42" "$(vlan_id "$vlan")" 42
expect_eq "network ltv's parent" "$(docker network inspect -f '{{index .Options "parent"}}' ltv)" "$vlan"
must lanctl net rm ltv
if ip link show "$vlan" >/dev/null 2>&1; then fail "net rm left $vlan that net create made: $(ip -br link show "$vlan")"; fi

must ip link add link "$PARENT" name "$vlan" type vlan id 42
must ip link set "$vlan" up
must lanctl net create ltv --parent "$vlan" "${spec[@]}"
must lanctl net rm ltv
ip link show "$vlan" >/dev/null 2>&1 || fail "net rm removed $vlan, which was made by hand before net create"
expect_eq "802.1Q id of the hand-made $vlan after net rm" "$(vlan_id "$vlan")" 42
