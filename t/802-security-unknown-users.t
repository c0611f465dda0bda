#!/usr/bin/perl
# Attack (issue 14, point 2): user names that are no account.  A name
# that does not exist (or an inactive account) locks after 5 failures
# exactly like an account, with the same answers, so nothing tells an
# attacker which names exist; and the hashing a client can cause is
# bounded (30 failures per address in 15 minutes), so a flood of unknown
# names from one address does not starve real logins.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;

my $PW = 'Right-pass-1';
my $env = Liaison::Test->start(staff => [
    { username => 'alice', role => 'platform_staff', department => 'filing',
      password => $PW },
    { username => 'gone', role => 'platform_staff', department => 'filing',
      password => $PW, active => 0 },
    { username => 'carol', role => 'judge', department => 'civil',
      password => $PW },
]);

sub login {
    my ($from, $user, $pass) = @_;
    return $env->req(POST => '/api/v1/staff/login', from => $from,
        body => { username => $user, password => $pass });
}

# the same sequence of answers for an account, an unknown name and an
# inactive account, each from its own address
my %seen;
my @names = ([ alice => '127.0.0.2' ], [ 'no-such-user' => '127.0.0.3' ],
    [ gone => '127.0.0.4' ]);
for my $n (@names) {
    my ($name, $from) = @$n;
    my @seq = map { login($from, $name, "wrong-$_") } 1 .. 7;
    push @{ $seen{seq} }, join ' ', map { $_->status } @seq;
    $seen{ "401:" . $seq[0]->body }++;
    $seen{ "429:" . $seq[6]->body }++;
    is join(' ', map { $_->status } @seq), '401 401 401 401 401 429 429',
        "$name: 5 failures, then locked";
    is login($from, $name, $PW)->status, 429,
        "$name: then even its password (if any) is refused";
}
is scalar(grep { /^401:/ } keys %seen), 1, 'the 401 bodies are identical';
is scalar(grep { /^429:/ } keys %seen), 1, 'the 429 bodies are identical';
is $env->sql_one("SELECT failed_logins FROM login_throttle "
    . "WHERE k = 'uno-such-user'"), 8, 'the unknown name is counted';
is $env->sql_one("SELECT COUNT(*) FROM login_throttle WHERE k = 'ualice'"),
    0, 'an account is counted on its own row (staff), not twice';
is $env->sql_one("SELECT COUNT(*) FROM login_throttle "
    . "WHERE k LIKE 'u%' AND locked_until IS NOT NULL"), 2,
    'the unknown and the inactive name are locked';

# a flood of unknown names from one address while a judge logs in from
# another: at most 30 of them are hashed, the judge gets in
{
    my @flood = map {
        $env->req_start(POST => '/api/v1/staff/login', from => '127.0.0.9',
            body => { username => "flood$_", password => 'x' })
    } 1 .. 60;
    my $judge = $env->req_start(POST => '/api/v1/staff/login',
        from => '127.0.0.10', body => { username => 'carol',
        password => $PW });
    my @r = map { $_->wait(120) } @flood;
    my $j = $judge->wait(120);
    my %n;
    $n{ $_->status }++ for @r;
    is $n{401}, 30, 'a flood of 60 unknown names from one address: '
        . '30 hashed' or diag explain \%n;
    is $n{429}, 30, '... 30 refused without hashing' or diag explain \%n;
    is $j->status, 200, 'the judge logs in meanwhile from another address';
    is $env->sql_one("SELECT COUNT(*) FROM login_throttle "
        . "WHERE k LIKE 'uflood%'"), 30,
        'names refused for their address leave no row (no table flood)';
    diag sprintf 'judge login during the flood: %.2f s', $j->{elapsed};
}

done_testing;
