#!/usr/bin/perl
# Attack (issue 14, "stored XSS in every page in Chromium"): text a
# litigant files through the API -- the request itself, the contact's
# name, follow-up messages, an attachment's file name, a satisfaction
# comment -- and a reply typed by staff, each carrying script payloads
# (<script>, onerror=, javascript: links, "><svg onload=>, {{...}}
# templates, U+2028/U+2029), then the pages that show them in headless
# Chromium (t/browser/xss.mjs): the staff worklist, search and ticket
# view (the attachment opened as an image too), the public status page
# with the query code and its kiosk form; and what staff type that other
# pages show (a risk note, a liaison, a canned answer, a follow-up) on
# the leaders', case-filing, administration and public directory pages.
#
# Twice: once with the CSP switched off in the browser, so a payload
# that became markup would run (the escaping of the pages alone is
# tested; the run first proves its detector fires on a planted payload),
# and once as served, where no CSP violation may come from rendering the
# payloads and an inline script planted in the page is refused.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use File::Temp qw(tempdir);
use JSON::PP ();
use Liaison::Test;
use Liaison::Staff;
use Liaison::Browser;

my $ROOT = $Liaison::Test::ROOT;
my $ARTIFACTS = "$ROOT/t/artifacts/xss";
browser_required();
unlink glob("$ARTIFACTS/*.png");

