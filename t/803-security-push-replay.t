#!/usr/bin/perl
# Attack (issue 14, point 3): plaintext /wx/push, whose signature covers
# token, timestamp and nonce only.  A captured (timestamp, nonce,
# signature) replayed with another body within the time window is refused:
# no ticket filed in another user's name, no consent changed; WeChat's own
# retry (the same body) still answers "success" and changes nothing.
# Plaintext is refused unless liaison_wx_push_plaintext allows it.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use File::Temp ();
use Liaison::Test;
use Liaison::Litigant;
use Liaison::MockWeChat;
use Liaison::WxPush;

my $TOKEN = 'AAAAA';
my $keydir = File::Temp::tempdir('liaison-push-XXXXXX', TMPDIR => 1,
    CLEANUP => 1);
open my $fh, '>', "$keydir/token" or die $!;
print $fh "$TOKEN\n";
close $fh;
chmod 0600, "$keydir/token";

my $t = Liaison::Litigant->start(triage => 1,
    http => { liaison_wx_push_token_file => "$keydir/token",
              liaison_wx_push_plaintext => 'on' });
my $env = $t->env;
my $p = Liaison::WxPush->new(token => $TOKEN,
    appid => $Liaison::MockWeChat::APPID);
sub count { $env->sql_one("SELECT COUNT(*) FROM $_[0]") }
sub post {
    my ($q, $body) = @_;
    return $env->req(POST => "/api/v1/wx/push?$q", body => $body,
        headers => { 'Content-Type' => 'text/xml' });
}

my $attacker = Liaison::MockWeChat->openid(71);
my $victim = Liaison::MockWeChat->openid(72);
my $msgid = 25000000000000000;
sub text {
    my ($openid, $content) = @_;
    return $p->xml(ToUserName => 'gh_0123456789ab', FromUserName => $openid,
        CreateTime => time, MsgType => 'text', Content => $content,
        MsgId => ++$msgid);
}

# the attacker's own genuine message, as WeChat signs it
my $q = $p->query;
my $r = post($q, text($attacker, '我想咨询立案材料'));
is $r->body, 'success', 'a genuine plaintext message: success'
    or diag $r->summary;
is count("tickets t JOIN litigants l ON l.id = t.owner_litigant_id "
    . "WHERE l.openid = '$attacker'"), 1, '... its ticket';

# the same query string, another body: a text in the victim's name
$r = post($q, text($victim, '我要撤回我的诉求'));
is $r->status, 401, 'the seen signature with a forged text: 401'
    or diag $r->summary;
is $r->error_code, 'unauthenticated', '... unauthenticated';
is $r->error_field, 'nonce', '... naming the nonce';
is count("litigants WHERE openid = '$victim'"), 0,
    'no litigant made for the victim';
is count("tickets WHERE channel = 'wechat'"), 1, 'no ticket filed';

# a forged unsubscribe with the seen signature
$env->sql("INSERT INTO subscribe_consents (openid, template_id, remaining, "
    . "status, client_credits, created_at, updated_at) VALUES "
    . "(?, 'TPL_X_0123456789', 1, 'active', 0, NOW(), NOW())", $victim);
$r = post($q, $p->xml(FromUserName => $victim, CreateTime => time,
    MsgType => 'event', Event => 'unsubscribe'));
is $r->status, 401, 'the seen signature with a forged unsubscribe: 401';
is count("subscribe_consents WHERE openid = '$victim' "
    . "AND status = 'active'"), 1, 'the victim\'s consent is unchanged';

# WeChat's retry: the same query and the same body
my $body = text($attacker, '补充：我的案号是（2024）粤0115民初1号');
my $q2 = $p->query;
my $before = count('ticket_messages') + count('tickets');
for my $round (1, 2) {
    $r = post($q2, $body);
    is $r->body, 'success', "delivery $round of one message: success"
        or diag $r->summary;
}
is count('ticket_messages') + count('tickets'), $before + 1,
    'the retry changed nothing more';

# the same nonce with another timestamp is another signature: fine
my ($nonce) = $q2 =~ /nonce=(\w+)/;
$r = post($p->query(nonce => $nonce, ts => time + 1),
    text($attacker, '再补充一句'));
is $r->body, 'success', 'a nonce seen with another timestamp: success';

# seen pairs are kept for the window only (moved into the past here)
my $rows = count('wx_push_nonces');
ok $rows >= 3, "seen (timestamp, nonce) pairs are kept ($rows)";
$env->sql("UPDATE wx_push_nonces SET expires_at = '2020-01-01 00:00:00'");
post($p->query, text($attacker, '最后一句'));
is count('wx_push_nonces'), 1, 'expired pairs are deleted on the way';

# without liaison_wx_push_plaintext, plaintext messages are refused
$env->reload(http => { liaison_wx_push_plaintext => undef });
$r = post($p->query, text($attacker, '明文模式'));
is $r->status, 403, 'plaintext without liaison_wx_push_plaintext: 403'
    or diag $r->summary;
is $r->error_field, 'encrypt_type', '... asking for safe mode';
$r = $env->req(GET => '/api/v1/wx/push?' . $p->query(echostr => '42'));
is $r->body, '42', 'URL verification still works (it carries no message)';

done_testing;
