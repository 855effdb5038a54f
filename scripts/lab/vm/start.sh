#!/bin/bash
# PID 1 of the lab VM, after the initramfs (scripts/lab/initramfs/init) switched to the
# overlay root. Brings up what a Docker host needs, starts a private dockerd, loads the test
# image, then runs the scenarios or a shell, and powers off. /lab is the host's share:
# lab/ (these scripts), bin/lanctl, image.tar, scenarios (the names asked for), out/VM/.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=${TERM:-linux}
# The host's docker CLI config (contexts, credentials) must not steer the VM's client.
export DOCKER_CONFIG=/run/lab/docker-config DOCKER_HOST=unix:///run/docker.sock

mode=run role=vm1 vms=1
for kv in $(</proc/cmdline); do
  case $kv in
    lab.mode=*) mode=${kv#*=} ;;
    lab.role=*) role=${kv#*=} ;;
    lab.vms=*) vms=${kv#*=} ;;
  esac
done
export LAB_ROLE=$role LAB_VMS=$vms
out=/lab/out/$role
report() { printf '%s\n' "$*" | tee -a "$out/report"; }
poweroff_now() {
  sync
  /bin/busybox poweroff -f
}

setup() {
  mount -t cgroup2 cgroup2 /sys/fs/cgroup
  mkdir -p /dev/pts /dev/shm /run/lab/docker-config /run/lab/bin /run/netns
  mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
  ln -sf pts/ptmx /dev/ptmx
  mount -t tmpfs tmpfs /dev/shm
  ln -sf /proc/self/fd /dev/fd
  hostname "ltlab${role#vm}"
  ip link set lo up
  # lanctl runs from the VM's own disk, not from the share.
  cp /lab/bin/lanctl /run/lab/bin/lanctl
  ln -sf /run/lab/bin/lanctl /usr/local/bin/lanctl

  # Read the big binaries once, in order: 9p then serves them from the page cache, where
  # faulting their pages in one by one costs a 9p round trip each under TCG.
  local f
  for f in dockerd containerd containerd-shim-runc-v2 runc docker docker-init; do
    f=$(command -v "$f") && cat "$f" >/dev/null
  done

  local t0=$SECONDS
  # No bridge and no iptables: the VM's dockerd only needs what lanctl uses. vfs because
  # overlayfs cannot sit on the VM's overlay root's tmpfs the way Docker wants.
  printf '{"storage-driver": "vfs", "bridge": "none", "iptables": false, "ip-forward": false}\n' \
    > /run/lab/daemon.json
  dockerd --config-file /run/lab/daemon.json >/run/lab/dockerd.log 2>&1 &
  for _ in $(seq 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  if ! docker info >/dev/null 2>&1; then
    report "fail lab: dockerd did not start in 60 s"
    tail -n 20 /run/lab/dockerd.log | sed 's/^/    | /' | tee -a "$out/report"
    return 1
  fi
  local t1=$SECONDS
  docker load -q -i /lab/image.tar >/dev/null || { report "fail lab: docker load failed"; return 1; }
  report "lab: $role up $(cut -d' ' -f1 /proc/uptime) s after boot (dockerd $((t1 - t0)) s, image $((SECONDS - t1)) s)"
}

if setup; then
  case $mode in
    run)
      mapfile -t asked < /lab/scenarios
      bash /lab/lab/vm/run-scenarios.sh "${asked[@]}"
      ;;
    shell)
      if [[ $role == vm1 ]]; then
        read -r rows cols < /lab/tty-size 2>/dev/null && stty -F /dev/ttyS0 rows "$rows" cols "$cols"
        cat <<EOF
lanctl lab: $(uname -r), dockerd up, image lanctl-test/media:latest loaded.
lanctl is $(command -v lanctl) (the binary under test). Use 198.51.100.192/26 and
2001:db8:51:c0::/63 only.
Run a scenario: 'bash /lab/lab/scenarios/02-ipvlan-l2.sh' (it makes its own LAN), or
make the LAN by hand: '. /lab/lab/vm/lib.sh; lan_up' gives the parent ltp0
(198.51.100.194/27) and its peer in namespace ltclient (.193); 'lan6_up' then adds
2001:db8:51:c0::2/64 and ::1. 'exit' powers off.
EOF
        ((vms == 1)) || echo "The other VM (vm2) is on eth0's LAN."
        setsid -c bash -l </dev/ttyS0 >/dev/ttyS0 2>&1
      else
        # The second VM of a shell session idles until the first one ends the session.
        sleep infinity
      fi
      ;;
  esac
fi
report "lab: finished"
poweroff_now
