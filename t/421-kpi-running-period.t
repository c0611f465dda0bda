#!/usr/bin/perl
# A2 indicators of a period that has not ended (the current month): only
# what is already due counts.  Two work orders registered in the period,
# one whose acceptance and reply deadlines have passed unmet (it counts,
# as a miss) and one whose deadlines are still ahead (it does not count
# against anyone yet).  The deadlines are set relative to each ticket's own
# recorded registration time, so the test does not depend on the clock.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Staff;

my $env = Liaison::Test->start(staff => staff_cast());
my $S = staff_setup($env);

my @no;
for my $i (1, 2) {
    my $t = new_ticket($env, category => 'complaint', case => 'civil');
    my $r = act($env, 'platform', $t->{ticket_no}, dispatch => {});
    is $r->status, 200, "work order $i dispatched" or diag $r->summary;
    push @no, $t->{ticket_no};
}

# 1: registered two days ago, due to be accepted a day later and replied
# a day after that: both deadlines passed, nothing done
$env->sql('UPDATE tickets SET created_at = created_at - INTERVAL 2 DAY, '
    . 'dispatched_at = created_at, accept_due_at = created_at + INTERVAL 1 '
    . 'DAY, due_at = created_at + INTERVAL 1 DAY WHERE ticket_no = ?', $no[0]);
# 2: registered now, deadlines ten days ahead
$env->sql('UPDATE tickets SET accept_due_at = created_at + INTERVAL 10 DAY, '
    . 'due_at = created_at + INTERVAL 10 DAY WHERE ticket_no = ?', $no[1]);

my $range = $env->sql('SELECT DATE_FORMAT(MIN(created_at) - INTERVAL 5 DAY, '
    . "'%Y-%m-%d') AS f, DATE_FORMAT(MAX(created_at) + INTERVAL 30 DAY, "
    . "'%Y-%m-%d') AS t FROM tickets")->[0];
my $r = $env->req(GET => "/api/v1/staff/reports/kpi?from=$range->{f}"
    . "&to=$range->{t}", token => tok($env, 'filing'));
is $r->status, 200, 'the KPIs of a period that ends in a month'
    or diag $r->summary;
my $k = $r->json->{total};
is $k->{requests}, 2, 'both requests registered in it';
is_deeply [ @{ $k->{timely_acceptance} }{qw(count total)} ], [ 0, 1 ],
    'timely acceptance: only the order whose acceptance fell due';
is_deeply [ @{ $k->{on_time_completion} }{qw(count total)} ], [ 0, 1 ],
    'on-time completion: only the order already due';
is_deeply [ @{ $k->{judge_contact} }{qw(count total)} ], [ 0, 1 ],
    'judge contact: only the order already due';

# the second order is replied: it counts now, as met
act($env, 'judge1', $no[1], accept => {});
act($env, 'judge1', $no[1], reply => { content => '已与当事人电话联系。' });
$k = $env->req(GET => "/api/v1/staff/reports/kpi?from=$range->{f}"
    . "&to=$range->{t}", token => tok($env, 'filing'))->json->{total};
is_deeply [ @{ $k->{timely_acceptance} }{qw(count total)} ], [ 1, 2 ],
    'once accepted in time it counts, as met';
is_deeply [ @{ $k->{on_time_completion} }{qw(count total)} ], [ 1, 2 ],
    'once replied in time too';
is_deeply [ @{ $k->{judge_contact} }{qw(count total)} ], [ 1, 2 ],
    'and for contact';

done_testing;
