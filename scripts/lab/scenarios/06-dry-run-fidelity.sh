#!/bin/bash
# What `--dry-run net create` prints, run by bash, builds the same network as the real
# `net create`: the two `docker network inspect` outputs are equal once the fields that
# differ between any two networks (Name, Id, Created) are dropped.
. /lab/lab/vm/lib.sh
lan_up
spec=(--driver ipvlan --parent "$PARENT" --mode l2 --subnet "$LAN_SUBNET" --gateway "$LAN_GW"
  --ip-range "$LAN_RANGE" --aux-address printer=198.51.100.199)
normalized() {
  docker network inspect "$1" | jq -S '.[0] | del(.Name, .Id, .Created)'
}

run_stdout lanctl --dry-run net create ltdry "${spec[@]}" || fail "lanctl --dry-run net create exited $?"
plan=$OUT
[[ -n $plan ]] || fail "lanctl --dry-run net create printed nothing"
docker network inspect ltdry >/dev/null 2>&1 && fail "--dry-run created network ltdry"
must bash -euc "$plan"
dry=$(normalized ltdry) || fail "the dry-run plan made no network ltdry"
must docker network rm ltdry

must lanctl net create ltreal "${spec[@]}"
real=$(normalized ltreal) || fail "net create made no network ltreal"
if [[ $dry != "$real" ]]; then
  echo "dry-run plan:"
  echo "$plan"
  diff <(echo "$dry") <(echo "$real")
  fail "the network built from the dry-run plan differs from the real one (diff above: < dry-run, > real)"
fi
echo "equal: $(jq -c '{Driver, Options, IPAM, Labels}' <<<"$real")"
