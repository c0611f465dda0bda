#!/usr/bin/perl
# Clients that go away mid-request leave no leaked database connection: with
# one worker and liaison_db_pool_size 2, the pool still serves many requests
# afterwards, and the database sees no more than 2 connections from nginx.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Tickets;

my $env = Liaison::Test->start(workers => 1, pool_size => 2,
    http => { liaison_db_queue_timeout => '3s' });

my $made = $env->req(POST => '/api/v1/tickets', body => ticket_body())->json;
my $status_path = "/api/v1/tickets/$made->{ticket_no}?query_code="
    . $made->{query_code};
my $body_json = json_encode(ticket_body());

sub request_text {
    my ($method, $path, $body, %h) = @_;
    my $t = "$method $path HTTP/1.1\r\nHost: localhost\r\n";
    $t .= "Content-Type: application/json\r\nContent-Length: "
        . length($body) . "\r\n" if defined $body;
    $t .= "$_: $h{$_}\r\n" for sort keys %h;
    return "$t\r\n" . ($body // '');
}

sub nginx_db_conns {
    return $env->nginx_db_connections;
}

sub pool_still_serves {
    my ($label, $n) = @_;
    my %st;
    for my $i (1 .. $n) {
        my $r;
        if ($i % 3 == 0) {
            $r = $env->req(POST => '/api/v1/tickets', body => ticket_body(),
                timeout => 15);
        } elsif ($i % 3 == 1) {
            $r = $env->req(GET => '/api/v1/health', timeout => 15);
        } else {
            $r = $env->req(GET => $status_path, timeout => 15);
        }
        $st{ $r->status }++;
    }
    my $ok = ($st{200} // 0) + ($st{201} // 0);
    is $ok, $n, "$label: the pool still serves $n sequential requests"
        or diag explain \%st;
    # a connection nginx closed may linger a moment on the server side
    my $conns;
    wait_until { ($conns = nginx_db_conns()) <= 2 } 10;
    ok $conns <= 2, "$label: the database sees $conns (<= 2) connections "
        . 'from nginx';
}

# 1. headers and part of the body, then close
for my $round (1 .. 6) {
    my $s = $env->connect;
    my $full = request_text(POST => '/api/v1/tickets', $body_json);
    print $s substr($full, 0, length($full) - 20);
    close $s;
}
pool_still_serves('after 6 partial bodies', 30);

# 2. a full request, then close at once without reading the answer
for my $round (1 .. 6) {
    for my $req (request_text(POST => '/api/v1/tickets', json_encode(ticket_body())),
                 request_text(GET => '/api/v1/health'),
                 request_text(GET => $status_path)) {
        my $s = $env->connect;
        print $s $req;
        close $s;
    }
}
pool_still_serves('after 18 requests closed right after sending', 30);

# 3. close while the request's query is waiting in the database (on a row
#    lock held by the test): more times than the pool has connections
my $before = $env->sql_one('SELECT COUNT(*) FROM tickets');
for my $round (1 .. 4) {
    my $hold = $env->new_dbh(AutoCommit => 0);
    my $key = "k-abort-$round";
    $hold->do('INSERT INTO idempotency_keys (principal, idem_key, '
        . 'request_hash, status, response, created_at) VALUES '
        . "('anon', ?, REPEAT('0', 64), 0, '', '2026-11-27 10:00:00')",
        undef, $key);
    my $s = $env->connect;
    print $s request_text(POST => '/api/v1/tickets',
        json_encode(ticket_body()), 'Idempotency-Key' => $key);
    my $waiting = wait_until {
        $env->lock_waits > 0
    } 20;
    ok $waiting, "round $round: the request waits on the row lock";
    close $s;
    $hold->rollback;
    $hold->disconnect;
}
# let nginx notice; then everything must work again
pool_still_serves('after 4 clients left during a query', 50);
my $leftover = $env->sql('SELECT t.ticket_no FROM tickets t LEFT JOIN '
    . 'ticket_events e ON e.ticket_id = t.id WHERE e.id IS NULL');
is scalar @$leftover, 0, 'no ticket without its registered event';

# 4. many aborted clients at once (more than the pool and its queue bound
#    would hold if they leaked)
for my $round (1 .. 3) {
    my @s;
    for (1 .. 20) {
        my $s = $env->connect;
        print $s request_text(POST => '/api/v1/tickets',
            json_encode(ticket_body()));
        push @s, $s;
    }
    close $_ for @s;
}
pool_still_serves('after 60 concurrent aborted intakes', 50);

my $ok = wait_until { nginx_db_conns() <= 2 } 10;
ok $ok, 'finally at most 2 database connections from nginx';

done_testing;
