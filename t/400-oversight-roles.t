#!/usr/bin/perl
# Oversight endpoints: who may call each (every role, no token); the
# liaison directory (A9: public list, mobiles masked; A15: the 5- and
# 2-working-day limits counted on the official calendar across the Spring
# Festival and National Day); the leaders' overview (A13) and follow-ups
# ("回头看", A14).

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Staff;
use Liaison::Calendar;

my $C = 'Liaison::Calendar';
my $env = Liaison::Test->start(staff => staff_cast());
my $S = staff_setup($env);
my $cal = $env->calendar;
my @ROLES = qw(platform filing judge1 cstaff liaison leader vp president admin);
my $CIVIL = dept_id($env, 'civil');

# a risk and a follow-up to act on
my $t = new_ticket($env, case => 'civil', category => 'complaint');
my $r = act($env, 'platform', $t->{ticket_no}, risk => { level => 'high',
    note => '当事人情绪激动，扬言到法院闹访' });
is $r->status, 200, 'a risk raised' or diag $r->summary;
my $risk = $r->json->{risk_id};

# ---------------------------------------------------------------------
# the role matrix: [method, path, body, roles allowed]
# (allowed: any status but 401/403; refused: 403)
# ---------------------------------------------------------------------
my %LEADERS = map { $_ => 1 } qw(platform filing liaison leader vp president);
my @M = (
    [ GET => '/staff/liaisons', undef, { %LEADERS, admin => 1 } ],
    [ PUT => "/staff/departments/$CIVIL/liaison", { name => '刘洋',
        title => '书记员', office_phone => '020-84681234',
        mobile => '13800138005', changed_on => '2026-11-02',
        reported_on => '2026-11-03' }, { filing => 1, admin => 1 } ],
    [ GET => '/staff/risks?open=1', undef, \%LEADERS ],
    [ POST => "/staff/risks/999999/advance", { stage => 'investigated',
        note => '排查' }, { platform => 1, filing => 1, vp => 1, president => 1 } ],
    [ GET => '/staff/reports/kpi?from=2026-09-01&to=2026-10-01', undef, \%LEADERS ],
    [ GET => '/staff/reports/monthly?month=2026-09', undef, \%LEADERS ],
    [ GET => '/staff/overview', undef, \%LEADERS ],
    [ POST => '/staff/follow-ups', { title => '回头看：复核答复质量',
        owner_staff_id => sid($env, 'liaison'), due_on => '2026-12-31' },
      { filing => 1, leader => 1, vp => 1, president => 1 } ],
    [ GET => '/staff/follow-ups', undef, { %LEADERS, judge1 => 1, cstaff => 1 } ],
    [ POST => '/staff/follow-ups/999999/done', undef,
      { %LEADERS, judge1 => 1, cstaff => 1 } ],
    [ POST => "/staff/tickets/$t->{ticket_no}/refer", { note => '移送纪检' },
      { filing => 1, president => 1 } ],
);
subtest 'who may call what' => sub {
    for my $m (@M) {
        my ($method, $path, $body, $ok) = @$m;
        my $r = $env->req($method => "/api/v1$path",
            (defined $body ? (body => $body) : ()));
        is $r->status, 401, "$method $path without a token: 401";
        for my $who (@ROLES) {
            my $r = $env->req($method => "/api/v1$path", token => tok($env, $who),
                (defined $body ? (body => $body) : ()));
            if ($ok->{$who}) {
                ok $r->status != 401 && $r->status != 403,
                    "$method $path as $who: allowed (" . $r->status . ')'
                    or diag $r->summary;
            } else {
                is $r->status, 403, "$method $path as $who: 403"
                    or diag $r->summary;
                is $r->error_code, 'forbidden', '... forbidden' if $r->status == 403;
            }
        }
    }
    is $env->req(GET => '/api/v1/liaisons')->status, 200,
        'GET /liaisons is public';
};

# ---------------------------------------------------------------------
# A9/A15: the liaison directory
# ---------------------------------------------------------------------
sub between {      # working days from day a to day b, as the module counts
    my ($a, $b) = @_;
    my $ta = $C->parse_datetime("$a 00:00:00");
    my $tb = $C->parse_datetime("$b 00:00:00");
    my $n = 0;
    $n++ while $cal->add_working_days($ta, $n + 1) <= $tb;
    return $n;
}

