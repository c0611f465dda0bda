#!/usr/bin/perl
# One slow query does not hold up others: with worker_processes 1, a request
# kept waiting on a row lock held by the test must not delay concurrent
# health, status and intake requests (the event loop never blocks).

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Tickets;

my $env = Liaison::Test->start(workers => 1, pool_size => 4);

my $made = $env->req(POST => '/api/v1/tickets', body => ticket_body())->json;
my $status_path = "/api/v1/tickets/$made->{ticket_no}?query_code="
    . $made->{query_code};

sub lock_waits {
    return $env->lock_waits;
}

for my $round (1, 2) {
    my $key = "k-lock-$round";
    my $hold = $env->new_dbh(AutoCommit => 0);
    $hold->do('INSERT INTO idempotency_keys (principal, idem_key, '
        . 'request_hash, status, response, created_at) VALUES '
        . "('anon', ?, REPEAT('0', 64), 0, '', '2026-11-27 10:00:00')",
        undef, $key);

    my $body = ticket_body(content => "被行锁阻塞的请求 $round");
    my $slow = $env->req_start(POST => '/api/v1/tickets', body => $body,
        headers => { 'Idempotency-Key' => $key });
    my $blocked = wait_until { lock_waits() > 0 } 20;
    ok $blocked, "round $round: the intake request is blocked on the row lock";
    ok !$slow->done, "round $round: ... and has no answer yet";

    for my $i (1, 2) {
        my $r = $env->req(GET => '/api/v1/health', timeout => 10);
        is $r->status, 200, "round $round.$i: health 200 meanwhile";
        ok !$slow->done, "round $round.$i: ... while the blocked request is "
            . 'still pending';
        $r = $env->req(GET => $status_path, timeout => 10);
        is $r->status, 200, "round $round.$i: status GET 200 meanwhile";
        ok !$slow->done, "round $round.$i: ... still pending";
        my $b = ticket_body();
        $r = $env->req(POST => '/api/v1/tickets', body => $b, timeout => 10);
        is $r->status, 201, "round $round.$i: another intake 201 meanwhile"
            or diag $r->summary;
        ok !$slow->done, "round $round.$i: ... still pending";
    }
    # several at once, on the pool's other connections and its queue
    my @p = map { $env->req_start(GET => '/api/v1/health') } 1 .. 8;
    my @st = map { $_->wait(10)->status } @p;
    is_deeply \@st, [ (200) x 8 ], "round $round: 8 concurrent health checks "
        . 'all 200 meanwhile';
    ok !$slow->done, "round $round: ... still pending";
    is lock_waits(), 1, "round $round: the intake is still waiting on the lock";

    $hold->rollback;
    $hold->disconnect;
    my $r = $slow->wait(30);
    check_created($env, $r, $body,
        "round $round: after ROLLBACK the blocked intake completes 201");
    is $env->sql_one('SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = ?',
        $key), 1, "round $round: its key is recorded once";
}

done_testing;
