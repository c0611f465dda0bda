#!/usr/bin/perl
# GET /api/v1/tickets/{ticket_no}: with the query code or a staff token;
# a wrong code answers exactly like an unknown number.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Tickets;

my $env = Liaison::Test->start(staff => [
    { username => 'platform', role => 'platform_staff', department => 'filing' },
]);

my $body = ticket_body(channel => 'wechat', category => 'contact_judge',
    case_no => '(2020)粤0115民初1234号',
    content => '请转告承办法官：我已补交证据材料。',
    contact => { name => '王五', phone => '13800138000' });
my $r = $env->req(POST => '/api/v1/tickets', body => $body);
my $t = check_created($env, $r, $body, 'a wechat contact_judge ticket')
    or BAIL_OUT('cannot create a ticket: ' . $r->summary);
my $other = $env->req(POST => '/api/v1/tickets', body => ticket_body())->json;

my $no = $t->{ticket_no};
my $code = $t->{query_code};

sub check_view {
    my ($r, $name) = @_;
    subtest $name => sub {
        is $r->status, 200, 'status 200' or diag($r->summary), return;
        my $j = $r->json;
        like $r->header('content-type') // '', qr{^application/json}, 'JSON';
        is $j->{ticket_no}, $no, 'ticket_no';
        is $j->{channel}, 'wechat', 'channel';
        is $j->{category}, 'contact_judge', 'category';
        is $j->{track}, 'ordinary', 'track';
        is $j->{status}, 'registered', 'status';
        is $j->{case_no}, '（2020）粤0115民初1234号', 'case_no normalised';
        is $j->{content}, $body->{content}, 'content';
        is $j->{created_at}, $t->{created_at}, 'created_at as at intake';
        is $j->{due_at}, $t->{due_at}, 'due_at as at intake';
        is ref $j->{contact}, 'HASH', 'contact object';
        is $j->{contact}{name}, '王五', 'contact name';
        is $j->{contact}{phone}, '138****8000', 'contact phone masked';
        unlike $r->body, qr/13800138000/, 'the full phone number appears nowhere';
        unlike $r->body, qr/\Q$code\E/, 'the query code is not echoed';
        is ref $j->{timeline}, 'ARRAY', 'timeline array';
        my $first = ($j->{timeline} || [])->[0] || {};
        is $first->{type}, 'registered', 'timeline[0] type registered';
        is $first->{status}, 'registered', 'timeline[0] status registered';
        is $first->{at}, $t->{created_at}, 'timeline[0] at = created_at';
        is scalar @{ $j->{timeline} || [] }, 1, 'one timeline entry';
    };
}

for my $round (1, 2) {
    check_view($env->req(GET => "/api/v1/tickets/$no?query_code=$code"),
        "round $round: GET with the right query code");
}

# 404 for wrong code, missing code, unknown number, other ticket's code ...
my @cases = (
    [ 'wrong query code' => "/api/v1/tickets/$no?query_code="
        . ($code eq '2222222222' ? '3333333333' : '2222222222') ],
    [ 'query code of another ticket' =>
        "/api/v1/tickets/$no?query_code=$other->{query_code}" ],
    [ 'missing query code' => "/api/v1/tickets/$no" ],
    [ 'empty query code' => "/api/v1/tickets/$no?query_code=" ],
    [ 'query code one character short' =>
        "/api/v1/tickets/$no?query_code=" . substr($code, 0, 9) ],
    [ 'query code one character long' =>
        "/api/v1/tickets/$no?query_code=${code}2" ],
    [ 'query code with characters outside the alphabet' =>
        "/api/v1/tickets/$no?query_code=0000000000" ],
    [ 'unknown ticket number with a right-looking code' =>
        '/api/v1/tickets/' . valid_unknown($no) . "?query_code=$code" ],
    [ 'ticket number with a wrong check digit' =>
        '/api/v1/tickets/' . wrong_check($no) . "?query_code=$code" ],
    [ 'non-numeric ticket number' => "/api/v1/tickets/abc?query_code=$code" ],
    [ 'SQL in the ticket number' =>
        "/api/v1/tickets/1%27%20OR%20%271%27=%271?query_code=$code" ],
    [ 'very long ticket number' =>
        '/api/v1/tickets/' . ('9' x 300) . "?query_code=$code" ],
);
my %bodies;
for my $c (@cases) {
    my ($what, $path) = @$c;
    for my $round (1, 2) {
        my $r = $env->req(GET => $path);
        is $r->status, 404, "round $round: $what is 404" or diag $r->summary;
        is $r->error_code, 'not_found', "round $round: ... not_found";
        $bodies{ $r->body }{$what} = 1;
    }
}
is scalar keys %bodies, 1, 'all those 404 answers are byte-identical'
    or diag explain \%bodies;

# a staff member of the platform sees any ticket without a code
my $token = $env->staff_token('platform');
for my $round (1, 2) {
    my $r = $env->req(GET => "/api/v1/tickets/$no", token => $token);
    is $r->status, 200, "round $round: platform staff token without code is 200"
        or diag $r->summary;
    is +($r->json // {})->{ticket_no}, $no, "round $round: ... that ticket";
    is_deeply [ map { $_->{type} } @{ ($r->json // {})->{timeline} || [] } ],
        ['registered'], "round $round: ... with its timeline";
}
{
    my $r = $env->req(GET => "/api/v1/tickets/$no", token => 'not-a-token');
    is $r->status, 401, 'an invalid token is 401 (not a 404)';
}

# a ticket answers the same after other tickets were created
$env->req(POST => '/api/v1/tickets', body => ticket_body()) for 1 .. 3;
check_view($env->req(GET => "/api/v1/tickets/$no?query_code=$code"),
    'GET again after more tickets');

done_testing;

# a ticket number of the same shape with a right check digit, not issued
sub valid_unknown {
    my ($n) = @_;
    my $body = substr($n, 0, -1);
    $body = substr($body, 0, -3) . '999';
    for my $d (0 .. 9) {
        return "$body$d" if luhn_valid("$body$d") && "$body$d" ne $n;
    }
}

sub wrong_check {
    my ($n) = @_;
    my $d = substr($n, -1);
    return substr($n, 0, -1) . (($d + 1) % 10);
}
