#!/usr/bin/perl
# Faults under mixed load (issue 15).  Client processes run intake (the
# eight categories of the contract in rotation over the public channels,
# half with a case number, a third with a mobile (their SMS goes through
# the outbox), every one with its own Idempotency-Key, every fifth sent
# twice as a client's retry), follow-ups and status reads of their own
# tickets, one request after another, while the liaison-worker daemon
# delivers the outbox (concurrency 8, an SMS gateway with a client message
# id, every answer 300 ms late, so sends are in flight at a kill).
# Meanwhile, one after the other: kill -9 of MariaDB (started again), of
# one nginx worker process (the master starts another), and twice of the
# worker daemon mid-delivery (started again).  Then, counted
# per request and per message:
#
#  * every intake answered 201 has exactly one ticket, the one answered,
#    stored under its key; a retry answers the same ticket;
#  * an intake not answered 2xx: replaying its key answers the ticket it
#    stored, if any, or registers it once; after that every key has
#    exactly one ticket and no ticket is stored without a key;
#  * no ticket number twice;
#  * every answer that is not 2xx is a JSON 503 "unavailable";
#  * every follow-up answered 201 is stored once, any other at most once;
#  * every outbox message is sent; only a send in flight at a daemon kill
#    is sent again, once, and the gateway drops that repeat (docs/worker.md,
#    "Crashes"): delivered exactly once each.
#
# No sleeps to pass: every wait polls a condition with a bound.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::MockWeChat;
use Liaison::Worker;
use JSON::PP;
use POSIX qw(strftime _exit);
use Time::HiRes qw(time);

my $env = Liaison::Test->start(workers => 2, pool_size => 4,
    allow_log => [ qr/worker process \d+ exited on signal 9/ ]);
my $mock = Liaison::MockWeChat->start(delay_ms => 300, log_bodies => 0);
my $SMS_UID = '{"account":"${account}","password":"${secret}",'
    . '"mobile":"${phone}","content":"${text}","uid":"liaison-${id}"}';
my $w = Liaison::Worker->new($env, $mock, concurrency => 8, batch_size => 20,
    lease => 40, poll_interval => 1, http_timeout => 5, connect_timeout => 2,
    sms_body => $SMS_UID);

my $CLIENTS = 3;
my $dir = $env->dir . '/load';
mkdir $dir or die "mkdir $dir: $!";
my $J = JSON::PP->new->utf8->canonical;

my @CATEGORIES = qw(material case_query consultation document contact_judge
    complaint suggestion other);
my @TOPICS = ('我想了解案件进度', '诉讼费怎么交？', '请转告承办法官',
    '补充材料已经寄出', '对处理结果不满意，我要投诉', '建议延长办公时间');

sub intake_body {
    my ($c, $i) = @_;
    my $cat = $CATEGORIES[ $i % @CATEGORIES ];
    my %b = (channel => (qw(web kiosk wechat))[ $i % 3 ], category => $cat,
        content => $TOPICS[ $i % @TOPICS ] . "（客户 $c-$i）",
        $i % 3 ? () : (contact => { name => '张三',
            phone => sprintf('139%08d', $c * 1000 + $i % 997) }));
    $b{case_no} = sprintf '（2026）粤0115民初%d号', 100 + $i % 50
        if $cat eq 'contact_judge' || $i % 2;
    return \%b;
}

