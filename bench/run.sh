#!/bin/bash
# Liaison benchmark (`make bench`); bench/README.md says what it measures.
#
# In one run, on 127.0.0.1 only, it starts a private MariaDB (default durable
# commit), migrates and seeds it, starts the real nginx with the module and a
# stock nginx (`return 200`) as the baseline, runs wrk against the baseline,
# GET status, POST intake (one category, then the full category mix) and
# health, replays the module's captured intake transactions with sysbench
# (the database's ceiling), measures the workers' RSS around
# BENCH_RSS_REQUESTS requests, prints a table and writes it to
# bench/results/latest.txt.  Everything it started is stopped on exit.
#
# Targets are informative: a missed target does not fail the run.  It fails
# (non-zero) only when it cannot run: a tool missing, db or nginx not
# starting, seeding impossible, wrk failing.
#
# Environment (defaults):
#   BENCH_SECONDS (10)          duration of each measured wrk run
#   BENCH_WARMUP (2)            warm-up seconds before each run
#   BENCH_THREADS (2), BENCH_CONNECTIONS (64)   wrk -t / -c
#   BENCH_SEED_TICKETS (1000)   tickets created through the API before
#   BENCH_CASES (3000)          cases put into `cases` for the mix to name
#   BENCH_REPLAY_THREADS ("64 16 4x16 4x8 4x4") replay runs: sysbench
#                               threads, xG: G intakes per transaction (group
#                               commit); the smaller groups show what the
#                               database does within the p99 target
#   BENCH_GROUP_COMMIT (unset)  liaison_db_group_commit of the module's nginx
#                               (unset: the module's default, 2 16)
#   BENCH_RSS_REQUESTS (1000000) requests of the RSS run
#   BENCH_RSS_MAX_SECONDS (240) upper bound of the RSS run
#   BENCH_TMPDIR (/var/tmp)     where the scratch directory goes (a disk,
#                               not tmpfs: commits must really hit the disk)
#   BENCH_KEEP (0)              1: keep the scratch directory
#   BENCH_PORT, BENCH_BASE_PORT, BENCH_DB_PORT   ports (default: free ones)
#   BENCH_NICE (unset)          e.g. -10: run everything at that priority
#                               (a shared, busy machine; root for < 0)
#   NGINX (/usr/sbin/nginx), LIAISON_ADMIN (build/bin/liaison-admin)

set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bench=$root/bench
results=$bench/results
module=$root/build/ngx_http_liaison_module.so
admin=${LIAISON_ADMIN:-$root/build/bin/liaison-admin}
nginx_bin=${NGINX:-/usr/sbin/nginx}

seconds=${BENCH_SECONDS:-10}
warmup=${BENCH_WARMUP:-2}
threads=${BENCH_THREADS:-2}
conns=${BENCH_CONNECTIONS:-64}
seed=${BENCH_SEED_TICKETS:-1000}
cases=${BENCH_CASES:-3000}
replay_threads=${BENCH_REPLAY_THREADS:-64 16 4x16 4x8 4x4}
status_threads="64 16"
rss_requests=${BENCH_RSS_REQUESTS:-1000000}
rss_max=${BENCH_RSS_MAX_SECONDS:-240}
tmpbase=${BENCH_TMPDIR:-/var/tmp}
keep=${BENCH_KEEP:-0}

say() { echo "bench: $*" >&2; }
die() { echo "bench: FAILED: $*" >&2; exit 1; }

for v in seconds warmup threads conns seed cases rss_requests rss_max; do
    case ${!v} in ''|*[!0-9]*) die "$v must be a whole number (got '${!v}')" ;; esac
done
[ "$seconds" -ge 1 ] && [ "$threads" -ge 1 ] && [ "$conns" -ge "$threads" ] \
    && [ "$seed" -ge 1 ] || die "BENCH_* values out of range"

# ---------------------------------------------------------------- checks
for t in wrk curl mariadbd mariadb mariadb-install-db ss ps; do
    command -v "$t" >/dev/null || die "$t not found (make deps)"
done
[ -x "$nginx_bin" ] || die "$nginx_bin not found (make deps)"
for n in $replay_threads; do
    [[ $n =~ ^[1-9][0-9]*(x[1-9][0-9]*)?$ ]] \
        || die "BENCH_REPLAY_THREADS: THREADS or THREADSxGROUP, whole numbers > 0 (got '$replay_threads')"
done
# the database's ceiling is measured only where sysbench is installed
have_sysbench=0
command -v sysbench >/dev/null && have_sysbench=1
[ -f "$module" ] || die "$module missing (make module)"
[ -x "$admin" ] || die "$admin missing (make tools)"
for f in scripts/db.sh scripts/migrate.sh conf/nginx-local.conf.in \
         data/cn-working-days.txt; do
    [ -e "$root/$f" ] || die "$f missing"
done

# a shared machine: MariaDB, both nginx and wrk inherit this priority
if [ -n "${BENCH_NICE:-}" ]; then
    renice -n "$BENCH_NICE" -p $$ >/dev/null || die "renice $BENCH_NICE failed"
fi

# ---------------------------------------------------------------- scratch
mkdir -p "$tmpbase" "$results"
work=$(mktemp -d "$tmpbase/liaison-bench.XXXXXX")
# nginx workers run as nobody: they must reach the socket and temp paths
chmod 755 "$work"
dbdir=$work/db
app=$work/nginx            # nginx with the module
base=$work/baseline        # stock nginx
client_cnf=$dbdir/secrets/client.cnf
db_sock=$dbdir/mysql/mysqld.sock
out=$work/out.txt          # the report, copied to results/latest.txt
raw=$work/raw.txt          # raw wrk outputs, appended to the report

