#!/bin/sh
# Installs the Debian packages of scripts/packages.txt that are missing.
# Never starts a system service (policy-rc.d denies it for this run).
set -eu
here=$(dirname "$0")
missing=""
for p in $(grep -v '^#' "$here/packages.txt"); do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' \
        || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "deps: missing packages:$missing (run as root to install)" >&2
    exit 1
fi
echo "deps: installing$missing"
# no package's maintainer script may start a system service (MariaDB, nginx):
# the project runs its own; the guard goes away however apt-get ends
rc=/usr/sbin/policy-rc.d
if [ ! -e "$rc" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$rc" && chmod +x "$rc"
    trap 'rm -f "$rc"' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || true
apt-get install -y -qq --no-install-recommends $missing
