#!/usr/bin/perl
# Attack (issue 14, "secrets and codes never in logs"): a whole journey
# with nginx's error log at info and the worker's at debug -- staff log in
# with a password (and a wrong one), a web visitor and a hall caller
# register with phones and an ID number in the text, the query code is
# used in the query string and in bodies, staff and litigant bearer tokens
# are used (and forged ones refused), the trial system ingests a case with
# a party's mobile (signed, and once badly signed), a litigant logs in
# with a WeChat code and proves a phone with a phone code, WeChat pushes a
# message in safe mode (and a forged one is refused), staff search by
# phone, and the worker delivers the SMS (number and code), WeCom and
# subscribe messages it all made -- then every log file the environment
# wrote (nginx's error, access and stderr logs, the worker's log; not the
# mock's) is searched for each secret: the passwords, full phones, the ID
# number, query codes, bearer tokens, the token secret, the ingest and
# phone-hash keys, the push token and AES key, the WeChat codes,
# session_key, app secrets and access tokens, the database password.  t/807 covers query codes in the access
# log and the request line of nginx's own lines; this covers the rest.
#
# nginx's debug level is not tested: nginx itself writes the request's
# headers (Authorization) and arguments at debug, so it is never for
# production (docs/security.md).

use strict;
use warnings;
use utf8;
use lib 't/lib';
use File::Find ();
use File::Temp ();
use Liaison::Test;
use Liaison::Litigant;
use Liaison::Staff;
use Liaison::Worker;
use Liaison::MockWeChat;
use Liaison::WxPush;

my $PUSH_TOKEN = 'PushTokenForLogs0123';
my $AES = Liaison::WxPush->new_aes_key;
my $keydir = File::Temp::tempdir('liaison-838-XXXXXX', TMPDIR => 1,
    CLEANUP => 1);
my $t = Liaison::Litigant->start(staff => staff_cast(), triage => 1,
    http => { liaison_wx_push_token_file => _spew('token', "$PUSH_TOKEN\n"),
              liaison_wx_push_aes_key_file => _spew('aes', "$AES\n") });
my $env = $t->env;
my $S = staff_setup($env);
$env->allow_log(qr/failed login for staff/, qr/ingest refused/,
    qr/wx push message with a bad signature/,
    qr/client intended to send too large body/);

my $PW = $Liaison::Test::DEFAULT_PASSWORD;
my $WRONG = 'Wrong-Guess-7431';
my $ID = '44011519900307123X';
my %PHONE = (web => '13512345678', hall => '15987654321',
    party => '18611112222', verified => '13700137000',
    judge1 => '13700000001', liaison => '13700000004',
    platform => '13700000006', filing => '13700000007');
$env->sql('UPDATE staff SET mobile = NULL');
$env->sql('UPDATE staff SET mobile = ? WHERE username = ?', $PHONE{$_}, $_)
    for qw(judge1 liaison platform filing);
$env->sql('UPDATE staff SET wecom_userid = username');

my (@codes, @tokens, @jscodes);

# staff: a wrong password, then the right one
my $r = $env->req(POST => '/api/v1/staff/login',
    body => { username => 'platform', password => $WRONG });
is $r->status, 401, 'a wrong password: 401';
$r = $env->req(POST => '/api/v1/staff/login',
    body => { username => 'platform', password => $PW });
is $r->status, 200, 'the right password: 200';
my $staff = $r->json->{token};
push @tokens, $staff, map { tok($env, $_) } qw(judge1 filing);

# a web visitor and a hall caller, phones and an ID number in the text
$r = $env->req(POST => '/api/v1/tickets', body => { channel => 'web',
    category => 'complaint', case_no => CIVIL_CASE,
    content => "我的身份证号 $ID，电话 $PHONE{web}，请法官尽快联系我。",
    contact => { name => '张三', phone => $PHONE{web} } });
is $r->status, 201, 'a web request with a phone and an ID number';
my ($web, $wcode) = @{ $r->json }{qw(ticket_no query_code)};
push @codes, $wcode;
$r = $env->req(POST => '/api/v1/tickets', token => $staff, body => {
    channel => 'hall', category => 'consultation',
    content => "来电人身份证 $ID，问诉讼费怎么交",
    contact => { name => '李四', phone => $PHONE{hall} } });
is $r->status, 201, 'a hall registration by staff';
push @codes, $r->json->{query_code};

# the code in the query string, in bodies, wrong
is $env->req(GET => "/api/v1/tickets/$web?query_code=$wcode")->status, 200,
    'the status by query code';
is $env->req(GET => "/api/v1/tickets/$web?query_code=" . lc $wcode)->status,
    200, '... in lower case';
my $wrong = $wcode =~ /^2/ ? '3' . substr($wcode, 1) : '2' . substr($wcode, 1);
push @codes, $wrong;
is $env->req(GET => "/api/v1/tickets/$web?query_code=$wrong")->status, 404,
    'a wrong code: 404';
