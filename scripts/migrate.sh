#!/bin/bash
# Liaison: applies the numbered migrations sql/NNN_name.sql that the
# database has not seen yet, in numeric order.
#
#   scripts/migrate.sh --defaults-file=FILE
#   e.g. scripts/migrate.sh --defaults-file=var/secrets/client.cnf
#
# FILE is a MariaDB option file whose [client] group says how to connect
# (socket or host/port, user, password, database).
#
# The one implementation is `liaison-worker migrate` (worker/lw_ops.c);
# this script runs the worker built in build/bin (building it when
# missing) on the sql/ directory beside it.  On a server with the Debian
# package the same is `liaison-worker migrate -c /etc/liaison/liaison-worker.conf`.
#
# Applied versions are recorded in schema_migrations (version INT PRIMARY
# KEY, name, applied_at), created when missing.  Each file runs statement
# by statement in one session, then the INSERT that records it, so a file
# that fails is not recorded; it stops at the first failure.  MariaDB
# commits DDL implicitly: statements of a failed file that ran before the
# error stay applied, so migrations should be written to be re-runnable
# or fixed by hand (the message says which file and statement failed).
# A database already at a version newer than the newest file is refused.
# Two runs at once (two nodes) take turns on a named lock.
#
# Environment: LIAISON_SQL_DIR (default: sql/ beside this script),
# LIAISON_WORKER (default: build/bin/liaison-worker).

set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
sqldir=${LIAISON_SQL_DIR:-$here/sql}
worker=${LIAISON_WORKER:-$here/build/bin/liaison-worker}

case ${1:-} in
--defaults-file=?*) ;;
*)
    echo "usage: $0 --defaults-file=FILE (a MariaDB option file)" >&2
    exit 2
    ;;
esac

if [ $# -ne 1 ]; then
    echo "migrate: only --defaults-file=FILE is accepted; put the other" \
         "client options in that file" >&2
    exit 2
fi

if [ ! -x "$worker" ]; then
    make -s -C "$here" worker >&2
fi

exec "$worker" migrate "$1" --sql-dir="$sqldir"
