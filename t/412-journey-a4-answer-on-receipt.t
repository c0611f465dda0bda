#!/usr/bin/perl
# Journey A4 (接诉即答, answer on receipt): a simple request that one
# canned answer fits with confidence is answered at once — the intake
# answers "answered" with the answer, the timeline and the status page
# show it, a web visitor receives it by SMS (delivered by the worker), a
# WeChat user as a reply notice; what they add afterwards goes to staff.
# Complaints, a case of one's own and requests asking two things wait for
# a person.  The filing division's edits (body, keywords, a new answer,
# auto off, delete) take effect for the next request.
#
# One nginx worker process: an edit is seen at once by the process that
# made it and by the others within a minute (the cache's TTL), which a
# test cannot wait for without sleeping.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Litigant;
use Liaison::Tickets;
use Liaison::Staff;
use Liaison::Worker;

my $t = Liaison::Litigant->start(triage => 1, workers => 1,
    staff => staff_cast());
my $env = $t->env;
staff_setup($env);

my $VISITOR = '13900139100';
my $w = Liaison::Worker->new($env, $t->mock);

sub canned {
    my ($code) = @_;
    return $env->sql('SELECT * FROM canned_answers WHERE code = ?',
        $code)->[0];
}

sub intake {
    my (%o) = @_;
    my $token = delete $o{token};
    my $headers = delete $o{headers} || {};
    return $env->req(POST => '/api/v1/tickets', body => ticket_body(
        channel => 'web', category => 'consultation',
        contact => { name => '孙八', phone => $VISITOR }, %o),
        headers => $headers, $token ? (token => $token) : ());
}

sub outbox_of {
    my ($no) = @_;
    return $env->sql('SELECT o.* FROM outbox o JOIN tickets t '
        . 'ON t.id = o.ticket_id WHERE t.ticket_no = ? ORDER BY o.id', $no);
}

my $fee = canned('fee.pay');
ok $fee && $fee->{auto}, 'the starter set holds "fee.pay", automatic';

# 1. A web visitor asks how to pay the court fees
my $r = intake(content => '请问诉讼费怎么交？可以网上支付吗？');
is $r->status, 201, 'registered' or diag $r->summary;
my $j = $r->json;
my $no = $j->{ticket_no};
is $j->{status}, 'answered', 'answered on receipt';
is $j->{track}, 'simple', '... on the simple track';
is_deeply $j->{answer}, { content => $fee->{body}, canned_id => $fee->{id} },
    '... with the canned answer and its id';

my $row = ticket_row($env, $no);
is $row->{status}, 'answered', 'row: answered';
is $row->{canned_answer_id}, $fee->{id}, 'row: which answer';
is $row->{replied_at}, $row->{created_at}, 'row: answered when registered';
is $row->{first_handler_staff_id}, undef, 'row: no staff handled it';

my $ev = ticket_events($env, $no);
is_deeply [ map { $_->{type} } @$ev ], [ qw(registered answered) ],
    'timeline: registered, then answered';
is $ev->[1]{actor_kind}, 'system', '... by the system';
is $ev->[1]{actor_id}, undef, '... nobody in person';
is $ev->[1]{public}, 1, '... public';
is $ev->[1]{status_from}, 'registered', '... from registered';
is $ev->[1]{status_to}, 'answered', '... to answered';
is $ev->[1]{note}, $fee->{body}, '... with the answer';

# the visitor's status page
for my $round (1, 2) {
    $r = $env->req(GET => "/api/v1/tickets/$no?query_code=$j->{query_code}");
    is $r->status, 200, "round $round: the status page" or diag $r->summary;
    is $r->json->{status}, 'answered', "round $round: ... answered";
    my ($a) = grep { $_->{type} eq 'answered' } @{ $r->json->{timeline} };
    is $a->{note}, $fee->{body}, "round $round: ... showing the answer";
}

# staff have nothing left to do, but can find it
$r = $env->req(GET => '/api/v1/staff/tickets', token => tok($env, 'platform'));
ok !(grep { $_->{ticket_no} eq $no } @{ $r->json->{items} }),
    'not in the worklist of what waits';
$r = $env->req(GET => '/api/v1/staff/tickets?all=1&per_page=100',
    token => tok($env, 'platform'));
ok((grep { $_->{ticket_no} eq $no } @{ $r->json->{items} }),
    '... listed with the finished ones');

# one SMS: the number, the code and the answer (no separate registration)
my $o = outbox_of($no);
is_deeply [ map { [ $_->{channel}, $_->{kind}, $_->{recipient} ] } @$o ],
    [ [ sms => ticket_answered => $VISITOR ] ],
    'one SMS to the visitor, kind ticket_answered';
