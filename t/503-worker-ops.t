#!/usr/bin/perl
# The worker's operations: `liaison-worker metrics` prints strict
# Prometheus text from the database (outbox depth by channel and status,
# oldest pending message, delivery attempts by result and code,
# escalations, calendar years) that moves as messages are delivered; the
# retention job removes the personal data of tickets closed more than
# retention_days ago and keeps what the statistics need.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Tickets;
use Liaison::Worker;
use Liaison::MockWeChat;
use Liaison::Prometheus;
use IO::Socket::INET;

my $env = Liaison::Test->start(workers => 1, pool_size => 2);
my $mock = Liaison::MockWeChat->start;
my $w = Liaison::Worker->new($env, $mock, ladder => 'off',
    calendar_alert => 'off', bulletin => 'off', risk_stage_hours => 0);
my $NOW = '2026-03-02T10:00:00+08:00';

sub metrics {
    my $r = Liaison::Test::_run_capture($Liaison::Worker::BIN, 'metrics',
        '-c', $w->conf_file);
    is $r->{rc}, 0, 'liaison-worker metrics: exit 0' or diag $r->{output};
    my $m = eval { Liaison::Prometheus->parse($r->{stdout}) };
    ok $m, 'its output parses as Prometheus text' or diag $@, $r->{stdout};
    return $m;
}

# --- metrics --------------------------------------------------------------
my $m = metrics();
is $m->value('liaison_worker_db_up'), 1, 'db up';
is $m->value('liaison_worker_schema_version'),
    $m->value('liaison_worker_schema_expected_version'),
    'schema version as expected';
is $m->sum('liaison_worker_outbox_messages'), 0, 'an empty outbox';
is $m->value('liaison_worker_outbox_oldest_pending_seconds',
    channel => 'sms'), 0, 'nothing pending: age 0';
ok $m->value('liaison_worker_calendar_years_loaded') >= 7,
    'the calendar years are counted';
is $m->value('liaison_worker_calendar_year_loaded', year => 2026), 1,
    '2026 is loaded';
for my $f (qw(liaison_worker_delivery_attempts_total
        liaison_worker_escalations_total)) {
    is $m->type($f), 'counter', "$f is a counter";
}

for my $i (1 .. 3) {
    $w->outbox_add(channel => 'sms', recipient => "1380013800$i",
        payload => { text => "测试短信 $i" });
}
$m = metrics();
is $m->value('liaison_worker_outbox_messages', channel => 'sms',
    status => 'pending'), 3, '3 SMS pending';
ok $m->value('liaison_worker_outbox_oldest_pending_seconds',
    channel => 'sms') > 0, 'the oldest pending SMS has an age';

my $r = $w->once($NOW);
is $r->{rc}, 0, 'a pass delivers them' or diag $r->{output};
$m = metrics();
is $m->value('liaison_worker_outbox_messages', channel => 'sms',
    status => 'sent'), 3, '3 SMS sent';
is $m->sum('liaison_worker_outbox_messages', status => 'pending'), 0,
    'none pending';
is $m->sum('liaison_worker_delivery_attempts_total', channel => 'sms',
    result => 'sent'), 3, '3 attempts with result sent';
is $m->value('liaison_worker_outbox_oldest_pending_seconds',
    channel => 'sms'), 0, 'nothing pending: age 0 again';

# --- retention ------------------------------------------------------------
my @t;
for my $i (1 .. 3) {
    my $res = $env->req(POST => '/api/v1/tickets', body => ticket_body());
    is $res->status, 201, "intake $i" or diag $res->summary;
    push @t, $env->sql('SELECT * FROM tickets WHERE ticket_no = ?',
        $res->json->{ticket_no})->[0];
}
# 1: closed four years ago, 2: closed last month, 3: open
# (filed a few days before: a ticket closes after it was filed)
$env->sql("UPDATE tickets SET status = 'closed', closed_at = ?, created_at = "
    . "DATE_SUB(?, INTERVAL 5 DAY) WHERE id = ?",
    '2022-01-10 10:00:00', '2022-01-10 10:00:00', $t[0]{id});
