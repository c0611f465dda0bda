#!/usr/bin/perl
# A litigant's own requests: GET /tickets?mine=1, GET /tickets/{no} by the
# owner's token, follow-up messages (reopening within 7 days of closing),
# feedback once after close.  For every endpoint: the owner, another
# litigant, no token, an expired token, a revoked token and staff.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Tickets;
use Liaison::Litigant;

my $t = Liaison::Litigant->start(triage => 1, staff => [
    { username => 'platform', role => 'platform_staff',
      department => 'filing' } ]);
my $env = $t->env;

my $owner = $t->login(31);
my $other = $t->login(32);
my $staff = $env->staff_token('platform');
my $revoked = $t->login(31);
$env->req(POST => '/api/v1/wx/logout', token => $revoked);
my $expired = $env->forge_token(kind => 'l',
    sid => (split /\./, $t->login(31))[2], exp => time - 10);

sub new_ticket {
    my ($tok, %b) = @_;
    my $r = $env->req(POST => '/api/v1/tickets', token => $tok,
        body => ticket_body(channel => 'wechat', %b));
    is $r->status, 201, 'ticket created' or diag $r->summary;
    return $r->json;
}

my @mine = map { new_ticket($owner, content => "我的第 $_ 个诉求") } 1 .. 3;
my $theirs = new_ticket($other, content => '别人的诉求');
my $no = $mine[0]{ticket_no};

