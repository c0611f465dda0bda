#!/usr/bin/perl
# Attack suite (issue 14): the WeChat message-push callback in safe mode
# (AES), as production runs it.  Forged and stale signatures, a right
# outer signature with a wrong msg_signature, a replayed delivery, and
# XML tricks in the outer body and inside the envelope: DOCTYPE with an
# external entity (XXE), entity expansion (billion laughs), parameter
# entities, undefined entities, bad character references, comments,
# processing instructions, a second root, too many and too deep elements.
# Every forgery is 401 and every trick 400 (or 413), fast, and none
# writes a ticket or a push row or shows a file's bytes.  (The plaintext
# mode's replay is issue 14 point 3: t/80x.)

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Time::HiRes ();
use Liaison::Test;
use Liaison::Litigant;
use Liaison::MockWeChat;
use Liaison::WxPush;

my $TOKEN = 'SecTokenForPush0123';
my $APPID = $Liaison::MockWeChat::APPID;
my $keydir = File::Temp::tempdir('liaison-sec-XXXXXX', TMPDIR => 1,
    CLEANUP => 1);
sub spew { secret_file($keydir, @_) }
my $KEY = Liaison::WxPush->new_aes_key;
my $t = Liaison::Litigant->start(triage => 1,
    http => { liaison_wx_push_token_file => spew('token', "$TOKEN\n"),
              liaison_wx_push_aes_key_file => spew('aes', "$KEY\n") });
my $env = $t->env;
my $p = Liaison::WxPush->new(token => $TOKEN, appid => $APPID,
    aes_key => $KEY);
my $openid = Liaison::MockWeChat->openid(5);

sub count { $env->sql_one("SELECT COUNT(*) FROM $_[0]") }
sub state { join ',', map { count($_) } qw(tickets wx_push_messages
    ticket_events subscribe_consents) }

