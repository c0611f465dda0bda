#!/usr/bin/perl
# The database killed during the run: health and intake answer 503, and
# after the database is started again requests succeed without restarting
# nginx (the pool reconnects by itself).

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Tickets;

my $env = Liaison::Test->start(workers => 2, pool_size => 2);

my $made = $env->req(POST => '/api/v1/tickets', body => ticket_body())->json;
ok $made && $made->{ticket_no}, 'a ticket made while the database is up';
my $status_path = "/api/v1/tickets/$made->{ticket_no}?query_code="
    . $made->{query_code};

my $master = $env->nginx_pid;
my @workers = $env->workers_pids;

sub up_checks {
    my ($label) = @_;
    for my $round (1, 2) {
        my $r = $env->req(GET => '/api/v1/health');
        is $r->status, 200, "$label, round $round: health 200";
        is_deeply $r->json, { status => 'ok', db => 'ok' },
            "$label, round $round: health body ok";
        my $b = ticket_body();
        $r = $env->req(POST => '/api/v1/tickets', body => $b);
        is $r->status, 201, "$label, round $round: intake 201"
            or diag $r->summary;
        $r = $env->req(GET => $status_path);
        is $r->status, 200, "$label, round $round: status 200";
    }
}

sub down_checks {
    my ($label) = @_;
    # more requests than connections in both pools, so every worker and
    # every pooled connection meets the dead server
    for my $round (1 .. 6) {
        my $r = $env->req(GET => '/api/v1/health', timeout => 20);
        is $r->status, 503, "$label, round $round: health 503"
            or diag $r->summary;
        is_deeply $r->json, { status => 'unavailable', db => 'down' },
            "$label, round $round: health body {status:unavailable, db:down}";
        ok $r->elapsed < 10, "$label, round $round: health answered in "
            . sprintf('%.2f s', $r->elapsed);

        $r = $env->req(POST => '/api/v1/tickets', body => ticket_body(),
            timeout => 20);
        is $r->status, 503, "$label, round $round: intake 503"
            or diag $r->summary;
        is $r->error_code, 'unavailable', "$label, round $round: intake unavailable";
        ok $r->elapsed < 10, "$label, round $round: intake answered in "
            . sprintf('%.2f s', $r->elapsed);

        $r = $env->req(GET => $status_path, timeout => 20);
        is $r->status, 503, "$label, round $round: status 503"
            or diag $r->summary;
        is $r->error_code, 'unavailable', "$label, round $round: status unavailable";
    }
}

sub recover {
    my ($label) = @_;
    ok $env->start_db, "$label: database started again";
    my $ok = wait_until {
        $env->req(GET => '/api/v1/health', timeout => 20)->status == 200
    } 30;
    ok $ok, "$label: health is 200 again within 30 s";
    # every pooled connection of both workers must have come back: several
    # requests in a row all succeed
    my $good = 0;
    for (1 .. 20) {
        $good++ if $env->req(GET => '/api/v1/health')->status == 200;
    }
    is $good, 20, "$label: 20 health checks in a row 200";
}

up_checks('before');
my $tickets_before = $env->sql_one('SELECT COUNT(*) FROM tickets');

for my $cycle (1, 2) {
    $env->kill_db;
    down_checks("cycle $cycle, database killed");
    recover("cycle $cycle");
    up_checks("cycle $cycle, after recovery");
}

is $env->nginx_pid, $master, 'nginx master not restarted';
is_deeply [ $env->workers_pids ], [ @workers ], 'nginx workers not restarted';
is $env->sql_one('SELECT COUNT(*) FROM tickets'), $tickets_before + 4,
    'only the intakes made while the database was up are stored';
is $env->sql_one('SELECT COUNT(*) FROM tickets t LEFT JOIN ticket_events e '
    . 'ON e.ticket_id = t.id WHERE e.id IS NULL'), 0,
    'no ticket without its registered event';

# the database dies while a request is in the middle of its transaction
{
    my $hold = $env->new_dbh(AutoCommit => 0);
    $hold->do('INSERT INTO idempotency_keys (principal, idem_key, '
        . 'request_hash, status, response, created_at) VALUES '
        . "('anon', 'k-dying', REPEAT('0', 64), 0, '', "
        . "'2026-11-27 10:00:00')");
    my $before = $env->sql_one('SELECT COUNT(*) FROM tickets');
    my $p = $env->req_start(POST => '/api/v1/tickets', body => ticket_body(),
        headers => { 'Idempotency-Key' => 'k-dying' });
    my $waiting = wait_until {
        $env->lock_waits > 0
    } 20;
    ok $waiting, 'the intake request waits on the row lock';
    $env->kill_db;
    my $r = eval { $p->wait(20) };
    ok $r, 'it is answered after the database died' or diag $@;
    is $r && $r->status, 503, '... with 503' or diag $r && $r->summary;
    is $r && $r->error_code, 'unavailable', '... unavailable';
    recover('after the mid-transaction kill');
    is $env->sql_one('SELECT COUNT(*) FROM tickets'), $before,
        'the interrupted intake left nothing behind';
    is $env->sql_one("SELECT COUNT(*) FROM idempotency_keys "
        . "WHERE idem_key = 'k-dying'"), 0, '... not even its key';
    my $b = ticket_body();
    $r = $env->req(POST => '/api/v1/tickets', body => $b,
        headers => { 'Idempotency-Key' => 'k-dying' });
    check_created($env, $r, $b, 'the same key works afterwards');
    $hold->{PrintWarn} = $hold->{PrintError} = $hold->{Warn} = 0;
    eval { $hold->rollback };
    eval { $hold->disconnect };
}

done_testing;
