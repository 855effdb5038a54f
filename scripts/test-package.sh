#!/usr/bin/env bash
# The install paths a new user takes, tried for real: the .deb (dpkg -i, then lanctl
# --version, man -w lanctl, the bash completion, lintian), and the static binary alone in a
# FROM scratch container. Removes the package and the image again, also on failure.
# Run as root after scripts/package.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=target/x86_64-unknown-linux-gnu/release/lanctl
deb=$(ls -t target/debian/lanctl_*.deb | head -1)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
image=lanctl-test/static:latest
ctx=$(mktemp -d)
installed=""
cleanup() {
  [[ -n $installed ]] && dpkg -r lanctl >/dev/null 2>&1
  docker image rm -f "$image" >/dev/null 2>&1
  rm -rf "$ctx"
}
trap cleanup EXIT
fail() { echo "test-package: $*" >&2; exit 1; }

dpkg -s lanctl >/dev/null 2>&1 && fail "a lanctl package is already installed; remove it first (dpkg -r lanctl)"
dpkg -i "$deb" >/dev/null
installed=1
[[ $(/usr/bin/lanctl --version) == "lanctl $version" ]] || fail "/usr/bin/lanctl --version says $(/usr/bin/lanctl --version)"
page=$(man -w lanctl) || fail "man -w lanctl finds no page"
[[ $page == /usr/share/man/man1/lanctl.1* ]] || fail "man -w lanctl gives $page"
man -w lanctl-up >/dev/null || fail "man -w lanctl-up finds no page"
grep -q 'complete -F _lanctl' /usr/share/bash-completion/completions/lanctl || fail "no bash completion for lanctl"
dpkg -s lanctl | grep -q '^Depends: iproute2' || fail "the package does not depend on iproute2"
unit=/lib/systemd/system/lanctl-check@.service
grep -qx 'ExecStart=/usr/bin/lanctl check --watch --json %i' "$unit" || fail "$unit is missing or runs another command"
echo "ok  deb: $(basename "$deb") installs /usr/bin/lanctl $version, man page $page, bash completion, $unit"

# What Debian's own checker says of the package: no error; its warnings are counted.
command -v lintian >/dev/null || fail "lintian is not installed (apt-get install lintian)"
tags=$(lintian --tag-display-limit 0 "$deb" 2>/dev/null) || true
errors=$(grep '^E: ' <<<"$tags" || true)
[[ -z $errors ]] || fail "lintian reports errors on $(basename "$deb"): $errors"
echo "ok  lintian: no error on $(basename "$deb"), $(grep -c '^W: ' <<<"$tags" || true) warning(s)"

# The static binary in an image with nothing else: no libc, no loader, no shell.
cp "$bin" "$ctx/lanctl"
printf 'FROM scratch\nCOPY lanctl /lanctl\nENTRYPOINT ["/lanctl"]\n' > "$ctx/Dockerfile"
DOCKER_BUILDKIT=0 docker build -q -t "$image" "$ctx" >/dev/null 2>&1 || fail "cannot build the FROM scratch image"
out=$(docker run --rm --network none "$image" --version) || fail "the static binary does not run in a FROM scratch container"
[[ $out == "lanctl $version" ]] || fail "in FROM scratch, --version says $out"
echo "ok  static: $bin ($(stat -c %s "$bin") bytes) runs in a FROM scratch container"

# From source, as the README's third way: cargo install into a throwaway root.
root="$ctx/cargo-root"
cargo install --locked --quiet --path . --root "$root" --target-dir target/install-check
[[ $("$root/bin/lanctl" --version) == "lanctl $version" ]] || fail "cargo install gave a lanctl that says $("$root/bin/lanctl" --version)"
echo "ok  cargo install --locked --path . gives lanctl $version"
