#!/usr/bin/perl
# Two nginx and two workers on a three-node Galera cluster, each pair
# configured with the nodes in a different order (nginx A and worker 1:
# nodes 1, 2, 3; nginx B and worker 2: nodes 2, 3, 1), so that they write
# through two different nodes and their claims of the same outbox rows
# meet only in Galera's certification.  Under intake on both nginx:
#
#   1. steady: no 5xx;
#   2. node 3 (nobody's writer) killed with kill -9, then restarted: it
#      rejoins by IST while the load goes on; no 5xx;
#   3. node 1 (the writer of A and worker 1) killed with kill -9: A and
#      worker 1 move to node 2 without a reload; any 5xx is a clean JSON
#      503 'unavailable';
#   4. settled on two nodes: no 5xx.
#
# Status reads and health checks go along.  Then: every 201 is exactly one
# ticket, no ticket number twice, and every
# outbox row (the 150 SMS put there at the start and the registration SMS
# of every ticket) reached the SMS gateway exactly once.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Time::HiRes qw(time);
use Liaison::Test;
use Liaison::Node;
use Liaison::Tickets;
use Liaison::Load;
use Liaison::Worker;
use Liaison::MockWeChat;

Liaison::Test->skip_without_galera;

my $a = Liaison::Test->start(cluster => 1, workers => 2, pool_size => 4,
    http => { liaison_db_connect_timeout => '1s',
              liaison_db_check_interval => '500ms' },
    allow_log => [ qr/liaison db: / ]);
my $b = Liaison::Node->start($a, 'b', db_order => [ 2, 3, 1 ]);

# the test's own connections: node 2 is never killed
$a->cluster_use_node(2);

my $mock = Liaison::MockWeChat->start;
my %conf = (ladder => 'off', calendar_alert => 'off', bulletin => 'off',
    risk_stage_hours => 0, concurrency => 4, batch_size => 5,
    poll_interval => 1, lease => 24, db_socket => undef);
my @w = map {
    Liaison::Worker->new($a, $mock, %conf, worker_id => "galera-$_->[0]",
        db_nodes => join(' ', $a->cluster_addresses(undef, $_->[1])))
} [ 1, [ 1, 2, 3 ] ], [ 2, [ 2, 3, 1 ] ];

my $dbh = $a->dbh;
$dbh->begin_work;
$w[0]->outbox_add(channel => 'sms', recipient => '13800138000',
    payload => { text => "集群消息 $_ 号" }) for 1 .. 150;
$dbh->commit;
my @pids = map { $_->spawn } @w;

# a ticket whose status the load reads (GET /tickets/NO?query_code=)
my $first = $a->req(POST => '/api/v1/tickets', body => ticket_body());
is $first->status, 201, 'a first ticket';
my $status = '/api/v1/tickets/' . $first->json->{ticket_no}
    . '?query_code=' . $first->json->{query_code};
my %created = ($first->json->{ticket_no} => 1);
my $tickets = sub { $a->sql_one('SELECT COUNT(*) FROM tickets') };

# one phase: load on both nginx while $during runs, until $more tickets
# were made since it started
my $phase = sub {
    my ($name, $more, $during) = @_;
    my $from = $tickets->();
    my $t0 = time;
    my @loads = map {
        Liaison::Load->start($_, clients => 2, pause => 0.05, requests => [
            [ POST => '/api/v1/tickets', sub { ticket_body() } ],
            [ GET => $status ],
            [ GET => '/api/v1/health' ],
        ]);
    } $a, $b;
    $during->() if $during;
    ok wait_until(sub { $tickets->() >= $from + $more }, 40),
        "$name: $more more tickets";
    my @t = map { $_->stop } @loads;
    my %five;
    for my $i (0, 1) {
        diag "$name, nginx " . (qw(A B))[$i] . ': '
            . Liaison::Load::summary($t[$i]);
        is $t[$i]{failed}, 0, "$name: nginx " . (qw(A B))[$i]
            . ': every request answered';
        $created{$_}++ for @{ $t[$i]{created} };
        $five{$_} += $t[$i]{fivexx}{$_} for keys %{ $t[$i]{fivexx} };
        diag "not JSON: $_" for @{ $t[$i]{odd} };
    }
    diag sprintf '%s: %d s, %d tickets', $name, time - $t0,
        $tickets->() - $from;
    return \%five;
};

