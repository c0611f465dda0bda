#!/usr/bin/perl
# Read batching of status reads (liaison_db_read_batch, issue 15).  One
# worker, one status statement at a time (liaison_db_read_batch 1 16): the
# test holds the tickets table, so the first read waits in the database and
# the next ones wait for it in the worker; released, they are read sixteen
# tickets to a statement.  Each request still gets its own ticket, and only
# with its own query code; a ticket asked for twice is read once; an
# unknown number or a wrong code is 404 as alone; a read waits no longer
# than liaison_db_queue_timeout; with "off" every read is its own statement.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Tickets;
use Liaison::Prometheus;

my $METRICS = "        location = /metrics { liaison_metrics on; }\n";

sub metric {
    my ($env, $name) = @_;
    my $r = $env->req(GET => '/metrics');
    return Liaison::Prometheus->parse($r->body)->value($name) // 0;
}

sub path { "/api/v1/tickets/$_[0]?query_code=$_[1]" }

# tickets made through the API: [ticket_no, query_code, content, phone]
sub make_tickets {
    my ($env, $n, $tag) = @_;
    my @t;
    for my $i (1 .. $n) {
        my $b = ticket_body(content => "${tag}第 $i 件",
            contact => { name => "当事人$i", phone => sprintf('139%08d', $i) });
        my $r = $env->req(POST => '/api/v1/tickets', body => $b);
        is $r->status, 201, "$tag $i is filed" or diag $r->summary;
        push @t, [ $r->json->{ticket_no}, $r->json->{query_code},
                   $b->{content}, $b->{contact}{phone} ];
    }
    return @t;
}

# status statements waiting for the tickets table (the processlist shows
# an EXECUTE as the prepared statement's text)
sub status_reads_waiting {
    my ($env) = @_;
    return $env->root_sql_one(
        "SELECT COUNT(*) FROM information_schema.processlist WHERE "
        . "state LIKE 'Waiting for table%' AND info LIKE "
        . "'%JOIN ticket_events e ON e.ticket_id = t.id "
        . "WHERE t.ticket_no IN (%'");
}

# the tickets table held; the first read waits on it in the database
sub hold {
    my ($env, $t, $tag) = @_;
    my $hold = $env->new_dbh(AutoCommit => 1);
    $hold->do('LOCK TABLES tickets WRITE');
    my $first = $env->req_start(GET => path(@$t[0, 1]));
    my $waits = wait_until { status_reads_waiting($env) > 0 } 20;
    ok $waits, "$tag: the first read waits for the tickets table";
    return ($hold, $first);
}

sub waiting_for {
    my ($env, $n, $tag) = @_;
    my $w;
    my $ok = wait_until {
        ($w = metric($env, 'liaison_db_pool_waiting')) == $n } 20;
    ok $ok, "$tag: $n reads wait (liaison_db_pool_waiting)"
        or diag "waiting: $w\n", join "\n", grep { /^liaison_db/ }
            split /\n/, $env->req(GET => '/metrics')->body;
}

sub release {
    my ($hold) = @_;
    $hold->do('UNLOCK TABLES');
    $hold->disconnect;
}

# its own ticket, as the public sees it
sub is_own {
    my ($r, $t, $name) = @_;
    is $r->status, 200, "$name: 200" or do { diag $r->summary; return };
    my $j = $r->json;
    is $j->{ticket_no}, $t->[0], "$name: its own ticket";
    is $j->{content}, $t->[2], '... its content';
    my $masked = substr($t->[3], 0, 3) . '****' . substr($t->[3], 7);
    is $j->{contact}{phone}, $masked, '... its own phone, masked';
    is_deeply [ map { $_->{type} } @{ $j->{timeline} } ], ['registered'],
        '... its own timeline';
}

sub is_404 {
    my ($r, $name) = @_;
    is $r->status, 404, "$name: 404" or diag $r->summary;
    is eval { $r->json->{error}{code} }, 'not_found', '... JSON not_found';
}

# ---- 1. twenty reads behind one: sixteen tickets to a statement
my $env = Liaison::Test->start(workers => 1,
    http => { liaison_db_read_batch => '1 16',
              liaison_db_queue_timeout => '60s',
              liaison_db_query_timeout => '60s' },
    server_extra => $METRICS);
my @t = make_tickets($env, 20, '批量查询的诉求');

