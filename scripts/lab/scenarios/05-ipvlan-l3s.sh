#!/bin/bash
# ipvlan l3s (l3 with the host's netfilter in the path): as l3, the LAN client reaches the
# tenant once it routes the tenant subnet via this host. Docker Engine 23.0 added l3s; an
# older daemon refuses it, and then lanctl must fail cleanly (non-zero, no network left),
# and the reachability part is pending: this VM's engine cannot show it.
. /lab/lab/vm/lib.sh
lan_up
create=(lanctl net create ltl3s --driver ipvlan --parent "$PARENT" --mode l3s
  --subnet "$L3_SUBNET" --gateway "$L3_GW" --ip-range "$L3_RANGE")
if ! engine_has_l3s; then
  engine=$(docker version -f '{{.Server.Version}}')
  run "${create[@]}" && fail "net create --mode l3s succeeded on docker $engine, which has no l3s"
  rc=$?
  docker network inspect ltl3s >/dev/null 2>&1 && fail "the refused net create --mode l3s left network ltl3s"
  grep -q "l3s" <<<"$OUT" || fail "lanctl's error does not name l3s: $OUT"
  pending "docker $engine has no ipvlan l3s (Docker Engine 23.0 added it); lanctl failed cleanly (exit $rc)"
fi
must "${create[@]}"
tenants_up ltl3s ltt3s
expect_eq "lanctl up output" "$OUT" "ltt3s 198.51.100.248"
expect_unreachable "$CLIENT" 198.51.100.248
must ip -n "$CLIENT" route add "$L3_SUBNET" via "$HOST_IP"
expect_reachable "$CLIENT" 198.51.100.248
