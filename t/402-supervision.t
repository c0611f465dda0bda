#!/usr/bin/perl
# A17 accountability.  Repeated complaints about the same matter (the same
# phone, case or litigant) within the window (liaison-worker's
# `supervision_complaints` and `supervision_window_days`, default 3 within
# 30 days) put every one of them under special supervision at the
# worker's next pass, each with one internal event; a complaint outside
# the window, other matters and other categories do not count.  A supervised
# ticket still open may be referred to discipline inspection (president,
# case-filing division), once, when discipline inspection has an account
# (t/420 follows the referral to its conclusion).  Supervised work orders have their own
# escalation (docs/worker.md): the leader step goes to the vice president
# in charge, the vp step to the president; tickets.escalation_level
# follows the ladder.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Staff;
use Liaison::Worker;
use Liaison::Calendar;

my $C = 'Liaison::Calendar';
my $env = Liaison::Test->start(staff => staff_cast());    # default: 3 in 30d
my $S = staff_setup($env);
my $cal = $env->calendar;
# the worker decides repeated complaints; it passes after each intake here
my $W = Liaison::Worker->new($env, undef, deliver => 'off', ladder => 'off',
    bulletin => 'off', risk_stage_hours => 0, supervision_idle_days => 0,
    auto_close_days => 0, map { $_ => undef } qw(wx_appid wx_secret_file
    wecom_corpid wecom_secret_file wecom_agentid sms_url sms_account
    sms_secret_file));

