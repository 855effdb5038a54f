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

# Removes what a scenario left behind, so that one failure does not fail the next ones;
# prints what it found.
sweep() {
  local left=() c n l
  for c in $(docker ps -aq); do left+=("container:$(docker inspect -f '{{.Name}}' "$c")"); docker rm -f "$c" >/dev/null; done
  for n in $(docker network ls --filter type=custom --format '{{.Name}}'); do left+=("network:$n"); docker network rm "$n" >/dev/null; done
  for l in $(ip -o link show | awk -F': ' '{ print $2 }' | cut -d@ -f1 | grep -vxE 'lo|eth0'); do
    left+=("link:$l")
    ip link del "$l" 2>/dev/null
  done
  for n in $(ip netns list | awk '{ print $1 }'); do left+=("netns:$n"); ip netns del "$n"; done
  printf '%s\n' "${left[@]}"
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
report "lab: timings: $(IFS=,; echo "${timings[*]}" | sed 's/,/, /g')"
