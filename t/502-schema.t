#!/usr/bin/perl
# Schema versions: `liaison-worker migrate` (the one implementation behind
# scripts/migrate.sh) applies pending migrations in order, statement by
# statement, stops at a failing file without recording it, refuses
# duplicate versions and a database newer than its files.  The module
# answers 503 with "schema":"mismatch" (and an [error] line naming both
# versions) on a database at another version, and recovers once it
# matches; the worker refuses to start on it.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use File::Copy qw(copy);
use File::Path qw(make_path);
use Liaison::Test;
use Liaison::Tickets;
use Liaison::Worker;

my $ROOT = $Liaison::Test::ROOT;
my ($EXPECTED) = sort { $b <=> $a } map { /^0*(\d+)_.*\.sql$/ ? $1 : () }
    do { opendir my $d, "$ROOT/sql" or die; readdir $d };

my $env = Liaison::Test->start(workers => 2, pool_size => 2);
my $worker_bin = $Liaison::Worker::BIN;

sub run { Liaison::Test::_run_capture(@_) }

# --- migrate on the test database: up to date --------------------------
my $r = run($worker_bin, 'migrate', '--defaults-file=' . $env->client_cnf,
    "--sql-dir=$ROOT/sql");
is $r->{rc}, 0, 'migrate again: exit 0' or diag $r->{output};
like $r->{stdout}, qr/^migrate: up to date \(version $EXPECTED\)$/m,
    "up to date at version $EXPECTED";
is $env->sql_one('SELECT MAX(version) FROM schema_migrations'), $EXPECTED,
    'schema_migrations holds the newest version';

# --- a fresh database, migrations with quotes and comments -------------
my $root = $env->_root_dbh;
$root->do('CREATE DATABASE liaison_mig CHARACTER SET utf8mb4 '
    . 'COLLATE utf8mb4_bin');
$root->do("GRANT ALL PRIVILEGES ON liaison_mig.* TO 'liaison'\@'localhost'");
(my $cnf = Liaison::Test::_slurp($env->client_cnf))
    =~ s/^database=.*$/database=liaison_mig/m;
my $cnf_file = $env->dir . '/secrets/mig.cnf';
Liaison::Test::_spew($cnf_file, $cnf, 0600);

my $dir = $env->dir . '/sql-test';
make_path($dir);
Liaison::Test::_spew("$dir/001_first.sql", <<'SQL');
-- a comment; with a semicolon
CREATE TABLE t1 (id INT PRIMARY KEY, v VARCHAR(64)) ENGINE=InnoDB;
/* a block comment; also with one */
INSERT INTO t1 VALUES (1, 'semi;colon'), (2, 'it''s'), (3, "dq;\"x");
# a hash comment;
INSERT INTO t1 VALUES (4, 'back\\slash;');
-- trailing comment only
SQL
Liaison::Test::_spew("$dir/002_second.sql", "ALTER TABLE t1 ADD COLUMN w INT;\n"
    . "UPDATE t1 SET w = id * 10\n");
$r = run($worker_bin, 'migrate', "--defaults-file=$cnf_file",
    "--sql-dir=$dir");
is $r->{rc}, 0, 'migrate a fresh database: exit 0' or diag $r->{output};
like $r->{stdout}, qr/applying 001_first\.sql.*applied 001_first\.sql.*applying 002_second\.sql.*2 applied, now at version 2/s,
    'both files applied in order';
my $rows = $root->selectall_arrayref(
    'SELECT id, v, w FROM liaison_mig.t1 ORDER BY id');
is_deeply $rows, [ [1, 'semi;colon', 10], [2, "it's", 20],
    [3, 'dq;"x', 30], [4, 'back\\slash;', 40] ],
    'quotes, escapes and comments split correctly';

# a failing file is not recorded; fixed, it applies
Liaison::Test::_spew("$dir/003_bad.sql", "CREATE TABLE t3 (id INT);\n"
    . "INSERT INTO no_such_table VALUES (1);\n");
$r = run($worker_bin, 'migrate', "--defaults-file=$cnf_file",
    "--sql-dir=$dir");
isnt $r->{rc}, 0, 'a failing migration: non-zero exit';
like $r->{output}, qr/003_bad\.sql, statement 2: .*no_such_table/,
    'the message names the file and the statement';
like $r->{output}, qr/FAILED at 003_bad\.sql \(version 3\): not recorded/,
    '... and says it was not recorded';
