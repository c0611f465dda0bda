#!/bin/bash
# Liaison: builds the Debian packages libnginx-mod-http-liaison and
# liaison-worker into build/deb/ (make deb).
#
# The source tree (tracked and new files, not build/ or var/) is copied to
# build/deb/src/liaison-VERSION and built there with dpkg-buildpackage -b,
# so the work tree stays clean.  Build dependencies: debian/control
# (Build-Depends); missing ones are reported by dpkg-checkbuilddeps.

set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=$here/build/deb
version=$(dpkg-parsechangelog -l "$here/debian/changelog" -S Version)
src=$out/src/liaison-$version

for tool in dpkg-buildpackage dh dh_nginx; do
    command -v $tool >/dev/null || {
        echo "deb: $tool missing (apt-get install dpkg-dev debhelper" \
             "nginx-dev)" >&2
        exit 1
    }
done

(cd "$here" && dpkg-checkbuilddeps) || {
    echo "deb: install the build dependencies above (debian/control)" >&2
    exit 1
}

rm -rf "$out/src"
mkdir -p "$src"
(cd "$here" && git ls-files -co --exclude-standard -z \
    | grep -zv -e '^build/' -e '^var/' -e '^t/artifacts/' -e '^bench/results/' \
        -e '^t/browser/node_modules/' \
    | xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh \
    | tar --null -T - -cf - | tar -xf - -C "$src")

echo "deb: building liaison $version in $src"
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 || {
    tail -40 "$out/build.log" >&2
    echo "deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
    exit 1
}

rm -f "$out"/*.deb
mv "$out"/src/*.deb "$out"/
rm -rf "$out/src"
ls -l "$out"/*.deb
