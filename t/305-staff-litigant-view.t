#!/usr/bin/perl
# What the litigant sees (GET /tickets/{no}?query_code=) as staff work on
# the request: the status, the public timeline, the text of answers and
# replies, and nothing of triage, returns, transfer reasons or internal
# notes.  Staff in scope see everything.

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

my $NOTE = '内部备注：当事人曾多次来电，注意情绪。';
my $TRIAGE = '分流说明：需法官答复';
my $RETURN = '退回原因：承办人休假';
my $REPLY = '您好，您的案件已排期，将于下月开庭，传票另行送达。';

sub public_view {
    my ($t) = @_;
    return $env->req(GET =>
        "/api/v1/tickets/$t->{ticket_no}?query_code=$t->{query_code}");
}

my $t = new_ticket($env, case => 'civil', category => 'consultation',
    content => '请问我的案件什么时候开庭？');
my $no = $t->{ticket_no};

subtest 'while staff work on it' => sub {
    drive($env, $no,
        [ platform => triage => { track => 'ordinary',
                                  category => 'contact_judge',
                                  note => $TRIAGE } ],
        [ platform => notes => { content => $NOTE } ],
        [ platform => dispatch => { note => '请尽快答复' } ],
        [ judge1 => return => { reason => $RETURN } ],
        [ platform => dispatch => { assignee => sid($env, 'judge1b') } ],
        [ judge1b => accept => undef ]);
    my $r = public_view($t);
    is $r->status, 200, 'public view: 200';
    is $r->json->{status}, 'accepted', 'status accepted';
    is $r->json->{track}, 'ordinary', 'track ordinary';
    is_deeply [ map { $_->{type} } @{ $r->json->{timeline} } ],
        [qw(registered dispatched dispatched accepted)],
        'public events only (no triage, note, return)';
    unlike $r->body, qr/\Q$NOTE\E|\Q$TRIAGE\E|\Q$RETURN\E|请尽快答复/,
        'no internal text';
    ok !grep({ defined $_->{note} } @{ $r->json->{timeline} }),
        'no notes on these events';
};

subtest 'after the reply' => sub {
    drive($env, $no, [ judge1b => reply => { content => $REPLY } ]);
    my $row = ticket_row($env, $no);
    my $r = public_view($t);
    is $r->status, 200, 'public view: 200';
    my $j = $r->json;
    is $j->{status}, 'replied', 'status replied';
    my ($reply) = grep { $_->{type} eq 'replied' } @{ $j->{timeline} };
    ok $reply, 'a replied event';
    is $reply->{note}, $REPLY, 'with the reply text';
    is $reply->{status}, 'replied', '... status replied';
    (my $at = $row->{replied_at}) =~ s/ /T/;
    is $reply->{at}, "$at+08:00", '... at the recorded reply time';
    (my $upd = $row->{updated_at}) =~ s/ /T/;
    is $j->{updated_at}, "$upd+08:00", 'updated_at as recorded';
    unlike $r->body, qr/\Q$NOTE\E/, 'the internal note is not shown';
    unlike $r->body, qr/\Q$RETURN\E|\Q$TRIAGE\E/, 'nor the other internal text';
    is $j->{contact}{phone}, '138****8000', 'phone masked';
    is $j->{closed_at}, undef, 'not closed';

    # staff in scope see the whole timeline with the internal notes
    my $s = staff_get($env, 'judge1b', $no);
    is $s->status, 200, 'judge1b sees it';
    is_deeply [ map { $_->{type} } @{ $s->json->{timeline} } ],
        [qw(registered triaged note dispatched returned dispatched accepted
            replied)], 'staff: every event';
    my %note = map { $_->{type} => $_->{note} } @{ $s->json->{timeline} };
    is $note{note}, $NOTE, 'staff: the internal note';
    is $note{returned}, $RETURN, 'staff: the return reason';
    is $s->json->{contact}{phone}, '13800138000', 'staff: the whole phone';
};

subtest 'after the close' => sub {
    drive($env, $no, [ platform => close => { note => '回访：当事人满意' } ]);
    my $r = public_view($t);
    is $r->json->{status}, 'closed', 'status closed';
    my $row = ticket_row($env, $no);
    (my $closed = $row->{closed_at}) =~ s/ /T/;
    is $r->json->{closed_at}, "$closed+08:00", 'closed_at as recorded';
    my $last = $r->json->{timeline}[-1];
    is $last->{type}, 'closed', 'last event closed';
    is $last->{note}, undef, 'the closing note is internal';
    unlike $r->body, qr/回访/, 'not shown';
};

subtest 'a simple answer' => sub {
    my $s = new_ticket($env, category => 'document',
        content => '调解书上的名字写错了可以改吗？');
    my $answer = '已核对，本院将出具补正裁定并邮寄给您，请注意查收。';
    drive($env, $s->{ticket_no},
        [ platform => notes => { content => '已核对邮寄单号' } ],
        [ platform => reply => { content => $answer } ]);
    my $r = public_view($s);
    is $r->json->{status}, 'answered', 'status answered';
    is_deeply [ map { [ $_->{type}, $_->{note} ] } @{ $r->json->{timeline} } ],
        [ [ 'registered', undef ], [ 'answered', $answer ] ],
        'registered, answered with the text';
    unlike $r->body, qr/邮寄单号/, 'no internal note';
    my $bad = $env->req(GET => "/api/v1/tickets/$s->{ticket_no}?query_code="
        . ($s->{query_code} eq 'AAAAAAAAAA' ? 'BBBBBBBBBB' : 'AAAAAAAAAA'));
    is $bad->status, 404, 'a wrong code: 404';
    is staff_get($env, 'judge1', $s->{ticket_no})->status, 404,
        'a judge it was never sent to: 404';
};

done_testing;
