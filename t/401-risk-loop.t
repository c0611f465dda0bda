#!/usr/bin/perl
# A10 emergency warning: a risk raised on a ticket alerts the case-filing
# division (its leader, filing administrators, platform staff) at once (SMS and WeCom through the outbox, in
# the same transaction), then runs the closed loop received → investigated
# → assessed → handled → fed_back one stage at a time (out of order,
# repeated, after the end: 409; two advances at once: exactly one event);
# the worker alerts the division's leader once per stage left open longer
# than risk_stage_hours, at times given with `once --now=` relative to the
# recorded stage_since.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Staff;
use Liaison::Worker;
use Liaison::Calendar;

my $C = 'Liaison::Calendar';
my $env = Liaison::Test->start(staff => [ @{ staff_cast() },
        { username => 'filing2', role => 'filing_admin', department => 'filing',
          name => '钟丽', mobile => '13800139101' },
        { username => 'filing_off', role => 'filing_admin', department => 'filing',
          name => '离岗', mobile => '13800139102', active => 0 },
        { username => 'filing_lead', role => 'dept_leader', department => 'filing',
          name => '庭长', mobile => '13800139103' } ]);
my $S = staff_setup($env);
$env->sql("UPDATE staff SET wecom_userid = 'zhongli' WHERE username = 'filing2'");
my $LEAD = $env->sql_one("SELECT id FROM staff WHERE username = 'filing_lead'");
$env->sql("UPDATE departments SET kind = 'filing', leader_staff_id = ? "
    . 'WHERE id = ?', $LEAD, dept_id($env, 'filing'));
my $FILING2 = $env->staff_token('filing2');

my $t = new_ticket($env, case => 'civil', category => 'contact_judge',
    content => '当事人称若再不答复将到法院门口拉横幅。');
drive($env, $t->{ticket_no}, [ platform => 'dispatch', {} ],
    [ judge1 => 'accept' ]);

subtest 'raising a risk' => sub {
    my $r = act($env, 'admin', $t->{ticket_no},
        risk => { level => 'high', note => 'x' });
    is $r->status, 403, 'sys_admin: 403';
    $r = act($env, 'judge2', $t->{ticket_no}, risk => { level => 'high',
        note => '扬言闹访' });
    is $r->status, 404, 'a judge of another department: 404 (out of scope)';
    $r = act($env, 'judge1', $t->{ticket_no}, risk => { level => 'severe',
        note => '扬言闹访' });
    is $r->status, 400, 'an unknown level: 400';
    is $r->error_field, 'level', '... naming level';
    $r = act($env, 'judge1', $t->{ticket_no}, risk => { level => 'high' });
    is $r->status, 400, 'no note: 400';
    is $env->sql_one('SELECT COUNT(*) FROM risks'), 0, 'nothing opened';
    is $env->sql_one("SELECT COUNT(*) FROM outbox WHERE kind = 'risk_alert'"), 0,
        'nothing sent';

    $r = act($env, 'judge1', $t->{ticket_no}, risk => { level => 'high',
        note => '当事人扬言到法院闹访，情绪激动' });
    is $r->status, 200, 'the handling judge raises a risk' or diag $r->summary;
    my $id = $r->json->{risk_id};
    ok $id, "risk #$id";
    is $r->json->{status}, 'accepted', 'the ticket stays accepted';
    my $risk = $env->sql('SELECT * FROM risks WHERE id = ?', $id)->[0];
    is $risk->{stage}, 'received', 'stage received';
    is $risk->{level}, 'high', 'level';
    is $risk->{source}, 'staff', 'raised by staff';
    is $risk->{raised_by}, sid($env, 'judge1'), '... the judge';
    ok !$risk->{closed_at}, 'open';
    is_deeply $env->sql('SELECT stage, staff_id FROM risk_events WHERE risk_id = ?',
        $id), [ { stage => 'received', staff_id => sid($env, 'judge1') } ],
        'the received stage recorded';
    is ticket_row($env, $t->{ticket_no})->{risk_flag}, 1, 'the ticket flagged';
    my ($ev) = grep { $_->{type} eq 'risk_raised' } @{ ticket_events($env, $t->{ticket_no}) };
    ok $ev, 'a risk_raised event';
    is $ev->{public}, 0, '... internal';
    my $out = $env->sql("SELECT channel, recipient, payload FROM outbox "
        . "WHERE kind = 'risk_alert' ORDER BY channel, recipient");
    is_deeply [ map { [ $_->{channel}, $_->{recipient} ] } @$out ],
        [ [ sms => '13800138006' ], [ sms => '13800138008' ],
          [ sms => '13800139101' ], [ sms => '13800139103' ],
          [ wecom => 'zhongli' ] ],
        'alerts to the case-filing division: its leader, the filing '
        . 'administrators and the platform staff, by SMS, and WeCom to the '
        . 'one with a WeCom id; none to the inactive one';
    like $out->[0]{payload}, qr/$t->{ticket_no}/, '... naming the ticket';
    my $text = $out->[0]{payload};
    utf8::decode($text) unless utf8::is_utf8($text);
    like $text, qr/风险预警.*扬言到法院闹访/, '... as a risk warning with the note';
};