db_started=0
child=""                   # the wrk (or curl) running now
cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    if [ -n "$child" ]; then
        kill "$child" 2>/dev/null
        wait "$child" 2>/dev/null
    fi
    stop_nginx "$base"
    stop_nginx "$app"
    if [ "$db_started" = 1 ]; then
        "$root/scripts/db.sh" stop "$dbdir" >/dev/null 2>&1 \
            || say "warning: could not stop mariadbd ($dbdir)"
    fi
    save_logs
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

# run "$@" in the background and wait for it: a signal then reaches the
# trap at once instead of after the command (wrk runs for up to minutes)
run_child() {
    local rc=0
    "$@" &
    child=$!
    wait "$child" || rc=$?
    child=""
    return $rc
}

# a TCP port nobody listens on (and not one we already chose)
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
db_port=${BENCH_DB_PORT:-$(free_port)} || die "no free port"
taken="$taken$db_port "
app_port=${BENCH_PORT:-$(free_port)} || die "no free port"
taken="$taken$app_port "
base_port=${BENCH_BASE_PORT:-$(free_port)} || die "no free port"

sql() {
    mariadb --defaults-file="$client_cnf" --batch --skip-column-names "$@"
}

# root, through the socket (db.sh: unix_socket authentication), for the
# general log of the capture
root_sql() {
    mariadb --no-defaults --protocol=socket --socket="$db_sock" -u root --batch \
        --skip-column-names "$@"
}

# ---------------------------------------------------------------- nginx
master_pid() {
    local pid
    pid=$(cat "$1/nginx.pid" 2>/dev/null) || return 1
    case $pid in ''|*[!0-9]*) return 1 ;; esac
    grep -qa nginx "/proc/$pid/cmdline" 2>/dev/null || return 1
    echo "$pid"
}

worker_pids() {
    local m
    m=$(master_pid "$1") || return 0
    ps -o pid=,args= --ppid "$m" | awk '/worker process/ { print $1 }'
}

# sum of VmRSS of the workers, in kB
workers_rss_kb() {
    local p total=0 kb
    for p in $(worker_pids "$1"); do
        kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
        total=$((total + ${kb:-0}))
    done
    echo "$total"
}

start_nginx() {  # PREFIX
    local prefix=$1
    "$nginx_bin" -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log" \
        -t -q || die "nginx -t refused $prefix/nginx.conf"
    "$nginx_bin" -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log" \
        || die "nginx did not start (see $prefix/logs/error.log)"
}

stop_nginx() {  # PREFIX: graceful, then forceful; waits for every process
    local prefix=$1 m ws i p
    m=$(master_pid "$prefix") || return 0
    ws=$(worker_pids "$prefix")
    kill -QUIT "$m" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
        kill -0 "$m" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$m" 2>/dev/null; then
        say "warning: nginx $m ignored QUIT, killing it"
        kill -KILL "$m" 2>/dev/null
    fi
    for p in $ws; do
        for ((i = 0; i < 50; i++)); do
            kill -0 "$p" 2>/dev/null || break
            sleep 0.1
        done
        # only a process that is still an nginx worker
        if grep -qa 'nginx: worker' "/proc/$p/cmdline" 2>/dev/null; then
            kill -KILL "$p" 2>/dev/null
        fi
    done
}

wait_for_200() {  # URL: up to 30 s
    local code="" i
    for ((i = 0; i < 300; i++)); do
        code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" 2>/dev/null) || true
        [ "$code" = 200 ] && return 0
        sleep 0.1
    done
    return 1
}

make_prefix() {
    mkdir -p "$1/logs" "$1/attachments" "$1/tmp/body" "$1/tmp/proxy" \
        "$1/tmp/fastcgi" "$1/tmp/uwsgi" "$1/tmp/scgi"
}

# ---------------------------------------------------------------- CPU
# Other work on the machine skews the figures; this measures it.  In clock
# ticks: "busy total" of all CPUs (/proc/stat), and the CPU time of what this
# run started (MariaDB, both nginx, and wrk through this shell's children).
cpu_machine() {
    # busy: user nice system steal (irq/softirq time is not charged to any
    # process, so it is left out of both sides); total: all but guest
    awk '/^cpu / { print $2+$3+$4+$9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat
}
# proc_ticks PID...: their user and system CPU ticks together
proc_ticks() {
    local p t=0 v
    for p in "$@"; do
        v=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null)
        t=$((t + ${v:-0}))
    done
    echo "$t"
}
db_pid() { cat "$dbdir/mysql/mysqld.pid" 2>/dev/null; }
cpu_ours() {
    local t v
    t=$(proc_ticks $(master_pid "$app") $(worker_pids "$app") \
            $(master_pid "$base") $(worker_pids "$base") $(db_pid))
    v=$(awk '{ print $14 + $15 + $16 + $17 }' /proc/$$/stat)
    echo $((t + v))
}
cpu_mark() { echo "$(cpu_machine) $(cpu_ours)"; }

# cpu_parts PREFIX: "TOTAL DB NGINX", the ticks of all CPUs, of MariaDB
# and of the nginx of that prefix
cpu_parts() {
    echo "$(cpu_machine | cut -d' ' -f2) $(proc_ticks $(db_pid))" \
         "$(proc_ticks $(master_pid "$1") $(worker_pids "$1"))"
}
# "DB% MODULE%": shares of the machine's CPU time between two cpu_parts
cpu_split() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        split(a, x, " "); split(b, y, " "); tot = y[1] - x[1]
        if (tot <= 0) { print "-"; exit }
        printf "%.0f/%.0f", 100 * (y[2] - x[2]) / tot, 100 * (y[3] - x[3]) / tot }'
}
# "BUSY TOTAL OURS" before and after: % of the machine used by others
cpu_others() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        split(a, x, " "); split(b, y, " ")
        tot = y[2] - x[2]; oth = (y[1] - x[1]) - (y[3] - x[3])
        if (oth < 0) oth = 0
        printf "%.0f%%", (tot > 0) ? 100 * oth / tot : 0 }'
}

