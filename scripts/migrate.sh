#!/bin/bash
# Liaison: applies the numbered migrations sql/NNN_name.sql that the
# database has not seen yet, in numeric order.
#
#   scripts/migrate.sh MARIADB-CLIENT-OPTIONS...
#   e.g. scripts/migrate.sh --defaults-file=var/secrets/client.cnf
#        scripts/migrate.sh --socket=/path/mysqld.sock -uliaison -pSECRET liaison
#
# The options go to the `mariadb` client unchanged (a --defaults-file must
# come first, as the client requires).  Applied versions are recorded in
# schema_migrations (version INT PRIMARY KEY, name, applied_at), created when
# missing.  Each file runs in one client session followed by the INSERT that
# records it, so a file that fails is not recorded; the script stops at the
# first failure.  MariaDB commits DDL implicitly: statements of a failed file
# that ran before the error stay applied, so migrations should be written to
# be re-runnable or fixed by hand (the message says which file failed).
#
# Environment: LIAISON_SQL_DIR (default: sql/ beside this script).

set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
sqldir=${LIAISON_SQL_DIR:-$here/sql}

if [ $# -eq 0 ]; then
    echo "usage: $0 MARIADB-CLIENT-OPTIONS... (e.g. --defaults-file=FILE)" >&2
    exit 2
fi

client() {
    mariadb "$@" --batch --skip-column-names --default-character-set=utf8mb4
}

die() { echo "migrate: $*" >&2; exit 1; }

if ! client "$@" -e 'SELECT 1' >/dev/null; then
    die "cannot connect to the database with the client options given"
fi

client "$@" -e "
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INT          NOT NULL PRIMARY KEY,
    name        VARCHAR(200) NOT NULL,
    applied_at  DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin" \
    || die "cannot create schema_migrations"

applied=" $(client "$@" -e 'SELECT version FROM schema_migrations' \
    | tr '\n' ' ') " || die "cannot read schema_migrations"

# NNN_name.sql files, numeric order, each version once
declare -A seen=()
files=()
while IFS= read -r f; do
    files+=("$f")
done < <(cd "$sqldir" && ls -1 | grep -E '^[0-9]+_[A-Za-z0-9_.-]+\.sql$' \
    | sort -t_ -k1,1n)

count=0
for f in "${files[@]}"; do
    num=${f%%_*}
    version=$((10#$num))
    if [ -n "${seen[$version]:-}" ]; then
        die "two migrations with version $version: ${seen[$version]} and $f"
    fi
    seen[$version]=$f
    case $applied in *" $version "*) continue ;; esac

    echo "migrate: applying $f"
    if ! { cat "$sqldir/$f"
           printf '\n;\nINSERT INTO schema_migrations (version, name) '
           printf "VALUES (%d, '%s');\n" "$version" "$f"
         } | client "$@"; then
        die "FAILED at $f (version $version): not recorded; the" \
            "migrations before it stay applied; fix it and run again"
    fi
    echo "migrate: applied $f"
    count=$((count + 1))
done

latest=$(client "$@" -e 'SELECT COALESCE(MAX(version), 0) FROM schema_migrations')
if [ $count -eq 0 ]; then
    echo "migrate: up to date (version $latest)"
else
    echo "migrate: $count applied, now at version $latest"
fi