my $RID = $env->sql_one('SELECT MAX(id) FROM risks');
sub advance {
    my ($who, $stage, $id, $token) = @_;
    return $env->req(POST => '/api/v1/staff/risks/' . ($id // $RID) . '/advance',
        token => $token // tok($env, $who),
        body => { stage => $stage, note => "$stage 由 $who 完成" });
}

subtest 'the closed loop, in order' => sub {
    is advance('filing', 'assessed')->status, 409, 'received → assessed: 409';
    is advance('filing', 'fed_back')->status, 409, 'received → fed_back: 409';
    my $r = advance('filing', 'received');
    is $r->status, 400, '"received" is not a stage to advance to: 400';
    is advance('filing', 'done')->status, 400, 'an unknown stage: 400';
    is advance('filing', 'investigated', 99999)->status, 404, 'an unknown risk: 404';
    is advance('judge1', 'investigated')->status, 403, 'a judge: 403';
    is advance('leader', 'investigated')->status, 403, 'a department leader: 403';

    my @steps = ([ filing => 'investigated' ], [ platform => 'assessed' ],
                 [ vp => 'handled' ], [ president => 'fed_back' ]);
    for my $s (@steps) {
        my $r = advance(@$s);
        is $r->status, 200, "$s->[0]: → $s->[1]" or diag $r->summary;
        is $r->json->{stage}, $s->[1], '... answered';
        is advance(@$s)->status, 409, '... the same stage again: 409';
    }
    my $ev = $env->sql('SELECT stage, staff_id, note FROM risk_events '
        . 'WHERE risk_id = ? ORDER BY id', $RID);
    is_deeply [ map { [ $_->{stage}, $_->{staff_id} ] } @$ev ],
        [ [ received => sid($env, 'judge1') ], [ investigated => sid($env, 'filing') ],
          [ assessed => sid($env, 'platform') ], [ handled => sid($env, 'vp') ],
          [ fed_back => sid($env, 'president') ] ],
        'each stage once, with who';
    is $ev->[2]{note}, 'assessed 由 platform 完成', '... and the note';
    ok $env->sql_one('SELECT closed_at FROM risks WHERE id = ?', $RID),
        'closed at fed_back';
    is advance('filing', 'investigated')->status, 409, 'after the end: 409';
    my $open = $env->req(GET => '/api/v1/staff/risks?open=1', token => tok($env, 'filing'))->json;
    ok !grep({ $_->{id} == $RID } @{ $open->{items} || $open }), 'not among the open risks';
    my $all = $env->req(GET => '/api/v1/staff/risks', token => tok($env, 'filing'))->json;
    my ($it) = grep { $_->{id} == $RID } @{ $all->{items} || $all };
    is $it->{stage}, 'fed_back', 'listed with all, stage fed_back';
    ok $it->{closed}, '... closed';
    is $it->{ticket_no}, $t->{ticket_no}, '... with its ticket';
};

subtest 'two advances at once: exactly one event' => sub {
    my $r = act($env, 'platform', $t->{ticket_no}, risk => { level => 'urgent',
        note => '再次扬言' });
    my $id = $r->json->{risk_id};
    # hold the risk row so that both requests are in flight together
    my $dbh = $env->new_dbh(AutoCommit => 0);
    $dbh->do('SELECT id FROM risks WHERE id = ? FOR UPDATE', undef, $id);
    my @p = map {
        $env->req_start(POST => "/api/v1/staff/risks/$id/advance",
            token => tok($env, $_), body => { stage => 'investigated',
            note => "排查：$_" })
    } qw(filing president);
    my $waiting = wait_until { $env->lock_waits >= 2 } 15;
    ok $waiting, 'both wait on the row lock';
    $dbh->rollback;
    my @st = sort map { $_->wait->status } @p;
    is_deeply \@st, [ 200, 409 ], 'one 200, one 409';
    is $env->sql_one("SELECT COUNT(*) FROM risk_events WHERE risk_id = ? "
        . "AND stage = 'investigated'", $id), 1, 'one investigated event';
    is $env->sql_one('SELECT stage FROM risks WHERE id = ?', $id),
        'investigated', 'the risk is investigated';
    $env->allow_log(qr/Duplicate entry/);
};

subtest 'the worker alerts the leader of a stage left open' => sub {
    my $w = Liaison::Worker->new($env, undef, deliver => 'off', ladder => 'off',
        supervision_complaints => 0,
        bulletin => 'off', risk_stage_hours => 24,
        map { $_ => undef } qw(wx_appid wx_secret_file wecom_corpid
        wecom_secret_file wecom_agentid sms_url sms_account sms_secret_file));
    my $id = $env->sql_one('SELECT MAX(id) FROM risks');
    my $since = $C->parse_datetime($env->sql_one(
        'SELECT stage_since FROM risks WHERE id = ?', $id));
    my $alerts = sub { $env->sql("SELECT recipient, payload FROM outbox "
        . "WHERE kind = 'risk_overdue' ORDER BY id") };
    my $at = sub { $C->format_rfc3339($since + $_[0]) };

    my $r = $w->once($at->(23 * 3600 + 59 * 60));
    is $r->{rc}, 0, 'a pass 23:59 after the stage began' or diag $r->{output};
    is scalar @{ $alerts->() }, 0, '... no alert';
    $r = $w->once($at->(24 * 3600));
    is $r->{rc}, 0, 'a pass at 24:00' or diag $r->{output};
    my $a = $alerts->();
    is scalar @$a, 1, '... one alert';
    is $a->[0]{recipient}, '13800139103', '... by SMS to the filing division leader';
    my $text = $a->[0]{payload};
    utf8::decode($text) unless utf8::is_utf8($text);
    like $text, qr/#$id/, '... naming the risk';
    like $text, qr/24 小时/, '... and the limit';
    is $env->sql_one('SELECT stage_alerted FROM risks WHERE id = ?', $id), 1,
        'the stage marked alerted';
    $w->once($at->(48 * 3600));
    is scalar @{ $alerts->() }, 1, 'a later pass: no second alert for the stage';
    # the closed risk (fed_back) is never alerted
    is $env->sql_one("SELECT COUNT(*) FROM outbox WHERE kind = 'risk_overdue' "
        . 'AND payload LIKE ?', "%#$RID %"), 0, 'nothing for the closed risk';

    # the next stage starts its own clock
    is advance('filing', 'assessed', $id)->status, 200, 'advanced to assessed';
    $since = $C->parse_datetime($env->sql_one(
        'SELECT stage_since FROM risks WHERE id = ?', $id));
    $w->once($at->(3600));
    is scalar @{ $alerts->() }, 1, 'an hour into the new stage: nothing';
    $w->once($at->(25 * 3600));
    is scalar @{ $alerts->() }, 2, 'past 24 hours: a second alert';

    # a leader who cannot be reached: the stage stays unalerted and each
    # pass says so, until the leader has a WeCom id
    is advance('filing', 'handled', $id)->status, 200, 'advanced to handled';
    $since = $C->parse_datetime($env->sql_one(
        'SELECT stage_since FROM risks WHERE id = ?', $id));
    $env->sql('UPDATE staff SET mobile = NULL WHERE id = ?', $LEAD);
    $r = $w->once($at->(25 * 3600));
    is $r->{rc}, 0, 'no one to alert: the pass still succeeds';
    is scalar @{ $alerts->() }, 2, '... no alert written';
    is $env->sql_one('SELECT stage_alerted FROM risks WHERE id = ?', $id), 0,
        '... the stage not marked alerted';
    like $r->{output}, qr/1 stage\(s\) overdue and nobody alerted/,
        '... and the worker says why';
    $env->sql("UPDATE staff SET wecom_userid = 'tingzhang' WHERE id = ?",
        $LEAD);
    $w->once($at->(26 * 3600));
    $a = $alerts->();
    is scalar @$a, 3, 'with a WeCom id: the alert';
    is $a->[2]{recipient}, 'tingzhang', '... by WeCom to the leader';
    is $env->sql_one('SELECT stage_alerted FROM risks WHERE id = ?', $id), 1,
        '... and the stage marked alerted';
};

done_testing;