# ---------------------------------------------------------------- logs
log_counts() {  # FILE: "emerg=N alert=N crit=N error=N warn=N"
    local lv s=""
    for lv in emerg alert crit error warn; do
        s="$s $lv=$(grep -c "\[$lv\]" "$1" 2>/dev/null || true)"
    done
    echo "${s# }"
}

# distinct [emerg]..[error] messages, timestamps/pids/connection ids removed
log_top() {  # FILE
    { grep -E '\[(emerg|alert|crit|error)\]' "$1" 2>/dev/null || true; } \
        | sed -E -e 's/^[0-9\/]+ [0-9:]+ //' -e 's/ [0-9]+#[0-9]+: (\*[0-9]+ )?/ /' \
              -e 's/, client: .*//' \
        | sort | uniq -c | sort -rn | head -10
}

save_logs() {
    [ -d "$work" ] || return 0
    mkdir -p "$results/logs"
    tail -n 20000 "$app/logs/error.log" >"$results/logs/nginx-error.log" 2>/dev/null
    tail -n 20000 "$base/logs/error.log" >"$results/logs/baseline-error.log" 2>/dev/null
    tail -n 20000 "$dbdir/mysql/error.log" >"$results/logs/mariadb-error.log" 2>/dev/null
}

# ---------------------------------------------------------------- wrk
# run_wrk NAME URL [wrk args...]: a warm-up, then the measured run; the
# output goes to $work/wrk-NAME.txt and to the raw section of the report
run_wrk() {
    local name=$1 url=$2
    shift 2
    say "warm-up $name (${warmup}s)"
    if [ "$warmup" -gt 0 ]; then
        run_child wrk -t"$threads" -c"$conns" -d"${warmup}s" "$@" "$url" >/dev/null \
            || die "wrk failed (warm-up $name)"
    fi
    say "measuring $name (${seconds}s)"
    local mark parts prefix=$app
    [ "$name" = baseline ] && prefix=$base
    mark=$(cpu_mark)
    parts=$(cpu_parts "$prefix")
    run_child wrk -t"$threads" -c"$conns" -d"${seconds}s" --latency "$@" "$url" \
        >"$work/wrk-$name.txt" 2>&1 || { cat "$work/wrk-$name.txt" >&2; die "wrk failed ($name)"; }
    cpu_others "$mark" "$(cpu_mark)" >"$work/others-$name.txt"
    cpu_split "$parts" "$(cpu_parts "$prefix")" >"$work/cpu-$name.txt"
    { echo "== $name: wrk -t$threads -c$conns -d${seconds}s --latency $* $url"
      cat "$work/wrk-$name.txt"; echo; } >>"$raw"
}

