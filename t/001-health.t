#!/usr/bin/perl
# GET /api/v1/health, unknown paths and wrong methods answer JSON.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;

my $env = Liaison::Test->start;

for my $round (1, 2) {
    my $r = $env->req(GET => '/api/v1/health');
    is $r->status, 200, "round $round: GET /api/v1/health is 200"
        or diag $r->summary;
    like $r->header('content-type') // '', qr{^application/json},
        "round $round: health answers application/json";
    is_deeply $r->json, { status => 'ok', db => 'ok' },
        "round $round: health body {status:ok, db:ok}";

    $r = $env->req(GET => '/api/v1/health?verbose=1');
    is $r->status, 200, "round $round: health ignores a query string";

    for my $path ('/api/v1/nope', '/api/v1/', '/api/v1/tickets/x/y/z',
                  '/api/v1/healthz') {
        $r = $env->req(GET => $path);
        is $r->status, 404, "round $round: GET $path is 404"
            or diag $r->summary;
        is $r->error_code, 'not_found',
            "round $round: GET $path error code not_found";
        ok defined $r->error_message,
            "round $round: GET $path error has a message";
    }

    for my $m (qw(DELETE PUT PATCH)) {
        $r = $env->req($m => '/api/v1/health');
        is $r->status, 405, "round $round: $m /api/v1/health is 405"
            or diag $r->summary;
        like $r->error_code // '', qr/^[a-z_]+$/,
            "round $round: $m /api/v1/health has a JSON error code";
    }
    $r = $env->req(POST => '/api/v1/health', body => {});
    is $r->status, 405, "round $round: POST /api/v1/health is 405";
    like $r->error_code // '', qr/^[a-z_]+$/,
        "round $round: POST /api/v1/health has a JSON error code";

    $r = $env->req(DELETE => '/api/v1/tickets');
    is $r->status, 405, "round $round: DELETE /api/v1/tickets is 405"
        or diag $r->summary;
    $r = $env->req(GET => '/api/v1/staff/login');
    is $r->status, 405, "round $round: GET /api/v1/staff/login is 405"
        or diag $r->summary;
}

# the health check reads from the pool: many in a row stay fine
my $ok = 0;
for (1 .. 40) {
    $ok++ if $env->req(GET => '/api/v1/health')->status == 200;
}
is $ok, 40, '40 health checks in a row all 200';

# keep-alive: many requests on one connection, errors included
for my $round (1, 2) {
    my $c = $env->keepalive;
    my @st;
    for my $i (1 .. 30) {
        my $r = $i % 3 == 0 ? $c->req(GET => '/api/v1/nope')
              : $i % 3 == 1 ? $c->req(GET => '/api/v1/health')
              :               $c->req(DELETE => '/api/v1/health');
        push @st, $r->status;
    }
    is_deeply \@st, [ map { $_ % 3 == 0 ? 404 : $_ % 3 == 1 ? 200 : 405 }
        1 .. 30 ], "round $round: 30 requests on one keep-alive connection";
    ok $c->is_open, "round $round: ... which stays open";
    $c->close;
}

done_testing;