$env->sql("UPDATE tickets SET status = 'closed', closed_at = ?, created_at = "
    . "DATE_SUB(?, INTERVAL 5 DAY) WHERE id = ?",
    '2026-02-10 10:00:00', '2026-02-10 10:00:00', $t[1]{id});
@t = map { $env->sql('SELECT * FROM tickets WHERE id = ?', $_->{id})->[0] } @t;
for my $t (@t) {
    $env->sql('INSERT INTO ticket_messages (ticket_id, author_kind, content, '
        . "created_at) VALUES (?, 'litigant', ?, '2022-01-05 09:00:00')",
        $t->{id}, "我的电话是13912345678 ($t->{id})");
    $env->sql('INSERT INTO ticket_events (ticket_id, type, actor_kind, note, '
        . "public, created_at) VALUES (?, 'reply', 'staff', ?, 1, "
        . "'2022-01-06 09:00:00')", $t->{id}, "答复张三 ($t->{id})");
    $w->outbox_add(channel => 'sms', recipient => '13912345678',
        ticket_id => $t->{id}, payload => { text => '您好张三' });
}
$env->sql("UPDATE outbox SET status = 'sent' WHERE ticket_id IS NOT NULL");

$m = metrics();
is $m->value('liaison_worker_retention_pending'), 1,
    'one closed ticket is past retention_days (1095, the default)';

for my $round (1, 2) {
    $r = $w->once($NOW);
    is $r->{rc}, 0, "round $round: a pass with the retention job"
        or diag $r->{output};
    my $a = $env->sql('SELECT * FROM tickets WHERE id = ?', $t[0]{id})->[0];
    is $a->{content}, '', "round $round: the old ticket's text is gone";
    ok !defined $a->{contact_name} && !defined $a->{contact_phone},
        "round $round: its contact name and phone are gone";
    is_deeply [ @$a{qw(ticket_no channel category track status created_at
        due_at closed_at department_id)} ],
        [ @{ $t[0] }{qw(ticket_no channel category track)}, 'closed',
          @{ $t[0] }{qw(created_at due_at)}, '2022-01-10 10:00:00',
          $t[0]{department_id} ],
        "round $round: number, channel, category, track, status and times "
        . 'stay';
    is $env->sql_one('SELECT COUNT(*) FROM ticket_messages WHERE '
        . "ticket_id = ? AND content <> ''", $t[0]{id}), 0,
        "round $round: its messages' text is gone";
    is $env->sql_one('SELECT COUNT(*) FROM ticket_messages WHERE '
        . 'ticket_id = ?', $t[0]{id}), 1, "round $round: the message row "
        . 'stays (it counts)';
    is $env->sql_one('SELECT COUNT(*) FROM ticket_events WHERE ticket_id = ? '
        . 'AND note IS NOT NULL', $t[0]{id}), 0,
        "round $round: the timeline notes are gone";
    ok $env->sql_one('SELECT COUNT(*) FROM ticket_events WHERE '
        . 'ticket_id = ?', $t[0]{id}) >= 2,
        "round $round: the timeline events stay";
    is $env->sql_one("SELECT COUNT(*) FROM outbox WHERE ticket_id = ? AND "
        . "(recipient <> '' OR JSON_LENGTH(payload) > 0)", $t[0]{id}), 0,
        "round $round: its sent messages lose recipient and text";
    for my $k (1, 2) {
        my $b = $env->sql('SELECT * FROM tickets WHERE id = ?',
            $t[$k]{id})->[0];
        is_deeply [ @$b{qw(content contact_name contact_phone)} ],
            [ @{ $t[$k] }{qw(content contact_name contact_phone)} ],
            "round $round: ticket " . ($k + 1) . ' keeps its data';
        is $env->sql_one('SELECT COUNT(*) FROM ticket_messages WHERE '
            . "ticket_id = ? AND content <> ''", $t[$k]{id}), 1,
            "round $round: ticket " . ($k + 1) . ' keeps its messages';
    }
}
like $w->log_text, qr/retention: personal data removed from 1 ticket/,
    'the worker logged it once';
