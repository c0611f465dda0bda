#!/usr/bin/perl
# Prometheus metrics of the module (liaison_metrics): the text parses
# strictly, the counters move with traffic whichever worker answers, the
# pool gauges and counters are there, and a reload keeps the counts (the
# zone survives it).  Bad uses of the directive are refused by nginx -t.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Tickets;
use Liaison::Prometheus;

my $METRICS = <<'CONF';
        location = /metrics {
            liaison_metrics on;
            allow 127.0.0.1;
            deny all;
        }
CONF

my $env = Liaison::Test->start(workers => 2, pool_size => 2,
    server_extra => $METRICS);

sub scrape {
    my $r = $env->req(GET => '/metrics');
    is $r->status, 200, 'GET /metrics 200' or diag $r->summary;
    my $m = eval { Liaison::Prometheus->parse($r->body) };
    ok $m, 'the metrics parse as Prometheus text' or diag $@;
    return ($m, $r);
}

sub reqs { $_[0]->sum('liaison_http_requests_total', @_[1 .. $#_]) }

# a fresh zone: the families are there before any API request
my ($m0, $r0) = scrape();
like $r0->header('content-type') // '',
    qr{^text/plain; version=0\.0\.4}, 'content type text/plain 0.0.4';
for my $f (qw(liaison_http_requests_total liaison_db_errors_total
        liaison_db_reconnects_total liaison_db_queries_total)) {
    is $m0->type($f), 'counter', "$f is a counter";
}
is $m0->type('liaison_http_request_duration_seconds'), 'histogram',
    'the latency is a histogram';
for my $g (qw(liaison_db_pool_connections liaison_db_pool_waiting
        liaison_db_pool_size liaison_schema_expected_version)) {
    is $m0->type($g), 'gauge', "$g is a gauge";
}
is reqs($m0), 0, 'no API request counted yet';
# each worker reports its pool as it starts
ok wait_until(sub {
    my $m = Liaison::Prometheus->parse($env->req(GET => '/metrics')->body);
    ($m->value('liaison_db_pool_size') // 0) == 4;
}, 10), 'pool size: 2 workers x liaison_db_pool_size 2';

# traffic: 3 health, 2 intakes, 2 status reads, 1 unknown path, 1 405
my @t;
for my $i (1 .. 3) {
    is $env->req(GET => '/api/v1/health')->status, 200, "health $i";
}
for my $i (1 .. 2) {
    my $r = $env->req(POST => '/api/v1/tickets', body => ticket_body());
    is $r->status, 201, "intake $i" or diag $r->summary;
    push @t, $r->json;
}
for my $t (@t) {
    is $env->req(GET => "/api/v1/tickets/$t->{ticket_no}?query_code="
        . $t->{query_code})->status, 200, "status of $t->{ticket_no}";
}
is $env->req(GET => '/api/v1/no-such-thing')->status, 404, 'unknown path';
is $env->req(DELETE => '/api/v1/health')->status, 405, 'wrong method';

for my $round (1, 2) {
    # whichever worker answers, the totals are the same
    my ($m) = scrape();
    is $m->value('liaison_http_requests_total', endpoint => 'health',
        status => 200), 3, "round $round: health 200 counted 3 times";
    is $m->value('liaison_http_requests_total', endpoint => 'tickets',
        status => 201), 2, "round $round: intake 201 counted twice";
    is $m->value('liaison_http_requests_total', endpoint => 'tickets/{no}',
        status => 200), 2, "round $round: status reads under tickets/{no}";
    is $m->sum('liaison_http_requests_total', endpoint => 'other'), 2,
        "round $round: unknown path and wrong method under other";
    is $m->value('liaison_http_requests_total', endpoint => 'other',
        status => 404), 1, "round $round: other 404 once";
    is $m->value('liaison_http_request_duration_seconds_count',
        endpoint => 'health'), 3, "round $round: health latency count 3";
    is $m->value('liaison_http_request_duration_seconds_bucket',
        endpoint => 'tickets', le => '+Inf'), 2,
        "round $round: intake +Inf bucket 2";
    ok $m->value('liaison_db_reconnects_total') >= 1,
        "round $round: connections opened counted";
    ok $m->value('liaison_db_queries_total') >= 7,
        "round $round: queries counted ("
        . $m->value('liaison_db_queries_total') . ')';
    is $m->value('liaison_db_errors_total'), 0, "round $round: no db errors";
    ok $m->value('liaison_db_pool_connections', state => 'idle') >= 1,
        "round $round: idle pooled connections reported";
    is $m->value('liaison_db_pool_waiting'), 0,
        "round $round: nobody waits";
    is $m->value('liaison_nginx_worker_processes'), 2,
        "round $round: two worker processes report";
    ok !grep({ /^liaison_worker_/ } $m->names),
        "round $round: no series shares the daemon's liaison_worker_ prefix";
    is $m->value('liaison_db_up'), 1, "round $round: the database is up";
    my ($info) = $m->series('liaison_info');
    ok $info && $info->{value} == 1 && $info->{labels}{version} =~ /^\d+\./
        && length $info->{labels}{build} && $info->{labels}{nginx} =~ /^1\./,
        "round $round: liaison_info has version, build and nginx";
    my $st = $m->value('liaison_start_time_seconds') // 0;
    ok $st > 1.7e9 && $st <= time + 1,
        "round $round: liaison_start_time_seconds is a recent time";
    is reqs($m), 9, "round $round: 9 API requests in all";
}

# reloads keep the counts; new workers add to them
my ($before) = scrape();
for my $n (1, 2) {
    ok $env->reload, "reload $n";
}
my ($after) = scrape();
is reqs($after), reqs($before), 'the request counts survived 2 reloads';
ok $after->value('liaison_db_queries_total')
    >= $before->value('liaison_db_queries_total'),
    'the query counter survived the reloads';
ok wait_until(sub {
    my $r = $env->req(GET => '/metrics');
    my $m = Liaison::Prometheus->parse($r->body);
    ($m->value('liaison_nginx_worker_processes') // 0) == 2;
}, 30), 'only the 2 new workers report once the old ones are gone';
is $env->req(GET => '/api/v1/health')->status, 200, 'health after reloads';
my ($m2) = scrape();
is $m2->value('liaison_http_requests_total', endpoint => 'health',
    status => 200), 4, 'a health check after the reloads counts on';

# the database down: errors counted (the pool reconnects later)
$env->kill_db if $env->can('kill_db');
if ($env->can('kill_db')) {
    $env->allow_log(qr/liaison db|connect|Lost connection|gone away/i);
    is $env->req(GET => '/api/v1/health', timeout => 20)->status, 503,
        'health 503 with the database down';
    # the other worker's pool figures reach the zone within a second
    my $m3;
    ok wait_until(sub {
        ($m3) = scrape();
        $m3->value('liaison_db_errors_total') >= 1;
    }, 10), 'database errors counted';
    ok $m3->value('liaison_http_requests_total', endpoint => 'health',
        status => 503), 'health 503 counted';
    ok wait_until(sub { (scrape())[0]->value('liaison_db_up') == 0 }, 10),
        'liaison_db_up 0 with the database down';
    $env->start_db;
    ok wait_until(sub {
        $env->req(GET => '/api/v1/health')->status == 200 }, 30),
        'health 200 again once the database is back';
    ok wait_until(sub { (scrape())[0]->value('liaison_db_up') == 1 }, 10),
        'liaison_db_up 1 again';
}

# a read pool (liaison_db_read, here the same server): its own gauges and
# counters; without one, no read pool gauges at all
ok !defined((scrape())[0]->value('liaison_db_read_pool_size')),
    'no liaison_db_read: no read pool gauges';
$env->reload(http => { liaison_db_read => 'unix:' . $env->db_socket });
for (1 .. 3) {
    is $env->req(GET => '/api/v1/liaisons')->status, 200,
        'the directory, read through the read pool';
}
my $m4;
ok wait_until(sub {
    $m4 = (scrape())[0];
    ($m4->value('liaison_db_read_pool_size') // 0) == 4
        && $m4->sum('liaison_db_read_pool_connections') >= 1
        && $m4->value('liaison_db_read_queries_total') >= 3;
}, 10), 'liaison_db_read_pool_size 4 (2 per worker), its connections '
    . 'and the reads counted (liaison_db_read_queries_total)'
    or diag explain $m4;
is $m4->value("liaison_db_read_$_"), 0, "liaison_db_read_$_ 0"
    for qw(errors_total timeouts_total rejected_total);
is $m4->value('liaison_db_read_pool_waiting'), 0, '... none waiting';

# configuration errors
my ($rc, $out) = $env->nginx_t(server_extra => "location = /m "
    . "{ liaison_metrics yes; }\n");
isnt $rc, 0, 'liaison_metrics yes is refused';
like $out, qr/"liaison_metrics": invalid value "yes"/, '... naming it';
($rc, $out) = $env->nginx_t(http_extra => "liaison_metrics on;\n");
isnt $rc, 0, 'liaison_metrics at http level is refused';
like $out, qr/"liaison_metrics" directive is not allowed here/, '... so';
($rc, $out) = $env->nginx_t(location_extra => "liaison_metrics on;\n");
isnt $rc, 0, 'liaison_metrics in the API location is refused';
like $out, qr/"liaison_metrics" and "liaison_api" cannot both be on/,
    '... with a clear message';
($rc, $out) = $env->nginx_t(server_extra => $METRICS);
is $rc, 0, 'the metrics location passes nginx -t' or diag $out;

done_testing;
