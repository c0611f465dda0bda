#!/usr/bin/perl
# The test harness itself and the database scripts, without nginx: private
# MariaDB from the template, migrations (scripts/migrate.sh), calendar load,
# demo data (sql/demo.sql), seeding staff, kill/restart of the database, and
# the Perl working-day calendar the other tests check due_at with.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Calendar;


my $C = 'Liaison::Calendar';
my $cal = Liaison::Calendar->load("$Liaison::Test::ROOT/data/cn-working-days.txt");

# --- the Perl calendar (the reference for due_at checks) -------------------

sub after {
    my ($t, $n) = @_;
    return $C->format_rfc3339($cal->add_working_days($C->parse_rfc3339($t), $n));
}

is_deeply [ $cal->years ], [ 2020 .. 2026 ], 'calendar file covers 2020-2026';
ok !$cal->is_working_day('2026-10-01'), 'National Day 2026-10-01 is off';
ok $cal->is_working_day('2026-10-10'), 'make-up Saturday 2026-10-10 works';
ok !$cal->is_working_day('2026-11-28'), 'an ordinary Saturday is off';
ok $cal->is_working_day('2026-11-27'), 'an ordinary Friday works';
ok !$cal->is_working_day('2022-12-31'), '2022-12-31 (2023 notice) is off';
ok !$cal->is_working_day('2020-02-01'),
    '2020-02-01: cancelled make-up day (extended Spring Festival) is off';

is after('2026-09-30T10:00:00+08:00', 1), '2026-10-08T10:00:00+08:00',
    '1 working day across National Day 2026';
is after('2026-09-30T10:00:00+08:00', 2), '2026-10-09T10:00:00+08:00',
    '2 working days across National Day 2026';
is after('2026-10-09T17:30:00+08:00', 1), '2026-10-10T17:30:00+08:00',
    'make-up Saturday counts';
is after('2026-02-13T16:00:00+08:00', 2), '2026-02-24T16:00:00+08:00',
    'Spring Festival 2026: make-up 02-14 then 02-24';
is after('2020-01-23T09:00:00+08:00', 1), '2020-02-03T09:00:00+08:00',
    'Spring Festival 2020 (extended to 02-02)';
is after('2026-11-27T23:59:59+08:00', 1), '2026-11-30T23:59:59+08:00',
    'Friday night + 1 = Monday, same clock time';
is after('2026-11-28T09:00:00+08:00', 1), '2026-12-01T00:00:00+08:00',
    'Saturday counts from 00:00 of Monday';
is after('2026-11-28T09:00:00+08:00', 0), '2026-11-30T00:00:00+08:00',
    '0 working days from a Saturday = Monday 00:00';
is $C->format_rfc3339($C->parse_rfc3339('2026-11-27T01:30:00Z')),
    '2026-11-27T09:30:00+08:00', 'RFC 3339 Z converted to +08:00';

ok luhn_valid('79927398713'), 'Luhn: textbook number valid';
ok !luhn_valid('79927398710'), 'Luhn: wrong check digit';
ok query_code_valid('23456789AB'), 'query code alphabet';
ok !query_code_valid('0123456789'), 'query code: 0 and 1 are not in it';

# --- private database -------------------------------------------------------

my $env = Liaison::Test->start(no_nginx => 1);

like $env->{migrate_output}, qr/applied 001_foundation\.sql/,
    'migrate.sh applied 001';
is $env->sql_one('SELECT COUNT(*) FROM schema_migrations WHERE version = 1'),
    1, 'schema_migrations records version 1';
is $env->sql_one('SELECT name FROM schema_migrations WHERE version = 1'),
    '001_foundation.sql', 'with its file name';

for my $round (1, 2) {
    my $r = Liaison::Test::_run_capture("$Liaison::Test::ROOT/scripts/migrate.sh",
        '--defaults-file=' . $env->client_cnf);
    is $r->{rc}, 0, "migrate.sh again (round $round) succeeds";
    like $r->{output}, qr/up to date \(version \d+\)/, '... and applies nothing';
}
my @files = grep { /^\d+_.*\.sql$/ }
    map { s{.*/}{}r } glob "$Liaison::Test::ROOT/sql/*.sql";
