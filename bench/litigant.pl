#!/usr/bin/perl
# Liaison bench of the litigant side (`make bench-litigant`): POST /wx/login
# against the project's WeChat mock (through the module's internal location)
# and GET /tickets?mine=1 of a litigant with BENCH_MINE_TICKETS tickets.
# Uses the t/ harness (private MariaDB, real nginx, the mock); prints req/s,
# p50, p99 and non-2xx and writes bench/results/litigant.txt.
#
# Environment: BENCH_SECONDS (10), BENCH_THREADS (2), BENCH_CONNECTIONS (64),
# BENCH_MINE_TICKETS (200).  The harness's MariaDB runs with
# innodb_flush_log_at_trx_commit=2 (bench/run.sh measures durable commits);
# the mock is one Perl process and bounds the login figure.

use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::Bin/../t/lib";
use Liaison::Test;
use Liaison::Tickets;
use Liaison::Litigant;

my $seconds = $ENV{BENCH_SECONDS} // 10;
my $threads = $ENV{BENCH_THREADS} // 2;
my $conns = $ENV{BENCH_CONNECTIONS} // 64;
my $n = $ENV{BENCH_MINE_TICKETS} // 200;

my $t = Liaison::Litigant->start(workers => 2, pool_size => 16,
    read_timeout => '5s');
my $env = $t->env;
$t->mock->configure(log_bodies => 0);
my $tok = $t->login(1);
for my $i (1 .. $n) {
    my $r = $env->req(POST => '/api/v1/tickets', token => $tok,
        body => ticket_body(channel => 'wechat', content => "压测诉求 $i"));
    die $r->summary unless $r->status == 201;
}

my $url = 'http://127.0.0.1:' . $env->port;
my @rows;

sub wrk {
    my ($name, @args) = @_;
    system('wrk', "-t$threads", "-c$conns", '-d2s', @args, $url) == 0
        or die "wrk failed\n";
    my $q = join ' ', map { "'$_'" } @args;
    my $out = `wrk -t$threads -c$conns -d${seconds}s --latency $q $url`;
    my ($rps) = $out =~ /Requests\/sec:\s+([\d.]+)/;
    my ($p50) = $out =~ /\s50%\s+([\d.]+\w+)/;
    my ($p99) = $out =~ /\s99%\s+([\d.]+\w+)/;
    my ($non2xx) = $out =~ /Non-2xx or 3xx responses:\s+(\d+)/;
    push @rows, sprintf "%-28s %10s req/s  p50 %8s  p99 %8s  non-2xx %s",
        $name, $rps // '?', $p50 // '?', $p99 // '?', $non2xx // 0;
    print STDERR "$rows[-1]\n";
}

wrk("GET /tickets?mine=1 ($n)", '-H', "Authorization: Bearer $tok",
    '-s', "$FindBin::Bin/mine.lua");
wrk('POST /wx/login (mock)', '-s', "$FindBin::Bin/login.lua");

my $text = join "\n", "Liaison litigant bench, " . scalar(localtime)
    . ", wrk -t$threads -c$conns -d${seconds}s", @rows, '';
open my $fh, '>', "$FindBin::Bin/results/litigant.txt" or die $!;
print $fh $text;
close $fh;
print $text;
my %codes;
open my $al, '<', $env->prefix . '/logs/access.log' or die $!;
while (<$al>) { $codes{"$1 $2"}++ if m{"(\S+ /api/v1/\S+?)(?:\?\S*)? HTTP/1.1" (\d+)} }
print map { "  $_: $codes{$_}\n" } sort keys %codes;
$env->stop;
