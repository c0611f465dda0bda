#!/usr/bin/perl
# Attack (issue 14, point 9): special supervision (A17) of someone else's
# case by anonymous complaints.  Complaints from the public web form with
# phones anyone may type are filed (and supervised along once the matter
# qualifies) but never counted; only verified identities count: a
# litigant token (WeChat) and a registration by staff.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Litigant;
use Liaison::Staff;
use Liaison::Worker;

my $t = Liaison::Litigant->start(staff => staff_cast());
my $env = $t->env;
my $S = staff_setup($env);
# the worker decides (3 in 30 days); it passes after each complaint here
my $W = Liaison::Worker->new($env, undef, deliver => 'off', ladder => 'off',
    bulletin => 'off', risk_stage_hours => 0, supervision_idle_days => 0,
    auto_close_days => 0, map { $_ => undef } qw(wx_appid wx_secret_file
    wecom_corpid wecom_secret_file wecom_agentid sms_url sms_account
    sms_secret_file));

my $n = 0;
sub complain {
    my (%o) = @_;
    my $r = $env->req(POST => '/api/v1/tickets',
        ($o{token} ? (token => $o{token}) : ()),
        body => { channel => $o{channel} // 'web', category => 'complaint',
            case_no => CIVIL_CASE,
            content => "对本案承办法官的投诉（第 " . ++$n . " 件）",
            contact => { name => '路人', phone => $o{phone}
                // sprintf('1390000%04d', $n) } });
    die 'intake: ' . $r->summary unless $r->status == 201;
    $W->supervise_complaints;
    return $r->json->{ticket_no};
}
sub supervised_count {
    $env->sql_one('SELECT COUNT(*) FROM tickets WHERE supervised = 1')
}

# five anonymous complaints about the victim's case, five phones
my @anon = map { complain() } 1 .. 5;
is supervised_count(), 0, 'five anonymous complaints from five phones: '
    . 'no supervision';
is $env->sql_one("SELECT COUNT(*) FROM complaint_keys WHERE verified = 0"),
    10, 'they are filed (by phone and by case), unverified';
is $env->sql_one("SELECT COUNT(*) FROM outbox WHERE kind = 'supervision'"),
    0, 'no supervision alert';

# the same phone over and over, anonymously: still nothing
complain(phone => '13911112222') for 1 .. 3;
is supervised_count(), 0, 'three anonymous ones from one phone: nothing';

# verified complaints: two WeChat users and a hotline call the platform
# registers; the third verified one puts the matter under supervision
complain(token => $t->login(81));
complain(token => $t->login(82));
is supervised_count(), 0, 'two verified complaints: not yet';
my $third = complain(token => tok($env, 'platform'), channel => 'hotline');
is ticket_row($env, $third)->{supervised}, 1,
    'the third verified complaint: supervised';
ok ticket_row($env, $anon[0])->{supervised},
    '... the anonymous complaints about the matter join it';

done_testing;