my $text = $t->json_col($o->[0]{payload})->{text};
like $text, qr/已登记并答复，编号 \Q$no\E，查询码 \Q$j->{query_code}\E/,
    '... with the number and the query code';
like $text, qr/答复：案件受理费由原告在立案时预交/, '... and the answer';

my $now = $env->sql_one("SELECT DATE_FORMAT(created_at + INTERVAL 1 MINUTE, "
    . "'%Y-%m-%dT%H:%i:%s+08:00') FROM tickets WHERE ticket_no = ?", $no);
my $out = $w->once($now);
is $out->{rc}, 0, 'worker pass' or diag $out->{output};
my ($sms) = grep { ($_->{json}{mobile} // '') eq $VISITOR }
    $t->mock->delivered('sms');
ok $sms, 'the SMS reaches the visitor';
like $sms->{json}{content} // '', qr/\Q$no\E.*答复：案件受理费/,
    '... with the answer';

# 2. A retried submission gets the same answer and makes no second ticket
my $body = ticket_body(channel => 'web', category => 'consultation',
    content => '受理费在哪里缴？', contact => { name => '孙八',
    phone => $VISITOR });
my $before = $env->counts;
my @r = map { $env->req(POST => '/api/v1/tickets', body => $body,
    headers => { 'Idempotency-Key' => 'a4-retry' }) } 1 .. 2;
is_deeply [ map { $_->status } @r ], [ 201, 201 ], 'a retried submission';
is $r[0]->json->{status}, 'answered', '... answered';
is_deeply $r[1]->json, $r[0]->json, '... the replay is the same answer';
is $env->counts->{tickets}, $before->{tickets} + 1, '... one ticket';

# 3. A WeChat user: the answer as a reply notice, no SMS
my $lit = $t->login(7);
$r = intake(token => $lit, channel => 'wechat',
    content => '起诉离婚需要准备什么材料？',
    contact => { name => '周九', phone => '13900139102' });
is $r->status, 201, 'a WeChat request' or diag $r->summary;
my $wno = $r->json->{ticket_no};
my $divorce = canned('filing.divorce');
is $r->json->{status}, 'answered', '... answered on receipt';
is $r->json->{answer}{canned_id}, $divorce->{id}, '... with filing.divorce';
for my $round (1, 2) {
    $r = $env->req(GET => '/api/v1/notifications', token => $lit);
    is $r->status, 200, "round $round: the notifications" or diag $r->summary;
    my ($n) = grep { $_->{ticket_no} eq $wno } @{ $r->json->{items} };
    is $n->{kind}, 'ticket_reply', "round $round: ... a reply notice";
    is $n->{data}{phrase2}, '已答复', "round $round: ... answered";
    is $n->{data}{thing3}, $divorce->{body}, "round $round: ... the answer";
}
is scalar(grep { $_->{channel} eq 'sms' } @{ outbox_of($wno) }), 0,
    '... and no SMS';

# what the user adds to an automatic answer goes to staff
$r = $env->req(POST => "/api/v1/tickets/$wno/messages", token => $lit,
    body => { content => '对方下落不明，还能起诉吗？' });
is $r->status, 201, 'the user adds a question' or diag $r->summary;
is $r->json->{status}, 'reopened', '... the request is reopened';
is ticket_row($env, $wno)->{status}, 'reopened', 'row: reopened';
$r = $env->req(GET => '/api/v1/staff/tickets', token => tok($env, 'platform'));
ok((grep { $_->{ticket_no} eq $wno } @{ $r->json->{items} }),
    '... and waits in the worklist');

# 4. What a person must read is not answered automatically
my %notice;
for my $c (
    [ '投诉：问诉讼费怎么交，窗口的人态度很差。', 'a complaint', 'complaint' ],
    [ '我的案子诉讼费怎么交？', 'a case of one\'s own' ],
    [ '诉讼费怎么交？开庭时间怎么查？', 'two questions' ],
    [ '请问诉讼费怎么交？', 'a request naming its case', undef,
      CIVIL_CASE ],
    [ '立案三个月了还没开庭，请尽快安排。', 'urging' ],
) {
    my ($content, $what, $cat, $case) = @$c;
    $r = intake(content => $content, $cat ? (category => $cat) : (),
        $case ? (case_no => $case) : ());
    is $r->status, 201, "$what: registered" or diag $r->summary;
    is $r->json->{status}, 'registered', "$what: not answered";
    ok !exists $r->json->{answer}, "$what: no answer in the response";
    my $tno = $r->json->{ticket_no};
    is_deeply [ map { $_->{type} } @{ ticket_events($env, $tno) } ],
        [ 'registered' ], "$what: nothing but the registration";
    $notice{$what} = [ map { $_->{kind} } grep { $_->{channel} eq 'sms' }
        @{ outbox_of($tno) } ];
}
is_deeply $notice{'a case of one\'s own'}, [ 'ticket_registered' ],
    'the visitor hears of the registration as before';

# 5. The filing division edits an answer: the next request gets the new text
my $filing = tok($env, 'filing');
my $new_body = '案件受理费可在“广州微法院”小程序在线交纳，也可到本院诉讼'
    . '服务大厅窗口交纳（测试更新）。';
$r = $env->req(PUT => "/api/v1/staff/canned-answers/$fee->{id}",
    token => $filing, body => { category => 'consultation',
    title => $fee->{title}, body => $new_body });
is $r->status, 200, 'filing_admin edits fee.pay' or diag $r->summary;
is canned('fee.pay')->{keywords}, $fee->{keywords},
    '... keywords kept when not given';
$r = intake(content => '诉讼费怎么交？');
is $r->json->{status}, 'answered', 'the next request is answered';
is $r->json->{answer}{content}, $new_body, '... with the new text';

# a new automatic answer, then its keywords changed
$r = $env->req(POST => '/api/v1/staff/canned-answers', token => $filing,
    body => { category => 'consultation', title => '自助一体机',
    body => '诉讼服务大厅的一体机可以查询案件、打印材料（测试）。',
    keywords => '一体机;怎么用|如何使用', auto => JSON::PP::true });
is $r->status, 201, 'filing_admin adds an automatic answer'
    or diag $r->summary;
my $kiosk_id = $r->json->{id};
$r = $env->req(GET => '/api/v1/staff/canned-answers?category=consultation',
    token => tok($env, 'judge1'));
my ($listed) = grep { $_->{id} == $kiosk_id } @{ $r->json->{items} };
is $listed->{keywords}, '一体机;怎么用|如何使用', '... listed with its keywords';
ok $listed->{auto}, '... and automatic';
$r = intake(channel => 'kiosk', content => '大厅的一体机怎么用？');
is $r->json->{answer}{canned_id}, $kiosk_id, '... and answers at once';

$r = $env->req(PUT => "/api/v1/staff/canned-answers/$kiosk_id",
    token => $filing, body => { category => 'consultation',
    title => '自助一体机', body => '诉讼服务大厅的自助机可以查询案件（测试）。',
    keywords => '自助机;怎么用' });
is $r->status, 200, 'its keywords changed' or diag $r->summary;
$r = intake(channel => 'kiosk', content => '大厅的一体机怎么用？');
is $r->json->{status}, 'registered', '... the old ones no longer answer';
$r = intake(channel => 'kiosk', content => '大厅的自助机怎么用？');
is $r->json->{answer}{canned_id}, $kiosk_id, '... the new ones do';

$r = $env->req(PUT => "/api/v1/staff/canned-answers/$kiosk_id",
    token => $filing, body => { category => 'consultation',
    title => '自助一体机', body => 'x', keywords => '自助机;;怎么用' });
is $r->status, 400, 'keywords that do not parse: 400';
is $r->error_field, 'keywords', '... naming the field';

# 6. sys_admin turns fee.pay's automatic answer off; a delete stops one
$r = $env->req(PUT => "/api/v1/staff/canned-answers/$fee->{id}",
    token => tok($env, 'admin'), body => { category => 'consultation',
    title => $fee->{title}, body => $new_body, auto => JSON::PP::false });
is $r->status, 200, 'sys_admin turns auto off' or diag $r->summary;
ok !canned('fee.pay')->{auto}, '... recorded';
$r = intake(content => '诉讼费怎么交？');
is $r->json->{status}, 'registered', 'the next fee question waits for staff';
$r = $env->req(GET => '/api/v1/staff/canned-answers?category=consultation',
    token => tok($env, 'platform'));
($listed) = grep { $_->{id} == $fee->{id} } @{ $r->json->{items} };
ok $listed && !$listed->{auto}, '... still offered to staff, not automatic';

$r = $env->req(DELETE => "/api/v1/staff/canned-answers/$kiosk_id",
    token => $filing);
is $r->status, 200, 'the new answer deleted';
$r = intake(channel => 'kiosk', content => '大厅的自助机怎么用？');
is $r->json->{status}, 'registered', '... and it answers no more';

done_testing;