my $five = $phase->('steady', 10);
is_deeply $five, {}, 'steady: no 5xx';

$five = $phase->('node 3 killed and rejoining', 30, sub {
    $a->cluster_kill(3);
    ok wait_until(sub { $a->cluster_state(2) eq 'Synced Primary 2' }, 30),
        'node 3 left the cluster';
    $a->cluster_start_node(3);
    is $a->cluster_state(3), 'Synced Primary 3', 'node 3 rejoined';
});
is_deeply $five, {}, 'node 3 killed and rejoining: no 5xx';
my $ist = Liaison::Test::_slurp($a->dir . '/cluster/node3/error.log');
like $ist, qr/IST received|Receiving IST/, 'node 3 caught up by IST';

my $mark_a = $a->error_log_mark;
$five = $phase->('writer node 1 killed', 30, sub {
    $a->cluster_kill(1);
    ok wait_until(sub { $a->error_log_since($mark_a)
        =~ /writes move from \S+node1\S* to \S+node2/ }, 30),
        'nginx A moved its writes to node 2';
});
is_deeply [ grep { $_ ne '503 unavailable' } keys %$five ], [],
    'writer killed: every 5xx a JSON 503 unavailable ('
    . join(', ', map { "$_: $five->{$_}" } sort keys %$five) . ')';

$five = $phase->('settled on nodes 2 and 3', 10);
is_deeply $five, {}, 'settled: no 5xx';

# --- every 201 one ticket, every number once -----------------------------
my @nos = keys %created;
is scalar(grep { $created{$_} > 1 } @nos), 0,
    'no ticket number answered twice';
my %in_db = map { $_->{ticket_no} => $_->{n} } @{ $a->sql(
    'SELECT ticket_no, COUNT(*) AS n FROM tickets GROUP BY ticket_no') };
is scalar(grep { ($in_db{$_} // 0) != 1 } @nos), 0,
    'every 201 is exactly one ticket (' . scalar(@nos) . ' answers)';
is scalar(grep { $_ > 1 } values %in_db), 0,
    'ticket numbers unique in the database';

# --- every outbox row sent exactly once ----------------------------------
my $rows = $a->sql_one('SELECT COUNT(*) FROM outbox');
ok wait_until(sub {
    $a->sql_one("SELECT COUNT(*) FROM outbox WHERE status = 'sent'") == $rows
}, 60), "the two workers sent all $rows outbox rows"
    or diag explain $a->sql('SELECT status, COUNT(*) AS n FROM outbox '
        . 'GROUP BY status');
kill 'TERM', @pids;
for my $pid (@pids) {
    ok defined(Liaison::Worker->reap($pid, 30)), "worker $pid stopped on TERM";
}
my @calls = $mock->delivered('sms');
my %text;
$text{ $_->{body} }++ for @calls;
is scalar(@calls), $rows, "the gateway got $rows SMS";
is scalar(grep { $_ > 1 } values %text), 0, 'no SMS twice';
my $no_sms = 0;
for my $no (keys %in_db) {
    $no_sms++ unless grep { index($_, $no) >= 0 } keys %text;
}
is $no_sms, 0, 'every ticket\'s registration SMS among them';
my $by = $a->sql('SELECT worker, COUNT(*) AS n FROM delivery_attempts '
    . "WHERE result = 'sent' GROUP BY worker ORDER BY worker");
diag 'sent by ' . join(', ', map { "$_->{worker}: $_->{n}" } @$by);
my $conflicts = () = join('', map { $_->log_text } @w)
    =~ /a conflict with another transaction|another worker meanwhile/g;
diag "claims and records refused by certification (run again or left to "
    . "the other worker): $conflicts";
like $w[0]->log_text, qr/writes go to node \S+node2/,
    'worker 1 moved its writes to node 2';

$b->stop;
done_testing;