# a complaint the platform registers (hotline): a verified identity, as
# only those count toward supervision (t/809: anonymous ones do not)
sub complain {
    my (%o) = @_;
    my $body = { channel => $o{channel} // 'hotline',
        category => $o{category} // 'complaint',
        content => $o{content} // '承办法官一直不回电话，投诉。',
        contact => { name => '李四', phone => $o{phone} } };
    $body->{case_no} = $o{case} if $o{case};
    my $r = $env->req(POST => '/api/v1/tickets', body => $body,
        token => $o{token} // tok($env, 'platform'));
    die 'intake: ' . $r->summary unless $r->status == 201;
    $W->supervise_complaints unless $o{undecided};
    return $r->json->{ticket_no};
}
sub supervised { ticket_row($env, $_[0])->{supervised} }
sub sup_events {
    return [ grep { $_->{type} eq 'supervised' && !$_->{public} }
        @{ ticket_events($env, $_[0]) } ];
}
# moves a ticket's complaint back in time (the module writes its own clock)
sub age {
    my ($no, $days) = @_;
    $env->sql('UPDATE complaint_keys k JOIN tickets t ON t.id = k.ticket_id '
        . 'SET k.created_at = k.created_at - INTERVAL ? DAY, '
        . 't.created_at = t.created_at - INTERVAL ? DAY WHERE t.ticket_no = ?',
        $days, $days, $no);
}

subtest 'the third complaint within the window supervises all three' => sub {
    my @t = map { complain(phone => '13700000001') } 1 .. 2;
    age($t[0], 20);
    ok !supervised($_), 'two complaints: not supervised' for @t;
    push @t, complain(phone => '13700000001', channel => 'hotline',
        token => tok($env, 'platform'));
    ok supervised($_), "$_ supervised after the third" for @t;
    for my $no (@t) {
        my $ev = sup_events($no);
        is scalar @$ev, 1, "$no: one internal supervised event";
        is $ev->[0]{note}, '同一事项重复投诉，列入专项督办', '... with the reason';
        is $ev->[0]{actor_kind}, 'system', '... by the system';
    }
    # the public timeline does not show it
    my $r = $env->req(GET => "/api/v1/tickets/$t[2]?query_code="
        . ticket_row($env, $t[2])->{query_code});
    ok !grep({ $_->{type} eq 'supervised' } @{ $r->json->{timeline} }),
        'not on the public timeline';
    my $fourth = complain(phone => '13700000001');
    ok supervised($fourth), 'a fourth joins the supervision';
    is scalar @{ sup_events($_) }, 1, "$_: still one event" for @t, $fourth;
};

subtest 'the same matter by phone and by case: one event each' => sub {
    my @t = map { complain(phone => '13700000002', case => CIVIL_CASE) } 1 .. 3;
    ok supervised($_), "$_ supervised" for @t;
    is scalar @{ sup_events($_) }, 1, "$_: one event, though two keys matched"
        for @t;
};

subtest 'outside the window, other matters, other categories' => sub {
    my @t = map { complain(phone => '13700000003') } 1 .. 2;
    age($t[0], 31);
    age($t[1], 10);
    my $third = complain(phone => '13700000003');
    ok !supervised($_), 'the first is 31 days old: two in the window, none '
        . 'supervised' for @t, $third;
    my $fourth = complain(phone => '13700000003');
    ok supervised($_), 'a fourth: three in the window, supervised'
        for $t[1], $third, $fourth;
    ok !supervised($t[0]), '... the one outside the window is not';

    my @o = (complain(phone => '13700000004', case => CRIMINAL_CASE),
             complain(phone => '13700000005', case => NOJUDGE_CASE),
             complain(phone => '13700000006'));
    ok !supervised($_), "different matters: $_ not supervised" for @o;
    my @c = map { complain(phone => '13700000007', category => 'consultation') } 1 .. 3;
    ok !supervised($_), "consultations do not count: $_" for @c;
    is $env->sql_one("SELECT COUNT(*) FROM complaint_keys k JOIN tickets t "
        . "ON t.id = k.ticket_id WHERE t.category <> 'complaint'"), 0,
        'only complaints are keyed';
};

subtest 'two workers decide one matter at once: once each' => sub {
    # about a case: its department's leader is alerted
    my @t = map { complain(phone => '13700000011', case => CRIMINAL_CASE,
        undecided => 1) } 1 .. 3;
    ok !supervised($_), "$_: filed, not decided yet" for @t;
    my $now = $env->sql_one("SELECT DATE_FORMAT(MAX(created_at), "
        . "'%Y-%m-%dT%H:%i:%s+08:00') FROM complaint_keys");
    my $other = Liaison::Worker->new($env, undef, deliver => 'off',
        ladder => 'off', bulletin => 'off', risk_stage_hours => 0,
        supervision_idle_days => 0, auto_close_days => 0,
        map { $_ => undef } qw(wx_appid wx_secret_file wecom_corpid
        wecom_secret_file wecom_agentid sms_url sms_account sms_secret_file));
    my @pids = map { $_->spawn('once', "--now=$now") } $W, $other;
    is(Liaison::Worker->reap($_, 60), 0, 'a worker pass ends well') for @pids;
    for my $no (@t) {
        ok supervised($no), "$no supervised";
        is scalar @{ sup_events($no) }, 1, '... with one event';
        is $env->sql_one("SELECT COUNT(*) FROM outbox o JOIN tickets t ON "
            . "t.id = o.ticket_id WHERE t.ticket_no = ? AND o.kind = "
            . "'supervision' AND o.channel = 'sms'", $no), 1,
            '... and one alert to its leader';
    }
};

# ---------------------------------------------------------------------
# referral to discipline inspection
# ---------------------------------------------------------------------
my ($SUP) = map { $_->{ticket_no} } @{ $env->sql(
    "SELECT ticket_no FROM tickets WHERE supervised = 1 ORDER BY id LIMIT 1") };
my ($PLAIN) = map { $_->{ticket_no} } @{ $env->sql(
    "SELECT ticket_no FROM tickets WHERE supervised = 0 AND category = "
    . "'complaint' ORDER BY id LIMIT 1") };

subtest 'referral: POST /staff/tickets/{no}/refer' => sub {
    my $refer = sub { act($env, $_[0], $_[1], refer => $_[2] // { note =>
        '多次投诉未果，移送纪检监察部门' }) };
    for my $who (qw(platform judge1 leader vp liaison admin)) {
        is $refer->($who, $SUP)->status, 403, "$who: 403";
    }
    is $refer->('filing', $SUP, {})->status, 400, 'no note: 400';
    is $refer->('filing', $SUP, { note => 'x', extra => 1 })->status, 400,
        'an unknown field: 400';
    my $r = $refer->('filing', $PLAIN);
    is $r->status, 409, 'a ticket not under supervision: 409' or diag $r->summary;
    like $r->error_message, qr/专项督办/, '... saying why';
    ok !ticket_row($env, $PLAIN)->{referred_at}, '... not referred';

    $r = $refer->('filing', $SUP);
    is $r->status, 409, 'no discipline inspection account: 409';
    like $r->error_message, qr/纪检监察账号/, '... saying so';
    $env->add_staff(username => 'inspector', role => 'discipline',
        department => 'discipline', mobile => '13700009999');

    $r = $refer->('filing', $SUP);
    is $r->status, 200, 'the filing division refers a supervised ticket'
        or diag $r->summary;
    is $r->json->{ticket_no}, $SUP, '... answered';
    my $row = ticket_row($env, $SUP);
    ok $row->{referred_at}, 'referred_at set';
    is $row->{status}, 'registered', 'the status unchanged';
    my ($ev) = grep { $_->{type} eq 'referred' } @{ ticket_events($env, $SUP) };
    ok $ev, 'a referred event';
    is $ev->{public}, 0, '... internal';
    is $ev->{actor_id}, sid($env, 'filing'), '... by the filing division';
    is $ev->{note}, '多次投诉未果，移送纪检监察部门', '... with the note';
    $r = $refer->('president', $SUP);
    is $r->status, 409, 'again: 409';
    like $r->error_message, qr/已移送/, '... already referred';
    is scalar(grep { $_->{type} eq 'referred' } @{ ticket_events($env, $SUP) }),
        1, 'one referred event';

    # a closed supervised ticket is not referred
    my ($other) = map { $_->{ticket_no} } @{ $env->sql("SELECT ticket_no FROM "
        . "tickets WHERE supervised = 1 AND referred_at IS NULL ORDER BY id "
        . "DESC LIMIT 2") };
    drive($env, $other, [ platform => 'triage', { track => 'simple' } ],
        [ platform => 'reply', { content => '已处理。', close => JSON::PP::true } ]);
    is $refer->('president', $other)->status, 409, 'closed: 409';
    my $qs = '?query_code=' . ticket_row($env, $SUP)->{query_code};
    $r = $env->req(GET => "/api/v1/tickets/$SUP$qs");
    ok !grep({ $_->{type} eq 'referred' } @{ $r->json->{timeline} }),
        'the litigant does not see the referral';
    $r = staff_get($env, 'filing', $SUP);
    ok grep({ $_->{type} eq 'referred' } @{ $r->json->{timeline} }),
        'staff do';
    is $refer->('president', 'NOPE12345678')->status, 404, 'unknown ticket: 404';
};

