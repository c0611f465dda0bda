#!/usr/bin/perl
# Journey A12 (the monthly bulletin): requests of a month bring a case-flow
# issue (one case drawing three requests) and discipline issues
# (complaints against a department).  When the worker generates the
# month's bulletin, the trial-management office and the political
# department — the leaders and liaisons of the departments whose kind is
# trial_mgmt and political — are told by SMS and WeCom how many items are
# addressed to them; nobody else is.  Each office reads its items and
# acknowledges them (all at once, or one by one) through the API; the
# bulletin (JSON, HTML, CSV) and the items view show what was
# acknowledged, by whom and when, and what is still waiting.  Regenerating
# the bulletin keeps the acknowledgements and tells nobody twice.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Litigant;
use Liaison::Tickets;
use Liaison::Worker;
use Liaison::Duties;

my $t = Liaison::Litigant->start(staff => [
    { username => 'platform', role => 'platform_staff', department => 'filing',
      name => '陈晓燕', mobile => '13800138001' },
    { username => 'president', role => 'president', department => 'trial_mgmt',
      name => '林振华', mobile => '13800138008' },
    { username => 'tm_leader', role => 'dept_leader', department => 'trial_mgmt',
      name => '梁慧敏', mobile => '13800138015' },
    { username => 'pol_leader', role => 'dept_leader', department => 'political',
      name => '许文博', mobile => '13800138018' },
    { username => 'pol_liaison', role => 'liaison', department => 'political',
      name => '冯洁', mobile => '13800138019' },
    { username => 'leader', role => 'dept_leader', department => 'civil',
      name => '黄志强', mobile => '13800138006' },
    { username => 'judge', role => 'judge', department => 'civil',
      name => '李建国', mobile => '13800138002' } ]);
my $env = $t->env;
$env->sql("UPDATE staff SET wecom_userid = 'lianghm' WHERE username = 'tm_leader'");
for (['trial_mgmt', '审判管理办公室'], ['political', '政治部'],
     ['civil', '民事审判庭']) {
    $env->sql('UPDATE departments SET name = ? WHERE code = ?', $_->[1], $_->[0]);
}
is_deeply { map { $_->{code} => $_->{kind} } @{ $env->sql('SELECT code, kind '
    . "FROM departments WHERE code IN ('trial_mgmt', 'political')") } },
    { trial_mgmt => 'trial_mgmt', political => 'political' },
    'the offices hold their duty by their kind';
my %tok = map { $_ => $env->staff_token($_) }
    qw(platform president tm_leader pol_leader pol_liaison leader judge);
my $civil = $env->sql_one("SELECT id FROM departments WHERE code = 'civil'");
my @TM = qw(13800138015 lianghm);
my @POL = qw(13800138018 13800138019);

# ---------------------------------------------------------------------
# the month: one case asked about three times, two complaints dispatched
# ---------------------------------------------------------------------
my $CASE = '（2026）粤0115民初777号';
my @no;
for my $i (1 .. 3) {
    my $r = $env->req(POST => '/api/v1/tickets', body => ticket_body(
        channel => 'web', category => 'case_query', case_no => $CASE,
        content => "请问案件什么时候开庭？第${i}次询问"));
    is $r->status, 201, "request $i about the case" or diag $r->summary;
}
for my $i (1 .. 2) {
    my $r = $env->req(POST => '/api/v1/tickets', body => ticket_body(
        channel => 'web', category => 'complaint',
        content => "投诉承办人员态度不好（$i）"));
    is $r->status, 201, "complaint $i" or diag $r->summary;
    push @no, $r->json->{ticket_no};
    $r = $env->req(POST => "/api/v1/staff/tickets/$no[-1]/dispatch",
        token => $tok{platform}, body => { department => $civil });
    is $r->status, 200, '... dispatched to the civil division' or diag $r->summary;
}
my $M = $env->sql_one("SELECT DATE_FORMAT(MIN(created_at), '%Y-%m') FROM tickets");
my ($y, $m) = split /-/, $M;
my $NEXT = sprintf '%04d-%02d-15', $m == 12 ? $y + 1 : $y, $m == 12 ? 1 : $m + 1;

# ---------------------------------------------------------------------
# the bulletin is generated: the offices are told
# ---------------------------------------------------------------------
my $w = Liaison::Worker->new($env, $t->mock, ladder => 'off',
    calendar_alert => 'off');
