#!/usr/bin/perl
# Journey A3 (the president's mailbox, online petitions and reports): each
# arrives as its own category and goes straight to its office — the
# president's office, the case-filing division, discipline inspection —
# whose leader is alerted at once (SMS and WeCom) and sees it in the
# worklist; the litigant sees where it went and hears the reply; other
# divisions do not see it; a court without such an office leaves the
# request to the platform staff and says so in the error log.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Litigant;
use Liaison::Tickets;
use Liaison::Worker;

my %M = (president_office => '13700000001', filing => '13700000002',
    discipline => '13700000003', judge => '13700000004');
my $t = Liaison::Litigant->start(
    allow_log => [ qr/no department of kind "discipline" for report/ ],
    staff => [
    { username => 'platform', role => 'platform_staff', department => 'filing' },
    { username => 'judge', role => 'judge', department => 'civil',
      mobile => $M{judge} },
    map { { username => "lead_$_", role => 'dept_leader', department => $_,
            mobile => $M{$_} } } qw(president_office filing discipline) ]);
my $env = $t->env;
$t->store_access_token;
my %name = (president_office => '院长办公室', filing => '立案庭',
    discipline => '纪检监察室');
for my $d (keys %name) {
    $env->sql('UPDATE departments SET kind = ?, name = ?, leader_staff_id = '
        . '(SELECT id FROM staff WHERE username = ?) WHERE code = ?',
        $d, $name{$d}, "lead_$d", $d);
}
$env->sql("UPDATE staff SET wecom_userid = 'yuanban' "
    . "WHERE username = 'lead_president_office'");
my %tok = map { $_ => $env->staff_token($_) }
    qw(platform judge lead_president_office lead_filing lead_discipline);
my $w = Liaison::Worker->new($env, $t->mock);

sub deliver {
    my $now = $env->sql_one("SELECT DATE_FORMAT(MAX(created_at) + INTERVAL "
        . "1 MINUTE, '%Y-%m-%dT%H:%i:%s+08:00') FROM outbox");
    my $out = $w->once($now);
    Test::More::is($out->{rc}, 0, "worker pass at $now")
        or Test::More::diag($out->{output});
}

sub worklist_has {
    my ($who, $no) = @_;
    my $r = $env->req(GET => '/api/v1/staff/tickets?per_page=100',
        token => $tok{$who});
    return scalar grep { $_->{ticket_no} eq $no } @{ $r->json->{items} };
}

# 1. A litigant writes to the president's mailbox on WeChat
my $lit = $t->login(5);
my $r = $env->req(POST => '/api/v1/tickets', token => $lit,
    body => ticket_body(channel => 'wechat', category => 'president_mailbox',
        content => '院长您好：建议在诉讼服务大厅增设母婴室。',
        contact => { name => '张三', phone => '13800138000' }));
is $r->status, 201, 'a letter to the president' or diag $r->summary;
my $no = $r->json->{ticket_no};
is $r->json->{status}, 'dispatched', '... dispatched on receipt';
is $r->json->{track}, 'ordinary', '... a work order';
my $row = $env->sql('SELECT t.status, d.code, t.dispatched_at, '
    . 't.accept_due_at, t.created_at FROM tickets t JOIN departments d ON '
    . 'd.id = t.department_id WHERE t.ticket_no = ?', $no)->[0];
is $row->{code}, 'president_office', '... to the president\'s office';
is $row->{dispatched_at}, $row->{created_at}, '... at the instant it came';
ok $row->{accept_due_at} gt $row->{created_at},
    '... to be accepted within a working day';
my $wo = $env->sql("SELECT channel, recipient FROM outbox WHERE kind = "
    . "'work_order' ORDER BY channel");
is_deeply [ map { [ $_->{channel}, $_->{recipient} ] } @$wo ],
    [ [ sms => $M{president_office} ], [ wecom => 'yuanban' ] ],
    'the office\'s leader is alerted by SMS and WeCom';
deliver();
my ($sms) = map { $_->{json}{content} }
    grep { $_->{json}{mobile} eq $M{president_office} }
    $t->mock->delivered('sms');
like $sms // '', qr/新的工单 \Q$no\E/, '... and receives it';

$r = $env->req(GET => "/api/v1/tickets/$no", token => $lit);
is $r->status, 200, 'the litigant reads the request';
ok scalar(grep { $_->{type} eq 'dispatched' } @{ $r->json->{timeline} }),
    '... and sees it dispatched';
