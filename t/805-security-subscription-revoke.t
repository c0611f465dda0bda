#!/usr/bin/perl
# Attack (issue 14, point 5): a case subscription outliving the party.
# After the trial system replaces a case's parties without someone, that
# person no longer reads the case's nodes nor gets its messages; a party
# still on the case keeps both across the replacement (their subscription
# follows their verified phone to the new party row).

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Litigant;

my $t = Liaison::Litigant->start(staff => [
    { username => 'platform', role => 'platform_staff',
      department => 'filing' } ]);
my $env = $t->env;
$t->store_access_token;

my $CASE = '(2026)粤0115民初501号';
my $PATH = $t->path("/api/v1/cases/$CASE");
my $NODE_T = $Liaison::Litigant::NODE_TEMPLATE;

sub parties {
    return [ map { { role => $_->[0], name => $_->[1],
        phone_hash => $t->phone_hash($_->[2]) } } @_ ];
}
my @plaintiff = (plaintiff => '张三', '13800138000');
my @lawyer = (lawyer => '王律师', '13700137000');

my $r = $t->ingest('/api/v1/ingest/cases', { cases => [
    $t->case_body($CASE, parties => parties(\@plaintiff, \@lawyer)) ] });
is $r->status, 200, 'the case with a plaintiff and a lawyer';

my $party = $t->login(51);
my $lawyer = $t->login(52);
for ([ $party, 'p13800138000' ], [ $lawyer, 'p13700137000' ]) {
    $r = $env->req(POST => "$PATH/subscriptions", token => $_->[0],
        body => { phone_code => $_->[1], template_ids => [ $NODE_T ] });
    is $r->status, 201, 'subscribed' or diag $r->summary;
}
is $env->req(GET => "$PATH/nodes", token => $lawyer)->status, 200,
    'the lawyer reads the nodes';

# the trial system replaces the parties: the lawyer is gone
$r = $t->ingest('/api/v1/ingest/cases', { cases => [
    $t->case_body($CASE, parties => parties(\@plaintiff)) ] });
is $r->status, 200, 'the parties replaced without the lawyer';

$r = $env->req(GET => "$PATH/nodes", token => $lawyer);
is $r->status, 403, 'the removed lawyer reads the nodes: 403'
    or diag $r->summary;
$r = $env->req(GET => "$PATH/nodes", token => $party);
is $r->status, 200, 'the plaintiff still on the case: 200';
is $env->sql_one('SELECT COUNT(*) FROM case_subscriptions'), 1,
    'one subscription left';

# a new node: a message to the plaintiff only
$r = $t->ingest('/api/v1/ingest/case-nodes', { events => [
    { event_id => 'S-1', case_no => $CASE, type => 'hearing_scheduled',
      occurred_at => '2026-03-02T10:30:00+08:00' } ] });
is $r->status, 200, 'a node ingested' or diag $r->summary;
is_deeply [ map { $_->{recipient} } @{ $env->sql("SELECT recipient FROM "
    . "outbox WHERE kind = 'case_node'") } ],
    [ Liaison::MockWeChat->openid(51) ], 'its message goes to the plaintiff only';

# consents alone (no phone again) do not bring the lawyer back
$r = $env->req(POST => "$PATH/subscriptions", token => $lawyer,
    body => { template_ids => [ $NODE_T ] });
isnt $r->status, 200, 'the removed lawyer renews consents without a phone: '
    . 'refused (' . $r->status . ')';
is $env->req(GET => "$PATH/nodes", token => $lawyer)->status, 403,
    '... and still reads nothing';

# a subscription whose party row is gone reads nothing even before an
# ingest cleans it up (the read checks the current parties)
$env->sql('UPDATE case_parties SET phone_hash = ? WHERE role = ?',
    $t->phone_hash('13900000000'), 'plaintiff');
is $env->req(GET => "$PATH/nodes", token => $party)->status, 403,
    'a party whose phone is no longer the case\'s: 403';

done_testing;
