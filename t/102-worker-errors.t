#!/usr/bin/perl
# liaison-worker: every error of the reference handled as documented.
#   43101 -> failed, consent used up      47003 -> failed, field recorded
#   40003/40037/41030/43004/81013 -> failed (permanent), code recorded
#   40001/42001 (WeCom 40014) -> token refreshed, sent again once
#   -1, HTTP 5xx, timeouts, closed connections -> retry with backoff
#   45009 -> retried the next day; too many attempts -> dead

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::MockWeChat;
use Liaison::Worker;

my $NOW = '2026-03-02T10:00:00+08:00';
my $NOW_SQL = '2026-03-02 10:00:00';

my $env = Liaison::Test->start(no_nginx => 1);
my $mock = Liaison::MockWeChat->start;
my $w = Liaison::Worker->new($env, $mock, http_timeout => 1,
    connect_timeout => 1, lease => 30, backoff_base => 30,
    backoff_max => 600, max_attempts => 3);
my ($tpl, $tpl_node, $tpl_oa) = @Liaison::MockWeChat::TEMPLATES;

my $n = 0;
sub sub_msg {
    my (%o) = @_;
    my $openid = $o{openid} // Liaison::MockWeChat->openid(++$n);
    $w->consent(openid => $openid, template_id => $o{template} // $tpl,
        remaining => 3) unless $o{no_consent};
    return $w->outbox_add(channel => 'wx_subscribe', recipient => $openid,
        template_id => $o{template} // $tpl,
        payload => { data => { thing1 => '已答复' },
            (defined $o{page} ? (page => $o{page}) : ()) });
}

sub secs { my ($a, $b) = @_; return _t($b) - _t($a) }
sub _t {
    my ($s) = @_;
    my ($y, $mo, $d, $h, $mi, $se) = $s =~ /(\d+)/g;
    require Time::Local;
    return Time::Local::timegm($se, $mi, $h, $d, $mo - 1, $y);
}

# first pass fetches the tokens
$w->once($NOW);

# --- 43101: consent used up --------------------------------------------
{
    my $openid = Liaison::MockWeChat->openid(900);
    my $id = sub_msg(openid => $openid);
    $mock->configure(refused_openids => [ $openid ]);
    $w->once($NOW);
    my $o = $w->outbox($id);
    is $o->{status}, 'failed', '43101: failed';
    is $o->{last_code}, '43101', '43101: code recorded';
    my $c = $env->sql('SELECT * FROM subscribe_consents WHERE openid = ?',
        $openid)->[0];
    is $c->{status}, 'used_up', '43101: consent marked used_up';
    is $c->{remaining}, 0, '43101: remaining 0';
    $mock->configure(refused_openids => []);
}

# --- 47003: the field is recorded ---------------------------------------
{
    my $id = sub_msg();
    $mock->script('subscribe', errcode => 47003,
        errmsg => 'argument invalid! data.thing3.value invalid rid: 1');
    $w->once($NOW);
    my $o = $w->outbox($id);
    is $o->{status}, 'failed', '47003: failed';
    is $o->{last_code}, '47003', '47003: code';
    like $o->{last_error}, qr/^field thing3: /, '47003: field recorded';
    is $env->sql_one('SELECT remaining FROM subscribe_consents WHERE '
        . 'openid = ?', $o->{recipient}), 3,
        '47003: the consent taken is given back';
}