# parse FILE: prints "req/s p50_ms p99_ms non2xx socket_errors requests"
parse_wrk() {
    awk '
    function ms(v,   n, u) {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") return n / 1000
        if (u == "s")  return n * 1000
        if (u == "m")  return n * 60000
        return n
    }
    /^ +50% / { p50 = ms($2) }
    /^ +99% / { p99 = ms($2) }
    / requests in / { reqs = $1 }
    /Socket errors:/ { gsub(/,/, ""); se = $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx responses:/ { n2 = $5 }
    /^Requests\/sec:/ { rps = $2 }
    END { printf "%.1f %.2f %.2f %d %d %d\n", rps, p50, p99, n2, se, reqs }
    ' "$1"
}

# ================================================================ 1. database
say "scratch directory $work"
say "ports: module $app_port, baseline $base_port, mariadb $db_port"
db_started=1
LIAISON_DB_PORT=$db_port "$root/scripts/db.sh" start "$dbdir" >&2 \
    || die "MariaDB did not start (see $dbdir/mysql/error.log)"
"$root/scripts/migrate.sh" --defaults-file="$client_cnf" >&2 \
    || die "migrations failed"
if [ -f "$root/sql/demo.sql" ]; then
    sql <"$root/sql/demo.sql" || die "loading sql/demo.sql failed"
fi
"$admin" calendar-sql "$root/data/cn-working-days.txt" >"$work/calendar.sql" \
    || die "liaison-admin calendar-sql failed"
sql <"$work/calendar.sql" || die "loading the calendar failed"

flush=$(sql -e 'SELECT @@innodb_flush_log_at_trx_commit') || die "db query failed"
durability="innodb_flush_log_at_trx_commit=$flush"
[ "$flush" = 1 ] || say "WARNING: $durability: commits are not durable, figures not comparable"
fstype=$(stat -f -c %T "$dbdir/mysql/data" 2>/dev/null || echo "?")
[ "$fstype" = tmpfs ] && say "WARNING: data directory on tmpfs: fsync costs nothing here"
durability="$durability, data on $fstype ($dbdir)"

# token secret, ingest and phone-hash keys (48 random bytes, base64 each)
for f in token_secret ingest_key phone_hash_key; do
    (umask 077; head -c 48 /dev/urandom | base64 -w0 >"$dbdir/secrets/$f")
done

# ================================================================ 2. nginx x2
make_prefix "$app"
# a private copy: a rebuild during the run cannot change what is measured
cp "$module" "$app/liaison.so"
module_id="$(date -r "$module" '+%Y-%m-%d %H:%M:%S'), sha256 $(sha256sum "$module" | cut -c1-12)"
sed -e "s|@MODULE@|$app/liaison.so|g" \
    -e "s|@PREFIX@|$app|g" \
    -e "s|@PORT@|$app_port|g" \
    -e "s|@DB_SOCKET@|$db_sock|g" \
    -e "s|@DB_PASSWORD_FILE@|$dbdir/secrets/db_password|g" \
    -e "s|@TOKEN_SECRET_FILE@|$dbdir/secrets/token_secret|g" \
    -e "s|@INGEST_KEY_FILE@|$dbdir/secrets/ingest_key|g" \
    -e "s|@PHONE_KEY_FILE@|$dbdir/secrets/phone_hash_key|g" \
    -e "s|@USER@|# user: nginx's default, as the baseline's|g" \
    -e "s|@HTML_ROOT@|$root/html|g" \
    -e "s|^worker_processes .*|worker_processes 2;|" \
    "$root/conf/nginx-local.conf.in" >"$app/nginx.conf"
if [ -n "${BENCH_GROUP_COMMIT:-}" ]; then
    sed -i "s|^\( *\)liaison_db_queue_timeout .*|&\n\1liaison_db_group_commit $BENCH_GROUP_COMMIT;|" \
        "$app/nginx.conf"
fi
# (comments may mention @NAME@ placeholders: only other lines count)
if grep -n '^[^#]*@[A-Z_]*@' "$app/nginx.conf" >&2; then
    die "unfilled placeholders in conf/nginx-local.conf.in (above)"
fi

# The baseline: same binary, workers, connections, keepalive and access log
# as the template; no module.
make_prefix "$base"
cat >"$base/nginx.conf" <<EOF
daemon on;
master_process on;
worker_processes 2;
pid $base/nginx.pid;
error_log $base/logs/error.log notice;

events {
    worker_connections 4096;
}

http {
    access_log $base/logs/access.log;
    client_body_temp_path $base/tmp/body;
    proxy_temp_path $base/tmp/proxy;
    fastcgi_temp_path $base/tmp/fastcgi;
    uwsgi_temp_path $base/tmp/uwsgi;
    scgi_temp_path $base/tmp/scgi;

    default_type application/octet-stream;
    keepalive_requests 100000;

    server {
        listen 127.0.0.1:$base_port;
        server_name localhost;

        location / {
            return 200 "ok";
        }
    }
}
EOF

start_nginx "$app"
start_nginx "$base"
app_url=http://127.0.0.1:$app_port
base_url=http://127.0.0.1:$base_port
wait_for_200 "$app_url/api/v1/health" \
    || die "GET $app_url/api/v1/health did not answer 200 within 30 s (see $app/logs/error.log)"
wait_for_200 "$base_url/" || die "baseline nginx did not answer 200"
say "nginx up: module $app_url (pid $(master_pid "$app")), baseline $base_url"
rss_start=$(workers_rss_kb "$app")

# ================================================================ seed
# one ticket by curl: its number and query code are read for the GET
body='{"channel":"web","category":"consultation","content":"诉讼费怎么交？","contact":{"name":"张三","phone":"13800138000"}}'
answer=$(curl -s -m 10 -w '\n%{http_code}' -X POST "$app_url/api/v1/tickets" \
    -H 'Content-Type: application/json' --data-binary "$body") || true
code=${answer##*$'\n'}
answer=${answer%$'\n'*}
[ "$code" = 201 ] || die "POST /api/v1/tickets answered $code: $answer"
ticket_no=$(printf '%s' "$answer" | sed -n 's/.*"ticket_no" *: *"\([^"]*\)".*/\1/p')
query_code=$(printf '%s' "$answer" | sed -n 's/.*"query_code" *: *"\([^"]*\)".*/\1/p')
case "$ticket_no$query_code" in
    ''|*[!A-Za-z0-9-]*) die "cannot read ticket_no/query_code from: $answer" ;;
esac
status_path="/api/v1/tickets/$ticket_no?query_code=$query_code"

# the others with one curl, one after the other on a kept-alive connection
# (curl 7.88's --parallel fails transfers of its own); one status per line
if [ "$seed" -gt 1 ]; then
    say "seeding $((seed - 1)) more tickets through the API"
    for ((i = 2; i <= seed; i++)); do
        printf 'url = "%s/api/v1/tickets"\n' "$app_url"
        printf 'header = "Content-Type: application/json"\n'
        printf 'data-binary = "{\\"channel\\":\\"web\\",\\"category\\":\\"consultation\\",'
        printf '\\"content\\":\\"诉讼费怎么交？（种子 %d）\\",' "$i"
        printf '\\"contact\\":{\\"name\\":\\"张三\\",\\"phone\\":\\"13800138000\\"}}"\n'
        printf 'output = "/dev/null"\nwrite-out = "%%{http_code} %%{errormsg}\\n"\n'
        printf 'silent\nmax-time = 10\n'
        [ "$i" -eq "$seed" ] || echo next
    done >"$work/seed.curl"
    run_child curl -K "$work/seed.curl" >"$work/seed.codes" \
        2>/dev/null || true
    n201=$(grep -c '^201 ' "$work/seed.codes" || true)
    [ "$n201" -eq $((seed - 1)) ] || die "seeding: $n201 of $((seed - 1)) POSTs" \
        "answered 201 (codes: $(sort "$work/seed.codes" | uniq -c | head -5 | tr '\n' ' '))"
fi
tickets=$(sql -e 'SELECT COUNT(*) FROM tickets') || die "db query failed"
# every seeded ticket's number and query code, for the status-many run
sql -e 'SELECT ticket_no, query_code FROM tickets' >"$work/tickets.txt" \
    || die "db query failed"
[ "$tickets" -ge "$seed" ] || die "seeding made $tickets tickets, wanted $seed"
code=$(curl -s -o "$work/status.json" -m 5 -w '%{http_code}' "$app_url$status_path") || true
[ "$code" = 200 ] || say "WARNING: GET $status_path answered $code: $(head -c 300 "$work/status.json")"
say "seeded: $tickets tickets; status URL $status_path"

# the cases the mix names (bench/intake-mix.lua: "（2026）粤0115民初N号"),
# spread over the trial divisions, so the intake's case lookup finds them
sql -e "INSERT INTO cases (case_no, department_id, created_at, updated_at)
        SELECT CONCAT('（2026）粤0115民初', s.seq, '号'), d.id, NOW(), NOW()
        FROM seq_1_to_$cases s
        JOIN (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k,
                     COUNT(*) OVER () AS n
              FROM departments WHERE kind = 'trial') d ON d.k = s.seq % d.n
        ON DUPLICATE KEY UPDATE updated_at = NOW()" \
    || die "seeding $cases cases failed (a trial department in sql/demo.sql?)"
ncases=$(sql -e "SELECT COUNT(*) FROM cases WHERE case_no LIKE '（2026）粤0115民初%'") \
    || die "db query failed"
[ "$ncases" -ge "$cases" ] || die "seeding made $ncases cases, wanted $cases"
export BENCH_CASES=$cases
say "seeded: $ncases cases"

# ================================================================ capture
drop_connections() {
    root_sql -e "SELECT CONCAT('KILL ', id, ';') FROM information_schema.processlist
                 WHERE user = 'liaison'" | root_sql || true
}

# The intake transactions the module really sends, for the sysbench replay
# (bench/intake-replay.lua): MariaDB's general log (as a table) on while
# one wrk thread posts for a second, then the batches that begin an intake
# (one per request; the ticket-number block fetch, once per hundred, is
# left out): at most 300, ample for a rotation.  Written length-prefixed
# ("LENGTH\nBYTES"): a batch may hold line breaks of the content.
#
# The statements an intake EXECUTEs are prepared once per connection
# (ngx_http_liaison_prepared.c): nginx's connections are dropped first, so
# that new ones send their PREPAREs while the log is on; those go to
# replay-prepare.sql (one per line), which the replay runs on each of its
# connections.
capture() {  # NAME SCRIPT
    local name=$1 script=$2 n
    drop_connections
    root_sql -e "SET GLOBAL log_output = 'TABLE'; TRUNCATE mysql.general_log;
                 SET GLOBAL general_log = 1" || die "cannot turn the general log on"
    run_child wrk -t1 -c4 -d1s -s "$script" "$app_url/api/v1/tickets" >/dev/null \
        || die "wrk failed (capture $name)"
    root_sql -e "SET GLOBAL general_log = 0" || die "cannot turn the general log off"
    root_sql -e "SELECT HEX(argument) FROM mysql.general_log
                 WHERE command_type = 'Query' AND argument LIKE
                   'SET TRANSACTION ISOLATION LEVEL READ COMMITTED;START TRANSACTION;EXECUTE lsn_key %'
                 ORDER BY event_time LIMIT 300" >"$work/replay-$name.hex" \
        || die "reading the general log failed"
    root_sql -e "SELECT HEX(argument) FROM mysql.general_log
                 WHERE command_type = 'Query' AND argument LIKE 'PREPARE %'" \
        | perl -ne 'chomp; my $b = pack "H*", $_;
                    while ($b =~ /\G(PREPARE (\w+) FROM \x27(?:[^\x27\\]|\\.)*\x27);/gs) {
                        print "$1\n" unless $seen{$2}++ }
                    END { exit !%seen }' >>"$work/replay-prepare.sql" \
        || die "capture $name: no PREPARE of the intake statements in the general log"
    sort -u -o "$work/replay-prepare.sql" "$work/replay-prepare.sql" \
        || die "sort failed (capture $name)"
    root_sql -e "TRUNCATE mysql.general_log" || true
    perl -ne 'chomp; my $b = pack "H*", $_; print length($b), "\n", $b' \
        "$work/replay-$name.hex" >"$work/replay-$name.sql" \
        || die "perl failed (capture $name)"
    n=$(wc -l <"$work/replay-$name.hex")
    [ "$n" -gt 0 ] || die "capture $name: no intake transaction in the general log"
    say "captured $n intake transactions ($name)"
}
# the status read of the bench's ticket, likewise: the module's batch on
# a new connection (nginx's are dropped first), the statement's PREPARE
# then its EXECUTE, which the replay splits as the module runs them
capture_status() {
    drop_connections
    root_sql -e "SET GLOBAL log_output = 'TABLE'; TRUNCATE mysql.general_log;
                 SET GLOBAL general_log = 1" || die "cannot turn the general log on"
    for _ in 1 2 3; do
        curl -s -o /dev/null -m 10 "$app_url$status_path" || die "curl failed (capture status)"
    done
    root_sql -e "SET GLOBAL general_log = 0" || die "cannot turn the general log off"
    root_sql -e "SELECT HEX(argument) FROM mysql.general_log
                 WHERE command_type = 'Query' AND (argument LIKE 'PREPARE lsn_status %'
                     OR argument LIKE 'EXECUTE lsn_status %')
                 ORDER BY event_time" >"$work/replay-status.hex" \
        || die "reading the general log failed"
    root_sql -e "TRUNCATE mysql.general_log" || true
    # one batch "PREPARE ...;EXECUTE ..." (or the two logged apart)
    perl -ne 'chomp; my $s = pack "H*", $_;
              if ($s =~ /^PREPARE / && !defined $p) { $p = $s; next }
              if (defined $p && $p !~ /;EXECUTE / && $s =~ /^EXECUTE /) { $p .= ";$s" }
              END { print $p if defined $p && $p =~ /;EXECUTE / }' \
        "$work/replay-status.hex" >"$work/replay-status.sql" \
        || die "perl failed (capture status)"
    [ -s "$work/replay-status.sql" ] || die "capture status: no status read in the general log"
    # the same statement with sixteen seeded tickets, as a full read batch
    perl -e 'my ($sql, $list) = @ARGV; my @k;
             open my $t, "<", $list or die "$list: $!";
             while (<$t>) { my ($no) = split; push @k, "\x27$no\x27"; last if @k == 16 }
             open my $f, "<", $sql or die "$sql: $!"; my $s = do { local $/; <$f> };
             $s =~ s/(;EXECUTE lsn_status USING ).*/$1 . join(", ", @k)/se or die "no EXECUTE\n";
             print $s' "$work/replay-status.sql" "$work/tickets.txt" \
        >"$work/replay-status16.sql" || die "perl failed (capture status, sixteen tickets)"
    say "captured the status read"
}
if [ "$have_sysbench" = 1 ]; then
    capture intake "$bench/intake.lua"
    capture intake-mix "$bench/intake-mix.lua"
    capture_status
fi

# ================================================================ 3. wrk runs
: >"$raw"
run_wrk baseline "$base_url/"
run_wrk status "$app_url$status_path"
LIAISON_TICKETS=$work/tickets.txt run_wrk status-many "$app_url/" -s "$bench/status-many.lua"
run_wrk intake "$app_url/api/v1/tickets" -s "$bench/intake.lua"
run_wrk intake-mix "$app_url/api/v1/tickets" -s "$bench/intake-mix.lua"
run_wrk health "$app_url/api/v1/health"

# ================================================================ ceiling
# The captured transactions replayed as SQL alone, at the same concurrency,
# on the same server: the most intakes per second the database allows.
# (sysbench 1.0 has no --warmup-time: the warm-up is a run of its own,
# with its own RUN_ID, so its rows do not collide with the measured ones)
replay() {  # NAME THREADS RUN_ID
    local name=$1 n=$2 id=$3 f=$work/sysbench-$1-$2.txt mark
    local args=(--threads="${n%x*}" --group="$(replay_group "$n")" --percentile=99
                --replay_file="$work/replay-$name.sql"
                --prepare_file="$work/replay-prepare.sql"
                --defaults_file="$client_cnf" --cases="$cases")
    case $name in status*)
        args=(--threads="$n" --percentile=99 --statement_file="$work/replay-$name.sql"
              --defaults_file="$client_cnf") ;;
    esac
    say "sysbench replay of $name, $n threads (${warmup}s warm-up, ${seconds}s)"
    if [ "$warmup" -gt 0 ]; then
        run_child sysbench "$bench/intake-replay.lua" "${args[@]}" \
            --time="$warmup" --run_id=$((id + 50)) run >"$f" 2>&1 \
            || { cat "$f" >&2; die "sysbench failed (warm-up, replay of $name, $n threads)"; }
    fi
    mark=$(cpu_mark)
    run_child sysbench "$bench/intake-replay.lua" "${args[@]}" \
        --time="$seconds" --run_id="$id" run >"$f" 2>&1 \
        || { cat "$f" >&2; die "sysbench failed (replay of $name, $n threads)"; }
    cpu_others "$mark" "$(cpu_mark)" >"$work/others-replay-$name-$n.txt"
    { echo "== replay $name: sysbench intake-replay.lua --threads=$n --time=$seconds"
      cat "$f"; echo; } >>"$raw"
}

