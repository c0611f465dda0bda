#!/usr/bin/perl
# Two nginx nodes and two workers on one database: a token minted on one
# node works on the other (and a logout on one ends it on both); intake
# spread over both nodes under load creates every ticket exactly once;
# an Idempotency-Key replayed on the other node (also at the same moment)
# gets the first answer; two worker daemons deliver every outbox message
# exactly once.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Time::HiRes qw(time sleep);
use Liaison::Test;
use Liaison::Node;
use Liaison::Tickets;
use Liaison::Load;
use Liaison::Worker;
use Liaison::MockWeChat;

my $a = Liaison::Test->start(workers => 2, pool_size => 4, staff => [
    { username => 'p1', role => 'platform_staff', department => 'filing' },
]);
my $b = Liaison::Node->start($a, 'b');
isnt $a->port, $b->port, 'two nodes on two ports';

# --- sessions: minted on A, good on B; revoked on B, gone on A ----------
my $token = $a->staff_token('p1');
for my $round (1, 2) {
    for my $node ([A => $a], [B => $b]) {
        my $r = $node->[1]->req(GET => '/api/v1/staff/tickets',
            token => $token);
        is $r->status, 200, "round $round: A's token on node $node->[0]"
            or diag $r->summary;
    }
}
is $b->req(POST => '/api/v1/staff/logout', token => $token)->status, 200,
    'logout on node B';
for my $node ([A => $a], [B => $b]) {
    is $node->[1]->req(GET => '/api/v1/staff/tickets', token => $token)
        ->status, 401, "the token is refused on node $node->[0] after it";
}
$token = $b->staff_token('p1');

# --- idempotency across nodes ------------------------------------------
my $body = ticket_body(channel => 'web');
my $r1 = $a->req(POST => '/api/v1/tickets', body => $body,
    headers => { 'Idempotency-Key' => 'cross-1' });
is $r1->status, 201, 'intake on A with a key';
my $r2 = $b->req(POST => '/api/v1/tickets', body => $body,
    headers => { 'Idempotency-Key' => 'cross-1' });
is $r2->status, 201, 'the same key and body on B';
is $r2->json->{ticket_no}, $r1->json->{ticket_no}, '... the same ticket';
is $r2->json->{query_code}, $r1->json->{query_code}, '... the same answer';
my $r3 = $b->req(POST => '/api/v1/tickets', body => ticket_body(),
    headers => { 'Idempotency-Key' => 'cross-1' });
is $r3->status, 409, 'the key with another body on B: 409';

# the same key on both nodes at the same moment, 10 times
for my $i (1 .. 10) {
    my $bd = ticket_body();
    my @p = map { $_->req_start(POST => '/api/v1/tickets', body => $bd,
        headers => { 'Idempotency-Key' => "race-$i" }) } $a, $b, $a, $b;
    my @r = map { $_->wait(30) } @p;
    my @ok = grep { $_->status == 201 } @r;
    my %nos = map { $_->json->{ticket_no} => 1 } @ok;
    ok @ok >= 1 && keys %nos == 1, "race $i: one ticket for the key ("
        . join(' ', map { $_->status } @r) . ')';
    ok !grep({ $_->status != 201 && $_->status != 409 } @r),
        "race $i: the others 201 (replay) or 409, never 5xx";
    is $a->sql_one('SELECT COUNT(*) FROM idempotency_keys WHERE idem_key '
        . '= ?', "race-$i"), 1, "race $i: one idempotency record";
}
my $before = $a->sql_one('SELECT COUNT(*) FROM tickets');
is $before, 11, '11 tickets so far, one per key';

# --- intake spread over both nodes under load --------------------------
my $n = 0;
my @loads = map {
    my $env = $_;
    Liaison::Load->start($env, clients => 3, requests => [
        [ POST => '/api/v1/tickets', sub { ticket_body() } ],
        [ GET => '/api/v1/health' ],
    ]);
} $a, $b;
my $from = $a->sql_one('SELECT COUNT(*) FROM tickets');
ok wait_until(sub {
    $a->sql_one('SELECT COUNT(*) FROM tickets') >= $from + 300 }, 60),
    'both nodes take intake at once';
my @t = map { $_->stop } @loads;
my ($created, %seen) = (0);
for my $i (0, 1) {
    my $node = (qw(A B))[$i];
    diag "node $node: " . Liaison::Load::summary($t[$i]);
    is $t[$i]{failed}, 0, "node $node: no request failed";
    is_deeply [ sort grep { $_ != 200 && $_ != 201 } keys
        %{ $t[$i]{status} } ], [], "node $node: only 200 and 201";
    ok(($t[$i]{status}{201} // 0) > 50, "node $node: made tickets");
    $created += $t[$i]{status}{201} // 0;
    $seen{$_}++ for @{ $t[$i]{created} };
}
is $a->sql_one('SELECT COUNT(*) FROM tickets'), $before + $created,
    "every 201 is one ticket ($created made on two nodes)";
is scalar(grep { $seen{$_} > 1 } keys %seen), 0,
    'no ticket number answered twice';
is scalar(keys %seen), $created, 'as many numbers as answers';
is $a->sql_one('SELECT COUNT(DISTINCT ticket_no) FROM tickets'),
    $before + $created, 'ticket numbers unique in the database';

# --- two workers, one outbox --------------------------------------------
my $mock = Liaison::MockWeChat->start;
my %conf = (ladder => 'off', calendar_alert => 'off', bulletin => 'off',
    risk_stage_hours => 0, concurrency => 4, batch_size => 10,
    poll_interval => 1);
my @w = map { Liaison::Worker->new($a, $mock, %conf,
    worker_id => "node-$_") } 1, 2;
my $N = 200;
my $dbh = $a->dbh;
# the registration SMS of the requests above are not this part's
$dbh->do('DELETE FROM outbox');
$dbh->begin_work;
for my $i (1 .. $N) {
    $w[0]->outbox_add(channel => 'sms', recipient => '13800138000',
        payload => { text => "两节点消息 $i 号" });
}
$dbh->commit;
my @pids = map { $_->spawn } @w;
ok wait_until(sub {
    $a->sql_one("SELECT COUNT(*) FROM outbox WHERE status = 'sent'") == $N
}, 60), "two workers sent all $N messages";
kill 'TERM', @pids;
for my $pid (@pids) {
    ok wait_until(sub { waitpid($pid, POSIX::WNOHANG()) == $pid }, 30),
        "worker $pid stopped on TERM";
}
my @calls = $mock->delivered('sms');
is scalar(@calls), $N, "the gateway got $N SMS";
my %text;
for my $c (@calls) {
    $text{ $c->{body} }++;
}
is scalar(grep { $_ > 1 } values %text), 0, 'no SMS body twice';
is $a->sql_one("SELECT COUNT(*) FROM delivery_attempts WHERE result = "
    . "'sent'"), $N, "$N attempts recorded as sent, one per message";
my $by = $a->sql('SELECT worker, COUNT(*) AS n FROM delivery_attempts '
    . "WHERE result = 'sent' GROUP BY worker ORDER BY worker");
diag 'sent by ' . join(', ', map { "$_->{worker}: $_->{n}" } @$by);
is $a->sql_one("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'"), 0,
    'nothing left pending or failed';

$b->stop;
done_testing;
