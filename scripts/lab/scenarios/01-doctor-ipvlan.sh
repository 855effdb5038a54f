#!/bin/bash
# doctor passes (exit 0) for ipvlan on a veth parent in a kernel that has ipvlan, with the
# live probe (a real ipvlan link in a throwaway namespace) and the kernel config both ok.
. /lab/lab/vm/lib.sh
lan_up
run lanctl doctor --driver ipvlan --parent "$PARENT"
expect_eq "lanctl doctor --driver ipvlan --parent $PARENT exit status" "$?" 0
run_stdout lanctl doctor --json --driver ipvlan --parent "$PARENT" || fail "lanctl doctor --json exited $?"
status_of() { jq -r --arg id "$1" '.checks[] | select(.id == $id) | .status' <<<"$OUT"; }
expect_eq "check probe.ipvlan" "$(status_of probe.ipvlan)" ok
expect_eq "check kernel.config.ipvlan" "$(status_of kernel.config.ipvlan)" ok
expect_eq "checks that failed" "$(jq -r '.checks[] | select(.status == "fail") | .id' <<<"$OUT")" ""
