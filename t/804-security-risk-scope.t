#!/usr/bin/perl
# Attack (issue 14, point 4): risk warnings and department scope.  A
# department's leader or liaison lists only the risks of tickets they
# see, the overview's open_risks counts only those, and a vice president
# in charge of no department can neither list nor advance any risk (404,
# nothing recorded); the court's leaders and the platform see them all.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Staff;

my $env = Liaison::Test->start(staff => [ @{ staff_cast() },
    { username => 'vp3', role => 'vice_president',
      department => 'trial_mgmt', name => '无分管' } ]);
my $S = staff_setup($env);
my $VP3 = $env->staff_token('vp3');

my $tc = new_ticket($env, case => 'civil', category => 'contact_judge');
my $tk = new_ticket($env, case => 'criminal', category => 'contact_judge');
my %risk;
for ([ civil => $tc ], [ criminal => $tk ]) {
    my ($d, $t) = @$_;
    $env->sql("INSERT INTO risks (ticket_id, level, source, note, stage, "
        . "stage_since, created_at) SELECT id, 'high', 'staff', ?, "
        . "'received', NOW(), NOW() FROM tickets WHERE ticket_no = ?",
        "$d 的风险：当事人扬言闹访", $t->{ticket_no});
    $risk{$d} = $env->sql_one('SELECT MAX(id) FROM risks');
}

sub get {
    my ($token, $path) = @_;
    return $env->req(GET => "/api/v1/staff/$path", token => $token);
}
sub listed {
    my ($token) = @_;
    my $r = get($token, 'risks');
    return 'status ' . $r->status unless $r->status == 200;
    return join ',', sort map { $_->{ticket_no} } @{ $r->json->{items}
        // $r->json };
}
sub open_risks { get($_[0], 'overview')->json->{open_risks} }
sub advance {
    my ($token, $id) = @_;
    return $env->req(POST => "/api/v1/staff/risks/$id/advance",
        token => $token, body => { stage => 'investigated',
        note => '已排查' });
}
my ($c, $k) = ($tc->{ticket_no}, $tk->{ticket_no});

is listed(tok($env, 'leader')), $c, 'the civil leader lists the civil risk only';
is listed(tok($env, 'liaison2')), $k, 'the criminal liaison: the criminal one only';
is listed($VP3), '', 'a vice president in charge of nothing: none';
is listed(tok($env, 'vp')), $c, 'the vice president in charge of civil: civil';
is listed(tok($env, 'president')), join(',', sort $c, $k),
    'the president: both';

is open_risks(tok($env, 'leader')), 1, 'overview open_risks for the civil leader: 1';
is open_risks($VP3), 0, '... for the vice president in charge of nothing: 0';
is open_risks(tok($env, 'president')), 2, '... for the president: 2';

is get(tok($env, 'leader'), "risks/$risk{criminal}")->status, 404,
    'the civil leader opens the criminal risk: 404';

my $r = advance($VP3, $risk{civil});
is $r->status, 404, 'the vice president in charge of nothing advances a '
    . 'risk: 404' or diag $r->summary;
$r = advance(tok($env, 'vp'), $risk{criminal});
is $r->status, 404, 'the civil vice president advances the criminal risk: 404';
is $env->sql_one("SELECT COUNT(*) FROM risks WHERE stage <> 'received'"), 0,
    'no risk moved';
is $env->sql_one('SELECT COUNT(*) FROM risk_events'), 0, 'no event recorded';

$r = advance(tok($env, 'vp'), $risk{civil});
is $r->status, 200, 'the civil vice president advances the civil risk'
    or diag $r->summary;
$r = advance(tok($env, 'vp'), $risk{civil});
is $r->status, 409, '... twice: 409 (in scope, out of order)';
$r = advance(tok($env, 'platform'), $risk{criminal});
is $r->status, 200, 'the platform advances the criminal one';
is $env->sql_one("SELECT COUNT(*) FROM risk_events"), 2, 'two events';

done_testing;
