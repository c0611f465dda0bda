#!/usr/bin/perl
# liaison-worker: every channel delivers through the mock (subscribe and
# template messages, SMS, WeCom, content check); tokens are fetched once,
# stored for the module and never logged; values are cut to WeChat's
# limits; every attempt is recorded; consents are counted down.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::MockWeChat;
use Liaison::Worker;

my $NOW = '2026-03-02T10:00:00+08:00';

my $env = Liaison::Test->start(no_nginx => 1);
my $mock = Liaison::MockWeChat->start;
my $w = Liaison::Worker->new($env, $mock);
my ($tpl_reply, $tpl_node, $tpl_oa) = @Liaison::MockWeChat::TEMPLATES;

my $openid = Liaison::MockWeChat->openid(1);
$w->consent(openid => $openid, template_id => $tpl_reply, remaining => 2);

my $long = '您的诉求已由承办法官答复：请于下周一上午携带身份证原件到诉讼服务大厅'
    . '三号窗口领取材料';
my $sub = $w->outbox_add(channel => 'wx_subscribe', recipient => $openid,
    template_id => $tpl_reply, kind => 'ticket_reply', payload => {
        page => 'pages/ticket/detail?no=2603020001234',
        data => { thing1 => $long, character_string2 => '2603020001234',
                  time3 => '2026-03-02 09:30:00', phrase4 => '已答复并办结',
                  name5 => { value => '欧阳一二三四五六七八九' } } });
my $tpl = $w->outbox_add(channel => 'wx_template', recipient =>
    Liaison::MockWeChat->openid(2), template_id => $tpl_oa,
    kind => 'case_node', payload => {
        url => 'https://court.example/case',
        miniprogram => { appid => 'wxminiapp', pagepath => 'pages/case' },
        data => { first => '案件节点更新', keyword1 => '(2026)粤0115民初1号',
                  keyword2 => '审限延长' } });
my $sms = $w->outbox_add(channel => 'sms', recipient => '13900139000',
    kind => 'ticket_reply', payload => { text => '您的诉求已答复，请登录查看。' });
my $wecom = $w->outbox_add(channel => 'wecom', recipient => 'LiJianGuo',
    kind => 'ladder_warning', payload => { text => '工单2603020001234已超期' });
my $check = $w->outbox_add(channel => 'wx_sec_check', recipient => $openid,
    kind => 'content_check', payload => { content => '请问什么时候开庭？',
        scene => 2 });

my $r = $w->once($NOW);
is $r->{rc}, 0, 'once exits 0' or diag $r->{output};

for my $id ($sub, $tpl, $sms, $wecom, $check) {
    my $o = $w->outbox($id);
    is $o->{status}, 'sent', "outbox $id ($o->{channel}) sent"
        or diag explain $o;
    is $o->{attempts}, 1, "outbox $id: one attempt";
    is $o->{sent_at}, '2026-03-02 10:00:00', "outbox $id: sent_at is --now";
    ok !defined $o->{claimed_by}, "outbox $id: claim released";
    my @a = $w->attempts($id);
    is scalar @a, 1, "outbox $id: one delivery_attempts row";
    is $a[0]{result}, 'sent', "outbox $id: attempt result sent";
    is $a[0]{channel}, $o->{channel}, "outbox $id: attempt channel";
    is $a[0]{worker}, 'test-worker-1', "outbox $id: attempt worker";
}

# the subscribe message as WeChat saw it
my ($s) = $mock->delivered('subscribe');
ok $s, 'WeChat received the subscribe message';
my $d = $s->{json}{data};
is $d->{thing1}{value}, substr($long, 0, 19) . '…',
    'thing1 cut to 19 characters and an ellipsis';
is $d->{time3}{value}, '2026年3月2日 09:30', 'time3 in WeChat form';
is $d->{phrase4}{value}, '已答复并办', 'phrase4 cut to 5';
is $d->{name5}{value}, '欧阳一二三四五六七八', 'name5 cut to 10';
is $d->{character_string2}{value}, '2603020001234', 'character_string kept';
is $s->{json}{page}, 'pages/ticket/detail?no=2603020001234', 'page kept';
is $s->{json}{miniprogram_state}, 'formal', 'miniprogram_state formal';
is $s->{json}{lang}, 'zh_CN', 'lang zh_CN';
is $s->{json}{touser}, $openid, 'touser';

my ($t) = $mock->delivered('template');
is $t->{json}{client_msg_id}, "liaison-$tpl", 'template: client_msg_id';
is $t->{json}{miniprogram}{pagepath}, 'pages/case', 'template: miniprogram';
is $t->{json}{data}{keyword2}{value}, '审限延长', 'template: data kept';

my ($m) = $mock->delivered('sms');
is $m->{json}{mobile}, '13900139000', 'sms: mobile';
is $m->{json}{content}, '【南沙法院】您的诉求已答复，请登录查看。',
    'sms: signature + text';