is $root->selectrow_array('SELECT MAX(version) FROM '
    . 'liaison_mig.schema_migrations'), 2, 'still at version 2';
Liaison::Test::_spew("$dir/003_bad.sql", "CREATE TABLE IF NOT EXISTS t3 "
    . "(id INT);\nINSERT INTO t3 VALUES (1);\n");
$r = run($worker_bin, 'migrate', "--defaults-file=$cnf_file",
    "--sql-dir=$dir");
is $r->{rc}, 0, 'fixed and run again: exit 0' or diag $r->{output};
like $r->{stdout}, qr/1 applied, now at version 3/, 'now at version 3';

# two files of one version
copy("$dir/003_bad.sql", "$dir/0003_dup.sql") or die;
$r = run($worker_bin, 'migrate', "--defaults-file=$cnf_file",
    "--sql-dir=$dir");
isnt $r->{rc}, 0, 'two files with version 3: refused';
like $r->{output}, qr/two migrations with version 3/, '... saying so';
unlink "$dir/0003_dup.sql";

# a database newer than the files
unlink "$dir/003_bad.sql";
$r = run($worker_bin, 'migrate', "--defaults-file=$cnf_file",
    "--sql-dir=$dir");
isnt $r->{rc}, 0, 'a database newer than the migrations: refused';
like $r->{output}, qr/at schema version 3, newer than the migrations in .* \(up to 2\): refusing/,
    '... with a clear message';

# scripts/migrate.sh is the same tool
$r = run("$ROOT/scripts/migrate.sh", '--defaults-file=' . $env->client_cnf);
is $r->{rc}, 0, 'scripts/migrate.sh: exit 0' or diag $r->{output};
like $r->{stdout}, qr/up to date \(version $EXPECTED\)/,
    'scripts/migrate.sh runs liaison-worker migrate';
$r = run("$ROOT/scripts/migrate.sh", '--socket=/x', '-uroot');
is $r->{rc}, 2, 'scripts/migrate.sh refuses other client options';

# --- the module on a database at another version -----------------------
is $env->req(GET => '/api/v1/health')->status, 200, 'health 200 at first';
my $mark = $env->error_log_mark;
my $newer = $EXPECTED + 1;
$env->sql('INSERT INTO schema_migrations (version, name) VALUES (?, ?)',
    $newer, "${newer}_future.sql");
ok $env->reload, 'reload: new workers check the schema afresh';
$env->allow_log(qr/schema version mismatch/);
for my $round (1, 2) {
    $r = $env->req(GET => '/api/v1/health');
    is $r->status, 503, "round $round: health 503 on version $newer";
    is_deeply $r->json, { status => 'unavailable', db => 'ok',
        schema => 'mismatch', schema_expected => $EXPECTED + 0,
        schema_found => $newer }, "round $round: health says mismatch";
    $r = $env->req(POST => '/api/v1/tickets', body => ticket_body());
    is $r->status, 503, "round $round: intake 503" or diag $r->summary;
    is $r->error_code, 'unavailable', "round $round: error unavailable";
}
is $env->sql_one('SELECT COUNT(*) FROM tickets'), 0, 'nothing written';
like $env->error_log_since($mark), qr/\[error\].*liaison: database schema version mismatch: expected $EXPECTED, found $newer/,
    'the error log names both versions';

# the worker refuses to start
my $w = Liaison::Worker->new($env, undef);
$r = $w->once('2026-03-02T10:00:00+08:00');
isnt $r->{rc}, 0, 'liaison-worker once: non-zero exit';
like $r->{output}, qr/schema version mismatch: expected $EXPECTED, found $newer/,
    'the worker says why';

# back to the expected version: the module recovers without a reload
$env->sql('DELETE FROM schema_migrations WHERE version = ?', $newer);
ok wait_until(sub {
    $env->req(GET => '/api/v1/health')->status == 200
        && $env->req(GET => '/api/v1/health')->status == 200
}, 20), 'health 200 again once the versions match';
ok wait_until(sub {
    $env->req(POST => '/api/v1/tickets', body => ticket_body())->status
        == 201 }, 20), 'intake 201 again';
$r = $w->once('2026-03-02T10:00:00+08:00');
is $r->{rc}, 0, 'liaison-worker once runs again' or diag $r->{output};

done_testing;
