#!/usr/bin/perl
# Liaison bench of the staff worklist (`make bench-worklist`): GET
# /staff/tickets for a department holding BENCH_DEPT_TICKETS work orders
# (50,000 by default, bulk-inserted with SQL beside as many in another
# department), as its leader sees it (sorted by due time, first page), with
# the overdue filter, and as the platform (every department).  Uses the t/
# harness: private MariaDB, the real nginx with the module.  Prints req/s,
# p50, p99 and non-2xx; writes bench/results/worklist.txt.
#
# Environment: BENCH_SECONDS (10), BENCH_THREADS (2), BENCH_CONNECTIONS (64),
# BENCH_DEPT_TICKETS (50000).

use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::Bin/../t/lib";
use Liaison::Test;
use Liaison::Staff;

my $seconds = $ENV{BENCH_SECONDS} // 10;
my $threads = $ENV{BENCH_THREADS} // 2;
my $conns = $ENV{BENCH_CONNECTIONS} // 64;
my $n = $ENV{BENCH_DEPT_TICKETS} // 50000;

my $env = Liaison::Test->start(workers => 2, pool_size => 16,
    staff => staff_cast());
my $S = staff_setup($env);
my $civil = $S->{leader}{dept};
my $criminal = $S->{leader2} ? $S->{leader2}{dept}
             : $env->sql_one("SELECT id FROM departments WHERE code = "
                             . "'criminal'");

# a year of work orders: one in ten still open (dispatched or accepted),
# the rest replied or closed; due times spread over a year around now
for my $d ($civil, $criminal) {
    $env->sql(<<SQL, $d, $d, $n);
INSERT INTO tickets (ticket_no, query_code, channel, category, track,
    status, content, department_id, created_at, due_at, updated_at)
SELECT CONCAT('B', ?, '-', seq), 'ABCDEFGHJK', 'web', 'contact_judge',
    'ordinary', CASE WHEN seq % 20 = 0 THEN 'dispatched'
    WHEN seq % 20 = 1 THEN 'accepted' WHEN seq % 20 < 4 THEN 'replied'
    ELSE 'closed' END, CONCAT('压测工单 ', seq), ?,
    NOW() - INTERVAL (seq % 365) DAY,
    NOW() + INTERVAL CAST(seq % 365 AS SIGNED) - 182 DAY, NOW()
FROM seq_1_to_1000000 WHERE seq <= ?
SQL
}
$env->sql('ANALYZE TABLE tickets');

my $url = 'http://127.0.0.1:' . $env->port;
my @rows;

sub wrk {
    my ($name, $path, $tok) = @_;
    my @h = ('-H', "Authorization: Bearer $tok");
    system('wrk', "-t$threads", "-c$conns", '-d2s', @h, "$url$path") == 0
        or die "wrk failed\n";
    my $q = join ' ', map { "'$_'" } @h;
    my $out = `wrk -t$threads -c$conns -d${seconds}s --latency $q '$url$path'`;
    my ($rps) = $out =~ /Requests\/sec:\s+([\d.]+)/;
    my ($p50) = $out =~ /\s50%\s+([\d.]+\w+)/;
    my ($p99) = $out =~ /\s99%\s+([\d.]+\w+)/;
    my ($non2xx) = $out =~ /Non-2xx or 3xx responses:\s+(\d+)/;
    push @rows, sprintf "%-44s %9s req/s  p50 %8s  p99 %8s  non-2xx %s",
        $name, $rps // '?', $p50 // '?', $p99 // '?', $non2xx // 0;
    print STDERR "$rows[-1]\n";
}

my $r = $env->req(GET => '/api/v1/staff/tickets?per_page=1',
    token => $S->{leader}{token});
die $r->summary unless $r->status == 200;
my $total = $r->json->{total};

wrk("department leader, $total in scope", '/api/v1/staff/tickets',
    $S->{leader}{token});
wrk('department leader, overdue=1', '/api/v1/staff/tickets?overdue=1',
    $S->{leader}{token});
wrk('department leader, status=accepted, page 50',
    '/api/v1/staff/tickets?status=accepted&page=50', $S->{leader}{token});
wrk('platform, every department', '/api/v1/staff/tickets',
    $S->{platform}{token});
wrk('department leader, all=1 (finished ones too)',
    '/api/v1/staff/tickets?all=1', $S->{leader}{token});

my $text = join "\n", "Liaison worklist bench, " . scalar(localtime)
    . ", wrk -t$threads -c$conns -d${seconds}s, $n work orders in each of "
    . "two departments", @rows, '';
mkdir "$FindBin::Bin/results";
open my $fh, '>', "$FindBin::Bin/results/worklist.txt" or die $!;
print $fh $text;
close $fh;
print $text;
$env->stop;
