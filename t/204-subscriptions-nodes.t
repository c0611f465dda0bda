#!/usr/bin/perl
# POST /cases/{case_no}/subscriptions: a litigant proves they are a party
# or lawyer with WeChat's phone-number code (getuserphonenumber through the
# internal location, with the access token the worker keeps), matched
# against the case's keyed phone hashes; consents per template.
# GET /cases/{case_no}/nodes for verified subscribers and staff in scope.
# A new node of a subscribed case puts a subscribe message in the outbox.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Litigant;

my $t = Liaison::Litigant->start(staff => [
    { username => 'platform', role => 'platform_staff',
      department => 'filing' },
    { username => 'judge_li', role => 'judge', department => 'civil' },
    { username => 'judge_wu', role => 'judge', department => 'civil' },
    { username => 'crim_staff', role => 'dept_staff',
      department => 'criminal' },
]);
my $env = $t->env;
my $mock = $t->mock;
$env->allow_log(qr/upstream timed out/);

my $CASE = '(2026)粤0115民初201号';
my $CASEN = '（2026）粤0115民初201号';
my $PATH = $t->path("/api/v1/cases/$CASE");
my ($NODE_T, $REPLY_T) = ($Liaison::Litigant::NODE_TEMPLATE,
    $Liaison::Litigant::REPLY_TEMPLATE);

my $r = $t->ingest('/api/v1/ingest/cases', { cases => [
    $t->case_body($CASE, judge_username => 'judge_li'),
    $t->case_body('(2026)粤0115民初202号', parties => []) ] });
is $r->status, 200, 'cases ingested' or diag $r->summary;

my $party = $t->login(41);      # plaintiff 13800138000
my $lawyer = $t->login(42);     # lawyer 13700137000
my $stranger = $t->login(43);
my $no_phone = $t->login(44);
my %staff = map { $_ => $env->staff_token($_) }
    qw(platform judge_li judge_wu crim_staff);

# without an access token from the worker: 503, nothing written
$r = $env->req(POST => "$PATH/subscriptions", token => $party,
    body => { phone_code => 'p13800138000', template_ids => [ $NODE_T ] });
is $r->status, 503, 'no access token in the database: 503';
like $env->error_log, qr/no WeChat access token/, '... logged';
$t->store_access_token;

sub subscribe {
    my ($tok, $body) = @_;
    return $env->req(POST => "$PATH/subscriptions", token => $tok,
        body => $body);
}

# permissions
my $expired = $env->forge_token(kind => 'l',
    sid => (split /\./, $t->login(41))[2], exp => time - 5);
my $revoked = $t->login(41);
$env->req(POST => '/api/v1/wx/logout', token => $revoked);
for my $w ([ 'no token' => undef, 401 ], [ 'expired' => $expired, 401 ],
           [ 'revoked' => $revoked, 401 ],
           [ 'staff' => $staff{platform}, 403 ]) {
    my $r = subscribe($w->[1], { phone_code => 'p13800138000' });
    is $r->status, $w->[2], "subscribe as $w->[0]: $w->[2]";
}
is scalar $mock->calls('phone'), 0, 'none of them reached WeChat';

# a matching phone: the party
$r = subscribe($party, { phone_code => 'p13800138000',
    template_ids => [ $NODE_T, $REPLY_T ] });
is $r->status, 201, 'a party\'s phone: 201' or diag $r->summary;
is $r->json->{case_no}, $CASEN, 'case_no normalised';
is $r->json->{kind}, 'party', 'kind party';
is $r->json->{role}, 'plaintiff', 'role plaintiff';
like $r->json->{verified_at}, qr/\+08:00$/, 'verified_at';
is_deeply $r->json->{consents}, [
    { template_id => $NODE_T, remaining => 1 },
    { template_id => $REPLY_T, remaining => 1 } ], 'one send per template';
my ($call) = $mock->calls('phone');
is $call->{method}, 'POST', 'getuserphonenumber by POST';
is $call->{query}{access_token}, $mock->current_token('wx'),
    'with the worker\'s access token';
is $t->json_col($call->{body})->{code}, 'p13800138000', 'the code in JSON';
ok !exists $call->{headers}{authorization}, 'the client token stays here';
like $call->{headers}{'content-type'}, qr{^application/json},
    'Content-Type application/json';

