#!/usr/bin/perl
# The console and the public pages in a real browser: Debian's headless
# Chromium driven by playwright-core (t/browser/console.mjs) against the
# real nginx serving html/ and the API.  A member of the public submits
# and checks the status; the platform logs in, finds the ticket and
# dispatches it; the judge accepts and replies with a canned answer; the
# litigant's status page shows the reply and none of the internal note.
# Screenshots (390x844) land in t/artifacts/console/ on every run.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Staff;
use Liaison::Browser;

my $ROOT = $Liaison::Test::ROOT;
my $ARTIFACTS = "$ROOT/t/artifacts/console";
browser_required();

# the pages themselves: small as they travel (nginx gzips them),
# self-contained
{
    require IO::Compress::Gzip;
    my ($bytes, $gz, @external) = (0, 0);
    for my $f (glob("$ROOT/html/*.html $ROOT/html/*/*.html $ROOT/html/assets/*")) {
        open my $fh, '<:raw', $f or die "$f: $!";
        local $/;
        my $s = <$fh>;
        $bytes += length $s;
        IO::Compress::Gzip::gzip(\$s => \my $z, Level => 6) or die;
        $gz += length $z;
        push @external, $f if $s =~ m{(?:src|href)=["']?(?:https?:)?//}i
            || $s =~ m{url\(\s*["']?(?:https?:)?//}i || $s =~ /\@import/;
    }
    ok $gz < 45_000, "html/ is small for a weak 4G link ($bytes bytes, "
        . "$gz gzipped)";
    is_deeply \@external, [], 'no external scripts, styles or fonts';
}

# this run's screenshots only
unlink glob("$ARTIFACTS/*.png");

my $env = Liaison::Test->start(staff => staff_cast(),
    html_root => "$ROOT/html");
my $S = staff_setup($env);

# static files: served with the right types and charset
for my $f ([ '/' => qr{^text/html; charset=utf-8}i ],
           [ '/staff/' => qr{^text/html; charset=utf-8}i ],
           [ '/assets/staff.js' => qr{javascript; charset=utf-8}i ],
           [ '/assets/app.css' => qr{^text/css; charset=utf-8}i ]) {
    my $r = $env->req(GET => $f->[0]);
    is $r->status, 200, "GET $f->[0]: 200";
    like $r->header('content-type') // '', $f->[1], "... $f->[1]";
}
is $env->req(GET => '/nonexistent.html')->status, 404, 'a missing page: 404';
is $env->req(GET => '/api/v1/health')->status, 200, 'the API still answers';

# what the browser will find: a canned answer, a civil work order to be,
# and an overdue, escalated ticket for the badges
my $r = $env->req(POST => '/api/v1/staff/canned-answers',
    token => tok($env, 'admin'), body => { category => 'complaint',
        title => '诉讼费缴纳', body => '诉讼费可通过广州微法院小程序在线缴纳。' });
is $r->status, 201, 'a canned answer';
my $t = new_ticket($env, case => 'civil', category => 'complaint',
    content => '法官一直联系不上，请尽快安排答复。');
my $late = new_ticket($env, case => 'civil', category => 'other',
    content => '材料已提交两周，仍未收到回复。');
$env->sql('UPDATE tickets SET due_at = ?, escalation_level = 1 '
    . 'WHERE ticket_no = ?', '2020-06-01 09:00:00', $late->{ticket_no});
$r = $env->req(PUT => '/api/v1/staff/departments/' . dept_id($env, 'civil')
    . '/liaison', token => tok($env, 'filing'), body => { name => '刘洋',
        title => '书记员', office_phone => '020-84681234',
        mobile => '13800138005', changed_on => '2026-11-02',
        reported_on => '2026-11-03' });
is $r->status, 200, 'the civil division has a liaison' or diag $r->summary;

my $run = browser_run(240, 'console.mjs', 'http://127.0.0.1:' . $env->port,
    $ARTIFACTS, $t->{ticket_no}, $t->{query_code},
    $Liaison::Test::DEFAULT_PASSWORD);
my %data = %{ $run->{data} };
browser_finished($run);
ok $run->{checks} >= 40, 'and made its checks';

# the database agrees with what the pages showed
subtest 'the database agrees' => sub {
    my $w = ticket_row($env, $data{web_ticket_no} // '');
    is $w->{channel}, 'web', 'the public page registered a web request';
    is $w->{category}, 'consultation', '... consultation';
    is $w->{query_code}, $data{web_query_code}, '... with the code shown';
    is $w->{contact_name}, '王小明', '... and the contact';
    my $k = ticket_row($env, $data{kiosk_ticket_no} // '');
    is $k->{channel}, 'kiosk', '?kiosk=1 registers a kiosk request';
    is $k->{case_no}, CIVIL_CASE, '... case number normalised';
    my $row = ticket_row($env, $t->{ticket_no});
    is $row->{status}, 'replied', 'the work order is replied';
    is $row->{assignee_staff_id}, sid($env, 'judge1'), '... by judge1';
    is $row->{first_handler_staff_id}, sid($env, 'judge1'),
        '... the first handler';
    my @ev = @{ ticket_events($env, $t->{ticket_no}) };
    is_deeply [ map { $_->{type} } @ev ],
        [qw(registered dispatched note accepted risk_raised replied)],
        'the timeline';
    is_deeply $env->sql('SELECT r.level, r.raised_by FROM risks r JOIN '
        . 'tickets t ON t.id = r.ticket_id WHERE t.ticket_no = ?',
        $t->{ticket_no}), [ { level => 'high', raised_by => sid($env, 'judge1') } ],
        'the risk raised in the browser';
    my ($reply) = grep { $_->{type} eq 'replied' } @ev;
    is $reply->{note}, $data{reply_text}, 'the reply text typed in the browser';
    my ($note) = grep { $_->{type} eq 'note' } @ev;
    is $note->{public}, 0, 'the note is internal';
    is $note->{actor_id}, sid($env, 'platform'), '... by the platform';
    is $env->sql_one('SELECT COUNT(*) FROM sessions WHERE staff_id = ? '
        . 'AND revoked_at IS NOT NULL', sid($env, 'platform')), 1,
        'the console logout revoked the platform session';
};

my @png = grep { !/99-failure/ } glob("$ARTIFACTS/*.png");
is scalar @png, 16, "16 screenshots in t/artifacts/console/";

done_testing;
