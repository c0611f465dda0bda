#!/bin/bash
# Liaison monthly-bulletin benchmark; bench/README.md, section "The monthly
# bulletin".  Starts a private MariaDB (the test harness's), bulk-inserts
# BENCH_B_TICKETS tickets into September 2026 (INSERT ... SELECT from the
# sequence engine, not through the API) with cases, feedback and
# escalations beside them, then times `liaison-worker bulletin
# --month=2026-09` under /usr/bin/time -v (wall time and peak RSS).
# Prints a table and writes it to bench/results/bulletin-latest.txt.
#
# Environment: BENCH_B_TICKETS (1000000), BENCH_B_POOL (innodb buffer
# pool, default 1G), BENCH_B_RUNS (3).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$root/build/bin/liaison-worker" ] || make -C "$root" worker tools
[ -x /usr/bin/time ] || { echo "bench/bulletin.sh: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
mkdir -p "$root/bench/results"
cd "$root"
exec perl -I t/lib bench/bulletin.pl "$@"
