#!/usr/bin/perl
# The front door (issue 13) in headless Chromium (t/browser/frontdoor.mjs):
# a kiosk visitor after another sees nothing of theirs (nor by going back,
# nor after a minute idle), the slip's QR code reads back, a directly
# opened ticket shows its assignee, search finds by phone, every filter,
# risk and supervision badges, an upload from the console, from the
# public status page and a multipart/form-data upload from a litigant
# token all land, the administration and filing-division pages work,
# links follow the role, security headers on every page, framing and
# next= refused, contrast and target sizes measured on every page.
# Screenshots at 390x844 and 1080x1920 in t/artifacts/frontdoor/.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use JSON::PP ();
use Liaison::Test;
use Liaison::Staff;
use Liaison::Litigant;
use Liaison::Browser;

my $ROOT = $Liaison::Test::ROOT;
my $ARTIFACTS = "$ROOT/t/artifacts/frontdoor";
browser_required();
unlink glob("$ARTIFACTS/*.png");

my $COURT = '测试市示范区人民法院';
my $t = Liaison::Litigant->start(staff => staff_cast(), attachments => 1,
    html_root => "$ROOT/html",
    http => { liaison_court_name => "$COURT 示范法院" });
my $env = $t->env;
my $S = staff_setup($env);

# a work order with the judge, a risk, supervised and escalated
my $t1 = new_ticket($env, case => 'civil', category => 'complaint',
    content => '法官一直联系不上，我准备去法院门口拉横幅。');
drive($env, $t1->{ticket_no}, [ platform => 'dispatch', {} ],
    [ judge1 => 'accept', undef ]);
my $r = act($env, 'judge1', $t1->{ticket_no}, risk => { level => 'high',
    note => '当事人扬言到法院门口聚集' });
is $r->status, 200, 'a risk raised' or diag $r->summary;
$env->sql('UPDATE tickets SET supervised = 1, escalation_level = 2, '
    . "due_at = '2099-12-31 09:00:00' WHERE ticket_no = ?", $t1->{ticket_no});
# a request found by its caller's phone
my $t2 = new_ticket($env, category => 'other', content => '执行款什么时候到账？');
$env->sql("UPDATE tickets SET contact_phone = '13711112222', "
    . "due_at = '2020-01-01 09:00:00' WHERE ticket_no = ?", $t2->{ticket_no});
# a WeChat user's request
my $lit = $t->login(9);
$r = $env->req(POST => '/api/v1/tickets', token => $lit, body => {
    channel => 'wechat', category => 'material', content => '补交证据材料' });
is $r->status, 201, 'a WeChat request';
my $lit_no = $r->json->{ticket_no};
$env->sql("INSERT INTO canned_answers (category, title, body, updated_at) "
    . "VALUES ('consultation', '诉讼费', '可在线缴纳。', '2026-01-05 09:00:00')");

my $data = JSON::PP->new->utf8->canonical->encode({
    t1 => $t1->{ticket_no}, t2 => $t2->{ticket_no},
    t2_code => $t2->{query_code}, phone => '13711112222', risky => [],
    assignee => '李建国', lit_no => $lit_no, lit_token => $lit,
    court => $COURT });
my $run = browser_run(300, 'frontdoor.mjs', 'http://127.0.0.1:' . $env->port,
    $ARTIFACTS, $Liaison::Test::DEFAULT_PASSWORD, $data);
my %got = %{ $run->{data} };
browser_finished($run);
ok $run->{checks} >= 60, 'and made its checks';
ok +($got{audited} // 0) >= 14, ($got{audited} // 0)
    . ' pages measured for contrast and target size';

subtest 'the database agrees' => sub {
    is ticket_row($env, $got{kiosk_no} // '')->{channel}, 'kiosk',
        'the kiosk visitor\'s request';
    my %up = map { $_->{filename} => $_ } @{ $env->sql('SELECT a.*, '
        . 't.ticket_no FROM attachments a JOIN tickets t ON t.id = a.ticket_id') };
    is $up{'补充证据.png'}{uploader_kind}, 'public', 'the status page\'s upload';
    is $up{'补充证据.png'}{ticket_no}, $t2->{ticket_no}, '... on its ticket';
    is $up{'调查笔录.png'}{uploader_kind}, 'staff', 'the console\'s upload';
    is $up{'调查笔录.png'}{purpose}, 'material', '... as material';
    is $up{'wxfile_tmp_1.png'}{uploader_kind}, 'litigant',
        'the multipart upload with a litigant token';
    is $up{'wxfile_tmp_1.png'}{ticket_no}, $lit_no, '... on the owner\'s ticket';
    is $env->sql_one('SELECT wecom_userid FROM staff WHERE username = ?',
        'judge2'), 'WangLiHua', 'a WeCom id set by the administrator';
    is_deeply $env->sql('SELECT s.name, s.role, d.code, s.wecom_userid FROM '
        . 'staff s JOIN departments d ON d.id = s.department_id '
        . "WHERE s.username = 'clerk9'")->[0],
        { name => '新书记员', role => 'dept_staff', code => 'criminal',
          wecom_userid => 'XinShuJiYuan' }, 'an account created';
    is $env->sql_one('SELECT leader_staff_id FROM departments WHERE id = ?',
        dept_id($env, 'criminal')), sid($env, 'estaff'),
        'a department\'s leader set';
    is $env->sql_one("SELECT COUNT(*) FROM canned_answers WHERE title = "
        . "'立案材料清单' AND active = 1"), 1, 'a canned answer added';
    is $env->sql_one('SELECT name FROM liaison_records WHERE department_id = ? '
        . 'ORDER BY id DESC LIMIT 1', dept_id($env, 'criminal')), '周婷',
        'a liaison recorded';
    is $env->sql_one("SELECT stage FROM risks ORDER BY id LIMIT 1"),
        'investigated', 'the risk advanced';
};

my @png = grep { !/99-failure/ } glob("$ARTIFACTS/*.png");
ok @png >= 20, scalar(@png) . ' screenshots in t/artifacts/frontdoor/';

done_testing;