$r = $env->req(POST => "/api/v1/tickets/$web/messages",
    body => { content => "补充：我的手机 $PHONE{web}", query_code => $wcode });
is $r->status, 201, 'a follow-up with the code in the body';

# staff work: search by phone (a full number in the query string), dispatch
$r = $env->req(GET => "/api/v1/staff/tickets?q=$PHONE{web}", token => $staff);
is $r->status, 200, 'staff search by the phone';
is $r->json->{total}, 1, '... finds the request';
# nginx logs the request line of a body too large, before any handler:
# a phone, an ID number, a code with an encoded '=' in its arguments
$r = $env->req(POST => "/api/v1/staff/tickets?q=%2B86$PHONE{hall}&id=$ID"
    . "&query_code%3D$wcode&m=$PHONE{web}", token => $staff,
    body => 'x' x (2 * 1024 * 1024));
is $r->status, 413, 'a body too large with secrets in the URL: 413';
is act($env, 'platform', $web, dispatch => {})->status, 200,
    'dispatched to the case judge';
# forged and stale tokens are refused without echoing them
for my $bad ("$staff" . 'x', 'v1.s.' . ('A' x 60), substr($staff, 0, -4)) {
    push @tokens, $bad;
    is $env->req(GET => '/api/v1/staff/tickets', token => $bad)->status, 401,
        'a forged staff token: 401';
}

# the trial system: a party's mobile, signed; then a bad signature
my $case = '（2026）粤0115民初838号';
my $body = $t->case_body($case, parties => [ { role => 'plaintiff',
    name => '王五', mobile => $PHONE{party} }, { role => 'plaintiff',
    name => '赵六', phone_hash => $t->phone_hash($PHONE{verified}) } ]);
$r = $t->ingest('/api/v1/ingest/cases', { cases => [ $body ] });
is $r->status, 200, 'a case ingested with a party\'s mobile'
    or diag $r->summary;
$r = $t->ingest('/api/v1/ingest/cases', { cases => [ $body ] },
    key => 'not-the-key-0123456789abcdefghijklmnopq');
is $r->status, 401, 'a badly signed ingest: 401';

# WeChat: a login code, a phone code, a litigant token
my $jscode = $t->code(7);
push @jscodes, $jscode;
$r = $env->req(POST => '/api/v1/wx/login', body => { code => $jscode });
is $r->status, 200, 'a WeChat login';
my $lit = $r->json->{token};
push @tokens, $lit;
$r = $env->req(POST => '/api/v1/wx/login', body => { code => $jscode });
is $r->status, 400, 'the same code again: 400';
push @jscodes, 'bogus-js-code-4711';
is $env->req(POST => '/api/v1/wx/login',
    body => { code => 'bogus-js-code-4711' })->status, 400,
    'an unknown code: 400';
my $access = $t->store_access_token;
$r = $env->req(POST => '/api/v1/cases/' . _pct($case) . '/subscriptions',
    token => $lit, body => { phone_code => "p$PHONE{verified}",
        template_ids => [ $Liaison::Litigant::NODE_TEMPLATE ] });
is $r->status, 201, 'a case subscription proven by a phone code'
    or diag $r->summary;
push @jscodes, "p$PHONE{verified}";
$r = $env->req(POST => '/api/v1/tickets', token => $lit, body => {
    channel => 'wechat', category => 'other',
    content => "我是原告，电话 $PHONE{verified}，身份证 $ID" });
is $r->status, 201, 'a WeChat request with the litigant token';
push @codes, $r->json->{query_code};
is $env->req(GET => '/api/v1/tickets?mine=1', token => $lit)->status, 200,
    'the litigant\'s list';

# WeChat's push in safe mode: a text with a phone and an ID number, then
# a forged signature
my $push = Liaison::WxPush->new(token => $PUSH_TOKEN,
    appid => $Liaison::MockWeChat::APPID, aes_key => $AES);
my ($pq, $pbody) = $push->encrypted($push->xml(ToUserName => 'gh_0123456789ab',
    FromUserName => Liaison::MockWeChat->openid(8), CreateTime => time,
    MsgType => 'text', Content => "我的电话 $PHONE{verified}，身份证 $ID，"
        . '想问诉讼费怎么交', MsgId => 25000000000000838));
$r = $env->req(POST => "/api/v1/wx/push?$pq", body => $pbody,
    headers => { 'Content-Type' => 'text/xml' });
is $r->body, 'success', 'a safe-mode push with a phone and an ID number'
    or diag $r->summary;
($pq, $pbody) = $push->encrypted($push->xml(ToUserName => 'gh_0123456789ab',
    FromUserName => Liaison::MockWeChat->openid(8), CreateTime => time,
    MsgType => 'text', Content => 'x', MsgId => 25000000000000839),
    token => 'not-the-push-token');