is $env->sql_one('SELECT COUNT(*) FROM schema_migrations'), scalar @files,
    'one schema_migrations row per sql/NNN_*.sql';

# the calendar as loaded equals the file
my $rows = $env->sql("SELECT DATE_FORMAT(day, '%Y-%m-%d') AS d, kind "
    . 'FROM calendar_days');
my %db = map { $_->{d} => $_->{kind} } @$rows;
is_deeply \%db, $cal->exceptions,
    "calendar_days equals data/cn-working-days.txt ($env->{calendar_via})";
is $env->sql_one('SELECT COUNT(*) FROM calendar_years'), 7,
    'calendar_years has 2020-2026';
is $env->sql_one("SELECT year FROM calendar_days WHERE day = '2022-12-31'"),
    2023, '2022-12-31 belongs to the 2023 notice';

# the demo data loads, twice
for my $round (1, 2) {
    my $out = eval {
        $env->mariadb_client(
            Liaison::Test::_slurp("$Liaison::Test::ROOT/sql/demo.sql"));
        1;
    };
    ok $out, "sql/demo.sql loads (round $round)" or diag $@;
}
is $env->sql_one('SELECT COUNT(*) FROM departments'), 9,
    'nine departments (with the president\'s office and discipline '
    . 'inspection, A3, and the political department, A12)';
is_deeply [ map { $_->{kind} } @{ $env->sql("SELECT kind FROM departments "
    . "WHERE code IN ('trial_mgmt', 'political') ORDER BY code") } ],
    [qw(political trial_mgmt)],
    'the offices the bulletin addresses hold their duty as their kind';
is $env->sql_one('SELECT COUNT(*) FROM liaison_records r JOIN departments d '
    . "ON d.id = r.department_id WHERE d.code = 'political'"), 1,
    'the political department has its liaison in the directory';
is $env->sql_one('SELECT COUNT(*) FROM departments WHERE leader_staff_id IS '
    . 'NULL OR vice_president_staff_id IS NULL'), 0,
    'every department has a leader and a vice president in charge';
is $env->sql_one('SELECT COUNT(*) FROM departments d JOIN staff s '
    . 'ON s.id = d.leader_staff_id WHERE s.role = ? AND s.department_id = d.id',
    'dept_leader'), 9, 'each leader is a dept_leader of that department';
my %roles = map { $_->{role} => $_->{n} } @{ $env->sql(
    'SELECT role, COUNT(*) AS n FROM staff GROUP BY role') };
for my $role (qw(platform_staff dept_staff liaison vice_president president
                 filing_admin sys_admin dept_leader discipline)) {
    ok $roles{$role}, "a $role account";
}
is $roles{judge}, 2, 'two judges';
is $env->sql_one("SELECT name FROM departments WHERE code = 'filing'"),
    '立案庭', 'Chinese names stored as UTF-8';

# seeding staff with a real password hash
my $id = $env->add_staff(username => 'seeded', role => 'judge',
    department => 'civil', password => 'Pa55-word');
ok $id, 'add_staff returns an id';
my $hash = $env->sql_one('SELECT password_hash FROM staff WHERE id = ?', $id);
like $hash, qr/^\$y\$/, 'password hash is yescrypt';
is crypt('Pa55-word', $hash), $hash, 'hash verifies the password';
isnt crypt('wrong', $hash), $hash, 'and not another one';

# kill -9 and restart keeps committed data
$env->sql('INSERT INTO idempotency_keys (principal, idem_key, request_hash, '
    . "status, response, created_at) VALUES ('anon', 'k1', ?, 201, '{}', "
    . "'2026-11-27 10:00:00')", '0' x 64);
$env->kill_db;
ok !eval { $env->new_dbh; 1 }, 'database unreachable after kill_db';
ok $env->start_db, 'start_db restarts it';
is $env->sql_one("SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = 'k1'"),
    1, 'committed row survived the kill';

done_testing;
