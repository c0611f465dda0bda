#!/usr/bin/perl
# Journey A17 (accountability): special supervision starts on a low
# satisfaction rating (1-2 of 5), on repeated complaints about one matter
# (the worker's next pass), on a work order with no handling for
# the configured working days (the worker; pinned across National Day with
# its make-up Saturday) and by a leader's decision; each start tells the
# leader who answers for the request (its department's, or the case-filing
# division's while it has none) by SMS and WeCom, once.  A supervised
# request is referred to discipline inspection, an account of its own that
# is alerted, sees the referral (and nothing else of the divisions), adds
# notes and concludes it; whoever referred it hears the conclusion.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Litigant;
use Liaison::Tickets;
use Liaison::Worker;
use Liaison::Staff qw(act ticket_row ticket_events);

my %M = (leader => '13700000001', leader_filing => '13700000002',
    inspector => '13700000003', filing => '13700000004');
my $t = Liaison::Litigant->start(staff => [
    { username => 'platform', role => 'platform_staff', department => 'filing' },
    { username => 'filing', role => 'filing_admin', department => 'filing',
      mobile => $M{filing} },
    { username => 'leader_filing', role => 'dept_leader',
      department => 'filing', mobile => $M{leader_filing} },
    { username => 'judge1', role => 'judge', department => 'civil' },
    { username => 'leader', role => 'dept_leader', department => 'civil',
      mobile => $M{leader} },
    { username => 'president', role => 'president',
      department => 'trial_mgmt' },
    { username => 'inspector', role => 'discipline',
      department => 'discipline', mobile => $M{inspector} } ]);
my $env = $t->env;
$t->store_access_token;
$env->sql("UPDATE departments SET kind = 'filing', leader_staff_id = "
    . "(SELECT id FROM staff WHERE username = 'leader_filing') "
    . "WHERE code = 'filing'");
$env->sql("UPDATE departments SET leader_staff_id = (SELECT id FROM staff "
    . "WHERE username = 'leader') WHERE code = 'civil'");
$env->sql("UPDATE departments SET kind = 'discipline' "
    . "WHERE code = 'discipline'");
$env->sql("UPDATE staff SET wecom_userid = 'jijian' "
    . "WHERE username = 'inspector'");
my %tok = map { $_ => $env->staff_token($_) }
    qw(platform filing judge1 leader president inspector);
my $judge1 = $env->sql_one("SELECT id FROM staff WHERE username = 'judge1'");
my $w = Liaison::Worker->new($env, $t->mock);
my $C = 'Liaison::Calendar';
my $cal = $env->calendar;

sub run_worker {
    my ($now) = @_;
    my $out = $w->once($now);
    Test::More::is($out->{rc}, 0, "worker pass at $now")
        or Test::More::diag($out->{output});
}

# deliver what is due a minute after the newest message
sub deliver {
    run_worker($env->sql_one("SELECT DATE_FORMAT(MAX(created_at) + "
        . "INTERVAL 1 MINUTE, '%Y-%m-%dT%H:%i:%s+08:00') FROM outbox"));
}

