#!/usr/bin/perl
# Every role x every staff action, in and out of scope: who gets 200, who
# 403 (the role may not, or is not the receiver), who 404 (out of scope:
# answered like an unknown ticket).  A refusal changes nothing.

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

my @WHO = qw(platform filing judge1 judge1b cstaff liaison leader judge2
    estaff liaison2 leader2 vp vp2 president admin);

# ticket factories: each returns a fresh ticket_no in the named state,
# all in the civil department (through the civil case, judge judge1)
my %MAKE = (
    registered_ordinary => sub {
        new_ticket($env, case => 'civil')->{ticket_no};
    },
    registered_simple => sub {
        new_ticket($env, case => 'civil', category => 'case_query')
            ->{ticket_no};
    },
    dispatched_judge1 => sub {
        my $no = new_ticket($env, case => 'civil')->{ticket_no};
        drive($env, $no, [ platform => dispatch => {} ]);
        return $no;
    },
    dispatched_dept => sub {
        my $no = new_ticket($env, case => 'civil')->{ticket_no};
        drive($env, $no,
            [ platform => dispatch => { department => dept_id($env, 'civil') } ]);
        return $no;
    },
    accepted_judge1 => sub {
        my $no = new_ticket($env, case => 'civil')->{ticket_no};
        drive($env, $no, [ platform => dispatch => {} ],
            [ judge1 => accept => undef ]);
        return $no;
    },
    replied_judge1 => sub {
        my $no = new_ticket($env, case => 'civil')->{ticket_no};
        drive($env, $no, [ platform => dispatch => {} ],
            [ judge1 => accept => undef ],
            [ judge1 => reply => { content => '已电话联系当事人。' } ]);
        return $no;
    },
);

# expected status per person, in @WHO order
my @SCENARIOS = (
    { name => 'triage a registered request', state => 'registered_ordinary',
      action => 'triage',
      body => { track => 'simple', category => 'consultation' },
      after => 'registered',
      expect => [qw(200 200 403 403 403 403 403 403 403 403 403 403 403 403 403)] },
    { name => 'answer a simple-track request', state => 'registered_simple',
      action => 'reply', body => { content => '立案材料清单见诉讼服务网。' },
      after => 'answered',
      expect => [qw(200 200 404 404 403 403 403 404 404 404 404 403 403 403 403)] },
    { name => 'reply to an accepted work order', state => 'accepted_judge1',
      action => 'reply', body => { content => '合议庭将于下周开庭。' },
      after => 'replied',
      expect => [qw(403 403 200 404 403 200 200 404 404 404 404 403 403 403 403)] },
    { name => 'dispatch a registered request (to the case judge)',
      state => 'registered_ordinary', action => 'dispatch', body => {},
      after => 'dispatched',
      expect => [qw(200 200 403 403 403 403 403 403 403 404 404 403 403 403 403)] },
    { name => 're-assign a work order within the department',
      state => 'dispatched_judge1', action => 'dispatch',
      body => sub { { assignee => sid($env, 'judge1b') } },
      after => 'dispatched',
      expect => [qw(200 200 403 403 403 200 200 403 403 404 404 403 403 403 403)] },
    { name => 'accept a work order assigned to judge1',
      state => 'dispatched_judge1', action => 'accept', body => undef,
      after => 'accepted',
      expect => [qw(403 403 200 404 403 200 200 404 404 404 404 403 403 403 403)] },
    { name => 'accept a work order sent to the department',
      state => 'dispatched_dept', action => 'accept', body => undef,
      after => 'accepted',
      expect => [qw(403 403 404 404 200 200 200 404 404 404 404 403 403 403 403)] },
    { name => 'return a work order', state => 'dispatched_judge1',
      action => 'return', body => { reason => '非本庭案件，请重新分派。' },
      after => 'registered',
      expect => [qw(403 403 200 404 403 200 200 404 404 404 404 403 403 403 403)] },
    { name => 'close a replied work order', state => 'replied_judge1',
      action => 'close', body => undef, after => 'closed',
      expect => [qw(200 200 200 404 403 200 200 404 404 404 404 403 403 403 403)] },
    { name => 'transfer a work order to another department',
      state => 'dispatched_judge1', action => 'transfer',
      body => sub { { department => dept_id($env, 'criminal'),
                      reason => '涉及刑事部分，转刑事审判庭。' } },
      after => 'dispatched',
      expect => [qw(200 200 200 404 403 200 200 404 403 404 404 403 403 403 403)] },
    { name => 'add an internal note', state => 'dispatched_judge1',
      action => 'notes', body => { content => '内部备注：当事人情绪激动。' },
      after => 'dispatched',
      expect => [qw(200 200 200 404 200 200 200 404 404 404 404 200 404 200 403)] },
);

