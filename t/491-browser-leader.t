#!/usr/bin/perl
# The leaders' view (A13/A14) in headless Chromium: live counts, overdue
# by department, the escalation waiting on the civil division's leader,
# open risks (advanced by the case-filing division, not by a department
# leader), follow-ups created and marked done, the KPI of a chosen month,
# and the monthly bulletin opened as its printable HTML page.  Screenshots
# (390x844, the bulletin also full page) in t/artifacts/leader/.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Staff;
use Liaison::Worker;
use Liaison::Browser;

my $ROOT = $Liaison::Test::ROOT;
my $ARTIFACTS = "$ROOT/t/artifacts/leader";
browser_required();
unlink glob("$ARTIFACTS/*.png");

my $env = Liaison::Test->start(staff => staff_cast(), html_root => "$ROOT/html");
my $S = staff_setup($env);
my $MONTH = '2026-09';

# September: a few work orders in two departments, one late
my $n = 0;
for my $d ([ civil => '09:30', '10:00', 5 ], [ civil => '10:00', '11:00', 4 ],
           [ criminal => '09:10', undef, undef ], [ criminal => '09:20', '2026-09-25 09:00', 2 ]) {
    $n++;
    my ($dept, $acc, $rep, $rate) = @$d;
    $rep = "2026-09-0$n $rep:00" if $rep && $rep !~ /-/;
    $rep .= ':00' if $rep && length $rep == 16;
    $env->sql("INSERT INTO tickets (ticket_no, query_code, channel, category, "
        . "track, status, content, contact_phone, department_id, "
        . "first_handler_staff_id, created_at, due_at, updated_at, "
        . "dispatched_at, accept_due_at, accepted_at, replied_at) VALUES "
        . "(?, 'ABCDEFGH23', 'web', 'contact_judge', 'ordinary', ?, '内容', "
        . "'13900001111', ?, ?, ?, ?, ?, ?, ?, ?, ?)", "V26000000$n",
        $rep ? 'replied' : 'accepted', dept_id($env, $dept),
        sid($env, $dept eq 'civil' ? 'judge1' : 'judge2'),
        "2026-09-0$n 09:00:00", "2026-09-0" . ($n + 2) . " 09:00:00",
        "2026-09-0$n 09:00:00", "2026-09-0$n 09:05:00",
        "2026-09-0" . ($n + 1) . " 09:05:00", "2026-09-0$n $acc:00", $rep);
    $env->sql("INSERT INTO ticket_feedback (ticket_id, litigant_id, rating, "
        . "created_at) SELECT id, 1, ?, created_at FROM tickets WHERE "
        . "ticket_no = ?", $rate, "V26000000$n") if $rate;
}
my $w = Liaison::Worker->new($env, undef, deliver => 'off', ladder => 'off',
    supervision_complaints => 0,
    map { $_ => undef } qw(wx_appid wx_secret_file wecom_corpid
    wecom_secret_file wecom_agentid sms_url sms_account sms_secret_file));
my $r = Liaison::Test::_run_capture($Liaison::Worker::BIN, 'bulletin',
    "--month=$MONTH", '-c', $w->conf_file);
is $r->{rc}, 0, "the $MONTH bulletin" or diag $r->{output};

# live: an overdue civil work order escalated to its leader, an open risk,
# a follow-up of the leader's already overdue
my $t = new_ticket($env, case => 'civil', category => 'contact_judge',
    content => '法官一直联系不上。');
drive($env, $t->{ticket_no}, [ platform => 'dispatch', {} ]);
$env->sql("UPDATE tickets SET due_at = '2026-09-01 09:00:00', "
    . 'escalation_level = 1 WHERE ticket_no = ?', $t->{ticket_no});
$env->sql("INSERT INTO escalations (ticket_id, level, status, due_instant, "
    . "fired_at, recipients) SELECT id, 2, 'fired', '2026-09-04 09:00:00', "
    . "'2026-09-04 09:00:00', ? FROM tickets WHERE ticket_no = ?",
    sid($env, 'leader'), $t->{ticket_no});
$r = act($env, 'platform', $t->{ticket_no}, risk => { level => 'high',
    note => '当事人扬言到法院闹访' });
is $r->status, 200, 'a risk' or diag $r->summary;
my $risk = $r->json->{risk_id};
$r = $env->req(POST => '/api/v1/staff/follow-ups', token => tok($env, 'leader'),
    body => { title => '整改回访：民事庭八月超期工单', owner_staff_id => sid($env, 'liaison'),
              due_on => '2026-10-31' });
is $r->status, 201, 'a follow-up';

my $run = browser_run(240, 'leader.mjs', 'http://127.0.0.1:' . $env->port,
    $ARTIFACTS, $Liaison::Test::DEFAULT_PASSWORD, $MONTH);
browser_finished($run);

subtest 'the database agrees' => sub {
    my $f = $env->sql("SELECT f.*, s.username FROM follow_ups f JOIN staff s "
        . "ON s.id = f.owner_staff_id WHERE f.title LIKE '%九月超期%'")->[0];
    ok $f, 'the follow-up created in the browser';
    is $f->{username}, 'cstaff', '... owned by the person chosen';
    is $f->{due_on}, '2026-12-15', '... due on the day chosen';
    is $f->{created_by}, sid($env, 'leader'), '... created by the leader';
    is $env->sql_one("SELECT status FROM follow_ups WHERE title LIKE '整改回访%'"),
        'done', 'the one marked done';
    is_deeply $env->sql('SELECT stage, staff_id, note FROM risk_events '
        . 'WHERE risk_id = ? ORDER BY id', $risk)->[1],
        { stage => 'investigated', staff_id => sid($env, 'filing'),
          note => '已联系当事人，情绪平稳（浏览器测试）' },
        'the risk advanced in the browser, by the filing division';
};
my @png = grep { !/99-failure/ } glob("$ARTIFACTS/*.png");
is scalar @png, 7, '7 screenshots in t/artifacts/leader/';

done_testing;
