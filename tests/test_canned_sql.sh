#!/bin/sh
# The starter set's migration is what scripts/canned-sql.pl writes from
# data/canned-answers.tsv, and the script refuses a malformed data file.
# usage: test_canned_sql.sh ROOT

set -u

ROOT=$1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lsn-canned-XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

failures=0
count=0

check() {
    count=$((count + 1))
    if ! eval "$2"; then
        failures=$((failures + 1))
        echo "FAIL: $1" >&2
    fi
}

set -- "$ROOT"/sql/[0-9]*_canned_answers.sql
FOUND=$#
MIGRATION=$1
check "exactly one sql/NNN_canned_answers.sql" \
    '[ "$FOUND" -eq 1 ] && [ -f "$MIGRATION" ]'

perl "$ROOT/scripts/canned-sql.pl" "$ROOT/data/canned-answers.tsv" \
    >"$TMP/generated.sql" 2>"$TMP/err"
check "canned-sql.pl runs" '[ $? -eq 0 ] && [ ! -s "$TMP/err" ]'
check "$MIGRATION agrees with data/canned-answers.tsv (regenerate it with \
scripts/canned-sql.pl)" 'cmp -s "$TMP/generated.sql" "$MIGRATION"'

rows=$(grep -c "^('" "$MIGRATION")
data=$(grep -vc '^#' "$ROOT/data/canned-answers.tsv")
check "a row per answer ($rows of $data)" '[ "$rows" -eq "$data" ]'

printf 'a.b\tconsultation\t1\tt\tk\n' >"$TMP/short.tsv"
check "five fields refused" \
    '! perl "$ROOT/scripts/canned-sql.pl" "$TMP/short.tsv" >/dev/null 2>&1'
printf 'a.b\tnosuch\t1\tt\tk\tb\n' >"$TMP/cat.tsv"
check "an unknown category refused" \
    '! perl "$ROOT/scripts/canned-sql.pl" "$TMP/cat.tsv" >/dev/null 2>&1'
printf 'a.b\tother\t1\tt\tk\tb\na.b\tother\t1\tt\tk\tb\n' >"$TMP/dup.tsv"
check "a duplicate code refused" \
    '! perl "$ROOT/scripts/canned-sql.pl" "$TMP/dup.tsv" >/dev/null 2>&1'
printf "a.b\tother\t1\tit's\tk\tback\\\\slash\n" >"$TMP/q.tsv"
perl "$ROOT/scripts/canned-sql.pl" "$TMP/q.tsv" >"$TMP/q.sql" 2>/dev/null
check "quotes and backslashes escaped" \
    "grep -q \"'it''s'\" \"\$TMP/q.sql\" && grep -qF \"'back\\\\\\\\slash'\" \"\$TMP/q.sql\""

echo "test_canned_sql.sh: $count checks, $failures failed"
[ "$failures" -eq 0 ]
