#!/usr/bin/perl
# The outbox hand-off is atomic with the change it is about: the database
# is killed (SIGKILL) while each writing transaction is half done, held on
# a row lock just before its outbox INSERT.  After the restart there is no
# outbox row without its change and no change without its row; sent again,
# both appear together.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Tickets;
use Liaison::Litigant;

my $t = Liaison::Litigant->start(workers => 1, pool_size => 2);
my $env = $t->env;
$env->allow_log(qr/liaison db|Lost connection|server has gone away
    |Can't connect|connect\(\) to unix|No such file|Connection refused
    |query failed|statement \d+ failed/x);

my $CASE = '(2026)粤0115民初301号';
my $r = $t->ingest('/api/v1/ingest/cases', { cases => [ $t->case_body($CASE) ] });
is $r->status, 200, 'case ingested' or diag $r->summary;
$t->store_access_token;
my $owner = $t->login(51);
$r = $env->req(POST => $t->path("/api/v1/cases/$CASE/subscriptions"),
    token => $owner, body => { phone_code => 'p13800138000' });
is $r->status, 201, 'subscribed' or diag $r->summary;
my $lit = $t->litigant_id(51);
my $case_id = $env->sql_one('SELECT id FROM cases LIMIT 1');

# Holds a lock the transaction's outbox INSERT ... SELECT needs, sends
# the request, waits until it blocks there, kills the database, restarts
# it; returns the client's answer.
# A LOCK TABLES holder is for transactions in READ COMMITTED (the intake),
# whose INSERT ... SELECT takes no row lock: they wait for the table.
sub crash_during {
    my ($name, $lock_sql, $lock_arg, $send) = @_;
    my $table = $lock_sql =~ /^LOCK TABLES (\w+)/ ? $1 : undef;
    my $holder = $env->new_dbh(AutoCommit => $table ? 1 : 0);
    if ($table) {
        $holder->do($lock_sql);
    } else {
        $holder->selectall_arrayref($lock_sql, undef, $lock_arg);
    }
    my $p = $send->();
    my $blocked = wait_until { $table
        ? $env->root_sql_one('SELECT COUNT(*) FROM '
            . 'information_schema.processlist WHERE state LIKE '
            . "'Waiting for table%' AND info LIKE ?", "%$table%") > 0
        : $env->lock_waits > 0 } 20;
    ok $blocked, "$name: the transaction waits just before its outbox row";
    $env->kill_db;
    eval { $holder->{InactiveDestroy} = 1; $holder->disconnect };
    my $answer = $p->wait(30);
    ok $env->start_db, "$name: database restarted";
    return $answer;
}

sub count { $env->sql_one($_[0], @_[1 .. $#_]) + 0 }

# 1. a case node and its subscribe message
my $ev = { events => [ { event_id => 'ATOM-1', case_no => $CASE,
    type => 'period_extended', occurred_at => '2026-03-02T10:00:00+08:00' } ] };
my $a = crash_during('case node',
    'SELECT * FROM case_subscriptions WHERE case_id = ? FOR UPDATE', $case_id,
    sub {
        my $body = json_encode($ev);
        my $ts = time;
        $env->req_start(POST => '/api/v1/ingest/case-nodes', body => $body,
            headers => { 'X-Liaison-Timestamp' => $ts,
                'X-Liaison-Signature' => Digest::SHA::hmac_sha256_hex(
                    "$ts\n$body", $Liaison::Litigant::INGEST_KEY) });
    });
isnt $a->status, 200, 'case node: the client did not get a success' or diag $a->summary;
is count("SELECT COUNT(*) FROM case_nodes WHERE event_id = 'ATOM-1'"), 0,
    'case node: no node';
is count("SELECT COUNT(*) FROM outbox WHERE kind = 'case_node'"), 0,
    'case node: no outbox row';
is count('SELECT COUNT(*) FROM ingest_requests WHERE endpoint = ?',
    'case-nodes'), 0, 'case node: the request is not recorded as seen';
$r = wait_until {
    my $r = $t->ingest('/api/v1/ingest/case-nodes', $ev);
    $r->status == 200 ? $r : undef } 20;
ok $r, 'case node: sent again after the restart: 200';
is count("SELECT COUNT(*) FROM case_nodes WHERE event_id = 'ATOM-1'"), 1,
    'case node: now the node';
is count("SELECT COUNT(*) FROM outbox WHERE kind = 'case_node'"), 1,
    'case node: and its outbox row, together';

# 2. a litigant's ticket and its content check
my $content = '原子性测试：诉求与内容安全检查同进同退。';
$a = crash_during('intake', 'LOCK TABLES outbox WRITE', undef,
    sub {
        $env->req_start(POST => '/api/v1/tickets', token => $owner,
            body => ticket_body(channel => 'wechat', content => $content));
    });
isnt $a->status, 201, 'intake: the client did not get a success' or diag $a->summary;
is count('SELECT COUNT(*) FROM tickets WHERE content = ?', $content), 0,
    'intake: no ticket';
is count("SELECT COUNT(*) FROM outbox WHERE kind = 'content_check'"), 0,
    'intake: no outbox row';
$r = wait_until {
    my $r = $env->req(POST => '/api/v1/tickets', token => $owner,
        body => ticket_body(channel => 'wechat', content => $content));
    $r->status == 201 ? $r : undef } 20;
ok $r, 'intake: sent again: 201';
my $tid = $env->sql_one('SELECT id FROM tickets WHERE content = ?', $content);
is count("SELECT COUNT(*) FROM outbox WHERE kind = 'content_check' "
    . 'AND ticket_id = ?', $tid), 1, 'intake: ticket and outbox row together';
my $no = $r->json->{ticket_no};

# 3. a follow-up message and its content check
my $msg = '补充材料已经准备好了。';
$a = crash_during('message',
    'SELECT * FROM litigants WHERE id = ? FOR UPDATE', $lit,
    sub {
        $env->req_start(POST => "/api/v1/tickets/$no/messages",
            token => $owner, body => { content => $msg });
    });
isnt $a->status, 201, 'message: the client did not get a success' or diag $a->summary;
is count('SELECT COUNT(*) FROM ticket_messages'), 0, 'message: no message';
is count("SELECT COUNT(*) FROM ticket_events WHERE type = 'message'"), 0,
    'message: no event';
is count("SELECT COUNT(*) FROM outbox WHERE kind = 'content_check'"), 1,
    'message: no new outbox row';
$r = wait_until {
    my $r = $env->req(POST => "/api/v1/tickets/$no/messages",
        token => $owner, body => { content => $msg });
    $r->status == 201 ? $r : undef } 20;
ok $r, 'message: sent again: 201';
is count('SELECT COUNT(*) FROM ticket_messages'), 1, 'message: the message';
is count("SELECT COUNT(*) FROM outbox WHERE kind = 'content_check'"), 2,
    'message: and its outbox row, together';

# every outbox row has its change
is count('SELECT COUNT(*) FROM outbox o LEFT JOIN tickets t ON '
    . "t.id = o.ticket_id WHERE o.kind = 'content_check' AND t.id IS NULL"),
    0, 'no content check without its ticket';

done_testing;
