#!/usr/bin/perl
# The body of bench/bulletin.sh (see there).

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Worker;
use Time::HiRes qw(time);

binmode STDOUT, ':encoding(UTF-8)';

my $N = $ENV{BENCH_B_TICKETS} // 1_000_000;
my $POOL = $ENV{BENCH_B_POOL} // '1G';
my $RUNS = $ENV{BENCH_B_RUNS} // 3;
my @out;
sub say_line { my ($l) = @_; print "$l\n"; push @out, $l }

my $env = Liaison::Test->start(no_nginx => 1);
my %pool = (G => 1 << 30, M => 1 << 20);
my ($pn, $pu) = $POOL =~ /^(\d+)([GM])$/ or die "BENCH_B_POOL: 1G, 512M ...\n";
$env->_root_dbh->do("SET GLOBAL innodb_buffer_pool_size = " . $pn * $pool{$pu});
my $dbh = $env->dbh;
say_line(sprintf 'monthly bulletin benchmark, %s, %d CPUs, %s tickets, '
    . 'buffer pool %s', scalar localtime, `nproc` + 0, $N, $POOL);

# 12 departments with a judge each
my @judges;
for my $d (1 .. 12) {
    my $code = "dept$d";
    $env->add_department(code => $code, name => "审判庭$d");
    push @judges, $env->add_staff(username => "judge$d", role => 'judge',
        department => $code, name => "法官$d", password => 'x');
}
my $dept0 = $env->sql_one("SELECT MIN(id) FROM departments WHERE code LIKE 'dept%'");
my $judge0 = $judges[0];

my $t0 = time;
my $cases = int($N / 10);
# cases: a tenth as many, filed in September (and as many in August)
$dbh->do("INSERT INTO cases (case_no, department_id, filed_at, deadline, "
    . "created_at, updated_at) SELECT CONCAT('（2026）粤0115民初', seq, '号'), "
    . "$dept0 + seq % 12, '2026-08-01' + INTERVAL (seq % 61) DAY, "
    . "'2026-10-01' + INTERVAL (seq % 90) DAY, '2026-08-01 00:00:00', "
    . "'2026-08-01 00:00:00' FROM seq_1_to_" . (2 * $cases));
# tickets: $N in September, $N/10 in August; channel, category, track,
# status, department and handler from the sequence number; a phone per
# three tickets (repeat askers); a case for every fourth
my $ins = sub {
    my ($from, $count, $start) = @_;
    my $span = 30 * 86400;
    $dbh->do("INSERT INTO tickets (ticket_no, query_code, channel, category, "
        . "track, status, case_no, case_id, content, contact_name, "
        . "contact_phone, department_id, assignee_staff_id, "
        . "first_handler_staff_id, created_at, due_at, dispatched_at, "
        . "accept_due_at, accepted_at, replied_at, updated_at, closed_at, "
        . "escalation_level, supervised) "
        . "SELECT CONCAT('B', LPAD(seq + $start, 10, '0')), 'ABCDEFGH23', "
        . "ELT(1 + seq % 5, 'wechat', 'web', 'kiosk', 'hall', 'hotline'), "
        . "ELT(1 + seq % 8, 'case_query', 'consultation', 'document', "
        . "'material', 'suggestion', 'contact_judge', 'complaint', 'other'), "
        . "IF(seq % 8 < 5, 'simple', 'ordinary'), "
        . "ELT(1 + seq % 10, 'closed', 'closed', 'closed', 'closed', "
        . "'replied', 'answered', 'accepted', 'dispatched', 'registered', "
        . "'closed'), "
        . "IF(seq % 4 = 0, CONCAT('（2026）粤0115民初', 1 + seq % $cases, '号'), NULL), "
        . "IF(seq % 4 = 0, 1 + seq % $cases, NULL), '诉求内容', '张三', "
        . "CONCAT('139', LPAD(seq % " . int($count / 3 + 1) . ", 8, '0')), "
        . "$dept0 + seq % 12, $judge0 + seq % 12, "
        . "IF(seq % 10 < 7, $judge0 + seq % 12, NULL), "
        . "c, c + INTERVAL 2 DAY, IF(seq % 8 >= 5, c + INTERVAL 1 HOUR, NULL), "
        . "IF(seq % 8 >= 5, c + INTERVAL 1 DAY + INTERVAL 1 HOUR, NULL), "
        . "IF(seq % 8 >= 5 AND seq % 10 < 7, c + INTERVAL seq % 40 HOUR, NULL), "
        . "IF(seq % 10 < 6, c + INTERVAL seq % 72 HOUR, NULL), c, "
        . "IF(seq % 10 < 4, c + INTERVAL 80 HOUR, NULL), "
        . "IF(seq % 97 = 0, 1 + seq % 3, 0), seq % 1009 = 0 "
        . "FROM (SELECT seq, '$from' + INTERVAL ((seq - 1) * $span DIV $count) "
        . "SECOND AS c FROM seq_1_to_$count) s");
};
$ins->('2026-09-01 00:00:00', $N, 0);
$ins->('2026-08-01 00:00:00', int($N / 10), $N);
$dbh->do("INSERT INTO ticket_feedback (ticket_id, litigant_id, rating, "
    . "created_at) SELECT id, 1, 1 + id % 5, closed_at FROM tickets "
    . "WHERE closed_at IS NOT NULL AND id % 3 = 0");
