#!/usr/bin/perl
# Staff login, tokens (signed, expiring, revocable) and logout.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Tickets;

my $env = Liaison::Test->start(staff => [
    { username => 'platform', role => 'platform_staff', department => 'filing',
      password => 'Right-pass-1' },
    { username => 'judge1', role => 'judge', department => 'civil',
      password => 'Judge-pass-1' },
    { username => 'victim', role => 'platform_staff', department => 'filing',
      password => 'Victim-pass-1' },
    { username => 'gone', role => 'platform_staff', department => 'filing',
      password => 'Gone-pass-1', active => 0 },
]);

sub login { $env->req(POST => '/api/v1/staff/login', body => {@_}) }

# a hall registration: only staff may do it, so it proves a token works
sub hall {
    my ($token) = @_;
    return $env->req(POST => '/api/v1/tickets', token => $token,
        body => ticket_body(channel => 'hall', category => 'case_query'));
}

my %tokens;
for my $round (1, 2) {
    my $r = login(username => 'platform', password => 'Right-pass-1');
    is $r->status, 200, "round $round: login platform is 200"
        or diag $r->summary;
    my $j = $r->json // {};
    ok length($j->{token} // '') >= 20, "round $round: a token";
    ok length($j->{token} // '') <= 512, "round $round: token not huge";
    is $j->{role}, 'platform_staff', "round $round: role platform_staff";
    my $d = $j->{department};
    ok defined $d && (ref $d eq 'HASH'
        ? grep({ defined && /^(?:filing|立案庭|\d+)$/ } values %$d)
        : $d =~ /^(?:filing|立案庭)$/),
        "round $round: department is the filing division (立案庭)"
        or diag explain $d;
    is $j->{expires_in}, 43200, "round $round: expires_in = liaison_token_ttl 12h";
    $tokens{ $j->{token} // "none$round" } = 1;

    $r = login(username => 'judge1', password => 'Judge-pass-1');
    is $r->status, 200, "round $round: login judge1 is 200";
    is +($r->json // {})->{role}, 'judge', "round $round: role judge";
}
is scalar keys %tokens, 2, 'two logins give two different tokens';
is $env->sql_one('SELECT COUNT(*) FROM sessions'), 4,
    'one sessions row per login';

my ($token) = keys %tokens;

# wrong credentials: 401, same answer for a wrong password and an unknown user
my (%bodies, $before);
$before = $env->counts;
for my $round (1, 2) {
    my $r = login(username => 'victim', password => 'wrong-pass');
    is $r->status, 401, "round $round: wrong password is 401";
    is $r->error_code, 'unauthenticated',
        "round $round: wrong password code unauthenticated";
    $bodies{ $r->body }++;
    $r = login(username => 'nobody-here', password => 'wrong-pass');
    is $r->status, 401, "round $round: unknown user is 401";
    is $r->error_code, 'unauthenticated',
        "round $round: unknown user code unauthenticated";
    $bodies{ $r->body }++;
    $r = login(username => 'gone', password => 'Gone-pass-1');
    is $r->status, 401, "round $round: inactive account is 401";
}
is scalar keys %bodies, 1,
    'wrong password and unknown user answer byte-identical bodies';
is $env->counts->{sessions}, $before->{sessions},
    'failed logins create no session';

# the victim can still log in with the right password after 2 failures
{
    my $r = login(username => 'victim', password => 'Victim-pass-1');
    is $r->status, 200, 'right password after two failures is 200';
}

# malformed login requests
for my $round (1, 2) {
    my $r = login(username => 'platform');
    is $r->status, 400, "round $round: login without password is 400";
    is $r->error_code, 'invalid_argument',
        "round $round: ... invalid_argument";
    is $r->error_field, 'password', "round $round: ... field password";
    $r = login(password => 'x');
    is $r->status, 400, "round $round: login without username is 400";
    is $r->error_field, 'username', "round $round: ... field username";
    $r = login(username => 'platform', password => 'Right-pass-1', x => 1);
    is $r->status, 400, "round $round: login with an unknown field is 400";
    is $r->error_field, 'x', "round $round: ... field x";
    $r = login(username => ['platform'], password => 'Right-pass-1');
    is $r->status, 400, "round $round: username of the wrong type is 400";
    $r = $env->req(POST => '/api/v1/staff/login', body => '{"username":');
    is $r->status, 400, "round $round: login with broken JSON is 400";
    is $r->error_code, 'invalid_json', "round $round: ... invalid_json";
}

# a token works for a staff-only action
for my $round (1, 2) {
    my $r = hall($token);
    is $r->status, 201, "round $round: hall intake with the token is 201"
        or diag $r->summary;
    my $t = $env->sql('SELECT registered_by FROM tickets WHERE ticket_no = ?',
        ($r->json // {})->{ticket_no} // '');
    is $t->[0]{registered_by},
        $env->sql_one("SELECT id FROM staff WHERE username = 'platform'"),
        "round $round: ticket registered_by the logged-in staff member";
}

# bad tokens
my @bad = (
    [ 'garbage' => 'abc' ],
    [ 'empty-ish' => 'x' ],
    [ 'tampered last char' => substr($token, 0, -1)
        . (substr($token, -1) eq 'a' ? 'b' : 'a') ],
    [ 'signed with another secret' => $env->forge_token(
        key => 'another-secret-another-secret-another-secret') ],
    [ 'very long' => 'v1.' . ('a' x 5000) ],
);
my ($kind, $sid, $exp) = $token =~ /^v1\.([sl])\.([0-9a-f]{32})\.(\d+)\./;
if ($sid) {
    push @bad,
        [ 'validly signed but expired' =>
            $env->forge_token(sid => $sid, exp => 1700000000) ],
        [ 'validly signed, unknown session' =>
            $env->forge_token(sid => 'f' x 32, exp => $exp) ];
    my $same = $env->forge_token(sid => $sid, exp => $exp);
    is $same, $token, 'the harness can rebuild the token (format v1.s.sid.exp.mac)';
} else {
    diag "token format is not v1.<kind>.<sid>.<exp>.<mac>: $token";
}
for my $b (@bad) {
    for my $round (1, 2) {
        my $r = hall($b->[1]);
        is $r->status, 401, "round $round: hall intake with a $b->[0] token is 401"
            or diag $r->summary;
        is $r->error_code, 'unauthenticated', "round $round: ... unauthenticated";
    }
}
{
    my $r = $env->req(POST => '/api/v1/tickets',
        headers => { Authorization => "Basic $token" },
        body => ticket_body(channel => 'hall'));
    is $r->status, 401, 'Authorization other than Bearer is 401';
}

# logout revokes
my $tok2 = $env->staff_token('judge1', 'Judge-pass-1');
my $r = $env->req(POST => '/api/v1/staff/logout', token => $token);
is $r->status, 200, 'logout is 200' or diag $r->summary;
for my $round (1, 2) {
    $r = hall($token);
    is $r->status, 401, "round $round: revoked token is 401 on hall intake";
    is $r->error_code, 'unauthenticated', "round $round: ... unauthenticated";
    $r = $env->req(POST => '/api/v1/staff/logout', token => $token);
    is $r->status, 401, "round $round: logout again with the revoked token is 401";
}
ok $env->sql_one('SELECT COUNT(*) FROM sessions WHERE revoked_at IS NOT NULL')
    >= 1, 'the session row is marked revoked';
$r = $env->req(POST => '/api/v1/staff/logout');
is $r->status, 401, 'logout without a token is 401';
is $r->error_code, 'unauthenticated', '... unauthenticated';

# the other session is untouched
$r = hall($tok2);
is $r->status, 201, 'another session of another user still works'
    or diag $r->summary;

done_testing;
