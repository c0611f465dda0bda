#!/usr/bin/perl
# Journey A14 (leaders follow up, "回头看"): the president assigns a
# follow-up item to the civil division's leader.  The leader is told by
# SMS and WeCom when it is assigned, reminded on the working day before
# the due day and on it (on the last working day before it when it falls
# on a day off), and once it is overdue the leader and the president are
# both told.  Every reminder once; none after the item is done; a worker
# that was down records the reminders it missed as skipped and sends only
# the one due now.  The owner and the president read every alert, with
# who received it, through the API.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Litigant;
use Liaison::Worker;
use Liaison::Duties;

my $t = Liaison::Litigant->start(staff => [
    { username => 'president', role => 'president', department => 'trial_mgmt',
      name => '林振华', mobile => '13800138008' },
    { username => 'leader', role => 'dept_leader', department => 'civil',
      name => '黄志强', mobile => '13800138006' },
    { username => 'judge', role => 'judge', department => 'civil',
      name => '李建国', mobile => '13800138002' },
    { username => 'filing', role => 'filing_admin', department => 'filing',
      name => '吴静', mobile => '13800138009' } ]);
my $env = $t->env;
my $cal = $env->calendar;
$env->sql("UPDATE staff SET wecom_userid = 'huangzq' WHERE username = 'leader'");
$env->sql("UPDATE staff SET wecom_userid = 'linzh' WHERE username = 'president'");
my %tok = map { $_ => $env->staff_token($_) } qw(president leader judge);
my $leader_id = $env->sql_one("SELECT id FROM staff WHERE username = 'leader'");
my @OWNER = qw(13800138006 huangzq);
my @PRESIDENT = qw(13800138008 linzh);

my $w = Liaison::Worker->new($env, $t->mock, ladder => 'off',
    bulletin => 'off', calendar_alert => 'off');
my $in = Liaison::Duties->inbox($t->mock, $w);

sub once { $in->once(@_) }

