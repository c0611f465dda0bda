#!/usr/bin/perl
# The security tables do not grow without bound (issue 14).  Failed staff
# logins are forgotten after 15 quiet minutes, for an account and for a
# name that is none alike (migration 019), and every worker pass deletes,
# in batches, the login_throttle rows that would start afresh anyway (an
# address's window or a lock ended, a name's failures quiet for 15
# minutes) and the wx_push_nonces past their expiry (twice the push
# timestamp window) and the intakes' Idempotency-Keys older than 7 days,
# with the worker's injectable now; rows still counting stay.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Worker;
use Liaison::MockWeChat;

my $PW = 'Right-pass-1';
my $env = Liaison::Test->start(workers => 1, staff => [
    map { { username => $_, role => 'platform_staff',
            department => 'filing', password => $PW } } qw(alice bob) ]);

sub login {
    my ($from, $user, $pass) = @_;
    return $env->req(POST => '/api/v1/staff/login', from => $from,
        body => { username => $user, password => $pass })->status;
}

# --- the module: failures quiet for 15 minutes are forgotten -------------
my %row = (alice => [ staff => 'username = ?', 'alice' ],
           ghost => [ login_throttle => 'k = ?', 'ughost' ],
           bob => [ staff => 'username = ?', 'bob' ],
           ghost2 => [ login_throttle => 'k = ?', 'ughost2' ]);
my %from = (alice => '127.0.0.2', ghost => '127.0.0.3', bob => '127.0.0.4',
    ghost2 => '127.0.0.5');
for my $who (sort keys %row) {
    is join(' ', map { login($from{$who}, $who, "wrong-$_") } 1 .. 4),
        '401 401 401 401', "$who: 4 failures";
    my ($t, $where, $v) = @{ $row{$who} };
    is $env->sql_one("SELECT failed_logins FROM $t WHERE $where", $v), 4,
        '... counted';
    ok $env->sql_one("SELECT last_failed_at IS NOT NULL FROM $t WHERE "
        . $where, $v), '... the last one\'s time kept';
}
# alice and ghost: quiet for 16 minutes; bob and ghost2: for 14
for my $who (sort keys %row) {
    my ($t, $where, $v) = @{ $row{$who} };
    my $ago = $who =~ /^(?:alice|ghost)$/ ? 16 : 14;
    $env->sql("UPDATE $t SET last_failed_at = NOW() - INTERVAL $ago MINUTE "
        . "WHERE $where", $v);
}
for my $who (qw(alice ghost)) {
    is join(' ', map { login($from{$who}, $who, "wrong-x$_") } 1 .. 2),
        '401 401', "$who after 16 quiet minutes: two more failures, no lock";
    my ($t, $where, $v) = @{ $row{$who} };
    is $env->sql_one("SELECT failed_logins FROM $t WHERE $where", $v), 2,
        '... counted from 1 again';
}
is login($from{alice}, 'alice', $PW), 200, 'alice logs in';
for my $who (qw(bob ghost2)) {
    is join(' ', map { login($from{$who}, $who, "wrong-x$_") } 1 .. 2),
        '401 429', "$who after 14 quiet minutes: the 5th failure locks";
}
is login($from{bob}, 'bob', $PW), 429, '... bob too, the right password';

# --- the worker: old rows go, fresh ones stay ----------------------------
my $mock = Liaison::MockWeChat->start;
my $w = Liaison::Worker->new($env, $mock, ladder => 'off',
    calendar_alert => 'off', bulletin => 'off', risk_stage_hours => 0);
