#!/usr/bin/perl
# Journey A4-A6 (everyone hears about their request): a hotline caller and
# a web visitor without WeChat get an SMS with their number and query code
# when they register; with the code they add information and rate the
# answer; the judge or department a work order goes to is alerted at once
# on dispatch, transfer and on the caller's follow-up (SMS and WeCom, the
# WeCom id set through the accounts API); the caller gets an SMS when the
# request is answered or replied; feedback is possible once it is answered
# or replied, not only once closed.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Litigant;
use Liaison::Tickets;
use Liaison::Staff;
use Liaison::Worker;

my $t = Liaison::Litigant->start(staff => staff_cast());
my $env = $t->env;
my $S = staff_setup($env);

# one mobile each, so that who receives what is unambiguous
my %MOBILE = (judge1 => '13700000001', judge2 => '13700000002',
    leader2 => '13700000003', liaison2 => '13700000004',
    estaff => '13700000005', platform => '13700000006');
$env->sql('UPDATE staff SET mobile = NULL');
$env->sql('UPDATE staff SET mobile = ? WHERE username = ?', $MOBILE{$_}, $_)
    for keys %MOBILE;

my $CALLER = '13900139000';
my $w = Liaison::Worker->new($env, $t->mock);

# the worker runs a minute after the newest ticket (the clock of the
# requests), so that every message is due and nothing else is
sub deliver {
    my $now = $env->sql_one("SELECT DATE_FORMAT(MAX(created_at) + INTERVAL "
        . "1 MINUTE, '%Y-%m-%dT%H:%i:%s+08:00') FROM outbox");
    my $out = $w->once($now);
    Test::More::is($out->{rc}, 0, "worker pass at $now")
        or Test::More::diag($out->{output});
}

