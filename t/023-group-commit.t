#!/usr/bin/perl
# Group commit of intake (liaison_db_group_commit, issue 15).  One worker,
# one transaction at a time (liaison_db_group_commit 1 16): the test holds
# the tickets table, so the first intake waits in the database and the
# next ones wait for it in the worker; released, they commit as one
# transaction.  Each still gets its own ticket, and every row of each
# (its event, its SMS with its number and code) belongs to it; a group with
# a replayed Idempotency-Key in it is rolled back and its members run
# alone, each with its own answer; a client that leaves while it waits
# harms no one; three complaints about one matter in one group are each
# filed under the matter, and the worker's next pass puts all three under
# supervision (A17) with one event and one alert each; an
# intake waits for a group no longer than
# liaison_db_queue_timeout, then gets 503 with nothing written.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Tickets;
use Liaison::Prometheus;
use Liaison::Staff;
use Liaison::Worker;

my $METRICS = "        location = /metrics { liaison_metrics on; }\n";
my $env = Liaison::Test->start(workers => 1, staff => staff_cast(),
    http => { liaison_db_group_commit => '1 16',
              liaison_db_queue_timeout => '60s' },
    server_extra => $METRICS);
staff_setup($env);
# A17 alerts go to the leader of the office answering for a ticket
$env->sql("UPDATE departments SET kind = 'filing', leader_staff_id = ? "
    . 'WHERE id = ?',
    sid($env, 'filing'), dept_id($env, 'filing'));

sub metric {
    my ($name) = @_;
    my $r = $env->req(GET => '/metrics');
    return Liaison::Prometheus->parse($r->body)->value($name) // 0;
}

# the tickets table held; the first intake waits on it in the database
sub hold {
    my ($tag) = @_;
    my $hold = $env->new_dbh(AutoCommit => 1);
    $hold->do('LOCK TABLES tickets WRITE');
    my $first = $env->req_start(POST => '/api/v1/tickets',
        body => ticket_body(content => "先到的诉求 $tag"));
    my $waits = wait_until { $env->root_sql_one(
        "SELECT COUNT(*) FROM information_schema.processlist WHERE "
        . "state LIKE 'Waiting for table%' AND info LIKE '%INTO tickets%'")
        > 0 } 20;
    ok $waits, "$tag: the first intake waits for the tickets table";
    return ($hold, $first);
}

sub waiting_for {
    my ($n, $tag) = @_;
    my $w;
    my $ok = wait_until { ($w = metric('liaison_db_pool_waiting')) == $n }
        20;
    ok $ok, "$tag: $n intakes wait for a group (liaison_db_pool_waiting)"
        or diag "waiting: $w";
}

sub release {
    my ($hold) = @_;
    $hold->do('UNLOCK TABLES');
    $hold->disconnect;
}

# ---- 1. eight intakes, three categories, committed as one
my ($hold, $first) = hold('round 1');
my (@bodies, @pending);
my @categories = qw(consultation complaint material);
for my $i (1 .. 8) {
    my $b = ticket_body(category => $categories[$i % 3],
        content => "一组提交的诉求第 $i 件",
        contact => { name => "当事人$i", phone => sprintf('139%08d', $i) });
    push @bodies, $b;
    push @pending, $env->req_start(POST => '/api/v1/tickets', body => $b);
}
waiting_for(8, 'round 1');
release($hold);

