#!/usr/bin/perl
# The mini-program's message-push callback (GET|POST /api/v1/wx/push):
# URL verification, the subscribe-message events, retries that change
# nothing, customer-service text messages becoming a wechat ticket or a
# follow-up with an automatic reply (and the worker sending it to the
# mock), safe mode with the current and the previous key, tampered
# envelopes and bad signatures refused, configuration refused by nginx -t.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Litigant;
use Liaison::MockWeChat;
use Liaison::Worker;
use Liaison::WxPush;

my $TOKEN = 'AAAAA';
my $APPID = $Liaison::MockWeChat::APPID;
my ($TPL_A, $TPL_B) = ('TPL_REPLY_0123456789', 'TPL_NODE_0123456789');

my $keydir = File::Temp::tempdir('liaison-push-XXXXXX', TMPDIR => 1,
    CLEANUP => 1);
sub spew { secret_file($keydir, @_) }
my $token_file = spew('token', "$TOKEN\n");
my ($KEY, $OLD, $OTHER) = map { Liaison::WxPush->new_aes_key } 1 .. 3;
my $key_file = spew('aes', "$KEY\n");
my $old_file = spew('aes_old', "$OLD\n");

my $t = Liaison::Litigant->start(triage => 1,
    http => { liaison_wx_push_token_file => $token_file,
              liaison_wx_push_plaintext => 'on' });
my $env = $t->env;
my $p = Liaison::WxPush->new(token => $TOKEN, appid => $APPID,
    aes_key => $KEY);

