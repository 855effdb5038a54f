#!/usr/bin/env bash
# The test command: run as root from anywhere. Makes sure a Docker engine and the offline
# test images exist, clears leftovers of killed runs, runs every test including the
# real-engine ones (#[ignore]d for plain `cargo test`), and clears up again at exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DEBIAN_FRONTEND=noninteractive
exec </dev/null   # CI has no stdin; nothing below may wait on one

if [[ $(id -u) -ne 0 ]]; then
  echo "test.sh: must run as root (creates interfaces, routes, docker networks)" >&2
  exit 1
fi

apt_updated=""
# Packages install without starting their services (openssh-server would start a system
# sshd on port 22, docker.io a daemon this script starts itself below): a policy-rc.d
# that says no is put in place for the install only, unless the machine has its own.
apt_install() {
  [[ -n $apt_updated ]] || { apt-get update -qq; apt_updated=1; }
  local policy=/usr/sbin/policy-rc.d ours=""
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && ours=1
  fi
  local rc=0
  apt-get install -y -qq "$@" >/dev/null || rc=$?
  [[ -z $ours ]] || rm -f "$policy"
  return $rc
}

command -v ip >/dev/null || apt_install iproute2
command -v flock >/dev/null || apt_install util-linux
# The LAN duplicate-address probe is tested for real: iputils' arping.
arping -V 2>&1 | grep -q iputils || apt_install iputils-arping
# tests/testsuite/two_hosts.rs runs an sshd per test host (tests/testsuite/common/twohost.rs).
[[ -x /usr/sbin/sshd ]] || apt_install openssh-server
# doctor --dhcp is tested against a real DHCP server (tests/testsuite/dhcp_real.rs): dnsmasq-base is
# the daemon alone, with no service that would start on install.
[[ -x /usr/sbin/dnsmasq ]] || apt_install dnsmasq-base
# lanctl check is cross-checked against arpwatch on the same LAN namespace (tests/testsuite/check_real.rs;
# its service does not start under apt_install's policy), and its frames read with tcpdump.
[[ -x /usr/sbin/arpwatch ]] || apt_install arpwatch
command -v tcpdump >/dev/null || apt_install tcpdump
# The NDP duplicate check is cross-checked against ndisc6 (tests/testsuite/ipv6_real.rs).
command -v ndisc6 >/dev/null || apt_install ndisc6
# lanctl export is read by the real servers (tests/testsuite/export_real.rs): dnsmasq
# (above) and Kea DHCPv4, whose service does not start under apt_install's policy.
[[ -x /usr/sbin/kea-dhcp4 ]] || apt_install kea-dhcp4-server
# The CNI plugins (macvlan, ipvlan, host-local, static) an exported conflist is run with.
[[ -x /usr/lib/cni/macvlan ]] || apt_install containernetworking-plugins
# doctor --dhcp's router advertisement check is cross-checked with rdisc6
# (tests/testsuite/ra_real.rs).
[[ -x /usr/bin/rdisc6 ]] || apt_install ndisc6
# The exported NetworkAttachmentDefinition is read with a YAML parser.
python3 -c 'import yaml' 2>/dev/null || apt_install python3-yaml
# FROM scratch images need a static busybox (ldd fails on a static ELF).
if [[ ! -x /bin/busybox ]] || ldd /bin/busybox >/dev/null 2>&1; then
  apt_install busybox-static
fi

# The tests run against an engine of their own (scripts/test-engine.sh), never the
# machine's: only the daemon's binaries are needed.
command -v dockerd >/dev/null || apt_install docker.io

# Style is part of the test: formatting and lints fail the run like a failing test.
rustup component list --installed 2>/dev/null | grep -q rustfmt || rustup component add rustfmt clippy 2>/dev/null || true
cargo fmt --check
cargo clippy --all-targets -- -D warnings

# Leftovers of killed runs first (their interfaces, namespaces, routes, engines), then the
# run's own engine; at exit the same sweep, then that engine goes with all it holds.
scripts/cleanup-test-leftovers.sh
eval "$(scripts/test-engine.sh start $$)"
trap 'scripts/cleanup-test-leftovers.sh; scripts/test-engine.sh stop "$DOCKER_HOST"' EXIT
tests/image/build.sh
cargo test --all-targets -- --include-ignored

# ipvlan and 802.1Q for real: this kernel may have neither, so the lab boots Debian's
# kernel in QEMU (no NIC) and runs the lanctl just built there (scripts/lab.sh, README).
scripts/lab.sh run
scripts/lab.sh run --two

# Shipping: the static binary and the .deb, built and installed as a new user would.
[[ -f /usr/lib/x86_64-linux-gnu/libc.a ]] || apt_install libc6-dev
command -v man >/dev/null || apt_install man-db
command -v file >/dev/null || apt_install file
# The package test runs Debian's own package checker on the .deb.
command -v lintian >/dev/null || apt_install lintian
command -v cargo-deb >/dev/null || cargo install --locked --quiet cargo-deb
scripts/package.sh
scripts/test-package.sh