my $NOW = '2026-03-02 10:00:00';
$env->sql('DELETE FROM login_throttle');
my @throttle = (
    # k, failed_logins, locked_until, last_failed_at (offsets in seconds
    # from $NOW), stays
    [ 'a10.0.0.1', 3, -1, undef, 0, 'an address window ended' ],
    [ 'a10.0.0.2', 3, 0, undef, 0, 'an address window ending now' ],
    [ 'a10.0.0.3', 3, 60, undef, 1, 'an address window running' ],
    [ 'a10.0.0.4', 31, 899, undef, 1, 'an address over its limit' ],
    [ 'uold', 3, undef, -16 * 60, 0, 'a name quiet for 16 minutes' ],
    [ 'uedge', 3, undef, -15 * 60, 0, 'a name quiet for 15 minutes' ],
    [ 'ufresh', 3, undef, -14 * 60, 1, 'a name quiet for 14 minutes' ],
    [ 'ulocked', 5, 300, -600, 1, 'a name locked' ],
    [ 'uunlocked', 6, -1, -1000, 0, 'a name whose lock ended' ],
);
for my $r (@throttle) {
    $env->sql('INSERT INTO login_throttle (k, failed_logins, locked_until, '
        . 'last_failed_at) VALUES (?, ?, ? + INTERVAL ? SECOND, '
        . '? + INTERVAL ? SECOND)', $r->[0], $r->[1],
        (defined $r->[2] ? ($NOW, $r->[2]) : (undef, 0)),
        (defined $r->[3] ? ($NOW, $r->[3]) : (undef, 0)));
}
# 1 200 expired nonces (three batches), one expiring now, one later
$env->sql('INSERT INTO wx_push_nonces (nonce_key, body_sha256, expires_at) '
    . 'SELECT CONCAT(\'1700000000:n\', seq), REPEAT(\'a\', 64), '
    . '? - INTERVAL seq SECOND FROM seq_1_to_1200', $NOW);
$env->sql('INSERT INTO wx_push_nonces (nonce_key, body_sha256, expires_at) '
    . 'VALUES (?, ?, ?), (?, ?, ?)', '1700000000:now', 'b' x 64, $NOW,
    '1700000000:later', 'c' x 64, '2026-03-02 10:10:00');
is $env->sql_one('SELECT COUNT(*) FROM wx_push_nonces'), 1202,
    '1 202 nonces before the pass';
# intakes' Idempotency-Keys: kept 7 days for retries, then purged
$env->sql('DELETE FROM idempotency_keys');
my @keys = ([ 'k-old', 8 * 86400, 0, 'a key of 8 days ago' ],
            [ 'k-edge', 7 * 86400, 1, 'a key of exactly 7 days ago' ],
            [ 'k-fresh', 6 * 86400, 1, 'a key of 6 days ago' ]);
for my $k (@keys) {
    $env->sql('INSERT INTO idempotency_keys (principal, idem_key, '
        . 'request_hash, status, response, created_at) VALUES '
        . "('anon', ?, REPEAT('d', 64), 201, '{}', ? - INTERVAL ? SECOND)",
        $k->[0], $NOW, $k->[1]);
}

my $out = $w->once('2026-03-02T10:00:00+08:00');
is $out->{rc}, 0, 'a worker pass' or diag $out->{output};

my %left = map { $_->{k} => 1 }
    @{ $env->sql('SELECT k FROM login_throttle') };
for my $r (@throttle) {
    is !!$left{ $r->[0] }, !!$r->[4],
        ($r->[4] ? 'stays: ' : 'deleted: ') . $r->[5];
}
is_deeply [ map { $_->{nonce_key} } @{ $env->sql('SELECT nonce_key FROM '
    . 'wx_push_nonces ORDER BY nonce_key') } ],
    [ '1700000000:later', '1700000000:now' ],
    'the 1 200 expired nonces deleted; the ones expiring now and later stay';
like $w->log_text, qr/purge: 1200 row\(s\) of wx_push_nonces deleted/,
    'the log says how many';
my %kept = map { $_->{idem_key} => 1 }
    @{ $env->sql('SELECT idem_key FROM idempotency_keys') };
for my $k (@keys) {
    is !!$kept{ $k->[0] }, !!$k->[2],
        ($k->[2] ? 'stays: ' : 'deleted: ') . $k->[3];
}
like $w->log_text, qr/purge: 3 row\(s\) of login_throttle \(windows and locks ended\)/,
    '... of each kind';

# a second pass finds nothing more
$out = $w->once('2026-03-02T10:00:00+08:00');
is $env->sql_one('SELECT COUNT(*) FROM login_throttle'), 4,
    'a second pass at the same instant deletes nothing more';
# and later, what was counting goes too
$out = $w->once('2026-03-02T10:20:00+08:00');
is $out->{rc}, 0, 'a pass 20 minutes later';
is $env->sql_one('SELECT COUNT(*) FROM login_throttle'), 0,
    '... every window, lock and count has ended';
is $env->sql_one('SELECT COUNT(*) FROM wx_push_nonces'), 0,
    '... every nonce expired';
is_deeply [ map { $_->{idem_key} } @{ $env->sql('SELECT idem_key FROM '
    . 'idempotency_keys') } ], [ 'k-fresh' ],
    '... the key of 7 days and 20 minutes ago went; 6 days ago stays';

done_testing;