$r = $env->req(POST => "/api/v1/wx/push?$pq", body => $pbody,
    headers => { 'Content-Type' => 'text/xml' });
is $r->status, 401, 'a push with a forged signature: 401';

# the worker delivers it all, logging at debug
my $w = Liaison::Worker->new($env, $t->mock, log_level => 'debug');
my $now = $env->sql_one("SELECT DATE_FORMAT(MAX(created_at) + INTERVAL "
    . "1 MINUTE, '%Y-%m-%dT%H:%i:%s+08:00') FROM outbox");
my $out = $w->once($now);
is $out->{rc}, 0, 'the worker pass' or diag $out->{output};
my @sms = $t->mock->delivered('sms');
ok((grep { ($_->{body} // '') =~ /\Q$wcode\E/ } @sms),
    'the SMS with the query code went out (the worker had it)')
    or diag explain \@sms;
ok((grep { ($_->{body} // '') =~ /\Q$PHONE{judge1}\E|\Q$PHONE{liaison}\E/ }
    @sms), '... and the alerts to staff mobiles');
push @tokens, $t->mock->current_token('wx'), $t->mock->current_token('wecom')
    // ();

# what must never be written
my %secret = (
    'the staff password' => [ $PW ],
    'a wrong password' => [ $WRONG ],
    'the ID number' => [ $ID ],
    'full phone numbers' => [ values %PHONE ],
    'query codes' => [ @codes, map { lc } @codes ],
    'bearer and access tokens' => [ grep { defined && length > 8 } @tokens ],
    'the token secret' => [ _secret($env->token_secret_file) ],
    'the ingest key' => [ $Liaison::Litigant::INGEST_KEY ],
    'the push token and AES key' => [ $PUSH_TOKEN, $AES ],
    'the phone-hash key' => [ $Liaison::Litigant::PHONE_KEY ],
    'WeChat login and phone codes' => [ @jscodes ],
    'the WeChat session_key' => [ 'MOCKSESSIONKEY' ],
    'the app and corp secrets, the SMS password' => [
        $Liaison::MockWeChat::SECRET, $Liaison::MockWeChat::CORPSECRET,
        $Liaison::MockWeChat::SMS_PASSWORD ],
    'the database password' => [ _secret($env->db_password_file) ],
);

# every log the environment wrote; the mock keeps its log in memory
my %log;
File::Find::find({ no_chdir => 1, wanted => sub {
    return unless -f && /\.(?:log|err)$/;
    open my $fh, '<:raw', $_ or die "$_: $!";
    local $/;
    my $text = <$fh>;
    utf8::decode($text);
    $log{ $_ =~ s{^\Q${\ $env->dir }\E/}{}r } = $text;
} }, $env->dir);
ok exists $log{'nginx/logs/error.log'} && exists $log{'nginx/logs/access.log'}
    && grep({ /^worker-/ } keys %log), 'the logs: ' . join ' ', sort keys %log;

# the journey left its traces (so a search of empty files cannot pass)
my $err = $log{'nginx/logs/error.log'};
like $err, qr/\[info\].*staff #\d+ logged in/, 'the error log has the login';
like $err, qr/failed login for staff/, '... the failed one';
like $err, qr/ticket $web registered/, '... the registration';
like $err, qr/ingest refused: bad signature/, '... the refused ingest';
like $err, qr/too large body.*request: "POST [^"]*q=%2B86159\*{4}4321&id=\*{14}123X&query_code%3D\*{10}&m=135\*{4}5678 /,
    '... the body too large, its URL masked';
my ($wlog) = map { $log{$_} } grep { /^worker-/ } keys %log;
like $wlog, qr/\[debug\]|\bdebug\b/i, 'the worker logged at debug';
like $wlog, qr/outbox: \d+ claimed, [1-9]\d* sent/, '... its deliveries';

for my $what (sort keys %secret) {
    my @found;
    for my $s (grep { defined && length } @{ $secret{$what} }) {
        for my $f (sort keys %log) {
            push @found, "$f: " . _around($log{$f}, $s)
                if index($log{$f}, $s) >= 0;
        }
    }
    ok !@found, "no $what in any log (" . scalar(@{ $secret{$what} })
        . ' values)' or diag join "\n", @found;
}

sub _spew { secret_file($keydir, @_) }

sub _secret {
    my ($f) = @_;
    open my $fh, '<:raw', $f or die "$f: $!";
    local $/;
    my $s = <$fh>;
    $s =~ s/\s+\z//;
    return $s;
}

sub _around {
    my ($text, $s) = @_;
    my $i = index $text, $s;
    my $from = $i > 80 ? $i - 80 : 0;
    return substr($text, $from, 160 + length $s) =~ s/\n/\\n/gr;
}

sub _pct {
    my ($s) = @_;
    utf8::encode($s);
    $s =~ s/([^A-Za-z0-9_.~-])/sprintf '%%%02X', ord $1/ge;
    return $s;
}

done_testing;
