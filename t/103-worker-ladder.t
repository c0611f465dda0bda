#!/usr/bin/perl
# liaison-worker: the A8 ladder driven with `once --now=` through a whole
# escalation (reminder, warning, leader, vice president, president), each
# step exactly at its working-day instant, once; a reply stops it; a worker
# that was down catches up one step per working day; the litigant's message
# goes with every step; timeline events for staff and the litigant.  (Every
# waiting state, rounds and hand-backs: t/415-journey-a8-ladder.t.)

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::MockWeChat;
use Liaison::Worker;

my $env = Liaison::Test->start(no_nginx => 1);
my $mock = Liaison::MockWeChat->start;
my $w = Liaison::Worker->new($env, $mock);

my %id;
$id{judge} = $env->add_staff(username => 'judge1', role => 'judge',
    department => 'civil', name => '李建国', mobile => '13800138002');
$id{liaison} = $env->add_staff(username => 'liaison', role => 'liaison',
    department => 'civil', name => '刘洋', mobile => '13800138005');
$id{leader} = $env->add_staff(username => 'leader', role => 'dept_leader',
    department => 'civil', name => '黄志强', mobile => '13800138006');
$id{vp} = $env->add_staff(username => 'vp', role => 'vice_president',
    department => 'trial_mgmt', name => '周文斌', mobile => '13800138007');
$id{president} = $env->add_staff(username => 'president',
    role => 'president', department => 'trial_mgmt', name => '林振华',
    mobile => '13800138008');
$env->sql("UPDATE staff SET wecom_userid = 'LiJianGuo' WHERE id = ?",
    $id{judge});
$env->sql("UPDATE staff SET wecom_userid = 'HuangZhiQiang' WHERE id = ?",
    $id{leader});
my $civil = $env->add_department(code => 'civil');
$env->sql('UPDATE departments SET name = ?, leader_staff_id = ?, '
    . 'vice_president_staff_id = ? WHERE id = ?', '民事审判庭', $id{leader},
    $id{vp}, $civil);

