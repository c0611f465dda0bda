#!/usr/bin/perl
# POST /api/v1/wx/login: the wx.login code goes to jscode2session through
# the module's internal location (a subrequest proxied to our WeChat mock);
# WeChat's answers map to ours; session_key and the app secret never leave
# the server or reach a log; the litigant token expires and can be revoked.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Litigant;

my $t = Liaison::Litigant->start(read_timeout => '1s');
my $env = $t->env;
my $mock = $t->mock;
$env->allow_log(qr/upstream timed out|upstream prematurely closed/);

my $openid = Liaison::MockWeChat->openid(7);

for my $round (1, 2) {
    subtest "round $round: a good code logs in" => sub {
        my $r = $env->req(POST => '/api/v1/wx/login',
            body => { code => $t->code(7) },
            headers => { Cookie => 'sid=client-cookie',
                         'X-Forwarded-For' => '10.1.2.3' });
        is $r->status, 200, 'status 200' or diag $r->summary;
        my $j = $r->json;
        like $j->{token}, qr/^v1\.l\.[0-9a-f]{32}\.\d+\.[0-9a-f]{64}$/,
            'a litigant token';
        is $j->{expires_in}, 43200, 'expires_in = liaison_token_ttl';
        is_deeply [ sort keys %$j ], [qw(expires_in token)],
            'nothing else in the answer';
        unlike $r->body, qr/session_key|MOCKSESSIONKEY|openid/i,
            'no session_key, no openid';
        my $rows = $env->sql('SELECT * FROM litigants WHERE openid = ?',
            $openid);
        is scalar @$rows, 1, 'one litigant for the openid (both rounds)';
        my $sid = (split /\./, $j->{token})[2];
        my $s = $env->sql('SELECT * FROM sessions WHERE id = ?', $sid)->[0];
        is $s->{kind}, 'l', 'session kind l';
        is $s->{litigant_id}, $rows->[0]{id}, 'session of that litigant';
        my ($call) = reverse $mock->calls('jscode2session');
        is $call->{method}, 'GET', 'jscode2session by GET';
        is $call->{query}{appid}, $Liaison::MockWeChat::APPID, 'appid';
        is $call->{query}{secret}, $Liaison::MockWeChat::SECRET,
            'secret from liaison_wx_secret_file';
        is $call->{query}{grant_type}, 'authorization_code', 'grant_type';
        ok !exists $call->{headers}{cookie}, 'the client cookie stays here';
        ok !exists $call->{headers}{'x-forwarded-for'},
            'no client header reaches WeChat';
        my $mine = $env->req(GET => '/api/v1/tickets?mine=1',
            token => $j->{token});
        is $mine->status, 200, 'the token works' or diag $mine->summary;
    };
}

subtest 'unionid recorded when WeChat gives one' => sub {
    my $r = $env->req(POST => '/api/v1/wx/login',
        body => { code => $t->code(8, union => 1) });
    is $r->status, 200, 'status 200' or diag $r->summary;
    is $env->sql_one('SELECT unionid FROM litigants WHERE openid = ?',
        Liaison::MockWeChat->openid(8)), Liaison::MockWeChat->unionid(8),
        'unionid stored';
    $r = $env->req(POST => '/api/v1/wx/login', body => { code => $t->code(8) });
    is $env->sql_one('SELECT unionid FROM litigants WHERE openid = ?',
        Liaison::MockWeChat->openid(8)), Liaison::MockWeChat->unionid(8),
        'a later login without unionid keeps it';
};

# WeChat's errors
my @errors = (
    [ 'invalid code (40029)' => sub { 'bogus-code' }, 400, 'invalid_code' ],
    [ 'code used before (40163)' => sub {
        my $c = $t->code(9);
        $env->req(POST => '/api/v1/wx/login', body => { code => $c });
        $c }, 400, 'invalid_code' ],
    [ 'per-minute limit (45011)' => sub {
        $mock->script('jscode2session', errcode => 45011); $t->code(9) },
        429, 'rate_limited' ],
    [ 'system busy (-1)' => sub {
        $mock->script('jscode2session', errcode => -1); $t->code(9) },
        503, 'unavailable' ],
    [ 'high-risk user (40226)' => sub {
        $mock->script('jscode2session', errcode => 40226); $t->code(9) },
        403, 'forbidden' ],
    [ 'an unknown errcode' => sub {
        $mock->script('jscode2session', errcode => 40999); $t->code(9) },
        502, 'bad_gateway' ],
    [ 'no answer in time (timeout)' => sub {
        $mock->script('jscode2session', hang => 1); $t->code(9) },
        503, 'unavailable' ],
    [ 'connection closed' => sub {
        $mock->script('jscode2session', close => 1); $t->code(9) },
        503, 'unavailable' ],
    [ 'HTTP 500 from WeChat' => sub {
        $mock->script('jscode2session', http_status => 500); $t->code(9) },
        503, 'unavailable' ],
    [ 'an answer that is not JSON' => sub {
        $mock->script('jscode2session', raw => '<html>维护中</html>');
        $t->code(9) }, 502, 'bad_gateway' ],
    [ 'JSON that is not an object' => sub {
        $mock->script('jscode2session', raw => '[1,2]'); $t->code(9) },
        502, 'bad_gateway' ],
    [ 'an openid that is not one' => sub {
        $mock->script('jscode2session', raw =>
            '{"openid":"o bad id","session_key":"k"}'); $t->code(9) },
        502, 'bad_gateway' ],
    [ 'no openid at all' => sub {
        $mock->script('jscode2session', raw => '{"session_key":"k"}');
        $t->code(9) }, 502, 'bad_gateway' ],
);

