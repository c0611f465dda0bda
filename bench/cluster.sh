#!/bin/bash
# Liaison on a Galera cluster against one server, in the same run
# (docs/operations.md, "A Galera cluster"; issue 16).
#
# On 127.0.0.1 only it starts a private MariaDB (scripts/db.sh) and a
# three-node Galera cluster (scripts/cluster.sh), migrates both, starts one
# nginx with the module on each (liaison_db: the server; the three nodes in
# order), and measures with wrk, alternating server and cluster:
#
#   * GET status and POST intake: req/s, p50, p99 on each, and the ratio
#     cluster / one server;
#   * the failover time, BENCH_DRILLS times: a client loop posts intake one
#     request after another while the writer (node 1) is killed with
#     kill -9; failover = first 201 after the kill - last 201 before it
#     (the writes of the first on node 2, of the last on node 1).  Node 1
#     is started again between drills (IST) and the module returns to it.
#
# It prints a report and writes it to bench/results/cluster.txt; everything
# it started is stopped on exit.  Fails only when it cannot run.
#
# Environment (defaults): BENCH_SECONDS (10), BENCH_WARMUP (2),
# BENCH_THREADS (2), BENCH_CONNECTIONS (32), BENCH_DRILLS (3),
# BENCH_TMPDIR (/var/tmp: a disk, commits must hit it), BENCH_KEEP (0),
# NGINX (/usr/sbin/nginx).

set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bench=$root/bench
results=$bench/results
module=$root/build/ngx_http_liaison_module.so
admin=$root/build/bin/liaison-admin
nginx_bin=${NGINX:-/usr/sbin/nginx}

seconds=${BENCH_SECONDS:-10}
warmup=${BENCH_WARMUP:-2}
threads=${BENCH_THREADS:-2}
conns=${BENCH_CONNECTIONS:-32}
drills=${BENCH_DRILLS:-3}
tmpbase=${BENCH_TMPDIR:-/var/tmp}
keep=${BENCH_KEEP:-0}

say() { echo "bench: $*" >&2; }
die() { echo "bench: FAILED: $*" >&2; exit 1; }

for v in seconds warmup threads conns drills; do
    case ${!v} in ''|*[!0-9]*) die "$v must be a whole number" ;; esac
done
for t in wrk curl perl mariadbd mariadb ss rsync; do
    command -v "$t" >/dev/null || die "$t not found (make deps)"
done
[ -f /usr/lib/galera/libgalera_smm.so ] || die "galera-4 missing (make deps)"
[ -f "$module" ] || die "$module missing (make module)"
[ -x "$admin" ] || die "$admin missing (make tools)"

mkdir -p "$tmpbase" "$results"
work=$(mktemp -d "$tmpbase/liaison-cluster-bench.XXXXXX")
chmod 755 "$work"
single=$work/single
cdir=$work/galera
out=$work/report.txt

# a TCP port nobody listens on; for the cluster, twelve from a base
taken=" "
free_port() {
    local p i
    for ((i = 0; i < 200; i++)); do
        p=$((20000 + RANDOM % 30000))
        case $taken in *" $p "*) continue ;; esac
        if [ -z "$(ss -Htan "( sport = :$p )" 2>/dev/null)" ]; then
            taken="$taken$p "
            echo "$p"
            return 0
        fi
    done
    return 1
}
cluster_base() {
    local b o i
    for ((i = 0; i < 50; i++)); do
        b=$((20000 + RANDOM % 30000))
        for o in 0 1 2 10 11 12 20 21 22 30 31 32; do
            [ -z "$(ss -Htan "( sport = :$((b + o)) )" 2>/dev/null)" ] \
                || continue 2
        done
        echo "$b"
        return 0
    done
    return 1
}
db_port=$(free_port) || die "no free port"
p_single=$(free_port) || die "no free port"
p_cluster=$(free_port) || die "no free port"
export LIAISON_CLUSTER_PORT
LIAISON_CLUSTER_PORT=$(cluster_base) || die "no free ports for a cluster"