# replay_group SPEC: the intakes per transaction of THREADS[xGROUP]
replay_group() {
    case $1 in *x*) echo "${1#*x}" ;; *) echo 1 ;; esac
}

# parse_sysbench FILE: "tx/s p99_ms retries failures"
parse_sysbench() {
    awk '
    /total time:/ { t = $3 + 0 }
    /total number of events:/ { n = $5 }
    /99th percentile:/ { p99 = $3 }
    /^intake-replay: thread/ { r += $5; f += $7 }
    END { printf "%.1f %.2f %d %d\n", (t > 0) ? n / t : 0, p99, r, f }
    ' "$1"
}

if [ "$have_sysbench" = 1 ]; then
    id=0
    for name in intake intake-mix; do
        for n in $replay_threads; do
            id=$((id + 1))
            replay "$name" "$n" "$id"
        done
    done
    for n in $status_threads; do
        replay status "$n" 0
        replay status16 "$n" 0
    done
else
    say "sysbench not installed: the database's ceiling is not measured (apt-get install sysbench)"
fi

# ================================================================ 5. RSS
# wrk cannot stop after a count by itself (its main thread sleeps for -d):
# run it for the time the measured rates predict, again for what is left
# if needed, and add up the requests wrk reports.
est=$(awk -v a="$(parse_wrk "$work/wrk-status.txt" | cut -d' ' -f1)" \
          -v b="$(parse_wrk "$work/wrk-health.txt" | cut -d' ' -f1)" \
          'BEGIN { r = 2 / (1 / (a + 1) + 1 / (b + 1)); printf "%d", (r > 100) ? r : 100 }')