my $in = Liaison::Duties->inbox($t->mock, $w);
my $r = $w->once($env->sql_one('SELECT DATE_FORMAT(MAX(created_at) + INTERVAL '
    . "1 MINUTE, '%Y-%m-%dT%H:%i:%s+08:00') FROM outbox"));
is $r->{rc}, 0, 'the requests\' messages delivered' or diag $r->{output};
my $news = $in->news;
ok $news->{13800138006}, '... (the civil leader hears of the complaints)';
is $env->sql_one('SELECT COUNT(*) FROM monthly_reports WHERE month = ?', $M),
    0, "... no bulletin of $M while the month runs";
like join('', @{ $news->{13800138015} || [] }),
    qr/月度通报已生成，本月没有提交审判管理办公室的涉案件流程管理的集中问题/,
    '... (last month\'s told the office it had nothing for it)';
$r = $w->once(at($NEXT, '09:00'));
is $r->{rc}, 0, "the worker's pass in the next month" or diag $r->{output};
is $env->sql_one('SELECT COUNT(*) FROM monthly_reports WHERE month = ?', $M), 1,
    "... generates the bulletin of $M";
$news = $in->news;
my $mtext = ($m + 0) . '月';
for my $who (@TM) {
    like join('', @{ $news->{$who} || [] }),
        qr/\Q$mtext\E诉讼服务平台月度通报已生成，其中提交审判管理办公室的涉案件流程管理的集中问题1项，请登录诉讼服务平台查阅并逐项签收/,
        "the trial-management office's $who is told of its 1 item";
}
for my $who (@POL) {
    like join('', @{ $news->{$who} || [] }), qr/提交政治部的涉作风纪律问题2项/,
        "the political department's $who is told of its 2 items";
}
is scalar(map { @$_ } values %$news), 4, '... one message each, nobody else';

sub items {
    my ($who) = @_;
    my $r = $env->req(GET => "/api/v1/staff/reports/monthly/$M/items",
        token => $tok{$who});
    is $r->status, 200, "$who reads the items" or diag $r->summary;
    return $r->json->{items} || [];
}

my $tm = items('tm_leader');
is scalar @$tm, 1, 'the trial-management office sees its one item';
is $tm->[0]{item}, $CASE, '... the case';
like $tm->[0]{summary}, qr/诉求数：3/, '... drawing three requests';
is $tm->[0]{office}, '审判管理办公室', '... addressed to it';
ok !$tm->[0]{acknowledged}, '... not yet acknowledged';
is_deeply $tm->[0]{notified}, ['梁慧敏'], '... its leader was told';
like $tm->[0]{notified_at}, qr/^\Q$NEXT\ET09:00:00\+08:00$/, '... when';
my $pol = items('pol_liaison');
is_deeply [ sort map { $_->{item} } @$pol ], [ sort @no ],
    'the political department sees the two complaints';
like $pol->[0]{summary}, qr/部门：民事审判庭/, '... against the civil division';
is_deeply $pol->[0]{notified}, [qw(许文博 冯洁)], '... both were told';
is scalar @{ items('president') }, 3, 'the president sees all three';
is_deeply items('leader'), [], 'a division without a duty sees none';
is $env->req(GET => "/api/v1/staff/reports/monthly/$M/items",
    token => $tok{judge})->status, 403, 'a judge: 403';

my $B = $env->req(GET => "/api/v1/staff/reports/monthly?month=$M",
    token => $tok{president})->json;
is scalar @{ $B->{acknowledgements} }, 3, 'the bulletin lists the three items';
ok !grep({ defined $_->{acknowledged_by} } @{ $B->{acknowledgements} }),
    '... none acknowledged yet';

# ---------------------------------------------------------------------
# the offices acknowledge
# ---------------------------------------------------------------------
is $env->req(POST => "/api/v1/staff/reports/monthly/$M/acknowledge",
    token => $tok{leader})->status, 403,
    'the civil leader has nothing to acknowledge: 403';
is $env->req(POST => "/api/v1/staff/reports/monthly/$M/acknowledge",
    token => $tok{judge})->status, 403, 'a judge: 403';
is $env->req(POST => "/api/v1/staff/reports/monthly/$M/acknowledge",
    token => $tok{pol_leader}, body => { item_id => $tm->[0]{id} })->status,
    409, "the political department cannot acknowledge the office's item";

$r = $env->req(POST => "/api/v1/staff/reports/monthly/$M/acknowledge",
    token => $tok{tm_leader}, body => { note => '已列入审判流程管理专项检查' });