subtest 'A15 limits on the working-day calendar' => sub {
    my $crim = dept_id($env, 'criminal');
    my @cases = (
        # changed, reported, report days: across National Day 2026
        # (1-7 October off, Saturday 10 October a working day) and the
        # Mid-Autumn Friday 25 September
        [ $CIVIL, '2026-09-24', '2026-10-09', 5, 0 ],
        [ $CIVIL, '2026-09-24', '2026-10-10', 6, 1 ],
        # Spring Festival 2026: 15-23 February off, 14 and 28 February
        # (Saturdays) working days
        [ $crim, '2026-02-12', '2026-02-24', 3, 0 ],
        [ $crim, '2026-02-12', '2026-03-02', 8, 1 ],
        # a change on a holiday counts from the next working day
        [ $crim, '2026-10-03', '2026-10-15', 6, 1 ],
        [ $crim, '2026-10-03', '2026-10-14', 5, 0 ],
    );
    my $i = 0;
    for my $c (@cases) {
        my ($dept, $changed, $reported, $days, $late) = @$c;
        is between($changed, $reported), $days,
            "the Perl calendar agrees: $changed → $reported is $days working days";
        my $r = $env->req(PUT => "/api/v1/staff/departments/$dept/liaison",
            token => tok($env, 'filing'), body => { name => "联络员$i",
                title => '书记员', office_phone => '020-8468' . (1000 + $i),
                mobile => '1380013' . (8100 + $i), changed_on => $changed,
                reported_on => $reported });
        $i++;
        is $r->status, 200, "changed $changed, reported $reported"
            or diag $r->summary;
        is $r->json->{report_days}, $days, "... $days working days to report";
        is !!$r->json->{report_late}, !!$late, '... ' . ($late ? 'late' : 'in time');
    }
    # the list: every record; publication counted from the report to the
    # day recorded (published_on), not to any wall clock of the test
    my $list = $env->req(GET => '/api/v1/staff/liaisons',
        token => tok($env, 'leader'))->json;
    my @items = @{ $list->{items} || $list };
    ok @items >= 7, scalar(@items) . ' records listed';
    for my $it (@items) {
        my $pd = between($it->{reported_on}, $it->{published_on});
        is $it->{publish_days}, $pd, "record $it->{id}: published "
            . "$it->{published_on}, $pd working days after the report";
        is !!$it->{publish_late}, $pd > 2, '... publish_late';
        is !!$it->{report_late}, $it->{report_days} > 5, '... report_late';
        is $it->{report_days}, between($it->{changed_on}, $it->{reported_on}),
            '... report_days';
    }
};

subtest 'the public directory' => sub {
    my $r = $env->req(GET => '/api/v1/liaisons');
    is $r->status, 200, 'GET /liaisons';
    my %by = map { $_->{department} => $_ } @{ $r->json->{items} };
    is scalar keys %by, 2, 'one entry per department with a liaison';
    is $by{'民事审判庭'}{name}, '联络员1', 'the newest record is current';
    is $by{'民事审判庭'}{mobile}, '138****8101', 'the mobile masked';
    is $by{'刑事审判庭'}{mobile}, '138****8105', '... each';
    is $by{'民事审判庭'}{office_phone}, '020-84681001', 'the office phone in full';
    unlike $r->body, qr/13800138101|13800138105/, 'no full mobile in the body';
    ok !exists $by{'民事审判庭'}{report_days}, 'no internal figures';
};

subtest 'recording a change: bad input' => sub {
    my %good = (name => '刘洋', title => '书记员', office_phone => '020-84681234',
        mobile => '13800138005', changed_on => '2026-11-02',
        reported_on => '2026-11-03');
    my @bad = (
        [ { %good, reported_on => '2026-11-01' }, 400, 'reported_on' ],
        [ { %good, reported_on => '2099-01-01', changed_on => '2098-12-31' },
          400, 'reported_on' ],
        [ { %good, changed_on => '2026-02-30' }, 400, 'changed_on' ],
        [ { %good, mobile => '12345' }, 400, 'mobile' ],
        [ { %good, office_phone => 'abc' }, 400, 'office_phone' ],
        [ { %good, extra => 1 }, 400, 'extra' ],
        [ { %good, name => undef }, 400, 'name' ],
    );
    my $before = $env->sql_one('SELECT COUNT(*) FROM liaison_records');
    for my $b (@bad) {
        my $r = $env->req(PUT => "/api/v1/staff/departments/$CIVIL/liaison",
            token => tok($env, 'filing'), body => $b->[0]);
        is $r->status, $b->[1], "bad $b->[2]: $b->[1]";
        is $r->error_field, $b->[2], '... naming the field';
    }
    is $env->req(PUT => '/api/v1/staff/departments/999/liaison',
        token => tok($env, 'filing'), body => \%good)->status, 404,
        'an unknown department: 404';
    is $env->sql_one('SELECT COUNT(*) FROM liaison_records'), $before,
        'nothing written';
};