is $first->wait(30)->status, 201, 'round 1: the first intake is 201';
my %nos;
for my $i (0 .. 7) {
    my $r = $pending[$i]->wait(30);
    is $r->status, 201, "round 1: intake $i is 201" or diag $r->summary;
    my $j = $r->json or next;
    $nos{ $j->{ticket_no} }++;
    my $row = $env->sql(
        'SELECT id, query_code, content, category, contact_phone FROM '
        . 'tickets WHERE ticket_no = ?', $j->{ticket_no})->[0];
    ok $row, "round 1: ticket $j->{ticket_no} is stored" or next;
    my ($id, $code, $content, $category, $phone) =
        @$row{qw(id query_code content category contact_phone)};
    is $code, $j->{query_code}, '... with the query code it was given';
    is $content, $bodies[$i]{content}, '... the content that was sent';
    is $category, $bodies[$i]{category}, '... and its category';
    is $env->sql_one("SELECT COUNT(*) FROM ticket_events WHERE ticket_id = ?"
        . " AND type = 'registered'", $id), 1,
        '... its own registered event';
    my $sms = $env->sql(
        "SELECT recipient, JSON_VALUE(payload, '\$.text') AS text "
        . 'FROM outbox '
        . "WHERE ticket_id = ? AND channel = 'sms' AND kind IN "
        . "('ticket_registered', 'ticket_answered')", $id);
    is scalar @$sms, 1, '... one SMS to its contact' or next;
    is $sms->[0]{recipient}, $phone, '... to its own mobile';
    like $sms->[0]{text}, qr/\Q$j->{ticket_no}\E.*\Q$code\E/,
        '... with its own number and code';
}
is scalar(keys %nos), 8, 'round 1: eight different ticket numbers';
is metric('liaison_db_group_commits_total'), 1,
    'round 1: one transaction carried them';
is metric('liaison_db_grouped_total'), 8, '... all eight';
my $orphans = $env->sql_one('SELECT COUNT(*) FROM ticket_events e LEFT JOIN '
    . 'tickets t ON t.id = e.ticket_id WHERE t.id IS NULL');
is $orphans, 0, 'round 1: no event without its ticket';

# ---- 2. a replayed key and a conflicting one in a group
($hold, $first) = hold('round 2');
my $key = 'k-group-replay';
my $same = ticket_body(content => '带幂等键的诉求');
my $other = ticket_body(content => '同一个键的另一个诉求');
my @plain = map { ticket_body(content => "第二组的诉求第 $_ 件") } 1 .. 3;
@pending = (
    $env->req_start(POST => '/api/v1/tickets', body => $plain[0]),
    $env->req_start(POST => '/api/v1/tickets', body => $same,
        headers => { 'Idempotency-Key' => $key }),
    $env->req_start(POST => '/api/v1/tickets', body => $plain[1]),
    $env->req_start(POST => '/api/v1/tickets', body => $same,
        headers => { 'Idempotency-Key' => $key }),
    $env->req_start(POST => '/api/v1/tickets', body => $other,
        headers => { 'Idempotency-Key' => $key }),
    $env->req_start(POST => '/api/v1/tickets', body => $plain[2]),
);
waiting_for(6, 'round 2');
release($hold);

is $first->wait(30)->status, 201, 'round 2: the first intake is 201';
my @r = map { $_->wait(30) } @pending;
is $r[$_]->status, 201, "round 2: plain intake $_ is 201"
    for 0, 2, 5;
is $r[1]->status, 201, 'round 2: the first with the key is 201';
is $r[3]->status, 201, '... its replay in the same group too';
is $r[3]->json->{ticket_no}, $r[1]->json->{ticket_no},
    '... with the same ticket';
is $r[4]->status, 409, '... another body with the key is 409';
for my $b (@plain, $same) {
    is $env->sql_one('SELECT COUNT(*) FROM tickets WHERE content = ?',
        $b->{content}), 1, "round 2: one ticket \"$b->{content}\"";
}
is $env->sql_one('SELECT COUNT(*) FROM tickets WHERE content = ?',
    $other->{content}), 0, 'round 2: none for the conflicting body';
is metric('liaison_db_group_commits_total'), 1,
    'round 2: the failed group is not counted as committed';
like Liaison::Test::_slurp($env->error_log_file),
    qr/a group of 6 transactions failed at statement \d+: 1062; each runs again alone/,
    'round 2: the error log tells why they ran alone';

# ---- 3. a client that leaves while its intake waits
($hold, $first) = hold('round 3');
@pending = map { $env->req_start(POST => '/api/v1/tickets',
    body => ticket_body(content => "第三组的诉求第 $_ 件")) } 1 .. 3;
my $gone = $env->req_start(POST => '/api/v1/tickets',
    body => ticket_body(content => '等待中离开的诉求'));
waiting_for(4, 'round 3');
close $gone->{sock};
release($hold);
is $first->wait(30)->status, 201, 'round 3: the first intake is 201';
is $_->wait(30)->status, 201, 'round 3: a waiting intake is 201'
    for @pending;
ok metric('liaison_db_group_commits_total') == 2,
    'round 3: they committed as one';

