#!/usr/bin/perl
# The API the console and the mini-program team build on (issue 13, API
# v1.1): a ticket's facts for staff (department, assignee, escalation,
# supervision, risk), timeline actors and Chinese labels from the one
# label table, worklist search (number, phone, case number, words) and
# the risk filter with risky tickets first, multipart/form-data uploads
# (wx.uploadFile) from a litigant token, from the console and with a
# query code, GET /site (the court's names from liaison_court_name and
# the labels) and GET /wx/templates (subscribe consent).

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Digest::SHA qw(sha256_hex);
use Liaison::Test;
use Liaison::Staff;
use Liaison::Litigant;

my $t = Liaison::Litigant->start(
    staff => staff_cast(), attachments => 1,
    http => { liaison_attachment_max_size => '64k',
              liaison_court_name => '广州市南沙区人民法院 南沙法院',
              liaison_court_unit => '立案庭（诉讼服务中心）' });
my $files = $t->files;
my $env = $t->env;
my $S = staff_setup($env);
my $tmpdir = $env->prefix . '/tmp/body';

# --- GET /site: the court's names and the labels ------------------------

my $r = $env->req(GET => '/api/v1/site');
is $r->status, 200, 'GET /site: 200' or diag $r->summary;
my $site = $r->json;
is_deeply $site->{court}, { name => '广州市南沙区人民法院',
    short_name => '南沙法院', unit => '立案庭（诉讼服务中心）',
    hotline => '12368' }, '... the court from liaison_court_name/unit';
is $site->{labels}{category}{material}, '材料收转',
    '... one name for material hand-over (the founding document\'s)';
is $site->{labels}{category}{document}, '开具诉讼文书', '... and documents';
is $site->{labels}{event}{attachment}, '上传附件', '... event labels';
is $site->{labels}{risk_stage}{investigated}, '排查', '... risk stages';
ok !$r->header('set-cookie'), '... no cookie';

