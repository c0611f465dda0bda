#!/usr/bin/perl
# liaison-worker: kill -9 in the middle of a batch loses nothing and sends
# nothing again that was confirmed.  The rows in flight at the kill stay
# 'sending' until their lease expires, then go back to 'pending' and are
# sent by the next pass; only a send whose answer arrived but was not yet
# recorded could repeat (docs/worker.md, "the one window").

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::MockWeChat;
use Liaison::Worker;

my $NOW = '2026-03-02T10:00:00+08:00';
my $LATER = '2026-03-02T10:01:01+08:00';    # after the 60 s lease
my $N = 60;

my $env = Liaison::Test->start(no_nginx => 1);
my $mock = Liaison::MockWeChat->start;
my $w = Liaison::Worker->new($env, $mock, batch_size => 20, concurrency => 4,
    lease => 60, http_timeout => 20);

$w->once($NOW);    # tokens
my @ids = map {
    $w->outbox_add(channel => 'sms', recipient => '13900139000',
        payload => { text => "消息#$_#" })
} 1 .. $N;

my $pid = $w->spawn('once', "--now=$NOW");

# let some be confirmed, then hold the answers: sends are in flight
ok wait_until(sub { $env->sql_one("SELECT COUNT(*) FROM outbox "
    . "WHERE status = 'sent'") >= 10 }, 60), 'ten confirmed';
$mock->hold(1);
ok wait_until(sub { $mock->stats->{held} >= 1 }, 60),
    'sends in flight, unanswered';
kill 'KILL', $pid;
waitpid $pid, 0;
is $? & 127, 9, 'the worker died of SIGKILL';
$mock->drop_held;
$mock->hold(0);

my %before = map { $_->{id} => $_->{status} }
    @{ $env->sql('SELECT id, status FROM outbox') };
my @sent = grep { $before{$_} eq 'sent' } @ids;
my @sending = grep { $before{$_} eq 'sending' } @ids;
ok @sent >= 10, scalar(@sent) . ' confirmed before the kill';
ok @sending >= 1, scalar(@sending) . ' claimed, in flight at the kill';
is scalar(@sent) + scalar(@sending) + scalar(grep { $before{$_} eq 'pending' }
    @ids), $N, 'every row is sent, sending or pending: nothing lost';

# before the lease expires nobody touches the claimed rows
$w->once($NOW);
is $env->sql_one("SELECT COUNT(*) FROM outbox WHERE status = 'sending'"),
    scalar @sending, 'claimed rows wait for their lease';

# after it, everything goes
my $r = $w->once($LATER);
is $r->{rc}, 0, 'the next pass exits 0';
like $r->{output}, qr/went back to pending \(lease expired\)/,
    'the expired claims are logged';
is $env->sql_one("SELECT COUNT(*) FROM outbox WHERE status = 'sent'"), $N,
    "all $N sent in the end";
is $env->sql_one("SELECT COUNT(*) FROM delivery_attempts WHERE result = "
    . "'lease_expired'"), scalar @sending, 'each expired claim recorded';

my %count;
for my $c ($mock->delivered('sms')) {
    $count{$1}++ if $c->{json}{content} =~ /#(\d+)#/;
}
is scalar(keys %count), $N, 'the gateway delivered every message';
my %num = map { $ids[$_ - 1] => $_ } 1 .. $N;
is scalar(grep { $count{ $num{$_} } != 1 } @sent), 0,
    'nothing confirmed before the kill was sent again';
is scalar(grep { $count{$_} != 1 } keys %count), 0,
    'every message delivered exactly once';

done_testing;
