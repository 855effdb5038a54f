#!/usr/bin/env bash
# Builds what a sysadmin installs: one static x86_64 binary (glibc linked statically, so it
# runs on any x86_64 Linux whatever its libc), its completions and man pages, and a .deb.
#   scripts/package.sh            -> target/x86_64-unknown-linux-gnu/release/lanctl, target/assets/, target/debian/*.deb
# Needs libc6-dev (glibc's libc.a) and cargo-deb (`cargo install --locked cargo-deb`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
target=x86_64-unknown-linux-gnu

# The gnu target linked statically: the musl target cannot be added here, and glibc's
# static libc is enough for lanctl, which resolves no names and loads no NSS modules.
RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked --target "$target"
bin="target/$target/release/lanctl"
# ldd lists shared libraries as `name => path`; a static (or static-pie) binary has none.
if ldd "$bin" 2>&1 | grep -q '=>'; then
  echo "package.sh: $bin is not static: $(ldd "$bin" | head -3)" >&2
  exit 1
fi
file "$bin" | grep -qE 'static(-pie)? linked|statically linked' || { echo "package.sh: file(1) does not call $bin static: $(file "$bin")" >&2; exit 1; }

rm -rf target/assets
mkdir -p target/assets/completions target/assets/man
"$bin" completions bash > target/assets/completions/lanctl.bash
"$bin" completions zsh > target/assets/completions/_lanctl
"$bin" completions fish > target/assets/completions/lanctl.fish
"$bin" man --dir target/assets/man

cargo deb --no-build --target "$target" --output target/debian/ >/dev/null
deb=$(ls -t target/debian/lanctl_*.deb | head -1)
echo "static binary: $bin ($(stat -c %s "$bin") bytes)"
echo "package: $deb ($(stat -c %s "$deb") bytes)"
