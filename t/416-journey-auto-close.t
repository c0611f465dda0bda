#!/usr/bin/perl
# Journey A4-A6 (answered or replied requests close by themselves): a
# request replied to (ordinary track) or answered (simple track) closes by
# itself after auto_close_days (default 5) working days without a
# follow-up from the litigant, counted on the working-day calendar (across
# National Day and the Spring Festival with their make-up Saturdays); a
# follow-up starts the count again; 0 turns it off.  Closing writes a
# public timeline event by the system, which the litigant reads on the
# status page, and tells the litigant: a web visitor by SMS, a WeChat user
# by a subscribe message (the in-app list too).  Nothing happens twice.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Litigant;
use Liaison::Staff;
use Liaison::Tickets;
use Liaison::Worker;

my $t = Liaison::Litigant->start(staff => staff_cast());
my $env = $t->env;
my $S = staff_setup($env);
my %OFF = (bulletin => 'off', calendar_alert => 'off', duties => 'off',
    risk_stage_hours => 0, supervision_idle_days => 0, ladder => 'off');
my $w = Liaison::Worker->new($env, $t->mock, %OFF);
my $w0 = Liaison::Worker->new($env, $t->mock, %OFF, auto_close_days => 0);

sub run_at {
    my ($worker, $now) = @_;
    (my $iso = $now) =~ s/ /T/;
    my $r = $worker->once("$iso+08:00");
    is $r->{rc}, 0, "worker at $now" or diag $r->{output};
}

sub status { ticket_row($env, $_[0])->{status} }

