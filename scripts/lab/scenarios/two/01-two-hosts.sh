#!/bin/bash
# Two Docker hosts on one LAN (the VMs' eth0, joined by QEMU over a unix socket): a tenant
# on vm1 is reached from vm2 itself and from a tenant on vm2, on its own address and
# behind vm1's MAC. Both VMs run this file; vm1 gives the verdict, with vm2's evidence.
. /lab/lab/vm/lib.sh
# shellcheck disable=SC2034  # net_create_l2 reads it
PARENT=eth0
VM1_IP=198.51.100.194
VM2_IP=198.51.100.195
TENANT_IP=198.51.100.200
VM1_MAC=52:54:00:1a:b0:01 # set by scripts/lab.sh

vm2_checks() {
  must ip addr add "$VM2_IP/27" dev eth0
  must ip link set eth0 up
  must lanctl net create ltl2 --driver ipvlan --parent eth0 --mode l2 \
    --subnet "$LAN_SUBNET" --gateway "$LAN_GW" --ip-range 198.51.100.208/29
  tenants_up ltl2 ltu2
  echo "+ await vm1-ready"
  await vm1-ready 200 vm1-done || fail "vm1 did not get its tenant up (it stopped, or 200 s passed)"
  expect_reachable "" "$TENANT_IP"
  run ip neigh show "$TENANT_IP"
  expect_eq "vm2's neighbour entry for vm1's tenant" "$(neigh_mac "" "$TENANT_IP")" "$VM1_MAC"
  run docker exec ltu2 timeout 5 wget -qO- "http://$TENANT_IP/"
  grep -qx "LOCAL_IP=$TENANT_IP" <<<"$OUT" || fail "tenant ltu2 on vm2 cannot reach vm1's tenant $TENANT_IP: $OUT"
}

case $LAB_ROLE in
  vm1)
    # Whatever happens here, vm2 must not wait for a tenant that will never come.
    on_exit signal vm1-done "done"
    must ip addr add "$VM1_IP/27" dev eth0
    must ip link set eth0 up
    expect_eq "vm1's eth0 MAC" "$(mac_of eth0)" "$VM1_MAC"
    net_create_l2 ltl2
    tenants_up ltl2 ltt1
    expect_eq "lanctl up output" "$OUT" "ltt1 $TENANT_IP"
    signal vm1-ready "$TENANT_IP"
    echo "+ await vm2-result"
    result=$(await vm2-result 200) || fail "vm2 gave no result within 200 s"
    [[ $result == pass ]] || fail "vm2: $result"
    echo "vm2 reached vm1's tenant"
    ;;
  vm2)
    if out=$(vm2_checks 2>&1); then
      signal vm2-result pass
    else
      why=$(grep '^FAIL: ' <<<"$out" | tail -n 1 | cut -c7-)
      signal vm2-result "${why:-its checks stopped without a FAIL line}"
    fi
    printf '%s\n' "$out"
    # vm1's tenant must stay reachable until vm1 is done with it; then clean up here too.
    await vm1-done 200 >/dev/null
    grep -q '^FAIL: ' <<<"$out" && exit 1
    exit 0
    ;;
esac