for my $e (@errors) {
    my ($name, $setup, $status, $code) = @$e;
    for my $round (1, 2) {
        my $c = $setup->();
        my $before = $env->counts->{sessions};
        my $r = $env->req(POST => '/api/v1/wx/login', body => { code => $c });
        is $r->status, $status, "round $round: $name -> $status"
            or diag $r->summary;
        is $r->error_code, $code, "... $code";
        is $env->counts->{sessions}, $before, '... no session';
    }
}

is $env->sql_one('SELECT COUNT(*) FROM litigants WHERE openid = ?',
    Liaison::MockWeChat->openid(9)), 1,
    'only the one good login of openid 9 made a litigant';

# bad input never reaches WeChat
my $calls = scalar $mock->calls('jscode2session');
for my $b ([ 'missing code' => {} ], [ 'empty code' => { code => '' } ],
           [ 'a number' => { code => 123 } ],
           [ 'spaces' => { code => 'a b' } ],
           [ 'too long' => { code => 'x' x 129 } ],
           [ 'an unknown field' => { code => 'c1-x', extra => 1 } ]) {
    my $r = $env->req(POST => '/api/v1/wx/login', body => $b->[1]);
    is $r->status, 400, "$b->[0]: 400";
    is $r->error_code, 'invalid_argument', '... invalid_argument';
}
is scalar $mock->calls('jscode2session'), $calls, 'none reached WeChat';

# expiry and revocation
my $tok = $t->login(10);
my $r = $env->req(POST => '/api/v1/wx/logout', token => $tok);
is $r->status, 200, 'logout 200';
is $r->json->{revoked}, JSON::PP::true, 'revoked';
$r = $env->req(GET => '/api/v1/tickets?mine=1', token => $tok);
is $r->status, 401, 'a revoked token: 401';
is $r->header('www-authenticate'), 'Bearer', '... WWW-Authenticate';
$r = $env->req(POST => '/api/v1/wx/logout');
is $r->status, 401, 'logout without a token: 401';

my $sid = (split /\./, $t->login(10))[2];
my $expired = $env->forge_token(kind => 'l', sid => $sid, exp => time - 1);
$r = $env->req(GET => '/api/v1/tickets?mine=1', token => $expired);
is $r->status, 401, 'an expired token: 401';
$env->sql("UPDATE sessions SET expires_at = '2020-01-01 00:00:00' WHERE id = ?",
    $sid);
my $stale = $env->forge_token(kind => 'l', sid => $sid, exp => time + 3600);
$r = $env->req(GET => '/api/v1/tickets?mine=1', token => $stale);
is $r->status, 401, 'a session expired in the database: 401';

# the secret and session keys never reach a log
my $access = '';
for my $f (glob $env->prefix . '/logs/access*.log') {
    open my $fh, '<', $f or next;
    local $/;
    $access .= <$fh>;
}
my $logs = $env->error_log . $access;
unlike $logs, qr/\Q$Liaison::MockWeChat::SECRET\E/,
    'the app secret is in no error or access log';
unlike $logs, qr/MOCKSESSIONKEY|session_key/, 'no session_key in the logs';
unlike $access, qr/_liaison_wx/,
    'the internal location is not access-logged';
like $env->error_log, qr/upstream: "http:[^"?]*jscode2session"/,
    'upstream error lines keep the path, not the query';
like $env->error_log, qr/WeChat jscode2session: errcode 45011/,
    'WeChat errors are logged (without secrets)';

# the internal location cannot be called from outside
$r = $env->req(GET => '/_liaison_wx/sns/jscode2session?appid=x');
is $r->status, 404, 'the internal location is not reachable from outside';

done_testing;