sub sms_to {
    my ($mobile) = @_;
    return map { $_->{json}{content} }
        grep { ($_->{json}{mobile} // '') eq $mobile }
        $t->mock->delivered('sms');
}

sub supervision_alerts {
    my ($no) = @_;
    return $env->sql("SELECT o.channel, o.recipient FROM outbox o JOIN "
        . "tickets t ON t.id = o.ticket_id WHERE t.ticket_no = ? AND "
        . "o.kind = 'supervision' ORDER BY o.channel", $no);
}

my $N = 0;
sub work_order {
    my ($content) = @_;
    my $r = $env->req(POST => '/api/v1/tickets', body => ticket_body(
        channel => 'web', category => 'complaint', content => $content,
        contact => { name => '张三', phone => sprintf('1390000%04d', ++$N) }));
    die $r->summary unless $r->status == 201;
    my $no = $r->json->{ticket_no};
    $r = act($env, { token => $tok{platform} }, $no, dispatch => {
        assignee => $judge1 });
    die $r->summary unless $r->status == 200;
    return ($no, ticket_row($env, $no)->{query_code});
}

# 1. A low rating: the request was answered by the platform, so the
#    case-filing division's leader answers for it
my $r = $env->req(POST => '/api/v1/tickets', body => ticket_body(
    channel => 'web', category => 'consultation',
    content => '请问诉讼费退费需要什么材料？',
    contact => { name => '李四', phone => '13900139000' }));
is $r->status, 201, 'a web question';
my ($q, $qc) = ($r->json->{ticket_no}, $r->json->{query_code});
act($env, { token => $tok{platform} }, $q, reply => {
    content => '请携带身份证和缴费凭证到诉讼服务大厅办理。' });
$r = $env->req(POST => "/api/v1/tickets/$q/feedback",
    body => { rating => 2, comment => '答非所问', query_code => $qc });
is $r->status, 201, 'the caller rates the answer 2 of 5' or diag $r->summary;
my $row = ticket_row($env, $q);
is $row->{supervised}, 1, '... the request goes under supervision';
is $row->{supervised_reason}, 'rating', '... for the rating';
my ($ev) = grep { $_->{type} eq 'supervised' && !$_->{public} } @{ ticket_events($env, $q) };
is $ev->{note}, '当事人评价不满意（2星），列入专项督办', '... recorded';
is $ev->{actor_kind}, 'system', '... by the system';
is_deeply [ map { [ $_->{channel}, $_->{recipient} ] }
    @{ supervision_alerts($q) } ], [ [ sms => $M{leader_filing} ] ],
    'the case-filing division\'s leader is alerted';
deliver();
like( (sms_to($M{leader_filing}))[-1] // '',
    qr/专项督办.*\Q$q\E.*当事人评价不满意（2星）/,
    '... and receives it');

# a satisfied caller: nothing
$r = $env->req(POST => '/api/v1/tickets', body => ticket_body(
    channel => 'web', content => '请问立案需要带什么材料？',
    contact => { name => '王五', phone => '13900139001' }));
my ($q2, $qc2) = ($r->json->{ticket_no}, $r->json->{query_code});
act($env, { token => $tok{platform} }, $q2, reply => { content => '身份证。' });
$r = $env->req(POST => "/api/v1/tickets/$q2/feedback",
    body => { rating => 3, query_code => $qc2 });
is $r->status, 201, 'a rating of 3';
is ticket_row($env, $q2)->{supervised}, 0, '... no supervision';
is scalar @{ supervision_alerts($q2) }, 0, '... and no alert';

# a work order rated 1: its department's leader
my ($wo) = work_order('法官答复敷衍，要求重新处理。');
act($env, { token => $tok{judge1} }, $wo, accept => {});
act($env, { token => $tok{judge1} }, $wo, reply => { content => '已处理。' });
$r = $env->req(POST => "/api/v1/tickets/$wo/feedback", body => { rating => 1,
    query_code => ticket_row($env, $wo)->{query_code} });
is $r->status, 201, 'a work order rated 1';
is_deeply [ map { $_->{recipient} } @{ supervision_alerts($wo) } ],
    [ $M{leader} ], 'the civil division\'s leader is alerted';

# 1b. Repeated complaints: three the hotline registers (verified) about
#     one caller's matter; the worker's next pass puts them under
#     supervision, and the case-filing division's leader (no department
#     yet) hears of each
my @rep = map {
    my $c = $env->req(POST => '/api/v1/tickets', token => $tok{platform},
        body => ticket_body(channel => 'hotline', category => 'complaint',
            content => "执行款迟迟不到账，第 $_ 次投诉。",
            contact => { name => '赵六', phone => '13900139777' }));
    die $c->summary unless $c->status == 201;
    $c->json->{ticket_no} } 1 .. 3;
is ticket_row($env, $_)->{supervised}, 0, "complaint $_: filed, not decided "
    . 'at intake' for @rep;
run_worker($env->sql_one("SELECT DATE_FORMAT(MAX(created_at), "
    . "'%Y-%m-%dT%H:%i:%s+08:00') FROM complaint_keys"));
for my $no (@rep) {
    $row = ticket_row($env, $no);
    is $row->{supervised_reason}, 'complaints', "$no: supervised for "
        . 'repeated complaints';
    is_deeply [ map { [ $_->{channel}, $_->{recipient} ] }
        @{ supervision_alerts($no) } ], [ [ sms => $M{leader_filing} ] ],
        '... its alert to the case-filing division\'s leader, once';
}
deliver();
is scalar(grep { /专项督办.*同一事项重复投诉/ } sms_to($M{leader_filing})), 3,
    'the leader receives the three alerts';

# 2. An idle work order: dispatched on Monday 2026-09-28 10:00, nothing
#    since; 10 working days (the default) cross National Day and its
#    make-up Saturday 10-10: supervision at 2026-10-16 10:00
my ($idle) = work_order('立案后一直没有人联系我。');
my $at = '2026-09-28 10:00:00';
$env->sql('UPDATE tickets SET dispatched_at = ?, created_at = ?, due_at = ? '
    . 'WHERE ticket_no = ?', $at, $at, '2026-09-30 10:00:00', $idle);
$env->sql('UPDATE ticket_events e JOIN tickets t ON t.id = e.ticket_id SET '
    . 'e.created_at = ? WHERE t.ticket_no = ?', $at, $idle);
my $due = $C->format_rfc3339($cal->add_working_days(
    $C->parse_datetime($at), 10));
is $due, '2026-10-16T10:00:00+08:00', 'the instant by the calendar';
run_worker('2026-10-16T09:59:59+08:00');
is ticket_row($env, $idle)->{supervised}, 0, 'a second before: not yet';
run_worker('2026-10-16T10:00:00+08:00');
$row = ticket_row($env, $idle);
is $row->{supervised}, 1, 'at the instant: under supervision';
is $row->{supervised_reason}, 'idle', '... for idleness';
($ev) = grep { $_->{type} eq 'supervised' && !$_->{public} } @{ ticket_events($env, $idle) };
is $ev->{note}, '工单连续10个工作日无办理动作，列入专项督办', '... recorded';
is_deeply [ map { $_->{recipient} } @{ supervision_alerts($idle) } ],
    [ $M{leader} ], 'the department\'s leader is alerted';
run_worker('2026-10-20T10:00:00+08:00');
is scalar @{ supervision_alerts($idle) }, 1, 'once only';
is scalar(grep { $_->{type} eq 'supervised' && !$_->{public} }
    @{ ticket_events($env, $idle) }), 1, '... one event';

# a note restarts the clock
my ($busy) = work_order('请尽快安排调解。');
$env->sql('UPDATE tickets SET dispatched_at = ?, created_at = ? '
    . 'WHERE ticket_no = ?', $at, $at, $busy);
$env->sql('UPDATE ticket_events e JOIN tickets t ON t.id = e.ticket_id SET '
    . 'e.created_at = ? WHERE t.ticket_no = ?', $at, $busy);
act($env, { token => $tok{judge1} }, $busy, accept => {});
$env->sql("UPDATE ticket_events e JOIN tickets t ON t.id = e.ticket_id SET "
    . "e.created_at = '2026-10-12 15:00:00' WHERE t.ticket_no = ? "
    . "AND e.type = 'accepted'", $busy);
run_worker('2026-10-16T10:00:00+08:00');
is ticket_row($env, $busy)->{supervised}, 0,
    'a work order accepted on 10-12 is not idle on 10-16';
run_worker('2026-10-26T15:00:00+08:00');
is ticket_row($env, $busy)->{supervised}, 1,
    '... but is ten working days after its acceptance';

# 3. By hand: the president, for perfunctory handling
my ($manual) = work_order('多次反映无果。');
$r = act($env, { token => $tok{judge1} }, $manual, supervise => {
    note => '推诿' });
is $r->status, 403, 'a judge cannot start supervision';
$r = act($env, { token => $tok{president} }, $manual, supervise => {});
is $r->status, 400, 'a note is required';
$r = act($env, { token => $tok{president} }, $manual, supervise => {
    note => '承办部门推诿应付，请限期办结。' });
is $r->status, 200, 'the president starts supervision' or diag $r->summary;
$row = ticket_row($env, $manual);
is $row->{supervised_reason}, 'manual', '... by hand';
my @sup = grep { $_->{type} eq 'supervised' && !$_->{public} } @{ ticket_events($env, $manual) };
is scalar @sup, 1, '... one event';
is $sup[0]{actor_id}, $env->sql_one("SELECT id FROM staff WHERE username = "
    . "'president'"), '... by the president';
is $sup[0]{note}, '承办部门推诿应付，请限期办结。', '... with the note';
deliver();
like( (sms_to($M{leader}))[-1] // '', qr/\Q$manual\E.*推诿应付/,
    'the department\'s leader receives it with the note');
$r = act($env, { token => $tok{filing} }, $manual, supervise => {
    note => '再次督办' });
is $r->status, 409, 'already supervised: 409';
like $r->error_message, qr/已在专项督办/, '... saying so';

# 4. Referral to discipline inspection
my $before = () = sms_to($M{inspector});
$r = act($env, { token => $tok{filing} }, $idle, refer => {
    note => '督办后仍未解决，当事人多次投诉。' });
is $r->status, 200, 'the case-filing division refers the idle order'
    or diag $r->summary;
my $ref = $env->sql("SELECT o.channel, o.recipient FROM outbox o JOIN "
    . "tickets t ON t.id = o.ticket_id WHERE t.ticket_no = ? AND o.kind = "
    . "'referral' ORDER BY o.channel", $idle);
is_deeply [ map { [ $_->{channel}, $_->{recipient} ] } @$ref ],
    [ [ sms => $M{inspector} ], [ wecom => 'jijian' ] ],
    'discipline inspection is alerted by SMS and WeCom';
deliver();
like( (sms_to($M{inspector}))[-1] // '', qr/纪检监察.*\Q$idle\E.*督办后仍未解决/,
    '... and receives it');

$r = $env->req(GET => '/api/v1/staff/tickets?per_page=100',
    token => $tok{inspector});
is $r->status, 200, 'the inspector\'s worklist';
my @mine = map { $_->{ticket_no} } @{ $r->json->{items} };
ok( (grep { $_ eq $idle } @mine), '... holds the referral');
ok !(grep { $_ eq $manual || $_ eq $wo } @mine),
    '... and nothing else of the divisions';
$r = $env->req(GET => "/api/v1/tickets/$idle", token => $tok{inspector});
is $r->status, 200, 'the inspector opens it';
ok( (grep { $_->{type} eq 'referred' && ($_->{note} // '') =~ /仍未解决/ }
    @{ $r->json->{timeline} }), '... with the referral\'s note');
$r = $env->req(GET => "/api/v1/tickets/$manual", token => $tok{inspector});
is $r->status, 404, 'a request not referred: 404';

$r = act($env, { token => $tok{inspector} }, $idle, accept => {});
is $r->status, 403, 'the inspector does not take the division\'s work';
$r = act($env, { token => $tok{inspector} }, $idle, notes => {
    content => '已调取通话记录。' });
is $r->status, 200, 'the inspector adds a note' or diag $r->summary;
$r = act($env, { token => $tok{president} }, $idle, conclude => {
    note => '结束' });
is $r->status, 403, 'only discipline inspection concludes';
$r = act($env, { token => $tok{inspector} }, $manual, conclude => {
    note => '结束' });
isnt $r->status, 200, 'a request not referred is not concluded';
$r = act($env, { token => $tok{inspector} }, $idle, conclude => {
    note => '经查，承办法官存在拖延，已约谈并责令整改。' });
is $r->status, 200, 'the inspector concludes the referral'
    or diag $r->summary;
ok ticket_row($env, $idle)->{referral_concluded_at}, '... recorded';
($ev) = grep { $_->{type} eq 'referral_concluded' }
    @{ ticket_events($env, $idle) };
is $ev->{note}, '经查，承办法官存在拖延，已约谈并责令整改。', '... with the conclusion';
is $ev->{public}, 0, '... internal';
$r = act($env, { token => $tok{inspector} }, $idle, conclude => {
    note => '再次' });
is $r->status, 409, 'concluded once';
deliver();
like( (sms_to($M{filing}))[-1] // '', qr/\Q$idle\E.*已办结：经查，承办法官存在拖延/,
    'whoever referred it hears the conclusion');
$r = $env->req(GET => "/api/v1/tickets/$idle", token => $tok{filing});
ok( (grep { $_->{type} eq 'referral_concluded' } @{ $r->json->{timeline} }),
    'the case-filing division reads it in the timeline');
my $sv = $r->json->{supervision};
is $sv->{reason}, 'idle', 'the staff view says why it was supervised';
is $sv->{since}, '2026-10-16T10:00:00+08:00', '... since when';
ok $sv->{referred_at} && $sv->{referral_concluded_at},
    '... when it was referred and concluded';
is $env->req(GET => "/api/v1/tickets/$q2", token => $tok{filing})
    ->json->{supervision}, undef, 'a request not supervised: null';
$r = $env->req(GET => "/api/v1/tickets/$idle?query_code="
    . ticket_row($env, $idle)->{query_code});
ok !(grep { $_->{type} =~ /^(referred|referral_concluded)$/
            || ($_->{note} // '') =~ /专项督办|纪检/ }
    @{ $r->json->{timeline} }), 'the litigant does not see any of it';

done_testing;