sub sms_to {
    my ($mobile) = @_;
    return map { $_->{json}{content} }
        grep { ($_->{json}{mobile} // '') eq $mobile }
        $t->mock->delivered('sms');
}

# the instant the answer or reply happened, pinned on the calendar
sub pin_reply {
    my ($no, $type, $at) = @_;
    my $id = ticket_row($env, $no)->{id};
    $env->sql('UPDATE tickets SET replied_at = ? WHERE id = ?', $at, $id);
    $env->sql('UPDATE ticket_events SET created_at = ? WHERE ticket_id = ? '
        . 'AND type = ?', $at, $id, $type);
}

# ---------------------------------------------------------------------
# 1. A web visitor's work order, replied to on Tuesday 09-29 10:00 (before
#    National Day): + 5 working days is Monday 10-12 10:00 (09-30, 10-08,
#    10-09, the make-up Saturday 10-10, 10-12)
my $VISITOR = '13900139011';
my $r = $env->req(POST => '/api/v1/tickets', body => ticket_body(
    channel => 'web', category => 'contact_judge', case_no => CIVIL_CASE,
    content => '请法官告知下次开庭时间。',
    contact => { name => '钱七', phone => $VISITOR }));
is $r->status, 201, 'a web request' or diag $r->summary;
my $A = $r->json->{ticket_no};
my $code = $r->json->{query_code};
drive($env, $A, [ platform => dispatch => {} ], [ judge1 => accept => undef ],
    [ judge1 => reply => { content => '下次开庭定于11月3日上午。' } ]);
is status($A), 'replied', 'replied to';
pin_reply($A, 'replied', '2026-09-29 10:00:00');

run_at($w0, '2026-12-31 10:00:00');
is status($A), 'replied', 'auto_close_days = 0: never closed';

run_at($w, '2026-10-12 09:59:59');
is status($A), 'replied', 'not a second before 5 working days';
my $sms_before = () = sms_to($VISITOR);
run_at($w, '2026-10-12 10:00:00');
my $row = ticket_row($env, $A);
is $row->{status}, 'closed', 'closed by itself at 10-12 10:00';
is $row->{closed_at}, '2026-10-12 10:00:00', '... closed_at';

my ($ev) = grep { $_->{type} eq 'closed' } @{ ticket_events($env, $A) };
ok $ev, 'a timeline event';
is $ev->{actor_kind}, 'system', '... by the system';
is $ev->{actor_id}, undef, '... nobody in person';
is $ev->{status_from}, 'replied', '... from replied';
is $ev->{status_to}, 'closed', '... to closed';
is $ev->{public}, 1, '... public';
is $ev->{note}, '回复后5个工作日内未收到补充，系统自动办结', '... saying why';

# the visitor reads it on the status page
$r = $env->req(GET => "/api/v1/tickets/$A?query_code=$code");
is $r->status, 200, 'the status page' or diag $r->summary;
is $r->json->{status}, 'closed', '... closed';
my ($item) = grep { $_->{type} eq 'closed' } @{ $r->json->{timeline} };
is $item->{actor}{name}, '系统', '... by 系统';
is $item->{label}, '办结', '... labelled';

# and by SMS
my @sms = sms_to($VISITOR);
is scalar @sms, $sms_before + 1, 'one SMS to the visitor';
like $sms[-1], qr/您的诉求（编号 \Q$A\E）回复后5个工作日内未收到补充，已办结/,
    '... saying it is closed';
is $env->sql_one("SELECT COUNT(*) FROM outbox WHERE kind = 'ticket_closed' "
    . "AND recipient = ? AND status = 'sent'", $VISITOR), 1,
    '... kind ticket_closed, sent';

# nothing twice
run_at($w, '2026-10-12 10:00:00');
run_at($w, '2026-10-20 10:00:00');
is scalar(() = sms_to($VISITOR)), $sms_before + 1, 'no second SMS';
is $env->sql_one("SELECT COUNT(*) FROM ticket_events e JOIN tickets t ON "
    . "t.id = e.ticket_id WHERE t.ticket_no = ? AND e.type = 'closed'", $A),
    1, 'no second event';

# ---------------------------------------------------------------------
# 2. A follow-up starts the count again: replied 09-29 10:00, the visitor
#    adds information on Friday 10-09 15:00: + 5 working days is 10-15
my $VISITOR2 = '13900139012';
$r = $env->req(POST => '/api/v1/tickets', body => ticket_body(
    channel => 'web', category => 'contact_judge', case_no => CIVIL_CASE,
    content => '请法官告知鉴定进度。',
    contact => { name => '孙八', phone => $VISITOR2 }));
is $r->status, 201, 'a second web request' or diag $r->summary;
my $B = $r->json->{ticket_no};
drive($env, $B, [ platform => dispatch => {} ], [ judge1 => accept => undef ],
    [ judge1 => reply => { content => '鉴定机构已受理。' } ]);
pin_reply($B, 'replied', '2026-09-29 10:00:00');
$r = $env->req(POST => "/api/v1/tickets/$B/messages",
    body => { content => '请问大概还要多久？', query_code => $r->json->{query_code} });
is $r->status, 201, 'the visitor follows up' or diag $r->summary;
is status($B), 'replied', '... the request stays replied';
$env->sql('UPDATE ticket_messages m JOIN tickets t ON t.id = m.ticket_id '
    . "SET m.created_at = '2026-10-09 15:00:00' WHERE t.ticket_no = ?", $B);

run_at($w, '2026-10-12 10:00:00');
is status($B), 'replied', 'not closed 5 working days after the reply';
run_at($w, '2026-10-15 14:59:59');
is status($B), 'replied', 'nor a second before 5 after the follow-up';
run_at($w, '2026-10-15 15:00:00');
is status($B), 'closed', 'closed 5 working days after the follow-up';

# ---------------------------------------------------------------------
# 3. A WeChat user's simple request answered on Friday 02-13 10:00, before
#    the Spring Festival: + 5 working days is 02-27 10:00 (the make-up
#    Saturday 02-14, 02-24, 02-25, 02-26, 02-27).  The litigant hears by
#    a subscribe message on the template of the answer.
my $owner = $t->login(51);
my $openid = $t->mock->openid(51);
$env->sql('INSERT INTO subscribe_consents (openid, template_id, remaining, '
    . "status, created_at, updated_at) VALUES (?, ?, 5, 'active', "
    . "'2026-01-05 09:00:00', '2026-01-05 09:00:00')", $openid,
    $Liaison::Litigant::REPLY_TEMPLATE);
$r = $env->req(POST => '/api/v1/tickets', token => $owner,
    body => ticket_body(channel => 'wechat', category => 'consultation',
        content => '我上周寄来的那封信你们究竟收到没有，请查一下告诉我。',
        contact => { name => '周九', phone => '13900139013' }));
is $r->status, 201, 'a WeChat request' or diag $r->summary;
my $C = $r->json->{ticket_no};
is status($C), 'registered', '... not answered on receipt';
$r = act($env, 'platform', $C, reply => { content => '已收到您的来信。' });
is $r->status, 200, 'the platform answers it' or diag $r->summary;
is status($C), 'answered', '... answered';
pin_reply($C, 'answered', '2026-02-13 10:00:00');

run_at($w, '2026-02-27 09:59:59');
is status($C), 'answered', 'not a second before 5 working days';
run_at($w, '2026-02-27 10:00:00');
is status($C), 'closed', 'closed by itself at 02-27 10:00';
($ev) = grep { $_->{type} eq 'closed' } @{ ticket_events($env, $C) };
is $ev->{note}, '答复后5个工作日内未收到补充，系统自动办结', '... the event';

my $o = $env->sql("SELECT channel, recipient, template_id, status FROM "
    . "outbox WHERE kind = 'ticket_closed' AND ticket_id = ?",
    ticket_row($env, $C)->{id});
is_deeply $o, [ { channel => 'wx_subscribe', recipient => $openid,
    template_id => $Liaison::Litigant::REPLY_TEMPLATE, status => 'sent' } ],
    'a subscribe message on the template of the answer, sent';
my ($sub) = grep { ($_->{json}{touser} // '') eq $openid
    && ($_->{json}{data}{phrase2}{value} // '') eq '已办结' }
    $t->mock->delivered('subscribe');
ok $sub, 'the WeChat user receives "已办结"';
is $sub->{json}{data}{character_string1}{value}, $C, '... for the request';
is scalar(grep { $_->{json}{mobile} eq '13900139013' }
    $t->mock->delivered('sms')), 0, '... and no SMS';

$r = $env->req(GET => '/api/v1/notifications', token => $owner);
is $r->status, 200, 'the in-app list' or diag $r->summary;
ok((grep { $_->{ticket_no} eq $C && $_->{kind} eq 'ticket_closed' }
    @{ $r->json->{items} }), '... lists the closing');

done_testing;
