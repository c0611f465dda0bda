#!/usr/bin/perl
# Dispatch (A5): to the case's judge by default, to a person (their
# department follows) or a department; a department's leader and liaison
# re-assign only within it.  Transfer (A17): audited with its reason, the
# first handler stays on record.

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
my ($civil, $criminal) = (dept_id($env, 'civil'), dept_id($env, 'criminal'));

subtest 'dispatch without a target goes to the case judge' => sub {
    for my $c ([ civil => 'judge1', $civil ], [ criminal => 'judge2', $criminal ]) {
        my ($case, $judge, $dept) = @$c;
        my $t = new_ticket($env, case => $case, category => 'contact_judge');
        my $row = ticket_row($env, $t->{ticket_no});
        ok defined $row->{case_id}, "$case: the ticket is linked to the case";
        is $row->{department_id}, $dept,
            "$case: registered in the case's department";
        my $r = act($env, 'platform', $t->{ticket_no}, dispatch =>
            { note => '请承办法官联系当事人' });
        is $r->status, 200, "$case: 200" or diag $r->summary;
        $row = ticket_row($env, $t->{ticket_no});
        is $row->{assignee_staff_id}, sid($env, $judge),
            "$case: assigned to $judge (cases.judge_staff_id)";
        is $row->{department_id}, $dept, "$case: in $judge\'s department";
        is $row->{dispatched_at}, $row->{updated_at},
            "$case: dispatched_at recorded";
        my $e = ticket_events($env, $t->{ticket_no})->[-1];
        is $e->{note}, '请承办法官联系当事人', "$case: the note is on the event";
        my $wl = $env->req(GET => '/api/v1/staff/tickets?mine=1',
            token => tok($env, $judge))->json;
        ok +(grep { $_->{ticket_no} eq $t->{ticket_no} } @{ $wl->{items} }),
            "$case: in $judge\'s worklist (mine=1)";
    }
};

subtest 'no target and no case judge: 400 naming assignee' => sub {
    for my $case (undef, 'nojudge', '（2026）粤0115民初999号') {
        my $no = new_ticket($env, (defined $case ? (case => $case) : ()))
            ->{ticket_no};
        my $r = act($env, 'platform', $no, dispatch => {});
        my $what = $case // 'no case';
        is $r->status, 400, "$what: 400" or diag $r->summary;
        is $r->error_field, 'assignee', "$what: field assignee";
        is ticket_row($env, $no)->{status}, 'registered',
            "$what: still registered";
    }
};

subtest 'dispatch to a person or a department' => sub {
    my $no = new_ticket($env, case => 'civil')->{ticket_no};
    my $r = act($env, 'platform', $no, dispatch =>
        { assignee => sid($env, 'judge2'), department => $civil });
    is $r->status, 200, 'to judge2 (a civil department given too)';
    my $row = ticket_row($env, $no);
    is $row->{assignee_staff_id}, sid($env, 'judge2'), 'judge2 assigned';
    is $row->{department_id}, $criminal,
        'the department follows the assignee';

    $no = new_ticket($env, case => 'civil')->{ticket_no};
    $r = act($env, 'filing', $no, dispatch => { department => $criminal });
    is $r->status, 200, 'to the criminal division';
    $row = ticket_row($env, $no);
    is $row->{department_id}, $criminal, 'department criminal';
    is $row->{assignee_staff_id}, undef, 'nobody assigned';
    $r = act($env, 'estaff', $no, accept => undef);
    is $r->status, 200, 'a department\'s staff accept what is sent to it';
    is ticket_row($env, $no)->{assignee_staff_id}, sid($env, 'estaff'),
        '... and become the assignee';

    for my $bad (
        [ 'an inactive judge' => { assignee => sid($env, 'retired') },
          'assignee' ],
        [ 'platform staff' => { assignee => sid($env, 'platform') },
          'assignee' ],
        [ 'a vice president' => { assignee => sid($env, 'vp') }, 'assignee' ],
        [ 'an unknown person' => { assignee => 999999 }, 'assignee' ],
        [ 'an unknown department' => { department => 999999 },
          'department' ],
    ) {
        my $n = new_ticket($env, case => 'civil')->{ticket_no};
        $r = act($env, 'platform', $n, dispatch => $bad->[1]);
        is $r->status, 400, "to $bad->[0]: 400" or diag $r->summary;
        is $r->error_field, $bad->[2], "... field $bad->[2]";
        is ticket_row($env, $n)->{status}, 'registered', '... not dispatched';
    }
};

