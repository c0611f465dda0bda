#!/bin/bash
# Liaison: local run (`make run` / `make stop`).
#
#   scripts/run.sh start   MariaDB under var/, migrations, demo data and the
#                          working-day calendar, demo passwords, token
#                          secret, nginx on 127.0.0.1:${LIAISON_PORT:-8080}
#                          (reloaded when already running); prints what to call
#   scripts/run.sh stop    stops nginx and MariaDB
#   scripts/run.sh status
#
# With LIAISON_CLUSTER=1 (`make run CLUSTER=1`) the database is a
# three-node Galera cluster (scripts/cluster.sh, under var/cluster, ports
# from LIAISON_CLUSTER_PORT, 3311): nginx's liaison_db and the worker's
# db_nodes list the three nodes, writes go to node 1 and move to the next
# when it fails (docs/operations.md, "A Galera cluster").  `stop` stops the
# cluster too.
#
# `make run` builds the module and tools first.  Running start again is
# safe: everything is created only when missing, demo data is upserted and
# nginx is reloaded with the freshly rendered configuration.
#
# Environment: LIAISON_PORT (8080), LIAISON_DB_PORT (3307),
# LIAISON_DEMO_PASSWORD (Liaison-demo-2026), NGINX (/usr/sbin/nginx),
# LIAISON_VAR (state directory, default var/ of the repository; absolute).

set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
var=${LIAISON_VAR:-$root/var}
module=$root/build/ngx_http_liaison_module.so
admin=$root/build/bin/liaison-admin
nginx_bin=${NGINX:-/usr/sbin/nginx}
prefix=$var/nginx
conf=$prefix/nginx.conf
pidfile=$prefix/nginx.pid
errlog=$prefix/logs/error.log
port=${LIAISON_PORT:-8080}
db_port=${LIAISON_DB_PORT:-3307}
demo_password=${LIAISON_DEMO_PASSWORD:-Liaison-demo-2026}
secrets=$var/secrets
client_cnf=$secrets/client.cnf
ingest_key=$secrets/ingest_key
phone_key=$secrets/phone_hash_key
db_sock=$var/mysql/mysqld.sock
cluster=${LIAISON_CLUSTER:-}
[ "$cluster" = 0 ] && cluster=
if [ -n "$cluster" ]; then
    # the nodes' sockets in order (scripts/cluster.sh addresses)
    db_sock=$var/cluster/node1/mysqld.sock
    db_list="unix:$db_sock unix:$var/cluster/node2/mysqld.sock"
    db_list="$db_list unix:$var/cluster/node3/mysqld.sock"
else
    db_list="unix:$db_sock"
fi
token_secret=$secrets/token_secret

# demo accounts (sql/demo.sql): username role department
demo_accounts=(
    "platform   platform_staff  立案庭"
    "judge1     judge           民事审判庭"
    "judge2     judge           刑事审判庭"
    "deptstaff  dept_staff      执行局"
    "liaison    liaison         民事审判庭"
    "leader     dept_leader     民事审判庭"
    "vp         vice_president  审判管理办公室"
    "president  president       审判管理办公室"
    "filing     filing_admin    立案庭"
    "admin      sys_admin       审判管理办公室"
    "inspector  discipline      纪检监察室"
)
# every account of sql/demo.sql gets the demo password
demo_usernames="platform judge1 judge2 deptstaff liaison leader leader_filing
    leader_criminal leader_admin leader_enforcement leader_trial_mgmt
    leader_president_office leader_discipline leader_political vp president
    filing admin inspector"

say() { echo "run: $*"; }
die() { echo "run: $*" >&2; exit 1; }

sql() {
    mariadb --defaults-file="$client_cnf" --batch --skip-column-names "$@"
}

nginx_pid() {
    local pid
    [ -s "$pidfile" ] || return 1
    pid=$(cat "$pidfile" 2>/dev/null) || return 1
    case $pid in ''|*[!0-9]*) return 1 ;; esac
    kill -0 "$pid" 2>/dev/null || return 1
    grep -qa nginx "/proc/$pid/cmdline" 2>/dev/null || return 1
    echo "$pid"
}

