#!/usr/bin/perl
# Attack (issue 14, point 10): a department's leader assigning follow-up
# items (A14) outside their department, the president included, and a
# litigant token at the staff's logout.  A leader assigns to their own
# department's people, a vice president to those of the departments in
# charge and themselves (403 otherwise, nothing written, nobody told);
# the president and the filing division to anyone.  POST /staff/logout
# with a litigant token is 403 and leaves the session alone.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Litigant;
use Liaison::Staff;

my $t = Liaison::Litigant->start(staff => staff_cast());
my $env = $t->env;
my $S = staff_setup($env);
my $today = $env->sql_one("SELECT DATE_FORMAT(CURDATE(), '%Y-%m-%d')");

sub assign {
    my ($who, $owner) = @_;
    return $env->req(POST => '/api/v1/staff/follow-ups',
        token => tok($env, $who), body => { title => "交办给 $owner",
        owner_staff_id => sid($env, $owner), due_on => $today });
}

my %want = (
    'leader judge1'       => 201,    # own department
    'leader cstaff'       => 201,
    'leader judge2'       => 403,    # another department
    'leader president'    => 403,
    'leader vp'           => 403,
    'leader2 judge1'      => 403,
    'vp leader'           => 201,    # in charge of civil
    'vp judge1b'          => 201,
    'vp vp'               => 201,    # themselves
    'vp leader2'          => 403,    # criminal: vp2's
    'vp president'        => 403,
    'president leader2'   => 201,
    'president vp'        => 201,
    'filing judge2'       => 201,
);
for my $k (sort keys %want) {
    my ($who, $owner) = split ' ', $k;
    my $before = $env->sql_one('SELECT COUNT(*) FROM follow_ups');
    my $out = $env->sql_one('SELECT COUNT(*) FROM outbox');
    my $r = assign($who, $owner);
    is $r->status, $want{$k}, "$who assigns to $owner: $want{$k}"
        or diag $r->summary;
    next unless $want{$k} == 403;
    is $r->error_code, 'forbidden', '... forbidden';
    is $env->sql_one('SELECT COUNT(*) FROM follow_ups'), $before,
        '... nothing written';
    is $env->sql_one('SELECT COUNT(*) FROM outbox'), $out, '... nobody told';
}
my $r = $env->req(POST => '/api/v1/staff/follow-ups',
    token => tok($env, 'leader'), body => { title => 'x',
    owner_staff_id => 999999, due_on => $today });
is $r->status, 400, 'an unknown owner is still 400';

# a litigant token at the staff's logout
my $lit = $t->login(91);
$r = $env->req(POST => '/api/v1/staff/logout', token => $lit);
is $r->status, 403, 'a litigant token on /staff/logout: 403' or diag $r->summary;
is $r->error_code, 'forbidden', '... forbidden (JSON)';
is $env->sql_one('SELECT COUNT(*) FROM sessions WHERE kind = ? '
    . 'AND revoked_at IS NOT NULL', 'l'), 0, '... the session is untouched';
$r = $env->req(GET => '/api/v1/tickets?mine=1', token => $lit);
is $r->status, 200, '... and still works';
$r = $env->req(POST => '/api/v1/wx/logout', token => tok($env, 'judge1'));
is $r->status, 403, 'a staff token on /wx/logout: 403';
$r = $env->req(POST => '/api/v1/wx/logout', token => $lit);
is $r->status, 200, 'the litigant logs out by its own door';
$r = $env->req(POST => '/api/v1/staff/logout', token => tok($env, 'judge1'));
is $r->status, 200, 'and the judge by theirs';

done_testing;
