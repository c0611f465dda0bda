package Liaison::Worker;

# Runs build/bin/liaison-worker against a Liaison::Test database and a
# Liaison::MockWeChat, for the t/1xx-worker-*.t tests.
#
#   my $env  = Liaison::Test->start(no_nginx => 1);
#   my $mock = Liaison::MockWeChat->start;
#   my $w    = Liaison::Worker->new($env, $mock, concurrency => 4);
#   my $r = $w->once('2026-03-02T10:00:00+08:00');   # { rc, output }
#   $w->supervise_complaints;                         # A17, at the keys' time
#   $w->outbox_add(channel => 'sms', recipient => '13800138000',
#                  payload => { text => '...' });
#   my $pid = $w->spawn(...);                          # the daemon
#
# Config keys given to new() override the defaults (see
# conf/liaison-worker.conf.example); undef drops a key.

use strict;
use warnings;
use utf8;

use Carp qw(croak);
use File::Temp qw(tempdir);
use JSON::PP;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);

use Liaison::MockWeChat;

our $BIN = $ENV{LIAISON_WORKER}
    || "$Liaison::Test::ROOT/build/bin/liaison-worker";

# character strings: DBD::MariaDB encodes them itself
my $JSON = JSON::PP->new->canonical;
my $N = 0;

sub new {
    my ($class, $env, $mock, %over) = @_;
    my $self = bless { env => $env, mock => $mock, n => ++$N }, $class;
    my $s = $env->dir . '/secrets';
    _spew("$s/wx_secret", "$Liaison::MockWeChat::SECRET\n");
    _spew("$s/wecom_secret", "$Liaison::MockWeChat::CORPSECRET\n");
    _spew("$s/sms_secret", "$Liaison::MockWeChat::SMS_PASSWORD\n");
    my $url = $mock ? $mock->url : 'http://127.0.0.1:9';
    $self->{conf} = {
        db_socket => $env->db_socket,
        db_user => 'liaison',
        db_password_file => $env->db_password_file,
        db_name => 'liaison',
        worker_id => "test-worker-$self->{n}",
        log_level => 'info',
        poll_interval => 1,
        batch_size => 50,
        concurrency => 8,
        lease => 60,
        max_attempts => 5,
        backoff_base => 30,
        backoff_max => 3600,
        http_timeout => 5,
        connect_timeout => 2,
        rate_wx_subscribe => 0,
        rate_wx_template => 0,
        rate_sms => 0,
        rate_wecom => 0,
        wx_api_base => $url,
        wx_appid => $Liaison::MockWeChat::APPID,
        wx_secret_file => "$s/wx_secret",
        wecom_api_base => $url,
        wecom_corpid => $Liaison::MockWeChat::CORPID,
        wecom_secret_file => "$s/wecom_secret",
        wecom_agentid => $Liaison::MockWeChat::AGENTID,
        sms_url => "$url/sms/send",
        sms_account => $Liaison::MockWeChat::SMS_ACCOUNT,
        sms_secret_file => "$s/sms_secret",
        sms_sign => '【南沙法院】',
        sms_ok => '"code":0',
        court_name => '广州市南沙区人民法院',
        court_short_name => '南沙法院',
        court_unit => '立案庭（诉讼服务中心）',
        %over,
    };
    $self->write_conf;
    return $self;
}

sub env { $_[0]{env} }
sub conf_file { $_[0]{env}->dir . "/worker-$_[0]{n}.conf" }
sub log_file { $_[0]{env}->dir . "/worker-$_[0]{n}.log" }

sub write_conf {
    my ($self, %over) = @_;
    my $c = { %{ $self->{conf} }, %over };
    $self->{conf} = $c;
    my $text = "# written by Liaison::Worker\n";
    for my $k (sort keys %$c) {
        next unless defined $c->{$k};
        $text .= "$k = $c->{$k}\n";
    }
    _spew($self->conf_file, $text);
    return $self->conf_file;
}

