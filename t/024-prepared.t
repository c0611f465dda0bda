#!/usr/bin/perl
# The busiest statements are prepared once per database connection
# (_prepared.c): the public status read (PREPARE lsn_status, then EXECUTE
# ... USING the number) answers as the text read does, a reused connection
# does not prepare it again, a new connection (after the server dropped the
# old ones) does, and a change of the tables under it does not break it;
# the rows every intake writes (key, ticket with a case or without, first
# event, SMS) are EXECUTEd, prepared once per connection too.

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

# the rows every intake writes are prepared statements too: the key, the
# ticket (with a case number or without), its first event, the SMS
$env->sql("INSERT INTO cases (case_no, department_id, created_at, "
    . "updated_at) SELECT '（2026）粤0115民初24号', id, NOW(), NOW() "
    . 'FROM departments ORDER BY id LIMIT 1');
$prepared = counter('COM_PREPARE_SQL');
$executed = counter('COM_EXECUTE_SQL');
my $created = 0;
for my $i (1 .. 10) {
    my $b = $i % 2
        ? ticket_body(category => 'other', content => "停车场开放时间？（$i）")
        : ticket_body(category => 'contact_judge',
            case_no => '（2026）粤0115民初24号', content => "请转告法官（$i）");
    my $p = $env->req(POST => '/api/v1/tickets', body => $b,
        headers => { 'Idempotency-Key' => "t024-$i" });
    $created++ if $p->status == 201;
    diag $p->summary unless $p->status == 201;
}
is $created, 10, '10 intakes, with a case number and without: 201';
is counter('COM_EXECUTE_SQL') - $executed, 40,
    '... each 4 EXECUTEs (key, ticket, event, SMS)';
$n_prep = counter('COM_PREPARE_SQL') - $prepared;
$conns = $env->nginx_db_connections;
ok $n_prep <= 5 * $conns,
    "... at most the 5 statements prepared per connection ($n_prep, "
    . "$conns connections)";
is $env->sql_one('SELECT COUNT(*) FROM tickets t JOIN cases c ON '
    . 'c.id = t.case_id AND c.department_id = t.department_id '
    . "WHERE t.category = 'contact_judge'"), 5,
    "... a case's tickets linked to it and to its office";
is $env->sql_one("SELECT COUNT(*) FROM ticket_events e JOIN tickets t ON "
    . "t.id = e.ticket_id AND e.type = 'registered' WHERE t.content "
    . "LIKE '%（_）' OR t.content LIKE '%（10）'"), 10,
    '... each with its registered event';
is $env->sql_one("SELECT COUNT(*) FROM outbox o JOIN tickets t ON "
    . "t.id = o.ticket_id AND o.kind = 'ticket_registered' WHERE "
    . "t.content LIKE '%（_）' OR t.content LIKE '%（10）'"), 10,
    '... and its SMS';

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
