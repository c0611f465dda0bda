#!/bin/bash
# Liaison: a three-node MariaDB Galera cluster on this machine, for trying
# and testing the module and the worker on a cluster (docs/operations.md,
# "A Galera cluster").
#
#   scripts/cluster.sh start  [DIR]   initialise (first time) and start the
#                                     three nodes, create the `liaison`
#                                     database and users (first time)
#   scripts/cluster.sh stop   [DIR]   clean shutdown of every node
#   scripts/cluster.sh status [DIR]   each node's state; exit 0 when all
#                                     three are Synced in one primary
#                                     component
#   scripts/cluster.sh start-node N [DIR]  (re)starts node N alone: it joins
#                                     the running nodes (IST, or SST by rsync)
#   scripts/cluster.sh kill-node  N [DIR]  kill -9 of node N (tests, drills)
#   scripts/cluster.sh client N [DIR] [ARGS]  mariadb client as root on N
#   scripts/cluster.sh addresses [DIR]  the nodes' unix sockets, in order,
#                                     for liaison_db and the worker's db_socket
#
# DIR defaults to var/ of the repository.  Layout under DIR:
#   cluster/nodeN/data         node N's data directory (owned by mysql)
#   cluster/nodeN/mysqld.sock  its unix socket
#   cluster/nodeN/error.log    its server log
#   secrets/db_password        password of 'liaison'@'localhost' and
#                              'liaison'@'127.0.0.1' (mode 600)
#   secrets/client.cnf         [client] options for the liaison user on
#                              node 1 (mode 600)
#
# Ports, from LIAISON_CLUSTER_PORT (B, default 3311): node N (1..3) serves
# SQL on 127.0.0.1:B+N-1, group communication on B+10+N-1, incremental
# state transfer (IST) on B+20+N-1 and rsync state transfer (SST) on
# B+30+N-1.  The servers run as the `mysql` user when started by root:
# rsync SST run as root fails with "Permission denied".
#
# Environment: LIAISON_CLUSTER_PORT (3311), LIAISON_DB_WAIT (seconds for
# each node to start or stop, default 60), LIAISON_DB_BUFFER_POOL (64M).

set -euo pipefail
. "$(dirname "$0")/db-account.sh"

root=$(cd "$(dirname "$0")/.." && pwd)
provider=/usr/lib/galera/libgalera_smm.so
nodes="1 2 3"
base_port=${LIAISON_CLUSTER_PORT:-3311}
wait_s=${LIAISON_DB_WAIT:-60}
bufpool=${LIAISON_DB_BUFFER_POOL:-64M}

say() { echo "cluster: $*"; }
die() { echo "cluster: $*" >&2; exit 1; }

usage() {
    echo "usage: $0 start|stop|status|addresses [DIR]" >&2
    echo "       $0 start-node|kill-node N [DIR]" >&2
    echo "       $0 client N [DIR] [mariadb args]" >&2
    exit 2
}

setup_dir() {
    dir=${1:-$root/var}
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    cdir=$dir/cluster
    secrets=$dir/secrets
    pwfile=$secrets/db_password
    cnf=$secrets/client.cnf
    if [ "$(id -u)" = 0 ]; then
        run_user=mysql
        id mysql >/dev/null 2>&1 || die "no mysql user (install mariadb-server)"
    else
        run_user=$(id -un)
    fi
}

ndir() { echo "$cdir/node$1"; }
sock() { echo "$cdir/node$1/mysqld.sock"; }
pidfile() { echo "$cdir/node$1/mysqld.pid"; }
sql_port() { echo $((base_port + $1 - 1)); }
gcomm_port() { echo $((base_port + 10 + $1 - 1)); }
ist_port() { echo $((base_port + 20 + $1 - 1)); }
sst_port() { echo $((base_port + 30 + $1 - 1)); }

node_pid() {
    local pid f
    f=$(pidfile "$1")
    [ -s "$f" ] || return 1
    pid=$(cat "$f" 2>/dev/null) || return 1
    case $pid in ''|*[!0-9]*) return 1 ;; esac
    kill -0 "$pid" 2>/dev/null || return 1
    grep -qa -e mariadbd -e mysqld "/proc/$pid/cmdline" 2>/dev/null || return 1
    echo "$pid"
}

