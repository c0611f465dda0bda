#!/usr/bin/perl
# Journey A8 (the escalation ladder covers every waiting state): requests
# filed through the front door wait on the court in every state the
# workflow has — never dispatched, on the simple track, dispatched then
# handed back and dispatched again, reopened after a reply — and each
# climbs the ladder from its due time: the reminder half a working day
# before, the warning at the due time, then the leader, the vice president
# and the president, each at its exact instant on the working-day calendar
# (Spring Festival 2026 with the make-up Saturdays 02-14 and 02-28,
# National Day 2026 with the make-up Saturday 10-10), one level per step,
# never several at one instant, never twice.  A request that waits on the
# platform alerts the platform staff and then the case-filing division's
# leader and vice president; a hand-back does not stop the clock; a
# reopening starts a new round.  Every person on the ladder receives it by
# SMS and WeCom through the mock outside world.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Litigant;
use Liaison::Staff;
use Liaison::Worker;

my $cast = staff_cast();
push @$cast, { username => 'leader_f', role => 'dept_leader',
    department => 'filing', name => '孙立新', active => 1 };
my $t = Liaison::Litigant->start(staff => $cast);
my $env = $t->env;
my $S = staff_setup($env);
my $filing = dept_id($env, 'filing');
$env->sql("UPDATE departments SET kind = 'filing', leader_staff_id = ?, "
    . 'vice_president_staff_id = ? WHERE id = ?',
    $env->sql_one("SELECT id FROM staff WHERE username = 'leader_f'"),
    sid($env, 'vp2'), $filing);

# one mobile and one WeCom id each: who receives what is unambiguous
my @PEOPLE = qw(platform filing judge1 leader vp leader_f vp2 president);
my %MOBILE;
my $n = 0;
$env->sql('UPDATE staff SET mobile = NULL, wecom_userid = NULL');
for my $u (@PEOPLE) {
    $MOBILE{$u} = sprintf '137000000%02d', ++$n;
    $env->sql('UPDATE staff SET mobile = ?, wecom_userid = ? WHERE '
        . 'username = ?', $MOBILE{$u}, "wx_$u", $u);
}

my $w = Liaison::Worker->new($env, $t->mock, bulletin => 'off',
    calendar_alert => 'off', duties => 'off', risk_stage_hours => 0,
    supervision_idle_days => 0, auto_close_days => 0);

sub run_at {
    my ($now) = @_;
    (my $iso = $now) =~ s/ /T/;
    my $r = $w->once("$iso+08:00");
    is $r->{rc}, 0, "worker at $now" or diag $r->{output};
}