# ---------------------------------------------------------------------
# the own escalation of supervised work orders
# ---------------------------------------------------------------------
subtest 'supervised work orders skip the department leader' => sub {
    my $w = Liaison::Worker->new($env, undef, deliver => 'off', bulletin => 'off',
        risk_stage_hours => 0, map { $_ => undef } qw(wx_appid wx_secret_file
        wecom_corpid wecom_secret_file wecom_agentid sms_url sms_account
        sms_secret_file));
    my %t;
    for my $k (qw(plain sup)) {
        my $no = complain(phone => $k eq 'sup' ? '13700000009' : '13700000010',
            case => CIVIL_CASE, category => 'contact_judge');
        drive($env, $no, [ platform => 'dispatch', {} ], [ judge1 => 'accept' ]);
        $env->sql("UPDATE tickets SET due_at = '2026-09-22 17:00:00', "
            . 'supervised = ? WHERE ticket_no = ?', $k eq 'sup' ? 1 : 0, $no);
        $t{$k} = $env->sql_one('SELECT id FROM tickets WHERE ticket_no = ?', $no);
    }
    my $due = $C->parse_datetime('2026-09-22 17:00:00');
    my $leader = $cal->add_working_days($due, 3);     # across Mid-Autumn
    my $vp = $cal->add_working_days($leader, 2);
    my $pres = $cal->add_working_days($vp, 2);        # across National Day
    is $C->format_datetime($leader), '2026-09-28 17:00:00', 'leader step 28 Sep';
    is $C->format_datetime($pres), '2026-10-09 17:00:00', 'president step 9 Oct';
    my $steps = sub {
        my ($id) = @_;
        return { map { $_->{level} => [ $_->{status}, $_->{recipients} ] }
            @{ $env->sql('SELECT level, status, recipients FROM escalations '
                . 'WHERE ticket_id = ?', $id) } };
    };
    my $lvl = sub { $env->sql_one('SELECT escalation_level FROM tickets WHERE id = ?', $_[0]) };
    my $pres_ids = join ',', sid($env, 'president');

    # the worker runs on time: the warning at the due time (a worker first
    # running later climbs one step per working day, t/415)
    my $r = $w->once($C->format_rfc3339($due));
    is $r->{rc}, 0, 'a pass at the due time' or diag $r->{output};
    $r = $w->once($C->format_rfc3339($leader - 1));
    is $r->{rc}, 0, 'a pass a second before the leader step' or diag $r->{output};
    is $lvl->($t{plain}), 0, 'escalation_level 0 (only the warning)';
    ok !exists $steps->($t{sup})->{2}, 'no leader step yet';

    $w->once($C->format_rfc3339($leader));
    is_deeply $steps->($t{plain})->{2}, [ 'fired', sid($env, 'leader') ],
        'plain: the leader step to the department leader';
    is_deeply $steps->($t{sup})->{2}, [ 'fired', sid($env, 'vp') ],
        'supervised: the leader step straight to the vice president in charge';
    is $lvl->($t{plain}), 1, 'plain: escalation_level 1 (leader)';
    is $lvl->($t{sup}), 2, 'supervised: escalation_level 2 (vice president)';
    my ($note) = map { $_->{note} } grep { $_->{type} eq 'escalation_leader' }
        @{ $env->sql('SELECT * FROM ticket_events WHERE ticket_id = ?', $t{sup}) };
    like $note, qr/^专项督办：已将当事人留言发送分管院领导督办：周文斌/,
        'the timeline says so';

    $w->once($C->format_rfc3339($vp));
    is_deeply $steps->($t{plain})->{3}, [ 'fired', sid($env, 'vp') ],
        'plain: the vp step to the vice president';
    is_deeply $steps->($t{sup})->{3}, [ 'fired', $pres_ids ],
        'supervised: the vp step to the president';
    is $lvl->($t{plain}), 2, 'plain: 2';
    is $lvl->($t{sup}), 3, 'supervised: 3';

    $w->once($C->format_rfc3339($pres));
    is_deeply $steps->($t{plain})->{4}, [ 'fired', $pres_ids ],
        'plain: the president step';
    is $steps->($t{sup})->{4}[0], 'skipped',
        'supervised: the president step skipped (already with the president)';
    is $lvl->($t{plain}), 3, 'plain: 3';
    is $lvl->($t{sup}), 3, 'supervised: 3';
    my $wl = $env->req(GET => '/api/v1/staff/tickets?escalated=1&per_page=100',
        token => tok($env, 'platform'))->json;
    is scalar(grep { $_->{escalation_level} == 3 } @{ $wl->{items} }), 2,
        'the worklist shows both at level 3';
};

done_testing;