# pids of the master's workers that are not shutting down
serving_workers() {
    local master=$1 p
    for p in $(pgrep -P "$master" 2>/dev/null); do
        if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null \
                | grep -q 'worker process *$'; then
            echo "$p"
        fi
    done
}

# true while one of the pids in $2 is still a serving worker
still_serving() {
    local now p
    now=" $(serving_workers "$1" | tr '\n' ' ') "
    for p in $2; do
        case $now in *" $p "*) return 0 ;; esac
    done
    return 1
}

nginx_cmd() {
    "$nginx_bin" -p "$prefix/" -c "$conf" -e "$errlog" "$@"
}

http_status() {
    # prints the HTTP status of GET $1 (000 when nothing answered)
    curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" 2>/dev/null || true
}

render_conf() {
    local tmp=$conf.tmp
    sed -e "s|@MODULE@|$module|g" \
        -e "s|@PREFIX@|$prefix|g" \
        -e "s|@PORT@|$port|g" \
        -e "s|unix:@DB_SOCKET@|$db_list|g" \
        -e "s|@DB_SOCKET@|$db_sock|g" \
        -e "s|@DB_PASSWORD_FILE@|$secrets/db_password|g" \
        -e "s|@TOKEN_SECRET_FILE@|$token_secret|g" \
        -e "s|@INGEST_KEY_FILE@|$ingest_key|g" \
        -e "s|@PHONE_KEY_FILE@|$phone_key|g" \
        -e "s|@USER@|$nginx_user|g" \
        -e "s|@HTML_ROOT@|$root/html|g" \
        "$root/conf/nginx-local.conf.in" >"$tmp"
    if grep -n '^[^#]*@[A-Z_]*@' "$tmp" >&2; then
        die "unfilled placeholders in conf/nginx-local.conf.in (above)"
    fi
    mv "$tmp" "$conf"
}

set_demo_passwords() {
    local hash u
    hash=$(printf '%s\n' "$demo_password" | "$admin" hash-password) \
        || die "liaison-admin hash-password failed"
    # a crypt(3) string: only [$./A-Za-z0-9], safe inside SQL quotes
    case $hash in
        '$'*) ;;
        *) die "unexpected hash-password output: $hash" ;;
    esac
    case $hash in *[!\$./A-Za-z0-9]*) die "unexpected characters in hash" ;; esac
    local list=""
    for u in $demo_usernames; do
        list="$list${list:+,}'$u'"
    done
    # one salted hash shared by the demo accounts (it is a demo password)
    sql -e "UPDATE staff SET password_hash = '$hash', failed_logins = 0,
            locked_until = NULL WHERE username IN ($list)"
}

