#!/bin/bash
# Liaison worker benchmark (`make bench-worker`); bench/README.md, section
# "liaison-worker".  Starts a private MariaDB and the mock WeChat/SMS/WeCom
# server (t/lib), then measures:
#   1. deliveries per second: BENCH_W_MESSAGES SMS and as many subscribe
#      messages through `liaison-worker once`, against the mock;
#   2. one escalation pass over BENCH_W_ORDERS open work orders (catch-up
#      pass that fires the overdue steps, then a steady-state pass).
# Prints a table and writes it to bench/results/worker-latest.txt.
#
# Environment: BENCH_W_MESSAGES (10000), BENCH_W_ORDERS (100000),
# BENCH_W_CONCURRENCY (32), BENCH_W_BATCH (200), BENCH_W_DURABLE (0: the
# test harness's innodb_flush_log_at_trx_commit=2; 1: flush on commit).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$root/build/bin/liaison-worker" ] || make -C "$root" worker tools
mkdir -p "$root/bench/results"
cd "$root"
exec perl -I t/lib bench/worker.pl "$@"
