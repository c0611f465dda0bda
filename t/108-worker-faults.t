#!/usr/bin/perl
# liaison-worker under faults, measured per message (issue 15):
#
#  * kill -9 of the daemon during delivery, three times: what a crash can
#    repeat is only the sends that had started (send_started_at) and were
#    not recorded; on channels with the provider's own dedup key
#    (template client_msg_id, WeCom duplicate check, an SMS gateway's
#    client id) the repeat is dropped; wx_subscribe is not sent again
#    (failed as 'uncertain'); what was claimed and never started goes
#    back to pending as never sent.
#  * kill -9 of MariaDB during a pass: no send starts once outcomes cannot
#    be recorded; the daemon reconnects within the pass, records what it
#    holds and goes on: nothing is sent twice.
#
# The mock answers every send after 400 ms (long enough that a loaded
# machine still kills the daemon with sends in flight) and counts a message
# delivered when it receives it, so a send in flight at the kill has reached
# the provider: the worst case for duplicates.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::MockWeChat;
use Liaison::Worker;
use POSIX qw(strftime);

my $env = Liaison::Test->start(no_nginx => 1);
my $mock = Liaison::MockWeChat->start(delay_ms => 400);
my $SMS_UID = '{"account":"${account}","password":"${secret}",'
    . '"mobile":"${phone}","content":"${text}","uid":"liaison-${id}"}';
my $w = Liaison::Worker->new($env, $mock, concurrency => 16, batch_size => 50,
    lease => 40, http_timeout => 5, connect_timeout => 2,
    wx_require_consent => 'off', sms_body => $SMS_UID);

$w->once('2026-03-02T10:00:00+08:00');    # tokens

my $seq = 0;

# $n messages in rotation over the channels; { marker => [channel, id] }
sub add_messages {
    my ($n) = @_;
    my %m;
    my @ch = qw(sms wx_template wecom wx_custom wx_subscribe);
    for my $i (1 .. $n) {
        my $ch = $ch[ $i % @ch ];
        my $mark = sprintf '#M%05d#', ++$seq;
        my $oid = Liaison::MockWeChat->openid($seq);
        my %row = $ch eq 'sms'
            ? (recipient => '13900139000', payload => { text => "短信$mark" })
            : $ch eq 'wx_template'
            ? (recipient => $oid, template_id => 'TPL_OA_0123456789',
               payload => { data => { first => { value => "模板$mark" } } })
            : $ch eq 'wecom'
            ? (recipient => 'zhangsan', payload => { text => "企微$mark" })
            : $ch eq 'wx_custom'
            ? (recipient => $oid, payload => { touser => $oid,
               msgtype => 'text', text => { content => "客服$mark" } })
            : (recipient => $oid, template_id => 'TPL_REPLY_0123456789',
               payload => { page => 'pages/index/index',
                            data => { thing1 => { value => "订阅$mark" } } });
        my $id = $w->outbox_add(channel => $ch, %row);
        $m{$mark} = [ $ch, $id ];
    }
    return \%m;
}

