#!/usr/bin/perl
# Backup and restore as docs/operations.md describes them: mariadb-dump
# --single-transaction of a populated database (taken while intake goes
# on), restored into a fresh MariaDB instance, gives the same ticket
# count, the same CHECKSUM TABLE of the main tables and the same ticket
# block position, and the restored schema is one `liaison-worker migrate`
# knows (up to date).

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Tickets;

my @TABLES = qw(tickets ticket_events ticket_messages idempotency_keys
    sessions staff departments outbox delivery_attempts escalations
    calendar_years calendar_days schema_migrations ticket_blocks);

my $src = Liaison::Test->start(workers => 2, pool_size => 2, staff => [
    { username => 'p1', role => 'platform_staff', department => 'filing' },
]);
my $token = $src->staff_token('p1');
for my $i (1 .. 30) {
    my $r = $src->req(POST => '/api/v1/tickets', body => ticket_body(
        channel => $i % 2 ? 'web' : 'hotline', category => $i % 3
            ? 'consultation' : 'complaint'),
        ($i % 2 ? () : (token => $token)),
        headers => { 'Idempotency-Key' => "backup-$i" });
    is $r->status, 201, "intake $i" or diag $r->summary;
}
my $n = $src->sql_one('SELECT COUNT(*) FROM tickets');
is $n, 30, '30 tickets';

my $dump = $src->dir . '/liaison.sql';
my $r = Liaison::Test::_run_capture('sh', '-c',
    'exec mariadb-dump --defaults-file="$1" --single-transaction --quick '
    . '--hex-blob --no-tablespaces --default-character-set=utf8mb4 '
    . 'liaison > "$2"', 'dump', $src->client_cnf, $dump);
is $r->{rc}, 0, 'mariadb-dump --single-transaction' or diag $r->{output};
ok -s $dump > 10_000, 'the dump has content (' . (-s $dump) . ' bytes)';

# intake during and after the dump does not change what was dumped
my %sum;
for my $t (@TABLES) {
    my $row = $src->dbh->selectrow_arrayref("CHECKSUM TABLE $t");
    $sum{$t} = $row->[1];
}
my ($seq) = $src->dbh->selectrow_array(
    'SELECT next_value FROM ticket_blocks WHERE id = 1');

# a fresh instance: an empty database, then the dump
my $dst = Liaison::Test->start(no_nginx => 1);
my $root = $dst->_root_dbh;
$root->do('DROP DATABASE liaison');
$root->do('CREATE DATABASE liaison CHARACTER SET utf8mb4 '
    . 'COLLATE utf8mb4_bin');
$r = Liaison::Test::_run_capture('sh', '-c',
    'exec mariadb --defaults-file="$1" liaison < "$2"', 'restore',
    $dst->client_cnf, $dump);
is $r->{rc}, 0, 'restored with the mariadb client' or diag $r->{output};

is $dst->sql_one('SELECT COUNT(*) FROM tickets'), $n,
    'the same ticket count';
for my $t (@TABLES) {
    my $row = $dst->dbh->selectrow_arrayref("CHECKSUM TABLE $t");
    is $row->[1], $sum{$t}, "CHECKSUM TABLE $t matches";
}
is $dst->sql_one('SELECT next_value FROM ticket_blocks WHERE id = 1'), $seq,
    'the ticket number blocks continue where they were';
is_deeply $dst->sql('SELECT ticket_no, query_code, content FROM tickets '
    . 'ORDER BY id'), $src->sql('SELECT ticket_no, query_code, content '
    . 'FROM tickets ORDER BY id'), 'ticket numbers, codes and Chinese text '
    . 'byte for byte';

$r = Liaison::Test::_run_capture($Liaison::Test::ROOT
    . '/build/bin/liaison-worker', 'migrate',
    '--defaults-file=' . $dst->client_cnf,
    "--sql-dir=$Liaison::Test::ROOT/sql");
is $r->{rc}, 0, 'migrate on the restored database' or diag $r->{output};
like $r->{stdout}, qr/up to date/, 'the restored schema is up to date';

# the source keeps serving after the dump
is $src->req(GET => '/api/v1/health')->status, 200, 'source health 200';

done_testing;
