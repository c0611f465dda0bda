#!/usr/bin/perl
# The ticket state machine through the staff actions: every action from
# every status of both tracks.  A legal one moves the ticket, writes one
# timeline event (from, to, actor, note, public) and the KPI times; an
# illegal one is 409 naming the current status and the allowed actions,
# and changes nothing.

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

my @ACTIONS = qw(triage reply dispatch accept return close transfer notes);

# the contract (docs/api.md): action => track => [ from statuses ]
my %LEGAL = (
    triage   => { simple => [qw(registered reopened)],
                  ordinary => [qw(registered reopened)] },
    reply    => { simple => [qw(registered reopened)],
                  ordinary => [qw(accepted reopened)] },
    dispatch => { simple => [], ordinary => [qw(registered reopened dispatched)] },
    accept   => { simple => [qw(dispatched)], ordinary => [qw(dispatched)] },
    return   => { simple => [qw(dispatched)], ordinary => [qw(dispatched)] },
    close    => { simple => [qw(answered replied)],
                  ordinary => [qw(answered replied)] },
    transfer => { simple => [qw(dispatched accepted)],
                  ordinary => [qw(dispatched accepted)] },
    notes    => { simple => [qw(registered answered closed reopened)],
                  ordinary => [qw(registered dispatched accepted replied
                                  closed reopened)] },
);

sub legal {
    my ($action, $track, $status) = @_;
    return scalar grep { $_ eq $status } @{ $LEGAL{$action}{$track} };
}

# the names in the 409 message (the note action is called "note" there)
sub allowed_list {
    my ($track, $status) = @_;
    return join ', ', map { $_ eq 'notes' ? 'note' : $_ }
        grep { legal($_, $track, $status) } @ACTIONS;
}

my %NEXT = (triage => undef, reply => undef, dispatch => 'dispatched',
    accept => 'accepted', return => 'registered', close => 'closed',
    transfer => 'dispatched', notes => undef);
my %EVENT = (triage => 'triaged', dispatch => 'dispatched',
    accept => 'accepted', return => 'returned', close => 'closed',
    transfer => 'transferred', notes => 'note');
my %PUBLIC = (triaged => 0, returned => 0, note => 0);

# who tries each action: someone in scope who may take it at all, so only
# the state decides (all tickets are in the civil department)
sub actor {
    my ($action, $track) = @_;
    return 'leader' if $action =~ /^(?:accept|return)$/;
    return 'leader' if $action eq 'reply' && $track eq 'ordinary';
    return 'platform';
}

sub body_for {
    my ($action, $track) = @_;
    return {
        triage   => { track => $track, category => 'other',
                      note => '分流：其他事项' },
        reply    => { content => "答复：$track 诉求已处理。" },
        dispatch => {},
        accept   => undef,
        return   => { reason => '退回：非本部门事项' },
        close    => undef,
        transfer => { department => dept_id($env, 'criminal'),
                      reason => '转办：刑事部分' },
        notes    => { content => '内部备注：已核实' },
    }->{$action};
}

sub reopen {
    my ($no) = @_;
    $env->sql("UPDATE tickets SET status = 'reopened', closed_at = NULL "
        . 'WHERE ticket_no = ?', $no);
}

# a fresh ticket of the track in the status (civil case, judge judge1)
sub make {
    my ($track, $status) = @_;
    my $no = new_ticket($env, case => 'civil',
        category => $track eq 'simple' ? 'case_query' : 'complaint')
        ->{ticket_no};
    my @s;
    if ($track eq 'simple') {
        @s = ([ platform => reply => { content => '已答复' } ])
            if $status eq 'answered';
        @s = ([ platform => reply => { content => '已答复', close => \1 } ])
            if $status =~ /^(?:closed|reopened)$/;
    } else {
        my @path = ([ platform => dispatch => {} ],
                    [ judge1 => accept => undef ],
                    [ judge1 => reply => { content => '已答复' } ],
                    [ judge1 => close => undef ]);
        my %n = (registered => 0, dispatched => 1, accepted => 2,
                 replied => 3, closed => 4, reopened => 4);
        @s = @path[0 .. $n{$status} - 1];
    }
    drive($env, $no, @s);
    reopen($no) if $status eq 'reopened';
    my $t = ticket_row($env, $no);
    die "make $track/$status: got $t->{status}" unless $t->{status} eq $status;
    return $no;
}

