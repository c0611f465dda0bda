#!/usr/bin/perl
# Attack suite (issue 14): the trial system's signed ingest.  A captured
# good request is bent every way an attacker on the path could: another
# body under its signature, its body under a moved timestamp, the
# timestamp spelt differently (spaces, leading zeros, a sign, a fraction,
# huge), the signature cut, padded, doubled or in another header, a second
# timestamp header, trailing bytes after the JSON.  Each is 401 (or 400
# for a malformed header) and writes nothing; the capture replayed is
# answered as before and changes nothing (X-Liaison-Replayed).

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Digest::SHA qw(hmac_sha256_hex);
use Liaison::Test;
use Liaison::Litigant;

my $t = Liaison::Litigant->start;
my $env = $t->env;
my $KEY = $Liaison::Litigant::INGEST_KEY;
my $CASE = '（2026）粤0115民初9001号';

sub raw {
    my ($path, $bytes, %h) = @_;
    return $env->req(POST => "/api/v1/ingest/$path", body => $bytes,
        headers => { 'Content-Type' => 'application/json', %h });
}
sub bytes_of {
    my $b = Liaison::Test::json_encode($_[0]);
    utf8::encode($b) if utf8::is_utf8($b);
    return $b;
}
sub sign { hmac_sha256_hex("$_[0]\n$_[1]", $_[2] // $KEY) }
sub state {
    join ',', map { $env->sql_one("SELECT COUNT(*) FROM $_") }
        qw(cases case_parties case_nodes outbox ingest_requests);
}

my $good = bytes_of({ cases => [ $t->case_body($CASE) ] });
my $ts = time;
my $sig = sign($ts, $good);
my $r = raw('cases', $good, 'X-Liaison-Timestamp' => $ts,
    'X-Liaison-Signature' => $sig);
is $r->status, 200, 'the captured request: 200' or diag $r->summary;
my $first = $r->body;

my $s = state();
$r = raw('cases', $good, 'X-Liaison-Timestamp' => $ts,
    'X-Liaison-Signature' => $sig);
is $r->status, 200, 'the capture replayed: answered';
is $r->header('x-liaison-replayed'), '1', '... marked replayed';
is $r->body, $first, '... with the first answer';
is state(), $s, '... and nothing changed';

# the attacker's body: the case's parties replaced by their own phone
my $evil = bytes_of({ cases => [ $t->case_body($CASE, parties => [
    { role => 'plaintiff', name => '攻击者',
      phone_hash => $t->phone_hash('13000000000') } ]) ] });
my @BENT = (
    [ 'another body under the signature', $evil, $ts, $sig ],
    [ 'the body with a byte appended', "$good ", $ts, $sig ],
    [ 'the body with a NUL appended', "$good\0", $ts, $sig ],
    [ 'the body under a moved timestamp', $good, $ts + 1, $sig ],
    [ 'a timestamp with a leading zero', $good, "0$ts", $sig ],
    [ 'a timestamp with a plus sign', $good, "+$ts", sign("+$ts", $good) ],
    [ 'a timestamp with a fraction', $good, "$ts.0", sign("$ts.0", $good) ],
    [ 'a negative timestamp', $good, -1, sign(-1, $good) ],
    [ 'a huge timestamp', $good, '9' x 30, sign('9' x 30, $good) ],
    [ 'a stale timestamp, validly signed', $evil, $ts - 301,
      sign($ts - 301, $evil) ],
    [ 'a future timestamp, validly signed', $evil, $ts + 301,
      sign($ts + 301, $evil) ],
    [ 'the signature cut', $good, $ts, substr($sig, 0, 63) ],
    [ 'the signature padded', $good, $ts, "${sig}0" ],
    [ 'the signature doubled', $good, $ts, "$sig$sig" ],
    [ 'an empty signature', $good, $ts, '' ],
    [ 'a signature under another key', $evil, $ts,
      sign($ts, $evil, 'another-key-another-key-another-key-0123') ],
    [ 'a SHA-256 of the body, no key', $evil, $ts,
      Digest::SHA::sha256_hex("$ts\n$evil") ],
    [ 'the signature base64', $evil, $ts, 'A' x 44 ],
);
$s = state();
for my $b (@BENT) {
    my ($what, $body, $ts, $sig) = @$b;
    my $r = raw('cases', $body, 'X-Liaison-Timestamp' => $ts,
        'X-Liaison-Signature' => $sig);
    ok $r->status == 401 || ($r->status == 400 && $what =~ /timestamp|NUL/),
        "$what: refused" or diag $r->summary;
}
$r = raw('cases', $evil, 'X-Liaison-Signature' => sign($ts, $evil));
is $r->status, 401, 'no timestamp header: 401';
$r = raw('cases', $evil, 'X-Liaison-Timestamp' => $ts);
is $r->status, 401, 'no signature header: 401';
$r = raw('cases', $evil, 'X-Liaison-Timestamp' => $ts,
    Authorization => 'Bearer ' . sign($ts, $evil));
is $r->status, 401, 'the signature as a bearer token: 401';

# a signed nodes request cannot be replayed against the cases endpoint
# (the body differs in shape) nor the other way round
my $nodes = bytes_of({ events => [ { event_id => 'SEC-1', case_no => $CASE,
    type => 'filed', occurred_at => '2026-01-05T09:00:00+08:00',
    detail => '立案' } ] });
my $nsig = sign($ts, $nodes);
$r = raw('cases', $nodes, 'X-Liaison-Timestamp' => $ts,
    'X-Liaison-Signature' => $nsig);
is $r->status, 400, 'a nodes body signed for nodes, sent to cases: 400 '
    . '(signed, but not a batch of cases)';
is state(), $s, 'no bent request wrote anything';

# the parties are still the captured ones
is $env->sql_one('SELECT COUNT(*) FROM case_parties p JOIN cases c '
    . 'ON c.id = p.case_id WHERE c.case_no = ? AND p.name = ?',
    $CASE, '攻击者'), 0, 'the attacker\'s party is nowhere';
unlike $env->error_log, qr/攻击者|13000000000/,
    'the refused bodies are not logged';

done_testing;
