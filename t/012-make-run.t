#!/usr/bin/perl
# scripts/run.sh (make run / make stop) in a private state directory and on
# free ports: starts everything, answers, demo accounts log in, a second
# start is safe (reload), stop stops, start after stop works again.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use File::Temp qw(tempdir);
use HTTP::Tiny;

plan skip_all => 'module not built' unless -f $Liaison::Test::MODULE;
plan skip_all => 'liaison-admin not built' unless -x $Liaison::Test::ADMIN;
plan skip_all => 'liaison-worker not built (make worker)'
    unless -x "$Liaison::Test::ROOT/build/bin/liaison-worker";

my $root = $Liaison::Test::ROOT;
my $var = tempdir('liaison-run-XXXXXX', TMPDIR => 1,
    CLEANUP => !$ENV{LIAISON_KEEP});
# the workers of conf/nginx-local.conf.in run as nobody: they must reach
# the database socket under the state directory
chmod 0755, $var;
my $port = Liaison::Test::free_port();
my $db_port = Liaison::Test::free_port();
# not `local`: the END block below must still see them (or it would stop
# the instance of var/)
$ENV{LIAISON_VAR} = $var;
$ENV{LIAISON_PORT} = $port;
$ENV{LIAISON_DB_PORT} = $db_port;
my $started = 0;
my $start_output = '';

sub run_sh {
    my ($cmd) = @_;
    my $r = Liaison::Test::_run_capture("$root/scripts/run.sh", $cmd);
    return $r;
}