# ---------------------------------------------------------------------
# A13 overview, A14 follow-ups
# ---------------------------------------------------------------------
subtest 'overview: live counts, overdue, escalations waiting on me' => sub {
    # a work order to civil, overdue and escalated to its leader; another
    # to criminal, overdue; one closed (not counted)
    my $a = new_ticket($env, case => 'civil', category => 'contact_judge');
    act($env, 'platform', $a->{ticket_no}, dispatch => {});
    my $b = new_ticket($env, case => 'criminal', category => 'contact_judge');
    act($env, 'platform', $b->{ticket_no}, dispatch => {});
    act($env, 'judge2', $b->{ticket_no}, accept => undef);
    $env->sql("UPDATE tickets SET due_at = '2026-01-05 09:00:00' "
        . 'WHERE ticket_no IN (?, ?)', $a->{ticket_no}, $b->{ticket_no});
    my $aid = $env->sql_one('SELECT id FROM tickets WHERE ticket_no = ?', $a->{ticket_no});
    $env->sql("INSERT INTO escalations (ticket_id, level, status, due_instant, "
        . "fired_at, recipients) VALUES (?, 2, 'fired', '2026-01-08 09:00:00', "
        . "'2026-01-08 09:00:00', ?), (?, 0, 'fired', '2026-01-05 09:00:00', "
        . "'2026-01-05 09:00:00', ?)", $aid, sid($env, 'leader'), $aid,
        sid($env, 'judge1'));

    # the civil leader oversees the civil division; the president the court
    my $open = "SELECT status, COUNT(*) n FROM tickets WHERE status IN "
        . "('registered', 'dispatched', 'accepted', 'reopened')";
    my $want_civil = { map { $_->{status} => $_->{n} } @{ $env->sql(
        "$open AND department_id = ? GROUP BY status",
        $env->sql_one("SELECT id FROM departments WHERE code = 'civil'")) } };
    my $want_all = { map { $_->{status} => $_->{n} }
        @{ $env->sql("$open GROUP BY status") } };
    my $o = $env->req(GET => '/api/v1/staff/overview', token => tok($env, 'leader'));
    is $o->status, 200, 'GET /staff/overview as the civil leader';
    my $j = $o->json;
    is_deeply $j->{open_by_status}, $want_civil,
        'open requests by status, in the civil division';
    my %od = map { $_->{department} => $_->{overdue} } @{ $j->{overdue_by_department} };
    is $od{'民事审判庭'}, 1, 'overdue: civil 1';
    ok !exists $od{'刑事审判庭'}, '... not the criminal division';
    my $p = $env->req(GET => '/api/v1/staff/overview',
        token => tok($env, 'president'))->json;
    is_deeply $p->{open_by_status}, $want_all,
        'the president: the whole court';
    %od = map { $_->{department} => $_->{overdue} }
        @{ $p->{overdue_by_department} };
    is $od{'刑事审判庭'}, 1, '... overdue: criminal 1';
    is_deeply [ map { [ $_->{ticket_no}, $_->{level} ] } @{ $j->{escalations_to_me} } ],
        [ [ $a->{ticket_no}, 2 ] ], 'the escalation that reached the leader';
    is $j->{open_risks}, 1, 'one open risk';
    $j = $env->req(GET => '/api/v1/staff/overview', token => tok($env, 'vp'))->json;
    is_deeply $j->{escalations_to_me}, [], 'nothing waits on the vice president';
    is_deeply $j->{my_follow_ups}, [], 'no follow-ups yet';
    # replied: no longer waiting
    act($env, 'judge2', $b->{ticket_no}, reply => { content => '已答复。' });
    $j = $env->req(GET => '/api/v1/staff/overview',
        token => tok($env, 'president'))->json;
    %od = map { $_->{department} => $_->{overdue} } @{ $j->{overdue_by_department} };
    ok !$od{'刑事审判庭'}, 'a replied work order is no longer overdue';
};