# the texts each person received by SMS and by WeCom
sub received {
    my ($u) = @_;
    my @sms = map { $_->{json}{content} }
        grep { ($_->{json}{mobile} // '') eq $MOBILE{$u} }
        $t->mock->delivered('sms');
    my @wecom = map { $_->{json}{text}{content} }
        grep { ($_->{json}{touser} // '') eq "wx_$u" }
        $t->mock->delivered('wecom_send');
    return (\@sms, \@wecom);
}

# the ladder's messages about ticket $no that $u got on each channel
my $LADDER = qr/【诉讼服务(?:提醒|预警|督办)】/;
sub got {
    my ($u, $no) = @_;
    my ($sms, $wecom) = received($u);
    return [ scalar(grep { /$LADDER/ && /\Q$no\E/ } @$sms),
             scalar(grep { /$LADDER/ && /\Q$no\E/ } @$wecom) ];
}

# "round:level" of the steps recorded, in the order they fired
sub steps {
    my ($no) = @_;
    return join ',', map { "$_->{round_no}:$_->{level}"
        . ($_->{status} eq 'skipped' ? 's' : '') } @{ $env->sql(
        'SELECT e.round_no, e.level, e.status FROM escalations e JOIN '
        . 'tickets t ON t.id = e.ticket_id WHERE t.ticket_no = ? '
        . 'ORDER BY e.id', $no) };
}

sub due {
    my ($no, $due) = @_;
    $env->sql('UPDATE tickets SET due_at = ? WHERE ticket_no = ?', $due,
        $no);
}

# Plays $no's ladder: at each [instant, expected steps, who got it]: one
# second before, nothing new; at the instant, that step, and $who gets
# one SMS and one WeCom message about it.
sub climb {
    my ($no, $name, @plan) = @_;
    for my $p (@plan) {
        my ($at, $before, $after, $who) = @$p;
        my $prev = $at;
        $prev =~ s/(\d\d):(\d\d):00$/sprintf '%02d:%02d:59',
            $2 > 0 ? ($1, $2 - 1) : ($1 - 1, 59)/e;
        my $had = got($who, $no);
        run_at($prev);
        is steps($no), $before, "$name: nothing new at $prev";
        run_at($at);
        is steps($no), $after, "$name: the step at $at";
        is_deeply got($who, $no), [ $had->[0] + 1, $had->[1] + 1 ],
            "$name: $who got it at $at by SMS and WeCom";
        # again at the same instant: nothing twice
        run_at($at);
        is steps($no), $after, "$name: nothing twice at $at";
    }
}

# ---------------------------------------------------------------------
# 1. Never dispatched: an ordinary request nobody has dispatched waits on
#    the platform.  Due Friday 02-13 16:00, before the Spring Festival.
my $reg = new_ticket($env, category => 'complaint',
    content => '我反映的问题一直没有人处理，请尽快安排。');
is ticket_row($env, $reg->{ticket_no})->{status}, 'registered',
    'a request waits for the platform to dispatch it';
my $A = $reg->{ticket_no};
due($A, '2026-02-13 16:00:00');
climb($A, 'never dispatched',
    [ '2026-02-13 10:30:00', '', '0:1', 'platform' ],
    [ '2026-02-13 16:00:00', '0:1', '0:1,0:0', 'platform' ],
    # + 3 working days: the make-up Saturday 02-14, 02-24, 02-25
    [ '2026-02-25 16:00:00', '0:1,0:0', '0:1,0:0,0:2', 'leader_f' ],
    # + 2: 02-26, 02-27
    [ '2026-02-27 16:00:00', '0:1,0:0,0:2', '0:1,0:0,0:2,0:3', 'vp2' ],
    # + 2: the make-up Saturday 02-28, 03-02
    [ '2026-03-02 16:00:00', '0:1,0:0,0:2,0:3', '0:1,0:0,0:2,0:3,0:4',
      'president' ]);
my ($sms) = received('leader_f');
like $sms->[0], qr/诉讼服务平台.*工单\Q$A\E超期3个工作日仍未答复/,
    "the filing division's leader is told it waits on the platform";
like $sms->[0], qr/当事人留言：我反映的问题一直没有人处理/,
    "... with the litigant's message";
is_deeply got('judge1', $A), [ 0, 0 ], 'no judge hears of it';
is_deeply got('leader', $A), [ 0, 0 ], 'nor a trial department leader';
is $env->sql_one("SELECT COUNT(*) FROM ticket_events e JOIN tickets t ON "
    . "t.id = e.ticket_id WHERE t.ticket_no = ? AND e.type = 'supervised' "
    . "AND e.public = 1", $A), 1, 'the litigant sees "supervised" once';

# ---------------------------------------------------------------------
# 2. The simple track: due Wednesday 09-30 10:00, before National Day
#    (10-01..10-07 off, 10-10 a make-up Saturday)
my $simple = new_ticket($env, category => 'consultation',
    content => '我上周寄来的那封信你们究竟收到没有，请查一下告诉我。');
my $B = $simple->{ticket_no};
my $row = ticket_row($env, $B);
is $row->{track}, 'simple', 'a simple-track request';
is $row->{status}, 'registered', '... not answered on receipt';
due($B, '2026-09-30 10:00:00');
climb($B, 'simple track',
    # 3.5 office hours before: 08:30-10:00 and 15:30-17:30 of 09-29
    [ '2026-09-29 15:30:00', '', '0:1', 'platform' ],
    [ '2026-09-30 10:00:00', '0:1', '0:1,0:0', 'platform' ],
    # + 3 working days: 10-08, 10-09, the make-up Saturday 10-10
    [ '2026-10-10 10:00:00', '0:1,0:0', '0:1,0:0,0:2', 'leader_f' ],
    [ '2026-10-13 10:00:00', '0:1,0:0,0:2', '0:1,0:0,0:2,0:3', 'vp2' ],
    [ '2026-10-15 10:00:00', '0:1,0:0,0:2,0:3', '0:1,0:0,0:2,0:3,0:4',
      'president' ]);

# ---------------------------------------------------------------------
# 3. Dispatched, handed back, dispatched again: the clock goes on, each
#    step goes to whoever the request waits on at that moment
my $C = new_ticket($env, category => 'contact_judge', case => 'civil',
    content => '请转告承办法官，我已补交证据材料。')->{ticket_no};
drive($env, $C, [ platform => dispatch => {} ]);
due($C, '2026-09-30 10:00:00');
climb($C, 'dispatched', [ '2026-09-29 15:30:00', '', '0:1', 'judge1' ]);
drive($env, $C, [ judge1 => return => { reason => '退回：需先补充材料' } ]);
is ticket_row($env, $C)->{status}, 'registered', 'handed back';
climb($C, 'handed back',
    [ '2026-09-30 10:00:00', '0:1', '0:1,0:0', 'platform' ]);
is_deeply got('judge1', $C), [ 1, 1 ],
    'the judge who handed it back is not warned';
drive($env, $C, [ platform => dispatch => {} ]);
run_at('2026-10-09 17:00:00');
is steps($C), '0:1,0:0', 'dispatched again: nothing fires at once';
is ticket_row($env, $C)->{due_at}, '2026-09-30 10:00:00',
    '... and the due time stays';
climb($C, 'dispatched again',
    [ '2026-10-10 10:00:00', '0:1,0:0', '0:1,0:0,0:2', 'leader' ],
    [ '2026-10-13 10:00:00', '0:1,0:0,0:2', '0:1,0:0,0:2,0:3', 'vp' ],
    [ '2026-10-15 10:00:00', '0:1,0:0,0:2,0:3', '0:1,0:0,0:2,0:3,0:4',
      'president' ]);
is_deeply got('leader_f', $C), [ 0, 0 ],
    'the filing leader is not told of a work order of the civil division';

# ---------------------------------------------------------------------
# 4. Seen late (the worker was down): overdue since 02-05, first looked
#    at on 02-13 09:00 and dispatched then.  One step per working day:
#    the warning, the leader on the make-up Saturday, the vp and the
#    president after the Spring Festival — never several at one instant.
my $D = new_ticket($env, category => 'contact_judge', case => 'civil',
    content => '开庭时间一直没有通知，请法官联系我。')->{ticket_no};
due($D, '2026-02-05 09:00:00');
run_at('2026-02-13 09:00:00');
is steps($D), '0:0,0:1s', 'late: the warning only, the reminder skipped';
is_deeply got('platform', $D), [ 1, 1 ], '... to the platform';
drive($env, $D, [ platform => dispatch => {} ]);
run_at('2026-02-13 09:00:01');
is steps($D), '0:0,0:1s', 'dispatched: not the leader, vp and president';
climb($D, 'late',
    [ '2026-02-14 09:00:00', '0:0,0:1s', '0:0,0:1s,0:2', 'leader' ],
    [ '2026-02-24 09:00:00', '0:0,0:1s,0:2', '0:0,0:1s,0:2,0:3', 'vp' ],
    [ '2026-02-25 09:00:00', '0:0,0:1s,0:2,0:3', '0:0,0:1s,0:2,0:3,0:4',
      'president' ]);
is $env->sql_one('SELECT COUNT(DISTINCT e.fired_at) FROM escalations e '
    . "JOIN tickets t ON t.id = e.ticket_id WHERE t.ticket_no = ? AND "
    . "e.status = 'fired'", $D), 4, 'late: four steps at four instants';

# ---------------------------------------------------------------------
# 5. Reopened: warned, replied and closed, then the litigant follows up
#    with the query code: a new due time and a new round of the ladder
my $e = new_ticket($env, category => 'contact_judge', case => 'civil',
    content => '执行款什么时候能到账？');
my $E = $e->{ticket_no};
drive($env, $E, [ platform => dispatch => {} ]);
due($E, '2026-03-02 09:00:00');
run_at('2026-03-02 09:00:00');
is steps($E), '0:0,0:1s', 'round 0: warned at the due time';
drive($env, $E, [ judge1 => accept => undef ],
    [ judge1 => reply => { content => '已联系执行局核实。', close => JSON::PP::true } ]);
run_at('2026-03-05 09:00:00');
is steps($E), '0:0,0:1s', 'closed: the ladder stops';
my $r = $env->req(POST => "/api/v1/tickets/$E/messages",
    body => { content => '还是没有到账，请再查一下。',
              query_code => $e->{query_code} });
is $r->status, 201, 'the litigant follows up' or diag $r->summary;
is ticket_row($env, $E)->{status}, 'reopened', '... and reopens it';
due($E, '2026-09-30 10:00:00');
climb($E, 'reopened',
    [ '2026-09-29 15:30:00', '0:0,0:1s', '0:0,0:1s,1:1', 'judge1' ],
    [ '2026-09-30 10:00:00', '0:0,0:1s,1:1', '0:0,0:1s,1:1,1:0', 'judge1' ],
    [ '2026-10-10 10:00:00', '0:0,0:1s,1:1,1:0', '0:0,0:1s,1:1,1:0,1:2',
      'leader' ]);
is $env->sql_one("SELECT COUNT(*) FROM ticket_events e JOIN tickets t ON "
    . "t.id = e.ticket_id WHERE t.ticket_no = ? AND e.type = 'supervised' "
    . "AND e.public = 1", $E), 2, 'the litigant sees "supervised" per round';

# ---------------------------------------------------------------------
# Staff read the steps on the timeline; every message left the outbox
my $ev = $env->sql("SELECT e.type, e.note FROM ticket_events e JOIN "
    . "tickets t ON t.id = e.ticket_id WHERE t.ticket_no = ? AND e.type "
    . "LIKE 'escalation%' ORDER BY e.id", $A);
is_deeply [ map { $_->{type} } @$ev ], [ qw(escalation_reminder
    escalation_warning escalation_leader escalation_vp escalation_president) ],
    'never dispatched: the timeline of the steps';
is $ev->[2]{note}, '已将当事人留言发送部门领导督办：孙立新',
    '... naming the filing leader';
is $ev->[0]{note}, '到期前提醒已发送承办人：陈晓燕', '... and the platform staff';
is $env->sql_one("SELECT COUNT(*) FROM outbox WHERE status <> 'sent' AND "
    . "kind IN ('reminder', 'warning', 'leader', 'vp', 'president')"), 0,
    'every ladder message delivered';

done_testing;
