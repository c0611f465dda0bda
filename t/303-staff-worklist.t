#!/usr/bin/perl
# GET /staff/tickets: scoped by role and department, filtered (status,
# track, overdue, escalated, mine), sorted by due time, paged.  Due times
# and escalation levels are set in the database: far in the past or the
# future, so nothing depends on the clock.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Staff;

# one caller files many complaints here: A17 supervision is the worker's
# (liaison-worker), which does not run here
my $env = Liaison::Test->start(staff => staff_cast());
my $S = staff_setup($env);

my $long = '请问' . ('我的案件什么时候开庭' x 8);    # 82 characters

# name => [ how, due_at, escalation_level ]
my %T;
sub mk {
    my ($name, $due, $level, %o) = @_;
    my $steps = delete $o{steps} || [];
    my $t = new_ticket($env, %o);
    drive($env, $t->{ticket_no}, @$steps);
    $env->sql('UPDATE tickets SET due_at = ?, escalation_level = ? '
        . 'WHERE ticket_no = ?', $due, $level, $t->{ticket_no});
    $T{$name} = $t->{ticket_no};
}

mk(A => '2020-03-02 10:00:00', 0, case => 'civil');
mk(B => '2099-01-01 09:30:00', 2, case => 'civil', content => $long,
    steps => [ [ platform => dispatch => {} ] ]);
mk(C => '2020-01-01 08:00:00', 0, case => 'civil',
    steps => [ [ platform => dispatch => {} ], [ judge1 => accept => undef ],
               [ judge1 => reply => { content => '已答复' } ] ]);
mk(D => '2021-05-05 17:00:00', 1, case => 'criminal',
    steps => [ [ platform => dispatch => {} ] ]);
mk(E => '2099-02-02 12:00:00', 0, category => 'consultation');
mk(F => '2098-01-01 09:00:00', 0, case => 'civil',
    steps => [ [ platform => dispatch => { assignee => sid($env, 'judge1b') } ],
               [ judge1b => accept => undef ] ]);
mk(G => '2097-06-30 16:00:00', 0, case => 'criminal', category => 'case_query');

# by due time: C A D F G B E
my @ALL = qw(C A D G F B E);
@ALL = sort { ticket_row($env, $T{$a})->{due_at}
              cmp ticket_row($env, $T{$b})->{due_at} } @ALL;
is "@ALL", 'C A D G F B E', 'fixture: the order by due time';

# all=1 unless the query says otherwise: C is replied, and without it the
# worklist holds only what still waits on the court (checked with all=0)
sub wl {
    my ($who, $query) = @_;
    $query //= '';
    $query .= ($query =~ /\?/ ? '&' : '?') . 'all=1' unless $query =~ /all=/;
    return $env->req(GET => '/api/v1/staff/tickets' . $query,
        token => tok($env, $who));
}