subtest 'leader and liaison re-assign only within their department' => sub {
    for my $who (qw(liaison leader)) {
        my $no = new_ticket($env, case => 'civil')->{ticket_no};
        drive($env, $no, [ platform => dispatch => {} ]);
        my $r = act($env, $who, $no, dispatch =>
            { assignee => sid($env, 'judge1b') });
        is $r->status, 200, "$who: to judge1b (same department)"
            or diag $r->summary;
        is ticket_row($env, $no)->{assignee_staff_id}, sid($env, 'judge1b'),
            "$who: ... judge1b assigned";
        my $r2 = staff_get($env, 'judge1', $no);
        is $r2->status, 404, "$who: judge1 no longer sees it";
        is staff_get($env, 'judge1b', $no)->status, 200,
            "$who: judge1b does";

        my $before = ticket_row($env, $no);
        for my $bad ([ 'the criminal division' => { department => $criminal } ],
                     [ 'judge2 (criminal)' => { assignee => sid($env, 'judge2') } ]) {
            $r = act($env, $who, $no, dispatch => $bad->[1]);
            is $r->status, 403, "$who: to $bad->[0]: 403" or diag $r->summary;
            is $r->error_code, 'forbidden', '... forbidden';
        }
        is ticket_row($env, $no)->{updated_at}, $before->{updated_at},
            "$who: nothing changed";

        # a registered request is the platform's to dispatch
        my $reg = new_ticket($env, case => 'civil')->{ticket_no};
        $r = act($env, $who, $reg, dispatch => { assignee => sid($env, 'judge1') });
        is $r->status, 403, "$who: cannot dispatch a registered request";

        # nor anything of another department (not even visible)
        my $other = new_ticket($env, case => 'criminal')->{ticket_no};
        drive($env, $other, [ platform => dispatch => {} ]);
        $r = act($env, $who, $other, dispatch => { assignee => sid($env, 'judge1') });
        is $r->status, 404, "$who: another department's work order: 404";
        is ticket_row($env, $other)->{assignee_staff_id}, sid($env, 'judge2'),
            "$who: ... untouched";
    }
    # the criminal liaison cannot pull a civil work order into criminal
    my $no = new_ticket($env, case => 'civil')->{ticket_no};
    drive($env, $no, [ platform => dispatch => {} ]);
    my $r = act($env, 'liaison2', $no, dispatch => { assignee => sid($env, 'judge2') });
    is $r->status, 404, 'liaison2 on a civil work order: 404';
};

