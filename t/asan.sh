#!/bin/bash
# Runs the t/ integration tests against the module built with
# AddressSanitizer + UndefinedBehaviorSanitizer.
#
#   t/asan.sh                 all of t/ (prove -j2)
#   t/asan.sh t/011-reload.t  some files
#
# The sanitizer build lives in build/asan/ (its own copy of the nginx source
# tree and its own objs/, so it never disturbs `make module`).  Debian's
# nginx is not sanitized: the runtimes are preloaded into nginx only
# (LIAISON_NGINX_PRELOAD); reports go to the error log, which every test file
# checks for "AddressSanitizer" and "runtime error:".

set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/asan
src=${NGX_SRC:-/usr/share/nginx/src}
cc_opt="-g -O1 -fPIC -fno-omit-frame-pointer -fsanitize=address,undefined"
ld_opt="-fsanitize=address,undefined"

mkdir -p "$out"
if [ ! -f "$out/nginx-src/configure" ]; then
    rm -rf "$out/nginx-src"
    cp -a "$src" "$out/nginx-src"
fi
if [ ! -f "$out/objs/Makefile" ] || [ "$root/config" -nt "$out/objs/Makefile" ]
then
    (
        cd "$out/nginx-src"
        # shellcheck disable=SC1091
        . ./conf_flags
        ./configure --with-cc-opt="$cc_opt" --with-ld-opt="$ld_opt" \
            "${NGX_CONF_FLAGS[@]}" --add-dynamic-module="$root" \
            --builddir="$out/objs" >"$out/configure.log" 2>&1
    ) || { tail -20 "$out/configure.log"; exit 1; }
fi
make -s -f "$out/objs/Makefile" -C "$out/nginx-src" modules

export LIAISON_MODULE=$out/objs/ngx_http_liaison_module.so
export LIAISON_NGINX_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
# nginx frees its pools at exit only partly by design: no leak reports
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

cd "$root"
if [ $# -eq 0 ]; then
    set -- -j2 t/
fi
exec prove -I t/lib "$@"
