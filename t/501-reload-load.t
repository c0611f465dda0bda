#!/usr/bin/perl
# Reload and binary upgrade under load: our own load loop (4 clients, a
# new connection per request: health checks and intakes) and wrk run
# while `nginx -s reload` is sent 20 times, then while the binary is
# upgraded (USR2, WINCH and QUIT to the old master).  Every request sent
# is answered 200/201 -- no refused connection, no reset, no 5xx -- and
# every 201 is exactly one ticket in the database.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);
use Liaison::Test;
use Liaison::Tickets;
use Liaison::Load;

my $env = Liaison::Test->start(workers => 2, pool_size => 4);
my $p = $env->prefix;
my @nginx = ($Liaison::Test::NGINX, '-p', "$p/", '-c', "$p/conf/nginx.conf",
    '-e', "$p/logs/error.log");

sub access_lines {
    my $f = "$p/logs/access.log";
    return 0 unless -f $f;
    open my $fh, '<', $f or return 0;
    my $n = 0;
    $n++ while <$fh>;
    return $n;
}

# at least $n more requests have been served since the mark
sub progressed {
    my ($label, $n) = @_;
    my $from = access_lines();
    ok wait_until(sub { access_lines() >= $from + $n }, 20),
        "$label: requests keep being served";
}

my $load = Liaison::Load->start($env, clients => 4, requests => [
    [ GET => '/api/v1/health' ],
    [ POST => '/api/v1/tickets', sub { ticket_body(channel => 'web') } ],
    [ GET => '/api/v1/health' ],
]);

my ($wrk_pid, $wrk_out);
SKIP: {
    skip 'wrk not installed', 1 unless -x '/usr/bin/wrk';
    $wrk_out = $env->dir . '/wrk.out';
    $wrk_pid = fork;
    die "fork: $!" unless defined $wrk_pid;
    if (!$wrk_pid) {
        open STDOUT, '>', $wrk_out;
        open STDERR, '>&', \*STDOUT;
        exec('/usr/bin/wrk', '-t2', '-c8', '-d120s', '-H',
            'Connection: close', 'http://127.0.0.1:' . $env->port
            . '/api/v1/health') or POSIX::_exit(127);
    }
    pass 'wrk started (Connection: close, 8 connections)';
}

progressed('before the reloads', 50);

# 20 reloads, each waited for (the old workers gone) with traffic between
my $master = $env->nginx_pid;
for my $n (1 .. 20) {
    my %old = map { $_ => 1 } $env->workers_pids;
    my $r = Liaison::Test::_run_capture(@nginx, '-s', 'reload');
    is $r->{rc}, 0, "nginx -s reload $n" or diag $r->{output};
    ok wait_until(sub {
        my @w = $env->workers_pids;
        @w == 2 && !grep { $old{$_} } @w;
    }, 30), "reload $n: the new workers took over";
    progressed("after reload $n", 10);
}
is $env->nginx_pid, $master, 'the same master throughout';

# the binary upgrade: USR2 starts a new master beside the old one
my %old_workers = map { $_ => 1 } $env->workers_pids;
kill 'USR2', $master;
my $new_master;
ok wait_until(sub {
    -s "$p/nginx.pid.oldbin" && ($new_master = $env->nginx_pid)
        && $new_master != $master
        && 2 == grep { /worker process$/ }
            values %{ { Liaison::Test::_children($new_master) } };
}, 30), 'USR2: a new master with its workers runs beside the old one';
progressed('both masters', 30);
kill 'WINCH', $master;
ok wait_until(sub {
    !grep { kill 0, $_ } keys %old_workers }, 30),
    'WINCH: the old workers finished and left';
progressed('the new workers alone', 30);
kill 'QUIT', $master;
ok wait_until(sub { !kill 0, $master }, 30), 'QUIT: the old master exited';
ok !-e "$p/nginx.pid.oldbin", 'nginx.pid.oldbin is gone';
progressed('after the upgrade', 30);

my $t = $load->stop;
diag 'load: ' . Liaison::Load::summary($t);
ok $t->{sent} > 200, "many requests sent ($t->{sent})";
is $t->{failed}, 0, 'no request failed (refused, reset, no answer)';
is $t->{answered}, $t->{sent}, 'every request sent was answered';
is_deeply [ sort grep { $_ != 200 && $_ != 201 } keys %{ $t->{status} } ],
    [], 'every answer was 200 or 201';
my $created = $t->{status}{201} // 0;
ok $created > 50, "intakes made during the reloads ($created)";
is $env->sql_one('SELECT COUNT(*) FROM tickets'), $created,
    'one ticket per 201 answer';
my %uniq = map { $_ => 1 } @{ $t->{created} };
is scalar(keys %uniq), $created, 'every ticket number answered once';

if ($wrk_pid) {
    kill 'INT', $wrk_pid;
    waitpid $wrk_pid, 0;
    my $out = Liaison::Test::_slurp($wrk_out);
    diag "wrk: $1 requests" if $out =~ /(\d+) requests in/;
    my ($reqs) = $out =~ /(\d+) requests in/;
    ok $reqs && $reqs > 100, 'wrk made requests throughout' or diag $out;
    unlike $out, qr/Socket errors/, 'wrk: no socket errors' or diag $out;
    unlike $out, qr/Non-2xx/, 'wrk: no non-2xx answers' or diag $out;
}

is $env->req(GET => '/api/v1/health')->status, 200, 'health after it all';

done_testing;
