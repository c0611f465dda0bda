#!/usr/bin/perl
# docs/openapi.json, the OpenAPI 3 description of the whole API, against
# the module: every endpoint of the endpoint tables (every *_endpoints[]
# row of ngx_liaison_module/*.c) is described and nothing else is; every
# $ref resolves and every path parameter is declared; then live answers
# of a sample of endpoints, successes and errors, are validated against
# the description's schemas (t/lib/Liaison/OpenAPI.pm).

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Staff;
use Liaison::Litigant;
use Liaison::OpenAPI;

my $api = Liaison::OpenAPI->load;
my $spec = $api->spec;
like $spec->{openapi}, qr/^3\.0\.\d+$/, "OpenAPI $spec->{openapi}";

# --- the description and the endpoint tables, both ways ------------------

my %routes = Liaison::OpenAPI::routes();
my %documented = $api->documented;
ok keys(%routes) > 50, scalar(keys %routes) . ' routes in the endpoint tables';
is_deeply [ grep { !$documented{$_} } sort keys %routes ], [],
    'every route of the tables is described';
is_deeply [ grep { !$routes{$_} } sort keys %documented ], [],
    'nothing is described that the tables do not serve';

# every $ref resolves; path parameters declared; responses with content
my (@bad_refs, @bad_params, @no_resp);
my $walk;
$walk = sub {
    my ($x, $where) = @_;
    if (ref $x eq 'HASH') {
        if (my $ref = $x->{'$ref'}) {
            push @bad_refs, "$where: $ref"
                unless $ref =~ m{^#/components/schemas/(.+)$}
                    && $spec->{components}{schemas}{$1};
        }
        $walk->($x->{$_}, "$where/$_") for keys %$x;
    } elsif (ref $x eq 'ARRAY') {
        $walk->($x->[$_], "$where/$_") for 0 .. $#$x;
    }
};
$walk->($spec, '#');
for my $path (sort keys %{ $spec->{paths} }) {
    my @want = $path =~ /\{([a-z_]+)\}/g;
    for my $method (sort keys %{ $spec->{paths}{$path} }) {
        my $op = $spec->{paths}{$path}{$method};
        my %have = map { $_->{name} => 1 } grep { $_->{in} eq 'path' }
            @{ $op->{parameters} || [] };
        push @bad_params, "$method $path: {$_}" for grep { !$have{$_} } @want;
        push @no_resp, "$method $path" unless grep { /^2\d\d$/ }
            keys %{ $op->{responses} || {} };
        push @no_resp, "$method $path: no summary" unless $op->{summary};
    }
}
is_deeply \@bad_refs, [], 'every $ref resolves';
is_deeply \@bad_params, [], 'every path parameter is declared';
is_deeply \@no_resp, [], 'every operation has a summary and a 2xx answer';

# the validator itself catches what it should
{
    my @e = $api->validate({ error => { code => 'x' } }, 'Error');
    ok grep({ /message: required/ } @e), 'validator: a missing member';
    @e = $api->validate({ ticket_no => 1 }, { type => 'object',
        properties => { ticket_no => { type => 'string' } } });
    ok grep({ /not a string/ } @e), 'validator: a number for a string';
    @e = $api->validate({ x => 1 }, 'Ok');
    ok grep({ /not in the description/ } @e), 'validator: an undescribed member';
    @e = $api->validate('2026-11-27 14:07', { type => 'string', format => 'date-time' });
    ok @e, 'validator: not a date-time';
}

# --- live answers against the schemas -----------------------------------

my $t = Liaison::Litigant->start(staff => staff_cast(), attachments => 1);
my $env = $t->env;
my $S = staff_setup($env);
my $lit = $t->login(5);
my %seen;

sub answer {
    my ($method, $path, $r, $want) = @_;
    $seen{"$method $path"}++;
    is $r->status, $want, "$method $path: $want" or diag $r->summary;
    my @e = $api->check_answer($method, $path, $r);
    is_deeply \@e, [], "... valid against the description";
    return $r;
}

answer(get => '/health', $env->req(GET => '/api/v1/health'), 200);
answer(get => '/site', $env->req(GET => '/api/v1/site'), 200);
answer(get => '/wx/templates', $env->req(GET => '/api/v1/wx/templates'), 200);
answer(get => '/liaisons', $env->req(GET => '/api/v1/liaisons'), 200);

my $r = answer(post => '/tickets', $env->req(POST => '/api/v1/tickets',
    token => $lit, body => { channel => 'wechat', category => 'contact_judge',
        case_no => CIVIL_CASE, content => '请法官联系我。',
        contact => { name => '张三', phone => '13800138000' } }), 201);
my $tk = $r->json;
answer(post => '/tickets', $env->req(POST => '/api/v1/tickets',
    body => { channel => 'web', category => 'nope', content => 'x' }), 400);
answer(get => '/tickets/{no}', $env->req(GET => "/api/v1/tickets/$tk->{ticket_no}"
    . "?query_code=$tk->{query_code}"), 200);
answer(get => '/tickets/{no}', $env->req(GET => '/api/v1/tickets/2611270000013'), 404);
answer(get => '/tickets', $env->req(GET => '/api/v1/tickets?mine=1', token => $lit), 200);

drive($env, $tk->{ticket_no}, [ platform => 'dispatch', {} ],
    [ judge1 => 'accept', undef ]);
answer(post => '/staff/tickets/{no}/risk', act($env, 'judge1', $tk->{ticket_no},
    risk => { level => 'high', note => '扬言聚集' }), 200);
answer(post => '/staff/tickets/{no}/reply', act($env, 'judge1', $tk->{ticket_no},
    reply => { content => '已联系，将于明日开庭前答复。' }), 200);
answer(post => '/staff/tickets/{no}/accept', act($env, 'judge1', $tk->{ticket_no},
    accept => undef), 409);
answer(get => '/tickets/{no}', staff_get($env, platform => $tk->{ticket_no}), 200);
answer(get => '/tickets/{no}', $env->req(GET => "/api/v1/tickets/$tk->{ticket_no}",
    token => $lit), 200);
answer(get => '/staff/tickets', $env->req(GET => '/api/v1/staff/tickets?all=1',
    token => tok($env, 'platform')), 200);
answer(get => '/staff/tickets', $env->req(GET => '/api/v1/staff/tickets?q=13800138000',
    token => tok($env, 'platform')), 200);
answer(get => '/staff/tickets', $env->req(GET => '/api/v1/staff/tickets',
    token => $lit), 403);

my $jpeg = "\xff\xd8\xff\xe0\x00\x10JFIF\x00" . ('x' x 500);
answer(post => '/tickets/{no}/attachments', $env->req(POST =>
    "/api/v1/tickets/$tk->{ticket_no}/attachments", token => $lit,
    body => "--b1\r\nContent-Disposition: form-data; name=\"file\"; "
        . "filename=\"a.jpg\"\r\n\r\n$jpeg\r\n--b1--\r\n",
    headers => { 'Content-Type' => 'multipart/form-data; boundary=b1' }), 201);
answer(post => '/staff/tickets/{no}/attachments', $env->req(POST =>
    "/api/v1/staff/tickets/$tk->{ticket_no}/attachments?filename=b.jpg",
    token => tok($env, 'judge1'), body => $jpeg,
    headers => { 'Content-Type' => 'image/jpeg' }), 201);
answer(get => '/tickets/{no}', staff_get($env, judge1 => $tk->{ticket_no}), 200);

answer(post => '/staff/login', $env->req(POST => '/api/v1/staff/login',
    body => { username => 'platform', password => $Liaison::Test::DEFAULT_PASSWORD }), 200);
answer(post => '/staff/login', $env->req(POST => '/api/v1/staff/login',
    body => { username => 'platform', password => 'wrong' }), 401);
answer(get => '/staff/departments', $env->req(GET => '/api/v1/staff/departments',
    token => tok($env, 'platform')), 200);
answer(get => '/staff/accounts', $env->req(GET => '/api/v1/staff/accounts',
    token => tok($env, 'admin')), 200);
answer(put => '/staff/accounts/{id}', $env->req(PUT => '/api/v1/staff/accounts/'
    . sid($env, 'judge1'), token => tok($env, 'admin'),
    body => { wecom_userid => 'judge1' }), 200);
answer(post => '/staff/departments', $env->req(POST => '/api/v1/staff/departments',
    token => tok($env, 'admin'), body => { code => 'admin_court', name => '行政审判庭' }), 201);
answer(get => '/staff/canned-answers', $env->req(GET => '/api/v1/staff/canned-answers',
    token => tok($env, 'platform')), 200);
answer(get => '/staff/risks', $env->req(GET => '/api/v1/staff/risks?open=1',
    token => tok($env, 'filing')), 200);
my $risk_id = $env->sql_one('SELECT MAX(id) FROM risks');
answer(get => '/staff/risks/{id}', $env->req(GET => "/api/v1/staff/risks/$risk_id",
    token => tok($env, 'filing')), 200);
answer(get => '/staff/liaisons', $env->req(GET => '/api/v1/staff/liaisons',
    token => tok($env, 'filing')), 200);
$r = answer(post => '/staff/liaison-changes', $env->req(POST =>
    '/api/v1/staff/liaison-changes', token => tok($env, 'liaison'),
    body => { name => '周敏', title => '书记员', office_phone => '020-34908012',
              mobile => '13800138021', changed_on => '2026-01-05' }), 201);
answer(get => '/staff/liaison-changes', $env->req(GET =>
    '/api/v1/staff/liaison-changes', token => tok($env, 'filing')), 200);
answer(post => '/staff/liaison-changes/{id}/publish', $env->req(POST =>
    '/api/v1/staff/liaison-changes/' . $r->json->{id} . '/publish',
    token => tok($env, 'filing')), 200);
answer(get => '/staff/liaison-changes', $env->req(GET =>
    '/api/v1/staff/liaison-changes', token => tok($env, 'leader')), 200);
answer(post => '/staff/follow-ups', $env->req(POST => '/api/v1/staff/follow-ups',
    token => tok($env, 'president'), body => { title => '回头看',
        owner_staff_id => sid($env, 'leader'), due_on => '2026-12-31' }), 201);
answer(get => '/staff/follow-ups', $env->req(GET => '/api/v1/staff/follow-ups',
    token => tok($env, 'president')), 200);
answer(get => '/staff/reports/monthly/{month}/items', $env->req(GET =>
    '/api/v1/staff/reports/monthly/2026-09/items',
    token => tok($env, 'president')), 200);
answer(post => '/staff/reports/monthly/{month}/acknowledge', $env->req(POST =>
    '/api/v1/staff/reports/monthly/2026-09/acknowledge',
    token => tok($env, 'leader')), 403);
answer(get => '/notifications', $env->req(GET => '/api/v1/notifications',
    token => $lit), 200);
answer(get => '/notifications', $env->req(GET => '/api/v1/notifications'), 401);

ok keys(%seen) >= 20, scalar(keys %seen) . ' endpoints checked live';

done_testing;