start() {
    [ -f "$module" ] || die "$module missing: run \`make module\` (or make run)"
    [ -x "$admin" ] || die "$admin missing: run \`make tools\` (or make run)"
    [ -x "$nginx_bin" ] || die "$nginx_bin missing: run \`make deps\`"

    mkdir -p "$var" "$secrets"
    chmod 700 "$secrets"

    # 1. database
    if [ -n "$cluster" ]; then
        "$root/scripts/cluster.sh" start "$var"
    else
        LIAISON_DB_PORT=$db_port "$root/scripts/db.sh" start "$var"
    fi
    "$root/scripts/migrate.sh" --defaults-file="$client_cnf"

    # 2. demo data, calendar, demo passwords
    sql <"$root/sql/demo.sql" || die "loading sql/demo.sql failed"
    say "demo data loaded"
    "$admin" calendar-sql "$root/data/cn-working-days.txt" >"$var/calendar.sql" \
        || die "liaison-admin calendar-sql failed"
    sql <"$var/calendar.sql" || die "loading the calendar failed"
    say "working-day calendar loaded ($(sql -e \
        'SELECT CONCAT(MIN(year), "-", MAX(year)) FROM calendar_years'))"
    set_demo_passwords
    say "demo passwords set"

    # 3. token secret, the trial system's ingest key and the phone-hash
    # key (48 random bytes, base64 each)
    local f
    for f in "$token_secret" "$ingest_key" "$phone_key"; do
        if [ ! -s "$f" ]; then
            (umask 077; head -c 48 /dev/urandom | base64 -w0 >"$f")
            say "generated $f"
        fi
        chmod 600 "$f"
    done

    # 4. nginx
    mkdir -p "$prefix/logs" "$prefix/tmp/body" "$prefix/tmp/proxy" \
        "$prefix/tmp/fastcgi" "$prefix/tmp/uwsgi" "$prefix/tmp/scgi" \
        "$prefix/attachments"
    workers_user
    render_conf
    nginx_cmd -t -q || die "nginx -t failed for $conf (see above)"
    local pid old i
    if pid=$(nginx_pid); then
        old=$(serving_workers "$pid")
        nginx_cmd -s reload
        # wait until the old workers stopped accepting (exited or "shutting
        # down"), so what answers below runs the new configuration
        for ((i = 0; i < 300; i++)); do
            still_serving "$pid" "$old" || break
            sleep 0.1
        done
        say "nginx reloaded (master pid $pid)"
    else
        rm -f "$pidfile"
        nginx_cmd || die "nginx failed to start (see $errlog)"
        say "nginx started (master pid $(cat "$pidfile" 2>/dev/null || echo ?))"
    fi

    # 5. liaison-worker (docs/worker.md): ladder and calendar alert; no
    # WeChat/SMS/WeCom settings locally, so nothing leaves the machine
    # --- BEGIN liaison-worker ---
    local wconf=$var/liaison-worker.conf wpid=$var/liaison-worker.pid
    if [ -n "$cluster" ]; then
        echo "db_nodes = $db_list" >"$wconf"
    else
        echo "db_socket = $db_sock" >"$wconf"
    fi
    printf '%s\n' "db_user = liaison" \
        "db_password_file = $secrets/db_password" "db_name = liaison" \
        "worker_id = local" >>"$wconf"
    # the outside world, when configured (README, "WeChat, SMS and WeCom")
    if [ -f "$var/liaison-worker-outside.conf" ]; then
        cat "$var/liaison-worker-outside.conf" >>"$wconf"
    fi
    "$root/build/bin/liaison-worker" --check -c "$wconf" >/dev/null \
        || die "liaison-worker --check -c $wconf failed"
    if [ -s "$wpid" ] && kill -0 "$(cat "$wpid")" 2>/dev/null; then
        kill -HUP "$(cat "$wpid")"
        say "liaison-worker reloaded (pid $(cat "$wpid"))"
    else
        nohup "$root/build/bin/liaison-worker" -c "$wconf" \
            >>"$var/liaison-worker.log" 2>&1 </dev/null &
        echo $! >"$wpid"
        say "liaison-worker started (pid $!, log var/liaison-worker.log)"
    fi
    # --- END liaison-worker ---

    # 6. wait until the API answers
    local base="http://127.0.0.1:$port" code="" i
    for ((i = 0; i < 300; i++)); do
        code=$(http_status "$base/api/v1/health")
        [ "$code" = 200 ] && break
        sleep 0.1
    done
    [ "$code" = 200 ] || die "GET $base/api/v1/health answered $code" \
        "within 30 s (see $errlog)"

    demo_ingest "$base"
    print_usage "$base"
}

# nginx's workers run as a deployment runs them: www-data when started as
# root (the attachment store is theirs), else as the caller.  A checkout
# www-data cannot reach (a parent directory of mode 700, as /root) keeps
# them as root, and says so.
workers_user() {
    nginx_user="# user: the caller's (not started as root)"
    [ "$(id -u)" = 0 ] || return 0
    chmod 755 "$var" "$prefix"
    if id www-data >/dev/null 2>&1 \
        && runuser -u www-data -- test -x "$(dirname "$db_sock")" \
        && runuser -u www-data -- test -r "$root/html/index.html"; then
        nginx_user="user www-data www-data;"
        chown www-data:www-data "$prefix/attachments"
        chmod 750 "$prefix/attachments"
    else
        nginx_user="user root;"
        say "warning: www-data cannot reach $root (a parent directory is" \
            "not searchable): nginx's workers run as root here; move the" \
            "checkout (or chmod o+x its parents) to run them as www-data"
    fi
}