subtest 'transfer keeps the first handler (A17)' => sub {
    my $t = new_ticket($env, case => 'civil', category => 'contact_judge');
    my $no = $t->{ticket_no};
    drive($env, $no, [ platform => dispatch => {} ],
        [ judge1 => accept => undef ]);
    my $row = ticket_row($env, $no);
    is $row->{first_handler_staff_id}, sid($env, 'judge1'),
        'judge1 accepted first: first handler';
    my $accepted = $row->{accepted_at};
    ok defined $accepted, 'accepted_at recorded';

    my $r = act($env, 'judge1', $no, transfer =>
        { department => $criminal, reason => '涉及刑事附带民事，转刑庭。' });
    is $r->status, 200, 'judge1 transfers to the criminal division'
        or diag $r->summary;
    is $r->json->{status}, 'dispatched', '... dispatched again';
    $row = ticket_row($env, $no);
    is $row->{department_id}, $criminal, 'now criminal';
    is $row->{assignee_staff_id}, undef, 'unassigned';
    is $row->{first_handler_staff_id}, sid($env, 'judge1'),
        'first handler still judge1';
    is $row->{accepted_at}, $accepted, 'accepted_at unchanged';
    my $e = ticket_events($env, $no)->[-1];
    is_deeply [ @$e{qw(type status_from status_to note public actor_id)} ],
        [ 'transferred', 'accepted', 'dispatched', '涉及刑事附带民事，转刑庭。',
          1, sid($env, 'judge1') ], 'the transfer is audited with its reason';
    is staff_get($env, 'judge1', $no)->status, 404,
        'judge1 no longer sees it';
    is staff_get($env, 'leader2', $no)->status, 200, 'leader2 does';

    drive($env, $no, [ leader2 => dispatch => { assignee => sid($env, 'judge2') } ],
        [ judge2 => accept => undef ]);
    $row = ticket_row($env, $no);
    is $row->{first_handler_staff_id}, sid($env, 'judge1'),
        'judge2 accepting does not change the first handler';
    is $row->{accepted_at}, $accepted, 'accepted_at is the first acceptance';

    $r = act($env, 'judge2', $no, transfer =>
        { assignee => sid($env, 'judge1b'), reason => '民事部分由民庭答复' });
    is $r->status, 200, 'transfer to a person';
    $row = ticket_row($env, $no);
    is_deeply [ @$row{qw(department_id assignee_staff_id first_handler_staff_id)} ],
        [ $civil, sid($env, 'judge1b'), sid($env, 'judge1') ],
        'to judge1b in civil; first handler judge1';
    drive($env, $no, [ judge1b => accept => undef ],
        [ judge1b => reply => { content => '已答复。' } ]);
    $row = ticket_row($env, $no);
    is $row->{status}, 'replied', 'replied by judge1b';
    is $row->{first_handler_staff_id}, sid($env, 'judge1'),
        'first handler still judge1 after the reply';

    # what the litigant sees of a transfer: that it happened, not why
    $r = $env->req(GET => "/api/v1/tickets/$no?query_code=$t->{query_code}");
    my @tr = grep { $_->{type} eq 'transferred' } @{ $r->json->{timeline} };
    is scalar @tr, 2, 'the litigant sees both transfers';
    is_deeply [ map { $_->{note} } @tr ], [ undef, undef ],
        '... without the reasons';
    unlike $r->body, qr/转刑庭|民庭答复/, 'no reason text in the public view';
};

subtest 'a reply without acceptance: the replier is the first handler' => sub {
    my $no = new_ticket($env, case => 'civil')->{ticket_no};
    # a simple request answered by the platform
    my $s = new_ticket($env, category => 'consultation')->{ticket_no};
    drive($env, $s, [ filing => reply => { content => '可网上缴费。' } ]);
    is ticket_row($env, $s)->{first_handler_staff_id}, sid($env, 'filing'),
        'simple track: the answerer is the first handler';
    drive($env, $no, [ platform => dispatch => {} ],
        [ liaison => accept => undef ],
        [ judge1 => reply => { content => '已答复' } ]);
    is ticket_row($env, $no)->{first_handler_staff_id}, sid($env, 'liaison'),
        'the liaison accepted for the department: first handler';
};

subtest 'who may transfer' => sub {
    my $no = new_ticket($env, case => 'civil')->{ticket_no};
    drive($env, $no, [ platform => dispatch => { department => $civil } ]);
    my $r = act($env, 'cstaff', $no, transfer =>
        { department => $criminal, reason => '转' });
    is $r->status, 403, 'plain department staff cannot transfer';
    $r = act($env, 'platform', $no, transfer =>
        { department => $criminal, reason => '平台转办' });
    is $r->status, 200, 'the platform can';
    $r = act($env, 'liaison', $no, transfer =>
        { department => $civil, reason => '转回' });
    is $r->status, 404, 'once transferred away the civil liaison cannot see it';
    $r = act($env, 'liaison2', $no, transfer =>
        { department => $civil, reason => '非刑事，转回民庭' });
    is $r->status, 200, 'the criminal liaison may transfer it out again';
    is ticket_row($env, $no)->{department_id}, $civil, 'back in civil';
};

done_testing;
