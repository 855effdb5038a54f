#!/usr/bin/env bash
# Builds lanctl-test/media:latest, lanctl-test/crash:latest, lanctl-test/sh:latest and
# lanctl-test/health:latest with no registry: the context is a temp dir holding the
# Dockerfile, the entrypoints and the host's static busybox.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
busybox="${BUSYBOX:-/bin/busybox}"
# FROM scratch has no libc: a dynamic busybox would not start. (ldd fails on static ELF.)
if [[ ! -x "$busybox" ]] || ldd "$busybox" >/dev/null 2>&1; then
  echo "build.sh: $busybox missing or not static (apt-get install busybox-static)" >&2
  exit 1
fi
ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
cp "$here/Dockerfile" "$here/media.sh" "$here/crash.sh" "$ctx/"
cp "$busybox" "$ctx/busybox"
# The engine is 20.10 and the client has no buildx: use the classic builder explicitly.
export DOCKER_BUILDKIT=0
for target in media crash sh health; do
  # Output only on failure: the classic builder prints a deprecation notice every time.
  if ! out="$(docker build -q --target "$target" -t "lanctl-test/$target:latest" "$ctx" 2>&1)"; then
    printf '%s\n' "$out" >&2
    exit 1
  fi
done
echo "built lanctl-test/media:latest lanctl-test/crash:latest lanctl-test/sh:latest lanctl-test/health:latest"