sub snapshot {
    my ($no) = @_;
    my $t = ticket_row($env, $no);
    return join '|', map { $_ // '' } @$t{qw(status track category
        department_id assignee_staff_id first_handler_staff_id updated_at
        accepted_at dispatched_at replied_at closed_at)},
        scalar @{ ticket_events($env, $no) };
}

for my $sc (@SCENARIOS) {
    subtest $sc->{name} => sub {
        my $refused = $MAKE{ $sc->{state} }->();
        my $before = snapshot($refused);
        for my $i (0 .. $#WHO) {
            my $who = $WHO[$i];
            my $want = $sc->{expect}[$i];
            my $body = ref $sc->{body} eq 'CODE' ? $sc->{body}->()
                                                  : $sc->{body};
            my $no = $want == 200 ? $MAKE{ $sc->{state} }->() : $refused;
            my $r = act($env, $who, $no, $sc->{action}, $body);
            is $r->status, $want, "$who ($S->{$who}{role}): $want"
                or diag $r->summary;
            if ($want == 200) {
                is +($r->json // {})->{status}, $sc->{after},
                    "$who: ... status $sc->{after}";
                is ticket_row($env, $no)->{status}, $sc->{after},
                    "$who: ... stored";
            } else {
                is $r->error_code, $want == 403 ? 'forbidden' : 'not_found',
                    "$who: ... code";
            }
        }
        is snapshot($refused), $before,
            'the refusals changed nothing (row and timeline)';
    };
}

# reading a ticket (GET /tickets/{no} with a staff token) follows the same
# scope; sys_admin sees no tickets (docs/api.md, Staff work)
subtest 'read scope of GET /tickets/{no}' => sub {
    my $no = $MAKE{dispatched_judge1}->();
    my @want = qw(200 200 200 404 200 200 200 404 404 404 404 200 404 200 404);
    for my $i (0 .. $#WHO) {
        my $r = staff_get($env, $WHO[$i], $no);
        is $r->status, $want[$i], "$WHO[$i]: $want[$i]" or diag $r->summary;
        if ($want[$i] == 200) {
            is $r->json->{contact}{phone}, '13800138000',
                "$WHO[$i]: staff in scope see the whole phone number";
        }
    }
};

# without a token every staff endpoint is 401; a forged/unknown session too
subtest 'no token, bad token' => sub {
    my $no = $MAKE{dispatched_judge1}->();
    my $bad = $env->forge_token(sid => 'a' x 32);
    for my $action (qw(triage reply dispatch accept return close transfer
                       notes)) {
        my $r = $env->req(POST => "/api/v1/staff/tickets/$no/$action",
            body => {});
        is $r->status, 401, "$action without a token: 401";
        is $r->error_code, 'unauthenticated', '... unauthenticated';
        $r = $env->req(POST => "/api/v1/staff/tickets/$no/$action",
            body => {}, token => $bad);
        is $r->status, 401, "$action with an unknown session: 401";
    }
    for my $path (qw(/api/v1/staff/tickets /api/v1/staff/departments
                     /api/v1/staff/accounts /api/v1/staff/canned-answers)) {
        my $r = $env->req(GET => $path);
        is $r->status, 401, "GET $path without a token: 401";
    }
    my $r = $env->req(GET => "/api/v1/tickets/$no");
    is $r->status, 404, 'GET the ticket without token or code: 404';
};

# the worklist: everyone but sys_admin has one
subtest 'worklist per role' => sub {
    for my $who (@WHO) {
        my $r = $env->req(GET => '/api/v1/staff/tickets',
            token => tok($env, $who));
        my $want = $who eq 'admin' ? 403 : 200;
        is $r->status, $want, "$who: worklist $want" or diag $r->summary;
    }
};

done_testing;
