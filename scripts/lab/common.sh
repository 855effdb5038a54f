# shellcheck shell=bash disable=SC2034  # constants for the scripts that source this
# Host-side pieces shared by scripts/lab.sh and scripts/lab/build.sh (sourced, not run).

# The lab's address slot: other slots of 198.51.100.0/24 belong to other test suites.
LAB_SLOT=198.51.100.192/26
# Its IPv6 slot, in the documentation prefix 2001:db8::/32: the VM's l2 LAN
# (2001:db8:51:c0::/64) and its routed l3 subnet (2001:db8:51:c1::/64).
LAB_SLOT6=2001:db8:51:c0::/63
# Built assets, one directory per kernel version; `current` points at the one to boot.
LAB_CACHE=${LAB_CACHE:-/var/cache/lanctl-lab}
# The real-engine tests and scripts/cleanup-test-leftovers.sh take this lock; holding it
# keeps the cleanup from deleting the lab's blackhole route while the lab runs.
LAB_LOCK=/tmp/lanctl-real-tests.lock
# Modules the VM loads at boot, with their dependencies: virtio for the disks-less VM
# (9p shares, the two-VM LAN), overlay for its root, and what lanctl drives.
LAB_MODULES=(virtio_pci virtio_net 9pnet_virtio 9p overlay veth ipvlan macvlan 8021q)

# What the built assets depend on besides the kernel: a change to any of these rebuilds.
assets_key() {
  local dir
  dir="$(dirname "${BASH_SOURCE[0]}")"
  { cat "$dir/build.sh" "$dir/initramfs/init"; printf '%s\n' "${LAB_MODULES[@]}"; } | sha256sum | cut -c1-16
}

# 0 when the cached assets were built by this version of the build.
assets_fresh() {
  local ready="$LAB_CACHE/current/ready"
  [[ -f $ready && $(cut -d' ' -f2 "$ready") == "$(assets_key)" ]]
}

say() { printf 'lab: %s\n' "$*" >&2; }
die() { printf 'lab: %s\n' "$*" >&2; exit 1; }

# Seconds since the epoch with a tenth, for the timings the lab prints.
now() { date +%s.%N | cut -c1-12; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Installs Debian packages that are missing; `apt-get update` once, first.
ensure_packages() {
  local need=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed' || need+=("$p")
  done
  ((${#need[@]})) || return 0
  say "installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed; check the package sources"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    || die "apt-get install ${need[*]} failed; install them by hand and retry"
}