my $MSGID = 25000000000000000;
sub text_xml {
    my ($content, %o) = @_;
    return $p->xml(ToUserName => 'gh_0123456789ab', FromUserName => $openid,
        CreateTime => $o{ct} // time, MsgType => 'text', Content => $content,
        MsgId => $o{msgid} // $MSGID++);
}
sub post {
    my ($q, $body) = @_;
    my $t0 = Time::HiRes::time();
    my $r = $env->req(POST => "/api/v1/wx/push?$q", body => $body,
        headers => { 'Content-Type' => 'text/xml' });
    $r->{took} = Time::HiRes::time() - $t0;
    return $r;
}

# --- a genuine delivery works (so the refusals below are about the attack)

my ($q, $body) = $p->encrypted(text_xml('我想问一下诉讼费怎么交'));
my $r = post($q, $body);
is $r->status, 200, 'a genuine safe-mode text message: 200'
    or diag $r->summary;
is count('tickets'), 1, '... a ticket';

# --- the same delivery again (WeChat retries; an attacker replays) ------

my $s = state();
$r = post($q, $body);
is $r->status, 200, 'the same delivery replayed: answered';
is count('tickets'), 1, '... no second ticket';
is count("ticket_events WHERE type = 'message'"), 0,
    '... nor a follow-up message from the replay';

# --- forged signatures ----------------------------------------------------

my $xml = text_xml('伪造的消息');
my $enc = $p->envelope($xml);
my @FORGED = (
    [ 'another token', token => 'OtherToken0123456789' ],
    [ 'a stale timestamp', ts => time - 3600 ],
    [ 'a future timestamp', ts => time + 3600 ],
    [ 'a wrong msg_signature, a right signature',
      msg_signature => 'a' x 40 ],
    [ 'the msg_signature of another envelope',
      msg_signature => $p->signature(time, 'n1', $p->envelope('<xml/>')) ],
);
$s = state();
for my $f (@FORGED) {
    my ($what, %o) = @$f;
    my ($q, $body) = $p->encrypted($xml, envelope => $enc, %o);
    my $r = post($q, $body);
    is $r->status, 401, "forged: $what: 401" or diag $r->summary;
}
($q, $body) = $p->encrypted($xml, envelope => $enc);
$q =~ s/&msg_signature=[^&]*//;
$q =~ s/&encrypt_type=aes//;
$r = post($q, $body);
is $r->status, 403, 'safe mode without encrypt_type/msg_signature: 403'
    or diag $r->summary;
$r = post($p->query, $xml);
is $r->status, 403, 'a plaintext message when safe mode is configured: 403'
    or diag $r->summary;
($q, $body) = $p->encrypted($xml, envelope => $enc);
$q =~ s/&msg_signature=[^&]*//;
$r = post($q, $body);
ok $r->status == 400 || $r->status == 401, 'no msg_signature: refused'
    or diag $r->summary;
is state(), $s, 'no forgery wrote anything';

# --- XML tricks, in the outer body and inside the envelope --------------

my $head = '<xml><ToUserName>gh_0123456789ab</ToUserName>'
    . "<FromUserName>$openid</FromUserName><CreateTime>"
    . time . '</CreateTime><MsgType>text</MsgType>';
my $tail = '<MsgId>7100000000000000001</MsgId></xml>';
my $laughs = '<!DOCTYPE xml [<!ENTITY a "lol">'
    . join('', map { "<!ENTITY a$_ \"" . ("&a" . ($_ - 1 || '') . ';') x 10
        . '">' } 1 .. 9) . ']>';
$laughs =~ s/&a0;/&a;/g;
my @TRICKS = (
    [ 'XXE: an external entity', '<!DOCTYPE xml [<!ENTITY x SYSTEM '
      . '"file:///etc/passwd">]>' . $head . '<Content>&x;</Content>' . $tail ],
    [ 'XXE: an external DTD', '<!DOCTYPE xml SYSTEM "http://127.0.0.1:1/x'
      . '.dtd">' . $head . '<Content>hi</Content>' . $tail ],
    [ 'a parameter entity', '<!DOCTYPE xml [<!ENTITY % p SYSTEM '
      . '"file:///etc/passwd"> %p;]>' . $head . '<Content>x</Content>'
      . $tail ],
    [ 'billion laughs', $laughs . $head . '<Content>&a9;</Content>' . $tail ],
    [ 'an undefined entity', $head . '<Content>&x;</Content>' . $tail ],
    [ 'an entity without its ;', $head . '<Content>&amp</Content>' . $tail ],
    [ 'a NUL character reference', $head . '<Content>a&#0;b</Content>'
      . $tail ],
    [ 'a surrogate character reference', $head
      . '<Content>&#xD800;</Content>' . $tail ],
    [ 'a character reference beyond Unicode', $head
      . '<Content>&#x110000;</Content>' . $tail ],
    [ 'a control character', $head . "<Content>a\x01b</Content>" . $tail ],
    [ 'a comment', $head . '<!-- c --><Content>x</Content>' . $tail ],
    [ 'a processing instruction', $head . '<?php x ?><Content>x</Content>'
      . $tail ],
    [ 'an attribute', $head . '<Content a="1">x</Content>' . $tail ],
    [ 'mixed content', $head . '<Content>x<b>y</b>z</Content>' . $tail ],
    [ 'a second root', $head . '<Content>x</Content>' . $tail . '<xml/>' ],
    [ 'an unclosed CDATA', $head . '<Content><![CDATA[x</Content>' . $tail ],
    [ 'mismatched tags', $head . '<Content>x</Contents>' . $tail ],
    [ 'elements too deep', $head . ('<a>' x 50) . ('</a>' x 50)
      . '<Content>x</Content>' . $tail ],
    [ 'too many elements', $head . ('<a>1</a>' x 500)
      . '<Content>x</Content>' . $tail ],
    [ 'a field twice', $head . '<Content>x</Content><Content>y</Content>'
      . $tail ],
    [ 'not XML', 'hello' ],
    [ 'empty', '' ],
);
$s = state();
for my $trick (@TRICKS) {
    my ($what, $x) = @$trick;
    # inside a genuine envelope: only the XML parser stands in the way
    my ($q, $body) = $p->encrypted($x);
    my $r = post($q, $body);
    ok $r->status == 400 || $r->status == 413,
        "inside the envelope: $what: refused" or diag $r->summary;
    ok $r->{took} < 2, '... at once';
    unlike $r->body, qr/root:|lollol/, '... nothing expanded or read';

    # as the outer body, signed
    ($q) = $p->encrypted('<xml/>');
    $r = post($q, $x);
    ok $r->status == 400 || $r->status == 401 || $r->status == 413,
        "outer body: $what: refused" or diag $r->summary;
    unlike $r->body, qr/root:|lollol/, '... nothing expanded or read';
}
is state(), $s, 'no trick wrote anything';

# the predefined entities and character references are text, decoded once
# (another sender: a new ticket)
my $other = Liaison::MockWeChat->openid(6);
($q, $body) = $p->encrypted($head =~ s/\Q$openid\E/$other/r . '<Content>&lt;script&gt;&amp;lt;'
    . '&#25105;</Content>' . $tail);
$r = post($q, $body);
is $r->status, 200, 'predefined entities and a character reference: 200'
    or diag $r->summary;
is $env->sql_one('SELECT content FROM tickets ORDER BY id DESC LIMIT 1'),
    '<script>&lt;我', '... decoded exactly once, stored as text';

done_testing;
