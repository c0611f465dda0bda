#!/usr/bin/perl
# The request kernel's promises: every error the module answers is the
# JSON body of the contract, internal failures included (logged with the
# reason); metric labels are the endpoint table's patterns, however many
# distinct paths arrive; every endpoint pattern is well formed.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Tickets;
use Liaison::Prometheus;

# The endpoint patterns of the sources: every table row's ngx_string().
my %PATTERN;
for my $file (glob 'ngx_liaison_module/ngx_http_liaison_*.c') {
    open my $fh, '<', $file or die "$file: $!";
    my $src = do { local $/; <$fh> };
    while ($src =~ /_endpoints\[\]\s*=\s*\{(.*?)\n\};/sg) {
        my $table = $1;
        # the staff actions are rows of one macro with the name appended
        my ($prefix) = $src =~ /ngx_string\("([^"]*)" name\)/;
        $PATTERN{$1} = 1 while $table =~ /ngx_string\("([^"]+)"\)/g;
        $PATTERN{"$prefix$1"} = 1
            while $prefix && $table =~ /NGX_HTTP_LIAISON_ACTION\("([^"]+)"/g;
    }
}
ok keys(%PATTERN) > 40, scalar(keys %PATTERN) . ' endpoint patterns found';
for my $p (sort keys %PATTERN) {
    like $p, qr{^[a-z][a-z/-]*(?:\{[a-z_]+\}[a-z/-]*)*$},
        "pattern $p: segments and {captures}";
}

# No HTML 500 from the API: nothing finalizes a request with a bare 500
# (the metrics location, text/plain for Prometheus, is not the API).
my @bare;
for my $file (glob 'ngx_liaison_module/ngx_http_liaison_*.c') {
    next if $file =~ /_metrics\.c$/;
    open my $fh, '<', $file or die "$file: $!";
    my $src = do { local $/; <$fh> };
    push @bare, "$file: $1"
        while $src =~ /((?:finalize_request\([^;]*|return\s+)
                        NGX_HTTP_INTERNAL_SERVER_ERROR)/xg;
}
is_deeply \@bare, [], 'no bare NGX_HTTP_INTERNAL_SERVER_ERROR in the API';

my $env = Liaison::Test->start(
    workers => 1,
    staff => [ { username => 'admin', role => 'sys_admin' },
               { username => 'clerk', role => 'platform_staff' } ],
    server_extra => <<'CONF',
        location = /metrics {
            liaison_metrics on;
        }
CONF
    allow_log => [ qr/\[error\].*liaison: an idempotency key with a bad/,
                   qr/\[error\].*(?:statement|canned_answers)/ ]);

# An internal failure the module detects: an idempotency row whose stored
# answer is not a 2xx (corrupted by hand) makes the replay fail().
my $body = ticket_body();
my $r = $env->req(POST => '/api/v1/tickets', body => $body,
                  headers => { 'Idempotency-Key' => 'kernel-1' });
is $r->status, 201, 'a ticket with an Idempotency-Key' or diag $r->summary;
$env->sql("UPDATE idempotency_keys SET status = 0 "
          . "WHERE idem_key = 'kernel-1'");

for my $round (1, 2) {
    my $mark = $env->error_log_mark;
    $r = $env->req(POST => '/api/v1/tickets', body => $body,
                   headers => { 'Idempotency-Key' => 'kernel-1' });
    is $r->status, 500, "round $round: a corrupted replay answers 500"
        or diag $r->summary;
    like $r->header('content-type') // '', qr{^application/json},
        "round $round: ... as JSON";
    is $r->error_code, 'internal_error', "round $round: ... internal_error";
    like $env->error_log_since($mark),
        qr/\[error\].*liaison: an idempotency key with a bad answer/,
        "round $round: ... and the reason is in the error log";
}

# A statement that fails in the database: a table gone.
my $admin = $env->staff_token('admin');
$env->sql('RENAME TABLE canned_answers TO canned_answers_gone');
for my $round (1, 2) {
    my $mark = $env->error_log_mark;
    $r = $env->req(GET => '/api/v1/staff/canned-answers', token => $admin);
    is $r->status, 500, "round $round: a failing statement answers 500"
        or diag $r->summary;
    like $r->header('content-type') // '', qr{^application/json},
        "round $round: ... as JSON";
    is $r->error_code, 'internal_error', "round $round: ... internal_error";
    like $env->error_log_since($mark), qr/\[error\].*canned_answers/,
        "round $round: ... and the statement's error is logged";
}
$env->sql('RENAME TABLE canned_answers_gone TO canned_answers');
is $env->req(GET => '/api/v1/staff/canned-answers', token => $admin)->status,
    200, 'the table back: 200 again';

# Metric labels: thousands of distinct paths, a bounded set of labels.
my $clerk = $env->staff_token('clerk');
my %seen_status;
for my $i (1 .. 600) {
    my @reqs = (
        [ GET => "/api/v1/tickets/T2026$i" ],
        [ GET => "/api/v1/tickets/T$i/attachments/$i" ],
        [ GET => "/api/v1/no-such-$i" ],
        [ POST => "/api/v1/staff/tickets/X$i/reply", token => $clerk,
          body => { content => 'x' } ],
        [ GET => "/api/v1/cases/C$i/nodes" ],
    );
    for my $q (@reqs) {
        my ($method, $path, %o) = @$q;
        $seen_status{ $env->req($method => $path, %o)->status }++;
    }
}
note 'statuses: ', join ', ', map { "$_ x$seen_status{$_}" }
    sort keys %seen_status;

my $m = Liaison::Prometheus->parse($env->req(GET => '/metrics')->body);
my %labels = map { $_->{labels}{endpoint} => 1 }
    $m->series('liaison_http_requests_total');
my @unknown = grep { $_ ne 'other' && !$PATTERN{$_} } sort keys %labels;
is_deeply \@unknown, [], 'every endpoint label is a pattern or "other"';
ok keys(%labels) <= keys(%PATTERN) + 1,
    scalar(keys %labels) . ' labels for 3000+ distinct paths';
ok $labels{$_}, "label $_ counted"
    for 'tickets/{no}', 'tickets/{no}/attachments/{id}', 'other',
        'staff/tickets/{no}/reply', 'cases/{case_no}/nodes';
is $m->sum('liaison_http_requests_total', endpoint => 'tickets/{no}'), 600,
    'the 600 distinct ticket numbers are one series';
is $m->value('liaison_metrics_dropped_total') // 0, 0,
    'nothing dropped for want of room';

done_testing;
