#!/usr/bin/perl
# What one complaint costs the database does not grow with the tickets
# table (issue 15).  A17's mark of a matter's tickets as supervised,
# written as a single-table "UPDATE tickets ... WHERE t.id IN (SELECT
# ...)", had MariaDB run the subquery once per row of tickets, a scan of
# the whole table inside every complaint's transaction (40,000 rows read
# per complaint here).  Now the intake files the complaint's keys and
# liaison-worker decides.  Here: 20,000 old tickets, then complaints, each
# counted in rows the server read (Handler_read_* of the global status,
# nothing else running), and the worker's pass that decides them.  Then
# the longest intake batch of the bench's mix.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Worker;

my $OLD = 20000;
# the triage rules of the local configuration: risk signals (A10)
my $env = Liaison::Test->start(workers => 1, pool_size => 2, http => {
    liaison_triage_rules => "$Liaison::Test::ROOT/data/triage-rules.txt" });

$env->sql("INSERT INTO tickets (ticket_no, query_code, channel, category, "
    . "track, status, content, created_at, due_at, updated_at) "
    . "SELECT CONCAT('80', LPAD(seq, 11, '0')), 'AAAAAAAAAA', 'web', "
    . "'consultation', 'simple', 'closed', '旧诉求', NOW(), NOW(), NOW() "
    . "FROM seq_1_to_$OLD");
is $env->sql_one('SELECT COUNT(*) FROM tickets'), $OLD, "$OLD old tickets";

sub rows_read {
    my $n = 0;
    for my $r (@{ $env->dbh->selectall_arrayref(
        "SHOW GLOBAL STATUS LIKE 'Handler_read%'") }) {
        $n += $r->[1] if $r->[0]
            =~ /^Handler_read_(first|key|last|next|prev|rnd|rnd_next)$/i;
    }
    return $n;
}

# the first complaint loads what a worker keeps (calendar, canned answers)
my $i = 0;
sub complaint {
    my ($case) = @_;
    $i++;
    my $r = $env->req(POST => '/api/v1/tickets', body => { channel => 'web',
        category => 'complaint', content => "窗口工作人员态度差，投诉（$i）。",
        contact => { name => '李四', phone => '13900139000' },
        $case ? (case_no => '（2026）粤0115民初88号') : () });
    is $r->status, 201, "complaint $i: 201" or diag $r->summary;
}
complaint(0);

for my $case (0, 1) {
    my $before = rows_read();
    complaint($case);
    my $read = rows_read() - $before;
    ok $read < $OLD / 4, 'a complaint ' . ($case ? 'with' : 'without')
        . " a case read $read rows (tickets: " . ($OLD + $i) . ')';
}

is $env->sql_one("SELECT COUNT(*) FROM complaint_keys"), 4,
    'the complaints are keyed (phone; phone and case)';

# the worker's pass that decides them reads the window's keys, not tickets
# (nor does retention: only tickets filed before its cutoff)
my $w = Liaison::Worker->new($env, undef, deliver => 'off', ladder => 'off',
    bulletin => 'off', risk_stage_hours => 0, supervision_idle_days => 0,
    auto_close_days => 0, map { $_ => undef } qw(wx_appid wx_secret_file
    wecom_corpid wecom_secret_file wecom_agentid sms_url sms_account
    sms_secret_file));
my $before = rows_read();
$w->supervise_complaints;
my $read = rows_read() - $before;
ok $read < $OLD / 4, "a worker pass read $read rows (tickets: "
    . ($OLD + $i) . ')';
is $env->sql_one('SELECT COUNT(*) FROM tickets WHERE supervised = 1'), 0,
    'anonymous complaints from one phone: nothing supervised';

# the longest intake batch of the bench's mix: a complaint with a case, a
# mobile and a risk signal (A10: the risk opened and alerted)
my $r = $env->req(POST => '/api/v1/tickets', body => { channel => 'web',
    category => 'complaint', content => '案件超期半年没有结果，再拖我就找媒体曝光。',
    contact => { name => '王五', phone => '13700137000' },
    case_no => '（2026）粤0115民初89号' });
is $r->status, 201, 'a complaint with a case, a mobile and a risk signal: 201'
    or diag $r->summary;

done_testing;
