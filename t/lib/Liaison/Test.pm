package Liaison::Test;

# Liaison integration-test harness: a small Test::Nginx-like helper built on
# Perl core and Debian's -perl packages only (DBI, DBD::MariaDB, JSON::PP).
#
#   use Liaison::Test;              # also exports Test::More's functions
#   my $env = Liaison::Test->start(workers => 2, pool_size => 4);
#   my $r = $env->req(GET => '/api/v1/health');
#   is $r->status, 200;  is $r->json->{db}, 'ok';
#   done_testing;                   # stops nginx + MariaDB, checks error log
#
# Per test file: a private MariaDB (a copy of a template data directory made
# once under build/test-mysql-template), migrations through
# scripts/migrate.sh, the calendar through `liaison-admin calendar-sql`, a
# token secret, and the real nginx (master + workers) loading
# build/ngx_http_liaison_module.so from a temporary prefix on a free port.
#
# Environment:
#   LIAISON_KEEP=1        keep the temporary directory (path printed)
#   LIAISON_NGINX         nginx binary (default /usr/sbin/nginx)
#   LIAISON_MODULE        module .so (default build/ngx_http_liaison_module.so)
#   LIAISON_ADMIN         liaison-admin (default build/bin/liaison-admin)
#   LIAISON_NGINX_PRELOAD LD_PRELOAD for nginx only (a sanitizer runtime
#                         when LIAISON_MODULE is a sanitizer build)
#   LIAISON_TEST_VERBOSE  diag() the requests made
#   LIAISON_WORKERS_USER  the user of nginx's workers when the tests run
#                         as root (default www-data, as a deployment)
#
# nginx's workers run as that user, not as root: the master reads the
# secrets (mode 0600, root), the workers write the temp directories and an
# attachment store made theirs with $env->workers_dir($path).

use strict;
use warnings;

use Carp qw(croak confess);
use Cwd qw(abs_path);
use DBI;
use Digest::SHA qw(hmac_sha256_hex);
use Errno qw(EINTR EAGAIN EWOULDBLOCK ECHILD);
use Exporter ();
use Fcntl qw(:flock);
use File::Basename qw(dirname);
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(WNOHANG);
use Test::More ();
use Test2::API qw(test2_add_callback_testing_done);
use Time::HiRes qw(time sleep);

use Liaison::Calendar;

our @ISA = ('Exporter');
our @EXPORT = qw(wait_until luhn_valid query_code_valid json_encode
    json_decode secret_file);

# The cluster tests (t/71x): skip the whole file, saying why, without
# galera-4 or the rsync its state transfers use.
sub skip_without_galera {
    Test::More::plan(skip_all => 'galera-4 missing '
        . '(/usr/lib/galera/libgalera_smm.so): make deps installs it')
        unless -f '/usr/lib/galera/libgalera_smm.so';
    Test::More::plan(skip_all => 'rsync missing (state transfers): '
        . 'make deps installs it')
        unless grep { -x "$_/rsync" } split /:/, $ENV{PATH};
}

# A file of $dir with $text, 0600 as a key file is kept; returns its path.
sub secret_file {
    my ($dir, $name, $text) = @_;
    open my $fh, '>:raw', "$dir/$name" or die "$dir/$name: $!";
    print $fh $text;
    close $fh;
    chmod 0600, "$dir/$name";
    return "$dir/$name";
}

# `use Liaison::Test;` also gives the caller Test::More's functions.
# Test output is UTF-8 (test names and diagnostics carry Chinese text).
sub import {
    my ($class, @args) = @_;
    Test::More->export_to_level(1, 'Test::More');
    $class->export_to_level(1, $class, @args);
    my $b = Test::More->builder;
    binmode $b->$_, ':encoding(UTF-8)'
        for qw(output failure_output todo_output);
}

our $ROOT = abs_path(dirname(abs_path(__FILE__)) . '/../../..');
our $NGINX = $ENV{LIAISON_NGINX} || '/usr/sbin/nginx';
our $MODULE = $ENV{LIAISON_MODULE} || "$ROOT/build/ngx_http_liaison_module.so";
our $ADMIN = $ENV{LIAISON_ADMIN} || "$ROOT/build/bin/liaison-admin";
our $CALENDAR_FILE = "$ROOT/data/cn-working-days.txt";
our $WORKERS_USER = $> == 0 ? ($ENV{LIAISON_WORKERS_USER} || 'www-data')
    : undef;
our $TEMPLATE = "$ROOT/build/test-mysql-template";
our $DEFAULT_PASSWORD = 'Test-pass-2026';
our $QUERY_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

# error-log lines that fail a test file
our $BAD_LOG_RE = qr/\[(?:alert|crit|emerg)\]|AddressSanitizer|LeakSanitizer
    |UndefinedBehaviorSanitizer|runtime\ error:|exited\ on\ signal
    |core\ dumped/x;

my @ENVS;             # live environments, stopped at done_testing / END
my $JSON = JSON::PP->new->utf8->canonical->allow_nonref;

test2_add_callback_testing_done(sub {
    $_->_finish(1) for grep { !$_->{finished} } @ENVS;
});

END {
    my $rc = $?;
    for my $env (grep { !$_->{finished} } @ENVS) {
        eval { $env->_finish(0) };
        print STDERR "# cleanup: $@" if $@;
    }
    $? = $rc;
}

# Ctrl-C and prove's kill: still run END (stop the servers)
$SIG{INT} = $SIG{TERM} = sub { die "killed by signal\n" };

sub json_encode { $JSON->encode($_[0]) }
sub json_decode { $JSON->decode($_[0]) }


# -------------------------------------------------------------------------
# start / stop
# -------------------------------------------------------------------------

# Options (all optional):
#   workers       worker_processes (2)
#   pool_size     liaison_db_pool_size (4)
#   db_via        'unix' (default) or 'tcp' for the liaison_db address
#   http          { directive => value | [values] | undef } overriding the
#                 liaison_* http-level directives (undef drops one)
#   location      same for the /api/v1/ location (liaison_api,
#                 liaison_max_body_size)
#   main_extra, http_extra, server_extra, location_extra: raw config text
#   staff         [ { username, role, department, password, ... }, ... ]
#   allow_log     [ qr/.../, ... ] error-log lines that are expected
#   no_nginx      1: only the database (harness tests)
#   token_secret  bytes of the token secret (default: 48 random, base64)
#   html_root     a directory served at / like conf/nginx-local.conf.in
#                 serves html/ (the console); without it / answers 404
#   cluster       1: a three-node Galera cluster (scripts/cluster.sh)
#                 instead of one MariaDB; liaison_db lists the three nodes
#                 (cluster_* methods below)
#   db_order      [2, 3, 1]: the cluster's nodes in that order in liaison_db
sub start {
    my ($class, %opt) = @_;
    my $self = bless {
        opt        => \%opt,
        allow_log  => [ @{ $opt{allow_log} || [] } ],
        workers    => $opt{workers} // 2,
        finished   => 0,
        nginx_t_n  => 0,
        pid_owner  => $$,
    }, $class;
    push @ENVS, $self;

    $self->{dir} = tempdir('liaison-t-XXXXXX', TMPDIR => 1, CLEANUP => 0);
    chmod 0755, $self->{dir};
    Test::More::diag("Liaison::Test: $self->{dir}") if $ENV{LIAISON_KEEP};
    make_path("$self->{dir}/$_") for qw(mysql secrets nginx/logs nginx/conf
        nginx/tmp/body nginx/tmp/proxy nginx/tmp/fastcgi nginx/tmp/uwsgi
        nginx/tmp/scgi);
    chmod 0700, "$self->{dir}/secrets";
    $self->workers_dir("$self->{dir}/nginx/tmp/$_")
        for qw(body proxy fastcgi uwsgi scgi);

    $opt{cluster} ? $self->_cluster_init : $self->_db_init;
    $self->add_staff(%$_) for @{ $opt{staff} || [] };
    $self->_write_token_secret($opt{token_secret});
    $self->_nginx_start unless $opt{no_nginx};
    return $self;
}

