#!/usr/bin/perl
# Attack suite (issue 14): forged, expired, revoked and confused tokens on
# every endpoint that takes one (the operations of docs/openapi.json with
# a staffToken or litigantToken).  Each bad token gets 401
# `unauthenticated` and writes nothing.  Then the session behind a good
# token is changed in the database (revoked, expired, the account
# deactivated, its role lowered): the token follows at once.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use JSON::PP ();
use Liaison::Test;
use Liaison::Staff;
use Liaison::Litigant;

my $t = Liaison::Litigant->start(staff => staff_cast());
my $env = $t->env;
my $S = staff_setup($env);
my $lit = $t->login(1);
my $pres = tok($env, 'president');

my ($sk, $ssid, $sexp) = $pres =~ /^v1\.([sl])\.([0-9a-f]{32})\.(\d+)\./
    or BAIL_OUT("token format: $pres");
my ($lk, $lsid, $lexp) = $lit =~ /^v1\.([sl])\.([0-9a-f]{32})\.(\d+)\./
    or BAIL_OUT("token format: $lit");
is "$sk$lk", 'sl', 'staff and litigant tokens are of kind s and l';
is $env->forge_token(kind => 's', sid => $ssid, exp => $sexp), $pres,
    'the harness rebuilds a real token (so the forgeries below differ '
    . 'from it only where said)';

my $tk = new_ticket($env, category => 'complaint', case => 'civil');
my $no = $tk->{ticket_no};