$m = metrics();
is $m->value('liaison_worker_retention_pending'), 0, 'nothing pending';

# --- the daemon's metrics over HTTP (metrics_listen) ------------------------
{
    my $port = Liaison::Test::free_port();
    my $wd = Liaison::Worker->new($env, $mock, ladder => 'off',
        calendar_alert => 'off', bulletin => 'off', risk_stage_hours => 0,
        sms_url => undef, metrics_listen => "127.0.0.1:$port");
    my $pid = $wd->spawn;
    my $text;
    ok wait_until(sub {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
            PeerPort => $port, Proto => 'tcp', Timeout => 2) or return 0;
        print $s "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
        local $/;
        $text = <$s>;
        return $text && $text =~ m{^HTTP/1.1 200 };
    }, 30), 'GET /metrics of the daemon answers 200';
    my ($head, $body) = split /\r\n\r\n/, $text // '', 2;
    like $head, qr{Content-Type: text/plain; version=0\.0\.4}i,
        'the Prometheus text type';
    my $hm = eval { Liaison::Prometheus->parse($body) };
    ok $hm, 'it parses as Prometheus text' or diag $@;
    my ($info) = $hm ? $hm->series('liaison_worker_info') : ();
    ok $info && $info->{labels}{version} && $info->{labels}{build},
        'liaison_worker_info with version and build';
    my $st = $hm ? $hm->value('liaison_worker_start_time_seconds') // 0 : 0;
    ok $st > 1.7e9 && $st <= time + 1, 'the start time of the daemon';
    is $hm && $hm->value('liaison_worker_db_up'), 1, 'db up';
    is $hm && $hm->value('liaison_worker_channel_configured',
        channel => 'sms'), 0, 'sms not configured on this daemon';
    is $hm && $hm->value('liaison_worker_channel_configured',
        channel => 'wecom'), 1, 'wecom configured';
    ok $hm && defined $hm->value('liaison_worker_outbox_oldest_pending_seconds',
        channel => 'sms'), 'and the database series';
    ok $hm && defined $hm->value('liaison_worker_sends_total',
        result => 'sent'), 'and what this daemon sent';
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
        Proto => 'tcp', Timeout => 2);
    print $s "GET / HTTP/1.1\r\n\r\n";
    like do { local $/; <$s> }, qr{^HTTP/1.1 404 }, 'another path: 404';
    kill 'TERM', $pid;
    is(Liaison::Worker->reap($pid, 30), 0, 'the daemon stops cleanly');
    like $wd->log_text,
        qr/no settings \(left pending for a worker that has them\): sms/,
        'it said at start which channels it leaves';
    my $bad = $wd->write_conf(metrics_listen => 'localhost:x');
    like $wd->check->{output}, qr/"metrics_listen" must be ADDRESS:PORT/,
        'a bad metrics_listen is refused';
}

# retention_days = 0 keeps everything
my $w0 = Liaison::Worker->new($env, $mock, ladder => 'off',
    calendar_alert => 'off', bulletin => 'off', risk_stage_hours => 0,
    retention_days => 0);
$r = $w0->once('2030-01-01T10:00:00+08:00');
is $r->{rc}, 0, 'retention_days 0: a pass' or diag $r->{output};
is $env->sql_one("SELECT COUNT(*) FROM tickets WHERE content <> ''"), 2,
    'retention_days 0: nothing removed, even years later';
$r = $w0->check;
is $r->{rc}, 0, 'retention_days is a known key';

done_testing;