$dbh->do("INSERT INTO escalations (ticket_id, level, status, due_instant, "
    . "fired_at) SELECT id, 0, 'fired', due_at, due_at FROM tickets "
    . "WHERE status IN ('dispatched', 'accepted') AND track = 'ordinary'");
$dbh->do("INSERT INTO escalations (ticket_id, level, status, due_instant, "
    . "fired_at) SELECT id, 2, 'fired', due_at + INTERVAL 3 DAY, "
    . "due_at + INTERVAL 3 DAY FROM tickets WHERE escalation_level >= 1");
$dbh->do('ANALYZE TABLE tickets, cases, escalations, ticket_feedback');
my $rows = $env->sql_one('SELECT COUNT(*) FROM tickets');
say_line(sprintf 'loaded %d tickets (%d in September), %d cases, %d '
    . 'escalations, %d ratings in %.1f s', $rows, $N,
    $env->sql_one('SELECT COUNT(*) FROM cases'),
    $env->sql_one('SELECT COUNT(*) FROM escalations'),
    $env->sql_one('SELECT COUNT(*) FROM ticket_feedback'), time - $t0);

my $w = Liaison::Worker->new($env, undef, deliver => 'off', ladder => 'off',
    log_level => 'info', map { $_ => undef } qw(wx_appid wx_secret_file
    wecom_corpid wecom_secret_file wecom_agentid sms_url sms_account
    sms_secret_file));
for my $run (1 .. $RUNS) {
    my $r = Liaison::Test::_run_capture('/usr/bin/time', '-v',
        $Liaison::Worker::BIN, 'bulletin', '--month=2026-09', '-c',
        $w->conf_file);
    die "bulletin failed:\n$r->{output}" if $r->{rc};
    my ($wall) = $r->{output} =~ /Elapsed \(wall clock\) time.*: (\S+)/;
    my ($rss) = $r->{output} =~ /Maximum resident set size \(kbytes\): (\d+)/;
    my ($user) = $r->{output} =~ /User time \(seconds\): (\S+)/;
    my ($m, $s) = $wall =~ /^(?:(\d+):)?(\d+(?:\.\d+)?)$/;
    say_line(sprintf 'run %d: %.2f s wall, %.2f s user CPU (worker), peak '
        . 'RSS %.1f MB', $run, ($m // 0) * 60 + $s, $user, $rss / 1024);
}
my $sz = $dbh->selectrow_arrayref('SELECT LENGTH(body_json), LENGTH(body_csv), '
    . "LENGTH(body_html) FROM monthly_reports WHERE month = '2026-09'");
say_line(sprintf 'bulletin: %d bytes JSON, %d CSV, %d HTML', @$sz);
my $b = JSON::PP->new->decode($env->sql_one(
    "SELECT body_json FROM monthly_reports WHERE month = '2026-09'"));
say_line(sprintf 'requests %d (previous %d), cases %d, ratio %s, %d '
    . 'departments ranked, %d repeat askers listed, %d discipline issues listed',
    $b->{requests}, $b->{previous}{requests}, $b->{cases},
    $b->{request_case_ratio}, scalar @{ $b->{ranking} },
    scalar @{ $b->{repeat_askers} }, scalar @{ $b->{discipline_issues} });

open my $fh, '>:encoding(UTF-8)', 'bench/results/bulletin-latest.txt' or die $!;
print $fh "$_\n" for @out;
close $fh;

