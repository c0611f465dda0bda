#!/usr/bin/perl
# One slow table does not starve the pool (issue 15).  With the tickets
# table locked, intakes hold the connections they may have (pool size 2:
# one, the other is the reserve) and queue for more; /health and
# GET /liaisons, which never read tickets, are answered meanwhile from the
# reserve.  When even the reserve is held, /health says the pool is busy
# while the database is up ({"db":"ok","pool":"busy"}), not "down".

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Tickets;

my $env = Liaison::Test->start(workers => 1, pool_size => 2,
    http => { liaison_db_queue_timeout => '1s' });

is $env->req(GET => '/api/v1/health')->status, 200, 'health 200 at first';
is $env->req(POST => '/api/v1/tickets', body => ticket_body())->status, 201,
    'an intake 201 at first';

sub waiting_for {
    my ($table) = @_;
    return $env->root_sql_one(
        "SELECT COUNT(*) FROM information_schema.processlist WHERE "
        . "state LIKE 'Waiting for table%' AND info LIKE ?", "%$table%");
}

subtest 'tickets locked: health and the directory from the reserve' => sub {
    my $hold = $env->new_dbh;
    $hold->do('LOCK TABLES tickets WRITE');
    my @bodies = map { ticket_body(content => "锁表期间的诉求 $_") } 1 .. 3;
    my @intakes = map { $env->req_start(POST => '/api/v1/tickets',
        body => $_) } @bodies;
    ok((wait_until { waiting_for('tickets') >= 1 } 20),
        'an intake waits for the tickets table');

    for my $i (1 .. 3) {
        my $r = $env->req(GET => '/api/v1/health', timeout => 10);
        is $r->status, 200, "health $i: 200 meanwhile" or diag $r->summary;
        is_deeply $r->json, { status => 'ok', db => 'ok' }, "health $i: ok";
        $r = $env->req(GET => '/api/v1/liaisons', timeout => 10);
        is $r->status, 200, "liaisons $i: 200 meanwhile" or diag $r->summary;
    }
    my @p = map { $env->req_start(GET => '/api/v1/health') } 1 .. 8;
    is_deeply [ map { $_->wait(10)->status } @p ], [ (200) x 8 ],
        '8 concurrent health checks: all 200';
    is waiting_for('tickets'), 1, 'one intake holds its one connection';
    ok !$intakes[0]->done, 'the first intake is still waiting';
    ok $env->nginx_db_connections <= 2, 'no more than the pool opened';

    $hold->do('UNLOCK TABLES');
    $hold->disconnect;
    for my $i (0 .. $#intakes) {
        my $r = $intakes[$i]->wait(30);
        my $n = $env->sql_one('SELECT COUNT(*) FROM tickets WHERE content = ?',
            $bodies[$i]{content});
        if ($r->status == 201) {
            is $n, 1, "intake $i: 201 and stored";
        } else {
            is $r->status, 503, "intake $i: 503 (it queued past the queue "
                . 'timeout)';
            is $n, 0, "intake $i: ... nothing stored";
        }
    }
    is $intakes[0]->wait(1)->status, 201, 'the intake that held on: 201';
};

subtest 'the reserve held too: health says the pool is busy' => sub {
    my $hold = $env->new_dbh;
    $hold->do('LOCK TABLES tickets WRITE, departments WRITE');
    my $intake = $env->req_start(POST => '/api/v1/tickets',
        body => ticket_body());
    my $dir = $env->req_start(GET => '/api/v1/liaisons');
    ok((wait_until { waiting_for('tickets') + waiting_for('departments')
        >= 2 } 20), 'an intake and the directory wait for their tables');

    my $r = $env->req(GET => '/api/v1/health', timeout => 10);
    is $r->status, 503, 'health 503 with no connection free';
    is_deeply $r->json, { status => 'unavailable', db => 'ok',
        pool => 'busy' }, '... the database up, the pool busy';

    $hold->do('UNLOCK TABLES');
    $hold->disconnect;
    is $intake->wait(30)->status, 201, 'the intake 201 once unlocked';
    is $dir->wait(30)->status, 200, 'the directory 200 once unlocked';
    is $env->req(GET => '/api/v1/health')->status, 200, 'health 200 again';
};

done_testing;
