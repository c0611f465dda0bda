#!/usr/bin/perl
# `make run CLUSTER=1` (scripts/run.sh with LIAISON_CLUSTER=1) in a private
# state directory and on free ports: the whole system on a three-node
# Galera cluster — nginx lists the three nodes, the worker too, the demo
# data is on every node, intake answers, the worker runs; it prints where
# to point a client and the nodes; stop stops everything, the cluster too.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use File::Temp qw(tempdir);
use HTTP::Tiny;

Liaison::Test->skip_without_galera;
plan skip_all => 'module, liaison-admin or liaison-worker not built'
    unless -f $Liaison::Test::MODULE && -x $Liaison::Test::ADMIN
        && -x "$Liaison::Test::ROOT/build/bin/liaison-worker";

my $root = $Liaison::Test::ROOT;
my $var = tempdir('liaison-run-cluster-XXXXXX', TMPDIR => 1,
    CLEANUP => !$ENV{LIAISON_KEEP});
chmod 0755, $var;
my $port = Liaison::Test::free_port();
my $cport = Liaison::Test::cluster_base_port();
# not `local`: the END block must still see them
$ENV{LIAISON_VAR} = $var;
$ENV{LIAISON_PORT} = $port;
$ENV{LIAISON_CLUSTER_PORT} = $cport;
$ENV{LIAISON_CLUSTER} = 1;
my $started = 0;

sub run_sh {
    return Liaison::Test::_run_capture("$root/scripts/run.sh", @_);
}

END {
    local $?;
    run_sh('stop') if $started && ($ENV{LIAISON_VAR} // '') eq $var;
}

my $http = HTTP::Tiny->new(timeout => 10, keep_alive => 0);
my $base = "http://127.0.0.1:$port/api/v1";

$started = 1;
my $r = run_sh('start');
is $r->{rc}, 0, 'run.sh start on a cluster succeeds' or diag $r->{output};
like $r->{output}, qr{curl -s http://127\.0\.0\.1:$port/api/v1/health},
    '... prints where to point a client';
like $r->{output}, qr/three-node Galera cluster/, '... says it is a cluster';
for my $n (1 .. 3) {
    like $r->{output}, qr{\Q$var\E/cluster/node$n/mysqld\.sock},
        "... names node $n";
}

my $conf = Liaison::Test::_slurp("$var/nginx/nginx.conf");
like $conf, qr{liaison_db\s+unix:\Q$var\E/cluster/node1/mysqld\.sock
    \s+unix:\Q$var\E/cluster/node2/mysqld\.sock
    \s+unix:\Q$var\E/cluster/node3/mysqld\.sock\s}x,
    'nginx: liaison_db lists the three nodes in order';
my $wconf = Liaison::Test::_slurp("$var/liaison-worker.conf");
like $wconf, qr{^db_nodes\ =\ unix:\Q$var\E/cluster/node1/mysqld\.sock
    \s+unix:\Q$var\E/cluster/node2/mysqld\.sock
    \s+unix:\Q$var\E/cluster/node3/mysqld\.sock$}mx,
    'worker: db_nodes lists them too';
unlike $wconf, qr/^db_socket/m, '... and no db_socket';

is $http->get("$base/health")->{status}, 200, 'health 200';
my $t = $http->post("$base/tickets", {
    headers => { 'Content-Type' => 'application/json' },
    content => json_encode({ channel => 'web', category => 'consultation',
        content => '集群上的诉求', contact => { name => '张三',
        phone => '13800138000' } }) });
is $t->{status}, 201, 'intake 201' or diag $t->{content};
my $l = $http->post("$base/staff/login", {
    headers => { 'Content-Type' => 'application/json' },
    content => json_encode({ username => 'platform',
                             password => 'Liaison-demo-2026' }) });
is $l->{status}, 200, 'a demo account logs in';

# the demo data and the ticket replicated to node 3
my $no = Liaison::Test::json_decode($t->{content})->{ticket_no} // '';
ok wait_until(sub {
    my $q = Liaison::Test::_run_capture_stdin(
        "SELECT COUNT(*) FROM liaison.departments;\n"
        . "SELECT COUNT(*) FROM liaison.tickets WHERE ticket_no = '$no';\n",
        'mariadb', '--no-defaults', '--protocol=socket',
        "--socket=$var/cluster/node3/mysqld.sock", '-uroot', '-N', '-B');
    $q->{stdout} =~ /^(\d+)\n1\n\z/ && $1 >= 9;
}, 10), 'node 3 has the demo departments and the new ticket';

my $s = run_sh('status');
is $s->{rc}, 0, 'run.sh status: all up' or diag $s->{output};
like $s->{output}, qr/node 3 .*Synced Primary 3/, '... three synced nodes';
ok wait_until(sub {
    -s "$var/liaison-worker.log" && Liaison::Test::_slurp(
        "$var/liaison-worker.log") =~ /writes go to node \S+node1/ }, 10),
    'the worker writes through node 1';

$r = run_sh('stop');
$started = 0;
is $r->{rc}, 0, 'run.sh stop' or diag $r->{output};
like $r->{output}, qr/node 1 stopped/, '... stops the cluster';
isnt Liaison::Test::_run_capture('mariadb', '--no-defaults',
    '--protocol=socket', "--socket=$var/cluster/node1/mysqld.sock", '-uroot',
    '-e', 'SELECT 1')->{rc}, 0, 'node 1 no longer answers';

done_testing;