# the names of the tickets in a worklist answer, in order
sub names {
    my ($r) = @_;
    my %by_no = reverse %T;
    return join ' ', map { $by_no{ $_->{ticket_no} } // '?' }
        @{ ($r->json // {})->{items} || [] };
}

sub check {
    my ($who, $query, $want, $name) = @_;
    my $r = wl($who, $query);
    my @want = grep { length } split / /, $want;
    subtest "$who " . ($query // '') . ": $name" => sub {
        is $r->status, 200, 'status 200' or diag($r->summary), return;
        is names($r), $want, "items: $want";
        is $r->json->{total}, scalar @want, 'total ' . scalar @want;
    };
}

# scope (all=1: the finished ones too)
check($_, '?all=1', 'C A D G F B E', 'sees everything')
    for qw(platform filing president);
check($_, '?all=1', 'C A F B', 'the civil division')
    for qw(vp cstaff liaison leader);
check($_, '?all=1', 'D G', 'the criminal division')
    for qw(vp2 estaff liaison2 leader2);
check(judge1 => '?all=1', 'C B', 'own work orders');
check(judge1b => '?all=1', 'F', 'own work orders');
check(judge2 => '?all=1', 'D', 'own work orders');

# by default, only what still waits on the court (C is replied)
check(platform => '?all=0', 'A D G F B E', 'default: open ones only');
check(judge1 => '?all=0', 'B', 'default: own open work orders');
{
    my $r = wl('admin');
    is $r->status, 403, 'sys_admin has no worklist';
    is $r->error_code, 'forbidden', '... forbidden';
    $r = $env->req(GET => '/api/v1/staff/tickets');
    is $r->status, 401, 'no token: 401';
}

# filters
check(platform => '?status=dispatched', 'D B', 'status=dispatched');
check(platform => '?status=replied', 'C', 'status=replied');
check(platform => '?status=closed', '', 'status=closed: none');
check(platform => '?track=simple', 'G E', 'track=simple');
check(platform => '?track=ordinary&all=1', 'C A D F B', 'track=ordinary');
check(platform => '?overdue=1', 'A D',
    'overdue=1: past due and waiting on the court (not C, replied)');
check(leader => '?overdue=1', 'A', 'overdue in the civil division');
check(platform => '?escalated=1', 'D B', 'escalated=1');
check(vp => '?escalated=1', 'B', 'escalated in the civil division');
check(vp2 => '?escalated=1', 'D', 'escalated in the criminal division');
check(judge1 => '?mine=1&all=1', 'C B', 'mine=1');
check(judge1b => '?mine=1', 'F', 'mine=1');
check(platform => '?mine=1', '', 'mine=1: nothing assigned to the platform');
check(leader => '?mine=1', '', 'mine=1: nothing assigned to the leader');
check(platform => '?status=dispatched&overdue=1&escalated=1', 'D',
    'filters combine');
check(platform => '?track=ordinary&status=registered', 'A', 'track+status');
check(judge1 => '?status=replied', 'C', 'filter within the scope');
check(platform => '?overdue=0&escalated=0&mine=0&all=1', 'C A D G F B E',
    'flags other than 1 do not filter');

subtest 'item fields' => sub {
    my $r = wl(platform => '?escalated=1');
    my ($b) = grep { $_->{ticket_no} eq $T{B} } @{ $r->json->{items} };
    my ($d) = grep { $_->{ticket_no} eq $T{D} } @{ $r->json->{items} };
    my $row = ticket_row($env, $T{B});
    is $b->{channel}, 'web', 'channel';
    is $b->{category}, 'complaint', 'category';
    is $b->{track}, 'ordinary', 'track';
    is $b->{status}, 'dispatched', 'status';
    is $b->{case_no}, CIVIL_CASE, 'case_no';
    is $b->{summary}, substr($long, 0, 60), 'summary: the first 60 characters';
    is $b->{due_at}, '2099-01-01T09:30:00+08:00', 'due_at RFC 3339';
    (my $created = $row->{created_at}) =~ s/ /T/;
    is $b->{created_at}, "$created+08:00", 'created_at as stored';
    is $b->{escalation_level}, 2, 'escalation_level 2';
    ok !$b->{overdue}, 'not overdue (due 2099)';
    ok $d->{overdue}, 'D overdue (due 2021)';
    is $d->{escalation_level}, 1, 'D escalation_level 1';
    is_deeply $b->{department}, { id => dept_id($env, 'civil'),
        name => '民事审判庭' }, 'department {id, name}';
    is_deeply $b->{assignee}, { id => sid($env, 'judge1'), name => '李建国' },
        'assignee {id, name}';
    my ($e) = grep { $_->{ticket_no} eq $T{E} }
        @{ wl(platform => '?track=simple')->json->{items} };
    is $e->{department}, undef, 'no department: null';
    is $e->{assignee}, undef, 'no assignee: null';
    is $e->{case_no}, undef, 'no case: null';
    my %overdue = map { $_->{ticket_no} => $_->{overdue} ? 1 : 0 }
        @{ wl('platform')->json->{items} };
    is join('', map { $overdue{ $T{$_} } } qw(C A D G F B E)), '0110000',
        'overdue flags: only A and D';
};

subtest 'paging' => sub {
    my @seen;
    for my $page (1 .. 4) {
        my $r = wl(platform => "?per_page=2&page=$page");
        is $r->status, 200, "page $page: 200";
        is $r->json->{total}, 7, "page $page: total 7";
        push @seen, names($r);
    }
    is_deeply \@seen, [ 'C A', 'D G', 'F B', 'E' ],
        'four pages of two, in due order';
    my $r = wl(platform => '?per_page=2&page=5');
    is_deeply $r->json, { total => 7, items => [] }, 'past the end: no items';
    $r = wl(platform => '?per_page=100');
    is scalar @{ $r->json->{items} }, 7, 'per_page=100 is allowed';
    $r = wl(platform => '?per_page=1&page=7');
    is names($r), 'E', 'per_page=1, page 7';
    $r = wl(leader => '?per_page=3&page=2');
    is names($r), 'B', 'paging within the scope';
    is $r->json->{total}, 4, '... total of the scope';
    $r = wl('platform');
    is scalar @{ $r->json->{items} }, 7, 'default page size 20';
};

subtest 'bad queries: 400 naming the parameter' => sub {
    for my $b ([ 'per_page=101' => 'per_page' ], [ 'per_page=0' => 'per_page' ],
               [ 'per_page=abc' => 'per_page' ], [ 'per_page=-1' => 'per_page' ],
               [ 'page=0' => 'page' ], [ 'page=x' => 'page' ],
               [ 'status=open' => 'status' ], [ 'status=' => 'status' ],
               [ 'track=fast' => 'track' ]) {
        my $r = wl(platform => "?$b->[0]");
        is $r->status, 400, "$b->[0]: 400";
        is $r->error_code, 'invalid_argument', '... invalid_argument';
        is $r->error_field, $b->[1], "... field $b->[1]";
    }
};

subtest 'a big department: the page is bounded and sorted' => sub {
    # 150 more civil tickets straight into the table
    my $dept = dept_id($env, 'civil');
    my @v;
    for my $i (1 .. 150) {
        push @v, sprintf("('W%06d', 'AAAAAAAAAA', 'web', 'complaint', "
            . "'ordinary', 'registered', '批量 %d', %d, "
            . "'2026-01-05 09:00:00', '2050-01-01 %02d:%02d:00', "
            . "'2026-01-05 09:00:00')", $i, $i, $dept, int($i / 60),
            $i % 60);
    }
    $env->sql('INSERT INTO tickets (ticket_no, query_code, channel, '
        . 'category, track, status, content, department_id, created_at, '
        . 'due_at, updated_at) VALUES ' . join(',', @v));
    my $r = wl(leader => '?per_page=100&page=1');
    is $r->json->{total}, 154, 'total 154 for the civil leader';
    is scalar @{ $r->json->{items} }, 100, 'a page of 100';
    my @due = map { $_->{due_at} } @{ $r->json->{items} };
    is_deeply \@due, [ sort @due ], 'sorted by due time';
    $r = wl(leader => '?per_page=100&page=2');
    is scalar @{ $r->json->{items} }, 54, 'the rest on page 2';
    is wl(judge1 => '')->json->{total}, 2, 'judge1 still sees only two';
    is wl(vp2 => '')->json->{total}, 2, 'vp2 still sees only two';
};

done_testing;