# every code the module and the worker write has a label
my %written;
for my $f (glob("$Liaison::Test::ROOT/ngx_liaison_module/*.c"),
           glob("$Liaison::Test::ROOT/worker/*.c")) {
    open my $fh, '<:utf8', $f or die "$f: $!";
    my $src = do { local $/; <$fh> };
    # INSERT INTO ticket_events ... VALUES (..., 'type', 'kind', ...)
    $written{$1} = 1 while $src =~ /\(\$u, '([a-z_]+)', '(?:staff|litigant|system|public)'/g;
    $written{$1} = 1 while $src =~ /SELECT [a-z_.]+, '([a-z_]+)', '(?:staff|litigant|system)'/g;
    $written{$1} = 1 while $src =~ /type = (?:act->risk_level \? )?"([a-z_]+)"/g;
}
$written{"escalation_$_"} = 1 for qw(warning reminder leader vp president);
$written{$_} = 1 for qw(registered answered replied dispatched transferred
    accepted returned closed note risk_raised referred message reopened
    feedback attachment supervised triaged);
my @unlabelled = grep { !$site->{labels}{event}{$_} } sort keys %written;
is_deeply \@unlabelled, [], 'every timeline event type has a label';

# --- GET /wx/templates ----------------------------------------------------

$r = $env->req(GET => '/api/v1/wx/templates');
is $r->status, 200, 'GET /wx/templates: 200';
my %tpl = map { $_->{purpose} => $_ } @{ $r->json->{items} };
is $r->json->{total}, 2, '... the two configured templates';
is $tpl{ticket_reply}{template_id}, $Liaison::Litigant::REPLY_TEMPLATE,
    '... the reply template id';
is $tpl{case_node}{template_id}, $Liaison::Litigant::NODE_TEMPLATE,
    '... the node template id';
is $tpl{ticket_reply}{page}, 'pages/ticket/detail?ticket_no={ticket_no}',
    '... the page a reply opens';
is $tpl{case_node}{page}, 'pages/case/nodes?case_no={case_no}',
    '... the page a node opens';
like $tpl{case_node}{description}, qr/案件/, '... what it is for, in Chinese';
is_deeply [ map { $_->{key} } @{ $tpl{ticket_reply}{fields} } ],
    [qw(character_string1 phrase2 thing3 time4)],
    '... the keywords the message fills';

# --- the staff view of a ticket ---------------------------------------------

my $tk = new_ticket($env, case => 'civil', category => 'complaint',
    content => '法官一直联系不上，我要去法院门口拉横幅。');
my $no = $tk->{ticket_no};
$r = staff_get($env, platform => $no);
is $r->status, 200, 'staff view: 200';
my $v = $r->json;
is_deeply $v->{department}, { id => dept_id($env, 'civil'),
    name => '民事审判庭' }, '... registered: the case\'s department';
is $v->{assignee}, undef, '... nobody assigned';
is $v->{escalation_level}, 0, '... not escalated';
is $v->{supervised}, JSON::PP::false, '... not supervised';
is $v->{risk}, undef, '... no risk (no triage rules here)';
my $ev = $v->{timeline}[0];
is $ev->{label}, '登记', 'timeline: the label';
is_deeply $ev->{actor}, { kind => 'public', name => '当事人', role => undef },
    '... a web registration by the public';

drive($env, $no, [ platform => 'dispatch', {} ],
    [ judge1 => 'accept', undef ]);
$r = act($env, 'judge1', $no, risk => { level => 'high',
    note => '当事人扬言到法院门口聚集' });
is $r->status, 200, 'a risk raised' or diag $r->summary;
my $risk_id = $r->json->{risk_id};
$env->sql('UPDATE tickets SET escalation_level = 2, supervised = 1 '
    . 'WHERE ticket_no = ?', $no);

$v = staff_get($env, platform => $no)->json;
is_deeply $v->{department}, { id => dept_id($env, 'civil'),
    name => '民事审判庭' }, 'staff view: the department';
is_deeply $v->{assignee}, { id => sid($env, 'judge1'), name => '李建国' },
    '... the assignee';
is $v->{escalation_level}, 2, '... the escalation level';
is $v->{supervised}, JSON::PP::true, '... supervised';
is_deeply $v->{risk}, { flag => JSON::PP::true, rules => [],
    risk_id => $risk_id, stage => 'received' }, '... the open risk';
my %by = map { $_->{type} => $_ } @{ $v->{timeline} };
is_deeply $by{accepted}{actor}, { kind => 'staff', name => '李建国',
    role => 'judge' }, '... the judge who accepted, by name and role';
is $by{risk_raised}{label}, '风险预警', '... the risk, labelled';
is $by{dispatched}{actor}{name}, '陈晓燕', '... the platform dispatched';

# the risk goes round the loop: the flag stays, the open risk is gone
for my $stage (qw(investigated assessed handled fed_back)) {
    $r = $env->req(POST => "/api/v1/staff/risks/$risk_id/advance",
        token => tok($env, 'filing'), body => { stage => $stage,
            note => "阶段 $stage" });
    is $r->status, 200, "risk advanced to $stage" or diag $r->summary;
}
$v = staff_get($env, judge1 => $no)->json;
is_deeply $v->{risk}, { flag => JSON::PP::true, rules => [],
    risk_id => undef, stage => undef }, 'closed loop: flag, no open risk';

# a rule's flag
$env->sql("UPDATE tickets SET risk_flag = 1, risk_rules = 'risk.group,"
    . "risk.media' WHERE ticket_no = ?", $no);
is_deeply staff_get($env, judge1 => $no)->json->{risk}{rules},
    [ 'risk.group', 'risk.media' ], 'the rules that flagged it';

# the public and the owner see none of it, and no staff name
$r = $env->req(GET => "/api/v1/tickets/$no?query_code=$tk->{query_code}");
is $r->status, 200, 'public view: 200';
$v = $r->json;
ok !exists $v->{$_}, "public view: no $_"
    for qw(department assignee risk supervised escalation_level);
%by = map { $_->{type} => $_ } @{ $v->{timeline} };
is_deeply $by{accepted}{actor}, { kind => 'staff', name => '承办法官',
    role => 'judge' }, '... staff named by role only';
ok !exists $by{risk_raised}, '... no risk event';
unlike $r->body, qr/李建国|陈晓燕/, '... no staff name anywhere';

# the role is the one the judge acted in, kept on the event: a later
# change of role does not rewrite what the public was told
$env->sql("UPDATE staff SET role = 'dept_leader' WHERE id = ?",
    sid($env, 'judge1'));
$v = $env->req(GET => "/api/v1/tickets/$no?query_code=$tk->{query_code}")
    ->json;
%by = map { $_->{type} => $_ } @{ $v->{timeline} };
is_deeply $by{accepted}{actor}, { kind => 'staff', name => '承办法官',
    role => 'judge' }, '... the role at the time of the event';
$env->sql("UPDATE staff SET role = 'judge' WHERE id = ?", sid($env, 'judge1'));

# a litigant's follow-up: the name masked
my $lit = $t->login(31);
$r = $env->req(POST => '/api/v1/tickets', token => $lit, body => {
    channel => 'wechat', category => 'consultation', content => '请问诉讼费标准？',
    contact => { name => '欧阳小明', phone => '13900139001' } });
is $r->status, 201, 'a WeChat request';
my $wno = $r->json->{ticket_no};
$r = $env->req(GET => "/api/v1/tickets/$wno", token => $lit);
is_deeply $r->json->{timeline}[0]{actor}, { kind => 'litigant',
    name => '欧***', role => undef }, 'a litigant actor: the name masked';

# --- the worklist: search, risk, order ---------------------------------------

my $calm = new_ticket($env, case => 'criminal', category => 'contact_judge',
    content => '请转告承办法官我已补交银行流水。');
my $phone = new_ticket($env, category => 'other',
    content => '关于执行款到账时间的询问');
$env->sql("UPDATE tickets SET contact_phone = '13700137000', "
    . "due_at = '2020-01-01 09:00:00' WHERE ticket_no = ?",
    $phone->{ticket_no});
my $risky = new_ticket($env, category => 'other', content => '扬言闹访');
$env->sql("UPDATE tickets SET risk_flag = 1, risk_rules = 'risk.petition', "
    . "due_at = '2099-01-01 09:00:00' WHERE ticket_no = ?",
    $risky->{ticket_no});

sub wl {
    my ($who, $q) = @_;
    my $r = $env->req(GET => "/api/v1/staff/tickets$q", token => tok($env, $who));
    is $r->status, 200, "worklist $q as $who: 200" or diag $r->summary;
    return $r->json;
}
sub nos { [ map { $_->{ticket_no} } @{ $_[0]{items} } ] }

my $all = wl(platform => '?per_page=100');
is_deeply [ @{ nos($all) }[0 .. 2] ],
    [ $no, $risky->{ticket_no}, $phone->{ticket_no} ],
    'risky first (by due time among them), though due last, then by due time';
my ($item) = grep { $_->{ticket_no} eq $risky->{ticket_no} } @{ $all->{items} };
is_deeply $item->{risk}, { flag => JSON::PP::true, risk_id => undef,
    stage => undef }, 'an item: its risk';
is $item->{supervised}, JSON::PP::false, 'an item: supervised';
($item) = grep { $_->{ticket_no} eq $no } @{ wl(platform => '?all=1&per_page=100')->{items} };
is $item->{supervised}, JSON::PP::true, 'the supervised one';

is_deeply nos(wl(platform => '?risk=1&all=1')),
    [ $no, $risky->{ticket_no} ], 'risk=1: the flagged ones only';
is_deeply nos(wl(platform => "?q=$calm->{ticket_no}")),
    [ $calm->{ticket_no} ], 'q=: by ticket number';
is_deeply nos(wl(platform => '?q=13700137000')), [ $phone->{ticket_no} ],
    'q=: by phone';
is_deeply nos(wl(platform => '?q=%EF%BC%882026%EF%BC%89%E7%B2%A40115%E5%88%91%E5%88%9D202%E5%8F%B7')),
    [ $calm->{ticket_no} ], 'q=: by case number (full-width brackets)';
is_deeply nos(wl(platform => '?q=(2026)%E7%B2%A40115%E5%88%91%E5%88%9D202%E5%8F%B7')),
    [ $calm->{ticket_no} ], 'q=: by case number (half-width)';
is_deeply nos(wl(platform => '?q=%E9%93%B6%E8%A1%8C%E6%B5%81%E6%B0%B4')),
    [ $calm->{ticket_no} ], 'q=: by words in the content';
is_deeply nos(wl(platform => '?q=+%E6%89%A7%E8%A1%8C%E6%AC%BE+')),
    [ $phone->{ticket_no} ], 'q=: surrounding spaces ignored';
is_deeply nos(wl(platform => '?q=100%25')), [], 'q=: % taken literally';
is_deeply nos(wl(platform => '?q=_')), [], 'q=: _ taken literally';
is_deeply nos(wl(judge2 => "?q=$no&all=1")), [],
    'q=: within the caller\'s scope only';
$r = $env->req(GET => '/api/v1/staff/tickets?q=' . ('%E5%AD%97' x 51),
    token => tok($env, 'platform'));
is $r->status, 400, 'q= of 51 characters: 400';
is $r->error_field, 'q', '... naming q';

# --- multipart/form-data uploads ------------------------------------------------

sub jpeg { "\xff\xd8\xff\xe0\x00\x10JFIF\x00" . join '', map { chr(($_ * 13) % 256) } 1 .. 3000 }
sub pdf { "%PDF-1.7\n" . join '', map { chr(($_ * 5) % 256) } 1 .. 2000 }
# a form as bytes: its text UTF-8, its files as they are
sub form {
    my (%o) = @_;
    my $u = sub { my $s = shift; utf8::encode($s); $s };
    my $b = $o{boundary} // '----WebKitFormBoundaryLiaison7MA4YWxk';
    my $body = '';
    for my $f (@{ $o{fields} || [] }) {
        $body .= $u->("--$b\r\nContent-Disposition: form-data; "
            . "name=\"$f->[0]\"\r\n\r\n$f->[1]\r\n");
    }
    for my $p (@{ $o{files} || [] }) {
        my ($name, $fn, $type, $data) = @$p;
        $body .= $u->("--$b\r\nContent-Disposition: form-data; name=\"$name\""
            . (defined $fn ? "; filename=\"$fn\"" : '') . "\r\n"
            . ($type ? "Content-Type: $type\r\n" : '') . "\r\n")
            . $data . "\r\n";
    }
    $body .= "--$b--\r\n" unless $o{unterminated};
    return ($body, "multipart/form-data; boundary=$b");
}
sub mp {
    my ($path, $token, @form) = @_;
    my ($body, $ct) = form(@form);
    return $env->req(POST => $path, token => $token, body => $body,
        headers => { 'Content-Type' => $ct });
}
sub stored { opendir my $d, $files or die $!; scalar grep { !/^\./ } readdir $d }
sub temps { opendir my $d, $tmpdir or return 0; scalar grep { !/^\./ } readdir $d }

# the WeChat owner's ticket
my $data = jpeg();
$r = mp("/api/v1/tickets/$wno/attachments", $lit,
    fields => [ [ purpose_note => '现场照片' ] ],
    files => [ [ file => 'wxfile://tmp_4a8b.jpg', 'application/octet-stream',
                 $data ] ]);
is $r->status, 201, 'wx.uploadFile (name="file"): 201' or diag $r->summary;
my $a = $r->json;
is $a->{filename}, 'tmp_4a8b.jpg', '... the name from the part (last segment)';
is $a->{content_type}, 'image/jpeg', '... the type by content, not the part\'s';
is $a->{size}, length $data, '... the file part only';
is $a->{sha256}, sha256_hex($data), '... its checksum';
my $row = $env->sql('SELECT * FROM attachments WHERE id = ?', $a->{id})->[0];
is $row->{uploader_kind}, 'litigant', '... by the litigant';
is -s "$files/$row->{storage_name}", length $data, '... stored whole';
{
    open my $fh, '<:raw', "$files/$row->{storage_name}" or die $!;
    local $/;
    is sha256_hex(<$fh>), sha256_hex($data), '... byte for byte';
}
$r = $env->req(GET => "/api/v1/tickets/$wno/attachments/$a->{id}", token => $lit);
is $r->status, 200, '... downloaded';
is $r->body, $data, '... the same bytes';
ok wait_until(sub { temps() == 0 }, 5), 'no temp file or part left';

# ?filename= wins over the part's
$r = mp("/api/v1/tickets/$wno/attachments?filename=%E5%8F%91%E7%A5%A8.pdf&purpose=follow_up",
    $lit, files => [ [ file => 'x.pdf', 'image/jpeg', pdf() ] ]);
is $r->status, 201, 'a PDF in a form, ?filename= given: 201' or diag $r->summary;
is $r->json->{filename}, '发票.pdf', '... the URL\'s name wins';
is $r->json->{content_type}, 'application/pdf', '... a PDF';
is $r->json->{purpose}, 'follow_up', '... purpose from the URL';

# refused forms leave nothing behind
my $n0 = stored();
for my $bad (
    [ 'an executable in the form: 415', 415,
      files => [ [ file => 'a.jpg', 'image/jpeg', "\x7fELF\x02\x01\x01" . ('x' x 100) ] ] ],
    [ 'no file part: 400', 400, fields => [ [ note => 'x' ] ] ],
    [ 'two files: 400', 400, files => [ [ file => 'a.jpg', undef, $data ],
                                        [ file => 'b.jpg', undef, $data ] ] ],
    [ 'no closing delimiter: 400', 400, unterminated => 1,
      files => [ [ file => 'a.jpg', undef, $data ] ] ],
    [ 'an empty file: 400', 400, files => [ [ file => 'a.jpg', undef, '' ] ] ],
    [ 'no name at all: 400', 400, files => [ [ file => undef, undef, $data ] ] ],
    [ 'a path for a name: 400', 400, files => [ [ file => '.htaccess', undef, $data ] ] ],
) {
    my ($what, $status, @form) = @$bad;
    $r = mp("/api/v1/tickets/$wno/attachments", $lit, @form);
    is $r->status, $status, $what or diag $r->summary;
}
$r = $env->req(POST => "/api/v1/tickets/$wno/attachments", token => $lit,
    body => "--x\r\n", headers => { 'Content-Type' => 'multipart/form-data' });
is $r->status, 400, 'multipart without a boundary: 400';
is stored(), $n0, 'nothing stored by a refused form';
ok wait_until(sub { temps() == 0 }, 5), 'no temp file or part left';

# the console: a member of staff in scope
$r = mp("/api/v1/staff/tickets/$no/attachments?purpose=material",
    tok($env, 'judge1'), files => [ [ file => '调解笔录.pdf', 'application/pdf', pdf() ] ]);
is $r->status, 201, 'a form from the console: 201' or diag $r->summary;
is $r->json->{filename}, '调解笔录.pdf', '... named by the part (UTF-8)';
$r = mp("/api/v1/staff/tickets/$no/attachments", tok($env, 'judge2'),
    files => [ [ file => 'a.pdf', undef, pdf() ] ]);
is $r->status, 404, 'staff out of scope: 404';

# the public status page: the query code
$r = mp("/api/v1/tickets/$calm->{ticket_no}/attachments?query_code="
    . lc $calm->{query_code}, undef, files => [ [ file => '补充证据.jpg', undef, $data ] ]);
is $r->status, 201, 'with the query code: 201' or diag $r->summary;
is $env->sql_one('SELECT uploader_kind FROM attachments WHERE id = ?',
    $r->json->{id}), 'public', '... uploaded by the public';
$r = mp("/api/v1/tickets/$calm->{ticket_no}/attachments?query_code=AAAAAAAAAA",
    undef, files => [ [ file => 'x.jpg', undef, $data ] ]);
is $r->status, 404, 'a wrong query code: 404';
$r = mp("/api/v1/tickets/$calm->{ticket_no}/attachments", undef,
    files => [ [ file => 'x.jpg', undef, $data ] ]);
is $r->status, 401, 'neither token nor code: 401';

# the timeline says what was attached, in Chinese
$v = $env->req(GET => "/api/v1/tickets/$calm->{ticket_no}?query_code="
    . $calm->{query_code})->json;
my ($att) = grep { $_->{type} eq 'attachment' } @{ $v->{timeline} };
is $att->{label}, '上传附件', 'timeline: the upload, labelled';
is $att->{note}, '补充证据.jpg', '... with the file name';
is $att->{actor}{kind}, 'public', '... by the public';
is scalar @{ $v->{attachments} }, 1, '... and listed';

# --- sys_admin: WeCom ids, departments ------------------------------------

my $admin = tok($env, 'admin');
$r = $env->req(PUT => '/api/v1/staff/accounts/' . sid($env, 'judge1'),
    token => $admin, body => { wecom_userid => 'LiJianGuo.01' });
is $r->status, 200, 'a WeCom id set' or diag $r->summary;
is $env->sql_one('SELECT wecom_userid FROM staff WHERE id = ?',
    sid($env, 'judge1')), 'LiJianGuo.01', '... stored';
($item) = grep { $_->{id} == sid($env, 'judge1') }
    @{ $env->req(GET => '/api/v1/staff/accounts', token => $admin)->json->{items} };
is $item->{wecom_userid}, 'LiJianGuo.01', '... listed';
$r = $env->req(PUT => '/api/v1/staff/accounts/' . sid($env, 'judge1'),
    token => $admin, body => { wecom_userid => 'a b' });
is $r->status, 400, 'a WeCom id with a space: 400';
is $r->error_field, 'wecom_userid', '... naming it';
$r = $env->req(PUT => '/api/v1/staff/accounts/' . sid($env, 'judge1'),
    token => $admin, body => { wecom_userid => undef });
is $r->status, 200, 'null takes it away';
is $env->sql_one('SELECT wecom_userid FROM staff WHERE id = ?',
    sid($env, 'judge1')), undef, '... gone';

$r = $env->req(POST => '/api/v1/staff/departments', token => $admin,
    body => { code => 'admin_court', name => '行政审判庭', kind => 'trial' });
is $r->status, 201, 'a department created' or diag $r->summary;
my $did = $r->json->{id};
$r = $env->req(PUT => "/api/v1/staff/departments/$did", token => $admin,
    body => { leader_staff_id => sid($env, 'leader'),
              vice_president_staff_id => sid($env, 'vp') });
is $r->status, 200, '... its leader and vice president';
is_deeply $env->sql('SELECT name, kind, leader_staff_id, '
    . 'vice_president_staff_id FROM departments WHERE id = ?', $did)->[0],
    { name => '行政审判庭', kind => 'trial', leader_staff_id => sid($env, 'leader'),
      vice_president_staff_id => sid($env, 'vp') }, '... stored';
$r = $env->req(PUT => "/api/v1/staff/departments/$did", token => $admin,
    body => { leader_staff_id => undef });
is $r->status, 200, 'null takes the leader away';
is $env->sql_one('SELECT leader_staff_id FROM departments WHERE id = ?', $did),
    undef, '... gone';
$r = $env->req(POST => '/api/v1/staff/departments', token => $admin,
    body => { code => 'admin_court', name => '重复' });
is $r->status, 409, 'a code taken: 409';
$r = $env->req(PUT => '/api/v1/staff/departments/99999', token => $admin,
    body => { name => 'x' });
is $r->status, 404, 'an unknown department: 404';
$r = $env->req(POST => '/api/v1/staff/departments', token => tok($env, 'filing'),
    body => { code => 'x', name => 'x' });
is $r->status, 403, 'not for the filing division: 403';

done_testing;