sub snapshot {
    my ($no) = @_;
    my $t = ticket_row($env, $no);
    return join '|', map { $_ // '' } @$t{qw(status track category
        department_id assignee_staff_id first_handler_staff_id updated_at
        accepted_at dispatched_at replied_at closed_at)},
        scalar @{ ticket_events($env, $no) };
}

my %STATUSES = (simple => [qw(registered answered closed reopened)],
    ordinary => [qw(registered dispatched accepted replied closed reopened)]);

my ($n_legal, $n_illegal) = (0, 0);
for my $track (qw(simple ordinary)) {
    for my $status (@{ $STATUSES{$track} }) {
        for my $action (@ACTIONS) {
            my $no = make($track, $status);
            my $who = actor($action, $track);
            my $body = body_for($action, $track);
            my $name = "$track/$status: $who $action";
            if (!legal($action, $track, $status)) {
                $n_illegal++;
                subtest "$name is refused (409)" => sub {
                    my $before = snapshot($no);
                    my $r = act($env, $who, $no, $action, $body);
                    is $r->status, 409, 'status 409' or diag $r->summary;
                    is $r->error_code, 'conflict', 'conflict';
                    my $allowed = allowed_list($track, $status);
                    is $r->error_message,
                        "当前状态（$status）不能进行此操作；可进行：$allowed",
                        "message names the status and: $allowed";
                    is snapshot($no), $before, 'nothing changed';
                };
                next;
            }
            $n_legal++;
            subtest "$name is allowed" => sub {
                my $before = ticket_row($env, $no);
                my $nev = @{ ticket_events($env, $no) };
                my $r = act($env, $who, $no, $action, $body);
                is $r->status, 200, 'status 200' or diag($r->summary), return;
                my $next = $NEXT{$action}
                    // ($action eq 'reply'
                        ? ($track eq 'simple' ? 'answered' : 'replied')
                        : $status);
                is_deeply $r->json, { ticket_no => $no, status => $next,
                    track => $track }, "answer: status $next";
                my $t = ticket_row($env, $no);
                is $t->{status}, $next, "stored status $next";
                my @ev = @{ ticket_events($env, $no) };
                is scalar @ev, $nev + 1, 'one timeline event more';
                my $e = $ev[-1];
                my $type = $EVENT{$action}
                    // ($track eq 'simple' ? 'answered' : 'replied');
                is $e->{type}, $type, "event $type";
                is $e->{status_from}, $status, "event from $status";
                is $e->{status_to}, $next, "event to $next";
                is $e->{actor_kind}, 'staff', 'actor_kind staff';
                is $e->{actor_id}, sid($env, $who), "actor $who";
                is $e->{public}, $PUBLIC{$type} // 1,
                    'public: ' . ($PUBLIC{$type} // 1);
                my $text = $body && ($body->{content} // $body->{reason}
                    // $body->{note});
                is $e->{note}, $text, 'event note is the text given';
                is $t->{updated_at}, $e->{created_at},
                    'updated_at = the event time';
                ok $t->{updated_at} ge $before->{updated_at},
                    'updated_at did not go back';
                if ($action eq 'dispatch' || $action eq 'transfer') {
                    is $t->{dispatched_at}, $before->{dispatched_at}
                        // $e->{created_at},
                        'dispatched_at: the first dispatch';
                }
                if ($action eq 'dispatch') {
                    is $t->{assignee_staff_id}, sid($env, 'judge1'),
                        'no target: the case judge';
                    is $t->{department_id}, dept_id($env, 'civil'),
                        '... and the judge\'s department';
                }
                if ($action eq 'transfer') {
                    is $t->{department_id}, dept_id($env, 'criminal'),
                        'transferred to the criminal division';
                    is $t->{assignee_staff_id}, undef, 'nobody assigned yet';
                }
                if ($action eq 'accept') {
                    is $t->{accepted_at}, $e->{created_at},
                        'accepted_at = the event time';
                    is $t->{first_handler_staff_id}, sid($env, 'leader'),
                        'the first to accept is the first handler';
                    is $t->{assignee_staff_id}, sid($env, 'judge1'),
                        'the assignee stays';
                }
                if ($action eq 'reply') {
                    is $t->{replied_at}, $before->{replied_at}
                        // $e->{created_at}, 'replied_at: the first reply';
                    ok defined $t->{first_handler_staff_id},
                        'a first handler is on record';
                }
                if ($action eq 'return') {
                    is $t->{department_id}, undef, 'back to the platform';
                    is $t->{assignee_staff_id}, undef, '... unassigned';
                }
                if ($action eq 'close') {
                    is $t->{closed_at}, $e->{created_at},
                        'closed_at = the event time';
                } elsif ($next ne 'closed') {
                    is $t->{closed_at}, undef, 'closed_at empty';
                }
                if ($action eq 'triage') {
                    is $t->{category}, 'other', 'category re-classified';
                }
            };
        }
    }
}
note "$n_legal legal and $n_illegal illegal transitions";
is $n_legal + $n_illegal, 80, '10 statuses x 8 actions';

# a whole ordinary life: registered -> dispatched -> accepted -> replied
# -> closed, with the times in order on the ticket's own clock
subtest 'ordinary track from registration to close' => sub {
    my $t0 = new_ticket($env, case => 'civil');
    my $no = $t0->{ticket_no};
    drive($env, $no, [ platform => dispatch => {} ],
        [ judge1 => accept => { note => '已受理' } ],
        [ judge1 => reply => { content => '已联系当事人，定于周五谈话。' } ],
        [ platform => close => { note => '回访满意' } ]);
    my $t = ticket_row($env, $no);
    is $t->{status}, 'closed', 'closed';
    ok $t->{created_at} le $t->{dispatched_at}, 'created <= dispatched';
    ok $t->{dispatched_at} le $t->{accepted_at}, 'dispatched <= accepted';
    ok $t->{accepted_at} le $t->{replied_at}, 'accepted <= replied';
    ok $t->{replied_at} le $t->{closed_at}, 'replied <= closed';
    is $t->{first_handler_staff_id}, sid($env, 'judge1'),
        'judge1 is the first handler';
    is_deeply [ map { $_->{type} } @{ ticket_events($env, $no) } ],
        [qw(registered dispatched accepted replied closed)], 'the timeline';
};

subtest 'reply with close:true finishes at once' => sub {
    my $no = new_ticket($env, case => 'civil')->{ticket_no};
    drive($env, $no, [ platform => dispatch => {} ],
        [ judge1 => accept => undef ]);
    my $r = act($env, 'judge1', $no, reply =>
        { content => '已办结。', close => \1 });
    is $r->status, 200, 'status 200' or diag $r->summary;
    is $r->json->{status}, 'closed', 'closed';
    my $t = ticket_row($env, $no);
    ok defined $t->{replied_at} && defined $t->{closed_at},
        'replied_at and closed_at';
    is $t->{replied_at}, $t->{closed_at}, 'at the same moment';
    my $e = ticket_events($env, $no)->[-1];
    is_deeply [ @$e{qw(type status_from status_to)} ],
        [qw(replied accepted closed)], 'one event: replied, accepted -> closed';

    $no = new_ticket($env, case => 'civil', category => 'document')
        ->{ticket_no};
    $r = act($env, 'platform', $no, reply =>
        { content => '文书已送达。', close => \0 });
    is $r->json->{status}, 'answered', 'simple, close:false: answered';
};

subtest 'triage moves a request between tracks' => sub {
    my $no = new_ticket($env, category => 'consultation')->{ticket_no};
    my $r = act($env, 'platform', $no, triage =>
        { track => 'ordinary', category => 'contact_judge' });
    is_deeply $r->json, { ticket_no => $no, status => 'registered',
        track => 'ordinary' }, 'now ordinary' or diag $r->summary;
    my $t = ticket_row($env, $no);
    is_deeply [ @$t{qw(track category)} ], [qw(ordinary contact_judge)],
        'stored';
    $r = act($env, 'platform', $no, dispatch =>
        { assignee => sid($env, 'judge2') });
    is $r->status, 200, 'an ordinary request can be dispatched';

    $no = new_ticket($env, category => 'complaint')->{ticket_no};
    $r = act($env, 'filing', $no, triage => { track => 'simple' });
    is $r->json->{track}, 'simple', 'ordinary -> simple';
    is ticket_row($env, $no)->{category}, 'complaint', 'category kept';
    $r = act($env, 'platform', $no, dispatch => {});
    is $r->status, 409, 'a simple request cannot be dispatched';
    is $r->error_message,
        '当前状态（registered）不能进行此操作；可进行：triage, reply, note',
        '... the message names what is allowed';
    $r = act($env, 'filing', $no, reply => { content => '已答复。' });
    is $r->json->{status}, 'answered', 'the platform answers it';
};

subtest 'return, then dispatch again' => sub {
    my $no = new_ticket($env, case => 'civil')->{ticket_no};
    drive($env, $no, [ platform => dispatch => {} ]);
    my $first = ticket_row($env, $no)->{dispatched_at};
    drive($env, $no, [ judge1 => return => { reason => '请转刑庭' } ]);
    my $r = staff_get($env, 'judge1', $no);
    is $r->status, 404, 'judge1 no longer sees a returned work order';
    $r = act($env, 'platform', $no, dispatch =>
        { department => dept_id($env, 'criminal') });
    is $r->json->{status}, 'dispatched', 'dispatched again';
    my $t = ticket_row($env, $no);
    is $t->{department_id}, dept_id($env, 'criminal'), 'to criminal';
    is $t->{dispatched_at}, $first, 'dispatched_at stays the first';
    is $t->{accepted_at}, undef, 'never accepted';
};

# malformed action requests: 400 with the field, nothing written
subtest 'bad action bodies' => sub {
    my $no = make('ordinary', 'accepted');
    my $before = snapshot($no);
    my @bad = (
        [ judge1 => reply => {}, 'content' ],
        [ judge1 => reply => { content => '' }, 'content' ],
        [ judge1 => reply => { content => 'x' x 2001 }, 'content' ],
        [ judge1 => reply => { content => "a\x01b" }, 'content' ],
        [ judge1 => reply => { content => 'ok', close => 'yes' }, 'close' ],
        [ judge1 => reply => { content => 'ok', extra => 1 }, 'extra' ],
        [ judge1 => transfer => { department => dept_id($env, 'criminal') },
          'reason' ],
        [ judge1 => transfer => { reason => '转' }, 'department' ],
        [ judge1 => transfer => { department => 'criminal', reason => '转' },
          'department' ],
        [ judge1 => transfer => { department => 999999, reason => '转' },
          'department' ],
        [ judge1 => notes => {}, 'content' ],
        [ platform => dispatch => { assignee => -1 }, 'assignee' ],
        [ platform => triage => { track => 'fast' }, 'track' ],
        [ platform => triage => {}, 'track' ],
        [ platform => triage => { track => 'simple', category => 'x' },
          'category' ],
        [ judge1 => accept => { note => '好', x => 1 }, 'x' ],
    );
    for my $b (@bad) {
        my ($who, $action, $body, $field) = @$b;
        my $r = act($env, $who, $no, $action, $body);
        my $what = "$action " . json_encode($body);
        # transfer to a department that does not exist is found only
        # after the lock: still 400 naming the field
        is $r->status, 400, "$what: 400" or diag $r->summary;
        is $r->error_code, 'invalid_argument', '... invalid_argument';
        is $r->error_field, $field, "... field $field";
    }
    my $r = act($env, 'judge1', $no, return => {});
    is $r->status, 400, 'return without a reason: 400';
    is $r->error_field, 'reason', '... field reason';
    $r = $env->req(POST => "/api/v1/staff/tickets/$no/reply",
        token => tok($env, 'judge1'), body => '{"content":');
    is $r->error_code, 'invalid_json', 'broken JSON: invalid_json';
    $r = $env->req(POST => "/api/v1/staff/tickets/$no/reply",
        token => tok($env, 'judge1'), body => 'content=x',
        headers => { 'Content-Type' => 'application/x-www-form-urlencoded' });
    is $r->status, 415, 'not JSON: 415';
    is snapshot($no), $before, 'nothing changed';
};

subtest 'unknown tickets and methods' => sub {
    my $no = make('ordinary', 'dispatched');
    my $unknown = fix_check(substr($no, 0, 6) . '999999');
    for my $bad ($unknown, 'abc', '123', $no . '0') {
        my $r = act($env, 'platform', $bad, notes => { content => '备注' });
        is $r->status, 404, "notes on $bad: 404";
        is $r->error_code, 'not_found', '... not_found';
    }
    my $r = $env->req(GET => "/api/v1/staff/tickets/$no/accept",
        token => tok($env, 'judge1'));
    is $r->status, 405, 'GET on an action: 405';
    $r = $env->req(POST => "/api/v1/staff/tickets/$no/frobnicate",
        token => tok($env, 'judge1'), body => {});
    is $r->status, 404, 'an unknown action: 404';
};

# the number with its Luhn check digit appended
sub fix_check {
    my ($s) = @_;
    for my $d (0 .. 9) {
        return "$s$d" if luhn_valid("$s$d");
    }
}

done_testing;