# One pass at $now; returns { rc, output } (output also appended to the
# log file).
sub once {
    my ($self, $now, @args) = @_;
    my @cmd = ($BIN, 'once', ($now ? ("--now=$now") : ()), '-c',
        $self->conf_file, @args);
    my $r = Liaison::Test::_run_capture(@cmd);
    _append($self->log_file, $r->{output});
    return $r;
}

# One pass at the time of the newest complaint key (the module's own clock,
# so no test depends on the wall clock): the repeated complaints it finds
# go under supervision (A17).  Dies when the pass fails.
sub supervise_complaints {
    my ($self) = @_;
    my $now = $self->{env}->sql_one("SELECT DATE_FORMAT(MAX(created_at), "
        . "'%Y-%m-%dT%H:%i:%s+08:00') FROM complaint_keys");
    my $r = $self->once($now);
    croak "liaison-worker once: $r->{output}" if $r->{rc};
    return $r;
}

sub check {
    my ($self, $file) = @_;
    return Liaison::Test::_run_capture($BIN, '--check', '-c',
        $file // $self->conf_file);
}

# Starts `liaison-worker [once --now=T] -c FILE` in the background, stderr
# to the log file; returns the pid.
sub spawn {
    my ($self, @args) = @_;
    my $pid = fork;
    croak "fork: $!" unless defined $pid;
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $self->log_file;
        open STDERR, '>&', \*STDOUT;
        exec($BIN, @args, '-c', $self->conf_file) or POSIX::_exit(127);
    }
    return $pid;
}

# Waits for a child; returns its exit status ($?), or undef after $secs.
sub reap {
    my ($class, $pid, $secs) = @_;
    my $deadline = time + ($secs // 30);
    while (time < $deadline) {
        my $r = waitpid $pid, WNOHANG;
        return $? if $r == $pid;
        return undef if $r < 0;
        sleep 0.02;
    }
    return undef;
}

sub log_text {
    my ($self) = @_;
    return -f $self->log_file ? Liaison::Test::_slurp($self->log_file) : '';
}

# INSERT INTO outbox; payload a hashref (JSON-encoded); returns the id.
sub outbox_add {
    my ($self, %m) = @_;
    my $dbh = $self->{env}->dbh;
    $dbh->do('INSERT INTO outbox (channel, recipient, template_id, payload, '
        . 'ticket_id, kind, status, attempts, next_attempt_at, created_at) '
        . "VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)", undef,
        $m{channel}, $m{recipient}, $m{template_id},
        ref $m{payload} ? $JSON->encode($m{payload}) : $m{payload},
        $m{ticket_id}, $m{kind} // 'test',
        $m{next_attempt_at} // '2026-01-01 00:00:00',
        $m{created_at} // '2026-01-01 00:00:00');
    return $dbh->last_insert_id(undef, undef, 'outbox', 'id');
}

sub outbox {
    my ($self, $id) = @_;
    return $self->{env}->sql('SELECT * FROM outbox WHERE id = ?', $id)->[0];
}

sub attempts {
    my ($self, $id) = @_;
    return @{ $self->{env}->sql('SELECT * FROM delivery_attempts '
        . 'WHERE outbox_id = ? ORDER BY id', $id) };
}

sub consent {
    my ($self, %c) = @_;
    $self->{env}->sql('INSERT INTO subscribe_consents (litigant_id, openid, '
        . 'template_id, remaining, status, created_at, updated_at) VALUES '
        . "(?, ?, ?, ?, ?, '2026-01-01 00:00:00', '2026-01-01 00:00:00') "
        . 'ON DUPLICATE KEY UPDATE remaining = VALUES(remaining), '
        . 'status = VALUES(status)', $c{litigant_id}, $c{openid},
        $c{template_id}, $c{remaining}, $c{status} // 'active');
}

sub _spew {
    my ($f, $data) = @_;
    utf8::encode($data) if utf8::is_utf8($data);
    my $old = umask 077;
    open my $fh, '>:raw', $f or croak "$f: $!";
    print $fh $data;
    close $fh;
    umask $old;
}

sub _append {
    my ($f, $data) = @_;
    utf8::encode($data) if utf8::is_utf8($data);
    open my $fh, '>>:raw', $f or croak "$f: $!";
    print $fh $data;
    close $fh;
}

1;