# the trial system's side: three demo cases with their parties (mobiles
# for the SMS of A7) and process nodes, through the signed ingest; safe to
# send again (cases are upserted, node ids seen before change nothing)
demo_ingest() {
    local base=$1 ts sig body code
    ingest_post() {
        ts=$(date +%s)
        sig=$(printf '%s' "$2" | "$admin" sign "$ingest_key" "$ts") \
            || die "liaison-admin sign failed"
        code=$(curl -s -o /dev/null -w '%{http_code}' -m 10 -X POST \
            "$base/api/v1/ingest/$1" -H 'Content-Type: application/json' \
            -H "X-Liaison-Timestamp: $ts" -H "X-Liaison-Signature: $sig" \
            --data-binary "$2") || true
        [ "$code" = 200 ] || die "demo ingest $1 answered $code (see $errlog)"
    }
    body='{"cases":[
{"case_no":"（2026）粤0115民初101号","department":"civil","judge":"李建国",
 "judge_username":"judge1","procedure":"ordinary","filed_at":"2026-01-05",
 "deadline":"2026-07-05","parties":[
  {"role":"plaintiff","name":"张三","mobile":"13900139001"},
  {"role":"defendant","name":"广州某贸易有限公司","mobile":"13900139002"},
  {"role":"lawyer","name":"陈律师","mobile":"13900139003"}]},
{"case_no":"（2026）粤0115刑初202号","department":"criminal","judge":"王丽华",
 "judge_username":"judge2","procedure":"ordinary","filed_at":"2026-02-02",
 "deadline":"2026-05-02","parties":[
  {"role":"victim","name":"李四","mobile":"13900139004"}]},
{"case_no":"（2026）粤0115执88号","department":"enforcement",
 "procedure":"enforcement","filed_at":"2026-03-02","deadline":"2026-09-02",
 "parties":[
  {"role":"enforcement_applicant","name":"王五","mobile":"13900139005"},
  {"role":"enforcement_respondent","name":"赵六"}]}]}'
    ingest_post cases "$body"
    body='{"events":[
{"event_id":"demo-101-filed","case_no":"（2026）粤0115民初101号",
 "type":"filed","occurred_at":"2026-01-05T09:30:00+08:00",
 "detail":"本案已立案，适用普通程序。"},
{"event_id":"demo-101-hearing","case_no":"（2026）粤0115民初101号",
 "type":"hearing_scheduled","occurred_at":"2026-01-20T10:00:00+08:00",
 "detail":"定于2026年3月10日上午9时在第三法庭开庭。"},
{"event_id":"demo-202-filed","case_no":"（2026）粤0115刑初202号",
 "type":"filed","occurred_at":"2026-02-02T09:00:00+08:00",
 "detail":"本案已立案。"},
{"event_id":"demo-88-filed","case_no":"（2026）粤0115执88号",
 "type":"filed","occurred_at":"2026-03-02T09:00:00+08:00",
 "detail":"执行案件已立案。"}]}'
    ingest_post case-nodes "$body"
    say "demo cases and process nodes ingested"
}

