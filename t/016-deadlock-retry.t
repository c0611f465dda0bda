#!/usr/bin/perl
# Complaints about one matter at the same moment (issue 15): a complaint's
# intake files it under its keys (complaint_keys) and liaison-worker
# decides A17 supervision from the committed keys.  Pairs of concurrent
# complaints about the same case and phone, many times over, then bursts
# while the worker daemon passes: every request is answered 201 (a
# deadlock or lock wait would be retried as a whole transaction, then 503,
# never 500), every acknowledged ticket is whole (its row, its events, its
# keys, its Idempotency-Key row), nothing else was written, and
# supervision counts right: after a last pass every matter with three
# complaints or more has all of them supervised, each once.  The
# complaints are the platform's hotline registrations: verified
# identities, the ones supervision counts (t/809).

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Prometheus;
use Liaison::Worker;

my $METRICS = <<'CONF';
        location = /metrics {
            liaison_metrics on;
            allow 127.0.0.1;
            deny all;
        }
CONF

my $env = Liaison::Test->start(workers => 2, server_extra => $METRICS,
    staff => [ { username => 'platform', role => 'platform_staff',
                 name => '平台' } ]);
my $platform = $env->staff_token('platform');

my @cases = map { sprintf '（2026）粤0115民初%d号', 7000 + $_ } 1 .. 4;
my $n = 0;

sub complaint_body {
    my ($case, $phone) = @_;
    $n++;
    return { channel => 'hotline', category => 'complaint',
        content => "承办法官一直不回电话，投诉（$n）。", case_no => $case,
        contact => { name => '李四', phone => $phone } };
}

my (%status, @acked, %matter);

sub fire {
    my (@bodies) = @_;
    my @p = map { $env->req_start(POST => '/api/v1/tickets',
        token => $platform, body => $_) } @bodies;
    for my $i (0 .. $#p) {
        my $r = $p[$i]->wait(60);
        $status{ $r->status }++;
        if ($r->status == 201) {
            my $j = $r->json;
            push @acked, { no => $j->{ticket_no},
                key => $r->header('idempotency-key') };
            $matter{ $bodies[$i]{case_no} }++;
        } else {
            diag 'not 201: ' . $r->summary;
        }
    }
}

# pairs: two complaints about the same case and phone at once, 60 times
for my $round (1 .. 60) {
    my $case = $cases[$round % @cases];
    my $phone = '1390000' . sprintf('%04d', $round % @cases);
    fire(map { complaint_body($case, $phone) } 1, 2);
}

# bursts: 16 at once over two matters, 5 times, while the worker daemon
# decides supervision every second from what has committed
my $w = Liaison::Worker->new($env, undef, deliver => 'off', ladder => 'off',
    bulletin => 'off', risk_stage_hours => 0, supervision_idle_days => 0,
    auto_close_days => 0, poll_interval => 1,
    map { $_ => undef } qw(wx_appid wx_secret_file wecom_corpid
    wecom_secret_file wecom_agentid sms_url sms_account sms_secret_file));
my $daemon = $w->spawn();
for my $round (1 .. 5) {
    fire(map { complaint_body($cases[$_ % 2], '13900000000') } 1 .. 16);
}
# the daemon alone decides them all within seconds of the last complaint
# (its passes between the whole ones count the matters complained of since)
my $unsup_sql = "SELECT COUNT(*) FROM tickets WHERE category = 'complaint' "
    . 'AND supervised = 0';
ok wait_until(sub { $env->sql_one($unsup_sql) == 0 }, 60),
    'the worker daemon put every complaint under supervision';
kill 'TERM', $daemon;
ok defined Liaison::Worker->reap($daemon, 30), 'the worker daemon stops';
# one more pass changes nothing
$w->supervise_complaints;

my $total = 60 * 2 + 5 * 16;
is $status{500} // 0, 0, 'no 500 among the complaints';
is $status{201} // 0, $total, "all $total complaints answered 201"
    or diag explain \%status;

# every acknowledged ticket whole, nothing else written
my $tickets = $env->sql_one(
    "SELECT COUNT(*) FROM tickets WHERE category = 'complaint'");
is $tickets, scalar @acked, 'as many complaint tickets as 201 answers';
my %no = map { $_->{no} => 1 } @acked;
is scalar keys %no, scalar @acked, 'every ticket number answered once';

my $half = $env->sql_one(<<'SQL');
SELECT COUNT(*) FROM tickets t
WHERE t.category = 'complaint' AND (
    NOT EXISTS (SELECT 1 FROM ticket_events e
                WHERE e.ticket_id = t.id AND e.type = 'registered')
 OR (SELECT COUNT(*) FROM complaint_keys k WHERE k.ticket_id = t.id) <> 2
 OR NOT EXISTS (SELECT 1 FROM outbox o WHERE o.ticket_id = t.id))
SQL
is $half, 0, 'no half ticket: each has its event, both keys, its SMS';

my $keys = $env->sql_one('SELECT COUNT(*) FROM idempotency_keys');
is $keys, scalar @acked, 'one Idempotency-Key row per ticket';
my @missing = grep { !defined $_->{key} || $env->sql_one(
    'SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = ? '
    . 'AND response LIKE ?', $_->{key}, "%$_->{no}%") != 1 } @acked;
is scalar @missing, 0, "each answer's Idempotency-Key holds its ticket";

# supervision counted each complaint: 3 or more about a case, all marked
my $unsup = $env->sql_one(
    "SELECT COUNT(*) FROM tickets WHERE category = 'complaint' "
    . 'AND supervised = 0');
is $unsup, 0, 'every complaint of a matter complained of 3+ times is '
    . 'supervised' or diag $env->sql(
        'SELECT ticket_no, case_no, supervised FROM tickets '
        . "WHERE category = 'complaint' AND supervised = 0");
my $twice = $env->sql_one(
    "SELECT COUNT(*) FROM (SELECT ticket_id FROM ticket_events WHERE "
    . "type = 'supervised' GROUP BY ticket_id HAVING COUNT(*) > 1) x");
is $twice, 0, 'no ticket supervised twice';

# the races were real, and were not errors
my $r = $env->req(GET => '/metrics');
my $m = Liaison::Prometheus->parse($r->body);
my $retries = $m->value('liaison_db_retries_total');
ok defined $retries, 'liaison_db_retries_total is reported';
diag 'transactions run again: ' . ($retries // '?') . ', lock waits '
    . 'and deadlocks in the log: '
    . scalar(() = _log() =~ /runs again/g);
sub _log { Liaison::Test::_slurp($env->error_log_file) }

done_testing;
