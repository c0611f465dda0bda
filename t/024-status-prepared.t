#!/usr/bin/perl
# The public status read is prepared once per database connection (PREPARE
# lsn_status, then EXECUTE ... USING the number): the answers are those of
# the text read, a reused connection does not prepare it again, a new
# connection (after the server dropped the old ones) does, and a change of
# the tables under the statement does not break it.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Tickets;

my $env = Liaison::Test->start(staff => [
    { username => 'platform', role => 'platform_staff', department => 'filing' },
]);

sub counter {
    my ($name) = @_;
    return $env->root_sql_one('SELECT VARIABLE_VALUE FROM '
        . 'information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = ?', $name);
}

my $body = ticket_body(category => 'other',
    content => '请转告承办法官：我已补交证据材料。');
my $r = $env->req(POST => '/api/v1/tickets', body => $body);
is $r->status, 201, 'a request registered' or diag $r->summary;
my ($no, $code) = @{ $r->json }{qw(ticket_no query_code)};
my $path = "/api/v1/tickets/$no?query_code=$code";

# what staff read (the text statement) is what the public's shows of it
my $staff = $env->req(GET => "/api/v1/tickets/$no",
    token => $env->staff_token('platform'));
is $staff->status, 200, 'staff read: 200' or diag $staff->summary;

my $prepared = counter('COM_PREPARE_SQL');
my $executed = counter('COM_EXECUTE_SQL');

my ($ok, $same) = (0, 0);
my $first;
for my $i (1 .. 40) {
    my $s = $env->req(GET => $path);
    $ok++ if $s->status == 200;
    $first //= $s->json;
    $same++ if $s->body eq $env->req(GET => $path)->body;
}
is $ok, 40, '40 public reads: all 200';
is $same, 40, '... each the same answer as the next';
is $first->{ticket_no}, $no, '... of the ticket asked for';
is $first->{status}, $staff->json->{status}, '... its status as staff read it';
is_deeply [ map { $_->{type} } @{ $first->{timeline} } ],
    [ map { $_->{type} } grep { $_->{public} // 1 }
        @{ $staff->json->{timeline} } ],
    '... its public timeline as staff read it';
ok !exists $first->{assignee}, '... and none of what only staff see';

my $conns = $env->nginx_db_connections;
my $n_prep = counter('COM_PREPARE_SQL') - $prepared;
is counter('COM_EXECUTE_SQL') - $executed, 80,
    'each of the 80 reads one EXECUTE';
ok $n_prep >= 1 && $n_prep <= $conns,
    "prepared at most once per connection ($n_prep, $conns connections)";

# a wrong code and an unknown number: 404, the prepared way too
$r = $env->req(GET => "/api/v1/tickets/$no?query_code=AAAAAAAAAA");
is $r->status, 404, 'a wrong query code: 404';
(my $other = $no) =~ s/(\d)$/($1 + 1) % 10/e;
$r = $env->req(GET => "/api/v1/tickets/$other?query_code=$code");
is $r->status, 404, 'an unknown number: 404';

# the server drops nginx's connections: new ones prepare it again
my $ids = $env->sql('SELECT id FROM information_schema.processlist '
    . "WHERE user = 'liaison' AND id <> CONNECTION_ID()");
$env->root_do("KILL CONNECTION $_->{id}") for @$ids;
ok +(wait_until { $env->nginx_db_connections == 0 } 10),
    "nginx's connections gone";

$prepared = counter('COM_PREPARE_SQL');
$r = $env->req(GET => $path);
is $r->status, 200, 'after the server dropped them: 200'
    or diag $r->summary;
is $r->body, $env->req(GET => $path)->body, '... the same answer';
ok counter('COM_PREPARE_SQL') - $prepared >= 1,
    '... prepared again on a new connection';

# the tables change under the prepared statement: the server prepares it
# again by itself
$env->sql('ALTER TABLE tickets ADD COLUMN t024_probe INT NULL');
$env->sql('ALTER TABLE ticket_events ADD COLUMN t024_probe INT NULL');
$r = $env->req(GET => $path);
is $r->status, 200, 'after ALTER TABLE: 200' or diag $r->summary;
is_deeply $r->json, $first, '... the same answer';
$env->sql('ALTER TABLE tickets DROP COLUMN t024_probe');
$env->sql('ALTER TABLE ticket_events DROP COLUMN t024_probe');

is_deeply [ $env->bad_log_lines ], [], 'no error in the log';

done_testing;
