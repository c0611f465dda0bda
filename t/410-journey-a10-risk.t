#!/usr/bin/perl
# Journey A10 (emergency warning): a request whose text the triage rules
# mark as risky opens a risk at stage "received" on the spot and alerts the
# case-filing division at once — its leader, the filing administrators and
# the platform staff — by SMS and WeCom through the outbox; the worker
# delivers them; the division finds the risk, its rule and history through
# the API and moves it through the closed loop; a risky follow-up message
# on an existing ticket does the same (a new risk when none is open, a new
# alert in any case).

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Litigant;
use Liaison::Tickets;
use Liaison::Worker;

my $t = Liaison::Litigant->start(triage => 1, staff => [
    { username => 'platform', role => 'platform_staff', department => 'filing',
      name => '陈晓燕', mobile => '13800138001' },
    { username => 'filing', role => 'filing_admin', department => 'filing',
      name => '吴静', mobile => '13800138009' },
    { username => 'filing_lead', role => 'dept_leader', department => 'filing',
      name => '孙立新', mobile => '13800138011' },
    { username => 'judge', role => 'judge', department => 'civil',
      name => '李建国', mobile => '13800138002' } ]);
my $env = $t->env;
my $filing_dept = $env->sql_one(
    "SELECT id FROM departments WHERE code = 'filing'");
$env->sql("UPDATE departments SET kind = 'filing', leader_staff_id = "
    . "(SELECT id FROM staff WHERE username = 'filing_lead') WHERE id = ?",
    $filing_dept);
$env->sql("UPDATE staff SET wecom_userid = 'wujing' WHERE username = 'filing'");

my %division = map { $_ => 1 } qw(13800138001 13800138009 13800138011);
my $filing = $env->staff_token('filing');
my $judge = $env->staff_token('judge');

sub alerts_of {
    my ($no) = @_;
    return $env->sql("SELECT o.channel, o.recipient, o.payload FROM outbox o "
        . "JOIN tickets t ON t.id = o.ticket_id WHERE t.ticket_no = ? "
        . "AND o.kind = 'risk_alert' ORDER BY o.id", $no);
}

# 1. A web visitor writes that they no longer want to live
my $r = $env->req(POST => '/api/v1/tickets', body => ticket_body(
    channel => 'web', category => 'consultation',
    content => '案子拖了三年还没结果，我真的不想活了，你们再不管我就跳楼。',
    contact => { name => '王五', phone => '13900139000' }));
is $r->status, 201, 'a risky request is registered' or diag $r->summary;
my $no = $r->json->{ticket_no};

my $risk = $env->sql('SELECT r.* FROM risks r JOIN tickets t '
    . 'ON t.id = r.ticket_id WHERE t.ticket_no = ?', $no);
is scalar @$risk, 1, 'one risk opened on the spot';
$risk = $risk->[0];
is $risk->{source}, 'rule', '... by the rules';
is $risk->{stage}, 'received', '... at stage received';
is $risk->{level}, 'urgent', '... urgent (self-harm)';
is $risk->{rule_id}, 'risk.selfharm', '... naming the rule';
ok !$risk->{closed_at}, '... open';
is_deeply $env->sql('SELECT stage, staff_id FROM risk_events '
    . 'WHERE risk_id = ?', $risk->{id}),
    [ { stage => 'received', staff_id => undef } ],
    'the received stage recorded, by the system';
my ($signal) = grep { $_->{type} eq 'risk_signal' }
    @{ $env->sql('SELECT e.* FROM ticket_events e JOIN tickets t '
        . 'ON t.id = e.ticket_id WHERE t.ticket_no = ?', $no) };
ok $signal, 'a risk_signal event on the timeline';
is $signal->{public}, 0, '... internal';

my $alerts = alerts_of($no);
my %sms = map { $_->{recipient} => $_ } grep { $_->{channel} eq 'sms' }
    @$alerts;
is_deeply [ sort keys %sms ], [ sort keys %division ],
    'SMS alerts to the division leader, the filing administrator and the '
    . 'platform staff; none to the judge';
is_deeply [ map { $_->{recipient} } grep { $_->{channel} eq 'wecom' }
    @$alerts ], [ 'wujing' ], 'a WeCom alert to the one with a WeCom id';
my $text = $t->json_col($alerts->[0]{payload})->{text};
like $text, qr/风险预警/, 'the alert is a risk warning';
like $text, qr/\Q$no\E/, '... names the ticket';
like $text, qr/自伤自杀/, '... names the signal in Chinese';
like $text, qr/紧急/, '... and the level';
like $text, qr/不想活了/, '... quoting the request';
unlike $text, qr/13900139000/, '... not the caller\'s phone';