say "RSS run: $rss_requests requests, status/health alternating (~$est req/s, at most ${rss_max}s)"
rss_before=$(workers_rss_kb "$app")
pids_before=$(worker_pids "$app" | sort | tr '\n' ' ')
r_n=0 r_time=0 r_n2=0 r_se=0 r_p99=0 runs=0
mark=$(cpu_mark)
: >"$work/wrk-rss.txt"
while [ "$r_n" -lt "$rss_requests" ] && [ "$r_time" -lt "$rss_max" ]; do
    d=$(awk -v n=$((rss_requests - r_n)) -v r="$est" \
            'BEGIN { d = int(n * 1.05 / r) + 1; printf "%d", d }')
    [ $((r_time + d)) -le "$rss_max" ] || d=$((rss_max - r_time))
    run_child wrk -t"$threads" -c"$conns" -d"${d}s" --latency -s "$bench/mixed.lua" "$app_url" \
        -- "$status_path" >"$work/wrk-rss-part.txt" 2>&1 \
        || { cat "$work/wrk-rss-part.txt" >&2; die "wrk failed (RSS run)"; }
    cat "$work/wrk-rss-part.txt" >>"$work/wrk-rss.txt"
    read -r rps _ p99 n2 se n < <(parse_wrk "$work/wrk-rss-part.txt")
    r_n=$((r_n + n)) r_n2=$((r_n2 + n2)) r_se=$((r_se + se))
    r_time=$((r_time + d)) runs=$((runs + 1))
    r_p99=$(awk -v a="$r_p99" -v b="$p99" 'BEGIN { print (b > a) ? b : a }')
    est=$(awk -v r="$rps" 'BEGIN { printf "%d", (r > 100) ? r : 100 }')