$r = $env->req(GET => "/api/v1/tickets/$no",
    token => $tok{lead_president_office});
my ($ev) = grep { $_->{type} eq 'dispatched' } @{ $r->json->{timeline} };
like $ev->{note} // '', qr/按类别直接转院长办公室办理/,
    'the office reads why it came to them';

ok worklist_has('lead_president_office', $no),
    'the office\'s leader sees it in the worklist';
ok !worklist_has('judge', $no), 'a civil judge does not';
ok !worklist_has('lead_discipline', $no), 'nor discipline inspection';

# the office accepts and replies; the litigant hears it
$r = $env->req(POST => "/api/v1/staff/tickets/$no/accept",
    token => $tok{lead_president_office}, body => {});
is $r->status, 200, 'the office accepts' or diag $r->summary;
$r = $env->req(POST => "/api/v1/staff/tickets/$no/reply",
    token => $tok{lead_president_office},
    body => { content => '感谢建议，母婴室将于下月在一楼启用。' });
is $r->status, 200, 'and replies' or diag $r->summary;
is $env->sql_one("SELECT COUNT(*) FROM outbox o JOIN tickets t ON t.id = "
    . "o.ticket_id WHERE t.ticket_no = ? AND o.kind = 'ticket_reply'", $no),
    1, 'the litigant is told of the reply';

# 2. An online petition from the web: the case-filing division
$r = $env->req(POST => '/api/v1/tickets', body => ticket_body(
    channel => 'web', category => 'petition',
    content => '反映：本人案件立案后三个月未排期，请求督促。',
    contact => { name => '李四', phone => '13900139000' }));
is $r->status, 201, 'an online petition' or diag $r->summary;
my $pet = $r->json->{ticket_no};
is $r->json->{status}, 'dispatched', '... dispatched on receipt';
is $env->sql_one('SELECT d.code FROM tickets t JOIN departments d ON d.id = '
    . 't.department_id WHERE t.ticket_no = ?', $pet), 'filing',
    '... to the case-filing division';
ok worklist_has('lead_filing', $pet), 'the division\'s leader sees it';
is_deeply [ map { $_->{recipient} } @{ $env->sql("SELECT o.recipient FROM "
    . "outbox o JOIN tickets t ON t.id = o.ticket_id WHERE t.ticket_no = ? "
    . "AND o.kind = 'work_order'", $pet) } ], [ $M{filing} ],
    '... and is alerted';
is $env->sql_one("SELECT COUNT(*) FROM outbox o JOIN tickets t ON t.id = "
    . "o.ticket_id WHERE t.ticket_no = ? AND o.kind = 'ticket_registered' "
    . "AND o.recipient = '13900139000'", $pet), 1,
    'the petitioner gets the number and query code by SMS';

# 3. A report: discipline inspection, nobody else in the divisions
$r = $env->req(POST => '/api/v1/tickets', body => ticket_body(
    channel => 'web', category => 'report',
    content => '举报：某书记员向当事人索要好处费。',
    contact => { name => '王五', phone => '13900139001' }));
is $r->status, 201, 'a report' or diag $r->summary;
my $rep = $r->json->{ticket_no};
is $env->sql_one('SELECT d.code FROM tickets t JOIN departments d ON d.id = '
    . 't.department_id WHERE t.ticket_no = ?', $rep), 'discipline',
    '... to discipline inspection';
ok worklist_has('lead_discipline', $rep), 'its leader sees it';
ok !worklist_has('judge', $rep), 'a judge does not';
ok !worklist_has('lead_filing', $rep), 'nor the case-filing division';
$r = $env->req(GET => "/api/v1/tickets/$rep", token => $tok{judge});
isnt $r->status, 200, 'nor can a judge open it';

# 4. A court without discipline inspection: the platform dispatches
$env->sql("UPDATE departments SET kind = 'office' WHERE code = 'discipline'");
my $mark = $env->error_log_mark;
$r = $env->req(POST => '/api/v1/tickets', body => ticket_body(
    channel => 'web', category => 'report', content => '举报：收受礼品。',
    contact => { name => '王五', phone => '13900139001' }));
is $r->status, 201, 'a report with no office to take it';
is $r->json->{status}, 'registered', '... waits for the platform';
ok !defined $env->sql_one('SELECT department_id FROM tickets WHERE '
    . 'ticket_no = ?', $r->json->{ticket_no}), '... with no department';
like $env->error_log_since($mark), qr/no department of kind "discipline"/,
    '... and the error log says why';

done_testing;