# --- permanent errors, provoked the real way -----------------------------
{
    my $bad_openid = $w->outbox_add(channel => 'wx_subscribe',
        recipient => 'not-an-openid', template_id => $tpl,
        payload => { data => { thing1 => 'x' } });
    $w->consent(openid => 'not-an-openid', template_id => $tpl,
        remaining => 1);
    my $bad_tpl = sub_msg(template => 'TPL_UNKNOWN');
    my $bad_page = sub_msg(page => 'bad/page');
    my $unfollowed = Liaison::MockWeChat->openid(901);
    $mock->configure(unfollowed => [ $unfollowed ],
        wecom_invalid => [ 'GoneUser' ]);
    my $oa = $w->outbox_add(channel => 'wx_template', recipient => $unfollowed,
        template_id => $tpl_oa, payload => { data => { first => 'x' } });
    my $wc = $w->outbox_add(channel => 'wecom', recipient => 'GoneUser',
        payload => { text => '提醒' });
    $w->once($NOW);
    for ([ $bad_openid, '40003' ], [ $bad_tpl, '40037' ],
         [ $bad_page, '41030' ], [ $oa, '43004' ], [ $wc, '81013' ]) {
        my $o = $w->outbox($_->[0]);
        is $o->{status}, 'failed', "$_->[1]: failed";
        is $o->{last_code}, $_->[1], "$_->[1]: code recorded";
        is $o->{attempts}, 1, "$_->[1]: no retry";
    }
}

