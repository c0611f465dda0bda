#!/usr/bin/perl
# Journey A5/A7 (requests meet their cases): a request filed before its
# case reached the system is linked to the case — its judge and department
# — when the trial system's ingest brings it, so "dispatch to the case
# judge" works and the judge is alerted; when a process node of the case
# arrives, a party who verified on WeChat gets the subscribe message and a
# party who never subscribed but whose mobile the trial system sent gets an
# SMS; a party without either gets nothing, and nothing goes twice.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Litigant;
use Liaison::Tickets;
use Liaison::Worker;

my $CASE = '（2026）粤0115民初777号';
my $t = Liaison::Litigant->start(staff => [
    { username => 'platform', role => 'platform_staff', department => 'filing' },
    { username => 'judge', role => 'judge', department => 'civil',
      name => '李建国', mobile => '13700000001' } ]);
my $env = $t->env;
$t->store_access_token;
my $platform = $env->staff_token('platform');
my $NODE_T = $Liaison::Litigant::NODE_TEMPLATE;

# 1. A hotline request about a case the system does not know yet
my $r = $env->req(POST => '/api/v1/tickets', token => $platform,
    body => ticket_body(channel => 'hotline', category => 'contact_judge',
        case_no => $CASE, content => '来电人要求联系承办法官。',
        contact => { name => '张三', phone => '13800138000' }));
is $r->status, 201, 'a request about an unknown case' or diag $r->summary;
my $no = $r->json->{ticket_no};
my $row = $env->sql('SELECT case_id, department_id FROM tickets '
    . 'WHERE ticket_no = ?', $no)->[0];
ok !defined $row->{case_id}, '... not linked to a case yet';
$r = $env->req(POST => "/api/v1/staff/tickets/$no/dispatch",
    token => $platform, body => {});
is $r->status, 400, 'dispatch to "the case judge" is not possible yet';

# 2. The trial system sends the case: judge, parties, one mobile
$r = $t->ingest('/api/v1/ingest/cases', { cases => [ $t->case_body($CASE,
    judge_username => 'judge', parties => [
        { role => 'plaintiff', name => '张三',
          phone_hash => $t->phone_hash('13800138000') },
        { role => 'defendant', name => '李四', mobile => '13900139000' },
        { role => 'third_party', name => '王五' } ]) ] });
is $r->status, 200, 'the case arrives' or diag $r->summary;
my $case = $env->sql('SELECT id, department_id, judge_staff_id FROM cases '
    . 'WHERE case_no = ?', $CASE)->[0];
$row = $env->sql('SELECT case_id, department_id FROM tickets '
    . 'WHERE ticket_no = ?', $no)->[0];
is $row->{case_id}, $case->{id}, 'the waiting request is linked to it';
is $row->{department_id}, $case->{department_id}, '... and its department';
my ($linked) = grep { $_->{type} eq 'case_linked' } @{ $env->sql(
    'SELECT e.type FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id '
    . 'WHERE t.ticket_no = ?', $no) };
ok $linked, '... with an internal case_linked event';
is $env->sql_one("SELECT phone_hash FROM case_parties WHERE name = '李四'"),
    $t->phone_hash('13900139000'),
    'a party sent with a mobile gets its phone hash too';
$r = $t->ingest('/api/v1/ingest/cases', { cases => [ $t->case_body(
    '（2026）粤0115民初778号', parties => [ { role => 'plaintiff',
    name => '甲', mobile => '010-1234' } ]) ] });
is $r->status, 400, 'a mobile that is not one: 400';
is $r->error_field, 'cases[0].parties[0].mobile', '... naming it';

# 3. Dispatch to the case judge works now, and the judge hears of it
$r = $env->req(POST => "/api/v1/staff/tickets/$no/dispatch",
    token => $platform, body => {});
is $r->status, 200, 'dispatched to the case judge' or diag $r->summary;
is $env->sql_one('SELECT assignee_staff_id FROM tickets WHERE ticket_no = ?',
    $no), $case->{judge_staff_id}, '... the judge of the case';
is $env->sql_one("SELECT recipient FROM outbox WHERE kind = 'work_order' "
    . "AND channel = 'sms'"), '13700000001', '... who is alerted by SMS';

# 4. The plaintiff verifies on WeChat and subscribes to the case's nodes
my $lit = $t->login(1);
$r = $env->req(POST => $t->path("/api/v1/cases/$CASE/subscriptions"),
    token => $lit, body => { phone_code => 'p13800138000',
                             template_ids => [ $NODE_T ] });
is $r->status, 201, 'the plaintiff subscribes' or diag $r->summary;

# 5. A node arrives: WeChat for the subscriber, SMS for the unsubscribed
#    party with a mobile, nothing for the party with neither
$r = $t->ingest('/api/v1/ingest/case-nodes', { events => [ {
    event_id => 'ev-777-1', case_no => $CASE, type => 'hearing_scheduled',
    occurred_at => '2026-03-02T09:00:00+08:00',
    detail => '2026年3月20日9时第三法庭开庭' } ] });
is $r->status, 200, 'a hearing is scheduled' or diag $r->summary;
my $out = [ sort { $a->{channel} cmp $b->{channel} } @{ $env->sql(
    "SELECT channel, recipient, payload FROM outbox "
    . "WHERE kind = 'case_node'") } ];
is_deeply [ map { [ $_->{channel}, $_->{recipient} ] } @$out ],
    [ [ sms => '13900139000' ],
      [ wx_subscribe => Liaison::MockWeChat->openid(1) ] ],
    'a subscribe message to the plaintiff, an SMS to the defendant';
my $text = $t->json_col($out->[0]{payload})->{text};
like $text, qr/\Q$CASE\E.*有新进展：.*2026年03月02日.*第三法庭开庭/,
    'the SMS names the case, the node and its detail';

# the same event again changes nothing
$r = $t->ingest('/api/v1/ingest/case-nodes', { events => [ {
    event_id => 'ev-777-1', case_no => $CASE, type => 'hearing_scheduled',
    occurred_at => '2026-03-02T09:00:00+08:00' } ] });
is $r->status, 200, 'the event replayed';
is $env->sql_one("SELECT COUNT(*) FROM outbox WHERE kind = 'case_node'"), 2,
    '... sends nothing again';

# 6. The worker delivers: each party receives theirs
my $now = $env->sql_one("SELECT DATE_FORMAT(MAX(created_at) + INTERVAL 1 "
    . "MINUTE, '%Y-%m-%dT%H:%i:%s+08:00') FROM outbox");
my $res = Liaison::Worker->new($env, $t->mock)->once($now);
is $res->{rc}, 0, 'worker pass' or diag $res->{output};
my ($sms) = grep { ($_->{json}{mobile} // '') eq '13900139000' }
    $t->mock->delivered('sms');
like $sms->{json}{content} // '', qr/有新进展/, 'the defendant receives the SMS';
my ($sub) = grep { ($_->{json}{touser} // '') eq Liaison::MockWeChat->openid(1) }
    $t->mock->delivered('subscribe');
ok $sub, 'the plaintiff receives the subscribe message';

done_testing;