# One client: requests one after another until DIR/stop, each outcome a
# JSON line (written before the next request).
sub client {
    my ($c) = @_;
    $SIG{PIPE} = 'IGNORE';
    $SIG{INT} = $SIG{TERM} = 'DEFAULT';
    open my $log, '>>', "$dir/client.$c" or _exit(1);
    $log->autoflush(1);
    my (@mine, $i, %n);
    # the counts the test waits on, cheap to read: "ACKED UNAVAILABLE"
    my $count = sub {
        my ($o, $intake) = @_;
        $n{acked}++ if $intake && $o->{status} == 201;
        $n{unavailable}++ if $o->{status} == 503;
        open my $fh, '>', "$dir/n.$c.tmp" or _exit(1);
        print $fh ($n{acked} // 0), ' ', ($n{unavailable} // 0), "\n";
        close $fh;
        rename "$dir/n.$c.tmp", "$dir/n.$c" or _exit(1);
    };
    my $send = sub {
        my ($method, $path, %o) = @_;
        my $r = eval { $env->req($method, $path, timeout => 20, %o) };
        return { status => 0, error => "$@" } unless $r;
        return { status => $r->status, code => $r->error_code,
            json => $r->json ? 1 : 0, ct => $r->header('content-type'),
            ticket_no => ($r->json && ref $r->json eq 'HASH')
                ? $r->json->{ticket_no} : undef,
            query_code => ($r->json && ref $r->json eq 'HASH')
                ? $r->json->{query_code} : undef };
    };
    until (-e "$dir/stop") {
        $i++;
        my $kind = $i % 4;
        if ($kind <= 1 || !@mine) {
            my $key = "k-$c-$i";
            my $body = intake_body($c, $i);
            for my $try (1 .. ($i % 5 == 0 ? 2 : 1)) {
                my $o = $send->(POST => '/api/v1/tickets', body => $body,
                    headers => { 'Idempotency-Key' => $key });
                print $log $J->encode({ k => 'intake', key => $key,
                    try => $try, body => $body, %$o }), "\n";
                $count->($o, 1);
                push @mine, [ $o->{ticket_no}, $o->{query_code} ]
                    if $o->{status} == 201 && $try == 1;
            }
        } elsif ($kind == 2) {
            my ($no, $qc) = @{ $mine[ $i % @mine ] };
            my $text = "补充说明（客户 $c-$i）";
            my $o = $send->(POST => "/api/v1/tickets/$no/messages",
                body => { content => $text, query_code => $qc });
            print $log $J->encode({ k => 'message', no => $no,
                text => $text, %$o }), "\n";
            $count->($o);
        } else {
            my ($no, $qc) = @{ $mine[ $i % @mine ] };
            my $o = $send->(GET => "/api/v1/tickets/$no?query_code=$qc");
            print $log $J->encode({ k => 'status', no => $no, %$o }), "\n";
            $count->($o);
        }
    }
    close $log;
}

sub outcomes {
    my @all;
    for my $c (1 .. $CLIENTS) {
        open my $fh, '<', "$dir/client.$c" or next;
        while (my $l = <$fh>) {
            # a line being written is complete only with its newline
            last unless $l =~ /\n\z/;
            push @all, $J->decode($l);
        }
    }
    return @all;
}

sub rows { @{ $env->dbh->selectall_arrayref($_[0]) } }

# [ intakes acknowledged, answers 503 ] of all clients so far
sub counts {
    my @sum = (0, 0);
    for my $c (1 .. $CLIENTS) {
        open my $fh, '<', "$dir/n.$c" or next;
        my @n = split ' ', <$fh> // '';
        $sum[$_] += $n[$_] // 0 for 0, 1;
    }
    return @sum;
}

my (@pids, $daemon);
my $parent = $$;

# the clients and the daemon do not outlive a test that died
sub stop_load {
    return unless $$ == $parent;
    if (open my $fh, '>', "$dir/stop") { close $fh }
    waitpid $_, 0 for @pids;
    @pids = ();
}
END {
    my $rc = $?;
    if ($$ == $parent && @pids) {
        kill 'KILL', @pids;
        stop_load();
    }
    if ($$ == $parent && $daemon) {
        kill 'KILL', $daemon;
        waitpid $daemon, 0;
    }
    $? = $rc;
}

for my $c (1 .. $CLIENTS) {
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        client($c);
        _exit(0);
    }
    push @pids, $pid;
}

# the daemon; the rows a kill leaves in flight: { id => 1 }
$daemon = $w->spawn;
my (%flight, @kills);

# sends started and not recorded; not those of an earlier kill, which stay
# 'sending' until their lease expires
sub in_flight {
    return grep { !$flight{$_} } map { $_->[0] } rows("SELECT id FROM "
        . "outbox WHERE status = 'sending' AND send_started_at IS NOT NULL");
}

sub kill_daemon {
    my ($n) = @_;
    ok wait_until(sub { in_flight() >= 1 }, 30),
        "daemon kill $n: sends in flight";
    kill 'KILL', $daemon;
    waitpid $daemon, 0;
    is $? & 127, 9, "daemon kill $n: the daemon died of SIGKILL";
    my @ids = in_flight();
    $flight{$_} = $n for @ids;
    push @kills, scalar @ids;
    $daemon = $w->spawn;
}

my $acked = sub { (counts())[0] };
my $unavailable = sub { (counts())[1] };

ok wait_until(sub { $acked->() >= 40 }, 30), 'load: 40 intakes acknowledged';

# --- kill -9 of MariaDB --------------------------------------------------
my $before = $unavailable->();
$env->kill_db;
ok wait_until(sub { $unavailable->() >= $before + 5 }, 30),
    'MariaDB killed: requests answered 503';
ok $env->start_db, 'MariaDB started again';
my $mark = $acked->();
ok wait_until(sub { $acked->() >= $mark + 20 }, 30),
    'after MariaDB is back: intakes acknowledged again';

