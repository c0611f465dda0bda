#!/usr/bin/perl
# Journey A15 (information updates): a department's liaison changes; the
# change is reported within 5 working days and published within 2.
#
# 1. The civil division's leader reports a new liaison through the API;
#    the case-filing division (its leader, the filing administrator, the
#    platform staff) hears of it at once by SMS and WeCom, is alerted on
#    the last working day to publish it — before the limit passes — and
#    again once it has passed; the filing administrator publishes it, the
#    public directory shows it and the leader who reported it is told.
# 2. The administrator gives the division a new liaison account and nobody
#    reports it: the worker opens the change, tells the division's leader
#    and liaisons what to report by when, alerts them and the filing
#    division on the last day to report and once it has passed; the
#    leader then reports it and it is published.
# Every alert once; every step readable through the API with who was told.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Litigant;
use Liaison::Worker;
use Liaison::Duties;

my $t = Liaison::Litigant->start(staff => [
    { username => 'platform', role => 'platform_staff', department => 'filing',
      name => '陈晓燕', mobile => '13800138001' },
    { username => 'filing', role => 'filing_admin', department => 'filing',
      name => '吴静', mobile => '13800138009' },
    { username => 'filing_lead', role => 'dept_leader', department => 'filing',
      name => '孙立新', mobile => '13800138011' },
    { username => 'leader', role => 'dept_leader', department => 'civil',
      name => '黄志强', mobile => '13800138006' },
    { username => 'liaison', role => 'liaison', department => 'civil',
      name => '刘洋', mobile => '13800138005' },
    { username => 'judge', role => 'judge', department => 'civil',
      name => '李建国', mobile => '13800138002' },
    { username => 'admin', role => 'sys_admin', department => 'filing',
      name => '郑凯' } ]);
my $env = $t->env;
my $cal = $env->calendar;
my %dept = map { $_ => $env->sql_one('SELECT id FROM departments WHERE code = ?',
    $_) } qw(filing civil);
$env->sql("UPDATE departments SET kind = 'filing', leader_staff_id = "
    . "(SELECT id FROM staff WHERE username = 'filing_lead') WHERE id = ?",
    $dept{filing});
$env->sql('UPDATE departments SET name = ?, leader_staff_id = '
    . "(SELECT id FROM staff WHERE username = 'leader') WHERE id = ?",
    '民事审判庭', $dept{civil});
$env->sql("UPDATE staff SET wecom_userid = 'wujing' WHERE username = 'filing'");
$env->sql("UPDATE staff SET wecom_userid = 'huangzq' WHERE username = 'leader'");

my %tok = map { $_ => $env->staff_token($_) }
    qw(platform filing leader liaison judge admin);
my @DIVISION = qw(13800138001 13800138009 13800138011 wujing);
my @CIVIL = qw(13800138006 13800138005 huangzq);

my $w = Liaison::Worker->new($env, $t->mock, ladder => 'off',
    bulletin => 'off', calendar_alert => 'off');
my $in = Liaison::Duties->inbox($t->mock, $w);

sub once { $in->once(@_) }

