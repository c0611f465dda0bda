#!/bin/bash
# Liaison: a private MariaDB instance under a directory of its own.
#
#   scripts/db.sh start  DIR   initialise (first time), start, create the
#                              `liaison` database and users (first time)
#   scripts/db.sh stop   DIR   clean shutdown, waits for the server to exit
#   scripts/db.sh status DIR   exit 0 when running and answering
#   scripts/db.sh client DIR [ARGS]  mariadb client as root on the socket
#
# Layout under DIR:
#   mysql/data            data directory (mariadb-install-db --no-defaults)
#   mysql/mysqld.sock     unix socket
#   mysql/mysqld.pid      pid file
#   mysql/error.log       server error log
#   secrets/db_password   password of 'liaison'@'localhost' and
#                         'liaison'@'127.0.0.1' (mode 600)
#   secrets/client.cnf    [client] options for the liaison user (mode 600)
#
# The root account authenticates through the unix socket (the OS user that
# ran `start`), so no root password is stored anywhere.  The server listens on
# 127.0.0.1:${LIAISON_DB_PORT:-3307} and on its own socket; the system MariaDB
# service and /var/lib/mysql are never touched.
#
# Environment: LIAISON_DB_PORT (default 3307), LIAISON_DB_WAIT (seconds to
# wait for start/stop, default 30), LIAISON_DB_LOG_FILE_SIZE (default 48M),
# LIAISON_DB_BUFFER_POOL (default 128M).

set -euo pipefail
. "$(dirname "$0")/db-account.sh"

usage() {
    echo "usage: $0 start|stop|status|client DIR [mariadb args]" >&2
    exit 2
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
shift 2

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

base=$dir/mysql
datadir=$base/data
sock=$base/mysqld.sock
pidfile=$base/mysqld.pid
errlog=$base/error.log
secrets=$dir/secrets
pwfile=$secrets/db_password
cnf=$secrets/client.cnf
port=${LIAISON_DB_PORT:-3307}
wait_s=${LIAISON_DB_WAIT:-30}
logsize=${LIAISON_DB_LOG_FILE_SIZE:-48M}
bufpool=${LIAISON_DB_BUFFER_POOL:-128M}

if [ ${#sock} -gt 100 ]; then
    echo "db: socket path too long (${#sock} > 100): $sock" >&2
    exit 1
fi

say() { echo "db: $*"; }
die() { echo "db: $*" >&2; exit 1; }

server_pid() {
    local pid
    [ -s "$pidfile" ] || return 1
    pid=$(cat "$pidfile" 2>/dev/null) || return 1
    case $pid in ''|*[!0-9]*) return 1 ;; esac
    kill -0 "$pid" 2>/dev/null || return 1
    # a recycled pid would not be a mariadbd
    grep -qa -e mariadbd -e mysqld "/proc/$pid/cmdline" 2>/dev/null || return 1
    echo "$pid"
}

root_sql() {
    mariadb --no-defaults --protocol=socket --socket="$sock" -uroot \
        --batch --skip-column-names "$@"
}

answers() {
    root_sql -e 'SELECT 1' >/dev/null 2>&1
}

server_opts() {
    local user_opt=()
    [ "$(id -u)" = 0 ] && user_opt=(--user=root)
    printf '%s\n' --no-defaults "${user_opt[@]}" \
        --datadir="$datadir" \
        --socket="$sock" \
        --pid-file="$pidfile" \
        --log-error="$errlog" \
        --port="$port" \
        --bind-address=127.0.0.1 \
        --character-set-server=utf8mb4 \
        --collation-server=utf8mb4_unicode_ci \
        --innodb-log-file-size="$logsize" \
        --innodb-buffer-pool-size="$bufpool" \
        --skip-name-resolve \
        --thread-handling=pool-of-threads \
        --max-connections=500
}

init_datadir() {
    [ -d "$datadir/mysql" ] && return 0
    say "initialising $datadir"
    rm -rf "$datadir"
    mkdir -p "$base"
    local user_opt=()
    [ "$(id -u)" = 0 ] && user_opt=(--user=root)
    if ! mariadb-install-db --no-defaults "${user_opt[@]}" \
            --datadir="$datadir" \
            --auth-root-authentication-method=socket \
            --skip-test-db \
            --innodb-log-file-size="$logsize" \
            >"$base/install.log" 2>&1; then
        tail -20 "$base/install.log" >&2
        rm -rf "$datadir"
        die "mariadb-install-db failed (log: $base/install.log)"
    fi
}

start_server() {
    local pid opts i started=""
    if pid=$(server_pid); then
        say "mariadbd already running (pid $pid)"
    else
        rm -f "$pidfile" "$sock"
        mapfile -t opts < <(server_opts)
        # detached from this shell and its terminal
        setsid nohup mariadbd "${opts[@]}" </dev/null >>"$base/mariadbd.out" \
            2>&1 &
        started=$!
        say "mariadbd starting on $sock and 127.0.0.1:$port"
    fi
    for ((i = 0; i < wait_s * 10; i++)); do
        if answers; then
            return 0
        fi
        # give up early when the server we started has died
        if [ -n "$started" ] && ! kill -0 "$started" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    tail -20 "$errlog" >&2 2>/dev/null || true
    die "mariadbd did not answer within ${wait_s}s (log: $errlog)"
}

ensure_database() {
    db_ensure_account "$sock" root_sql
}

stop_server() {
    local pid i
    if ! pid=$(server_pid); then
        say "mariadbd not running"
        return 0
    fi
    kill -TERM "$pid"
    for ((i = 0; i < wait_s * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || { say "mariadbd stopped"; return 0; }
        sleep 0.1
    done
    die "mariadbd (pid $pid) did not exit within ${wait_s}s"
}

case $cmd in
start)
    command -v mariadbd >/dev/null || die "mariadbd not found (make deps)"
    init_datadir
    start_server
    ensure_database
    say "ready: socket $sock, 127.0.0.1:$port, database liaison," \
        "user liaison, password in $pwfile"
    ;;
stop)
    stop_server
    ;;
status)
    if pid=$(server_pid) && answers; then
        say "running (pid $pid), socket $sock, 127.0.0.1:$port"
    else
        say "not running"
        exit 1
    fi
    ;;
client)
    exec mariadb --defaults-file="$cnf" "$@"
    ;;
*)
    usage
    ;;
esac