# --- kill -9 of one nginx worker process ----------------------------------
my @workers = $env->workers_pids;
is scalar @workers, 2, 'two nginx workers';
kill 'KILL', $workers[0];
ok wait_until(sub {
    my @now = $env->workers_pids;
    @now == 2 && !grep { $_ == $workers[0] } @now }, 30),
    "nginx worker $workers[0] killed: the master started another";
$mark = $acked->();
ok wait_until(sub { $acked->() >= $mark + 20 }, 30),
    'after the nginx worker kill: intakes acknowledged';

# --- kill -9 of the worker daemon, twice -----------------------------------
kill_daemon(1);
$mark = $acked->();
ok wait_until(sub { $acked->() >= $mark + 20 }, 30),
    'after daemon kill 1: intakes acknowledged';
kill_daemon(2);
$mark = $acked->();
ok wait_until(sub { $acked->() >= $mark + 10 }, 30),
    'after daemon kill 2: intakes acknowledged';

# --- stop the load -----------------------------------------------------------
stop_load();
kill 'TERM', $daemon;
is(Liaison::Worker->reap($daemon, 30), 0, 'the daemon stops cleanly');
$daemon = undef;

my @out = outcomes();
my %n;
$n{"$_->{k} $_->{status}"}++ for @out;
diag 'answers: ' . join ', ', map { "$_: $n{$_}" } sort keys %n;