sub change_of {
    my ($id, $who) = @_;
    my $r = $env->req(GET => '/api/v1/staff/liaison-changes',
        token => $tok{$who // 'filing'});
    is $r->status, 200, 'GET /staff/liaison-changes' or diag $r->summary;
    my ($c) = grep { $_->{id} == $id } @{ $r->json->{items} || [] };
    return $c;
}

sub steps { [ map { $_->{step} } @{ $_[0]{alerts} || [] } ] }

sub directory {
    my $r = $env->req(GET => '/api/v1/liaisons');
    is $r->status, 200, 'the public directory';
    my ($civil) = grep { $_->{department} eq '民事审判庭' }
        @{ $r->json->{items} };
    return $civil;
}

# 0. The directory as the case-filing division first published it
my $r = $env->req(PUT => "/api/v1/staff/departments/$dept{civil}/liaison",
    token => $tok{filing}, body => { name => '刘洋', title => '书记员',
        office_phone => '020-34908002', mobile => '13800138005',
        changed_on => '2026-01-05', reported_on => '2026-01-06' });
is $r->status, 200, 'the civil division\'s liaison published' or diag $r->summary;
is directory()->{name}, '刘洋', 'the public sees 刘洋';

# ---------------------------------------------------------------------
# 1. The department reports, the division publishes
# ---------------------------------------------------------------------
is $env->req(POST => '/api/v1/staff/liaison-changes', token => $tok{judge},
    body => { name => 'x', title => 'x', office_phone => '020-1',
              mobile => '13800138099', changed_on => '2026-01-05' })->status,
    403, 'a judge does not report for the department';

my $today = $env->sql_one('SELECT DATE_FORMAT(CURDATE(), \'%Y-%m-%d\')');
$r = $env->req(POST => '/api/v1/staff/liaison-changes', token => $tok{leader},
    body => { name => '周敏', title => '书记员', office_phone => '020-34908012',
              mobile => '13800138021', changed_on => $today });
is $r->status, 201, 'the civil leader reports the new liaison' or diag $r->summary;
my $rep = $r->json;
my $c1 = $rep->{id};
my $reported = $env->sql_one('SELECT DATE_FORMAT(reported_on, \'%Y-%m-%d\') '
    . 'FROM liaison_changes WHERE id = ?', $c1);
my $created = $env->sql_one('SELECT DATE_FORMAT(created_at + INTERVAL 1 '
    . 'MINUTE, \'%Y-%m-%dT%H:%i:%s+08:00\') FROM liaison_changes WHERE id = ?',
    $c1);
is $rep->{status}, 'reported', '... reported';
is $rep->{reported_on}, $reported, '... today';
is $rep->{report_late}, JSON::PP::false, '... within 5 working days';
my $pub_due = wd_after($cal, $reported, 2);
is $rep->{publish_due_on}, $pub_due,
    "... to be published by $pub_due (2 working days)";

# the division hears at once
my $news = once($created, 'delivery');
told($news, \@DIVISION, qr/民事审判庭报送了联络员变更：周敏.*请于/,
    'reported');
ok !$news->{13800138002}, '... the judge is not';
is_deeply steps(change_of($c1)), ['reported'],
    'the change lists the alert to the division';
is_deeply [ sort @{ change_of($c1)->{alerts}[0]{recipients} } ],
    [ sort qw(陈晓燕 吴静 孙立新) ], '... with who was told';
is directory()->{name}, '刘洋', 'not public before it is published';

# the working day before the last: nothing yet
my $eve = wd_before($cal, $pub_due);
if ($eve gt $reported) {
    $news = once(at($eve, '16:00'), 'the day before the last day');
    is_deeply $news, {}, '... no alert yet';
}

# the last working day to publish, at the start of office hours
$news = once(at($pub_due, '08:30'), 'the last day to publish');
told($news, \@DIVISION, qr/今天.*是发布的最后期限/, 'last day to publish');
like $news->{13800138009}[0], qr/周敏/, '... naming the new liaison';
ok !$news->{13800138006}, '... the department has done its part';
$news = once(at($pub_due, '15:00'), 'later that day');
is_deeply $news, {}, '... the alert is not repeated';

# the limit passed
my $after = wd_after($cal, $pub_due, 1);
$news = once(at($after, '08:30'), 'the day after');
told($news, \@DIVISION, qr/已超过2个工作日的发布时限.*仍未发布/,
    'publication overdue');
$news = once(at($after, '17:00'), 'later');
is_deeply $news, {}, '... once';
my $c = change_of($c1);
is_deeply steps($c), [qw(reported publish_last_day publish_overdue)],
    'the division sees every alert sent about the change';
is $c->{status}, 'reported', '... still to publish';

# publishing: the filing administrator only
is $env->req(POST => "/api/v1/staff/liaison-changes/$c1/publish",
    token => $tok{platform})->status, 403, 'platform staff do not publish';
$r = $env->req(POST => "/api/v1/staff/liaison-changes/$c1/publish",
    token => $tok{filing});
is $r->status, 200, 'the filing administrator publishes' or diag $r->summary;
is $r->json->{status}, 'published', '... published';
is $env->req(POST => "/api/v1/staff/liaison-changes/$c1/publish",
    token => $tok{filing})->status, 409, '... once';
my $entry = directory();
is $entry->{name}, '周敏', 'the public directory shows the new liaison';
is $entry->{title}, '书记员', '... her title';
is $entry->{office_phone}, '020-34908012', '... office phone';
is $entry->{mobile}, '138****8021', '... and masked mobile';
$news = once(at($after, '17:30'), 'delivery');
told($news, [qw(13800138006 huangzq)], qr/您报送的民事审判庭联络员变更（周敏）已于/,
    'the leader who reported it');
is_deeply [ sort @{ steps(change_of($c1, 'leader')) } ],
    [ sort qw(reported publish_last_day publish_overdue published) ],
    'the leader sees the change and its alerts';

# ---------------------------------------------------------------------
# 2. An account change nobody reports
# ---------------------------------------------------------------------
$r = $env->req(POST => '/api/v1/staff/accounts', token => $tok{admin},
    body => { username => 'liaison_he', name => '何丽', role => 'liaison',
              department_id => $dept{civil}, mobile => '13800138022',
              password => 'Liaison-test-2026' });
is $r->status, 201, 'the administrator creates a new liaison account'
    or diag $r->summary;
my $ev = $env->sql_one('SELECT DATE_FORMAT(created_at + INTERVAL 1 MINUTE, '
    . "'%Y-%m-%dT%H:%i:%s+08:00') FROM account_events WHERE staff_id = ?",
    $r->json->{id});
my $changed = substr $ev, 0, 10;
$news = once($ev, 'detection');
my $c2 = $env->sql_one("SELECT id FROM liaison_changes WHERE source = 'detected'");
ok $c2, 'the worker opens a change for the department';
my $rep_due = wd_after($cal, $changed, 5);
$c = change_of($c2);
is $c->{status}, 'unreported', '... to be reported';
is $c->{changed_on}, $changed, '... changed the day of the account change';
is $c->{report_due_on}, $rep_due, "... due by $rep_due (5 working days)";
told($news, [ @CIVIL, '13800138022' ], qr/本部门联络员信息已于.*变更.*前/,
    'the department is told what to report');
ok !$news->{13800138009}, '... not yet the division';
$news = once(at($changed, '23:00'), 'again');
is_deeply $news, {}, '... once';
is $env->sql_one('SELECT COUNT(*) FROM liaison_changes WHERE source = ?',
    'detected'), 1, '... one change';

is $env->req(POST => "/api/v1/staff/liaison-changes/$c2/publish",
    token => $tok{filing})->status, 409, 'nothing to publish before a report';

$news = once(at(wd_before($cal, $rep_due), '17:00'), 'the day before');
is_deeply $news, {}, '... quiet';
$news = once(at($rep_due, '08:30'), 'the last day to report');
told($news, [ @DIVISION, @CIVIL ], qr/今天.*是向立案庭报送的最后期限/,
    'last day to report: the division and the department');
$news = once(at(wd_after($cal, $rep_due, 1), '08:30'), 'the day after');
told($news, [ @DIVISION, @CIVIL ], qr/已超过5个工作日的报送时限.*仍未报送/,
    'report overdue');
$news = once(at(wd_after($cal, $rep_due, 2), '08:30'), 'a day later');
is_deeply $news, {}, '... once';
$c = change_of($c2, 'leader');
is_deeply steps($c), [qw(detected report_last_day report_overdue)],
    'the department sees the alerts';

# the leader reports it at last: the same change
$r = $env->req(POST => '/api/v1/staff/liaison-changes', token => $tok{leader},
    body => { name => '何丽', title => '书记员', office_phone => '020-34908013',
              mobile => '13800138022', changed_on => $today });
is $r->status, 201, 'the leader reports the account change' or diag $r->summary;
is $r->json->{id}, $c2, '... completing the opened change';
is $r->json->{changed_on}, $changed, '... from the day it happened';
$news = once($env->sql_one('SELECT DATE_FORMAT(fired_at + INTERVAL 1 MINUTE, '
    . "'%Y-%m-%dT%H:%i:%s+08:00') FROM duty_alerts "
    . "WHERE subject = 'liaison_change' AND subject_id = ? "
    . "AND step = 'reported'", $c2), 'delivery');
told($news, \@DIVISION, qr/报送了联络员变更：何丽/, 'the division hears');
is scalar(map { @$_ } values %$news), 4, '... and nothing else';
$r = $env->req(POST => "/api/v1/staff/liaison-changes/$c2/publish",
    token => $tok{filing});
is $r->status, 200, 'published' or diag $r->summary;
is directory()->{name}, '何丽', 'the public directory shows 何丽';

$r = $env->req(GET => '/api/v1/staff/liaison-changes?open=1',
    token => $tok{filing});
is_deeply $r->json->{items}, [], 'nothing left open';
$r = $env->req(GET => '/api/v1/staff/liaisons', token => $tok{filing});
is scalar(grep { $_->{department_id} == $dept{civil} } @{ $r->json->{items} }),
    3, 'the division\'s history holds the three records';

done_testing;
