#!/usr/bin/perl
# A three-node Galera cluster (scripts/cluster.sh) under the module: ticket
# blocks stay unique when all three nodes take them at once (a SEQUENCE
# does not, sql/016); intake goes on while the writer node is killed with
# kill -9 (the pool moves to the next node without a reload, any 5xx is a
# clean JSON 503) and comes back to it once it has rejoined; every 201 is
# exactly one ticket and no ticket number is given twice.
#
# Two nginx and two workers under load while nodes die and rejoin:
# t/711-galera-workers.t; the read pool: t/712-galera-read-pool.t.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use DBI;
use Liaison::Test;
use Liaison::Tickets;

Liaison::Test->skip_without_galera;

my $a = Liaison::Test->start(cluster => 1, workers => 2, pool_size => 4,
    http => { liaison_db_connect_timeout => '1s',
              liaison_db_check_interval => '500ms' },
    allow_log => [ qr/liaison db: / ]);

for my $n (1 .. 3) {
    is $a->cluster_state($n), 'Synced Primary 3', "node $n synced";
}

# --- ticket blocks taken on three nodes at once -------------------------
my @kids;
for my $n (1 .. 3) {
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        my $d = DBI->connect('DBI:MariaDB:database=liaison;mariadb_socket='
            . $a->cluster_socket($n), 'root', '',
            { RaiseError => 0, PrintError => 0 }) or POSIX::_exit(1);
        open my $out, '>', $a->dir . "/blocks-$n" or POSIX::_exit(1);
        for (1 .. 150) {
            # 1213 on a certification conflict: that block was not taken
            print $out $d->{mariadb_insertid}, "\n" if $d->do(
                'UPDATE ticket_blocks SET next_value = '
                . 'LAST_INSERT_ID(next_value) + 100 WHERE id = 1');
        }
        close $out;
        POSIX::_exit(0);
    }
    push @kids, $pid;
}
waitpid $_, 0 for @kids;
my %block;
for my $n (1 .. 3) {
    open my $in, '<', $a->dir . "/blocks-$n" or die;
    $block{$_}++ for map { chomp; $_ } <$in>;
}
ok keys(%block) > 150, scalar(keys %block) . ' blocks taken on 3 nodes';
is scalar(grep { $_ > 1 } values %block), 0, 'no block given twice';

# --- intake, the writer killed, intake, the writer back -----------------
my (@st, %nos, $bad);
my $intake = sub {
    my ($label, $n) = @_;
    for my $i (1 .. $n) {
        my $key = "$label-$i";
        my $body = ticket_body(channel => 'web');
        for my $try (1 .. 5) {
            my $r = $a->req(POST => '/api/v1/tickets', body => $body,
                headers => { 'Idempotency-Key' => $key });
            push @st, $r->status;
            if ($r->status == 201) {
                $nos{ $r->json->{ticket_no} }{$key} = 1;
                last;
            }
            $bad++ unless $r->status == 503
                && ($r->error_code // '') eq 'unavailable';
        }
    }
};
$intake->('before', 20);
$a->cluster_kill(1);
$intake->('failover', 30);
$a->cluster_use_node(2);
my $mark = $a->error_log_mark;
$a->cluster_start_node(1);
is $a->cluster_state(1), 'Synced Primary 3', 'node 1 rejoined';
ok wait_until(sub {
    $a->error_log_since($mark) =~ /writes move from \S+ to \S+node1/ }, 30),
    'writes came back to node 1 without a reload';
$intake->('after', 20);

is scalar(keys %nos), 70, '70 keys answered 201 (statuses: '
    . join(' ', map { "$_->[0]x$_->[1]" } _count(@st)) . ')';
ok !$bad, 'every other answer a JSON 503 unavailable';
is scalar(grep { keys %{ $nos{$_} } > 1 } keys %nos), 0,
    'no ticket number for two keys';
is $a->sql_one('SELECT COUNT(*) FROM tickets'), 70, 'one ticket per 201';
is $a->sql_one('SELECT COUNT(DISTINCT ticket_no) FROM tickets'), 70,
    'ticket numbers unique in the database';
like $a->error_log, qr/node \S+node1\S* is down/, 'node 1 seen down';

sub _count {
    my %c;
    $c{$_}++ for @_;
    return map { [ $_, $c{$_} ] } sort keys %c;
}

done_testing;