child=""
cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    [ -z "$child" ] || { kill "$child" 2>/dev/null; wait "$child" 2>/dev/null; }
    stop_nginx "$work/nginx-single"
    stop_nginx "$work/nginx-cluster"
    [ ! -d "$single/mysql" ] || "$root/scripts/db.sh" stop "$single" >/dev/null 2>&1
    [ ! -d "$cdir/cluster" ] || "$root/scripts/cluster.sh" stop "$cdir" >/dev/null 2>&1
    if [ "$keep" = 1 ]; then
        say "scratch directory kept: $work"
    else
        rm -rf "$work"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

run_child() {
    local rc=0
    "$@" &
    child=$!
    wait "$child" || rc=$?
    child=""
    return $rc
}

stop_nginx() {  # PREFIX
    local pid i
    pid=$(cat "$1/nginx.pid" 2>/dev/null) || return 0
    grep -qa nginx "/proc/$pid/cmdline" 2>/dev/null || return 0
    kill -QUIT "$pid"
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
}

# ------------------------------------------------------------ databases
say "scratch directory $work"
say "one server on 127.0.0.1:$db_port; cluster ports from $LIAISON_CLUSTER_PORT"
LIAISON_DB_PORT=$db_port "$root/scripts/db.sh" start "$single" >&2 \
    || die "MariaDB did not start"
"$root/scripts/cluster.sh" start "$cdir" >&2 || die "the cluster did not start"
"$admin" calendar-sql "$root/data/cn-working-days.txt" >"$work/calendar.sql" \
    || die "liaison-admin calendar-sql failed"
for d in "$single" "$cdir"; do
    "$root/scripts/migrate.sh" --defaults-file="$d/secrets/client.cnf" >&2 \
        || die "migrations failed ($d)"
    mariadb --defaults-file="$d/secrets/client.cnf" <"$work/calendar.sql" \
        || die "loading the calendar failed ($d)"
    (umask 077; head -c 48 /dev/urandom | base64 -w0 >"$d/secrets/token_secret"
     head -c 48 /dev/urandom | base64 -w0 >"$d/secrets/ingest_key"
     head -c 48 /dev/urandom | base64 -w0 >"$d/secrets/phone_hash_key")
done
flush=$(mariadb --defaults-file="$single/secrets/client.cnf" -N \
    -e 'SELECT @@innodb_flush_log_at_trx_commit')

# ------------------------------------------------------------ nginx x2
nodes="unix:$cdir/cluster/node1/mysqld.sock unix:$cdir/cluster/node2/mysqld.sock"
nodes="$nodes unix:$cdir/cluster/node3/mysqld.sock"
cp "$module" "$work/liaison.so"
make_nginx() {  # NAME PORT DATADIR LIAISON_DB_ADDRESSES
    local p=$work/nginx-$1
    mkdir -p "$p/logs" "$p/attachments" "$p/tmp/body" "$p/tmp/proxy" \
        "$p/tmp/fastcgi" "$p/tmp/uwsgi" "$p/tmp/scgi"
    sed -e "s|unix:@DB_SOCKET@|$4|g" \
        -e "s|@MODULE@|$work/liaison.so|g" \
        -e "s|@PREFIX@|$p|g" \
        -e "s|@PORT@|$2|g" \
        -e "s|@DB_PASSWORD_FILE@|$3/secrets/db_password|g" \
        -e "s|@TOKEN_SECRET_FILE@|$3/secrets/token_secret|g" \
        -e "s|@INGEST_KEY_FILE@|$3/secrets/ingest_key|g" \
        -e "s|@PHONE_KEY_FILE@|$3/secrets/phone_hash_key|g" \
        -e "s|@USER@|# user: nginx's default|g" \
        -e "s|@HTML_ROOT@|$root/html|g" \
        -e "s|^worker_processes .*|worker_processes 2;|" \
        -e "s|^\( *\)liaison_db_connect_timeout .*|\1liaison_db_connect_timeout 1s;\n\1liaison_db_check_interval 500ms;|" \
        "$root/conf/nginx-local.conf.in" >"$p/nginx.conf"
    "$nginx_bin" -p "$p/" -c "$p/nginx.conf" -e "$p/logs/error.log" -t -q \
        || die "nginx -t refused $p/nginx.conf"
    "$nginx_bin" -p "$p/" -c "$p/nginx.conf" -e "$p/logs/error.log" \
        || die "nginx did not start ($p/logs/error.log)"
}
make_nginx single "$p_single" "$single" "unix:$single/mysql/mysqld.sock"
make_nginx cluster "$p_cluster" "$cdir" "$nodes"