# again, no phone code needed now; one more acceptance adds one send
$r = subscribe($party, { template_ids => [ $NODE_T ] });
is $r->status, 200, 'verified before, consents only: 200';
is_deeply [ map { $_->{remaining} } @{ $r->json->{consents} } ], [ 2, 1 ],
    'remaining 2 for the node template';

# the lawyer
$r = subscribe($lawyer, { phone_code => 'p13700137000' });
is $r->status, 201, 'the lawyer\'s phone: 201' or diag $r->summary;
is $r->json->{kind}, 'lawyer', 'kind lawyer';
is_deeply $r->json->{consents}, [], 'no templates, no consents';

# non-matching phones
my $subs = $env->sql_one('SELECT COUNT(*) FROM case_subscriptions');
for my $c ([ 'another number' => 'p13500135000' ],
           [ 'a Hong Kong number' => 'hk91234567' ]) {
    my $r = subscribe($stranger, { phone_code => $c->[1],
        template_ids => [ $NODE_T ] });
    is $r->status, 403, "$c->[0]: 403" or diag $r->summary;
    is $r->error_code, 'forbidden', '... forbidden';
}
is $env->sql_one('SELECT COUNT(*) FROM case_subscriptions'), $subs,
    'no subscription for them';
is $env->sql_one('SELECT COUNT(*) FROM subscribe_consents WHERE openid = ?',
    Liaison::MockWeChat->openid(43)), 0, 'no consent recorded';

# WeChat's errors
for my $e (
    [ 'an invalid phone code (40029)' => sub { 'garbage' }, 400,
      'invalid_code' ],
    [ 'a phone code used before' => sub { 'p13800138000' }, 400,
      'invalid_code' ],
    [ 'an expired access token (42001)' => sub {
        $mock->script('phone', errcode => 42001); 'p13900139000' }, 503,
      'unavailable' ],
    [ 'system busy (-1)' => sub {
        $mock->script('phone', errcode => -1); 'p13900139000' }, 503,
      'unavailable' ],
    [ '45011' => sub {
        $mock->script('phone', errcode => 45011); 'p13900139000' }, 429,
      'rate_limited' ],
    [ 'a timeout' => sub {
        $mock->script('phone', hang => 1); 'p13900139000' }, 503,
      'unavailable' ],
    [ 'not JSON' => sub {
        $mock->script('phone', raw => 'oops'); 'p13900139000' }, 502,
      'bad_gateway' ],
) {
    my $code = $e->[1]->();
    my $r = subscribe($stranger, { phone_code => $code });
    is $r->status, $e->[2], "$e->[0]: $e->[2]" or diag $r->summary;
    is $r->error_code, $e->[3], "... $e->[3]";
}

# input
for my $b ([ 'first subscription without a phone code' => {},
             'phone_code' ],
           [ 'a template of another app' => { phone_code => 'p1',
             template_ids => [ 'OTHER_TPL' ] }, 'template_ids[0]' ],
           [ 'template_ids not an array' => { template_ids => 'x' },
             'template_ids' ],
           [ 'a phone code with spaces' => { phone_code => 'a b' },
             'phone_code' ],
           [ 'an unknown member' => { phone => '13800138000' }, 'phone' ]) {
    my $r = subscribe($no_phone, $b->[1]);
    is $r->status, 400, "$b->[0]: 400" or diag $r->summary;
    is $r->error_field, $b->[2], "... field $b->[2]";
}
$r = $env->req(POST =>
    $t->path('/api/v1/cases/(2026)粤0115民初999号/subscriptions'),
    token => $party, body => { phone_code => 'p13800138000' });
is $r->status, 404, 'an unknown case: 404';
$r = $env->req(POST => '/api/v1/cases/not-a-case/subscriptions',
    token => $party, body => {});
is $r->status, 400, 'not a case number: 400';

