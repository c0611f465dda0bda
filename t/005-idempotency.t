#!/usr/bin/perl
# Idempotency-Key on POST /api/v1/tickets: a retried submission returns the
# first answer; the same key with a different body is a 409.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Tickets;

my $env = Liaison::Test->start(staff => [
    { username => 'platform', role => 'platform_staff', department => 'filing' },
]);

sub post {
    my ($body, $key, %o) = @_;
    return $env->req(POST => '/api/v1/tickets', body => $body,
        headers => { defined $key ? ('Idempotency-Key' => $key) : () }, %o);
}

my $body_a = ticket_body(content => '第一次提交：请问诉状可以手写吗？');
my $body_b = ticket_body(content => '另一个内容');

my $before = $env->counts;
my $r1 = post($body_a, 'k-1');
my $first = check_created($env, $r1, $body_a, 'first submission with key k-1');
for my $round (1, 2, 3) {
    my $r = post($body_a, 'k-1');
    is $r->status, 201, "retry $round: same key, same body is 201 again";
    is_deeply $r->json, $first, "retry $round: ... the same answer (same ticket_no)";
}
my $after = $env->counts;
is $after->{tickets}, $before->{tickets} + 1, 'only one tickets row';
is $after->{ticket_events}, $before->{ticket_events} + 1,
    'only one ticket_events row';
is $after->{idempotency_keys}, $before->{idempotency_keys} + 1,
    'one idempotency_keys row';
is $env->sql_one('SELECT COUNT(*) FROM tickets WHERE content = ?',
    $body_a->{content}), 1, 'the content is stored once';

for my $round (1, 2) {
    my $r = post($body_b, 'k-1');
    is $r->status, 409, "round $round: same key, different body is 409"
        or diag $r->summary;
    is $r->error_code, 'conflict', "round $round: ... conflict";
    is_deeply $env->counts, $after, "round $round: ... nothing written";
}
{
    my %changed = (%$body_a, category => 'case_query');
    my $r = post(\%changed, 'k-1');
    is $r->status, 409, 'same key, only the category differs: 409';
}
{
    my $r = post($body_a, 'k-1');
    is_deeply $r->json, $first, 'after the 409s the key still replays the first answer';
}

# other keys and no key
my $r2 = post($body_a, 'k-2');
is $r2->status, 201, 'same body, another key: 201';
isnt +($r2->json // {})->{ticket_no}, $first->{ticket_no}, '... a new ticket';
my $n1 = post($body_a);
my $n2 = post($body_a);
is $n1->status, 201, 'no key: 201';
is $n2->status, 201, 'no key again: 201';
isnt +($n1->json // {})->{ticket_no}, ($n2->json // {})->{ticket_no},
    'without a key every submission is a new ticket';

# the key belongs to the caller: a staff member's k-1 is not the public k-1
my $token = $env->staff_token('platform');
my $hall = ticket_body(channel => 'hall', category => 'case_query');
my $s1 = post($hall, 'k-1', token => $token);
is $s1->status, 201, "a staff member's k-1 is a different key: 201"
    or diag $s1->summary;
isnt +($s1->json // {})->{ticket_no}, $first->{ticket_no}, '... a new ticket';
my $s2 = post($hall, 'k-1', token => $token);
is_deeply $s2->json, $s1->json, "... and the staff member's retry replays it";

# invalid keys
for my $key ('', 'has space', 'x' x 129, "k\x{4e2d}") {
    for my $round (1, 2) {
        my $before = $env->counts;
        my $r = post(ticket_body(), $key);
        is $r->status, 400, "round $round: Idempotency-Key '"
            . substr($key, 0, 20) . "' is 400" or diag $r->summary;
        is $r->error_code, 'invalid_argument', "round $round: ... invalid_argument";
        is_deeply $env->counts, $before, "round $round: ... nothing written";
    }
}
{
    my $r = post(ticket_body(), 'A-Za-z0-9_.:-' . ('x' x 115));
    is $r->status, 201, 'a 128-character key of every allowed character is fine'
        or diag $r->summary;
}

# a failed request does not burn the key
{
    my $before = $env->counts;
    my $r = post(ticket_body(channel => 'fax'), 'k-bad-first');
    is $r->status, 400, 'invalid body with key k-bad-first: 400';
    is_deeply $env->counts, $before, '... nothing written, key not recorded';
    my $good = ticket_body();
    $r = post($good, 'k-bad-first');
    check_created($env, $r, $good, 'then a valid body with that key is 201');
}

# concurrent retries of the same key: one ticket, the same answer for all
for my $round (1, 2) {
    my $body = ticket_body(content => "并发重试 $round");
    my $key = "k-race-$round";
    my $before = $env->counts;
    my @p = map { $env->req_start(POST => '/api/v1/tickets', body => $body,
        headers => { 'Idempotency-Key' => $key }) } 1 .. 4;
    my @r = map { $_->wait(30) } @p;
    is_deeply [ map { $_->status } @r ], [ 201, 201, 201, 201 ],
        "round $round: 4 concurrent submissions with one key all 201"
        or diag join "\n", map { $_->summary } @r;
    my %nos = map { (($_->json // {})->{ticket_no} // 'none') => 1 } @r;
    is scalar keys %nos, 1, "round $round: ... all with the same ticket_no";
    is $env->counts->{tickets}, $before->{tickets} + 1,
        "round $round: ... and one tickets row";
}

done_testing;
