#!/usr/bin/perl
# A sequence of requests with HUP reloads in between: everything keeps
# answering correctly; tokens and tickets survive reloads; a reload that
# changes liaison_sla, the worker count or the database address takes
# effect; a request in flight during a reload completes.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Tickets;

my $env = Liaison::Test->start(workers => 2, pool_size => 2, staff => [
    { username => 'platform', role => 'platform_staff', department => 'filing' },
]);
my $master = $env->nginx_pid;
my $token = $env->staff_token('platform');
my @made;

sub sequence {
    my ($label, %o) = @_;
    for my $round (1, 2) {
        my $r = $env->req(GET => '/api/v1/health');
        is $r->status, 200, "$label, round $round: health 200";
        my $b = ticket_body(channel => $round == 1 ? 'web' : 'wechat');
        $r = $env->req(POST => '/api/v1/tickets', body => $b);
        my $j = check_created($env, $r, $b, "$label, round $round: intake",
            %o);
        push @made, $j if $j;
        $b = ticket_body(channel => 'hotline', category => 'complaint');
        $r = $env->req(POST => '/api/v1/tickets', body => $b, token => $token);
        is $r->status, 201, "$label, round $round: hotline intake with the "
            . 'token from before the reloads' or diag $r->summary;
        for my $t (@made) {
            $r = $env->req(GET => "/api/v1/tickets/$t->{ticket_no}?query_code="
                . $t->{query_code});
            is $r->status, 200, "$label, round $round: status of "
                . "$t->{ticket_no} 200";
        }
        $r = $env->req(GET => "/api/v1/tickets/$made[0]{ticket_no}",
            token => $token);
        is $r->status, 200, "$label, round $round: staff view 200";
        $r = $env->req(GET => "/api/v1/tickets/$made[0]{ticket_no}"
            . '?query_code=2222222222');
        is $r->status, 404, "$label, round $round: wrong code 404";
    }
}

sequence('start');
for my $n (1 .. 3) {
    ok $env->reload, "reload $n: new workers serve";
    sequence("after reload $n");
}
is $env->nginx_pid, $master, 'the master stayed the same through reloads';

# reload with a different SLA: due_at follows the new configuration
ok $env->reload(http => { liaison_sla => [ 'simple 3', 'ordinary 5' ] }),
    'reload with liaison_sla simple 3, ordinary 5';
sequence('after the SLA reload', sla => { simple => 3, ordinary => 5 });
for my $cat ('case_query', 'complaint') {
    my $b = ticket_body(category => $cat);
    check_created($env, $env->req(POST => '/api/v1/tickets', body => $b), $b,
        "SLA reload: $cat", sla => { simple => 3, ordinary => 5 });
}

# fewer and more workers
ok $env->reload(workers => 1), 'reload to 1 worker';
sequence('with 1 worker', sla => { simple => 3, ordinary => 5 });
ok $env->reload(workers => 2, http => { liaison_sla => [ 'simple 1',
    'ordinary 2' ] }), 'reload back to 2 workers and the default SLA';
sequence('back to 2 workers');

# the database over TCP instead of the unix socket
ok $env->reload(db_via => 'tcp'), 'reload with liaison_db 127.0.0.1:port';
sequence('database over TCP');
ok $env->nginx_db_connections(tcp => 1) > 0,
    'nginx now talks to the database over TCP';

# a request in flight (waiting on a row lock) while nginx reloads: the old
# worker finishes it
{
    my $hold = $env->new_dbh(AutoCommit => 0);
    $hold->do('INSERT INTO idempotency_keys (principal, idem_key, '
        . 'request_hash, status, response, created_at) VALUES '
        . "('anon', 'k-reload', REPEAT('0', 64), 0, '', "
        . "'2026-11-27 10:00:00')");
    my $b = ticket_body(content => '重载期间的请求');
    my $p = $env->req_start(POST => '/api/v1/tickets', body => $b,
        headers => { 'Idempotency-Key' => 'k-reload' });
    my $waiting = wait_until {
        $env->lock_waits > 0
    } 20;
    ok $waiting, 'an intake waits on a row lock';
    ok $env->reload(db_via => 'unix'), 'reload (back to the unix socket) '
        . 'while it waits';
    is $env->req(GET => '/api/v1/health')->status, 200,
        'the new workers answer meanwhile';
    ok !$p->done, 'the waiting request is still pending';
    $hold->rollback;
    $hold->disconnect;
    check_created($env, $p->wait(30), $b,
        'after ROLLBACK the old worker completes it with 201');
}
sequence('after the in-flight reload');

# keep-alive clients keep sending during reloads: logins (their password
# check runs in the thread pool), intakes and health checks.  Every request
# is either answered normally or its connection is closed by the old worker
# before any byte of an answer (the keep-alive race every HTTP client
# handles); the old workers must finish what they started (the error log
# check at the end catches "open socket left" alerts).
{
    my (%got, $answered);
    for my $cycle (1 .. 10) {
        my @c = map { $env->keepalive } 1 .. 3;
        $_->req(GET => '/api/v1/health') for @c;
        kill 'HUP', $env->nginx_pid;
        for my $i (1 .. 4) {
            for my $c (@c) {
                my $r = $i % 2
                    ? $c->req(POST => '/api/v1/staff/login', body => {
                        username => 'platform',
                        password => $Liaison::Test::DEFAULT_PASSWORD })
                    : $c->req(POST => '/api/v1/tickets', body => ticket_body());
                my $what = $r->status ? $r->status
                    : $r->error =~ /mid-response/ ? 'cut mid-response'
                    : 'closed before answering';
                $got{$what}++;
                $answered++ if $r->status;
            }
        }
        $_->close for @c;
        my $settled = wait_until { my @w = $env->workers_pids; @w == 2 } 30;
        ok $settled, "keep-alive reload cycle $cycle: workers settle";
    }
    ok $answered, "keep-alive clients across reloads: $answered answered";
    is_deeply [ sort grep { !/^(?:200|201|closed before answering)$/ }
        keys %got ], [], 'every request answered 200/201 or its connection '
        . 'closed before any answer' or diag explain \%got;
}
is $env->req(GET => '/api/v1/health')->status, 200, 'health after all that';

done_testing;
