#!/usr/bin/perl
# The database down does not flood the error log (issue 15): each worker
# logs its first failed connect at once and then a summary at most every
# 10 s, not a line per request; back up, one line says so with the count.
# And a fetched block of ticket numbers is never thrown away: concurrent
# intakes that each fetch a block at once keep all of them, so the numbers
# handed out fill the blocks they come from.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Tickets;

my $env = Liaison::Test->start(workers => 2, pool_size => 4,
    allow_log => [ qr/connect failed|still down/ ]);

is $env->req(POST => '/api/v1/tickets', body => ticket_body())->status, 201,
    'an intake while the database is up';

subtest 'blocks of ticket numbers are kept until used' => sub {
    my $before = $env->sql_one('SELECT COUNT(*) FROM tickets');
    my @nos;
    for my $burst (1 .. 20) {
        my @p = map { $env->req_start(POST => '/api/v1/tickets',
            body => ticket_body()) } 1 .. 30;
        for (@p) {
            my $r = $_->wait(60);
            push @nos, $r->json->{ticket_no} if $r->status == 201;
        }
    }
    is scalar @nos, 600, '600 intakes 201';
    my %block;
    for my $no (@nos) {
        my $seq = substr $no, 6, length($no) - 7;
        $block{ int(($seq - 1) / 100) }++;
    }
    my $blocks = keys %block;
    my $partial = grep { $block{$_} < 100 } keys %block;
    diag "600 numbers from $blocks blocks of 100, $partial not full: "
        . join " ", map { "$_:$block{$_}" } sort { $a <=> $b } keys %block;
    # 6 blocks' worth; at most, per worker, one block begun before and
    # the one in hand, plus blocks a worker still keeps for later
    ok $blocks <= 6 + 2 * 2 + 4, "numbers come from few blocks ($blocks)";
    # a block fetched and dropped would be a gap between the blocks used
    my @b = sort { $a <=> $b } keys %block;
    my $gaps = ($b[-1] - $b[0] + 1) - @b;
    ok $gaps <= 4, "blocks skipped between those used: $gaps (at most the "
        . 'few a worker still keeps)';
};

subtest 'the database down: a few lines, not one per request' => sub {
    my $mark = $env->error_log_mark;
    $env->kill_db;
    my %st;
    for my $burst (1 .. 10) {
        my @p = map { $env->req_start($_ % 2
            ? (GET => '/api/v1/health')
            : (POST => '/api/v1/tickets', body => ticket_body())) } 1 .. 20;
        $st{ $_->wait(30)->status }++ for @p;
    }
    is_deeply \%st, { 503 => 200 }, '200 requests answered 503';
    my $log = $env->error_log_since($mark);
    my $lines = () = $log =~ /connect (?:to \S+ )?failed/g;
    ok $lines >= 1, 'the failure is logged';
    ok $lines <= 2, "... once per worker ($lines lines), not per request";
    unlike $log, qr/liaison db: connection lost.*\n(?:.*\n){8}.*connection lost/,
        'no line per request for lost connections either';

    my $m2 = $env->error_log_mark;
    ok $env->start_db, 'the database started again';
    ok((wait_until { $env->req(GET => '/api/v1/health')->status == 200 } 20),
        'health 200 again');
    my $r = $env->req(POST => '/api/v1/tickets', body => ticket_body());
    is $r->status, 201, 'an intake 201 again';
    like $env->error_log_since($m2),
        qr/connected again after \d+ failed connects/,
        'being back is logged with the count of failures';
};

done_testing;
