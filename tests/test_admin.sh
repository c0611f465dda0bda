#!/bin/sh
# Tests of tools/liaison-admin: usage, sign, hash-password, calendar-sql.
# usage: test_admin.sh PATH/TO/liaison-admin PATH/TO/cn-working-days.txt

set -u

ADMIN=$1
CAL=$2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lsn-admin-XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

failures=0
count=0

ok() {
    count=$((count + 1))
}

fail() {
    count=$((count + 1))
    failures=$((failures + 1))
    echo "FAIL: $*" >&2
}

# expect_rc WANT DESCRIPTION -- CMD...
expect_rc() {
    want=$1
    what=$2
    shift 3
    "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
    rc=$?
    if [ "$rc" -eq "$want" ]; then
        ok
    else
        fail "$what: exit $rc, want $want"
    fi
}


# usage
expect_rc 1 "no arguments" -- "$ADMIN"
expect_rc 1 "unknown command" -- "$ADMIN" frobnicate
expect_rc 1 "sign without timestamp" -- "$ADMIN" sign "$TMP/key"
expect_rc 1 "calendar-sql extra argument" -- "$ADMIN" calendar-sql a b
grep -q '^usage: liaison-admin' "$TMP/err" && ok || fail "usage text"


# sign: the expected MAC comes from
#   printf '%s\n%s' 1795743000 '{"events":[]}' | openssl dgst -sha256 -hmac KEY
printf '%s\n' 'ingest-key-0123456789abcdef0123456789' >"$TMP/key"
MAC1=eb51b49a7dcb87141badea93a5290725cc226c58560a5b970992f1089a70043c
MAC2=f27e7811a3e577fd8fe6bbe157f8b64e688961affce0007c1c14913f07e09e9d
out=$(printf '%s' '{"events":[]}' | "$ADMIN" sign "$TMP/key" 1795743000)
rc=$?
[ "$rc" -eq 0 ] && ok || fail "sign: exit $rc"
[ "$out" = "$MAC1" ] && ok || fail "sign: got $out"

out=$("$ADMIN" sign "$TMP/key" 1795743000 </dev/null)
[ "$out" = "$MAC2" ] && ok || fail "sign, empty body: got $out"

expect_rc 2 "sign, missing key file" -- "$ADMIN" sign "$TMP/nokey" 1
grep -q 'cannot open secret file' "$TMP/err" && ok || fail "sign: message"

printf 'short\n' >"$TMP/short"
expect_rc 2 "sign, short key" -- "$ADMIN" sign "$TMP/short" 1
grep -q 'secret is shorter than 32 bytes' "$TMP/err" && ok \
    || fail "sign: short message"


# hash-password
out=$(printf 'correct horse\n' | "$ADMIN" hash-password)
rc=$?
[ "$rc" -eq 0 ] && ok || fail "hash-password: exit $rc"
case "$out" in
'$y$'*) ok ;;
*) fail "hash-password: got $out" ;;
esac

printf '\n' >"$TMP/empty"
"$ADMIN" hash-password <"$TMP/empty" >/dev/null 2>&1
rc=$?
[ "$rc" -eq 2 ] && ok || fail "hash-password, empty: exit $rc"
expect_rc 2 "hash-password, no input" -- "$ADMIN" hash-password


# calendar-sql
"$ADMIN" calendar-sql "$CAL" >"$TMP/cal.sql" 2>"$TMP/err"
rc=$?
[ "$rc" -eq 0 ] && ok || fail "calendar-sql: exit $rc: $(cat "$TMP/err")"

[ "$(head -n 1 "$TMP/cal.sql")" = "START TRANSACTION;" ] && ok \
    || fail "calendar-sql: first line"
[ "$(tail -n 1 "$TMP/cal.sql")" = "COMMIT;" ] && ok \
    || fail "calendar-sql: last line"

n=$(grep -c '^DELETE FROM calendar_days WHERE year=20[0-9][0-9];$' \
    "$TMP/cal.sql")
[ "$n" -eq 7 ] && ok || fail "calendar-sql: $n DELETEs"

n=$(grep -c "^REPLACE INTO calendar_years (year, source, loaded_at) VALUES \
(20[0-9][0-9], '[^']*', '[0-9-]* [0-9:]*');\$" "$TMP/cal.sql")
[ "$n" -eq 7 ] && ok || fail "calendar-sql: $n REPLACEs"

n=$(grep -c '^INSERT INTO calendar_days (day, kind, year) VALUES$' \
    "$TMP/cal.sql")
[ "$n" -eq 7 ] && ok || fail "calendar-sql: $n INSERTs"

# 46 make-up days in 2020..2026 (6 7 7 7 8 5 6)
n=$(grep -c "^('20[0-9-]*', 'work', 20[0-9][0-9])[,;]\$" "$TMP/cal.sql")
[ "$n" -eq 46 ] && ok || fail "calendar-sql: $n work days"

# 2022-12-31 belongs to the 2023 notice
grep -q "^('2022-12-31', 'off', 2023),\$" "$TMP/cal.sql" && ok \
    || fail "calendar-sql: 2022-12-31"
grep -q "^('2026-02-14', 'work', 2026),\$" "$TMP/cal.sql" && ok \
    || fail "calendar-sql: 2026-02-14"
grep -q "^('2020-10-10', 'work', 2020);\$" "$TMP/cal.sql" && ok \
    || fail "calendar-sql: end of the 2020 rows"

# every DELETE comes before the first INSERT
last_delete=$(grep -n '^DELETE' "$TMP/cal.sql" | tail -n 1 | cut -d: -f1)
first_insert=$(grep -n '^INSERT' "$TMP/cal.sql" | head -n 1 | cut -d: -f1)
[ "$last_delete" -lt "$first_insert" ] && ok \
    || fail "calendar-sql: DELETE after INSERT"

# the source name is a value: quoted and escaped
cp "$CAL" "$TMP/it's.txt"
"$ADMIN" calendar-sql "$TMP/it's.txt" >"$TMP/q.sql" 2>/dev/null
grep -q "VALUES (2026, '[^']*it\\\\'s.txt', '" "$TMP/q.sql" && ok \
    || fail "calendar-sql: source not escaped"

printf '2030 off: 2030-01-01\n2030 work: 2030-01-01\n' >"$TMP/dup.txt"
expect_rc 2 "calendar-sql, a day twice" -- "$ADMIN" calendar-sql "$TMP/dup.txt"
grep -q '2030-01-01 is listed twice' "$TMP/err" && ok \
    || fail "calendar-sql: duplicate message"

printf '2030 off: 2030-02-30\n' >"$TMP/bad.txt"
expect_rc 2 "calendar-sql, malformed" -- "$ADMIN" calendar-sql "$TMP/bad.txt"
[ ! -s "$TMP/out" ] && ok || fail "calendar-sql: output on error"

printf '# nothing\n' >"$TMP/none.txt"
expect_rc 2 "calendar-sql, no entries" -- "$ADMIN" calendar-sql "$TMP/none.txt"
expect_rc 2 "calendar-sql, missing file" -- "$ADMIN" calendar-sql "$TMP/nope"


echo "test_admin.sh: $count checks, $failures failed"
[ "$failures" -eq 0 ]