my $n_msg = 0;
sub post {
    my ($body, %o) = @_;
    my $q = delete $o{query} // $p->query(%o);
    return $env->req(POST => "/api/v1/wx/push?$q", body => $body,
        headers => { 'Content-Type' => $o{type} // 'text/xml' });
}
sub count { $env->sql_one("SELECT COUNT(*) FROM $_[0]") }
# a DATETIME column's value (Beijing time) for a Unix time
sub bj { Liaison::Calendar->format_datetime($_[0] + 8 * 3600) }

# --- URL verification ---------------------------------------------------

for my $round (1, 2) {
    my $r = $env->req(GET => '/api/v1/wx/push?'
        . $p->query(echostr => '8052471398325613'));
    is $r->status, 200, "round $round: verification 200" or diag $r->summary;
    is $r->body, '8052471398325613', 'echostr answered verbatim';
    like $r->header('content-type'), qr{^text/plain}, 'as text/plain';
}
my $r = $env->req(GET => '/api/v1/wx/push?'
    . $p->query(echostr => '1', token => 'BBBBB'));
is $r->status, 401, 'verification with a bad signature: 401';
is $r->error_code, 'unauthenticated', '... unauthenticated';
$r = $env->req(GET => '/api/v1/wx/push?'
    . $p->query(echostr => '1', ts => time - 3600));
is $r->status, 401, 'a stale timestamp: 401';
$r = $env->req(GET => '/api/v1/wx/push?timestamp=' . time . '&echostr=1');
is $r->status, 400, 'no nonce: 400';
is $r->error_field, 'nonce', '... naming nonce';
$r = $env->req(GET => '/api/v1/wx/push?'
    . $p->query(echostr => '<script>'));
is $r->status, 400, 'an echostr that is not a plain token: 400';
$r = $env->req(PUT => '/api/v1/wx/push?' . $p->query, body => 'x');
is $r->status, 405, 'PUT: 405';

# --- events -------------------------------------------------------------

my $o1 = Liaison::MockWeChat->openid(61);
my $ct = time - 5;
my $popup = $p->xml(ToUserName => 'gh_0123456789ab', FromUserName => $o1,
    CreateTime => $ct, MsgType => 'event',
    Event => 'subscribe_msg_popup_event',
    List => [ 'SubscribeMsgPopupEvent', [
        { TemplateId => $TPL_A, SubscribeStatusString => 'accept',
          PopupScene => 2 },
        { TemplateId => $TPL_B, SubscribeStatusString => 'reject',
          PopupScene => 2 } ] ]);
sub consent {
    my ($openid, $tpl) = @_;
    my $rows = $env->sql('SELECT remaining, status, client_credits, '
        . 'push_credits, confirmed_at FROM subscribe_consents '
        . 'WHERE openid = ? AND template_id = ?', $openid, $tpl);
    return $rows->[0];
}
for my $round (1, 2, 3) {
    $r = post($popup);
    is $r->status, 200, "popup event, delivery $round: 200"
        or diag $r->summary;
    is $r->body, 'success', '... success';
}
is consent($o1, $TPL_A)->{remaining}, 1, 'accept: one send, once for 3 '
    . 'deliveries';
is consent($o1, $TPL_A)->{status}, 'active', '... active';
ok consent($o1, $TPL_A)->{confirmed_at}, '... confirmed by WeChat';
is consent($o1, $TPL_B)->{status}, 'rejected', 'reject: rejected';
is count("wx_push_messages WHERE openid = '$o1'"), 1, 'one push row';

# the mini-program reported the same acceptance first: not counted twice
my $o2 = Liaison::MockWeChat->openid(62);
$env->sql("INSERT INTO subscribe_consents (openid, template_id, remaining, "
    . "status, client_credits, created_at, updated_at) VALUES "
    . "(?, ?, 1, 'active', 1, NOW(), NOW())", $o2, $TPL_A);
$r = post($p->xml(FromUserName => $o2, CreateTime => $ct, MsgType => 'event',
    Event => 'subscribe_msg_popup_event', List => [ 'SubscribeMsgPopupEvent',
    [ { TemplateId => $TPL_A, SubscribeStatusString => 'accept' } ] ]));
is $r->body, 'success', 'popup after the client report';
is consent($o2, $TPL_A)->{remaining}, 1, '... the client\'s send confirmed, '
    . 'not doubled';
is consent($o2, $TPL_A)->{client_credits}, 0, '... its credit consumed';
# a second popup (another answer): one more send, credited to the push
$r = post($p->xml(FromUserName => $o2, CreateTime => $ct + 1,
    MsgType => 'event', Event => 'subscribe_msg_popup_event',
    List => [ 'SubscribeMsgPopupEvent',
    [ { TemplateId => $TPL_A, SubscribeStatusString => 'accept' } ] ]));
is consent($o2, $TPL_A)->{remaining}, 2, 'a second acceptance: 2 sends';
is consent($o2, $TPL_A)->{push_credits}, 1, '... ahead of the client';

# JSON format: the settings page switched a template off
$r = post(Liaison::Test::json_encode({ ToUserName => 'gh_0123456789ab',
    FromUserName => $o1, CreateTime => $ct + 10, MsgType => 'event',
    Event => 'subscribe_msg_change_event',
    List => [ { TemplateId => $TPL_A, SubscribeStatusString => 'reject' } ]
    }), type => 'application/json');
is $r->status, 200, 'change event (JSON): 200' or diag $r->summary;
is consent($o1, $TPL_A)->{status}, 'rejected', '... sending stops';
$r = post(Liaison::Test::json_encode({ FromUserName => $o1,
    CreateTime => $ct + 11, MsgType => 'event',
    Event => 'subscribe_msg_change_event',
    List => { TemplateId => $TPL_A, SubscribeStatusString => 'accept' } }),
    type => 'application/json');
is consent($o1, $TPL_A)->{status}, 'active', 'switched on again: active '
    . '(a send is left)';

# sent event: 10004 (the user refused) rejects, 0 changes nothing
$r = post($p->xml(FromUserName => $o1, CreateTime => $ct + 12,
    MsgType => 'event', Event => 'subscribe_msg_sent_event',
    List => [ 'SubscribeMsgSentEvent', [ { TemplateId => $TPL_A,
        MsgID => '1700827132819554304', ErrorCode => '0',
        ErrorStatus => 'success' } ] ]));
is $r->body, 'success', 'sent event (delivered): success';
is consent($o1, $TPL_A)->{status}, 'active', '... nothing changes';
$r = post($p->xml(FromUserName => $o1, CreateTime => $ct + 13,
    MsgType => 'event', Event => 'subscribe_msg_sent_event',
    List => [ 'SubscribeMsgSentEvent', [ { TemplateId => $TPL_A,
        MsgID => '1700827132819554305', ErrorCode => '10004',
        ErrorStatus => 'fail:user refuse to accept the msg' } ] ]));
is consent($o1, $TPL_A)->{status}, 'rejected', 'sent event 10004: rejected';

# unsubscribe: every consent of the user
$env->sql("UPDATE subscribe_consents SET status = 'active' "
    . "WHERE openid = ?", $o2);
$r = post($p->xml(FromUserName => $o2, CreateTime => $ct + 14,
    MsgType => 'event', Event => 'unsubscribe'));
is $r->body, 'success', 'unsubscribe: success';
is count("subscribe_consents WHERE openid = '$o2' AND status = 'active'"),
    0, '... nothing is sent to them any more';

# an event of no interest is recorded and answered
$r = post($p->xml(FromUserName => $o1, CreateTime => $ct + 15,
    MsgType => 'event', Event => 'user_enter_tempsession'));
is $r->body, 'success', 'another event: success';
is $env->sql_one("SELECT outcome FROM wx_push_messages WHERE event = "
    . "'user_enter_tempsession'"), 'ignored', '... recorded as ignored';

# --- refused messages ---------------------------------------------------

my $before = count('wx_push_messages');
$r = post($popup, token => 'WRONG');
is $r->status, 401, 'a message with a bad signature: 401';
$r = post($popup, ts => time - 1000);
is $r->status, 401, 'a stale timestamp: 401';
for my $bad ('<xml><FromUserName>x</FromUserName>',
             '<!DOCTYPE x [<!ENTITY a "b">]><xml>&a;</xml>',
             '<xml a="1"></xml>', '{"FromUserName":', 'plain text',
             $p->xml(FromUserName => 'o x', CreateTime => 1,
                     MsgType => 'text'),
             $p->xml(FromUserName => $o1, MsgType => 'text')) {
    $r = post($bad);
    is $r->status, 400, 'malformed message: 400';
    is $r->error_code, 'invalid_argument', '... invalid_argument';
}
$r = post('');
is $r->status, 400, 'an empty message: 400';
is count('wx_push_messages'), $before, 'nothing recorded for refused ones';

# --- customer-service text messages -------------------------------------

my $o3 = Liaison::MockWeChat->openid(63);
my $msgid = 24000000000000000;
sub text {
    my ($openid, $content, %o) = @_;
    $msgid++;
    return $p->xml(ToUserName => 'gh_0123456789ab', FromUserName => $openid,
        CreateTime => time, MsgType => 'text', Content => $content,
        MsgId => $o{msgid} // $msgid);
}
sub replies {
    my ($openid) = @_;
    return @{ $env->sql("SELECT payload, ticket_id FROM outbox WHERE "
        . "channel = 'wx_custom' AND recipient = ? ORDER BY id", $openid) };
}

my $first = text($o3, '请问我的案件什么时候开庭？');
my ($tickets0, $outbox0) = (count('tickets'), count('outbox'));
for my $round (1, 2) {
    $r = post($first);
    is $r->status, 200, "text, delivery $round: 200" or diag $r->summary;
    is $r->body, 'success', '... success';
}
is count('tickets'), $tickets0 + 1, 'one ticket for two deliveries';
my $tk = $env->sql('SELECT t.* FROM tickets t JOIN litigants l ON '
    . 'l.id = t.owner_litigant_id WHERE l.openid = ?', $o3)->[0];
is $tk->{channel}, 'wechat', 'a wechat ticket';
is $tk->{content}, '请问我的案件什么时候开庭？', 'with the text';
is $tk->{status}, 'registered', 'registered';
ok $tk->{due_at}, 'with a due time';
ok luhn_valid($tk->{ticket_no}), 'numbered from the sequence';
is $tk->{content_review}, 'pending', 'sent for the content check';
is $env->sql_one("SELECT COUNT(*) FROM ticket_events WHERE ticket_id = ? "
    . "AND type = 'registered'", $tk->{id}), 1, 'its registered event';
my @rep = replies($o3);
is scalar @rep, 1, 'one automatic reply';
my $pl = $t->json_col($rep[0]{payload});
is $pl->{touser}, $o3, '... to the sender';
is $pl->{msgtype}, 'text', '... a text message';
like $pl->{text}{content}, qr/已登记为诉求，编号 $tk->{ticket_no}，查询码 $tk->{query_code}/,
    '... saying where it went';
is $rep[0]{ticket_id}, $tk->{id}, '... linked to the ticket';
is $env->sql_one("SELECT outcome FROM wx_push_messages WHERE dedup_key = "
    . "'m:$msgid'"), 'ticket', 'recorded: ticket';

# the owner sees it in the mini-program
my $tok = $t->login(63);
$r = $env->req(GET => "/api/v1/tickets/$tk->{ticket_no}", token => $tok);
is $r->status, 200, 'the sender, logged in, sees the ticket';

# a second message: a follow-up on the open ticket
$r = post(text($o3, '补充：案号是（2026）粤0115民初201号'));
is $r->body, 'success', 'second text: success';
is count('tickets'), $tickets0 + 1, 'no new ticket';
is $env->sql_one('SELECT COUNT(*) FROM ticket_messages WHERE ticket_id = ?',
    $tk->{id}), 1, 'a follow-up message on it';
@rep = replies($o3);
like $t->json_col($rep[1]{payload})->{text}{content},
    qr/已补充到诉求 $tk->{ticket_no}，承办人员/, 'reply: added to the ticket';

# closed a day ago: reopened
$env->sql("UPDATE tickets SET status = 'closed', closed_at = ? WHERE id = ?",
    bj(time - 86400), $tk->{id});
$r = post(text($o3, '还没有收到材料'));
is $r->body, 'success', 'text after close: success';
is $env->sql_one('SELECT status FROM tickets WHERE id = ?', $tk->{id}),
    'reopened', 'the ticket closed a day ago is reopened';
@rep = replies($o3);
like $t->json_col($rep[2]{payload})->{text}{content}, qr/已重新办理/,
    'reply: reopened';

# closed 8 days ago: a new ticket
$env->sql("UPDATE tickets SET status = 'closed', closed_at = ? WHERE id = ?",
    bj(time - 8 * 86400), $tk->{id});
$r = post(text($o3, '另一个问题：诉讼费怎么交？'));
is count('tickets'), $tickets0 + 2, 'closed 8 days ago: a new ticket';
# a canned answer fits it (A4): answered on receipt, in the reply
my $fee = $env->sql("SELECT t.status, c.body FROM tickets t JOIN "
    . "canned_answers c ON c.id = t.canned_answer_id ORDER BY t.id DESC "
    . "LIMIT 1")->[0];
is $fee->{status}, 'answered', '... answered on receipt';
@rep = replies($o3);
like $t->json_col($rep[-1]{payload})->{text}{content},
    qr/已登记为诉求.*答复如下：\Q$fee->{body}\E/, '... the reply gives the answer';
is count("outbox WHERE kind = 'ticket_reply'"), 0,
    '... and no second notice of it';

# too long: recorded, answered, no ticket
$r = post(text($o3, '长' x 2001));
is $r->body, 'success', 'a text over 2000 characters: success';
is count('tickets'), $tickets0 + 2, '... no ticket';
@rep = replies($o3);
like $t->json_col($rep[-1]{payload})->{text}{content}, qr/未能受理/,
    '... a reply saying why';

# the worker sends the replies (cgi-bin/message/custom/send)
my $w = Liaison::Worker->new($env, $t->mock);
$t->store_access_token;
my $wr = $w->once(Liaison::Calendar->format_rfc3339(time + 8 * 3600 + 60));
is $wr->{rc}, 0, 'worker pass' or diag $wr->{output};
my @sent = $t->mock->delivered('custom');
is scalar @sent, scalar(replies($o3)), 'every reply delivered to the mock';
my $j = Liaison::Test::json_decode($sent[0]{body});
is $j->{touser}, $o3, '... to the sender';
like $j->{text}{content}, qr/\Q$tk->{ticket_no}\E/, '... the text';
is count("outbox WHERE channel = 'wx_custom' AND status <> 'sent'"), 0,
    'outbox rows sent';

# --- safe mode ----------------------------------------------------------

$env->reload(http => { liaison_wx_push_aes_key_file => "$key_file $old_file" });

my $o4 = Liaison::MockWeChat->openid(64);
my $evt = sub {
    my ($ct) = @_;
    return $p->xml(ToUserName => 'gh_0123456789ab', FromUserName => $o4,
        CreateTime => $ct, MsgType => 'event',
        Event => 'subscribe_msg_popup_event',
        List => [ 'SubscribeMsgPopupEvent', [ { TemplateId => $TPL_A,
            SubscribeStatusString => 'accept' } ] ]);
};
my ($q, $body) = $p->encrypted($evt->(time));
for my $round (1, 2) {
    $r = post($body, query => $q);
    is $r->status, 200, "safe mode, current key, delivery $round: 200"
        or diag $r->summary;
    is $r->body, 'success', '... success';
}
is consent($o4, $TPL_A)->{remaining}, 1, '... recorded once';
($q, $body) = $p->encrypted($evt->(time + 1), key => $OLD, format => 'json');
$r = post($body, query => $q, type => 'application/json');
is $r->status, 200, 'safe mode, previous key (JSON): 200'
    or diag $r->summary;
is consent($o4, $TPL_A)->{remaining}, 2, '... recorded';

# a text in safe mode makes a ticket too
($q, $body) = $p->encrypted(text(Liaison::MockWeChat->openid(65),
    '安全模式下的留言'));
$r = post($body, query => $q);
is $r->body, 'success', 'safe-mode text: success';
is $env->sql_one("SELECT COUNT(*) FROM tickets WHERE content = "
    . "'安全模式下的留言'"), 1, '... a ticket';

$before = count('wx_push_messages');
my %tamper = (
    'an unknown key' => [ key => $OTHER ],
    'another AppId' => [ appid => 'wx00000000000000ff' ],
    'a wrong length field' => [ length => 9999 ],
    'a bad pad byte' => [ pad => 0 ],
);
for my $what (sort keys %tamper) {
    ($q, $body) = $p->encrypted($evt->(time + 50), @{ $tamper{$what} });
    $r = post($body, query => $q);
    is $r->status, 400, "envelope with $what: 400" or diag $r->summary;
}
# a byte of the envelope changed after signing
my $enc = $p->envelope($evt->(time + 60));
($q) = $p->encrypted(undef, envelope => $enc);
(my $flipped = $enc) =~ s/^(.)/$1 eq 'A' ? 'B' : 'A'/e;
$r = post("<xml><Encrypt><![CDATA[$flipped]]></Encrypt></xml>", query => $q);
is $r->status, 401, 'a changed envelope: the msg_signature fails, 401';
$r = post($evt->(time + 70));
is $r->status, 403, 'plaintext while an EncodingAESKey is set: 403';
is count('wx_push_messages'), $before, 'none of them recorded';

# --- configuration ------------------------------------------------------

my %bad = (
    'a short token' => { liaison_wx_push_token_file => spew('t2', "AB\n") },
    'a token with symbols' =>
        { liaison_wx_push_token_file => spew('t3', "ab-cd\n") },
    'a missing token file' =>
        { liaison_wx_push_token_file => "$keydir/none" },
    'a bad EncodingAESKey' =>
        { liaison_wx_push_aes_key_file => spew('a2', "short\n") },
    'a key without the AppId' => { liaison_wx_appid => undef,
        liaison_wx_secret_file => undef,
        liaison_wx_push_aes_key_file => $key_file },
    'a key without the token' => { liaison_wx_push_token_file => undef,
        liaison_wx_push_aes_key_file => $key_file },
    'a window of 5s' => { liaison_wx_push_time_window => '5s' },
);
for my $what (sort keys %bad) {
    my ($rc, $out) = $env->nginx_t(http => $bad{$what});
    isnt $rc, 0, "nginx -t refuses $what";
    like $out, qr/\[emerg\].*liaison_wx_push/, '... naming the directive';
    unlike $out, qr/\Q$KEY\E|$TOKEN\b/, '... without the secret';
}

done_testing;