done
r_others=$(cpu_others "$mark" "$(cpu_mark)")
r_rps=$(awk -v n="$r_n" -v t="$r_time" 'BEGIN { printf "%.1f", n / t }')
sleep 1
rss_after=$(workers_rss_kb "$app")
pids_after=$(worker_pids "$app" | sort | tr '\n' ' ')
{ echo "== rss: $runs run(s) of wrk -t$threads -c$conns --latency -s mixed.lua -- $status_path"
  cat "$work/wrk-rss.txt"; echo; } >>"$raw"
tickets_end=$(sql -e 'SELECT COUNT(*) FROM tickets') || tickets_end="?"

# ================================================================ 4. report
read -r b_rps b_p50 b_p99 b_n2 b_se b_n < <(parse_wrk "$work/wrk-baseline.txt")
[ "${b_rps%.*}" -gt 0 ] || die "baseline measured 0 req/s"

yes_no() { if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "NOT met"; fi; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0) ? 100 * a / b : 0 }'; }

{
echo "Liaison benchmark, $(date '+%Y-%m-%d %H:%M:%S %z')"
echo "host: nproc=$(nproc), $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
     "$(uname -sr)"
echo "nginx: $("$nginx_bin" -v 2>&1 | sed 's/.*: //'), worker_processes 2," \
     "liaison_db_group_commit ${BENCH_GROUP_COMMIT:-2 16 (default)};" \
     "mariadb: $(mariadbd --version | awk '{ print $3 }'), $durability"
rev="not a git checkout"
[ -e "$root/.git" ] && rev="git $(git -C "$root" describe --always --dirty 2>/dev/null)"
echo "module: build/ngx_http_liaison_module.so built $module_id; $rev"
[ -z "${BENCH_NICE:-}" ] || echo "priority: everything ran at nice $BENCH_NICE (BENCH_NICE)"
echo "wrk -t$threads -c$conns -d${seconds}s --latency, ${warmup}s warm-up before each;" \
     "loopback; seeded $tickets tickets ($tickets_end at the end) and $ncases cases"
echo "others: CPU used by processes this run did not start, % of the machine's 2 CPUs," \
     "during the measured run (0% = undisturbed); db/nginx: the shares of MariaDB and of the"
echo "module's nginx (the baseline's: of its own nginx) in the machine's CPU time, %"
echo
fmt='%-22s %10s %7s %8s %8s %8s %8s %9s %7s %9s\n'
printf "$fmt" endpoint req/s ratio p50_ms p99_ms non-2xx sockerr requests others db/nginx
printf "$fmt" "baseline (return 200)" "$b_rps" "100%" "$b_p50" "$b_p99" "$b_n2" \
    "$b_se" "$b_n" "$(cat "$work/others-baseline.txt")" "$(cat "$work/cpu-baseline.txt")"
verdicts=""
for name in status status-many intake intake-mix health; do
    read -r rps p50 p99 n2 se n < <(parse_wrk "$work/wrk-$name.txt")
    label=$name
    case $name in
        status) label="GET status" ;;
        status-many) label="GET status-many" ;;
        intake) label="POST intake" ;;
        intake-mix) label="POST intake-mix" ;;
        health) label="GET health" ;;
    esac
    ratio=$(pct "$rps" "$b_rps")
    eval "rps_${name//-/_}=\$rps"
    printf "$fmt" "$label" "$rps" "$ratio%" "$p50" "$p99" "$n2" "$se" "$n" \
        "$(cat "$work/others-$name.txt")" "$(cat "$work/cpu-$name.txt")"
    case $name in
        status) verdicts="$verdicts  status >= 20% of baseline:       $ratio%  $(yes_no "$ratio >= 20")\n" ;;
        status-many) verdicts="$verdicts  status-many >= 20% of baseline:  $ratio%  $(yes_no "$ratio >= 20")\n" ;;
        intake) verdicts="$verdicts  intake >= 6% of baseline:        $ratio%  $(yes_no "$ratio >= 6")\n" ;;
        intake-mix) verdicts="$verdicts  intake-mix >= 8% of baseline:    $ratio%  $(yes_no "$ratio >= 8")\n" ;;
    esac
    verdicts="$verdicts  $label p99 < 20 ms:$(printf '%*s' $((20 - ${#label})) '')$p99 ms  $(yes_no "$p99 < 20")\n"
    verdicts="$verdicts  $label zero non-2xx:$(printf '%*s' $((19 - ${#label})) '')$n2 (socket errors $se)  $(yes_no "$n2 == 0 && $se == 0")\n"