sub dir { $_[0]{dir} }

# Makes a directory nginx's workers write (temp files, an attachment
# store): theirs, mode 0700; its parents must let them through.
sub workers_dir {
    my ($self, $path) = @_;
    make_path($path) unless -d $path;
    return $path unless defined $WORKERS_USER;
    my ($uid, $gid) = (getpwnam $WORKERS_USER)[2, 3];
    croak "no user $WORKERS_USER" unless defined $uid;
    chown $uid, $gid, $path or croak "chown $path: $!";
    chmod 0700, $path;
    return $path;
}
sub port { $_[0]{port} }
sub db_port { $_[0]{db_port} }
sub db_socket { $_[0]{db_sock} // "$_[0]{dir}/mysql/mysqld.sock" }
sub db_password_file { "$_[0]{dir}/secrets/db_password" }
sub token_secret_file { "$_[0]{dir}/secrets/token_secret" }
sub client_cnf { "$_[0]{dir}/secrets/client.cnf" }
sub prefix { "$_[0]{dir}/nginx" }
sub error_log_file { "$_[0]{dir}/nginx/logs/error.log" }
sub calendar { $_[0]{calendar} //= Liaison::Calendar->load($CALENDAR_FILE) }

# Expected error-log lines (regexes) for the rest of this test file.
sub allow_log {
    my ($self, @re) = @_;
    push @{ $self->{allow_log} }, @re;
}

# Stops everything now and checks the error log (also done by
# done_testing and at exit).
sub stop { $_[0]->_finish(1) }

sub _finish {
    my ($self, $assert) = @_;
    return if $self->{finished}++;
    return unless $self->{pid_owner} == $$;    # a forked child
    my @problems;
    eval { $self->_nginx_stop; 1 } or push @problems, "stopping nginx: $@";
    eval { $self->_db_stop; 1 } or push @problems, "stopping mariadbd: $@";
    unless ($self->{opt}{no_nginx}) {
        my @bad = $self->bad_log_lines;
        if ($assert) {
            Test::More::ok(!@bad, 'error log is clean'
                . ' (no alert/crit/emerg/sanitizer/signal)')
                or Test::More::diag(join "\n", 'unexpected error-log lines:',
                    @bad[0 .. ($#bad < 30 ? $#bad : 29)]);
        } elsif (@bad) {
            print STDERR "# unexpected error-log lines:\n",
                map { "#   $_\n" } @bad;
        }
    }
    if ($assert) {
        Test::More::ok(!@problems, 'nginx (SIGQUIT) and MariaDB stopped '
            . 'cleanly') or Test::More::diag(@problems);
    } elsif (@problems) {
        print STDERR "# @problems";
    }
    if ($ENV{LIAISON_KEEP}) {
        print STDERR "# LIAISON_KEEP: kept $self->{dir}\n";
    } else {
        remove_tree($self->{dir});
    }
}

sub bad_log_lines {
    my ($self) = @_;
    my @bad;
    for my $file ($self->error_log_file, "$self->{dir}/nginx/logs/stderr.log") {
        next unless -f $file;
        for my $line (split /\n/, _slurp($file)) {
            next unless $line =~ $BAD_LOG_RE;
            next if grep { $line =~ $_ } @{ $self->{allow_log} };
            push @bad, $line;
        }
    }
    return @bad;
}

sub error_log {
    my ($self) = @_;
    my $f = $self->error_log_file;
    return -f $f ? _slurp($f) : '';
}

# Byte offset of the error log now; error_log_since($mark) gives what came
# after it.
sub error_log_mark { -s $_[0]->error_log_file || 0 }

sub error_log_since {
    my ($self, $mark) = @_;
    my $text = $self->error_log;
    return length($text) > $mark ? substr($text, $mark) : '';
}


# -------------------------------------------------------------------------
# MariaDB
# -------------------------------------------------------------------------

sub _mariadbd_version {
    my $v = `mariadbd --version 2>/dev/null` // '';
    chomp $v;
    return $v;
}

# build/test-mysql-template: made once, under an flock, by mariadb-install-db
sub _template {
    my $stamp_want = join "\n", 'liaison test template v1', _mariadbd_version(),
        'innodb_log_file_size=16M', '';
    make_path(dirname($TEMPLATE));
    open my $lock, '>>', "$TEMPLATE.lock" or croak "$TEMPLATE.lock: $!";
    flock($lock, LOCK_EX) or croak "flock $TEMPLATE.lock: $!";
    my $stamp = "$TEMPLATE/liaison-template.stamp";
    if (!-f $stamp || _slurp($stamp) ne $stamp_want) {
        my $tmp = "$TEMPLATE.tmp.$$";
        remove_tree($TEMPLATE, $tmp);
        my @user = $> == 0 ? ('--user=root') : ();
        my $out = _run_capture('mariadb-install-db', '--no-defaults', @user,
            "--datadir=$tmp", '--auth-root-authentication-method=normal',
            '--skip-test-db', '--innodb-log-file-size=16M');
        croak "mariadb-install-db failed:\n$out->{output}" if $out->{rc};
        _spew("$tmp/liaison-template.stamp", $stamp_want);
        rename $tmp, $TEMPLATE or croak "rename $tmp: $!";
    }
    close $lock;
    return $TEMPLATE;
}

sub _db_init {
    my ($self) = @_;
    my $data = "$self->{dir}/mysql/data";
    my $tpl = _template();
    my $out = _run_capture('cp', '-a', $tpl, $data);
    croak "cp -a $tpl: $out->{output}" if $out->{rc};
    unlink "$data/liaison-template.stamp";

    for my $attempt (1 .. 5) {
        $self->{db_port} = free_port();
        last if $self->start_db(quiet_fail => $attempt < 5);
    }
    croak "mariadbd did not start:\n" . $self->_tail("$self->{dir}/mysql/error.log")
        unless $self->{db_pid};

    my $pw = _random_alnum(32);
    my $root = $self->_root_dbh;
    $root->do('CREATE DATABASE liaison CHARACTER SET utf8mb4 '
        . 'COLLATE utf8mb4_bin');
    for my $host ('localhost', '127.0.0.1') {
        $root->do("CREATE USER 'liaison'\@'$host' IDENTIFIED BY '$pw'");
        $root->do("GRANT ALL PRIVILEGES ON liaison.* TO 'liaison'\@'$host'");
    }
    $root->disconnect;
    _spew($self->db_password_file, $pw, 0600);
    _spew($self->client_cnf, join("\n", '[client]', 'protocol=socket',
        'socket=' . $self->db_socket, 'user=liaison', "password=$pw",
        'database=liaison', 'default-character-set=utf8mb4', ''), 0600);
    $self->{db_password} = $pw;
    $self->_db_load;
}

# the schema and the calendar
sub _db_load {
    my ($self) = @_;

    # migrations, exactly as make run applies them
    my $m = _run_capture("$ROOT/scripts/migrate.sh",
        '--defaults-file=' . $self->client_cnf);
    croak "scripts/migrate.sh failed:\n$m->{output}" if $m->{rc};
    $self->{migrate_output} = $m->{output};

    # the working-day calendar
    my $sql;
    if (-x $ADMIN) {
        my $c = _run_capture($ADMIN, 'calendar-sql', $CALENDAR_FILE);
        croak "liaison-admin calendar-sql failed:\n$c->{output}" if $c->{rc};
        $sql = $c->{stdout};
        $self->{calendar_via} = 'liaison-admin';
    } else {
        $sql = $self->calendar->to_sql;
        $self->{calendar_via} = 'perl';
        Test::More::diag("note: $ADMIN missing, calendar loaded by the "
            . 'Perl fallback');
    }
    $self->mariadb_client($sql);
}

# Runs SQL text through the mariadb client as the liaison user.
sub mariadb_client {
    my ($self, $sql, @args) = @_;
    my $r = _run_capture_stdin($sql, 'mariadb',
        '--defaults-file=' . $self->client_cnf, '--batch', @args);
    croak "mariadb client failed:\n$r->{output}" if $r->{rc};
    return $r->{stdout};
}

sub _mariadbd_args {
    my ($self) = @_;
    my $m = "$self->{dir}/mysql";
    return ('--no-defaults', ($> == 0 ? ('--user=root') : ()),
        "--datadir=$m/data", '--socket=' . $self->db_socket,
        "--pid-file=$m/mysqld.pid", "--log-error=$m/error.log",
        "--port=$self->{db_port}", '--bind-address=127.0.0.1',
        '--character-set-server=utf8mb4',
        '--collation-server=utf8mb4_unicode_ci',
        '--innodb-log-file-size=16M', '--innodb-buffer-pool-size=64M',
        '--innodb-flush-log-at-trx-commit=2', '--skip-name-resolve',
        '--max-connections=300', '--performance-schema=OFF',
        "--tmpdir=$m");
}

# (Re)starts mariadbd on the same data dir, socket and port; waits until it
# answers.  Returns 1, or croaks (returns 0 with quiet_fail).
sub start_db {
    my ($self, %o) = @_;
    croak 'mariadbd already running' if $self->{db_pid};
    my $m = "$self->{dir}/mysql";
    unlink $self->db_socket;
    my $pid = fork;
    croak "fork: $!" unless defined $pid;
    if (!$pid) {
        POSIX::setsid();
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$m/mariadbd.out";
        open STDERR, '>&', \*STDOUT;
        exec('mariadbd', $self->_mariadbd_args) or POSIX::_exit(127);
    }
    my $deadline = time + 30;
    while (time < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            return 0 if $o{quiet_fail};
            croak "mariadbd exited ($?):\n" . $self->_tail("$m/error.log");
        }
        my $dbh = eval { $self->_root_dbh(1) };
        if ($dbh) {
            $dbh->disconnect;
            $self->{db_pid} = $pid;
            return 1;
        }
        sleep 0.05;
    }
    kill 'KILL', $pid;
    waitpid $pid, 0;
    return 0 if $o{quiet_fail};
    croak "mariadbd did not answer within 30 s:\n"
        . $self->_tail("$m/error.log");
}

# SIGKILL mariadbd (a crash as far as clients can tell).
sub kill_db {
    my ($self) = @_;
    my $pid = delete $self->{db_pid} or croak 'mariadbd not running';
    $self->_drop_dbh;
    kill 'KILL', $pid;
    waitpid $pid, 0;
    return 1;
}

# -------------------------------------------------------------------------
# A Galera cluster (scripts/cluster.sh): three nodes under DIR/cluster
# -------------------------------------------------------------------------

sub _cluster_run {
    my ($self, @args) = @_;
    local $ENV{LIAISON_CLUSTER_PORT} = $self->{cluster_port};
    return _run_capture("$ROOT/scripts/cluster.sh", @args);
}

# twelve ports from the base (cluster.sh): all free now
sub _cluster_ports_free {
    my ($base) = @_;
    for my $off (0 .. 2, 10 .. 12, 20 .. 22, 30 .. 32) {
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
            LocalPort => $base + $off, Proto => 'tcp', Listen => 1,
            ReuseAddr => 0) or return 0;
        close $s;
    }
    return 1;
}

# A base port for scripts/cluster.sh with its twelve ports free now, below
# the kernel's ephemeral range: free_port() and every outgoing connection of
# a parallel test take their ports from that range, and could take one of
# ours between this check and the nodes' bind.
sub cluster_base_port {
    my ($low) = split ' ', _slurp('/proc/sys/net/ipv4/ip_local_port_range');
    my $top = ($low // 32768) - 33;
    $top = 60000 if $top < 12000;
    for my $attempt (1 .. 50) {
        my $base = 10000 + int(rand($top - 10000));
        return $base if _cluster_ports_free($base);
    }
    croak 'no free ports for a cluster';
}

# A start that fails all the same (a port taken meanwhile, a node slow to
# sync on a loaded machine) is stopped, wiped and tried again elsewhere.
sub _cluster_init {
    my ($self) = @_;
    my $out = '';
    for my $try (1 .. 3) {
        $self->{cluster_port} = cluster_base_port();
        my $r = $self->_cluster_run('start', $self->{dir});
        if (!$r->{rc}) {
            $self->{cluster} = 1;
            $self->{db_sock} = $self->cluster_socket(1);
            $self->{db_password} = _slurp($self->db_password_file);
            $self->{db_password} =~ s/\s+\z//;
            $self->_db_load;
            return;
        }
        $out = $r->{output};
        Test::More::diag("cluster start $try on port $self->{cluster_port}"
            . " failed, trying again:\n$out") if $try < 3;
        $self->_cluster_run('stop', $self->{dir});
        remove_tree("$self->{dir}/cluster");
    }
    croak "scripts/cluster.sh start failed:\n$out";
}

sub cluster_socket { "$_[0]{dir}/cluster/node$_[1]/mysqld.sock" }
sub cluster_sql_port { $_[0]{cluster_port} + $_[1] - 1 }

# the liaison_db / db_nodes list: unix:... (or 127.0.0.1:PORT with 'tcp'),
# nodes 1, 2, 3 or in the order given ([2, 3, 1])
sub cluster_addresses {
    my ($self, $via, $order) = @_;
    return map { ($via // 'unix') eq 'tcp'
        ? '127.0.0.1:' . $self->cluster_sql_port($_)
        : 'unix:' . $self->cluster_socket($_) } @{ $order || [ 1 .. 3 ] };
}

sub cluster_pid {
    my ($self, $n) = @_;
    my $f = "$self->{dir}/cluster/node$n/mysqld.pid";
    return undef unless -s $f;
    my $pid = _slurp($f);
    $pid =~ s/\s+//g;
    return $pid =~ /^\d+$/ && kill(0, $pid) ? $pid : undef;
}

# kill -9 of node N (a crash); returns when it is gone
sub cluster_kill {
    my ($self, $n) = @_;
    my $pid = $self->cluster_pid($n) or croak "node $n not running";
    kill 'KILL', $pid;
    wait_until(sub { !kill 0, $pid }, 30) or croak "node $n did not die";
    return 1;
}

# (re)starts node N: it rejoins (IST or SST); returns when it is synced
sub cluster_start_node {
    my ($self, $n) = @_;
    my $r = $self->_cluster_run('start-node', $n, $self->{dir});
    croak "cluster.sh start-node $n failed:\n$r->{output}" if $r->{rc};
    return $r->{output};
}

# "Synced Primary 3" and the like, or 'down'
sub cluster_state {
    my ($self, $n) = @_;
    my $dbh = eval {
        DBI->connect('DBI:MariaDB:mariadb_socket=' . $self->cluster_socket($n),
            'root', '', { RaiseError => 1, PrintError => 0,
                mariadb_connect_timeout => 2 });
    } or return 'down';
    my $st = eval {
        my %v = map { lc $_->[0] => $_->[1] } @{ $dbh->selectall_arrayref(
            "SHOW GLOBAL STATUS WHERE Variable_name IN ("
            . "'wsrep_local_state_comment', 'wsrep_cluster_status', "
            . "'wsrep_cluster_size')") };
        join ' ', map { $v{$_} // '?' } qw(wsrep_local_state_comment
            wsrep_cluster_status wsrep_cluster_size);
    } // 'down';
    $dbh->disconnect;
    return $st;
}

# the test's own connections (dbh, sql, ...) go to node N from now on
sub cluster_use_node {
    my ($self, $n) = @_;
    $self->_drop_dbh;
    $self->{db_sock} = $self->cluster_socket($n);
}

sub _db_stop {
    my ($self) = @_;
    if ($self->{cluster}) {
        $self->_drop_dbh;
        my $r = $self->_cluster_run('stop', $self->{dir});
        die "cluster.sh stop: $r->{output}\n" if $r->{rc};
        return;
    }
    $self->_drop_dbh;
    my $pid = delete $self->{db_pid} or return;
    kill 'TERM', $pid;
    my $deadline = time + 30;
    while (time < $deadline) {
        return if waitpid($pid, WNOHANG) == $pid;
        sleep 0.05;
    }
    kill 'KILL', $pid;
    waitpid $pid, 0;
    die "mariadbd did not exit within 30 s after SIGTERM\n";
}

sub _root_dbh {
    my ($self, $quiet) = @_;
    return DBI->connect('DBI:MariaDB:mariadb_socket=' . $self->db_socket,
        'root', '', { RaiseError => 1, PrintError => 0, AutoCommit => 1,
            mariadb_connect_timeout => 2 })
        || croak "root connect: $DBI::errstr";
}

# A DBI handle as the liaison user on the test database (cached;
# reconnected after kill_db/start_db).
sub dbh {
    my ($self) = @_;
    return $self->{dbh} if $self->{dbh} && $self->{dbh}->ping;
    $self->{dbh} = $self->new_dbh;
}

# A fresh, separate connection (e.g. to hold a lock in a transaction).
sub new_dbh {
    my ($self, %attr) = @_;
    my $dbh = DBI->connect('DBI:MariaDB:database=liaison;mariadb_socket='
        . $self->db_socket, 'liaison', $self->{db_password},
        { RaiseError => 1, PrintError => 0, AutoCommit => 1,
          mariadb_connect_timeout => 5, %attr })
        or croak "connect: $DBI::errstr";
    $dbh->do("SET time_zone = '+08:00'");
    my ($id) = $dbh->selectrow_array('SELECT CONNECTION_ID()');
    $self->{own_conn}{$id} = 1;
    return $dbh;
}

sub _root {
    my ($self) = @_;
    my $dbh = $self->{root_dbh};
    $dbh = $self->{root_dbh} = $self->_root_dbh
        unless $dbh && $dbh->ping;
    return $dbh;
}

# As root (PROCESS privilege): the first column of the first row.
sub root_sql_one {
    my ($self, $q, @binds) = @_;
    my $row = $self->_root->selectrow_arrayref($q, undef, @binds);
    return $row ? $row->[0] : undef;
}

# As root: a statement that returns no rows (KILL ...).
sub root_do {
    my ($self, $q, @binds) = @_;
    return $self->_root->do($q, undef, @binds);
}

# Transactions of the test database waiting for a lock right now.
sub lock_waits {
    my ($self) = @_;
    # InnoDB refreshes its innodb_trx snapshot only when the table was not
    # read in the last 0.1 s: never poll it faster than that
    my $since = time - ($self->{trx_read_at} // 0);
    sleep(0.15 - $since) if $since < 0.15;
    $self->{trx_read_at} = time;
    return $self->root_sql_one('SELECT COUNT(*) FROM '
        . "information_schema.innodb_trx WHERE trx_state = 'LOCK WAIT'");
}

# Connections of the liaison user that are not the harness's own: nginx's.
# tcp => 1 counts only those over TCP.
sub nginx_db_connections {
    my ($self, %o) = @_;
    my @own = keys %{ $self->{own_conn} || {} };
    my $q = 'SELECT COUNT(*) FROM information_schema.processlist '
        . "WHERE user = 'liaison'";
    $q .= " AND host LIKE '127.0.0.1:%'" if $o{tcp};
    $q .= ' AND id NOT IN (' . join(',', map { int } @own) . ')' if @own;
    return $self->root_sql_one($q);
}

sub _drop_dbh {
    my ($self) = @_;
    for my $k (qw(dbh root_dbh)) {
        my $dbh = delete $self->{$k} or next;
        eval { $dbh->{InactiveDestroy} = 1; $dbh->disconnect };
    }
}

# $env->sql($query, @binds): for a query returning rows, an arrayref of
# hashrefs; otherwise the number of rows affected.
sub sql {
    my ($self, $q, @binds) = @_;
    my $sth = $self->dbh->prepare($q);
    my $n = $sth->execute(@binds);
    return $sth->{NUM_OF_FIELDS} ? $sth->fetchall_arrayref({}) : $n;
}

# First column of the first row (or undef).
sub sql_one {
    my ($self, $q, @binds) = @_;
    my $row = $self->dbh->selectrow_arrayref($q, undef, @binds);
    return $row ? $row->[0] : undef;
}

# Rows in the tables an intake request writes.
sub counts {
    my ($self) = @_;
    return { map { $_ => $self->sql_one("SELECT COUNT(*) FROM $_") + 0 }
        qw(tickets ticket_events idempotency_keys sessions) };
}


# -------------------------------------------------------------------------
# seed data
# -------------------------------------------------------------------------

# the offices the bulletin addresses (A12) have their duty as their kind
my %DEPARTMENT_KINDS = (trial_mgmt => 'trial_mgmt', political => 'political');

# add_department(code => 'civil', name => '民事审判庭', kind => 'trial')
# returns the id (existing one when the code is known).
sub add_department {
    my ($self, %d) = @_;
    my $code = $d{code} // croak 'add_department: code';
    my $id = $self->sql_one('SELECT id FROM departments WHERE code = ?', $code);
    return $id if $id;
    $self->sql('INSERT INTO departments (code, name, kind) VALUES (?, ?, ?)',
        $code, $d{name} // $code,
        $d{kind} // $DEPARTMENT_KINDS{$code} // 'trial');
    return $self->sql_one('SELECT id FROM departments WHERE code = ?', $code);
}

my %DEPARTMENT_NAMES = (
    filing => '立案庭', civil => '民事审判庭', criminal => '刑事审判庭',
    admin => '行政审判庭', enforcement => '执行局',
    trial_mgmt => '审判管理办公室', political => '政治部',
);


# add_staff(username => 'p1', role => 'platform_staff', department =>
# 'filing' (code; created when missing) or undef, password => ..., name,
# mobile, active).  Returns the staff id.
sub add_staff {
    my ($self, %s) = @_;
    my $username = $s{username} // croak 'add_staff: username';
    my $dept_id;
    if (defined(my $d = exists $s{department} ? $s{department} : 'filing')) {
        $dept_id = $self->add_department(code => $d,
            name => $DEPARTMENT_NAMES{$d} // $d);
    }
    my $hash = $self->hash_password($s{password} // $DEFAULT_PASSWORD);
    $self->sql('INSERT INTO staff (username, name, role, department_id, '
        . 'mobile, password_hash, active, created_at) '
        . "VALUES (?, ?, ?, ?, ?, ?, ?, '2026-01-05 09:00:00')",
        $username, $s{name} // "测试$username", $s{role} // 'platform_staff',
        $dept_id, $s{mobile}, $hash, $s{active} // 1);
    return $self->sql_one('SELECT id FROM staff WHERE username = ?', $username);
}

# yescrypt hash via `liaison-admin hash-password` (Perl's crypt() with a
# yescrypt setting when the tool is not built yet).
sub hash_password {
    my ($self, $password) = @_;
    if (-x $ADMIN) {
        my $r = _run_capture_stdin("$password\n", $ADMIN, 'hash-password');
        croak "liaison-admin hash-password failed: $r->{output}" if $r->{rc};
        (my $h = $r->{stdout}) =~ s/\s+\z//;
        return $h;
    }
    my @c = ('.', '/', 0 .. 9, 'A' .. 'Z', 'a' .. 'z');
    my $salt = join '', map { $c[ int rand 64 ] } 1 .. 21;
    $salt .= ('.', '/', '0', '1')[ int rand 4 ];
    my $h = crypt($password, '$y$j9T$' . $salt . '$');
    croak 'crypt() has no yescrypt' unless $h && $h =~ /^\$y\$/;
    return $h;
}

sub _write_token_secret {
    my ($self, $secret) = @_;
    $secret //= do {
        open my $r, '<:raw', '/dev/urandom' or croak "/dev/urandom: $!";
        read $r, my $bytes, 48;
        require MIME::Base64;
        MIME::Base64::encode_base64($bytes, '');
    };
    _spew($self->token_secret_file, $secret, 0600);
    $self->{token_secret} = $secret;
}

sub token_secret { $_[0]{token_secret} }

# A staff token signed with the test's secret but chosen fields, for
# expiry/forgery tests: "v1.<kind>.<sid>.<exp>.<hmac>".
sub forge_token {
    my ($self, %t) = @_;
    my $payload = join '.', 'v1', $t{kind} // 's',
        $t{sid} // ('0' x 32), $t{exp} // 4102444800;
    my $key = $t{key} // $self->{token_secret};
    $key =~ s/\s+\z//;
    return "$payload." . hmac_sha256_hex($payload, $key);
}


# -------------------------------------------------------------------------
# nginx
# -------------------------------------------------------------------------

sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
        Proto => 'tcp', Listen => 1, ReuseAddr => 0) or croak "bind: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

sub _directive_list {
    my ($defaults, $over) = @_;
    my @out;
    my %seen;
    for my $d (@$defaults) {
        my ($name, $value) = @$d;
        if ($over && exists $over->{$name}) {
            next if $seen{$name}++;
            my $v = $over->{$name};
            next unless defined $v;
            push @out, map { [ $name, $_ ] } ref $v ? @$v : ($v);
        } else {
            push @out, [ $name, $value ];
        }
    }
    for my $name (sort keys %{ $over || {} }) {
        next if grep { $_->[0] eq $name } @$defaults;
        my $v = $over->{$name};
        next unless defined $v;
        push @out, map { [ $name, $_ ] } ref $v ? @$v : ($v);
    }
    return join '', map { "        $_->[0] $_->[1];\n" } @out;
}

# The nginx.conf text for options (those of start(), overridden by %o).
sub config_text {
    my ($self, %o) = @_;
    for my $k (qw(http location)) {
        next unless $o{$k} && $self->{opt}{$k};
        $o{$k} = { %{ $self->{opt}{$k} }, %{ $o{$k} } };
    }
    %o = (%{ $self->{opt} }, %o);
    my $p = $self->prefix;
    my $error_log = $o{error_log} // "$p/logs/error.log";
    my $workers = $o{workers} // 2;
    my $db = $self->{cluster}
        ? join(' ', $self->cluster_addresses($o{db_via}, $o{db_order}))
        : ($o{db_via} // 'unix') eq 'tcp'
        ? "127.0.0.1:$self->{db_port}" : 'unix:' . $self->db_socket;

    my @http = (
        [ liaison_db => "$db user=liaison password_file="
            . $self->db_password_file . ' database=liaison' ],
        [ liaison_db_pool_size => $o{pool_size} // 4 ],
        [ liaison_db_connect_timeout => '3s' ],
        [ liaison_db_query_timeout => '10s' ],
        [ liaison_db_queue_size => 512 ],
        [ liaison_db_queue_timeout => '5s' ],
        [ liaison_token_secret_file => $self->token_secret_file ],
        [ liaison_token_ttl => '12h' ],
        [ liaison_sla => 'simple 1' ],
        [ liaison_sla => 'ordinary 2' ],
        [ liaison_thread_pool => 'liaison' ],
    );
    my @loc = (
        [ liaison_api => 'on' ],
        [ liaison_max_body_size => '64k' ],
    );
    my $user = defined $WORKERS_USER
        ? "user $WORKERS_USER;\n" : '';
    my $http = _directive_list(\@http, $o{http});
    my $loc = _directive_list(\@loc, $o{location});
    $loc =~ s/^/    /mg;
    my $main_extra = $o{main_extra} // '';
    my $http_extra = $o{http_extra} // '';
    my $server_extra = $o{server_extra} // '';
    my $location_extra = $o{location_extra} // '';
    # the pages as conf/nginx-local.conf.in serves them (their headers too)
    my $pages = defined $o{html_root}
        ? "set \$liaison_html $o{html_root};\n"
          . "        include $ROOT/conf/liaison-pages.conf;"
        : "location / {\n            return 404;\n        }";
    my $port = $o{port} // $self->{port} // 1;

    return <<CONF;
# generated by t/lib/Liaison/Test.pm
load_module $MODULE;

${user}daemon on;
master_process on;
worker_processes $workers;
pid $p/nginx.pid;
error_log $error_log info;
thread_pool liaison threads=2;
$main_extra

events {
    worker_connections 1024;
}

http {
    # as conf/nginx-local.conf.in: no query strings (query codes)
    log_format liaison '\$remote_addr [\$time_local] "\$request_method \$uri" '
                       '\$status \$body_bytes_sent \$request_time';
    access_log $p/logs/access.log liaison;
    client_body_temp_path $p/tmp/body;
    proxy_temp_path $p/tmp/proxy;
    fastcgi_temp_path $p/tmp/fastcgi;
    uwsgi_temp_path $p/tmp/uwsgi;
    scgi_temp_path $p/tmp/scgi;

    default_type application/octet-stream;
    keepalive_requests 100000;

$http$http_extra

    server {
        listen 127.0.0.1:$port;
        server_name localhost;
        client_max_body_size 1m;
$server_extra

        location /api/v1/ {
$loc$location_extra
        }

        $pages
    }
}
CONF
}

sub _nginx_start {
    my ($self) = @_;
    croak "$MODULE missing (make module)" unless -f $MODULE;
    my $p = $self->prefix;
    for my $attempt (1 .. 5) {
        $self->{port} = free_port();
        _spew("$p/conf/nginx.conf", $self->config_text);
        # a sanitizer build of the module needs its runtime preloaded into
        # nginx (and only nginx)
        local $ENV{LD_PRELOAD} = $ENV{LIAISON_NGINX_PRELOAD}
            if $ENV{LIAISON_NGINX_PRELOAD};
        my $r = _run_capture($NGINX, '-p', "$p/", '-c', "$p/conf/nginx.conf",
            '-e', "$p/logs/error.log");
        # what nginx printed while starting counts like its error log (a
        # failed attempt on a port taken meanwhile is retried, not counted)
        if (!$r->{rc} && open my $fh, '>>', "$p/logs/stderr.log") {
            print $fh $r->{output};
            close $fh;
        }
        if ($r->{rc}) {
            if ($r->{output} =~ /Address already in use/ && $attempt < 5) {
                _spew("$p/logs/error.log", '');    # only that bind failure
                next;
            }
            croak "nginx failed to start:\n$r->{output}\n"
                . $self->_tail("$p/logs/error.log");
        }
        last;
    }
    my $deadline = time + 30;
    while (time < $deadline) {
        my $pid = $self->nginx_pid;
        my @w = $self->workers_pids;
        if ($pid && @w == $self->{workers}) {
            my $ok = eval {
                my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                    PeerPort => $self->{port}, Proto => 'tcp', Timeout => 1);
                $s && close $s;
            };
            return 1 if $ok;
        }
        sleep 0.05;
    }
    croak "nginx did not come up within 30 s:\n"
        . $self->_tail("$p/logs/error.log");
}

sub nginx_pid {
    my ($self) = @_;
    my $f = $self->prefix . '/nginx.pid';
    return undef unless -s $f;
    my $pid = _slurp($f);
    $pid =~ s/\s+//g;
    return undef unless $pid =~ /^\d+$/ && kill 0, $pid;
    return $pid;
}

# children of the master: { pid => cmdline }
sub _children {
    my ($ppid) = @_;
    my %kids;
    opendir my $d, '/proc' or return %kids;
    for my $pid (grep { /^\d+$/ } readdir $d) {
        open my $fh, '<', "/proc/$pid/stat" or next;
        my $stat = <$fh> // next;
        my ($pp) = $stat =~ /\)\s+\S+\s+(\d+)/ or next;
        next unless $pp == $ppid;
        open my $c, '<', "/proc/$pid/cmdline" or next;
        local $/;
        my $cmd = <$c> // '';
        $cmd =~ s/\0+\z//;
        $kids{$pid} = $cmd;
    }
    return %kids;
}

# pids of the master's workers that are not shutting down
sub workers_pids {
    my ($self) = @_;
    my $master = $self->nginx_pid or return ();
    my %k = _children($master);
    return sort grep { $k{$_} =~ /worker process$/ } keys %k;
}

# HUP: reload, then wait until only new workers (as many as configured)
# serve.  Optional %o rewrites the config first (as start() options).
sub reload {
    my ($self, %o) = @_;
    my $master = $self->nginx_pid or croak 'nginx not running';
    if (%o) {
        for my $k (qw(http location)) {
            next unless $o{$k} && $self->{opt}{$k};
            $o{$k} = { %{ $self->{opt}{$k} }, %{ $o{$k} } };
        }
        $self->{opt} = { %{ $self->{opt} }, %o };
        $self->{workers} = $self->{opt}{workers} // 2;
        _spew($self->prefix . '/conf/nginx.conf', $self->config_text);
    }
    my %old = map { $_ => 1 } $self->workers_pids;
    kill 'HUP', $master;
    my $deadline = time + 30;
    while (time < $deadline) {
        my @w = $self->workers_pids;
        return 1 if @w == $self->{workers} && !grep { $old{$_} } @w;
        sleep 0.05;
    }
    croak "reload: new workers did not take over within 30 s:\n"
        . $self->_tail($self->error_log_file);
}

sub _nginx_stop {
    my ($self) = @_;
    my $pid = $self->nginx_pid or return;
    kill 'QUIT', $pid;
    my $deadline = time + 30;
    while (time < $deadline) {
        return unless kill 0, $pid;
        sleep 0.05;
    }
    kill 'TERM', $pid;
    sleep 1;
    kill 'KILL', $pid if kill 0, $pid;
    die "nginx master $pid did not exit within 30 s after SIGQUIT\n";
}

# Writes a config from options (as start(), overriding) and runs nginx -t.
# Returns (exit code, output).  Uses its own error log so refusals do not
# count against the test's error log.
sub nginx_t {
    my ($self, %o) = @_;
    my $n = ++$self->{nginx_t_n};
    my $p = $self->prefix;
    my $log = "$p/logs/nginx-t-$n.log";
    my $text = delete $o{config} // $self->config_text(%o, error_log => $log);
    _spew("$p/conf/t-$n.conf", $text);
    local $ENV{LD_PRELOAD} = $ENV{LIAISON_NGINX_PRELOAD}
        if $ENV{LIAISON_NGINX_PRELOAD};
    my $r = _run_capture($NGINX, '-t', '-p', "$p/", '-c', "$p/conf/t-$n.conf",
        '-e', $log);
    return ($r->{rc}, $r->{output});
}


# -------------------------------------------------------------------------
# HTTP
# -------------------------------------------------------------------------

# req(METHOD, PATH, headers => {...}, body => string|ref, token => ...,
#     timeout => seconds).  A ref body is JSON-encoded; a body gets
# Content-Type: application/json unless headers say otherwise (undef value
# omits the header).  Returns a Liaison::Test::Response.
sub req {
    my ($self, $method, $path, %o) = @_;
    my $p = $self->req_start($method, $path, %o);
    return $p->wait($o{timeout} // 30);
}

sub _request_bytes {
    my ($self, $method, $path, %o) = @_;
    my %h = (Host => "127.0.0.1:$self->{port}", Connection => 'close');
    my $body = $o{body};
    if (ref $body) {
        $body = $JSON->encode($body);
    } elsif (defined $body && utf8::is_utf8($body)) {
        utf8::encode($body);
    }
    if (defined $body) {
        $h{'Content-Type'} = 'application/json';
        $h{'Content-Length'} = length $body;
    }
    $h{Authorization} = "Bearer $o{token}" if defined $o{token};
    my %given = %{ $o{headers} || {} };
    for my $k (keys %given) {
        my ($existing) = grep { lc $_ eq lc $k } keys %h;
        delete $h{$existing} if defined $existing;
        $h{$k} = $given{$k} if defined $given{$k};
    }
    my $head = "$method $path HTTP/1.1\r\n";
    for my $k (sort keys %h) {
        my $v = $h{$k};
        utf8::encode($v) if utf8::is_utf8($v);
        $head .= "$k: $v\r\n";
    }
    return $head . "\r\n" . ($body // '');
}

# Sends a request and returns a pending Liaison::Test::Pending (->done,
# ->wait) without waiting for the answer.
sub req_start {
    my ($self, $method, $path, %o) = @_;
    my $bytes = $self->_request_bytes($method, $path, %o);
    Test::More::diag("> $method $path") if $ENV{LIAISON_TEST_VERBOSE};
    my $s = $self->connect($o{from});
    _write_all($s, $bytes);
    return bless { sock => $s, buf => '', eof => 0, started => time,
        what => "$method $path" }, 'Liaison::Test::Pending';
}

# A persistent (keep-alive) HTTP connection: $c->req(METHOD, PATH, %opts)
# like $env->req but over one connection; $c->close.  A request the server
# closed the connection on returns a response with status 0 (->error says
# why) instead of dying.
sub keepalive {
    my ($self) = @_;
    return bless { env => $self, sock => $self->connect, buf => '' },
        'Liaison::Test::Conn';
}

# A raw TCP connection to nginx, from a loopback address of its own when
# given (req(..., from => '127.0.0.2'): another client to nginx).
sub connect {
    my ($self, $from) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $self->{port}, Proto => 'tcp', Timeout => 5,
        $from ? (LocalAddr => $from) : ())
        or croak "connect 127.0.0.1:$self->{port}: $!";
    binmode $s;
    $s->autoflush(1);
    return $s;
}

sub _write_all {
    my ($s, $bytes) = @_;
    my $off = 0;
    while ($off < length $bytes) {
        my $n = syswrite $s, $bytes, length($bytes) - $off, $off;
        if (!defined $n) {
            next if $! == EINTR;
            croak "write: $!";
        }
        $off += $n;
    }
}

# Logs a staff user in; returns the token (croaks unless 200).
sub staff_token {
    my ($self, $username, $password) = @_;
    my $r = $self->req(POST => '/api/v1/staff/login',
        body => { username => $username,
                  password => $password // $DEFAULT_PASSWORD });
    croak "staff login $username: " . $r->status . ' ' . $r->body
        unless $r->status == 200 && $r->json && $r->json->{token};
    return $r->json->{token};
}

# Polls $cond every 50 ms until it returns true or $seconds pass; returns
# its last value.
sub wait_until (&;$) {
    my ($cond, $seconds) = @_;
    my $deadline = time + ($seconds // 30);
    while (1) {
        my $v = $cond->();
        return $v if $v;
        return $v if time >= $deadline;
        sleep 0.05;
    }
}


# -------------------------------------------------------------------------
# checks
# -------------------------------------------------------------------------

sub luhn_valid {
    my ($s) = @_;
    return 0 unless defined $s && $s =~ /^\d+$/;
    my ($sum, $alt) = (0, 0);
    for my $d (reverse split //, $s) {
        if ($alt) { $d *= 2; $d -= 9 if $d > 9 }
        $sum += $d;
        $alt = !$alt;
    }
    return $sum % 10 == 0 ? 1 : 0;
}

sub query_code_valid {
    my ($s) = @_;
    return defined $s && $s =~ /^[\Q$QUERY_CODE_ALPHABET\E]{10}$/ ? 1 : 0;
}


# -------------------------------------------------------------------------
# small utilities
# -------------------------------------------------------------------------

sub _slurp {
    my ($f) = @_;
    open my $fh, '<:raw', $f or croak "$f: $!";
    local $/;
    my $s = <$fh>;
    return $s // '';
}

sub _spew {
    my ($f, $data, $mode) = @_;
    my $old = umask 077;
    open my $fh, '>:raw', $f or croak "$f: $!";
    # text (a configuration naming the court in Chinese) as UTF-8
    utf8::encode($data) if utf8::is_utf8($data);
    print $fh $data;
    close $fh or croak "$f: $!";
    umask $old;
    chmod(($mode // 0644), $f);
}

sub _tail {
    my ($self, $f) = @_;
    return '' unless -f $f;
    my @l = split /\n/, _slurp($f);
    splice @l, 0, @l - 30 if @l > 30;
    return join "\n", @l, '';
}

sub _random_alnum {
    my ($n) = @_;
    open my $r, '<:raw', '/dev/urandom' or croak "/dev/urandom: $!";
    my $out = '';
    while (length $out < $n) {
        read $r, my $b, 64;
        $b =~ tr/A-Za-z0-9//cd;
        $out .= $b;
    }
    return substr $out, 0, $n;
}

# Runs a command, stdin from /dev/null; returns { rc, stdout, output }
# (output = stdout + stderr).
sub _run_capture { _run_capture_stdin(undef, @_) }

sub _run_capture_stdin {
    my ($stdin, @cmd) = @_;
    my $tmp = tempdir('liaison-run-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    if (defined $stdin) {
        utf8::encode($stdin) if utf8::is_utf8($stdin);
        _spew("$tmp/in", $stdin);
    }
    my $pid = fork;
    croak "fork: $!" unless defined $pid;
    if (!$pid) {
        open STDIN, '<', defined $stdin ? "$tmp/in" : '/dev/null';
        open STDOUT, '>', "$tmp/out";
        open STDERR, '>', "$tmp/err";
        exec(@cmd) or do {
            print STDERR "exec $cmd[0]: $!\n";
            POSIX::_exit(127);
        };
    }
    waitpid $pid, 0;
    my $rc = $? >> 8 || ($? & 127 ? 128 + ($? & 127) : 0);
    my $out = _slurp("$tmp/out");
    my $err = _slurp("$tmp/err");
    remove_tree($tmp);
    return { rc => $rc, stdout => $out, stderr => $err, output => $out . $err };
}


# -------------------------------------------------------------------------
package Liaison::Test::Pending;
# -------------------------------------------------------------------------

use strict;
use warnings;
use Carp qw(croak);
use Errno qw(EINTR EAGAIN EWOULDBLOCK);
use IO::Select;
use Time::HiRes qw(time);

# Reads what is available; true once the server has closed (response
# complete).
sub done {
    my ($self) = @_;
    return 1 if $self->{eof};
    my $sel = IO::Select->new($self->{sock});
    while ($sel->can_read(0)) {
        my $n = sysread $self->{sock}, my $chunk, 65536;
        if (!defined $n) {
            next if $! == EINTR;
            $self->{eof} = 1;    # reset: what was read is the answer
            $self->{error} = "$!";
            last;
        }
        if ($n == 0) { $self->{eof} = 1; last }
        $self->{buf} .= $chunk;
    }
    return $self->{eof};
}

sub wait {
    my ($self, $timeout) = @_;
    my $deadline = time + ($timeout // 30);
    my $sel = IO::Select->new($self->{sock});
    until ($self->done) {
        my $left = $deadline - time;
        croak "$self->{what}: no complete answer within "
            . ($timeout // 30) . " s (got " . length($self->{buf})
            . " bytes)" if $left <= 0;
        $sel->can_read($left > 0.5 ? 0.5 : $left);
    }
    close $self->{sock};
    $self->{elapsed} = time - $self->{started};
    my $r = Liaison::Test::Response->parse($self->{buf});
    $r->{elapsed} = $self->{elapsed};
    return $r;
}

sub sock { $_[0]{sock} }


# -------------------------------------------------------------------------
package Liaison::Test::Conn;
# -------------------------------------------------------------------------

use strict;
use warnings;
use Carp qw(croak);
use Errno qw(EINTR);
use IO::Select;
use Time::HiRes qw(time);

sub req {
    my ($self, $method, $path, %o) = @_;
    my $bytes = $self->{env}->_request_bytes($method, $path, %o,
        headers => { Connection => 'keep-alive', %{ $o{headers} || {} } });
    my $s = $self->{sock};
    return _failed('connection already closed') unless $s;
    local $SIG{PIPE} = 'IGNORE';
    my $ok = eval { Liaison::Test::_write_all($s, $bytes); 1 };
    return $self->_gone("write failed: $@") unless $ok;
    my $deadline = time + ($o{timeout} // 30);
    my $sel = IO::Select->new($s);
    my $started = time;
    while (1) {
        if (my $r = $self->_complete($method)) {
            $r->{elapsed} = time - $started;
            $self->close if ($r->header('connection') // '') =~ /close/i;
            return $r;
        }
        my $left = $deadline - time;
        croak "$method $path: no complete answer within "
            . ($o{timeout} // 30) . ' s' if $left <= 0;
        next unless $sel->can_read($left > 0.5 ? 0.5 : $left);
        my $n = sysread $s, my $chunk, 65536;
        if (!defined $n) {
            next if $! == EINTR;
            return $self->_gone("read failed: $!");
        }
        return $self->_gone('closed by the server'
            . (length $self->{buf} ? ' mid-response' : '')) if $n == 0;
        $self->{buf} .= $chunk;
    }
}

# a whole response at the start of buf: returns it and removes it
sub _complete {
    my ($self, $method) = @_;
    my $i = index $self->{buf}, "\r\n\r\n";
    return undef if $i < 0;
    my $head = substr $self->{buf}, 0, $i;
    my $len;
    if ($head =~ /^transfer-encoding:\s*chunked/im) {
        my $pos = $i + 4;
        while (1) {
            my $j = index $self->{buf}, "\r\n", $pos;
            return undef if $j < 0;
            my $size = hex substr($self->{buf}, $pos, $j - $pos);
            $pos = $j + 2 + $size + 2;
            return undef if length $self->{buf} < $pos;
            last if $size == 0;
        }
        $len = $pos - $i - 4;
    } elsif ($head =~ /^content-length:\s*(\d+)/im) {
        $len = $1;
    } else {
        $len = 0;
    }
    $len = 0 if $method eq 'HEAD' || $head =~ m{^HTTP/1\.[01] (?:1\d\d|204|304)};
    return undef if length $self->{buf} < $i + 4 + $len;
    my $raw = substr $self->{buf}, 0, $i + 4 + $len, '';
    return Liaison::Test::Response->parse($raw);
}

sub _failed {
    my ($why) = @_;
    my $r = Liaison::Test::Response->parse('');
    $r->{error} = $why;
    return $r;
}

sub _gone {
    my ($self, $why) = @_;
    $self->close;
    return _failed($why);
}

sub close {
    my ($self) = @_;
    my $s = delete $self->{sock} or return;
    CORE::close($s);
}

sub is_open { defined $_[0]{sock} }


# -------------------------------------------------------------------------
package Liaison::Test::Response;
# -------------------------------------------------------------------------

use strict;
use warnings;
use Encode ();
use JSON::PP;

my $DECODER = JSON::PP->new->utf8->allow_nonref;

sub parse {
    my ($class, $raw) = @_;
    my $self = bless { raw => $raw, status => 0, headers => {}, body => '' },
        $class;
    my $i = index $raw, "\r\n\r\n";
    if ($i < 0) {
        $self->{error} = 'no complete response header';
        return $self;
    }
    my ($head, $body) = (substr($raw, 0, $i), substr($raw, $i + 4));
    my ($status_line, @lines) = split /\r\n/, $head;
    ($self->{status}) = $status_line =~ m{^HTTP/1\.[01] (\d{3})};
    $self->{status} //= 0;
    for my $l (@lines) {
        my ($k, $v) = $l =~ /^([^:]+):\s*(.*)$/ or next;
        $k = lc $k;
        $self->{headers}{$k} = exists $self->{headers}{$k}
            ? "$self->{headers}{$k}, $v" : $v;
    }
    if (($self->{headers}{'transfer-encoding'} // '') =~ /chunked/i) {
        my $out = '';
        while ($body =~ s/^([0-9a-fA-F]+)[^\r\n]*\r\n//) {
            my $len = hex $1;
            last if $len == 0;
            $out .= substr $body, 0, $len;
            substr($body, 0, $len + 2) = '';
        }
        $body = $out;
    } elsif (defined(my $cl = $self->{headers}{'content-length'})) {
        $body = substr $body, 0, $cl if $cl =~ /^\d+$/ && length $body > $cl;
    }
    $self->{body} = $body;
    if (($self->{headers}{'content-type'} // '') =~ m{json}i
            && length $body) {
        $self->{json} = eval { $DECODER->decode($body) };
        $self->{json_error} = $@ if $@;
    }
    return $self;
}

sub status { $_[0]{status} }
sub body { $_[0]{body} }
sub json { $_[0]{json} }
sub headers { $_[0]{headers} }
sub header { $_[0]{headers}{ lc $_[1] } }
sub elapsed { $_[0]{elapsed} }
sub raw { $_[0]{raw} }
sub error { $_[0]{error} }

# error code / field of an API error body
sub error_code {
    my $j = $_[0]{json};
    return ref $j eq 'HASH' && ref $j->{error} eq 'HASH'
        ? $j->{error}{code} : undef;
}

sub error_message {
    my $j = $_[0]{json};
    return ref $j eq 'HASH' && ref $j->{error} eq 'HASH'
        ? $j->{error}{message} : undef;
}

sub error_field {
    my $j = $_[0]{json};
    return ref $j eq 'HASH' && ref $j->{error} eq 'HASH'
        ? $j->{error}{field} : undef;
}

# one line for test diagnostics
sub summary {
    my ($self) = @_;
    my $b = $self->{body};
    my $text = eval { Encode::decode('UTF-8', $b, Encode::FB_CROAK()) };
    $b = $text if defined $text;
    $b = substr($b, 0, 300) . '...' if length $b > 300;
    return "$self->{status} $b";
}

1;