# the phone number is stored nowhere
for my $tbl (qw(case_parties case_subscriptions subscribe_consents outbox
                litigants sessions)) {
    my $rows = $env->sql("SELECT * FROM $tbl");
    my $dump = join '|', map { join ',', map { $_ // '' } values %$_ } @$rows;
    unlike $dump, qr/1380013800|1370013700|1350013500/,
        "no phone number in $tbl";
}
unlike $env->error_log, qr/1380013800|1370013700/, 'nor in the error log';
unlike $env->error_log, qr/\Q${\ $mock->current_token('wx')}\E/,
    'the access token is not logged';

# GET /cases/{no}/nodes
$r = $t->ingest('/api/v1/ingest/case-nodes', { events => [
    { event_id => 'N-1', case_no => $CASE, type => 'filed',
      occurred_at => '2026-01-05T09:00:00+08:00' },
    { event_id => 'N-2', case_no => $CASE, type => 'period_extended',
      occurred_at => '2026-03-02T10:30:00+08:00',
      detail => '经院长批准延长审限六个月，理由：案情复杂需要补充鉴定' },
    { event_id => 'N-3', case_no => '(2026)粤0115民初202号',
      type => 'filed', occurred_at => '2026-01-06T09:00:00+08:00' } ] });
is_deeply $r->json, { accepted => 3, duplicates => 0 }, 'nodes ingested';

my %want = (party => 200, lawyer => 200, stranger => 403, none => 401,
    expired => 401, revoked => 401, platform => 200, judge_li => 200,
    judge_wu => 403, crim_staff => 403);
my %tok = (party => $party, lawyer => $lawyer, stranger => $stranger,
    none => undef, expired => $expired, revoked => $revoked, %staff);
for my $w (sort keys %want) {
    for my $round (1, 2) {
        my $r = $env->req(GET => "$PATH/nodes",
            (defined $tok{$w} ? (token => $tok{$w}) : ()));
        is $r->status, $want{$w}, "nodes as $w (round $round): $want{$w}"
            or diag $r->summary;
    }
}
$r = $env->req(GET => "$PATH/nodes", token => $party);
is_deeply [ map { $_->{event_id} } @{ $r->json->{items} } ], [ 'N-2', 'N-1' ],
    'newest first, only this case';
is $r->json->{total}, 2, 'total';
is $r->json->{items}[0]{name}, '延长审限', 'the node\'s name';
is $r->json->{items}[0]{occurred_at}, '2026-03-02T10:30:00+08:00', 'time';
is $r->json->{case_no}, $CASEN, 'case_no';
is $r->json->{procedure}, 'ordinary', 'procedure';
$r = $env->req(GET => "$PATH/nodes?per_page=1&page=2", token => $party);
is_deeply [ map { $_->{event_id} } @{ $r->json->{items} } ], [ 'N-1' ],
    'paged';
$r = $env->req(GET => $t->path('/api/v1/cases/(2026)粤0115民初999号/nodes'),
    token => $party);
is $r->status, 404, 'an unknown case: 404';

# the push hand-off: one subscribe message per subscriber and new node
my $o = $env->sql("SELECT * FROM outbox WHERE kind = 'case_node' "
    . 'ORDER BY id');
is scalar @$o, 4, 'two nodes x two subscribers, none for the other case';
my @to = ((Liaison::MockWeChat->openid(41)) x 2,
    (Liaison::MockWeChat->openid(42)) x 2);
is_deeply [ sort map { $_->{recipient} } @$o ], [ sort @to ],
    'to the subscribers';
my $p = $t->json_col($o->[-1]{payload});
is $o->[-1]{channel}, 'wx_subscribe', 'channel wx_subscribe';
is $o->[-1]{template_id}, $NODE_T, 'the case_node template';
is $p->{data}{thing1}, $CASEN, 'thing1: the case number';
is $p->{data}{phrase2}, '延长审限', 'phrase2: the node';
is $p->{data}{time3}, '2026-03-02 10:30', 'time3';
like $p->{data}{thing4}, qr/^经院长批准/, 'thing4: the detail';
like $p->{page}, qr{^pages/case/nodes\?case_no=}, 'page';

$r = $t->ingest('/api/v1/ingest/case-nodes', { events => [
    { event_id => 'N-2', case_no => $CASE, type => 'period_extended',
      occurred_at => '2026-03-02T10:30:00+08:00' } ] });
is $env->sql_one("SELECT COUNT(*) FROM outbox WHERE kind = 'case_node'"), 4,
    'a replayed node pushes nothing again';

done_testing;