is $m->{json}{account}, $Liaison::MockWeChat::SMS_ACCOUNT, 'sms: account';

my ($c) = $mock->delivered('wecom_send');
is $c->{json}{touser}, 'LiJianGuo', 'wecom: touser';
is $c->{json}{msgtype}, 'text', 'wecom: text';
is $c->{json}{agentid}, $Liaison::MockWeChat::AGENTID, 'wecom: agentid';
is $c->{json}{text}{content}, '工单2603020001234已超期', 'wecom: content';
is $c->{json}{enable_duplicate_check}, 1, 'wecom: duplicate check on';

my ($k) = $mock->delivered('sec_check');
is $k->{json}{version}, 2, 'sec_check: version 2';
is $k->{json}{scene}, 2, 'sec_check: scene';

# tokens: one stable_token and one gettoken, stored, not logged
is scalar($mock->calls('stable_token')), 1, 'one stable_token call';
is scalar($mock->calls('gettoken')), 1, 'one gettoken call';
my ($st) = $mock->calls('stable_token');
like $st->{body}, qr/"force_refresh":false/, 'stable_token: normal mode';
my $tok = $env->sql('SELECT * FROM access_tokens ORDER BY name');
is_deeply [ map { $_->{name} } @$tok ], [ 'wecom', 'wx_stable' ],
    'both tokens stored in access_tokens';
is $tok->[1]{expires_at}, '2026-03-02 12:00:00',
    'wx token expires_at = --now + expires_in';
my $log = $w->log_text;
for my $secret ($tok->[0]{token}, $tok->[1]{token},
        $Liaison::MockWeChat::SECRET, $Liaison::MockWeChat::CORPSECRET,
        $Liaison::MockWeChat::SMS_PASSWORD, '13900139000') {
    unlike $log, qr/\Q$secret\E/, 'log does not contain ' . substr($secret,
        0, 8) . '...';
}

# consent counted down
is $env->sql_one('SELECT remaining FROM subscribe_consents WHERE openid = ?',
    $openid), 1, 'consent: one send used';

# a second pass sends nothing again and fetches no token
$r = $w->once($NOW);
is $r->{rc}, 0, 'second pass exits 0';
is scalar($mock->calls('subscribe')), 1, 'nothing sent twice';
is scalar($mock->calls('stable_token')), 1, 'token reused, not refetched';

# the token is refreshed ahead of its expiry (5 minutes)
$r = $w->once('2026-03-02T11:55:01+08:00');
is scalar($mock->calls('stable_token')), 2,
    'token refreshed within token_refresh_ahead of expiry';

# the last consent, then none: no_consent without calling WeChat
my @ids = map {
    $w->outbox_add(channel => 'wx_subscribe', recipient => $openid,
        template_id => $tpl_reply, payload => { data => { thing1 => "第${_}条" } })
} 1 .. 2;
$w->once($NOW);
is $w->outbox($ids[0])->{status}, 'sent', 'last consent used';
is $w->outbox($ids[1])->{status}, 'failed', 'no consent left: failed';
is $w->outbox($ids[1])->{last_code}, 'no_consent', 'code no_consent';
is scalar($mock->calls('subscribe')), 2, 'WeChat not called without consent';
my $cs = $env->sql('SELECT * FROM subscribe_consents WHERE openid = ?',
    $openid)->[0];
is $cs->{status}, 'used_up', 'consent used_up';
is $cs->{remaining}, 0, 'remaining 0';

# content check verdicts land on the message / ticket
$env->sql("INSERT INTO tickets (ticket_no, query_code, channel, category, "
    . "track, status, content, created_at, due_at, updated_at) VALUES "
    . "('2603020009999', 'ABCDEFGHJK', 'wechat', 'other', 'ordinary', "
    . "'registered', 'x', '2026-03-02 09:00:00', '2026-03-04 09:00:00', "
    . "'2026-03-02 09:00:00')");
my $tid = $env->sql_one('SELECT id FROM tickets');
$env->sql("INSERT INTO ticket_messages (ticket_id, author_kind, content, "
    . "content_review, created_at) VALUES (?, 'litigant', '炸弹', 'pending', "
    . "'2026-03-02 09:00:00')", $tid);
my $mid = $env->sql_one('SELECT id FROM ticket_messages');
$w->outbox_add(channel => 'wx_sec_check', recipient => $openid,
    ticket_id => $tid, payload => { content => '我要放炸弹', scene => 2,
        ticket_id => $tid, message_id => $mid });
$w->once($NOW);
is $env->sql_one('SELECT content_review FROM ticket_messages WHERE id = ?',
    $mid), 'risky', 'sec_check: verdict on the message';
is $env->sql_one('SELECT content_review FROM tickets WHERE id = ?', $tid),
    'risky', 'sec_check: risky also marks the ticket';

done_testing;