is $r->status, 200, 'the trial-management office acknowledges' or diag $r->summary;
is_deeply $r->json, { acknowledged => 1, items => 1, remaining => 0 },
    '... its one item';
is $env->req(POST => "/api/v1/staff/reports/monthly/$M/acknowledge",
    token => $tok{tm_leader})->status, 409, '... once';

my ($first) = sort { $a->{id} <=> $b->{id} } @$pol;
$r = $env->req(POST => "/api/v1/staff/reports/monthly/$M/acknowledge",
    token => $tok{pol_liaison}, body => { item_id => $first->{id},
                                          note => '已约谈承办人' });
is $r->status, 200, 'the political liaison acknowledges one complaint'
    or diag $r->summary;
is_deeply $r->json, { acknowledged => 1, items => 2, remaining => 1 },
    '... one left';

$tm = items('tm_leader');
ok $tm->[0]{acknowledged}, 'the office sees its item acknowledged';
is $tm->[0]{acknowledged_by}{name}, '梁慧敏', '... by its leader';
like $tm->[0]{acknowledged_at}, qr/^\d{4}-\d\d-\d\dT[\d:]{8}\+08:00$/, '... when';
is $tm->[0]{note}, '已列入审判流程管理专项检查', '... with her note';

$B = $env->req(GET => "/api/v1/staff/reports/monthly?month=$M",
    token => $tok{president})->json;
my %ack = map { $_->{item} => $_ } @{ $B->{acknowledgements} };
is $ack{$CASE}{acknowledged_by}, '梁慧敏', 'the bulletin: the case by 梁慧敏';
is $ack{$CASE}{office}, '审判管理办公室', '... for the office';
ok $ack{$CASE}{acknowledged_at}, '... and when';
is $ack{ $first->{item} }{acknowledged_by}, '冯洁', '... a complaint by 冯洁';
my ($other) = grep { $_ ne $first->{item} } @no;
is $ack{$other}{acknowledged_by}, undef, '... the other still waiting';

$r = $env->req(GET => "/api/v1/staff/reports/monthly?month=$M&format=html",
    token => $tok{president});
my $html = $r->body;
utf8::decode($html);
like $html, qr/通报事项签收情况/, 'the HTML bulletin has the acknowledgements';
like $html, qr/\Q$CASE\E.*?梁慧敏.*?已列入审判流程管理专项检查/s,
    '... who acknowledged the case, with the note';
like $html, qr/\Q$other\E.*?未签收/s, '... and what is waiting';
like $html, qr{</table></body></html>$}, '... inside the page';
$r = $env->req(GET => "/api/v1/staff/reports/monthly?month=$M&format=csv",
    token => $tok{president});
my $csv = $r->body;
utf8::decode($csv);
like $csv, qr/^审判管理办公室,\Q$CASE\E,.*,梁慧敏,\d{4}-/m,
    'the CSV bulletin too';
like $csv, qr/^政治部,\Q$other\E,.*,未签收,/m, '... with what is waiting';

# ---------------------------------------------------------------------
# regenerated: acknowledgements kept, nobody told twice
# ---------------------------------------------------------------------
$r = Liaison::Test::_run_capture($Liaison::Worker::BIN, 'bulletin',
    "--month=$M", '-c', $w->conf_file);
is $r->{rc}, 0, "liaison-worker bulletin --month=$M" or diag $r->{output};
$r = $w->once(at($NEXT, '10:00'));
is_deeply $in->news, {}, '... tells nobody again';
my %again = map { $_->{item} => $_ } @{ $env->req(GET =>
    "/api/v1/staff/reports/monthly?month=$M", token => $tok{president})
    ->json->{acknowledgements} };
is $again{$CASE}{acknowledged_by}, '梁慧敏', '... keeps the acknowledgements';
is scalar keys %again, 3, '... and the items';

$r = $env->req(POST => "/api/v1/staff/reports/monthly/$M/acknowledge",
    token => $tok{pol_leader});
is $r->status, 200, 'the political leader acknowledges the rest';
is_deeply $r->json, { acknowledged => 1, items => 2, remaining => 0 },
    '... nothing left';
is $env->req(GET => "/api/v1/staff/reports/monthly/2020-01/items",
    token => $tok{president})->json->{total}, 0, 'another month: no items';
is $env->req(GET => "/api/v1/staff/reports/monthly/2026-13/items",
    token => $tok{president})->status, 400, 'a bad month: 400';

done_testing;
