#!/usr/bin/perl
# Attack suite (issue 14): department scopes.  A work order of the
# criminal division, one of the civil division assigned to one judge, and
# every member of staff whose scope leaves them out: each tries to read
# it, to find it through the worklist search (by number, phone, case
# number, words), to act on it with every action, to read its attachment
# and its case's nodes.  Out of scope is the same 404 as an unknown
# ticket (API.md), and nothing is written.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Staff;
use Liaison::Litigant;

my $t = Liaison::Litigant->start(staff => staff_cast(), attachments => 1);
my $env = $t->env;
my $S = staff_setup($env);

# the criminal division's work order, with a distinctive text and phone
my $r = $env->req(POST => '/api/v1/tickets', body => {
    channel => 'web', category => 'contact_judge', case_no => CRIMINAL_CASE,
    content => '刑事案件机密诉求：请转告承办法官联系我',
    contact => { name => '钱多多', phone => '13912345678' } });
is $r->status, 201, 'a criminal-division request' or diag $r->summary;
my $tk = $r->json;
my $nk = $tk->{ticket_no};
$r = act($env, 'platform', $nk, dispatch => {});
is $r->status, 200, '... dispatched to the case\'s judge (judge2)'
    or diag $r->summary;
$r = $env->req(POST => "/api/v1/staff/tickets/$nk/attachments"
    . '?filename=e.pdf', token => tok($env, 'platform'),
    body => "%PDF-1.7\n" . ('x' x 200),
    headers => { 'Content-Type' => 'application/pdf' });
is $r->status, 201, '... with an attachment' or diag $r->summary;
my $att = $r->json->{id};

# the civil division's, assigned to judge1
my $tc = new_ticket($env, category => 'contact_judge', case => 'civil');
my $nc = $tc->{ticket_no};
is act($env, 'platform', $nc, dispatch => {})->status, 200,
    'a civil-division work order for judge1';

my $UNKNOWN = substr($nk, 0, 6) . '0000000';
my $nf = $env->req(GET => "/api/v1/tickets/$UNKNOWN",
    token => tok($env, 'president'));
is $nf->status, 404, 'an unknown number: 404';
my $NOT_FOUND = $nf->body;

my %before = %{ $env->counts };

my %BODY = (
    triage => { track => 'simple' }, reply => { content => '越权答复' },
    dispatch => { assignee => sid($env, 'judge1') }, accept => {},
    return => { reason => '越权退回' }, close => {},
    transfer => { department => dept_id($env, 'civil'), reason => '越权' },
    notes => { content => '越权备注' }, supervise => { note => '越权督办' },
    refer => { note => '越权移送' }, risk => { level => 'high',
    note => '越权风险' },
);

# who is out of scope of which ticket
my @CASES = (
    (map { [ $_, $nk, 'the criminal work order' ] }
        qw(judge1 judge1b cstaff liaison leader vp admin)),
    (map { [ $_, $nc, 'judge1\'s civil work order' ] }
        qw(judge1b judge2 estaff liaison2 leader2 vp2 admin)),
);

for my $c (@CASES) {
    my ($who, $no, $what) = @$c;
    my $token = tok($env, $who);

    $r = $env->req(GET => "/api/v1/tickets/$no", token => $token);
    ok $r->status == 404 && $r->body eq $NOT_FOUND,
        "$who reads $what: the same 404 as an unknown ticket"
        or diag $r->summary;

    # a role that may never take an action is refused before the ticket
    # is looked up (403 for any number): the answer must not depend on
    # the ticket existing
    my @leaks;
    for my $action (sort keys %BODY) {
        my $r = act($env, { token => $token }, $no, $action, $BODY{$action});
        my $u = act($env, { token => $token }, $UNKNOWN, $action,
            $BODY{$action});
        push @leaks, "$action: " . $r->summary . ' / unknown: ' . $u->summary
            unless ($r->status == 404 || $r->status == 403)
                && $r->status == $u->status && $r->body eq $u->body;
    }
    ok !@leaks, "$who acts on $what: as on an unknown ticket, every action"
        or diag join "\n", @leaks;

    for my $q ($no, $no eq $nk ? ('13912345678', CRIMINAL_CASE, '机密诉求',
               '钱多多') : ('13800138000', CIVIL_CASE)) {
        my $path = $t->path("/api/v1/staff/tickets?all=1&q=$q");
        $r = $env->req(GET => $path, token => $token);
        my @found = $r->status == 200
            ? grep { $_->{ticket_no} eq $no } @{ $r->json->{items} } : ();
        ok !@found && $r->body !~ /\Q$no\E/,
            "$who searches \"$q\": $what not found"
            or diag $r->summary;
    }
}

for my $who (qw(judge1 cstaff liaison leader vp judge1b)) {
    $r = $env->req(GET => "/api/v1/tickets/$nk/attachments/$att",
        token => tok($env, $who));
    is $r->status, 404, "$who downloads the criminal attachment: 404";
    unlike $r->body, qr/%PDF/, '... no bytes';

    $r = $env->req(GET => $t->path('/api/v1/cases/' . CRIMINAL_CASE
        . '/nodes'), token => tok($env, $who));
    is $r->status, 403, "$who reads the criminal case's nodes: 403"
        or diag $r->summary;
}

# the ones in scope do see it: the refusals above are about scope
for my $who (qw(judge2 estaff leader2 vp2 president platform)) {
    $r = $env->req(GET => "/api/v1/tickets/$nk", token => tok($env, $who));
    is $r->status, 200, "$who (in scope) reads the criminal work order";
}

is_deeply $env->counts, \%before, 'no attempt wrote anything';

done_testing;