subtest 'follow-ups: create, list, mark done' => sub {
    my $mk = sub {
        my ($who, %b) = @_;
        return $env->req(POST => '/api/v1/staff/follow-ups', token => tok($env, $who),
            body => { title => '回头看', owner_staff_id => sid($env, 'cstaff'),
                      due_on => '2030-01-31', %b });
    };
    my $r = $mk->('leader', title => '回头看：民事庭超期工单整改',
        detail => '逐件核查答复质量', due_on => '2026-01-31');
    is $r->status, 201, 'the civil leader creates an item for a member of staff'
        or diag $r->summary;
    my $f1 = $r->json->{id};
    $r = $mk->('president', title => '回头看：投诉专项督办');
    is $r->status, 201, 'the president creates one';
    my $f2 = $r->json->{id};
    is $mk->('leader', owner_staff_id => 999999)->status, 400, 'an unknown owner: 400';
    is $mk->('leader', due_on => '2026-13-01')->status, 400, 'a bad day: 400';
    is $mk->('leader', title => undef)->status, 400, 'no title: 400';
    is $mk->('leader', colour => 'red')->status, 400, 'an unknown field: 400';

    my $mine = $env->req(GET => '/api/v1/staff/follow-ups?mine=1',
        token => tok($env, 'cstaff'))->json;
    my @items = @{ $mine->{items} || $mine };
    is_deeply [ sort map { $_->{id} } @items ], [ sort { $a <=> $b } $f1, $f2 ],
        "the owner's items";
    my ($i1) = grep { $_->{id} == $f1 } @items;
    is $i1->{owner}, '赵敏', '... with the owner';
    is $i1->{due_on}, '2026-01-31', '... the due date';
    ok $i1->{overdue}, '... overdue (due in January)';
    my ($i2) = grep { $_->{id} == $f2 } @items;
    ok !$i2->{overdue}, '... the other not';
    is $env->req(GET => '/api/v1/staff/overview', token => tok($env, 'cstaff'))
        ->status, 403, 'the overview is for leaders; the owner has the list';
    my $all = $env->req(GET => '/api/v1/staff/follow-ups', token => tok($env, 'filing'))->json;
    ok scalar(grep { $_->{id} == $f1 } @{ $all->{items} || $all }),
        'the filing division sees every item';
    my $judge = $env->req(GET => '/api/v1/staff/follow-ups', token => tok($env, 'judge1'))->json;
    is scalar @{ $judge->{items} || $judge }, 0, 'a judge sees none of these';

    is $env->req(POST => "/api/v1/staff/follow-ups/$f1/done",
        token => tok($env, 'judge1'))->status, 404, 'a stranger cannot mark it done';
    is $env->req(POST => "/api/v1/staff/follow-ups/$f1/done",
        token => tok($env, 'cstaff'))->status, 200, 'the owner marks it done';
    is $env->req(POST => "/api/v1/staff/follow-ups/$f1/done",
        token => tok($env, 'cstaff'))->status, 404, '... once';
    is $env->req(POST => "/api/v1/staff/follow-ups/$f2/done",
        token => tok($env, 'president'))->status, 200, 'the creator may too';
    ok $env->sql_one('SELECT done_at FROM follow_ups WHERE id = ?', $f1), 'done_at';
    $mine = $env->req(GET => '/api/v1/staff/follow-ups?mine=1',
        token => tok($env, 'cstaff'))->json;
    is_deeply [ map { $_->{status} } @{ $mine->{items} || $mine } ],
        [ 'done', 'done' ], 'both done';
    my $ov = $env->req(GET => '/api/v1/staff/overview', token => tok($env, 'liaison'))->json;
    ok scalar @{ $ov->{my_follow_ups} }, "a leader's own open items are in the overview";
    ok !grep({ $_->{status} ne 'open' } @{ $ov->{my_follow_ups} }), '... open ones only';
};

done_testing;