# --- every answer not 2xx is a JSON 503 "unavailable" ---------------------
my @bad = grep { $_->{status} && ($_->{status} < 200 || $_->{status} > 299)
    && !($_->{status} == 503 && ($_->{code} // '') eq 'unavailable'
         && ($_->{ct} // '') =~ m{^application/json}) } @out;
is scalar @bad, 0, 'every answer that is not 2xx is a JSON 503 unavailable'
    or diag explain [ @bad[0 .. ($#bad < 4 ? $#bad : 4)] ];
my $noanswer = grep { !$_->{status} } @out;
diag "requests without an answer (connection of the killed nginx worker): "
    . $noanswer;
ok $noanswer <= 2 * $CLIENTS, "at most a request per client lost its "
    . "connection to a kill ($noanswer)";

# --- intake: acknowledged, stored, replayed ---------------------------------
my (%by_key, %body);
for my $o (grep { $_->{k} eq 'intake' } @out) {
    push @{ $by_key{ $o->{key} } }, $o;
    $body{ $o->{key} } = $o->{body};
}
my %stored = map { $_->[0] => $_->[1] } rows(
    "SELECT k.idem_key, JSON_VALUE(k.response, '\$.ticket_no') "
    . "FROM idempotency_keys k WHERE k.principal = 'anon'");
my %tickets = map { $_->[0] => $_->[1] } rows(
    'SELECT ticket_no, COUNT(*) FROM tickets GROUP BY ticket_no');

my ($acks, $retries, $lost, $twice, $unacked) = (0, 0, 0, 0, 0);
my @replay;
for my $key (sort keys %by_key) {
    my @ok = grep { $_->{status} == 201 } @{ $by_key{$key} };
    $retries++ if @{ $by_key{$key} } > 1;
    my %nos = map { $_->{ticket_no} => 1 } @ok;
    $twice++ if keys %nos > 1;
    if (@ok) {
        $acks++;
        my ($no) = keys %nos;
        $lost++ unless defined $stored{$key} && $stored{$key} eq $no
            && ($tickets{$no} // 0) == 1;
    } else {
        $unacked++;
        push @replay, $key;
    }
}
ok $acks >= 100, "$acks intakes acknowledged ($retries keys sent twice)";
is $twice, 0, 'a retry with the key answers the same ticket';
is $lost, 0, 'every acknowledged intake has its ticket, once, under its key';

# the keys never acknowledged: the replay answers what was stored, or
# registers the ticket once
my ($replayed, $was_stored, $wrong) = (0, 0, 0);
for my $key (@replay) {
    my $r = $env->req(POST => '/api/v1/tickets', body => $body{$key},
        headers => { 'Idempotency-Key' => $key });
    $replayed++ if $r->status == 201;
    if (defined $stored{$key}) {
        $was_stored++;
        $wrong++ unless $r->status == 201
            && $r->json->{ticket_no} eq $stored{$key};
    }
}
is $replayed, scalar @replay, scalar(@replay) . ' intakes not acknowledged '
    . "(503 or no answer): each replay answers 201 ($was_stored had "
    . 'committed)';
is $wrong, 0, 'a replay answers the ticket its key stored';

is $env->sql_one("SELECT COUNT(*) FROM idempotency_keys WHERE principal = "
    . "'anon'"), scalar keys %by_key, 'one key row per key sent, no other';
is $env->sql_one('SELECT COUNT(*) FROM tickets'), scalar keys %by_key,
    'one ticket per key: none without a key';
is $env->sql_one("SELECT COUNT(*) FROM idempotency_keys k LEFT JOIN tickets t "
    . "ON t.ticket_no = JSON_VALUE(k.response, '\$.ticket_no') "
    . "WHERE t.id IS NULL"), 0, "every key's ticket exists";
is $env->sql_one('SELECT COUNT(*) FROM (SELECT ticket_no FROM tickets '
    . 'GROUP BY ticket_no HAVING COUNT(*) > 1) d'), 0,
    'no ticket number twice';

# --- follow-ups -----------------------------------------------------------
my %msgs = map { $_->[0] => $_->[1] } rows(
    "SELECT note, COUNT(*) FROM ticket_events WHERE type = 'message' "
    . 'GROUP BY note');
my ($m_ok, $m_bad, $m_over) = (0, 0, 0);
for my $o (grep { $_->{k} eq 'message' } @out) {
    my $n = $msgs{ $o->{text} } // 0;
    if ($o->{status} == 201) {
        $m_ok++;
        $m_bad++ unless $n == 1;
    } elsif ($n > 1) {
        $m_over++;
    }
}
ok $m_ok >= 20, "$m_ok follow-ups acknowledged";
is $m_bad, 0, 'every acknowledged follow-up is stored once';
is $m_over, 0, 'no follow-up is stored twice';

# --- the outbox: each message sent; repeats only of sends in flight --------
sub after_leases {
    my $t = $env->sql_one('SELECT UNIX_TIMESTAMP(MAX(claimed_until)) '
        . "FROM outbox WHERE status = 'sending'") // time;
    return strftime('%Y-%m-%dT%H:%M:%S+08:00', gmtime($t + 8 * 3600 + 1));
}
# the rest at once: the gateway answers without delay
$mock->configure(delay_ms => 0);
$w->write_conf(concurrency => 32, batch_size => 200);
my $left;
for my $pass (1 .. 5) {
    $w->once(after_leases());
    $left = $env->sql_one("SELECT COUNT(*) FROM outbox WHERE status NOT IN "
        . "('sent', 'failed', 'dead')");
    last unless $left;
}
is $left, 0, 'the outbox is drained';
my %rows = map { $_->[0] => { channel => $_->[1], status => $_->[2] } }
    rows('SELECT id, channel, status FROM outbox');
my @not_sent = grep { $rows{$_}{status} ne 'sent' } keys %rows;
is scalar @not_sent, 0, scalar(keys %rows) . ' outbox messages, all sent';

my (%sends, %deliveries);
for my $c ($mock->calls('sms')) {
    my $uid = ($c->{json} || {})->{uid} // next;
    my ($id) = $uid =~ /^liaison-(\d+)$/ or next;
    $sends{$id}++;
    $deliveries{$id}++ if $c->{delivered};
}
my @sms = grep { $rows{$_}{channel} eq 'sms' } keys %rows;
my (@over, @notonce, %resent, %twice);
for my $id (@sms) {
    my $n = $sends{$id} // 0;
    push @notonce, $id unless ($deliveries{$id} // 0) == 1;
    $twice{ $flight{$id} // 0 }++ if ($deliveries{$id} // 0) > 1;
    next if $n <= 1;
    if ($n > 2 || !$flight{$id}) {
        push @over, $id;
    } else {
        $resent{ $flight{$id} }++;
    }
}
ok @sms >= 20, scalar(@sms) . ' SMS messages (a third of the intakes '
    . 'give a mobile)';
is scalar @over, 0, 'only a send in flight at a daemon kill is sent again, '
    . 'once' or diag 'sent more: ' . join ' ', grep { defined } @over[0 .. 9];
is scalar @notonce, 0, 'every SMS delivered exactly once (the gateway drops '
    . 'a repeat by its client id)'
    or diag 'not once: ' . join ' ', grep { defined } @notonce[0 .. 9];
for my $k (1 .. @kills) {
    ok(($resent{$k} // 0) <= $kills[ $k - 1 ], "daemon kill $k: repeats "
        . "<= sends in flight");
    diag "daemon kill $k: $kills[$k - 1] sends in flight, "
        . ($resent{$k} // 0) . ' sent again, ' . ($twice{$k} // 0)
        . ' delivered twice';
}

done_testing;
