#!/bin/bash
# The ipvlan shim: this host cannot reach its own l2 tenant until `host-access`, can with
# it, cannot once `--remove` took it away; `--persist` prints boot-time configuration
# that recreates exactly this shim.
. /lab/lab/vm/lib.sh
lan_up
net_create_l2 ltl2
tenants_up ltl2 ltt1
ip=198.51.100.200
shim=lc-ltl2
shim_ip=198.51.100.222 # the highest free address of the subnet outside the range

expect_unreachable "" "$ip"
on_exit ip link del "$shim"
must lanctl host-access ltl2
run ip -d -br addr show "$shim" || fail "host-access made no interface $shim"
expect_eq "shim address" "$(ip -j addr show "$shim" | jq -r '.[0].addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"')" "$shim_ip/32"
expect_eq "shim kind" "$(ip -j -d link show "$shim" | jq -r '.[0].linkinfo.info_kind')" ipvlan
expect_reachable "" "$ip"

must lanctl host-access ltl2 --persist ifupdown
want_ifupdown="# /etc/network/interfaces.d/lanctl-$shim
# lanctl host-access shim for network ltl2: lets this host reach its tenants
auto $shim
iface $shim inet static
    address $shim_ip/32
    pre-up ip link add $shim link $PARENT type ipvlan mode l2
    up ip route add $LAN_RANGE dev $shim
    post-down ip link delete $shim"
expect_eq "host-access --persist ifupdown" "$OUT" "$want_ifupdown"

# The VM's parent has no .network file of networkd's, so the line that attaches the shim
# comes as an instruction for the file that will configure it, not as a path of its own.
must lanctl host-access ltl2 --persist systemd-networkd
for line in "# /etc/systemd/network/50-lanctl-$shim.netdev" "Name=$shim" "Kind=ipvlan" "[IPVLAN]" "Mode=L2" \
  "# /etc/systemd/network/50-lanctl-$shim.network" "Address=$shim_ip/32" "Destination=$LAN_RANGE" "# IPVLAN=$shim"; do
  grep -qxF -- "$line" <<<"$OUT" || fail "host-access --persist systemd-networkd lacks the line '$line'"
done

must lanctl host-access ltl2 --remove
ip link show "$shim" >/dev/null 2>&1 && fail "host-access --remove left $shim: $(ip -br link show "$shim")"
expect_unreachable "" "$ip"
