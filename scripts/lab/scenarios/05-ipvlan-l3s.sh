#!/bin/bash
# ipvlan l3s (l3 with the host's netfilter in the path): as l3, the LAN client reaches the
# tenant once it routes the tenant subnet via this host. Docker Engine 23.0 added l3s; an
# older daemon refuses it, and lanctl checks that first: exit 3, one line, no network left,
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
  ((rc == 3)) || fail "net create --mode l3s on docker $engine exited $rc, not 3 (a prerequisite the engine lacks)"
  want="lanctl: check failed: docker.mode: ipvlan mode l3s needs Docker Engine 23.0 or newer; this engine is $engine; use --mode l3 (the same routing, without the host's netfilter in the path) or upgrade the engine"
  grep -qxF "$want" <<<"$OUT" || fail "lanctl's refusal is not the one line expected: $OUT"
  pending "docker $engine has no ipvlan l3s (Docker Engine 23.0 added it); lanctl refused it first (exit 3)"
fi
must "${create[@]}"
tenants_up ltl3s ltt3s
expect_eq "lanctl up output" "$OUT" "ltt3s 198.51.100.248"
expect_unreachable "$CLIENT" 198.51.100.248
must ip -n "$CLIENT" route add "$L3_SUBNET" via "$HOST_IP"
expect_reachable "$CLIENT" 198.51.100.248