my $store = tempdir('liaison-attach-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0711, $store;    # nginx's workers (www-data) pass through
my $files = Liaison::Test->workers_dir("$store/files");
my $env = Liaison::Test->start(staff => staff_cast(),
    html_root => "$ROOT/html",
    http => { liaison_attachment_dir => $files,
              liaison_triage_rules => "$ROOT/data/triage-rules.txt" },
    server_extra => "location /_liaison_files/ {\n internal;\n"
        . " alias $files/;\n}\n");
my $S = staff_setup($env);

# every payload calls __xss(n) (or alert, or sets __pwned) when it runs
my @P = (
    '<script>__xss(1)</script>',
    '<img src=x onerror=__xss(2)>',
    '<a href="javascript:__xss(3)">点击查看</a>',
    '"><svg onload=__xss(4)>',
    "'><img src=x onerror=alert(5)>",
    "{{constructor.constructor('__xss(6)')()}} {{7*7}} \${7*7}",
    "行一\x{2028}行二\x{2029}</script><script>__xss(7)</script>",
    '<iframe srcdoc="<script>parent.__xss(8)</script>"></iframe>',
    'javascript:__xss(9)',
    '<details open ontoggle=__xss(10)>',
    '&lt;b&gt;已转义&lt;/b&gt; <img src=x onerror=window.__pwned=1>',
);
my $content = "我的诉求：\n" . join("\n", @P);
my $name = '<img src=x onerror=__xss(21)>';
my $message = "补充材料说明 $P[3] $P[6]";
my $filename = "'><img src=x onerror=__xss(22)>起诉状.png";
my $reply = "法官答复：<script>__xss(23)</script><b onmouseover=__xss(24)>已收到</b>";
my $comment = '<img src=x onerror=__xss(25)> 满意';

my $t = $env->req(POST => '/api/v1/tickets', body => {
    channel => 'web', category => 'complaint', content => $content,
    case_no => CIVIL_CASE,
    contact => { name => $name, phone => '13800138000' } });
is $t->status, 201, 'a request carrying every payload is filed'
    or diag $t->summary;
my ($no, $code) = @{ $t->json }{qw(ticket_no query_code)};

my $r = $env->req(POST => "/api/v1/tickets/$no/messages",
    body => { content => $message, query_code => $code });
is $r->status, 201, 'a follow-up message with payloads' or diag $r->summary;

# a real PNG (1x1), its name a payload
my $png = pack 'H*', '89504e470d0a1a0a0000000d4948445200000001000000010806'
    . '0000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049'
    . '454e44ae426082';
$r = $env->req(POST => "/api/v1/tickets/$no/attachments?filename="
    . _pct($filename) . "&query_code=$code", body => $png,
    headers => { 'Content-Type' => 'image/png' });
is $r->status, 201, 'an attachment named with a payload' or diag $r->summary;
is $r->json->{filename}, $filename, '... the name kept as given';

drive($env, $no, [ platform => dispatch => {} ], [ judge1 => accept => undef ],
    [ judge1 => reply => { content => $reply } ]);
$r = $env->req(POST => "/api/v1/tickets/$no/feedback",
    body => { rating => 4, comment => $comment, query_code => $code });
is $r->status, 201, 'a satisfaction comment with a payload'
    or diag $r->summary;

# a hall registration by staff on someone's behalf, a risk rule hit
my $hall_content = "再不解决我就跳楼<script>__xss(31)</script>";
$r = $env->req(POST => '/api/v1/tickets', token => tok($env, 'platform'),
    body => { channel => 'hall', category => 'complaint',
        content => $hall_content,
        contact => { name => '"><svg onload=__xss(32)>', phone => '13900139000' } });
is $r->status, 201, 'a hall registration with payloads' or diag $r->summary;
my $hall = $r->json->{ticket_no};

# what staff type reaches other pages: a risk note (the filing and
# leaders' pages), a liaison (the public directory), a canned answer (the
# administration page), a follow-up (the leaders' page)
my $risk_note = '"><img src=x onerror=__xss(51)>情绪激动';
$r = act($env, 'platform', $no, risk => { level => 'high',
    note => $risk_note });
is $r->status, 200, 'a risk raised with a payload note' or diag $r->summary;
my $liaison = '<svg onload=__xss(52)>刘';
$r = $env->req(PUT => '/api/v1/staff/departments/' . dept_id($env, 'civil')
    . '/liaison', token => tok($env, 'filing'), body => { name => $liaison,
        title => "书记员<script>__xss(53)</script>",
        office_phone => '020-84681234', mobile => '13800138005',
        changed_on => '2026-11-02', reported_on => '2026-11-03' });
is $r->status, 200, 'a liaison named with a payload' or diag $r->summary;
my $canned = "诉讼费<img src=x onerror=__xss(54)>";
$r = $env->req(POST => '/api/v1/staff/canned-answers',
    token => tok($env, 'filing'), body => { category => 'complaint',
        title => $canned, body => "答复</textarea><script>__xss(55)</script>" });
is $r->status, 201, 'a canned answer with payloads' or diag $r->summary;
my $fup = "回头看<details open ontoggle=__xss(56)>";
$r = $env->req(POST => '/api/v1/staff/follow-ups', token => tok($env, 'filing'),
    body => { title => $fup, owner_staff_id => sid($env, 'platform'),
        due_on => '2026-12-31' });
is $r->status, 201, 'a follow-up titled with a payload' or diag $r->summary;

# the pages' own headers: no inline script allowed
for my $page ('/staff/', '/staff/ticket.html', '/status.html') {
    my $csp = $env->req(GET => $page)->header('content-security-policy') // '';
    my ($src) = $csp =~ /(?:^|;)\s*script-src ([^;]*)/;
    is $src // '', "'self'", "$page: script-src 'self' only";
}

my $dir = tempdir(CLEANUP => 1);
my $spec = "$dir/xss.json";
open my $fh, '>:raw', $spec or die $!;
print $fh JSON::PP->new->utf8->canonical->encode({
    ticket_no => $no, query_code => $code, hall_no => $hall,
    password => $Liaison::Test::DEFAULT_PASSWORD, content => $content,
    name => $name, message => $message, filename => $filename,
    reply => $reply, hall_content => $hall_content, risk_note => $risk_note,
    liaison => $liaison, canned => $canned, fup => $fup });
close $fh;

my $run = browser_run(300, 'xss.mjs', 'http://127.0.0.1:' . $env->port,
    $ARTIFACTS, $spec);
browser_finished($run);
ok $run->{checks} >= 40, 'and made its checks';

sub _pct {
    my ($s) = @_;
    utf8::encode($s);
    $s =~ s/([^A-Za-z0-9_.~-])/sprintf '%%%02X', ord $1/ge;
    return $s;
}

done_testing;