# deliveries by marker (what the provider received and acted on)
sub deliveries {
    my %n;
    for my $c ($mock->calls) {
        next unless $c->{delivered} && ($c->{body} // '') =~ /(#M\d+#)/;
        $n{$1}++;
    }
    return \%n;
}

sub sql_list {
    my ($q, @b) = @_;
    return @{ $env->sql($q, @b) };
}

# the time just after every lease of this round (the rows' own times)
sub after_leases {
    my $t = $env->sql_one('SELECT UNIX_TIMESTAMP(MAX(claimed_until)) '
        . "FROM outbox WHERE status = 'sending'") // time;
    return strftime('%Y-%m-%dT%H:%M:%S+08:00', gmtime($t + 8 * 3600 + 1));
}

my (%total, @report);

for my $kill (1 .. 3) {
    # the third kill: an SMS gateway without a client id
    $w->write_conf(sms_body => $kill == 3 ? undef : $SMS_UID);
    $mock->reset;
    my $msgs = add_messages(100);
    my @ids = map { $_->[1] } values %$msgs;
    my $in = join ',', @ids;

    # kill it with twenty sent and sends in flight
    my $pid = $w->spawn;
    ok wait_until(sub { $env->sql_one("SELECT COUNT(*) FROM outbox WHERE "
        . "id IN ($in) AND status = 'sent'") >= 20
        && $env->sql_one("SELECT COUNT(*) FROM outbox WHERE id IN ($in) "
        . "AND status = 'sending' AND send_started_at IS NOT NULL") >= 1 },
        60), "kill $kill: twenty sent by the daemon, more in flight";
    kill 'KILL', $pid;
    waitpid $pid, 0;
    is $? & 127, 9, "kill $kill: the daemon died of SIGKILL";

    my %at = map { $_->{id} => $_ } sql_list('SELECT id, status, '
        . 'send_started_at IS NOT NULL AS started FROM outbox '
        . "WHERE id IN ($in)");
    my @flight = grep { $at{$_}{status} eq 'sending' && $at{$_}{started} }
        @ids;
    my @unsent = grep { $at{$_}{status} eq 'sending' && !$at{$_}{started} }
        @ids;
    ok @flight >= 1, "kill $kill: " . scalar(@flight)
        . ' sends in flight at the kill';
    ok @flight <= 16, "kill $kill: no more in flight than the concurrency";

    # the next pass, after the leases: recovery, then the rest
    my $r = $w->once(after_leases());
    is $r->{rc}, 0, "kill $kill: the next pass exits 0";
    like $r->{output}, qr/went back to pending \(lease expired\): \d+ never/,
        "kill $kill: the recovery is logged";
    is $env->sql_one("SELECT COUNT(*) FROM outbox WHERE id IN ($in) AND "
        . "status NOT IN ('sent', 'failed')"), 0,
        "kill $kill: every message finished";

    my $got = deliveries();
    my %flight = map { $_ => 1 } @flight;
    my %unsent = map { $_ => 1 } @unsent;
    my (%dup, $lost, $twice_unsent, $over, $dropped);
    $lost = $twice_unsent = $over = $dropped = 0;
    for my $mark (keys %$msgs) {
        my ($ch, $id) = @{ $msgs->{$mark} };
        my $n = $got->{$mark} // 0;
        # a subscribe message in flight is not sent again: it may not
        # have left before the kill
        if ($n == 0 && $ch eq 'wx_subscribe' && $flight{$id}) {
            $dropped++;
            next;
        }
        $lost++ if $n == 0;
        $over++ if $n > 2 || ($n > 1 && !$flight{$id});
        $twice_unsent++ if $unsent{$id} && $n != 1;
        $dup{$ch} += $n - 1 if $n > 1;
    }
    is $lost, 0, "kill $kill: every message reached the provider (but "
        . 'subscribe messages in flight)';
    is $over, 0, "kill $kill: only a send in flight at the kill is repeated,"
        . ' at most once';
    is $twice_unsent, 0, "kill $kill: the claimed, never started ones are "
        . 'sent exactly once';
    for my $ch (qw(wx_template wecom wx_subscribe), $kill < 3 ? 'sms' : ()) {
        is $dup{$ch} // 0, 0, "kill $kill: no $ch delivered twice";
    }
    my @uncertain = grep { $at{$_}{status} eq 'sending' && $at{$_}{started} }
        map { $_->[1] } grep { $_->[0] eq 'wx_subscribe' } values %$msgs;
    for my $id (@uncertain) {
        my $o = $w->outbox($id);
        is "$o->{status} $o->{last_code}", 'failed uncertain',
            "kill $kill: subscribe message $id in flight: failed, uncertain";
    }
    my $dups = 0;
    $dups += $_ for values %dup;
    ok $dups <= @flight, "kill $kill: duplicates ($dups) <= in flight";
    push @report, sprintf 'kill %d: %d in flight, %d claimed never started, '
        . 'duplicates %d (%s), subscribe in flight never delivered %d', $kill,
        scalar @flight, scalar @unsent, $dups,
        join(', ', map { "$_ $dup{$_}" } sort keys %dup) || 'none', $dropped;
    $total{flight} += @flight;
    $total{dups} += $dups;
}

# --- kill -9 of MariaDB during a pass -----------------------------------
{
    $w->write_conf(sms_body => undef);
    $mock->reset;
    my $msgs = add_messages(100);
    my @ids = map { $_->[1] } values %$msgs;
    my $in = join ',', @ids;
    my $mark = length $w->log_text;

    my $pid = $w->spawn;
    ok wait_until(sub { $env->sql_one("SELECT COUNT(*) FROM outbox WHERE "
        . "id IN ($in) AND status = 'sent'") >= 20 }, 60),
        'db kill: twenty sent';
    my $calls_at_kill = scalar $mock->calls;
    $env->kill_db;
    ok wait_until(sub { substr($w->log_text, $mark)
        =~ /database lost during a pass: no send starts/ }, 30),
        'db kill: the daemon stops sending and says so';
    my $calls_after = scalar($mock->calls) - $calls_at_kill;
    ok $calls_after <= 16, "db kill: $calls_after request(s) left after the "
        . 'kill, none started after it (<= concurrency in flight)';
    ok $env->start_db, 'db kill: MariaDB started again';
    ok wait_until(sub { substr($w->log_text, $mark) =~ /database back after/ },
        30), 'db kill: the daemon reconnected within the pass';
    ok wait_until(sub { $env->sql_one("SELECT COUNT(*) FROM outbox WHERE "
        . "id IN ($in) AND status IN ('sent', 'failed')") == 100 }, 60),
        'db kill: every message finished without waiting for a lease';
    kill 'TERM', $pid;
    is(Liaison::Worker->reap($pid, 30), 0, 'db kill: the daemon stops cleanly');

    my $got = deliveries();
    my ($lost, $dups) = (0, 0);
    for my $m (keys %$msgs) {
        my $n = $got->{$m} // 0;
        $lost++ if $n == 0;
        $dups += $n - 1 if $n > 1;
    }
    is $lost, 0, 'db kill: every message reached the provider';
    is $dups, 0, 'db kill: nothing delivered twice';
    is $env->sql_one("SELECT COUNT(*) FROM outbox WHERE id IN ($in) AND "
        . "status = 'sent'"), 100, 'db kill: all 100 recorded as sent';
    push @report, "MariaDB kill: $calls_after request(s) in flight at the "
        . "kill, duplicates $dups";
}

diag $_ for @report;
diag "daemon kills: $total{flight} in flight in all, $total{dups} duplicates";

done_testing;