done
echo
if [ "$have_sysbench" = 1 ]; then
    echo "Database ceiling: the module's own intake transactions (captured by the general log)"
    echo "replayed as SQL alone by sysbench (bench/intake-replay.lua), one round trip each;"
    echo "threads: sysbench threads, xG: G intakes per transaction (as liaison_db_group_commit);"
    echo "done/s: intakes (status: tickets read) per second:"
    fmt2='%-24s %7s %10s %10s %8s %8s %8s %7s %12s %7s\n'
    printf "$fmt2" replay threads tx/s done/s p99_ms retries failed others "module req/s" share
    for name in intake intake-mix; do
        best=0 fast=0
        eval "mod=\$rps_${name//-/_}"
        for n in $replay_threads; do
            read -r tps rp99 rr rf < <(parse_sysbench "$work/sysbench-$name-$n.txt")
            ips=$(awk -v t="$tps" -v g="$(replay_group "$n")" 'BEGIN { printf "%.1f", t * g }')
            best=$(awk -v a="$best" -v b="$ips" 'BEGIN { print (b > a) ? b : a }')
            fast=$(awk -v a="$fast" -v b="$ips" -v p="$rp99" \
                       'BEGIN { print (p < 20 && b > a) ? b : a }')
            printf "$fmt2" "$name ($(wc -l <"$work/replay-$name.hex") tx)" "$n" "$tps" "$ips" "$rp99" "$rr" "$rf" \
                "$(cat "$work/others-replay-$name-$n.txt")" "$mod" "$(pct "$mod" "$ips")%"
        done
        eval "ceil_${name//-/_}=\$best"
        eval "fast_${name//-/_}=\$fast"
    done
    # status: one ticket per statement (the module's "status" run reads
    # one ticket, its concurrent reads share a statement); status16: a full
    # batch of sixteen tickets (the "status-many" run reads them all)
    ceil_status=0 ceil_status16=0
    for n in $status_threads; do
        for name in status status16; do
            read -r tps rp99 rr rf < <(parse_sysbench "$work/sysbench-$name-$n.txt")
            k=1 label="status read, 1 ticket" mod=$rps_status
            [ "$name" = status16 ] && k=16 label="status read, 16 tickets" mod=$rps_status_many
            tks=$(awk -v t="$tps" -v k="$k" 'BEGIN { printf "%.1f", t * k }')
            eval "best=\$ceil_$name"
            best=$(awk -v a="$best" -v b="$tks" 'BEGIN { print (b > a) ? b : a }')
            eval "ceil_$name=\$best"
            printf "$fmt2" "$label" "$n" "$tps" "$tks" "$rp99" "$rr" "$rf" \
                "$(cat "$work/others-replay-$name-$n.txt")" "$mod" "$(pct "$mod" "$tks")%"
        done
    done
    echo "  status: one ticket per statement at most $ceil_status per second, sixteen at most" \
         "$ceil_status16 tickets per second; the module's status $(pct "$rps_status" "$ceil_status")%" \
         "of the first, status-many $(pct "$rps_status_many" "$ceil_status16")% of the second"
    echo "  ceiling (best of the runs): intake $ceil_intake intakes/s, the module's" \
         "intake $(pct "$rps_intake" "$ceil_intake")% of it; intake-mix $ceil_intake_mix intakes/s," \
         "the module's intake-mix $(pct "$rps_intake_mix" "$ceil_intake_mix")% of it"
    # a request waits at least for its transaction: the database alone,
    # at its best setting whose transactions stay under 20 ms at p99, is
    # the most intake can do within the p99 target on this machine
    echo "  within p99 < 20 ms (best of the runs whose transactions' p99 is under 20 ms):" \
         "intake $fast_intake intakes/s ($(pct "$fast_intake" "$b_rps")% of the baseline);" \
         "intake-mix $fast_intake_mix intakes/s ($(pct "$fast_intake_mix" "$b_rps")% of the baseline)"
else
    echo "Database ceiling: not measured (sysbench not installed: apt-get install sysbench)"
fi
mb() { awk -v k="$1" 'BEGIN { printf "%.2f", k / 1024 }'; }
growth=$(mb $((rss_after - rss_before)))
echo
echo "RSS of the module's 2 workers (sum of VmRSS): $(mb "$rss_start") MB after start;" \
     "$(mb "$rss_before") MB before and $(mb "$rss_after") MB after" \
     "$r_n requests (asked $rss_requests): growth $growth MB"
echo "  RSS run: status/health alternating, $runs wrk run(s), $r_n requests in" \
     "${r_time}s, ~$r_rps req/s, worst p99 $r_p99 ms, non-2xx $r_n2, socket errors $r_se," \
     "others $r_others"
echo
echo "Targets (informative):"
printf '%b' "$verdicts"
echo "  RSS growth < 5 MB:               $growth MB  $(yes_no "$growth < 5")"
[ "$pids_before" = "$pids_after" ] || echo "  NOTE: the worker processes" \
    "changed during the RSS run ($pids_before-> $pids_after): a worker died?"
[ "$r_n" -ge "$rss_requests" ] \
    || echo "  NOTE: the RSS run completed only $r_n of $rss_requests requests within ${rss_max}s"
echo
echo "Error logs (count of lines per level):"
echo "  nginx with module: $(log_counts "$app/logs/error.log")"
log_top "$app/logs/error.log" | sed 's/^/      /'
echo "  baseline nginx:    $(log_counts "$base/logs/error.log")"
echo "  mariadb:           ERROR=$(grep -c '\[ERROR\]' "$dbdir/mysql/error.log" || true)" \
     "Warning=$(grep -c '\[Warning\]' "$dbdir/mysql/error.log" || true)"
grep -E '\[(ERROR|Warning)\]' "$dbdir/mysql/error.log" 2>/dev/null \
    | sed -E -e 's/^[0-9-]+ +[0-9:]+ [0-9]+ //' -e 's/connection [0-9]+/connection N/' \
    | sort | uniq -c | sort -rn | head -10 | sed 's/^/      /'
echo "  (copies in bench/results/logs/)"
} >"$out"

cat "$out"
{ cat "$out"; echo; echo "---- raw wrk output"; cat "$raw"; } >"$results/latest.txt"
say "written to bench/results/latest.txt"