# ---- 3b. three complaints about one matter (A17), in one group
($hold, $first) = hold('round 3b');
my @complaints = map { ticket_body(channel => 'hotline',
    category => 'complaint', content => "一组里的重复投诉第 $_ 件",
    contact => { name => '李四', phone => '13912340000' }) } 1 .. 3;
@pending = map { $env->req_start(POST => '/api/v1/tickets', body => $_,
    token => tok($env, 'platform')) } @complaints;
push @pending, $env->req_start(POST => '/api/v1/tickets',
    body => ticket_body(content => '同组里的普通诉求'));
waiting_for(4, 'round 3b');
release($hold);
is $first->wait(30)->status, 201, 'round 3b: the first intake is 201';
@r = map { $_->wait(30) } @pending;
is $_->status, 201, 'round 3b: a grouped intake is 201' for @r;
ok metric('liaison_db_group_commits_total') == 3,
    'round 3b: they committed as one';
is $env->sql_one("SELECT COUNT(*) FROM complaint_keys k JOIN tickets t ON "
    . "t.id = k.ticket_id WHERE k.match_key = 'p:13912340000' AND "
    . "t.content LIKE '一组里的重复投诉%'"), 3,
    'round 3b: each complaint filed under the matter';
Liaison::Worker->new($env, undef, deliver => 'off', ladder => 'off',
    bulletin => 'off', risk_stage_hours => 0, supervision_idle_days => 0,
    auto_close_days => 0, map { $_ => undef } qw(wx_appid wx_secret_file
    wecom_corpid wecom_secret_file wecom_agentid sms_url sms_account
    sms_secret_file))->supervise_complaints;
for my $i (0 .. 2) {
    my $no = eval { $r[$i]->json->{ticket_no} } // '';
    my $id = $env->sql_one('SELECT id FROM tickets WHERE ticket_no = ? '
        . 'AND supervised = 1', $no);
    ok $id, "round 3b: complaint $i ($no) is under supervision" or next;
    is $env->sql_one("SELECT COUNT(*) FROM ticket_events WHERE ticket_id = ?"
        . " AND type = 'supervised'", $id), 1, '... with one event';
    is $env->sql_one("SELECT recipient FROM outbox WHERE ticket_id = ? AND "
        . "kind = 'supervision' AND channel = 'sms'", $id),
        $env->sql_one('SELECT mobile FROM staff WHERE id = ?',
            sid($env, 'filing')), '... and its leader alerted by SMS';
}
is $env->sql_one('SELECT COUNT(*) FROM tickets WHERE content = ? AND '
    . 'supervised = 0', '同组里的普通诉求'), 1,
    'round 3b: the other intake of the group is not supervised';

# afterwards: intakes one by one, as usual
is $env->req(POST => '/api/v1/tickets', body => ticket_body())->status, 201,
    'an intake alone afterwards is 201';
$env->stop;

# ---- 4. waiting longer than liaison_db_queue_timeout
$env = Liaison::Test->start(workers => 1,
    http => { liaison_db_group_commit => '1 16',
              liaison_db_queue_timeout => '1s',
              liaison_db_query_timeout => '60s' },
    server_extra => $METRICS,
    allow_log => [ qr/no group commit within the queue timeout/ ]);
($hold, $first) = hold('round 4');
my @late = map { ticket_body(content => "等不到提交的诉求第 $_ 件") } 1 .. 3;
@pending = map { $env->req_start(POST => '/api/v1/tickets', body => $_) }
    @late;
for my $p (@pending) {
    my $r = $p->wait(30);
    is $r->status, 503, 'round 4: an intake that waited past the queue '
        . 'timeout is 503' or diag $r->summary;
    is eval { $r->json->{error}{code} }, 'unavailable', '... JSON unavailable';
}
release($hold);
is $first->wait(30)->status, 201, 'round 4: the one in the database is 201';
is $env->sql_one('SELECT COUNT(*) FROM tickets WHERE content = ?',
    $_->{content}), 0, "round 4: nothing stored for \"$_->{content}\""
    for @late;
like Liaison::Test::_slurp($env->error_log_file),
    qr/no group commit within the queue timeout/,
    'round 4: the error log says why';

done_testing;