# 2. The worker delivers them: each person receives theirs
# a minute after the request (not a day: the stage-overdue alert waits)
my $NOW = $env->sql_one("SELECT DATE_FORMAT(created_at + INTERVAL 1 MINUTE, "
    . "'%Y-%m-%dT%H:%i:%s+08:00') FROM tickets WHERE ticket_no = ?", $no);
my $w = Liaison::Worker->new($env, $t->mock);
my $out = $w->once($NOW);
is $out->{rc}, 0, 'worker pass' or diag $out->{output};
my %got = map { $_->{json}{mobile} => $_->{json}{content} }
    $t->mock->delivered('sms');
for my $m (sort keys %division) {
    like $got{$m} // '', qr/风险预警.*\Q$no\E/, "SMS delivered to $m";
}
ok !exists $got{'13800138002'}, 'nothing to the judge';
my ($wecom) = grep { ($_->{json}{touser} // '') eq 'wujing' }
    $t->mock->delivered('wecom_send');
ok $wecom, 'the WeCom alert delivered';
like $wecom->{json}{text}{content} // '', qr/\Q$no\E/, '... naming the ticket';

# 3. The division sees it and runs the closed loop
for my $round (1, 2) {
    $r = $env->req(GET => '/api/v1/staff/risks?open=1', token => $filing);
    is $r->status, 200, "round $round: the open risks" or diag $r->summary;
    my ($it) = grep { $_->{id} == $risk->{id} } @{ $r->json->{items} };
    ok $it, "round $round: ... list the new one";
    is $it->{ticket_no}, $no, "round $round: ... with its ticket";
    is $it->{source}, 'rule', "round $round: ... raised by the rules";
}

$r = $env->req(POST => "/api/v1/staff/risks/$risk->{id}/advance",
    token => $filing, body => { stage => 'investigated',
                                note => '已电话联系当事人，情绪稳定' });
is $r->status, 200, 'the filing administrator investigates' or diag $r->summary;

for my $round (1, 2) {
    $r = $env->req(GET => "/api/v1/staff/risks/$risk->{id}", token => $filing);
    is $r->status, 200, "round $round: the risk's history" or diag $r->summary;
    my $h = $r->json;
    is $h->{stage}, 'investigated', "round $round: stage investigated";
    is $h->{ticket_no}, $no, "round $round: its ticket";
    is scalar @{ $h->{events} }, 2, "round $round: two stages so far";
    is $h->{events}[0]{stage}, 'received', "round $round: received first";
    is $h->{events}[0]{staff}, undef, "round $round: ... by the rules";
    is $h->{events}[1]{staff}{name}, '吴静',
        "round $round: investigated by the filing administrator";
    is $h->{events}[1]{note}, '已电话联系当事人，情绪稳定',
        "round $round: ... with her note";
    like $h->{events}[1]{at}, qr/\+08:00$/, "round $round: ... and when";
}
is $env->req(GET => "/api/v1/staff/risks/$risk->{id}",
    token => $judge)->status, 403, 'a judge may not read risks';
is $env->req(GET => '/api/v1/staff/risks/999999', token => $filing)->status,
    404, 'an unknown risk: 404';

# 4. Follow-up messages on an existing ticket
my $lit = $t->login(5);
$r = $env->req(POST => '/api/v1/tickets', token => $lit,
    body => ticket_body(channel => 'wechat', category => 'consultation',
        content => '请问诉讼费怎么交？',
        contact => { name => '赵六', phone => '13900139001' }));
is $r->status, 201, 'a calm request' or diag $r->summary;
my $no2 = $r->json->{ticket_no};
is scalar @{ alerts_of($no2) }, 0, '... raises nothing';

$r = $env->req(POST => "/api/v1/tickets/$no2/messages", token => $lit,
    body => { content => '再拖下去我就带着汽油去法院，大家同归于尽。' });
is $r->status, 201, 'a risky follow-up' or diag $r->summary;
my $risks2 = $env->sql('SELECT r.* FROM risks r JOIN tickets t '
    . 'ON t.id = r.ticket_id WHERE t.ticket_no = ?', $no2);
is scalar @$risks2, 1, '... opens a risk';
is $risks2->[0]{level}, 'urgent', '... urgent (violence)';
my $n = scalar @{ alerts_of($no2) };
ok $n >= 3, "... and alerts the division ($n messages)";

$r = $env->req(POST => "/api/v1/tickets/$no2/messages", token => $lit,
    body => { content => '我要去电视台曝光你们。' });
is $r->status, 201, 'another risky follow-up while the risk is open';
is $env->sql_one('SELECT COUNT(*) FROM risks r JOIN tickets t '
    . 'ON t.id = r.ticket_id WHERE t.ticket_no = ?', $no2), 1,
    '... no second risk';
ok @{ alerts_of($no2) } > $n, '... but the division is alerted again';
like $t->json_col(alerts_of($no2)->[-1]{payload})->{text}, qr/媒体炒作/,
    '... naming the new signal';

done_testing;