# --- 40001 / 42001: refresh the token, send again once -------------------
for my $mode ('invalid', 'expired') {
    my $code = $mode eq 'invalid' ? '40001' : '42001';
    my $tokens = scalar $mock->calls('stable_token');
    my $id = sub_msg();
    $mock->expire_token('wx', $mode);
    $w->once($NOW);
    my $o = $w->outbox($id);
    is $o->{status}, 'sent', "$code: sent after a refresh";
    is scalar($mock->calls('stable_token')), $tokens + 1,
        "$code: one stable_token call";
    my @a = $w->attempts($id);
    is_deeply [ map { "$_->{result}:" . ($_->{code} // '') } @a ],
        [ "token:$code", 'sent:0' ], "$code: attempts token then sent";
}

# the same for WeCom (40014 invalid, 42001 expired)
for my $mode ('invalid', 'expired') {
    my $code = $mode eq 'invalid' ? '40014' : '42001';
    my $id = $w->outbox_add(channel => 'wecom', recipient => 'LiJianGuo',
        payload => { text => '提醒' });
    $mock->expire_token('wecom', $mode);
    $w->once($NOW);
    is $w->outbox($id)->{status}, 'sent', "wecom $code: sent after refresh";
    is join(',', map { $_->{result} } $w->attempts($id)), 'token,sent',
        "wecom $code: token then sent";
}

# a token refused twice: an ordinary retry, not a loop
{
    my $id = sub_msg();
    $mock->script('subscribe', errcode => 40001, count => 2);
    $w->once($NOW);
    my $o = $w->outbox($id);
    is $o->{status}, 'pending', 'token refused twice: pending';
    is $o->{last_code}, '40001', 'token refused twice: code';
    is join(',', map { $_->{result} } $w->attempts($id)), 'token,retry',
        'token refused twice: token, retry';
}

# --- transient: -1, 5xx, timeout, closed connection -----------------------
{
    my %cases = (
        'errcode -1' => [ errcode => -1, errmsg => 'system error' ],
        'HTTP 502' => [ http_status => 502 ],
        'HTTP 503' => [ http_status => 503 ],
        'timeout' => [ hang => 1 ],
        'connection closed' => [ close => 1 ],
    );
    for my $name (sort keys %cases) {
        $env->sql("UPDATE outbox SET status = 'failed' WHERE status = "
            . "'pending'");
        my $id = sub_msg();
        $mock->script('subscribe', @{ $cases{$name} });
        $w->once($NOW);
        my $o = $w->outbox($id);
        is $o->{status}, 'pending', "$name: pending again";
        is $o->{attempts}, 1, "$name: one attempt counted";
        my $d = secs($NOW_SQL, $o->{next_attempt_at});
        ok $d >= 15 && $d <= 30, "$name: backoff 15..30 s (got $d)";
        like $o->{last_code}, $name eq 'timeout' ? qr/^timeout$/
            : $name eq 'connection closed' ? qr/^network$/
            : qr/^(-1|http_50[23])$/, "$name: code $o->{last_code}";
        is $env->sql_one('SELECT remaining FROM subscribe_consents WHERE '
            . 'openid = ?', $o->{recipient}), 3, "$name: consent given back";

        # not before its time ...
        $w->once('2026-03-02T10:00:14+08:00');
        is $w->outbox($id)->{attempts}, 1, "$name: not retried early";
        # ... then it goes
        $w->once('2026-03-02T10:00:31+08:00');
        is $w->outbox($id)->{status}, 'sent', "$name: sent on retry";
    }
}

# --- backoff doubles, then dead after max_attempts (3) -------------------
{
    $env->sql("UPDATE outbox SET status = 'failed' WHERE status = 'pending'");
    my $id = $w->outbox_add(channel => 'sms', recipient => '13900139001',
        payload => { text => '测试' });
    $mock->script('sms', http_status => 500, count => 3);
    $w->once($NOW);
    my $o = $w->outbox($id);
    my $d1 = secs($NOW_SQL, $o->{next_attempt_at});
    ok $d1 >= 15 && $d1 <= 30, "sms 500 #1: backoff 15..30 ($d1)";
    $w->once('2026-03-02T10:01:00+08:00');
    $o = $w->outbox($id);
    my $d2 = secs('2026-03-02 10:01:00', $o->{next_attempt_at});
    ok $d2 >= 30 && $d2 <= 60, "sms 500 #2: backoff doubled 30..60 ($d2)";
    $w->once('2026-03-02T10:05:00+08:00');
    $o = $w->outbox($id);
    is $o->{status}, 'dead', 'sms 500 x3: dead after max_attempts';
    is $o->{attempts}, 3, 'three attempts';
    is join(',', map { $_->{result} } $w->attempts($id)),
        'retry,retry,dead', 'attempt log: retry, retry, dead';
}

# --- 45009: tomorrow -------------------------------------------------------
{
    my $id = sub_msg();
    $mock->script('subscribe', errcode => 45009, errmsg => 'reach max api '
        . 'daily quota limit');
    $w->once($NOW);
    my $o = $w->outbox($id);
    is $o->{status}, 'pending', '45009: pending';
    like $o->{next_attempt_at}, qr/^2026-03-03 00:0\d:\d\d$/,
        "45009: next day 00:00..00:10 ($o->{next_attempt_at})";
    $w->once('2026-03-02T23:59:59+08:00');
    is $w->outbox($id)->{attempts}, 1, '45009: not retried the same day';
    $w->once('2026-03-03T00:10:00+08:00');
    is $w->outbox($id)->{status}, 'sent', '45009: sent the next day';
}

# --- SMS gateway: refused and wrong credentials ----------------------------
{
    my $bad = $w->outbox_add(channel => 'sms', recipient => '12345',
        payload => { text => '测试' });
    $w->once($NOW);
    my $o = $w->outbox($bad);
    is $o->{status}, 'failed', 'sms refused by the gateway: failed';
    is $o->{last_code}, 'rejected', 'sms refused: code rejected';
    like $o->{last_error}, qr/1001/, 'sms refused: the gateway answer kept';
}

# --- a broken payload ------------------------------------------------------
{
    my $id = $w->outbox_add(channel => 'wecom', recipient => 'X',
        payload => { nottext => 1 });
    $w->once($NOW);
    is $w->outbox($id)->{last_code}, 'bad_payload', 'bad payload: failed';
}

# a worker without SMS settings leaves SMS to a worker that has them
{
    my $w2 = Liaison::Worker->new($env, $mock, sms_url => undef);
    my $id = $w2->outbox_add(channel => 'sms', recipient => '13900139002',
        payload => { text => 'x' });
    my $r = $w2->once($NOW);
    my $o = $w2->outbox($id);
    is $o->{status}, 'pending', 'no SMS settings: the message stays pending';
    is $o->{attempts}, 0, 'no SMS settings: never claimed';
    like $r->{output}, qr/1 sms message\(s\) wait for a worker with sms /,
        'no SMS settings: the log says what waits';
    $w->once($NOW);
    is $w->outbox($id)->{status}, 'sent', 'a worker with SMS settings sends it';
}

unlike $w->log_text, qr/13900139001/, 'phone numbers masked in the log';
like $w->log_text, qr/139\*\*\*\*9001/, 'masked phone in the log';

done_testing;
