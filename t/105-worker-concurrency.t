#!/usr/bin/perl
# liaison-worker: two workers on the same outbox send every message exactly
# once (claims with SELECT ... FOR UPDATE SKIP LOCKED), and share the last
# subscribe consents without overdrawing them.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::MockWeChat;
use Liaison::Worker;

my $NOW = '2026-03-02T10:00:00+08:00';
my $N = 400;

my $env = Liaison::Test->start(no_nginx => 1);
my $mock = Liaison::MockWeChat->start;
my @w = map { Liaison::Worker->new($env, $mock, batch_size => 10,
    concurrency => 4) } 1 .. 2;
# slow answers, so that the two really overlap
$mock->configure(delay_ms => 5);

# tokens first, so that both start sending at once
$w[0]->once($NOW);

my $dbh = $env->dbh;
$dbh->begin_work;
for my $i (1 .. $N) {
    $w[0]->outbox_add(channel => 'sms', recipient => '13900139000',
        payload => { text => "消息#$i#" });
}
$dbh->commit;

my @pids = map { $_->spawn('once', "--now=$NOW") } @w;
for my $i (0, 1) {
    my $rc = Liaison::Worker->reap($pids[$i], 120);
    is $rc, 0, "worker $i exits 0";
}

is $env->sql_one("SELECT COUNT(*) FROM outbox WHERE status = 'sent'"), $N,
    "all $N sent";
my %count;
for my $c ($mock->calls('sms')) {
    $count{$1}++ if $c->{json}{content} =~ /#(\d+)#/;
}
is scalar(keys %count), $N, 'the gateway saw every message';
is scalar(grep { $count{$_} != 1 } keys %count), 0,
    'and each exactly once';
is $env->sql_one('SELECT COUNT(*) FROM delivery_attempts'), $N,
    "$N attempts recorded";
my $per = $env->sql('SELECT worker, COUNT(*) AS n FROM delivery_attempts '
    . 'GROUP BY worker ORDER BY worker');
is scalar @$per, 2, 'both workers delivered: '
    . join(', ', map { "$_->{worker} $_->{n}" } @$per);
is $env->sql_one('SELECT MAX(attempts) FROM outbox'), 1,
    'no message claimed twice';

# ten messages, five consents, two workers: five sent, five without
my ($tpl) = @Liaison::MockWeChat::TEMPLATES;
my $openid = Liaison::MockWeChat->openid(7);
$w[0]->consent(openid => $openid, template_id => $tpl, remaining => 5);
my @ids = map {
    $w[0]->outbox_add(channel => 'wx_subscribe', recipient => $openid,
        template_id => $tpl, payload => { data => { thing1 => "第${_}条" } })
} 1 .. 10;
@pids = map { $_->spawn('once', "--now=$NOW") } @w;
Liaison::Worker->reap($_, 120) for @pids;
my $st = $env->sql('SELECT status, COUNT(*) AS n FROM outbox WHERE id >= ? '
    . 'GROUP BY status ORDER BY status', $ids[0]);
is_deeply { map { $_->{status} => $_->{n} } @$st },
    { sent => 5, failed => 5 }, 'five sent, five without consent';
is scalar($mock->delivered('subscribe')), 5, 'WeChat got exactly five';
is $env->sql_one('SELECT remaining FROM subscribe_consents WHERE openid = ?',
    $openid), 0, 'consent down to 0';

done_testing;
