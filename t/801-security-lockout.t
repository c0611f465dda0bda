#!/usr/bin/perl
# Attack (issue 14, point 1): the staff lockout under a burst of parallel
# guesses.  Each attempt is counted in the database before its password
# hash runs, so of 25 guesses sent at once only 5 are evaluated and the
# rest are refused unhashed (429), a right password in or after the burst
# neither gets in beyond the limit nor clears the lock, and the client
# address has a limit of its own.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;

my $PW = 'Right-pass-1';
my $env = Liaison::Test->start(staff => [
    map { { username => $_, role => 'platform_staff', department => 'filing',
            password => $PW } } qw(victim victim2 bystander),
]);

sub login_start {
    my ($from, $user, $pass) = @_;
    return $env->req_start(POST => '/api/v1/staff/login', from => $from,
        body => { username => $user, password => $pass });
}

sub burst {
    my ($from, @attempts) = @_;
    my @p = map { login_start($from, @$_) } @attempts;
    return map { $_->wait(60) } @p;
}

sub tally {
    my %n;
    $n{ $_->status }++ for @_;
    return \%n;
}

# 25 guesses at once, the right password sent last
{
    my @r = burst('127.0.0.2',
        (map { [ victim => "wrong-$_" ] } 1 .. 24), [ victim => $PW ]);
    my $n = tally(@r);
    my $hashed = ($n->{401} // 0) + ($n->{200} // 0);
    is $hashed, 5, 'of 25 parallel guesses exactly 5 are evaluated '
        . '(the limit)' or diag explain $n;
    is $n->{429}, 20, 'the other 20 are refused: 429' or diag explain $n;
    is scalar(grep { $_->status == 429 && ($_->error_code // '') eq
        'rate_limited' } @r), $n->{429} // 0, '... rate_limited';
    is $env->sql_one("SELECT failed_logins FROM staff "
        . "WHERE username = 'victim'"), 25,
        'every attempt was counted before hashing';
    ok defined $env->sql_one("SELECT locked_until FROM staff "
        . "WHERE username = 'victim'"), 'the account is locked';
}

# the right password after the burst: still locked, no session
{
    my $r = login_start('127.0.0.3', victim => $PW)->wait(30);
    is $r->status, 429, 'the right password after the burst: 429';
    ok $env->sql_one("SELECT COUNT(*) FROM sessions s JOIN staff st "
        . "ON st.id = s.staff_id WHERE st.username = 'victim'") <= 1,
        'no session beyond one the burst may have guessed within the limit';
    ok $env->sql_one("SELECT failed_logins FROM staff "
        . "WHERE username = 'victim'") > 5,
        'a right password inside the burst did not clear the lock';
}

# the right password sent in the first five: it may log in, but the
# others' failures keep the lock (a success clears only what is within
# the limit)
{
    my @r = burst('127.0.0.4', [ victim2 => $PW ],
        map { [ victim2 => "wrong-$_" ] } 1 .. 11);
    my $n = tally(@r);
    is +($n->{401} // 0) + ($n->{200} // 0), 5,
        'second burst of 12: 5 evaluated' or diag explain $n;
    my $r = login_start('127.0.0.5', victim2 => $PW)->wait(30);
    is $r->status, 429, 'after it, the right password is refused: the lock '
        . 'stands whether or not the burst had it right';
}

# a right login from elsewhere, other account, is not affected
is login_start('127.0.0.6', bystander => $PW)->wait(30)->status, 200,
    'another account logs in meanwhile';

# per client address: 30 failures in 15 minutes, whatever the names
{
    my @r = burst('127.0.0.7', map { [ "nobody$_" => 'guess' ] } 1 .. 36);
    my $n = tally(@r);
    is $n->{401}, 30, 'one address, 36 names: 30 evaluated'
        or diag explain $n;
    is $n->{429}, 6, '... 6 refused unhashed' or diag explain $n;
    my $r = login_start('127.0.0.7', bystander => $PW)->wait(30);
    is $r->status, 429, 'then even a right login from that address: 429';
    $r = login_start('127.0.0.8', bystander => $PW)->wait(30);
    is $r->status, 200, 'from another address it works';
    is $env->sql_one("SELECT failed_logins FROM staff "
        . "WHERE username = 'bystander'"), 0,
        'the refused attempt from the locked address is forgotten by the '
        . 'next success';
}

# the address window ends: a lock that ran out starts afresh (the time
# is moved in the database, nothing waits on the clock)
$env->sql("UPDATE login_throttle SET locked_until = '2020-01-01 00:00:00' "
    . "WHERE k = 'a127.0.0.7'");
is login_start('127.0.0.7', bystander => $PW)->wait(30)->status, 200,
    'after the window the address may log in again';
is $env->sql_one("SELECT failed_logins FROM login_throttle "
    . "WHERE k = 'a127.0.0.7'"), 0, '... its count started afresh';

done_testing;