sub close_ticket {
    my ($ticket_no, $ago) = @_;
    $env->sql("UPDATE tickets SET status = 'closed', closed_at = "
        . "DATE_SUB(?, INTERVAL ? SECOND) WHERE ticket_no = ?",
        Liaison::Calendar->format_datetime(time), $ago // 60, $ticket_no);
}

# GET /tickets?mine=1
for my $round (1, 2) {
    my $r = $env->req(GET => '/api/v1/tickets?mine=1', token => $owner);
    is $r->status, 200, "round $round: mine 200" or diag $r->summary;
    is $r->json->{total}, 3, 'total 3';
    is_deeply [ map { $_->{ticket_no} } @{ $r->json->{items} } ],
        [ map { $_->{ticket_no} } reverse @mine ], 'own tickets, newest first';
    my $it = $r->json->{items}[0];
    is $it->{content}, '我的第 3 个诉求', 'content';
    like $it->{created_at}, qr/\+08:00$/, 'times RFC 3339 +08:00';
    for my $k (qw(channel category track status case_no due_at updated_at
                  closed_at)) {
        ok exists $it->{$k}, "item has $k";
    }
}
my $r = $env->req(GET => '/api/v1/tickets?mine=1&page=2&per_page=2',
    token => $owner);
is_deeply [ map { $_->{ticket_no} } @{ $r->json->{items} } ],
    [ $mine[0]{ticket_no} ], 'page 2 of 2 per page';
is $r->json->{total}, 3, 'total on every page';
$r = $env->req(GET => '/api/v1/tickets?mine=1', token => $other);
is_deeply [ map { $_->{ticket_no} } @{ $r->json->{items} } ],
    [ $theirs->{ticket_no} ], 'another litigant sees only theirs';
for my $q ('', '?mine=0', '?mine=1&per_page=101', '?mine=1&per_page=0',
           '?mine=1&page=0', '?mine=1&page=x') {
    $r = $env->req(GET => "/api/v1/tickets$q", token => $owner);
    is $r->status, 400, "GET /tickets$q: 400";
    is $r->error_code, 'invalid_argument', '... invalid_argument';
}

# the permission matrix
my %who = (owner => $owner, other => $other, none => undef,
    expired => $expired, revoked => $revoked, staff => $staff);

sub check {
    my ($name, $want, $method, $path, $body) = @_;
    for my $w (sort keys %$want) {
        for my $round (1, 2) {
            my $r = $env->req($method => $path,
                (defined $who{$w} ? (token => $who{$w}) : ()),
                (defined $body ? (body => $body) : ()));
            is $r->status, $want->{$w}, "$name as $w (round $round): "
                . $want->{$w} or diag $r->summary;
            last if $want->{$w} < 300;     # a write: once is enough
        }
    }
}

check('GET /tickets?mine=1', { none => 401, expired => 401, revoked => 401,
    staff => 403 }, GET => '/api/v1/tickets?mine=1');
check('GET /tickets/{no}', { owner => 200, other => 404, none => 404,
    expired => 401, revoked => 401, staff => 200 },
    GET => "/api/v1/tickets/$no");

my $msg = { content => '补充一下：对方的地址已经变更。' };
check('POST /tickets/{no}/messages', { other => 404, none => 401,
    expired => 401, revoked => 401, staff => 403 },
    POST => "/api/v1/tickets/$no/messages", $msg);
is $env->sql_one('SELECT COUNT(*) FROM ticket_messages'), 0,
    'no message written by anyone but the owner';

# messages by the owner
$r = $env->req(POST => "/api/v1/tickets/$no/messages", token => $owner,
    body => $msg);
is $r->status, 201, 'owner: 201' or diag $r->summary;
is $r->json->{status}, 'registered', 'status unchanged';
is $r->json->{reopened}, JSON::PP::false, 'not reopened';
my $tid = $env->sql_one('SELECT id FROM tickets WHERE ticket_no = ?', $no);
my $m = $env->sql('SELECT * FROM ticket_messages WHERE ticket_id = ?', $tid);
is scalar @$m, 1, 'one message row';
is $m->[0]{content}, $msg->{content}, 'content verbatim';
is $m->[0]{content_review}, 'pending', 'sent for the content check';
is $env->sql_one("SELECT COUNT(*) FROM ticket_events WHERE ticket_id = ? "
    . "AND type = 'message'", $tid), 1, 'a message event';
my $o = $env->sql("SELECT * FROM outbox WHERE kind = 'content_check' AND "
    . "ticket_id = ? ORDER BY id DESC", $tid)->[0];
is $t->json_col($o->{payload})->{message_id}, $m->[0]{id},
    'content check of the message in the outbox';
$r = $env->req(GET => "/api/v1/tickets/$no", token => $owner);
ok((grep { $_->{type} eq 'message' && $_->{note} eq $msg->{content} }
    @{ $r->json->{timeline} }), 'the owner sees it in the timeline');

for my $bad ({}, { content => '' }, { content => 5 },
             { content => 'x' x 2001 }, { content => 'ok', more => 1 }) {
    $r = $env->req(POST => "/api/v1/tickets/$no/messages", token => $owner,
        body => $bad);
    is $r->status, 400, 'bad message: 400';
}
$r = $env->req(POST => '/api/v1/tickets/2611270000000/messages',
    token => $owner, body => $msg);
is $r->status, 404, 'unknown ticket: 404';
$r = $env->req(POST => "/api/v1/tickets/$theirs->{ticket_no}/messages",
    token => $owner, body => $msg);
is $r->status, 404, "another's ticket: 404, like an unknown one";

# a risk signal in a follow-up flags the ticket
$r = $env->req(POST => "/api/v1/tickets/$mine[1]{ticket_no}/messages",
    token => $owner, body => { content => '再拖下去我就去法院门口拉横幅。' });
is $r->status, 201, 'risky message: 201';
my $row = $env->sql('SELECT * FROM tickets WHERE ticket_no = ?',
    $mine[1]{ticket_no})->[0];
is $row->{risk_flag}, 1, 'ticket flagged';
like $row->{risk_rules}, qr/risk\.group/, 'by risk.group';
is $env->sql_one("SELECT COUNT(*) FROM triage_hits WHERE ticket_id = ? AND "
    . "rule_id = 'risk.group' AND message_id IS NOT NULL", $row->{id}), 1,
    'the hit names the message';

# reopening within 7 days, not after
close_ticket($mine[2]{ticket_no}, 6 * 86400);
$r = $env->req(POST => "/api/v1/tickets/$mine[2]{ticket_no}/messages",
    token => $owner, body => $msg);
is $r->status, 201, 'closed 6 days ago: 201' or diag $r->summary;
is $r->json->{status}, 'reopened', 'reopened';
is $r->json->{reopened}, JSON::PP::true, 'reopened: true';
$row = $env->sql('SELECT * FROM tickets WHERE ticket_no = ?',
    $mine[2]{ticket_no})->[0];
is $row->{status}, 'reopened', 'row: reopened';
is $row->{closed_at}, undef, 'row: closed_at cleared';
my $now = Liaison::Calendar->parse_rfc3339($r->json->{created_at});
is $r->json->{due_at}, Liaison::Calendar->format_rfc3339(
    $env->calendar->add_working_days($now, 1)), 'a new due time (simple SLA)';
is $env->sql_one("SELECT COUNT(*) FROM ticket_events WHERE ticket_id = ? AND "
    . "type = 'reopened' AND status_from = 'closed'", $row->{id}), 1,
    'a reopened event';

close_ticket($mine[2]{ticket_no}, 7 * 86400 + 60);
my $before = $env->sql_one('SELECT COUNT(*) FROM ticket_messages');
$r = $env->req(POST => "/api/v1/tickets/$mine[2]{ticket_no}/messages",
    token => $owner, body => $msg);
is $r->status, 409, 'closed more than 7 days ago: 409';
is $r->error_code, 'conflict', '... conflict';
is $env->sql_one('SELECT COUNT(*) FROM ticket_messages'), $before,
    '... nothing written';

# feedback
my $fb = { rating => 5, comment => '答复及时，谢谢！' };
$r = $env->req(POST => "/api/v1/tickets/$no/feedback", token => $owner,
    body => $fb);
is $r->status, 409, 'feedback before close: 409';
close_ticket($no);
check('POST /tickets/{no}/feedback', { other => 404, none => 401,
    expired => 401, revoked => 401, staff => 403 },
    POST => "/api/v1/tickets/$no/feedback", $fb);
for my $bad ({ rating => 0 }, { rating => 6 }, { rating => 2.5 },
             { rating => '3' }, {}, { rating => 3, comment => 'x' x 501 },
             { rating => 3, extra => 1 }) {
    $r = $env->req(POST => "/api/v1/tickets/$no/feedback", token => $owner,
        body => $bad);
    is $r->status, 400, 'bad feedback: 400';
}
is $env->sql_one('SELECT COUNT(*) FROM ticket_feedback'), 0,
    'no feedback written so far';
$r = $env->req(POST => "/api/v1/tickets/$no/feedback", token => $owner,
    body => $fb);
is $r->status, 201, 'owner after close: 201' or diag $r->summary;
is $r->json->{rating}, 5, 'rating';
is $r->json->{comment}, $fb->{comment}, 'comment';
$r = $env->req(POST => "/api/v1/tickets/$no/feedback", token => $owner,
    body => { rating => 1 });
is $r->status, 409, 'a second feedback: 409';
my $f = $env->sql('SELECT * FROM ticket_feedback');
is scalar @$f, 1, 'one feedback row';
is $f->[0]{rating}, 5, 'the first one';
# the people who handled it read the rating and the comment in its timeline;
# the litigant's own view does not repeat it as an event
my ($ev) = grep { $_->{type} eq 'feedback' } @{ $env->req(GET =>
    "/api/v1/tickets/$no", token => $staff)->json->{timeline} // [] };
is $ev && $ev->{note}, "评价 5 星：$fb->{comment}",
    'staff see the rating and the comment in the timeline';
is scalar(grep { $_->{type} eq 'feedback' } @{ $env->req(GET =>
    "/api/v1/tickets/$no", token => $owner)->json->{timeline} // [] }), 0,
    '... an internal event: not in the public timeline';
$r = $env->req(POST => "/api/v1/tickets/$mine[1]{ticket_no}/feedback",
    token => $owner, body => { rating => 4 });
is $r->status, 409, 'an open ticket: 409';

# a staff reply to a WeChat user's ticket: a subscribe message in the outbox
my $rno = new_ticket($owner, content => '请问诉状可以手写吗？')->{ticket_no};
$r = $env->req(POST => "/api/v1/staff/tickets/$rno/reply", token => $staff,
    body => { content => '可以在广州微法院小程序下载诉状模板，手写亦可。' });
is $r->status, 200, 'staff reply: 200' or diag $r->summary;
my $push = $env->sql("SELECT * FROM outbox WHERE kind = 'ticket_reply'");
is scalar @$push, 1, 'one ticket_reply outbox row';
is $push->[0]{channel}, 'wx_subscribe', 'wx_subscribe';
is $push->[0]{recipient}, Liaison::MockWeChat->openid(31), 'to the owner';
is $push->[0]{template_id}, $Liaison::Litigant::REPLY_TEMPLATE,
    'the ticket_reply template';
my $pl = $t->json_col($push->[0]{payload});
is $pl->{data}{character_string1}, $rno, 'ticket number';
like $pl->{data}{thing3}, qr/^可以在广州微法院/, 'the reply';
my $anon = $env->req(POST => '/api/v1/tickets', body => ticket_body())->json;
$r = $env->req(POST => "/api/v1/staff/tickets/$anon->{ticket_no}/reply",
    token => $staff, body => { content => '已答复。' });
is $r->status, 200, 'reply to an anonymous ticket: 200';
is $env->sql_one("SELECT COUNT(*) FROM outbox WHERE kind = 'ticket_reply' "
    . "AND channel = 'wx_subscribe'"), 1,
    '... no push without a WeChat owner';
is $env->sql_one("SELECT recipient FROM outbox WHERE kind = 'ticket_reply' "
    . "AND channel = 'sms'"), $anon->{contact}{phone} // '13800138000',
    '... but an SMS to the contact mobile';

done_testing;