my ($hold, $first) = hold($env, $t[0], 'round 1');
my @own = map { [ $t[$_], $env->req_start(GET => path(@{ $t[$_] }[0, 1])) ] }
    1 .. 16;                                    # sixteen tickets
my $twice = $env->req_start(GET => path(@{ $t[1] }[0, 1]));
my $wrong_code = $env->req_start(GET => path($t[17][0], $t[18][1]));
my $unknown = $env->req_start(GET => path('2501010099999', $t[17][1]));
waiting_for($env, 18, 'round 1');
release($hold);

is_own($first->wait(30), $t[0], 'round 1: the first read');
is_own($_->[1]->wait(30), $_->[0], "round 1: ticket $_->[0][0]") for @own;
is_own($twice->wait(30), $t[1], 'round 1: a ticket asked for twice');
is_404($wrong_code->wait(30), 'round 1: a wrong query code');
is_404($unknown->wait(30), 'round 1: an unknown number');

# the first alone; then sixteen tickets (seventeen reads), then the wrong
# code; a number that cannot be a ticket's (its check digit) is 404 unread
is metric($env, 'liaison_db_read_batches_total'), 3,
    'round 1: three statements read them';
is metric($env, 'liaison_db_batched_reads_total'), 19,
    '... nineteen reads';

# a client that leaves while its read waits harms no one
($hold, $first) = hold($env, $t[0], 'round 2');
my $gone = $env->req_start(GET => path(@{ $t[2] }[0, 1]));
my $stays = $env->req_start(GET => path(@{ $t[3] }[0, 1]));
waiting_for($env, 2, 'round 2');
close $gone->{sock};
release($hold);
is_own($first->wait(30), $t[0], 'round 2: the first read');
is_own($stays->wait(30), $t[3], 'round 2: the read that stayed');

# afterwards: reads one by one, as usual
is_own($env->req(GET => path(@{ $t[19] }[0, 1])), $t[19],
    'a read alone afterwards');
$env->stop;

# ---- 3. waiting longer than liaison_db_queue_timeout
$env = Liaison::Test->start(workers => 1,
    http => { liaison_db_read_batch => '1 16',
              liaison_db_queue_timeout => '1s',
              liaison_db_query_timeout => '60s' },
    server_extra => $METRICS,
    allow_log => [ qr/no read batch within the queue timeout/ ]);
@t = make_tickets($env, 4, '等待超时的诉求');
($hold, $first) = hold($env, $t[0], 'round 3');
my @late = map { $env->req_start(GET => path(@{ $t[$_] }[0, 1])) } 1 .. 3;
for my $p (@late) {
    my $r = $p->wait(30);
    is $r->status, 503, 'round 3: a read that waited past the queue '
        . 'timeout is 503' or diag $r->summary;
    is eval { $r->json->{error}{code} }, 'unavailable', '... JSON unavailable';
}
release($hold);
is_own($first->wait(30), $t[0], 'round 3: the one in the database');
like Liaison::Test::_slurp($env->error_log_file),
    qr/no read batch within the queue timeout/,
    'round 3: the error log says why';
$env->stop;

# ---- 4. off: every read its own statement, at once
# (eight connections: two of them are kept for requests that do not read
# the busy tables)
$env = Liaison::Test->start(workers => 1, pool_size => 8,
    http => { liaison_db_read_batch => 'off',
              liaison_db_query_timeout => '60s' },
    server_extra => $METRICS);
@t = make_tickets($env, 4, '不合并查询的诉求');
$hold = $env->new_dbh(AutoCommit => 1);
$hold->do('LOCK TABLES tickets WRITE');
my @each = map { [ $t[$_], $env->req_start(GET => path(@{ $t[$_] }[0, 1])) ] }
    0 .. 3;
my $in;
my $all_in = wait_until { ($in = status_reads_waiting($env)) == 4 } 20;
ok $all_in,
    'round 4 (off): four statements wait in the database, none in nginx'
    or diag "in the database: $in\n", join "\n", grep { /^liaison_db/ }
        split /\n/, $env->req(GET => '/metrics')->body;
release($hold);
is_own($_->[1]->wait(30), $_->[0], "round 4 (off): ticket $_->[0][0]")
    for @each;
is metric($env, 'liaison_db_read_batches_total'), 4,
    'round 4 (off): four statements';
is metric($env, 'liaison_db_batched_reads_total'), 4, '... for four reads';

done_testing;