body='{"channel":"web","category":"consultation","content":"诉讼费怎么交？","contact":{"name":"张三","phone":"13800138000"}}'
status_path() {  # URL: one ticket posted, its status path
    local a i
    for ((i = 0; i < 300; i++)); do
        a=$(curl -s -m 5 -X POST "$1/api/v1/tickets" \
            -H 'Content-Type: application/json' --data-binary "$body") || a=""
        case $a in *'"ticket_no"'*) break ;; esac
        sleep 0.1
    done
    local no code
    no=$(printf '%s' "$a" | sed -n 's/.*"ticket_no" *: *"\([^"]*\)".*/\1/p')
    code=$(printf '%s' "$a" | sed -n 's/.*"query_code" *: *"\([^"]*\)".*/\1/p')
    [ -n "$no" ] && [ -n "$code" ] || die "POST $1/api/v1/tickets: $a"
    echo "/api/v1/tickets/$no?query_code=$code"
}
u_single=http://127.0.0.1:$p_single
u_cluster=http://127.0.0.1:$p_cluster
s_single=$(status_path "$u_single")
s_cluster=$(status_path "$u_cluster")

# ------------------------------------------------------------ wrk
# prints "req/s p50_ms p99_ms non2xx+socket_errors"
wrk_run() {  # NAME URL [args]
    local name=$1 url=$2
    shift 2
    if [ "$warmup" -gt 0 ]; then
        run_child wrk -t"$threads" -c"$conns" -d"${warmup}s" "$@" "$url" \
            >/dev/null || die "wrk failed (warm-up $name)"
    fi
    run_child wrk -t"$threads" -c"$conns" -d"${seconds}s" --latency "$@" \
        "$url" >"$work/wrk-$name.txt" 2>&1 || die "wrk failed ($name)"
    awk '
    function ms(v,   n, u) {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") return n / 1000
        if (u == "s")  return n * 1000
        return n
    }
    /^ +50% / { p50 = ms($2) }
    /^ +99% / { p99 = ms($2) }
    /Socket errors:/ { gsub(/,/, ""); se = $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx responses:/ { n2 = $5 }
    /^Requests\/sec:/ { rps = $2 }
    END { printf "%.1f %.2f %.2f %d\n", rps, p50, p99, n2 + se }
    ' "$work/wrk-$name.txt"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
say "measuring (alternating one server and the cluster, ${seconds}s each)"
r_status_1=$(wrk_run status-single "$u_single$s_single")
r_status_c=$(wrk_run status-cluster "$u_cluster$s_cluster")
r_intake_1=$(wrk_run intake-single "$u_single/api/v1/tickets" -s "$bench/intake.lua")
r_intake_c=$(wrk_run intake-cluster "$u_cluster/api/v1/tickets" -s "$bench/intake.lua")
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ------------------------------------------------------------ failover
# the client loop: sequential POSTs, one line per answer:
# "sent_at answered_at status"
cat >"$work/loop.pl" <<'PERL'
use strict;
use warnings;
use IO::Socket::INET;
use Time::HiRes qw(time);
my ($port, $stop, $body) = @ARGV;
$| = 1;
until (-e $stop) {
    my $t0 = time;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
        Timeout => 10) or do { printf "%.4f %.4f 000\n", $t0, time; next };
    print $s "POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        . "Content-Type: application/json\r\nContent-Length: "
        . length($body) . "\r\n\r\n$body";
    my $line = <$s> // '';
    my ($st) = $line =~ m{^HTTP/1\.1 (\d{3})};
    printf "%.4f %.4f %s\n", $t0, time, $st // '000';
    close $s;
}
PERL
fo_list=""
fo_other=""
for ((d = 1; d <= drills; d++)); do
    rm -f "$work/stop"
    perl "$work/loop.pl" "$p_cluster" "$work/stop" "$body" >"$work/loop-$d.txt" &
    loop=$!
    sleep 3
    pid=$(cat "$cdir/cluster/node1/mysqld.pid")
    kill_t=$(date +%s.%N)
    kill -KILL "$pid"
    # the first 201 to a request sent after the kill, or give up after 60 s
    for ((i = 0; i < 600; i++)); do
        awk -v k="$kill_t" '$1 > k && $3 == 201 { f = 1 } END { exit !f }' \
            "$work/loop-$d.txt" && break
        sleep 0.1
    done
    touch "$work/stop"
    wait "$loop" || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    # last: answered before the kill (node 1 wrote it); first: sent after
    # it (node 2 did)
    read -r last first n503 < <(awk -v k="$kill_t" '
        $3 == 201 && $2 <= k { last = $2 }
        $3 == 201 && $1 > k && !first { first = $2 }
        $2 > k && !first && $3 != 201 { bad++; st = st (st ? "," : "") $3 }
        END { printf "%s %s %d%s\n", last, first ? first : "none", bad,
                     st ? "(" st ")" : "" }' \
        "$work/loop-$d.txt")
    [ "$first" != none ] || die "drill $d: no 201 within 60 s of the kill"
    fo=$(awk -v a="$last" -v b="$first" 'BEGIN { printf "%.2f", b - a }')
    say "drill $d: failover ${fo}s (last 201 before the kill -> first after;" \
        "$n503 answers other than 201 between)"
    fo_list="$fo_list $fo"
    fo_other="$fo_other ${n503}"
    "$root/scripts/cluster.sh" start-node 1 "$cdir" >&2 \
        || die "node 1 did not rejoin"
    # the module returns to node 1 (liaison_db_check_interval 500ms)
    for ((i = 0; i < 100; i++)); do
        [ "$(grep -c 'writes move from [^ ]*node2[^ ]* to [^ ]*node1' \
            "$work/nginx-cluster/logs/error.log" || true)" -ge "$d" ] && break
        sleep 0.1
    done
done
ist=$(grep -c "IST received" "$cdir/cluster/node1/error.log" || true)

# ------------------------------------------------------------ report
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }
fmt='%-22s %10s %8s %8s %9s\n'
{
echo "Liaison: a three-node Galera cluster vs one server, $(date '+%Y-%m-%d %H:%M:%S %z')"
echo "host: nproc=$(nproc), $(uname -sr); mariadb $(mariadbd --version | awk '{ print $3 }')," \
     "innodb_flush_log_at_trx_commit=$flush (both), nodes on one machine, unix sockets"
echo "wrk -t$threads -c$conns -d${seconds}s, ${warmup}s warm-up; loopback;" \
     "load average before $load_before, after $load_after (shared machine)"
echo
printf "$fmt" run req/s p50_ms p99_ms errors
for n in status intake; do
    for w in 1 c; do
        v=r_${n}_$w
        read -r rps p50 p99 err <<<"${!v}"
        printf "$fmt" "$n $([ $w = 1 ] && echo 'one server' || echo cluster)" \
            "$rps" "$p50" "$p99" "$err"
    done
done
echo
read -r s1 _ <<<"$r_status_1"; read -r sc _ <<<"$r_status_c"
read -r i1 _ <<<"$r_intake_1"; read -r ic _ <<<"$r_intake_c"
echo "cluster / one server: status $(ratio "$sc" "$s1"), intake $(ratio "$ic" "$i1")"
echo
echo "failover (writer node 1 killed with kill -9; last 201 before -> first 201 after," \
     "sequential POSTs):$fo_list s over $drills drill(s); answers other than 201" \
     "in each window (their statuses):$fo_other; node 1 rejoined by IST $ist time(s)"
echo "error log lines of the cluster's nginx: $(grep -c '\[error\]' \
    "$work/nginx-cluster/logs/error.log" || true) [error]," \
    "$(grep -c '\[alert\]\|\[crit\]\|\[emerg\]' "$work/nginx-cluster/logs/error.log" || true) worse"
} >"$out"
cat "$out"
cp "$out" "$results/cluster.txt"
say "written to bench/results/cluster.txt"
