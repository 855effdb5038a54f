#!/usr/bin/env bash
# Builds the lab VM's boot assets from Debian's kernel package, offline from the package
# mirror only: the kernel, and an initramfs holding a static busybox, the modules the lab
# needs (in load order) and the kernel config. Cached per kernel version: a rebuild of the
# same version does nothing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/common.sh"

[[ $(id -u) -eq 0 ]] || die "build must run as root (apt-get); rerun with sudo"
ensure_packages kmod busybox-static

# The version linux-image-amd64 points at today, e.g. linux-image-6.1.0-56-amd64.
kernel_package() {
  apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}
pkg=$(kernel_package)
if [[ -z $pkg ]]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq || true
  pkg=$(kernel_package)
fi
[[ -n $pkg ]] || die "apt knows no linux-image-amd64; the lab needs Debian's package sources (bookworm or later)"
kver=${pkg#linux-image-}
out="$LAB_CACHE/$kver"
key=$(assets_key)

if [[ -f $out/ready && $(cut -d' ' -f2 "$out/ready") == "$key" ]]; then
  ln -sfn "$kver" "$LAB_CACHE/current"
  say "assets for $kver already built in $out"
  exit 0
fi

start=$(now)
work=$(mktemp -d /tmp/ltlab-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
# apt-get download drops privileges to _apt, which must be able to write here.
chown _apt "$work" 2>/dev/null || true
# Stale package lists name a version the mirror no longer has: update once and retry.
if ! (cd "$work" && apt-get download -qq "$pkg" 2>/dev/null); then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq || true
  pkg=$(kernel_package)
  kver=${pkg#linux-image-}
  out="$LAB_CACHE/$kver"
  (cd "$work" && apt-get download -qq "$pkg") || die "apt-get download $pkg failed; check the package sources"
fi
dpkg-deb -x "$work"/"$pkg"_*.deb "$work/pkg"
depmod -b "$work/pkg" "$kver"

# The initramfs: /init, busybox, and /lib/modules/KVER holding only the needed modules,
# re-indexed by depmod so modprobe works inside the VM as on a real host.
rd="$work/rd"
mkdir -p "$rd"/{bin,dev,proc,sys,lower,rw,newroot,boot} "$rd/lib/modules/$kver"
cp /bin/busybox "$rd/bin/busybox"
ldd "$rd/bin/busybox" >/dev/null 2>&1 && die "/bin/busybox is not static; apt-get install busybox-static"
cp "$here/initramfs/init" "$rd/init"
chmod 755 "$rd/init"
cp "$work/pkg/boot/config-$kver" "$rd/boot/"
: > "$rd/lib/modules/$kver/load-order"
for m in "${LAB_MODULES[@]}"; do
  modprobe -d "$work/pkg" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
  rel=${ko#"$work/pkg/lib/modules/$kver/"}
  mkdir -p "$rd/lib/modules/$kver/$(dirname "$rel")"
  cp "$ko" "$rd/lib/modules/$kver/$rel"
  echo "$rel" >> "$rd/lib/modules/$kver/load-order"
done
cp "$work/pkg/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$rd/lib/modules/$kver/"
depmod -b "$rd" "$kver"

rm -rf "$out.tmp"
mkdir -p "$out.tmp"
cp "$work/pkg/boot/vmlinuz-$kver" "$out.tmp/vmlinuz"
(cd "$rd" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) > "$out.tmp/initrd.img"
echo "$kver $key" > "$out.tmp/ready"
rm -rf "$out"
mv "$out.tmp" "$out"
ln -sfn "$kver" "$LAB_CACHE/current"
# Older kernels' assets are dead weight once a newer one is built.
for d in "$LAB_CACHE"/*/; do
  d=${d%/}
  [[ $d == "$out" || -L $d ]] || rm -rf "$d"
done
say "built $kver in $out ($(since "$start") s, $(du -sh "$out" | cut -f1))"