END {
    local $?;
    run_sh('stop') if $started && ($ENV{LIAISON_VAR} // '') eq $var;
}

# no keep-alive: a second start reloads nginx, and a kept connection to an
# old worker would race with its shutdown
my $http = HTTP::Tiny->new(timeout => 10, keep_alive => 0);
my $base = "http://127.0.0.1:$port/api/v1";

sub login {
    my ($u) = @_;
    my $r = $http->post("$base/staff/login", {
        headers => { 'Content-Type' => 'application/json' },
        content => json_encode({ username => $u,
                                 password => 'Liaison-demo-2026' }) });
    return $r;
}

for my $round (1, 2) {
    $started = 1;
    my $r = run_sh('start');
    $start_output = $r->{output};
    is $r->{rc}, 0, "round $round: run.sh start succeeds" or diag $r->{output};
    like $r->{output}, qr/nginx (?:started|reloaded)/,
        "round $round: ... nginx " . ($round == 1 ? 'started' : 'reloaded');
    like $r->{output}, qr/Liaison-demo-2026/, "round $round: ... prints the demo password";
    like $r->{output}, qr{curl -s http://127\.0\.0\.1:$port/api/v1/health},
        "round $round: ... prints what to call";
    like $r->{output}, qr{liaison-admin sign \Q$var\E/secrets/ingest_key},
        "round $round: ... and how to sign an ingest request";
    my $h = $http->get("$base/health");
    is $h->{status}, 200, "round $round: health 200";
    for my $u (qw(platform judge1 judge2 deptstaff liaison leader vp
                  president filing admin)) {
        my $l = login($u);
        is $l->{status}, 200, "round $round: demo account $u logs in"
            or diag $l->{content};
    }
    my $mode = (stat "$var/secrets/token_secret")[2] & 07777;
    is sprintf('%o', $mode), '600', "round $round: token_secret is mode 600";
    ok -s "$var/secrets/token_secret" >= 32, "round $round: ... of >= 32 bytes";
    $mode = (stat "$var/secrets/db_password")[2] & 07777;
    is sprintf('%o', $mode), '600', "round $round: db_password is mode 600";
}

# the database: departments with their leaders, calendar, migrations
{
    my $r = Liaison::Test::_run_capture_stdin(
        "SELECT COUNT(*) FROM departments WHERE leader_staff_id IS NOT NULL "
        . "AND vice_president_staff_id IS NOT NULL;\n"
        . "SELECT COUNT(*) FROM calendar_years;\n"
        . "SELECT COUNT(*) FROM schema_migrations;\n",
        'mariadb', "--defaults-file=$var/secrets/client.cnf", '-N', '-B');
    my @n = split /\n/, $r->{stdout};
    is $n[0], 9, 'nine departments with a leader and a vice president';
    is $n[1], 7, 'calendar 2020-2026 loaded';
    ok $n[2] >= 1, 'migrations recorded';
}

# the demo a journey needs: cases with parties and nodes through the
# signed ingest (sent twice, counted once), the liaison directory
{
    my $r = Liaison::Test::_run_capture_stdin(
        "SELECT COUNT(*) FROM cases;\n"
        . "SELECT COUNT(*) FROM case_parties WHERE mobile IS NOT NULL;\n"
        . "SELECT COUNT(*) FROM case_nodes;\n"
        . "SELECT COUNT(DISTINCT department_id) FROM liaison_records;\n",
        'mariadb', "--defaults-file=$var/secrets/client.cnf", '-N', '-B');
    my @n = split /\n/, $r->{stdout};
    is $n[0], 3, 'three demo cases';
    is $n[1], 5, '... parties with a mobile (case-node SMS)';
    is $n[2], 4, '... four process nodes, once each';
    is $n[3], 7, 'a liaison for each of seven departments';
    my $l = $http->get("$base/liaisons");
    ok +(grep { $_->{name} eq '刘洋' } @{ Liaison::Test::json_decode(
        $l->{content})->{items} }), 'the public directory lists them';
}

# nginx's workers run as www-data (as root here) and store attachments
SKIP: {
    skip 'not root: the workers run as the caller', 4 if $> != 0;
    skip 'www-data cannot reach this checkout (run.sh said so)', 4
        if $start_output =~ /workers run as root here/;
    my $master = Liaison::Test::_slurp("$var/nginx/nginx.pid") =~ s/\s+//r;
    my @uids;
    for my $pid (map { s{.*/}{}r } glob '/proc/[0-9]*') {
        open my $fh, '<', "/proc/$pid/stat" or next;    # gone meanwhile
        my ($ppid) = (<$fh> // '') =~ /\)\s+\S+\s+(\d+)/;
        push @uids, (stat "/proc/$pid")[4]
            if defined $ppid && $ppid == $master;
    }
    my $www = getpwnam('www-data');
    ok @uids && !grep({ $_ != $www } @uids),
        'nginx\'s workers run as www-data' or diag "uids @uids";
    my $tok = Liaison::Test::json_decode(login('platform')->{content})->{token};
    my $t = $http->post("$base/tickets", { headers => {
        'Content-Type' => 'application/json', Authorization => "Bearer $tok" },
        content => json_encode({ channel => 'hall', category => 'material',
            content => '提交证据材料', contact => { name => '张三',
            phone => '13800138000' } }) });
    my $no = Liaison::Test::json_decode($t->{content})->{ticket_no};
    my $a = $http->post("$base/staff/tickets/$no/attachments?purpose=material"
        . '&filename=evidence.pdf', { headers => {
        'Content-Type' => 'application/pdf', Authorization => "Bearer $tok" },
        content => "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" });
    is $a->{status}, 201, 'an attachment is stored' or diag $a->{content};
    my ($f) = glob "$var/nginx/attachments/*";
    ok $f, '... in the attachment store';
    is +(stat $f)[4], $www, '... owned by the workers\' user';
}

my $r = run_sh('stop');
is $r->{rc}, 0, 'run.sh stop succeeds' or diag $r->{output};
my $h = $http->get("$base/health");
isnt $h->{status}, 200, 'nothing answers after stop';
$r = run_sh('stop');
is $r->{rc}, 0, 'run.sh stop again is harmless';
$r = run_sh('start');
is $r->{rc}, 0, 'start after stop succeeds' or diag $r->{output};
is $http->get("$base/health")->{status}, 200, '... and answers';
my $log = Liaison::Test::_slurp("$var/nginx/logs/error.log");
my @bad = grep { $_ =~ $Liaison::Test::BAD_LOG_RE } split /\n/, $log;
ok !@bad, 'error log is clean' or diag join "\n", @bad;
$r = run_sh('stop');
is $r->{rc}, 0, 'final stop';
$started = 0;

done_testing;