my $CONTENT = '请转告承办法官：我已补交证据材料，请尽快联系我。';
my $seq = 0;
sub ticket {
    my (%t) = @_;
    my $no = sprintf '2602130%06d', ++$seq;
    $env->sql('INSERT INTO tickets (ticket_no, query_code, channel, '
        . 'category, track, status, content, department_id, '
        . 'assignee_staff_id, first_handler_staff_id, created_at, due_at, '
        . 'updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        $no, 'ABCDEFGHJK', 'wechat', 'contact_judge',
        $t{track} // 'ordinary', $t{status} // 'dispatched',
        $t{content} // $CONTENT, $civil,
        exists $t{assignee} ? $t{assignee} : $id{judge}, $id{judge},
        $t{created} // '2026-02-13 16:00:00',
        $t{due} // '2026-02-24 16:00:00', '2026-02-13 16:00:00');
    return $env->sql_one('SELECT id FROM tickets WHERE ticket_no = ?', $no);
}

sub steps {
    my ($tid) = @_;
    return join ',', map { "$_->{level}$_->{status}" } @{ $env->sql(
        'SELECT level, status FROM escalations WHERE ticket_id = ? '
        . 'ORDER BY fired_at, level', $tid) };
}

sub sms_to {
    my ($mobile) = @_;
    return grep { $_->{json}{mobile} eq $mobile } $mock->delivered('sms');
}

sub run_at {
    my ($now) = @_;
    my $r = $w->once($now);
    is $r->{rc}, 0, "once --now=$now exits 0" or diag $r->{output};
}

# A: registered Friday 2026-02-13 16:00, due 2026-02-24 16:00 (2 working
# days: the make-up Saturday 02-14, then 02-24 after the Spring Festival)
my $A = ticket();
# B: the same, replied after the leader step
my $B = ticket();
# not dispatched yet: waits on the platform, not on the judge
my $reg = ticket(status => 'registered');
# ignored: answered on the simple track, closed
my $simple = ticket(track => 'simple', status => 'answered');
my $closed = ticket(status => 'closed');

run_at('2026-02-24T10:29:59+08:00');
is steps($A), '', 'A: nothing before the reminder (02-24 10:30)';

run_at('2026-02-24T10:30:00+08:00');
is steps($A), '1fired', 'A: reminder at 02-24 10:30 (3.5 office hours)';
my @j = sms_to('13800138002');
is scalar @j, 2, 'the judge got the reminders of A and B by SMS';
like $j[0]{json}{content}, qr/将于2月24日 16:00到期/, 'reminder: due time';
like $j[0]{json}{content}, qr/\Q$CONTENT\E/, "reminder: the litigant's message";
like $j[0]{json}{content}, qr/^【南沙法院】【诉讼服务提醒】/, 'reminder: signed';
is scalar(grep { $_->{json}{touser} eq 'LiJianGuo' }
    $mock->delivered('wecom_send')), 2, 'and by WeCom';
is $env->sql_one("SELECT COUNT(*) FROM ticket_events WHERE ticket_id = ? "
    . "AND type = 'escalation_reminder' AND public = 0 AND actor_kind = "
    . "'system'", $A), 1, 'reminder: a staff timeline event';
is $env->sql_one("SELECT COUNT(*) FROM ticket_events WHERE ticket_id = ? "
    . "AND public = 1", $A), 0, 'reminder: nothing for the litigant yet';

# again at the same instant: nothing twice
run_at('2026-02-24T10:30:00+08:00');
run_at('2026-02-24T15:59:59+08:00');
is steps($A), '1fired', 'A: the reminder is not repeated';
is scalar(sms_to('13800138002')), 2, 'no second SMS';

run_at('2026-02-24T16:00:00+08:00');
is steps($A), '1fired,0fired', 'A: warning at the due time';
like((sms_to('13800138002'))[2]{json}{content},
    qr/【诉讼服务预警】工单\d+已于2月24日 16:00到期仍未答复/,
    'warning text');
is $env->sql_one("SELECT note FROM ticket_events WHERE ticket_id = ? "
    . "AND type = 'supervised' AND public = 1", $A),
    '您的诉求已进入督办流程，我们正在督促承办人员尽快答复。',
    'the litigant sees "being supervised"';

run_at('2026-02-27T15:59:59+08:00');
is steps($A), '1fired,0fired', 'A: no leader step before 02-27 16:00';
run_at('2026-02-27T16:00:00+08:00');
is steps($A), '1fired,0fired,2fired',
    'A: department leader at due + 3 working days (02-27 16:00)';
my @l = sms_to('13800138006');
is scalar @l, 2, 'the leader got A and B';
like $l[0]{json}{content}, qr/民事审判庭李建国承办的工单\d+超期3个工作日仍未答复/,
    'leader text names department and handler';
like $l[0]{json}{content}, qr/\Q$CONTENT\E/, "leader: the litigant's message";
is scalar(grep { $_->{json}{touser} eq 'HuangZhiQiang' }
    $mock->delivered('wecom_send')), 2, 'the leader by WeCom too';

# B is answered: its ladder stops
$env->sql("UPDATE tickets SET status = 'replied' WHERE id = ?", $B);

run_at('2026-03-02T15:59:59+08:00');
is steps($A), '1fired,0fired,2fired', 'A: no vp step before 03-02 16:00';
run_at('2026-03-02T16:00:00+08:00');
is steps($A), '1fired,0fired,2fired,3fired',
    'A: vice president at + 2 working days (02-28 make-up day, 03-02)';
is scalar(sms_to('13800138007')), 1, 'the vp got A only';

run_at('2026-03-04T16:00:00+08:00');
is steps($A), '1fired,0fired,2fired,3fired,4fired',
    'A: president at + 2 working days (03-04 16:00)';
my @p = sms_to('13800138008');
is scalar @p, 2, 'the president got A and the registered ticket, not B';
like $p[0]{json}{content}, qr/超期7个工作日仍未答复/, 'president text';
is steps($B), '1fired,0fired,2fired', 'B: stopped after the reply';

run_at('2026-03-20T16:00:00+08:00');
is $env->sql_one('SELECT COUNT(*) FROM escalations WHERE ticket_id = ?', $A),
    5, 'A: five steps, each once';
is $env->sql_one('SELECT COUNT(*) FROM escalations WHERE ticket_id IN '
    . '(?, ?)', $simple, $closed), 0,
    'answered and closed tickets do not wait on the court';
is $env->sql_one('SELECT COUNT(*) FROM escalations WHERE ticket_id = ? '
    . "AND status = 'fired'", $reg), 5,
    'a registered ticket climbs the ladder too';
is scalar(sms_to('13800138002')), 4,
    "the judge got A's and B's steps, none of the registered ticket's";

my $ev = $env->sql("SELECT type, public, note FROM ticket_events WHERE "
    . "ticket_id = ? ORDER BY id", $A);
is_deeply [ map { $_->{type} } @$ev ],
    [ qw(escalation_reminder escalation_warning supervised escalation_leader
         escalation_vp escalation_president) ], 'A: the timeline';
is $ev->[3]{note}, '已将当事人留言发送部门领导督办：黄志强',
    'leader event names the leader';

# C: first seen long after its due time (the worker was down): the
# overdue steps one per working day, never several at one instant, the
# reminder recorded as skipped
my $C = ticket(created => '2026-03-02 09:00:00', due => '2026-03-04 09:00:00');
run_at('2026-03-20T09:00:00+08:00');
is steps($C), '0fired,1skipped', 'C: the warning first, reminder skipped';
run_at('2026-03-20T17:00:00+08:00');
run_at('2026-03-23T08:59:59+08:00');
is steps($C), '0fired,1skipped', 'C: nothing more the same working day';
run_at('2026-03-23T09:00:00+08:00');
is steps($C), '0fired,1skipped,2fired',
    'C: the leader one working day later (Monday 03-23 09:00)';
run_at('2026-03-24T09:00:00+08:00');
run_at('2026-03-25T09:00:00+08:00');
is steps($C), '0fired,1skipped,2fired,3fired,4fired',
    'C: then the vp (03-24) and the president (03-25)';
is $env->sql_one("SELECT COUNT(DISTINCT fired_at) FROM escalations WHERE "
    . "ticket_id = ? AND status = 'fired'", $C), 4,
    'C: four steps at four instants';
is $env->sql_one("SELECT COUNT(*) FROM ticket_events WHERE ticket_id = ? "
    . "AND type = 'supervised'", $C), 1, 'C: one supervised event';

# D: dispatched to the department, nobody assigned: its liaison is warned
my $D = ticket(assignee => undef, created => '2026-03-16 09:00:00',
    due => '2026-03-18 09:00:00');
my $before = scalar sms_to('13800138005');
run_at('2026-03-18T09:00:00+08:00');
is steps($D), '0fired,1skipped', 'D: warning';
is scalar(sms_to('13800138005')), $before + 1,
    'D: the department liaison is warned';

# E: a long message is cut for SMS, whole steps recorded with recipients
my $E = ticket(content => '很' x 400, created => '2026-03-16 09:00:00',
    due => '2026-03-18 09:00:00');
run_at('2026-03-18T09:00:00+08:00');
my ($e_sms) = grep { $_->{json}{content} =~ /很很很/ } sms_to('13800138002');
like $e_sms->{json}{content}, qr/当事人留言：(很){200}…$/,
    'SMS carries the first 200 characters of the message';
is $env->sql_one('SELECT recipients FROM escalations WHERE ticket_id = ? '
    . 'AND level = 0', $E), $id{judge}, 'recipients recorded';

# everything queued was delivered
is $env->sql_one("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'"), 0,
    'every ladder message delivered';

done_testing;
