#!/usr/bin/perl
# The body of bench/worker.sh (see there).

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::MockWeChat;
use Liaison::Worker;
use Time::HiRes qw(time);

binmode STDOUT, ':encoding(UTF-8)';

my $MSGS = $ENV{BENCH_W_MESSAGES} // 10000;
my $ORDERS = $ENV{BENCH_W_ORDERS} // 100000;
my $CONC = $ENV{BENCH_W_CONCURRENCY} // 32;
my $BATCH = $ENV{BENCH_W_BATCH} // 200;
my $NOW = '2026-03-20T10:00:00+08:00';
my @out;

sub say_line { my ($l) = @_; print "$l\n"; push @out, $l }

my $env = Liaison::Test->start(no_nginx => 1);
if ($ENV{BENCH_W_DURABLE}) {
    $env->root_sql_one('SET GLOBAL innodb_flush_log_at_trx_commit = 1');
}
my $mock = Liaison::MockWeChat->start;
$mock->configure(validate => 0, log_bodies => 0);
my $w = Liaison::Worker->new($env, $mock, concurrency => $CONC,
    batch_size => $BATCH, log_level => 'info', ladder => 'off');
$w->once($NOW);    # tokens

say_line(sprintf 'liaison-worker benchmark, %s, %d CPUs, flush on commit: %s',
    scalar localtime, `nproc` + 0, $ENV{BENCH_W_DURABLE} ? 'yes' : 'no (2)');

# --- 1. deliveries per second ---------------------------------------------
my ($tpl) = @Liaison::MockWeChat::TEMPLATES;
for my $channel (qw(sms wx_subscribe)) {
    my $dbh = $env->dbh;
    $dbh->do('DELETE FROM outbox');
    $dbh->do('DELETE FROM delivery_attempts');
    my $payload = $channel eq 'sms'
        ? '{"text":"您的诉求已答复，请登录广州微法院查看。"}'
        : '{"page":"pages/ticket/detail","data":{"thing1":"您的诉求已答复，'
          . '请登录查看","time2":"2026-03-20 10:00:00"}}';
    $dbh->do('INSERT INTO outbox (channel, recipient, template_id, payload, '
        . 'kind, status, attempts, next_attempt_at, created_at) '
        . "SELECT ?, IF(? = 'sms', CONCAT('139', LPAD(seq, 8, '0')), "
        . "CONCAT('oBench', LPAD(seq, 22, '0'))), ?, ?, 'bench', 'pending', "
        . "0, '2026-03-20 09:00:00', '2026-03-20 09:00:00' "
        . "FROM seq_1_to_$MSGS", undef, $channel, $channel,
        $channel eq 'sms' ? undef : $tpl, $payload);
    if ($channel ne 'sms') {
        $dbh->do('INSERT INTO subscribe_consents (openid, template_id, '
            . "remaining, status, created_at, updated_at) SELECT "
            . "CONCAT('oBench', LPAD(seq, 22, '0')), ?, 1, 'active', "
            . "'2026-03-20 09:00:00', '2026-03-20 09:00:00' "
            . "FROM seq_1_to_$MSGS", undef, $tpl);
    }
    my $t0 = time;
    my $r = $w->once($NOW);
    my $dt = time - $t0;
    die "worker failed: $r->{output}" if $r->{rc};
    my $sent = $env->sql_one("SELECT COUNT(*) FROM outbox WHERE status = "
        . "'sent'");
    say_line(sprintf '%-13s %6d messages sent in %6.2f s: %7.0f deliveries/s'
        . ' (concurrency %d, batch %d)', $channel, $sent, $dt, $sent / $dt,
        $CONC, $BATCH);
}

# --- 2. one escalation pass over N open work orders ------------------------
my $dbh = $env->dbh;
$dbh->do('DELETE FROM outbox');
my $judge = $env->add_staff(username => 'judge1', role => 'judge',
    department => 'civil', mobile => '13800138002');
my $leader = $env->add_staff(username => 'leader', role => 'dept_leader',
    department => 'civil', mobile => '13800138006');
my $vp = $env->add_staff(username => 'vp', role => 'vice_president',
    department => 'trial_mgmt', mobile => '13800138007');
$env->add_staff(username => 'president', role => 'president',
    department => 'trial_mgmt', mobile => '13800138008');
my $civil = $env->add_department(code => 'civil');
$dbh->do('UPDATE departments SET leader_staff_id = ?, '
    . 'vice_president_staff_id = ? WHERE id = ?', undef, $leader, $vp, $civil);
# due times spread over the 20 days before and the 5 days after --now
$dbh->do('INSERT INTO tickets (ticket_no, query_code, channel, category, '
    . 'track, status, content, department_id, assignee_staff_id, '
    . 'first_handler_staff_id, created_at, due_at, updated_at) '
    . "SELECT CONCAT('26', LPAD(seq, 11, '0')), 'ABCDEFGHJK', 'web', "
    . "'contact_judge', 'ordinary', IF(seq % 2, 'dispatched', 'accepted'), "
    . "'请转告承办法官：我已补交证据材料，请尽快联系我。', ?, ?, ?, "
    . "'2026-02-20 09:00:00', "
    . "TIMESTAMPADD(MINUTE, -(seq * 7919 % 36000), '2026-03-25 10:00:00'), "
    . "'2026-02-20 09:00:00' FROM seq_1_to_$ORDERS", undef, $civil, $judge,
    $judge);
# and as many closed tickets beside them
$dbh->do("INSERT INTO tickets (ticket_no, query_code, channel, category, "
    . "track, status, content, created_at, due_at, updated_at) "
    . "SELECT CONCAT('25', LPAD(seq, 11, '0')), 'ABCDEFGHJK', 'web', "
    . "'other', 'ordinary', 'closed', 'x', '2026-01-05 09:00:00', "
    . "'2026-01-07 09:00:00', '2026-01-08 09:00:00' FROM seq_1_to_$ORDERS");
$dbh->do('ANALYZE TABLE tickets');

my $lw = Liaison::Worker->new($env, $mock, deliver => 'off',
    ladder_channels => 'sms, wecom', log_level => 'debug');
for my $run ([ 'catch-up pass', $NOW ], [ 'steady state', $NOW ],
             [ 'next day', '2026-03-21T10:00:00+08:00' ]) {
    my $t0 = time;
    my $r = $lw->once($run->[1]);
    my $dt = time - $t0;
    die "worker failed: $r->{output}" if $r->{rc};
    my ($line) = $r->{output} =~ /(ladder: \d+ work orders scanned[^\n]*)/;
    $line //= '';
    my ($fired) = $line =~ /(\d+) steps fired/;
    my ($msgs) = $line =~ /(\d+) messages queued/;
    my ($ms) = $line =~ /in (\d+) ms/;
    say_line(sprintf 'ladder %-14s %6d open work orders (of %d tickets): '
        . '%6d steps fired, %6d messages queued; pass %6.2f s (process '
        . '%.2f s)', $run->[0], $ORDERS, 2 * $ORDERS, $fired // 0,
        $msgs // 0, ($ms // 0) / 1000, $dt);
}
say_line(sprintf 'escalations %d, timeline events %d, outbox rows %d',
    $env->sql_one('SELECT COUNT(*) FROM escalations'),
    $env->sql_one('SELECT COUNT(*) FROM ticket_events'),
    $env->sql_one('SELECT COUNT(*) FROM outbox'));

open my $fh, '>:encoding(UTF-8)', 'bench/results/worker-latest.txt' or die $!;
print $fh "$_\n" for @out;
close $fh;