root_sql() {
    local n=$1
    shift
    mariadb --no-defaults --protocol=socket --socket="$(sock "$n")" -uroot \
        --batch --skip-column-names "$@"
}

# "Synced" when node N is synced in the primary component, else its state
node_state() {
    local out
    out=$(root_sql "$1" -e "SELECT
        (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS
         WHERE VARIABLE_NAME = 'WSREP_LOCAL_STATE_COMMENT'),
        (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS
         WHERE VARIABLE_NAME = 'WSREP_CLUSTER_STATUS'),
        (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS
         WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE')" 2>/dev/null) \
        || { echo down; return; }
    echo "$out" | tr '\t' ' '
}

synced() {
    case $(node_state "$1") in "Synced Primary "*) return 0 ;; esac
    return 1
}

cluster_address() {
    local n list=""
    for n in $nodes; do
        list="$list${list:+,}127.0.0.1:$(gcomm_port "$n")"
    done
    echo "gcomm://$list"
}

server_opts() {
    local n=$1 d
    d=$(ndir "$n")
    printf '%s\n' --no-defaults --user="$run_user" \
        --datadir="$d/data" \
        --socket="$(sock "$n")" \
        --pid-file="$(pidfile "$n")" \
        --log-error="$d/error.log" \
        --port="$(sql_port "$n")" \
        --bind-address=127.0.0.1 \
        --character-set-server=utf8mb4 \
        --collation-server=utf8mb4_unicode_ci \
        --innodb-buffer-pool-size="$bufpool" \
        --innodb-log-file-size=48M \
        --innodb-autoinc-lock-mode=2 \
        --binlog-format=ROW \
        --default-storage-engine=InnoDB \
        --skip-name-resolve \
        --max-connections=500 \
        --wsrep-on=ON \
        --wsrep-provider="$provider" \
        --wsrep-cluster-name=liaison \
        --wsrep-cluster-address="$(cluster_address)" \
        --wsrep-node-name="node$n" \
        --wsrep-node-address="127.0.0.1:$(gcomm_port "$n")" \
        --wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:$(gcomm_port "$n");ist.recv_addr=127.0.0.1:$(ist_port "$n");gcache.size=64M;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;evs.install_timeout=PT6S" \
        --wsrep-sst-method=rsync \
        --wsrep-sst-receive-address="127.0.0.1:$(sst_port "$n")" \
        --wsrep-slave-threads=2
}

init_node() {
    local n=$1 d
    d=$(ndir "$n")
    mkdir -p "$d/data"
    if [ "$n" = 1 ] && [ ! -d "$d/data/mysql" ]; then
        say "initialising node 1 ($d/data)"
        if ! mariadb-install-db --no-defaults --user="$run_user" \
                --datadir="$d/data" \
                --auth-root-authentication-method=socket --skip-test-db \
                --innodb-log-file-size=48M >"$d/install.log" 2>&1; then
            tail -20 "$d/install.log" >&2
            die "mariadb-install-db failed (log: $d/install.log)"
        fi
    fi
    # the other nodes start empty and receive node 1's state (SST)
    if [ "$run_user" = mysql ]; then
        chown -R mysql:mysql "$cdir"
    fi
}

# the node the cluster can be bootstrapped from: the one marked
# safe_to_bootstrap by a clean shutdown, else node 1 (first start, or
# every node died: this is a local cluster, node 1 has the data we want)
bootstrap_node() {
    local n g
    for n in $nodes; do
        g=$(ndir "$n")/data/grastate.dat
        if [ -f "$g" ] && grep -q '^safe_to_bootstrap: *1' "$g"; then
            echo "$n"
            return
        fi
    done
    g=$(ndir 1)/data/grastate.dat
    if [ -f "$g" ]; then
        sed -i 's/^safe_to_bootstrap: *0/safe_to_bootstrap: 1/' "$g"
    fi
    echo 1
}

launch() {
    local n=$1 extra=${2:-} opts d
    d=$(ndir "$n")
    rm -f "$(pidfile "$n")" "$(sock "$n")"
    mapfile -t opts < <(server_opts "$n")
    # detached from this shell and its terminal
    # shellcheck disable=SC2086
    setsid nohup mariadbd "${opts[@]}" $extra </dev/null \
        >>"$d/mariadbd.out" 2>&1 &
    launched=$!
}

wait_synced() {
    local n=$1 i
    for ((i = 0; i < wait_s * 10; i++)); do
        synced "$n" && return 0
        if ! kill -0 "$launched" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    tail -20 "$(ndir "$n")/error.log" >&2 2>/dev/null || true
    die "node $n not synced within ${wait_s}s (log: $(ndir "$n")/error.log)"
}

any_running() {
    local n
    for n in $nodes; do
        if node_pid "$n" >/dev/null && synced "$n"; then
            echo "$n"
            return 0
        fi
    done
    return 1
}

start_node() {
    local n=$1 pid
    if pid=$(node_pid "$n"); then
        say "node $n already running (pid $pid)"
        return 0
    fi
    init_node "$n"
    if any_running >/dev/null; then
        launch "$n"
        say "node $n starting (pid $launched): joins the cluster"
    else
        launch "$n" --wsrep-new-cluster
        say "node $n starting (pid $launched): new cluster"
    fi
    wait_synced "$n"
    say "node $n synced: socket $(sock "$n"), 127.0.0.1:$(sql_port "$n")"
}

ensure_database() {
    db_ensure_account "$(sock 1)" root_sql "$1"
}

start() {
    local first n
    command -v mariadbd >/dev/null || die "mariadbd not found (make deps)"
    [ -f "$provider" ] || die "$provider missing: install galera-4 (make deps)"
    command -v rsync >/dev/null || die "rsync missing (make deps)"
    if [ "$run_user" = mysql ]; then
        # mysql must reach its directories
        chmod 755 "$dir"
        runuser -u mysql -- test -x "$dir" \
            || die "the mysql user cannot reach $dir (a parent is not" \
                   "searchable): give another DIR"
    fi
    mkdir -p "$cdir"
    if ! first=$(any_running); then
        first=$(bootstrap_node)
    fi
    start_node "$first"
    ensure_database "$first"
    for n in $nodes; do
        [ "$n" = "$first" ] || start_node "$n"
    done
    say "ready: $(addresses | tr '\n' ' ')"
}

stop_node() {
    local n=$1 pid i
    if ! pid=$(node_pid "$n"); then
        return 0
    fi
    kill -TERM "$pid"
    for ((i = 0; i < wait_s * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || { say "node $n stopped"; return 0; }
        sleep 0.1
    done
    die "node $n (pid $pid) did not exit within ${wait_s}s"
}

stop() {
    local n
    # the last one to leave is safe to bootstrap from
    for n in 3 2 1; do
        stop_node "$n"
    done
}

status() {
    local n pid rc=0 st
    for n in $nodes; do
        if pid=$(node_pid "$n"); then
            st=$(node_state "$n")
            say "node $n (pid $pid) 127.0.0.1:$(sql_port "$n"): $st"
            case $st in "Synced Primary 3") ;; *) rc=1 ;; esac
        else
            say "node $n: not running"
            rc=1
        fi
    done
    return $rc
}

addresses() {
    local n
    for n in $nodes; do
        echo "unix:$(sock "$n")"
    done
}

check_node() {
    case ${1:-} in 1|2|3) ;; *) usage ;; esac
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case $cmd in
start|stop|status|addresses)
    setup_dir "${1:-}"
    $cmd
    ;;
start-node)
    check_node "${1:-}"
    setup_dir "${2:-}"
    start_node "$1"
    ;;
kill-node)
    check_node "${1:-}"
    setup_dir "${2:-}"
    if pid=$(node_pid "$1"); then
        kill -KILL "$pid"
        say "node $1 (pid $pid) killed"
    fi
    ;;
client)
    check_node "${1:-}"
    n=$1
    setup_dir "${2:-}"
    shift $(($# >= 2 ? 2 : 1))
    exec mariadb --no-defaults --protocol=socket --socket="$(sock "$n")" \
        -uroot "$@"
    ;;
*)
    usage
    ;;
esac