sub item {
    my ($id, $who, $query) = @_;
    my $r = $env->req(GET => '/api/v1/staff/follow-ups' . ($query // ''),
        token => $tok{$who});
    is $r->status, 200, "$who lists the follow-ups" or diag $r->summary;
    my ($it) = grep { $_->{id} == $id } @{ $r->json->{items} || [] };
    return $it;
}

sub steps { [ map { $_->{step} } @{ $_[0]{alerts} || [] } ] }

sub assign {
    my ($title, $due) = @_;
    my $r = $env->req(POST => '/api/v1/staff/follow-ups', token => $tok{president},
        body => { title => $title, owner_staff_id => $leader_id,
                  due_on => $due, detail => '复核上月超期工单的答复质量' });
    is $r->status, 201, "the president assigns \"$title\" due $due"
        or diag $r->summary;
    return $r->json->{id};
}

my $today = $env->sql_one("SELECT DATE_FORMAT(CURDATE(), '%Y-%m-%d')");

# a refused item tells nobody
my $outbox = $env->sql_one('SELECT COUNT(*) FROM outbox');
is $env->req(POST => '/api/v1/staff/follow-ups', token => $tok{president},
    body => { title => '无人负责', owner_staff_id => 999999,
              due_on => $today })->status, 400, 'an unknown owner: 400';
is $env->sql_one('SELECT COUNT(*) FROM outbox'), $outbox, '... no message';
is $env->sql_one('SELECT COUNT(*) FROM duty_alerts'), 0, '... no alert';
is $env->req(POST => '/api/v1/staff/follow-ups', token => $tok{judge},
    body => { title => 'x', owner_staff_id => $leader_id,
              due_on => $today })->status, 403, 'a judge assigns nothing';

# ---------------------------------------------------------------------
# 1. Assigned, reminded before and on the due day, overdue
# ---------------------------------------------------------------------
my $due = wd_after($cal, $today, 5);
my $f1 = assign('整改民事庭超期工单', $due);
my $now = $env->sql_one('SELECT DATE_FORMAT(created_at + INTERVAL 1 MINUTE, '
    . "'%Y-%m-%dT%H:%i:%s+08:00') FROM follow_ups WHERE id = ?", $f1);
my ($m, $d) = $due =~ /-(\d\d)-(\d\d)$/;
my $due_text = ($m + 0) . '月' . ($d + 0) . '日';
my $news = once($now, 'delivery');
told($news, \@OWNER, qr/林振华交办您一项整改事项：“整改民事庭超期工单”，请于\Q$due_text\E前办结/,
    'assigned');
is scalar(keys %$news), 2, '... only the owner is told';

my $it = item($f1, 'leader', '?mine=1');
ok $it, 'the owner sees the item';
is $it->{created_by}, '林振华', '... who assigned it';
is $it->{due_on}, $due, '... when it is due';
is_deeply steps($it), ['assigned'], '... that he was told';
is_deeply $it->{alerts}[0]{recipients}, ['黄志强'], '... him';

my $before = wd_before($cal, $due);
my $eve = wd_before($cal, $before);
if ($eve gt $today) {
    $news = once(at($eve, '17:00'), 'two working days before');
    is_deeply $news, {}, '... nothing yet';
}
$news = once(at($before, '08:29'), 'a minute early');
is_deeply $news, {}, '... nothing yet';
$news = once(at($before, '08:30'), 'the working day before');
told($news, \@OWNER, qr/“整改民事庭超期工单”将于\Q$due_text\E到期，请抓紧办理/,
    'reminded the day before');
is scalar(keys %$news), 2, '... the owner only';
$news = once(at($before, '17:00'), 'later that day');
is_deeply $news, {}, '... once';

$news = once(at($due, '08:30'), 'the due day');
told($news, \@OWNER, qr/“整改民事庭超期工单”今天（\Q$due_text\E）到期/,
    'reminded on the due day');
$news = once(at($due, '16:00'), 'later');
is_deeply $news, {}, '... once';

my $late = wd_after($cal, $due, 1);
$news = once(at($late, '08:30'), 'the working day after');
told($news, [ @OWNER, @PRESIDENT ],
    qr/黄志强负责的整改事项“整改民事庭超期工单”已于\Q$due_text\E到期，尚未办结/,
    'overdue: the owner and the president');
$news = once(at(wd_after($cal, $late, 3), '08:30'), 'days later');
is_deeply $news, {}, '... once';

$it = item($f1, 'president');
is_deeply steps($it), [qw(assigned before due overdue)],
    'the president sees every alert about the item';
is_deeply $it->{alerts}[3]{recipients}, [qw(林振华 黄志强)],
    '... the overdue one to both';
ok !grep({ $_->{skipped} } @{ $it->{alerts} }), '... none skipped';

# done: the owner marks it
is $env->req(POST => "/api/v1/staff/follow-ups/$f1/done",
    token => $tok{leader})->status, 200, 'the owner marks it done';
is item($f1, 'president')->{status}, 'done', 'the president sees it done';

# ---------------------------------------------------------------------
# 2. Done before it is due: no reminder
# ---------------------------------------------------------------------
my $due2 = wd_after($cal, $today, 3);
my $f2 = assign('补充答复口径', $due2);
is $env->req(POST => "/api/v1/staff/follow-ups/$f2/done",
    token => $tok{leader})->status, 200, 'done at once';
$news = once(at(wd_before($cal, $due2), '09:00'), 'the day before');
$news = { %$news, %{ once(at($due2, '09:00'), 'its due day') } };
$news = { %$news, %{ once(at(wd_after($cal, $due2, 1), '09:00'), 'after') } };
ok !grep({ /补充答复口径.*到期/ } map { @$_ } values %$news),
    'no reminder about a done item';
is_deeply steps(item($f2, 'president')), ['assigned'], '... only assigned';

# ---------------------------------------------------------------------
# 3. Due on a day off, the worker down the day before
# ---------------------------------------------------------------------
my $off = wd_after($cal, $today, 15);
my $tday = Liaison::Calendar->parse_datetime("$off 00:00:00");
do { $tday += 86400 } while $cal->is_working_day(
    Liaison::Calendar->format_datetime($tday) =~ s/ .*//r);
$off = Liaison::Calendar->format_datetime($tday) =~ s/ .*//r;
my $f3 = assign('年终回访', $off);
once(at(wd_after($cal, $today, 1), '07:00'), 'delivery');
my $last = wd_before($cal, $off);
($m, $d) = $off =~ /-(\d\d)-(\d\d)$/;
my $off_text = ($m + 0) . '月' . ($d + 0) . '日';
$news = once(at($last, '10:00'), 'the last working day before it');
told($news, \@OWNER,
    qr/“年终回访”将于\Q$off_text\E（非工作日）到期，今天是到期前最后一个工作日/,
    'reminded on the last working day');
$it = item($f3, 'leader', '?mine=1');
is_deeply steps($it), [qw(assigned before due)],
    'the reminder the worker missed is on record';
ok $it->{alerts}[1]{skipped}, '... as skipped';
ok !$it->{alerts}[1]{recipients}, '... sent to no one';
$news = once(at(wd_after($cal, $off, 0), '08:30'), 'the first working day after');
told($news, [ @OWNER, @PRESIDENT ], qr/“年终回访”已于\Q$off_text\E到期/,
    'overdue');

done_testing;