my $flip = sub { my $s = shift; substr($s, -1) =~ tr/0-9a-f/1-9a-f0/; $s };
my @BAD = (
    [ 'another secret', $env->forge_token(sid => $ssid, exp => $sexp,
        key => 'not-the-server-secret-0123456789abcdef') ],
    [ 'a changed MAC', $flip->($pres) ],
    [ 'the MAC in upper case', $pres =~ s/\.([0-9a-f]{64})\z/.\U$1/r ],
    [ 'the MAC cut short', substr($pres, 0, -2) ],
    [ 'no MAC', $pres =~ s/\.[0-9a-f]{64}\z//r ],
    [ 'an empty MAC', $pres =~ s/[0-9a-f]{64}\z//r ],
    [ 'a later expiry under the old MAC',
      $pres =~ s/\.$sexp\./'.' . ($sexp + 86400) . '.'/er ],
    [ 'expired (validly signed)', $env->forge_token(sid => $ssid,
        exp => 1700000000) ],
    [ 'an unknown session (validly signed)', $env->forge_token(
        sid => 'a' x 32, exp => $sexp) ],
    [ 'a litigant session presented as staff (validly signed)',
      $env->forge_token(kind => 's', sid => $lsid, exp => $lexp) ],
    [ 'a staff session presented as a litigant\'s (validly signed)',
      $env->forge_token(kind => 'l', sid => $ssid, exp => $sexp) ],
    [ 'another kind letter', $env->forge_token(kind => 'x', sid => $ssid,
        exp => $sexp) ],
    [ 'another version', $pres =~ s/^v1/v2/r ],
    [ 'a sid in upper case', $env->forge_token(sid => uc $ssid,
        exp => $sexp) ],
    [ 'a negative expiry', $env->forge_token(sid => $ssid, exp => -1) ],
    [ 'a huge expiry', $env->forge_token(sid => $ssid,
        exp => '99999999999999999999') ],
    [ 'an extra field', "$pres.x" ],
    [ 'white space inside', $pres =~ s/\./. /r ],
    [ 'a NUL inside', $pres =~ s/\./.%00/r ],
    [ 'garbage', 'abc' ],
    [ 'very long', 'v1.s.' . ('a' x 4000) ],
);

my $api = JSON::PP->new->decode(do {
    local $/;
    open my $fh, '<:raw', "$Liaison::Test::ROOT/docs/openapi.json" or die $!;
    <$fh>;
});
my %PATH = (no => $no, case_no => $t->path(CIVIL_CASE) =~ s{^/}{}r,
    id => 1, month => '2026-01');
my @OPS;
for my $path (sort keys %{ $api->{paths} }) {
    for my $m (sort keys %{ $api->{paths}{$path} }) {
        next if $m eq 'parameters';
        my @sec = map { keys %$_ } @{ $api->{paths}{$path}{$m}{security}
            || [] };
        next unless grep { /Token$/ } @sec;
        (my $url = "/api/v1$path") =~ s/\{(\w+)\}/$PATH{$1}/g;
        $url .= '?mine=1' if $path eq '/tickets' && $m eq 'get';
        push @OPS, [ uc $m, $url ];
    }
}
cmp_ok scalar @OPS, '>', 40, scalar(@OPS) . ' operations take a token';

my %before = %{ $env->counts };
for my $bad (@BAD) {
    my @wrong;
    for my $op (@OPS) {
        my ($m, $url) = @$op;
        my $r = $env->req($m, $url, token => $bad->[1],
            ($m eq 'GET' ? () : (body => {})));
        push @wrong, "$m $url: " . $r->summary
            unless $r->status == 401 && ($r->error_code // '')
                eq 'unauthenticated';
    }
    ok !@wrong, "$bad->[0]: 401 unauthenticated on every operation"
        or diag join "\n", @wrong[0 .. ($#wrong > 9 ? 9 : $#wrong)];
}
for my $h ("Basic $pres", "Bearer  $pres", "bearer$pres", "Token $pres",
           "Bearer $pres, Bearer $lit") {
    my $r = $env->req(GET => '/api/v1/staff/overview',
        headers => { Authorization => $h });
    is $r->status, 401, "Authorization \"" . substr($h, 0, 12)
        . "...\": 401";
}
my $r = $env->req(GET => "/api/v1/staff/overview?token=$pres");
is $r->status, 401, 'a token in the query string is not taken';
$r = $env->req(GET => '/api/v1/staff/overview',
    headers => { Cookie => "token=$pres" });
is $r->status, 401, 'nor in a cookie';
is_deeply $env->counts, \%before, 'no bad token wrote anything';

# --- the session behind a good token changes --------------------------------

sub worklist { $env->req(GET => '/api/v1/staff/tickets', token => $_[0]) }

my $j = tok($env, 'judge1');
is worklist($j)->status, 200, 'judge1\'s token works';
$env->sql("UPDATE sessions SET expires_at = '2000-01-01 00:00:00' WHERE id = ?",
    ($j =~ /^v1\.s\.([0-9a-f]{32})/)[0]);
is worklist($j)->status, 401, '... not once its session row has expired';

my $c = $env->staff_token('cstaff');
is worklist($c)->status, 200, 'cstaff\'s token works';
$env->sql('UPDATE staff SET active = 0 WHERE username = ?', 'cstaff');
$r = worklist($c);
ok $r->status == 401 || $r->status == 403,
    '... not once the account is deactivated' or diag $r->summary;

my $p = $env->staff_token('president');
$r = $env->req(GET => "/api/v1/tickets/$no", token => $p);
is $r->status, 200, 'the president reads a civil ticket';
$env->sql("UPDATE staff SET role = 'dept_staff', department_id = ? "
    . 'WHERE username = ?', dept_id($env, 'criminal'), 'president');
$r = $env->req(GET => "/api/v1/tickets/$no", token => $p);
is $r->status, 404, '... the same token, the role lowered to the criminal '
    . 'division\'s staff: out of scope at once';

$r = $env->req(POST => '/api/v1/wx/logout', token => $lit);
is $r->status, 200, 'a litigant logs out';
$r = $env->req(GET => '/api/v1/tickets?mine=1', token => $lit);
is $r->status, 401, '... the token is revoked';
$r = $env->req(GET => '/api/v1/tickets?mine=1',
    token => $env->forge_token(kind => 'l', sid => $lsid,
        exp => $lexp + 3600));
is $r->status, 401, '... and no re-signed form of it revives the session';

done_testing;