sub sms_to {
    my ($mobile) = @_;
    return map { $_->{json}{content} }
        grep { ($_->{json}{mobile} // '') eq $mobile }
        $t->mock->delivered('sms');
}

sub wecom_to {
    my ($user) = @_;
    return map { $_->{json}{text}{content} }
        grep { ($_->{json}{touser} // '') eq $user }
        $t->mock->delivered('wecom_send');
}

# 0. The administrator gives judge1 a WeCom id through the API
my $r = $env->req(PUT => '/api/v1/staff/accounts/' . sid($env, 'judge1'),
    token => tok($env, 'admin'), body => { wecom_userid => 'lijianguo' });
is $r->status, 200, 'sys_admin sets a WeCom id' or diag $r->summary;
$r = $env->req(GET => '/api/v1/staff/accounts', token => tok($env, 'admin'));
my ($j1) = grep { $_->{username} eq 'judge1' } @{ $r->json->{items} };
is $j1->{wecom_userid}, 'lijianguo', '... listed';
$r = $env->req(PUT => '/api/v1/staff/accounts/' . sid($env, 'judge1'),
    token => tok($env, 'admin'), body => { wecom_userid => 'bad id!' });
is $r->status, 400, 'a malformed WeCom id: 400';
is $r->error_field, 'wecom_userid', '... naming the field';
$r = $env->req(PUT => '/api/v1/staff/accounts/' . sid($env, 'judge1'),
    token => tok($env, 'judge1'), body => { wecom_userid => 'me' });
is $r->status, 403, 'a judge cannot set one';

# 1. A hotline call registered by the platform
$r = $env->req(POST => '/api/v1/tickets', token => tok($env, 'platform'),
    body => ticket_body(channel => 'hotline', category => 'contact_judge',
        case_no => CIVIL_CASE, content => '来电人要求联系承办法官了解开庭安排。',
        contact => { name => '钱七', phone => $CALLER }));
is $r->status, 201, 'a hotline request' or diag $r->summary;
my $no = $r->json->{ticket_no};
my $code = $r->json->{query_code};

my $reg = $env->sql("SELECT channel, recipient, payload FROM outbox "
    . "WHERE kind = 'ticket_registered'");
is scalar @$reg, 1, 'one registration message';
is $reg->[0]{channel}, 'sms', '... an SMS';
is $reg->[0]{recipient}, $CALLER, '... to the caller';
deliver();
my ($sms) = sms_to($CALLER);
like $sms // '', qr/已登记.*\Q$no\E.*查询码 \Q$code\E/,
    'the caller receives the number and the query code';

# a web visitor without WeChat, and a WeChat user (who hears on WeChat)
$r = $env->req(POST => '/api/v1/tickets', body => ticket_body(channel => 'web',
    content => '请问诉讼服务大厅可以复印材料吗？', contact => { name => '孙八',
    phone => '13900139001' }));
is $r->status, 201, 'a web request';
my $lit = $t->login(3);
$r = $env->req(POST => '/api/v1/tickets', token => $lit,
    body => ticket_body(channel => 'wechat', content => '请问大厅有没有饮水机？',
        contact => { name => '周九', phone => '13900139002' }));
is $r->status, 201, 'a WeChat request';
is_deeply [ map { $_->{recipient} } @{ $env->sql("SELECT recipient FROM "
    . "outbox WHERE kind = 'ticket_registered' ORDER BY id") } ],
    [ $CALLER, '13900139001' ],
    'registration SMS for the hotline caller and the web visitor, not for '
    . 'the WeChat user';

# 2. Dispatch to the case's judge: the judge is alerted at once
$r = act($env, 'platform', $no, dispatch => {});
is $r->status, 200, 'dispatched to the case judge' or diag $r->summary;
my $wo = $env->sql("SELECT channel, recipient FROM outbox WHERE kind = "
    . "'work_order' ORDER BY channel");
is_deeply [ map { [ $_->{channel}, $_->{recipient} ] } @$wo ],
    [ [ sms => $MOBILE{judge1} ], [ wecom => 'lijianguo' ] ],
    'a work-order alert to the judge by SMS and WeCom';
deliver();
like( (sms_to($MOBILE{judge1}))[0] // '', qr/新的工单 \Q$no\E.*前接收.*前答复/,
    'the judge receives the work order with its deadlines');
like( (wecom_to('lijianguo'))[0] // '', qr/\Q$no\E/,
    '... and on WeCom');

# 3. The caller adds information with the query code
$r = $env->req(POST => "/api/v1/tickets/$no/messages",
    body => { content => '补充：我下午三点后方便接电话。' });
is $r->status, 401, 'no token and no code: 401';
$r = $env->req(POST => "/api/v1/tickets/$no/messages",
    body => { content => '补充', query_code => 'ABCDEFGHJK' });
is $r->status, 404, 'a wrong code: 404 like an unknown ticket';
$r = $env->req(POST => "/api/v1/tickets/$no/messages",
    token => tok($env, 'judge1'),
    body => { content => '补充', query_code => $code });
is $r->status, 403, 'staff do not post as the caller';
$r = $env->req(POST => "/api/v1/tickets/$no/messages",
    body => { content => '补充：我下午三点后方便接电话。', query_code => $code });
is $r->status, 201, 'the caller adds information with the code'
    or diag $r->summary;
my ($msg) = grep { $_->{type} eq 'message' } @{ ticket_events($env, $no) };
is $msg->{actor_kind}, 'public', '... recorded as the public caller';
my $fm = $env->sql("SELECT channel, recipient FROM outbox WHERE kind = "
    . "'ticket_message' ORDER BY channel");
is_deeply [ map { [ $_->{channel}, $_->{recipient} ] } @$fm ],
    [ [ sms => $MOBILE{judge1} ], [ wecom => 'lijianguo' ] ],
    'the judge is alerted of the follow-up';
deliver();
like( (sms_to($MOBILE{judge1}))[-1] // '', qr/补充了信息：补充：我下午三点后/,
    '... and receives it, quoting the caller');

# 4. Feedback waits for an answer
$r = $env->req(POST => "/api/v1/tickets/$no/feedback",
    body => { rating => 5, query_code => $code });
is $r->status, 409, 'no feedback before the court answered';

# 5. The judge replies: the caller hears it by SMS
$r = act($env, 'judge1', $no, accept => {});
is $r->status, 200, 'accepted';
$r = act($env, 'judge1', $no, reply => { content => '开庭时间定于下周三上午九时，'
    . '地点第三法庭，传票已寄出。' });
is $r->status, 200, 'replied' or diag $r->summary;
is $r->json->{status}, 'replied', '... status replied';
deliver();
like( (sms_to($CALLER))[-1] // '', qr/\Q$no\E.*已答复：开庭时间定于下周三/,
    'the caller receives the reply by SMS');

# 6. Feedback once replied, with the code; once only
$r = $env->req(POST => "/api/v1/tickets/$no/feedback",
    body => { rating => 4, comment => '答复及时', query_code => $code });
is $r->status, 201, 'feedback with the code after the reply'
    or diag $r->summary;
is $env->sql_one('SELECT f.rating FROM ticket_feedback f JOIN tickets t '
    . 'ON t.id = f.ticket_id WHERE t.ticket_no = ?', $no), 4, '... stored';
$r = $env->req(POST => "/api/v1/tickets/$no/feedback",
    body => { rating => 5, query_code => $code });
is $r->status, 409, 'a second feedback: 409';

# 7. Transfer to a department with nobody assigned: its leader and liaison
$r = new_ticket($env, category => 'complaint', case => 'civil');
my $no2 = $r->{ticket_no};
act($env, 'platform', $no2, dispatch => {});
$r = act($env, 'judge1', $no2, transfer => {
    department => dept_id($env, 'criminal'), reason => '属刑事庭管辖' });
is $r->status, 200, 'transferred to the criminal division'
    or diag $r->summary;
my @to = map { $_->{recipient} } @{ $env->sql("SELECT o.recipient FROM "
    . "outbox o JOIN tickets t ON t.id = o.ticket_id WHERE t.ticket_no = ? "
    . "AND o.kind = 'work_order' AND o.channel = 'sms' AND o.id > (SELECT "
    . "MIN(id) FROM outbox WHERE kind = 'work_order' AND ticket_id = t.id)",
    $no2) };
is_deeply [ sort @to ], [ sort @MOBILE{qw(leader2 liaison2)} ],
    'the new department\'s leader and liaison are alerted, not its staff';

# 8. A simple request answered by the platform: the visitor hears it
my $web = $env->sql_one("SELECT ticket_no FROM tickets WHERE channel = 'web'");
$r = act($env, 'platform', $web, reply => { content => '大厅设有自助复印机。' });
is $r->status, 200, 'the platform answers the web visitor';
is $r->json->{status}, 'answered', '... answered';
deliver();
like( (sms_to('13900139001'))[-1] // '', qr/已答复：大厅设有自助复印机/,
    'the visitor receives the answer by SMS');
my $wcode = $env->sql_one('SELECT query_code FROM tickets WHERE ticket_no = ?',
    $web);
$r = $env->req(POST => "/api/v1/tickets/$web/feedback",
    body => { rating => 5, query_code => $wcode });
is $r->status, 201, 'feedback once answered, before it is closed';

done_testing;
