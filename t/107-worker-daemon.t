#!/usr/bin/perl
# liaison-worker: --check refuses bad configuration naming the key; the
# daemon delivers, reloads on SIGHUP (and keeps the old configuration when
# the new one is bad), and on SIGTERM finishes the sends in flight,
# releases what it claimed but did not start, and exits 0.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::MockWeChat;
use Liaison::Worker;

my $env = Liaison::Test->start(no_nginx => 1);
my $mock = Liaison::MockWeChat->start;
my $w = Liaison::Worker->new($env, $mock, poll_interval => 1,
    concurrency => 2, batch_size => 5, ladder_interval => 1);

# --- --check --------------------------------------------------------------
my $r = $w->check;
is $r->{rc}, 0, '--check: ok' or diag $r->{output};
like $r->{output}, qr/is ok/, '--check says so';

# the shipped example is valid once its files exist
my $ex = Liaison::Test::_slurp("$Liaison::Test::ROOT/conf/liaison-worker"
    . '.conf.example');
my $s = $env->dir . '/secrets';
$ex =~ s{^db_password_file = .*$}{db_password_file = $s/db_password}m;
$ex =~ s{^wx_secret_file = .*$}{wx_secret_file = $s/wx_secret}m;
my $exf = $env->dir . '/example.conf';
Liaison::Worker::_spew($exf, $ex);
$r = $w->check($exf);
is $r->{rc}, 0, 'conf/liaison-worker.conf.example passes --check'
    or diag $r->{output};

my %bad = (
    "bogus_key = 1\n" => qr/:\d+: unknown key "bogus_key"/,
    "concurrency = 0\n" => qr/"concurrency" must be an integer 1\.\.512/,
    "log_level = loud\n" => qr/"log_level"/,
    "office_hours = 14:00-12:00,13:00-18:00\n" => qr/"office_hours"/,
    "ladder_channels = sms, fax\n" => qr/unknown channel "fax"/,
    "lease = 10\n" => qr/"lease" must be at least/,
    "sms_method = PUT\n" => qr/"sms_method"/,
    "supervision_complaints = 1\n"
        => qr/"supervision_complaints" must be 0 \(off\) or from 2 to 100/,
    "supervision_window_days = 0\n"
        => qr/"supervision_window_days" must be an integer 1\.\.366/,
    "wx_secret_file = /nonexistent/x\n" => qr/"wx_secret_file": cannot open/,
    "db_user = a\ndb_user = b\n" => qr/"db_user" is set twice/,
    "just words\n" => qr/expected "key = value"/,
);
for my $line (sort keys %bad) {
    my $f = $env->dir . '/bad.conf';
    my $base = Liaison::Test::_slurp($w->conf_file);
    my ($k) = $line =~ /^(\w+)/;
    $base =~ s/^\Q$k\E = .*\n//mg if $line =~ / = /;
    Liaison::Worker::_spew($f, $base . $line);
    $r = $w->check($f);
    is $r->{rc}, 1, "--check refuses: $line";
    like $r->{output}, $bad{$line}, '... and says why';
    unlike $r->{output}, qr/\Q$Liaison::MockWeChat::SECRET\E/,
        '... without a secret';
}

# the database away: once fails with 1
my $w0 = Liaison::Worker->new($env, $mock, db_socket => '/nonexistent.sock');
$r = $w0->once('2026-03-02T10:00:00+08:00');
is $r->{rc}, 1, 'once without a database exits 1';
like $r->{output}, qr/database connect/, '... saying so';

# --- the daemon -----------------------------------------------------------
my $pid = $w->spawn();
my $a = $w->outbox_add(channel => 'sms', recipient => '13900139000',
    payload => { text => '第一条' });
ok wait_until(sub { $w->outbox($a)->{status} eq 'sent' }, 30),
    'the daemon delivers';

# SIGHUP: a new signature
$w->write_conf(sms_sign => '【新签名】');
my $mark = length $w->log_text;
kill 'HUP', $pid;
ok wait_until(sub { substr($w->log_text, $mark)
    =~ /configuration reloaded/ }, 30), 'SIGHUP: reloaded';
my $b = $w->outbox_add(channel => 'sms', recipient => '13900139000',
    payload => { text => '第二条' });
ok wait_until(sub { $w->outbox($b)->{status} eq 'sent' }, 30),
    'delivers after the reload';
my ($last) = reverse $mock->delivered('sms');
is $last->{json}{content}, '【新签名】第二条', 'with the new configuration';

# SIGHUP with a broken file: refused, the old one stays
Liaison::Worker::_spew($w->conf_file,
    Liaison::Test::_slurp($w->conf_file) . "nonsense = 1\n");
$mark = length $w->log_text;
kill 'HUP', $pid;
ok wait_until(sub { substr($w->log_text, $mark) =~ /reload refused/ }, 30),
    'SIGHUP with a bad file: refused';
$w->write_conf;    # repaired
my $c = $w->outbox_add(channel => 'sms', recipient => '13900139000',
    payload => { text => '第三条' });
ok wait_until(sub { $w->outbox($c)->{status} eq 'sent' }, 30),
    'still delivering with the old configuration';

# SIGTERM while sends are in flight
$mock->hold(1);
my @ids = map {
    $w->outbox_add(channel => 'sms', recipient => '13900139000',
        payload => { text => "停机$_" })
} 1 .. 5;
ok wait_until(sub { $mock->stats->{held} >= 2 }, 30),
    'two sends in flight (concurrency 2)';
kill 'TERM', $pid;
ok wait_until(sub { $env->sql_one("SELECT COUNT(*) FROM outbox WHERE "
    . "status = 'sending'") == 5 }, 5), 'five claimed';
$mock->hold(0);
my $rc = Liaison::Worker->reap($pid, 30);
is $rc, 0, 'SIGTERM: exit 0 after the sends in flight';
my %st;
$st{ $w->outbox($_)->{status} }++ for @ids;
is_deeply \%st, { sent => 2, pending => 3 },
    'in-flight sends recorded as sent, the other three released';
is $env->sql_one("SELECT COUNT(*) FROM delivery_attempts WHERE result = "
    . "'released'"), 3, 'released recorded';
is $env->sql_one("SELECT MAX(attempts) FROM outbox WHERE status = "
    . "'pending'"), 0, 'a released row keeps its attempt count';
like $w->log_text, qr/liaison-worker stopped: \d+ sent/, 'a last log line';
unlike $w->log_text, qr/13900139000/, 'phones masked in the daemon log';

done_testing;