print_usage() {
    local base=$1 a
    cat <<EOF

Liaison is running: $base/api/v1/  (nginx: $conf, logs: $prefix/logs/)
EOF
    if [ -n "$cluster" ]; then
        cat <<EOF
Database: a three-node Galera cluster, database liaison; nginx and the
          worker write to the first healthy node of:
EOF
        for a in $db_list; do
            echo "            ${a#unix:}"
        done
        cat <<EOF
          (state: scripts/cluster.sh status $var; client on node N:
          scripts/cluster.sh client N $var; a failover drill:
          scripts/cluster.sh kill-node 1 $var, then start-node 1 $var)
EOF
    else
        cat <<EOF
Database: socket $db_sock, 127.0.0.1:$db_port, database liaison
          (client: scripts/db.sh client $var)
EOF
    fi
    cat <<EOF

Try:
  curl -s $base/api/v1/health

  # register a request (litigant channels wechat/web/kiosk need no token)
  curl -s -X POST $base/api/v1/tickets -H 'Content-Type: application/json' \\
       -H 'Idempotency-Key: demo-1' \\
       -d '{"channel":"web","category":"contact_judge","case_no":"(2020)粤0115民初1234号","content":"请转告承办法官：我已补交证据材料。","contact":{"name":"张三","phone":"13800138000"}}'

  # its status: use ticket_no and query_code from the answer above
  curl -s '$base/api/v1/tickets/TICKET_NO?query_code=QUERY_CODE'

  # staff login, then a hall registration on someone's behalf
  curl -s -X POST $base/api/v1/staff/login -H 'Content-Type: application/json' \\
       -d '{"username":"platform","password":"$demo_password"}'
  curl -s -X POST $base/api/v1/tickets -H 'Content-Type: application/json' \\
       -H 'Authorization: Bearer TOKEN' \\
       -d '{"channel":"hall","category":"case_query","content":"查询案件进度","contact":{"name":"李四","phone":"13900139000"}}'

  # the trial system's ingest, signed with $ingest_key
  # (HMAC-SHA256 of timestamp "\n" body; docs/api.md, "Signed ingest")
  body='{"events":[{"event_id":"E-1","case_no":"（2026）粤0115民初101号","type":"served","occurred_at":"2026-01-08T10:00:00+08:00","detail":"起诉状副本已送达。"}]}'
  ts=\$(date +%s)
  sig=\$(printf '%s' "\$body" | $admin sign $ingest_key \$ts)
  curl -s -X POST $base/api/v1/ingest/case-nodes -H 'Content-Type: application/json' \\
       -H "X-Liaison-Timestamp: \$ts" -H "X-Liaison-Signature: \$sig" -d "\$body"

Demo data: three cases (民初101号 judge1, 刑初202号 judge2, 执88号) with
parties and nodes, the liaison directory ($base/liaisons.html), the
starter canned answers; WeChat, SMS and WeCom are not configured, so
nothing leaves this machine (README, "WeChat, SMS and WeCom").

Console (mobile first): $base/staff/   public pages: $base/  (kiosk: $base/?kiosk=1)

Demo staff accounts (password for all: $demo_password):
EOF
    for a in "${demo_accounts[@]}"; do
        # shellcheck disable=SC2086
        printf '  %-10s %-15s %s\n' $a
    done
    echo "  (and leader_filing, leader_criminal, leader_admin, leader_enforcement,"
    echo "   leader_trial_mgmt, leader_president_office, leader_discipline,"
    echo "   leader_political: the other departments' leaders; leader_trial_mgmt"
    echo "   and leader_political acknowledge the monthly bulletin's items)"
    echo
    echo "Stop with: make stop"
}

stop() {
    local pid i
    # --- BEGIN liaison-worker stop ---
    if [ -s "$var/liaison-worker.pid" ] \
        && kill -0 "$(cat "$var/liaison-worker.pid")" 2>/dev/null; then
        pid=$(cat "$var/liaison-worker.pid")
        kill -TERM "$pid"
        for ((i = 0; i < 600; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        say "liaison-worker stopped"
    fi
    rm -f "$var/liaison-worker.pid"
    # --- END liaison-worker stop ---
    if pid=$(nginx_pid); then
        kill -QUIT "$pid"
        for ((i = 0; i < 300; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            die "nginx (pid $pid) did not exit within 30 s"
        fi
        say "nginx stopped"
    else
        say "nginx not running"
    fi
    if [ -d "$var/mysql" ]; then
        "$root/scripts/db.sh" stop "$var"
    fi
    if [ -d "$var/cluster" ]; then
        "$root/scripts/cluster.sh" stop "$var"
    fi
}

status() {
    local pid rc=0
    if pid=$(nginx_pid); then
        say "nginx running (master pid $pid), health:" \
            "$(http_status "http://127.0.0.1:$port/api/v1/health")"
    else
        say "nginx not running"; rc=1
    fi
    if [ -n "$cluster" ]; then
        "$root/scripts/cluster.sh" status "$var" || rc=1
    else
        "$root/scripts/db.sh" status "$var" || rc=1
    fi
    return $rc
}

case ${1:-} in
start) start ;;
stop) stop ;;
status) status ;;
*) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
