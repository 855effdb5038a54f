#!/bin/bash
# Runs scenarios inside the lab VM (all of the set by default, or those named) and writes
# one verdict per scenario to the report: `pass NAME`, `fail NAME: EVIDENCE` with the
# commands and output before it, or `pend NAME: EVIDENCE` for a scenario that calls
# `pending` (this VM cannot show it) or whose file says `# lab: pending` (a behaviour
# lanctl does not have yet) and that fails.
set -u
out=/lab/out/$LAB_ROLE
dir=/lab/lab/scenarios
((LAB_VMS == 1)) || dir=/lab/lab/scenarios/two
per_scenario=${LAB_SCENARIO_TIMEOUT:-240}

report() { printf '%s\n' "$*" | tee -a "$out/report"; }
indent() { sed 's/^/    | /' | tee -a "$out/report"; }

# Resets the VM between scenarios: every container and network (scenarios leave them to
# this: one docker call each instead of seconds per lanctl down/net rm under TCG), then
# interfaces and namespaces, which a scenario removes itself; prints those it did not.
sweep() {
  local l n
  docker ps -aq | xargs -r docker rm -f >/dev/null
  docker network ls -q --filter type=custom | xargs -r docker network rm >/dev/null
  for l in $(ip -o link show | awk -F': ' '{ print $2 }' | cut -d@ -f1 | grep -vxE 'lo|eth0'); do
    ip link del "$l" 2>/dev/null && echo "link:$l"
  done
  for n in $(ip netns list | awk '{ print $1 }'); do ip netns del "$n" && echo "netns:$n"; done
}

declare -A file_of
for f in "$dir"/[0-9]*.sh; do
  name=${f##*/}
  name=${name#*-}
  file_of[${name%.sh}]=$f
done
names=("$@")
if ((${#names[@]} == 0)); then
  for f in "$dir"/[0-9]*.sh; do
    name=${f##*/}
    name=${name#*-}
    names+=("${name%.sh}")
  done
fi

timings=()
for name in "${names[@]}"; do
  f=${file_of[$name]:-}
  if [[ -z $f ]]; then
    report "fail $name: no such scenario in $dir"
    continue
  fi
  log=/run/lab/$name.log
  t0=$(date +%s%N)
  ( cd /tmp && timeout -k 5 "$per_scenario" bash "$f" ) >"$log" 2>&1
  rc=$?
  secs=$(( ($(date +%s%N) - t0) / 100000000 ))
  timings+=("$name $((secs / 10)).$((secs % 10))s")
  mapfile -t swept < <(sweep)
  if ((rc == 0)); then
    report "pass $name"
    [[ ! -f /lab/verbose ]] || indent <"$log" >/dev/null
    if grep -q '^# lab: pending' "$f"; then
      report "lab: $name passes: remove '# lab: pending' from ${f##*/}"
    fi
  else
    evidence=$(grep -E '^(FAIL|PENDING): ' "$log" | tail -n 1 | sed -E 's/^(FAIL|PENDING): //')
    ((rc == 124)) && evidence="timed out after $per_scenario s"
    [[ -n $evidence ]] || evidence="exited $rc without a FAIL line"
    verdict=fail
    # Exit 3 is the scenario's own `pending`; the file's marker makes any failure pending.
    if ((rc == 3)) || grep -q '^# lab: pending' "$f"; then verdict=pend; fi
    report "$verdict $name: $evidence"
    grep -vE '^(FAIL|PENDING): ' "$log" | tail -n 25 | indent
  fi
  ((${#swept[@]} == 0 || ${#swept[0]} == 0)) || report "lab: $name left behind (removed): ${swept[*]}"
done
printf -v joined '%s, ' "${timings[@]}"
report "lab: timings: ${joined%, }"
