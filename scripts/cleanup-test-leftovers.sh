#!/usr/bin/env bash
# Removes what killed test runs left behind: containers, docker networks, interfaces and
# network namespaces named lt*, and blackhole routes inside the two test ranges.
# Takes the real-test lock first, so it never tears down a test that is still running.
# Caution: anything else named lt* (a colleague's experiment by hand) goes too.
set -uo pipefail   # no -e: one stubborn leftover must not stop the rest

exec 9>/tmp/lanctl-real-tests.lock
flock -w 900 9 || echo "cleanup: lock busy for 15 min, cleaning anyway" >&2

if docker info >/dev/null 2>&1; then
  mapfile -t cs < <(docker ps -a --format '{{.Names}}' | grep '^lt' || true)
  ((${#cs[@]})) && docker rm -f "${cs[@]}" >/dev/null
  mapfile -t ns < <(docker network ls --format '{{.Name}}' | grep '^lt' || true)
  for n in "${ns[@]}"; do docker network rm "$n" >/dev/null; done
fi

# `ip -o link` prints "7: ltab12p@if6: <...>"; the name ends at '@' or ':'.
for l in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^lt' || true); do
  ip link del "$l" 2>/dev/null
done
for n in $(ip netns list | awk '{print $1}' | grep '^lt' || true); do
  ip netns del "$n"
done
for r in $(ip -4 route show type blackhole | awk '{print $2}' \
           | grep -E '^(198\.51\.100|203\.0\.113)\.' || true); do
  ip route del blackhole "$r"
done
exit 0
