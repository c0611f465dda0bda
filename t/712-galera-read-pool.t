#!/usr/bin/perl
# liaison_db_read on a three-node Galera cluster: the reads that tolerate
# lag (the staff worklist, the overview, KPIs, the liaison directory) go to
# the read pool's nodes (node 3, then node 2), everything else — sessions,
# intake, status — to the writer (node 1).  The read pool fails over by
# itself when its node is killed; a ticket written on node 1 shows in the
# worklist read on another node.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use DBI;
use Liaison::Test;
use Liaison::Tickets;

Liaison::Test->skip_without_galera;

my $a = Liaison::Test->start(cluster => 1, workers => 2, pool_size => 4,
    server_extra => "location = /metrics {\n liaison_metrics on;\n}\n",
    http => { liaison_db_connect_timeout => '1s',
              liaison_db_check_interval => '10s' },
    staff => [ { username => 'lead', role => 'president',
                 department => 'filing' } ],
    allow_log => [ qr/liaison db: / ]);
$a->reload(http => { liaison_db_read => join ' ',
    $a->cluster_addresses(undef, [ 3, 2 ]) });

# a counter of GET /metrics (summed over its lines), or -1
my $metric = sub {
    my ($name) = @_;
    my $m = $a->req(GET => '/metrics');
    return -1 unless $m->status == 200;
    my ($v, $body) = (0, $m->body);
    $v += $1 while $body =~ /^\Q$name\E(?:\{[^}]*\})? (\d+)$/mg;
    return $v;
};

# SELECTs node N has run (the test's own SHOW STATUS is not one)
my $selects = sub {
    my ($n) = @_;
    my $d = DBI->connect('DBI:MariaDB:mariadb_socket='
        . $a->cluster_socket($n), 'root', '', { RaiseError => 1 });
    my (undef, $v) = $d->selectrow_array(
        "SHOW GLOBAL STATUS LIKE 'Com_select'");
    $d->disconnect;
    return $v;
};

my $token = $a->staff_token('lead');
my $r = $a->req(POST => '/api/v1/tickets', body => ticket_body());
is $r->status, 201, 'a ticket';
my $no = $r->json->{ticket_no};

# --- lag-tolerant reads on node 3 --------------------------------------
my @s3 = ($selects->(3));
my @s1 = ($selects->(1));
my $seen = 0;
for my $i (1 .. 20) {
    my $w = $a->req(GET => '/api/v1/staff/tickets?all=1', token => $token);
    is $w->status, 200, "worklist $i" or diag $w->summary;
    $seen ||= grep { $_->{ticket_no} eq $no } @{ $w->json->{items} || [] };
}
ok $seen, 'the ticket written through node 1 is in the worklist';
for my $path (qw(/api/v1/staff/overview /api/v1/liaisons
                 /api/v1/staff/reports/kpi?from=2026-01-01&to=2026-12-01)) {
    my $o = $a->req(GET => $path, token => $token);
    is $o->status, 200, "GET $path" or diag $o->summary;
}
push @s3, $selects->(3);
push @s1, $selects->(1);
cmp_ok $s3[1] - $s3[0], '>=', 40,
    'node 3 ran the worklists\' SELECTs (' . ($s3[1] - $s3[0]) . ')';
ok wait_until(sub { $metric->('liaison_db_read_queries_total') >= 23 }, 10),
    'liaison_db_read_queries_total counts them';
ok wait_until(sub { $metric->('liaison_db_read_pool_connections') >= 1 }, 10),
    '... and liaison_db_read_pool_connections its connections';

# --- everything else on the writer -------------------------------------
for my $i (1 .. 20) {
    my $t = $a->req(POST => '/api/v1/tickets', body => ticket_body());
    is $t->status, 201, "intake $i";
    my $s = $a->req(GET => '/api/v1/tickets/' . $t->json->{ticket_no}
        . '?query_code=' . $t->json->{query_code});
    is $s->status, 200, "status $i";
}
push @s3, $selects->(3);
push @s1, $selects->(1);
cmp_ok $s3[2] - $s3[1], '<', 10,
    '20 intakes and status reads: no SELECT of theirs on node 3 ('
    . ($s3[2] - $s3[1]) . ')';
cmp_ok $s1[2] - $s1[1], '>=', 20,
    '... they ran on node 1 (' . ($s1[2] - $s1[1]) . ')';

# --- the read pool's node dies -----------------------------------------
$a->cluster_use_node(1);
$a->cluster_kill(3);
my $mark = $a->error_log_mark;
my $bad = 0;
for my $i (1 .. 10) {
    my $w = $a->req(GET => '/api/v1/staff/tickets', token => $token);
    $bad++ unless $w->status == 200
        || ($w->status == 503 && ($w->error_code // '') eq 'unavailable');
    if ($i == 10) {
        is $w->status, 200, 'the worklist answers from node 2 after node 3 '
            . 'died' or diag $w->summary;
    }
}
ok !$bad, 'while it moved: 200 or a JSON 503, nothing else';
like $a->error_log_since($mark), qr/writes move from \S+node3\S* to \S+node2/,
    'the read pool moved to node 2';
ok wait_until(sub { $metric->('liaison_db_read_failovers_total') >= 1 }, 10),
    'liaison_db_read_failovers_total counts it';
is $metric->('liaison_db_failovers_total'), 0, '... the writer never moved';
is $a->req(POST => '/api/v1/tickets', body => ticket_body())->status, 201,
    'intake still on node 1';

done_testing;
