#!/bin/bash
# Liaison: installs the packages of build/deb/ into a throwaway system and
# runs them as installed (make deb-test, as root; t/700-packages.t).
#
# The throwaway system is this machine's own root seen through an overlay
# (its writes go to a temporary directory), booted by systemd-nspawn with
# a private network: a real systemd runs MariaDB, nginx and liaison-worker
# by their units, so the worker runs under its unit's sandboxing
# (ProtectSystem=strict, ReadWritePaths, User=liaison).  Inside it,
# scripts/deb-test-inside.sh installs and checks everything.
#
# Nothing on this machine changes: no package is installed, upgraded or
# removed here, no service started; the overlay and the container go when
# it ends.  (debootstrap would need a Debian mirror; the overlay needs
# none and is the same Debian 12 as this machine.)
#
#   LIAISON_DEB_KEEP=1   keep the container's directory (its path printed)

set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
debs=("$here"/build/deb/libnginx-mod-http-liaison_*.deb
      "$here"/build/deb/liaison-worker_*.deb)

say() { echo "deb-test: $*"; }
die() { echo "deb-test: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (it mounts and boots a container)"
for d in "${debs[@]}"; do
    [ -f "$d" ] || die "$d missing (make deb)"
done
command -v systemd-nspawn >/dev/null \
    || die "systemd-nspawn missing (apt-get install systemd-container)"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
grep -qw overlay /proc/filesystems || die "no overlay file system"

tmp=$(mktemp -d /tmp/liaison-deb-XXXXXX)
root=$tmp/root
machine=liaison-deb-$$
nspawn_pid=""
mounted=0

cleanup() {
    set +e
    if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
        kill -TERM "$nspawn_pid"
        for _ in $(seq 300); do
            kill -0 "$nspawn_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$nspawn_pid" 2>/dev/null
        wait "$nspawn_pid" 2>/dev/null
    fi
    [ $mounted = 1 ] && umount "$root"
    if [ "${LIAISON_DEB_KEEP:-0}" = 1 ]; then
        say "kept $tmp (upper/ holds what the test changed)"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT

mkdir -p "$tmp/upper" "$tmp/work" "$root"
mount -t overlay overlay \
    -o "lowerdir=/,upperdir=$tmp/upper,workdir=$tmp/work" "$root"
mounted=1
# its own identity, and no policy-rc.d of the host's
systemd-id128 new >"$root/etc/machine-id"
rm -f "$root/usr/sbin/policy-rc.d"
# the script and the packages where the container sees them: a checkout
# under /tmp is hidden by the container's own /tmp
stage=/root/liaison-deb-test
mkdir -p "$root$stage"
cp "$here/scripts/deb-test-inside.sh" "${debs[@]}" "$root$stage/"
inner=()
for d in "${debs[@]}"; do
    inner+=("$stage/$(basename "$d")")
done

say "booting $machine (this machine's root through an overlay)"
systemd-nspawn -q -D "$root" -M "$machine" --private-network \
    --register=no --keep-unit --link-journal=no -b \
    >"$tmp/console.log" 2>&1 </dev/null &
nspawn_pid=$!

# the container's systemd: the child of systemd-nspawn named systemd (the
# first child may be nspawn's own short-lived helper, so ask by name and
# again on every round until it answers)
init=""
state=""
inside() { nsenter -t "$init" -m -u -i -n -p -- "$@"; }
for _ in $(seq 900); do
    init=$(pgrep -P "$nspawn_pid" -x systemd | head -1 || true)
    if [ -n "$init" ]; then
        state=$(inside systemctl is-system-running 2>/dev/null || true)
        case $state in running|degraded) break ;; esac
    fi
    kill -0 "$nspawn_pid" 2>/dev/null || break
    sleep 0.1
done
case $state in running|degraded) ;; *)
    ps -o pid,ppid,comm --ppid "$nspawn_pid" 2>/dev/null || true
    tail -30 "$tmp/console.log"
    die "the container's systemd: ${state:-no answer} (init pid ${init:-none})" ;;
esac
say "container up (systemd: $state)"

inside "$stage/deb-test-inside.sh" "${inner[@]}"
