package Liaison::MockWeChat;

# A mock of the outside world liaison-worker talks to: WeChat (stable_token,
# subscribe and template messages, msg_sec_check), WeCom (gettoken,
# message/send) and an SMS gateway, on 127.0.0.1 and a free port, following
# shared/reference/wechat-api-facts.md, errors included.  Scriptable per
# test through /__mock/* (see the methods below).
#
#   my $m = Liaison::MockWeChat->start;        # forks the server
#   $m->url;                                   # http://127.0.0.1:PORT
#   $m->script('subscribe', errcode => 43101, count => 2);
#   $m->script('sms', http_status => 500);
#   $m->script('wecom_send', hang => 1);       # never answers (timeout)
#   $m->expire_token('wx');                    # next send: 42001
#   $m->hold(1);                               # sends wait unanswered
#   my @calls = $m->calls('subscribe');        # every request, in order
#   my @sent = $m->delivered('subscribe');     # the successful ones
#   $m->stop;                                  # also at exit
#
# Paths: stable_token, subscribe, template, sec_check, custom (WeChat
# customer-service messages, POST /cgi-bin/message/custom/send: 45015 for
# the openids of configure(silent_openids => [...])), gettoken,
# wecom_send (WeCom; enable_duplicate_check drops the same text to the
# same member within duplicate_check_interval), sms (POST /sms/send, JSON
# {account, password, mobile, content, uid?} -> {"code":0,...}; a repeated
# uid is acknowledged and not sent again); for the module
# (through its internal location): jscode2session (GET /sns/jscode2session)
# and phone (POST /wxa/business/getuserphonenumber).
#
# jscode2session: a js_code "c<N>-<anything>" logs in openid($N) (with
# unionid($N) when it ends in "-union"); any other code is 40029, a code
# used before 40163 (single use, as WeChat's).  phone: a code
# "p<11 digits>" gives that mainland number, "hk<digits>" a +852 one;
# other codes and reused ones are 40029; the access token is checked.
# script(..., raw => 'text') answers 200 with that body (not JSON).
#
# What it checks, as WeChat does: the access token (40001 unknown, 42001
# expired; WeCom 40014/42001), appid/secret (40013/40125), openid shape
# (40003), template ids (40037), page (41030), every subscribe value
# against its type's limit (47003 "data.<key>.value invalid"), refused
# openids (43101), unfollowed (43004), WeCom invalid members (81013).

use strict;
use warnings;

use Carp qw(croak);
use Errno qw(EINTR EAGAIN EWOULDBLOCK);
use HTTP::Tiny;
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);

our $APPID = 'wx0123456789abcdef';
our $SECRET = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
our $CORPID = 'ww0123456789abcdef';
our $CORPSECRET = 'corp-secret-0123456789abcdefghijklmnopqrstuv';
our $AGENTID = 1000002;
our $SMS_ACCOUNT = 'court-sms';
our $SMS_PASSWORD = 'sms-password-0123456789abcdef';
our @TEMPLATES = ('TPL_REPLY_0123456789', 'TPL_NODE_0123456789',
    'TPL_OA_0123456789');

my $JSON = JSON::PP->new->utf8->canonical->allow_nonref;
my @MOCKS;

END {
    my $rc = $?;
    $_->stop for grep { $_->{owner} == $$ } @MOCKS;
    $? = $rc;
}

sub start {
    my ($class, %opt) = @_;
    my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
        LocalPort => delete $opt{port} // 0, Proto => 'tcp', Listen => 512,
        ReuseAddr => 1)
        or croak "mock listen: $!";
    my $self = bless { port => $listen->sockport, owner => $$ }, $class;
    my $pid = fork;
    croak "fork: $!" unless defined $pid;
    if (!$pid) {
        $SIG{TERM} = sub { POSIX::_exit(0) };
        $SIG{PIPE} = 'IGNORE';
        eval { Liaison::MockWeChat::Server->new($listen, %opt)->run };
        print STDERR "mock: $@" if $@;
        POSIX::_exit(0);
    }
    close $listen;
    $self->{pid} = $pid;
    $self->{http} = HTTP::Tiny->new(timeout => 10, keep_alive => 0);
    push @MOCKS, $self;
    return $self;
}

sub url { "http://127.0.0.1:$_[0]{port}" }
sub port { $_[0]{port} }

sub stop {
    my ($self) = @_;
    my $pid = delete $self->{pid} or return;
    kill 'TERM', $pid;
    waitpid $pid, 0;
}

sub _ctl {
    my ($self, $method, $what, $body) = @_;
    my $r = $self->{http}->request($method, $self->url . "/__mock/$what",
        defined $body ? { content => $JSON->encode($body),
            headers => { 'Content-Type' => 'application/json' } } : {});
    croak "mock $what: $r->{status} $r->{content}" unless $r->{success};
    return $JSON->decode($r->{content});
}

# The next `count` (1) calls of path answer: errcode [+ errmsg], or
# http_status, or hang (no answer), or close (connection closed).
sub script {
    my ($self, $path, %s) = @_;
    $self->_ctl(POST => 'script', { path => $path, count => 1, %s });
}

# 'wx' or 'wecom': mode 'expired' (42001, default) or 'invalid' (40001 /
# 40014); the next token fetch gets a new one.
sub expire_token {
    my ($self, $which, $mode) = @_;
    $self->_ctl(POST => 'expire_token',
        { which => $which, mode => $mode // 'expired' });
}

# Hold (1) or release (0) the answers of the send paths.
sub hold { $_[0]->_ctl(POST => 'hold', { on => $_[1] ? 1 : 0 }) }

# Forget the held requests without answering them.
sub drop_held { $_[0]->_ctl(POST => 'drop_held', {}) }

# refused_openids, unfollowed, wecom_invalid (lists), delay_ms,
# validate (0: answer sends without checking, for the benchmark),
# log_bodies (0: keep no bodies)
sub configure { my ($self, %c) = @_; $self->_ctl(POST => 'config', \%c) }

sub reset { $_[0]->_ctl(POST => 'reset', {}) }

# Every call of path (all when undef): { n, path, query, body, json,
# code, delivered, token }.
sub calls {
    my ($self, $path) = @_;
    my $all = $self->_ctl(GET => 'log');
    return grep { !defined $path || $_->{path} eq $path } @$all;
}

sub delivered {
    my ($self, $path) = @_;
    return grep { $_->{delivered} } $self->calls($path);
}

sub stats { $_[0]->_ctl(GET => 'stats') }

# The access token the mock accepts now ('wx' or 'wecom').
sub current_token { $_[0]->_ctl(GET => 'tokens')->{ $_[1] // 'wx' } }

# The unionid the mock gives openid($n) with a "-union" code.
sub unionid { sprintf 'uMock%023d', $_[1] // 0 }

# A valid-looking openid (o + 27 characters) from a number.
sub openid { sprintf 'oMock%023d', $_[1] // 0 }


# -------------------------------------------------------------------------
package Liaison::MockWeChat::Server;
# -------------------------------------------------------------------------

use strict;
use warnings;
use Errno qw(EINTR EAGAIN EWOULDBLOCK);
use IO::Select;
use JSON::PP;
use Time::HiRes qw(time);

my $J = JSON::PP->new->utf8->canonical->allow_nonref;

my %SEND_PATH = map { $_ => 1 }
    qw(subscribe template sec_check wecom_send sms custom);

sub new {
    my ($class, $listen, %opt) = @_;
    $listen->blocking(0);
    my $self = bless {
        listen => $listen, conns => {}, log => [], scripts => {},
        held => [], hold => 0, delay => [], n => 0,
        tok => { wx => _tok('wx', 1), wecom => _tok('wecom', 1) },
        tok_n => { wx => 1, wecom => 1 },
        expired => {}, invalid => {},
        cfg => { refused_openids => [], unfollowed => [], wecom_invalid => [],
                 delay_ms => 0, validate => 1, log_bodies => 1, %opt },
        seen_client_msg => {},
        stats => {},
    }, $class;
    return $self;
}

sub _tok { my ($w, $n) = @_; return "MOCK_${w}_TOKEN_$n" . ('x' x 40) }

sub run {
    my ($self) = @_;
    my $sel = $self->{sel} = IO::Select->new($self->{listen});
    while (1) {
        my $timeout = 0.05;
        for my $fh ($sel->can_read($timeout)) {
            if ($fh == $self->{listen}) {
                while (my $c = $self->{listen}->accept) {
                    $c->blocking(0);
                    binmode $c;
                    $self->{conns}{fileno $c} = { fh => $c, in => '' };
                    $sel->add($c);
                }
                next;
            }
            my $conn = $self->{conns}{fileno $fh} or next;
            my $n = sysread $fh, my $buf, 65536;
            if (!defined $n) {
                next if $! == EINTR || $! == EAGAIN || $! == EWOULDBLOCK;
                $n = 0;
            }
            if ($n == 0) {
                $sel->remove($fh);
                delete $self->{conns}{fileno $fh};
                delete $conn->{fh};
                close $fh;
                next;
            }
            $conn->{in} .= $buf;
            while ($conn->{fh} && (my $req = _parse(\$conn->{in}))) {
                $self->handle($conn, $req);
            }
        }
        # delayed answers that are due
        my $now = time;
        my @later;
        for my $d (@{ $self->{delay} }) {
            if ($d->[0] <= $now) { _write($d->[1], $d->[2]) }
            else { push @later, $d }
        }
        $self->{delay} = \@later;
    }
}

sub _parse {
    my ($in) = @_;
    my $i = index $$in, "\r\n\r\n";
    return undef if $i < 0;
    my $head = substr $$in, 0, $i;
    my ($line, @h) = split /\r\n/, $head;
    my %h;
    for (@h) { $h{ lc $1 } = $2 if /^([^:]+):\s*(.*)$/ }
    my $len = $h{'content-length'} // 0;
    return undef if length($$in) < $i + 4 + $len;
    my $body = substr $$in, $i + 4, $len;
    substr($$in, 0, $i + 4 + $len) = '';
    my ($method, $target) = split / /, $line;
    my ($path, $query) = split /\?/, $target, 2;
    my %q;
    for (split /&/, $query // '') {
        my ($k, $v) = split /=/, $_, 2;
        next unless defined $k;
        $v //= '';
        $v =~ s/\+/ /g;
        $v =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
        $q{$k} = $v;
    }
    return { method => $method, path => $path, query => \%q, body => $body,
             headers => \%h };
}

sub _write {
    my ($conn, $bytes) = @_;
    my $fh = $conn->{fh};
    return unless $fh && defined fileno $fh;
    $fh->blocking(1);
    my $off = 0;
    while ($off < length $bytes) {
        my $n = syswrite $fh, $bytes, length($bytes) - $off, $off;
        last unless defined $n;
        $off += $n;
    }
    $fh->blocking(0);
}

sub _answer {
    my ($status, $body, $type) = @_;
    $body = $J->encode($body) if ref $body;
    utf8::encode($body) if utf8::is_utf8($body);
    my $reason = { 200 => 'OK', 404 => 'Not Found', 500 => 'Internal Server '
        . 'Error', 502 => 'Bad Gateway', 503 => 'Service Unavailable',
        429 => 'Too Many Requests', 400 => 'Bad Request' }->{$status}
        // 'Status';
    return "HTTP/1.1 $status $reason\r\nContent-Type: "
        . ($type // 'application/json; charset=utf-8')
        . "\r\nContent-Length: " . length($body) . "\r\n\r\n" . $body;
}

my %ROUTE = (
    'POST /cgi-bin/stable_token' => 'stable_token',
    'POST /cgi-bin/message/subscribe/send' => 'subscribe',
    'POST /cgi-bin/message/custom/send' => 'custom',
    'POST /cgi-bin/message/template/send' => 'template',
    'POST /wxa/msg_sec_check' => 'sec_check',
    'GET /cgi-bin/gettoken' => 'gettoken',
    'POST /cgi-bin/message/send' => 'wecom_send',
    'POST /sms/send' => 'sms',
    'GET /sns/jscode2session' => 'jscode2session',
    'POST /wxa/business/getuserphonenumber' => 'phone',
);

sub handle {
    my ($self, $conn, $req) = @_;
    if ($req->{path} =~ m{^/__mock/(\w+)$}) {
        _write($conn, _answer(200, $self->control($1, $req)));
        return;
    }
    my $name = $ROUTE{"$req->{method} $req->{path}"};
    if (!$name) {
        _write($conn, _answer(404, { errcode => 404, errmsg => 'no route' }));
        return;
    }
    my $entry = { n => ++$self->{n}, path => $name, query => $req->{query},
        t => time };
    $entry->{body} = $req->{body} if $self->{cfg}{log_bodies};
    $entry->{headers} = $req->{headers};
    $entry->{method} = $req->{method};
    push @{ $self->{log} }, $entry;
    $self->{stats}{$name}{calls}++;

    # scripted behaviour first
    my $queue = $self->{scripts}{$name} || [];
    if (my $s = $queue->[0]) {
        shift @$queue if --$s->{count} <= 0;
        $entry->{scripted} = 1;
        if ($s->{hang}) { $entry->{code} = 'hang'; return }
        if ($s->{close}) {
            $entry->{code} = 'close';
            my $fh = delete $conn->{fh};
            $self->{sel}->remove($fh);
            delete $self->{conns}{fileno $fh};
            close $fh;
            return;
        }
        if (defined $s->{raw}) {
            $entry->{code} = 'raw';
            _write($conn, _answer(200, $s->{raw}, 'text/html'));
            return;
        }
        if ($s->{delay_ms}) {
            $entry->{code} = 'delayed';
            my ($st, $b) = $self->$name($req, $entry);
            push @{ $self->{delay} },
                [ time + $s->{delay_ms} / 1000, $conn, _answer($st, $b) ];
            return;
        }
        if ($s->{http_status}) {
            $entry->{code} = "http_$s->{http_status}";
            _write($conn, _answer($s->{http_status}, '<html>busy</html>',
                'text/html'));
            return;
        }
        $entry->{code} = $s->{errcode};
        my $body = $name eq 'sms'
            ? { code => $s->{errcode}, msg => $s->{errmsg} // 'error' }
            : { errcode => $s->{errcode}, errmsg => $s->{errmsg}
                // "mock error $s->{errcode}" };
        # WeChat sometimes says text/plain
        _write($conn, _answer(200, $body, 'text/plain'));
        return;
    }

    my ($status, $body) = $self->$name($req, $entry);
    my $bytes = _answer($status, $body);
    if ($self->{hold} && $SEND_PATH{$name}) {
        # not delivered until the answer is written
        $entry->{held} = 1;
        if ($entry->{delivered}) {
            $entry->{delivered} = 0;
            $entry->{held_ok} = 1;
            $self->{stats}{$name}{delivered}--;
        }
        push @{ $self->{held} }, [ $conn, $bytes, $entry ];
        return;
    }
    if ($self->{cfg}{delay_ms}) {
        push @{ $self->{delay} },
            [ time + $self->{cfg}{delay_ms} / 1000, $conn, $bytes ];
        return;
    }
    _write($conn, $bytes);
}

sub control {
    my ($self, $what, $req) = @_;
    my $in = length $req->{body} ? $J->decode($req->{body}) : {};
    if ($what eq 'script') {
        push @{ $self->{scripts}{ $in->{path} } }, $in;
    } elsif ($what eq 'expire_token') {
        my $w = $in->{which};
        my $old = $self->{tok}{$w};
        ($in->{mode} // 'expired') eq 'invalid'
            ? ($self->{invalid}{$old} = 1) : ($self->{expired}{$old} = 1);
        $self->{tok}{$w} = _tok($w, ++$self->{tok_n}{$w});
    } elsif ($what eq 'hold') {
        $self->{hold} = $in->{on};
        if (!$in->{on}) {
            for my $h (@{ $self->{held} }) {
                my $e = $h->[2];
                $e->{held} = 0;
                next unless $h->[0]{fh} && defined fileno $h->[0]{fh};
                _write($h->[0], $h->[1]);
                if (delete $e->{held_ok}) {
                    $e->{delivered} = 1;
                    $self->{stats}{ $e->{path} }{delivered}++;
                }
            }
            $self->{held} = [];
        }
    } elsif ($what eq 'drop_held') {
        # the held requests are never answered (their client died)
        $_->[2]{held} = 'dropped' for @{ $self->{held} };
        $self->{held} = [];
    } elsif ($what eq 'config') {
        $self->{cfg} = { %{ $self->{cfg} }, %$in };
    } elsif ($what eq 'reset') {
        $self->{log} = [];
        $self->{scripts} = {};
        $self->{stats} = {};
        $self->{n} = 0;
    } elsif ($what eq 'log') {
        return $self->{log};
    } elsif ($what eq 'tokens') {
        return $self->{tok};
    } elsif ($what eq 'stats') {
        return { %{ $self->{stats} }, held => scalar @{ $self->{held} } };
    }
    return { ok => 1 };
}

sub _json {
    my ($req) = @_;
    my $j = eval { $J->decode($req->{body}) };
    return ref $j eq 'HASH' ? $j : undef;
}

# 0 when the token is current, else the errcode
sub _check_token {
    my ($self, $which, $tok) = @_;
    $tok //= '';
    return 0 if $tok eq $self->{tok}{$which};
    return 42001 if $self->{expired}{$tok};
    return $which eq 'wecom' ? 40014 : 40001;
}

sub _err {
    my ($entry, $code, $msg) = @_;
    $entry->{code} = $code;
    return (200, { errcode => $code, errmsg => $msg });
}

sub stable_token {
    my ($self, $req, $e) = @_;
    my $j = _json($req) or return _err($e, 47001, 'data format error');
    return _err($e, 40013, 'invalid appid') unless ($j->{appid} // '') eq $APPID;
    return _err($e, 40125, 'invalid appsecret')
        unless ($j->{secret} // '') eq $SECRET;
    return _err($e, 40002, 'invalid grant_type')
        unless ($j->{grant_type} // '') eq 'client_credential';
    $e->{code} = 0;
    $e->{force} = $j->{force_refresh} ? 1 : 0;
    return (200, { access_token => $self->{tok}{wx}, expires_in => 7200 });
}

sub gettoken {
    my ($self, $req, $e) = @_;
    my $q = $req->{query};
    return _err($e, 40013, 'invalid corpid')
        unless ($q->{corpid} // '') eq $CORPID;
    return _err($e, 40001, 'invalid secret')
        unless ($q->{corpsecret} // '') eq $CORPSECRET;
    $e->{code} = 0;
    return (200, { errcode => 0, errmsg => 'ok',
        access_token => $self->{tok}{wecom}, expires_in => 7200 });
}

sub _chars { my ($s) = @_; utf8::decode(my $c = $s); return length $c }

# WeChat's per-type limits; undef when the value is fine
sub _bad_value {
    my ($key, $v) = @_;
    return 1 unless defined $v && !ref $v && length $v;
    utf8::encode($v) if utf8::is_utf8($v);
    (my $type = $key) =~ s/\d+$//;
    my $n = _chars($v);
    my $ascii = $v !~ /[^\x00-\x7f]/;
    return $n > 20 if $type eq 'thing';
    return !($v =~ /^\d+(\.\d+)?$/ && $n <= 32) if $type eq 'number';
    return !($v =~ /^[A-Za-z]+$/ && $n <= 32) if $type eq 'letter';
    return $n > 5 if $type eq 'symbol';
    return !($v =~ /^[\x21-\x7e]+$/ && $n <= 32)
        if $type eq 'character_string';
    return !($v =~ /^(\d{4}年\d{1,2}月\d{1,2}日 )?\d{2}:\d{2}$/)
        if $type eq 'time';
    return !($v =~ /^\d{4}年\d{1,2}月\d{1,2}日$/) if $type eq 'date';
    return !($v =~ /^[^\d.]?\d{1,10}(\.\d*)?$/) if $type eq 'amount';
    return !($v =~ /^[\d+\- ]{1,17}$/) if $type eq 'phone_number';
    return $ascii ? $n > 20 : $n > 10 if $type eq 'name';
    return $n > 5 if $type eq 'phrase';
    return 0;
}

sub subscribe {
    my ($self, $req, $e) = @_;
    if (my $c = $self->_check_token('wx', $req->{query}{access_token})) {
        return _err($e, $c, $c == 42001 ? 'access_token expired'
            : 'invalid credential, access_token is invalid or not latest');
    }
    return $self->_ok($e) unless $self->{cfg}{validate};
    my $j = _json($req) or return _err($e, 47001, 'data format error');
    $e->{json} = $j;
    return _err($e, 40003, 'invalid openid')
        unless ($j->{touser} // '') =~ /^o[A-Za-z0-9_-]{27}$/;
    return _err($e, 40037, 'invalid template_id')
        unless grep { $_ eq ($j->{template_id} // '') } @TEMPLATES;
    return _err($e, 41030, 'invalid page')
        if defined $j->{page} && $j->{page} !~ m{^pages/};
    my $data = $j->{data};
    return _err($e, 47003, 'argument invalid! data invalid')
        unless ref $data eq 'HASH' && %$data;
    for my $k (sort keys %$data) {
        my $v = ref $data->{$k} eq 'HASH' ? $data->{$k}{value} : undef;
        return _err($e, 47003, "argument invalid! data.$k.value invalid")
            if _bad_value($k, $v);
    }
    return _err($e, 43101, 'user refuse to accept the msg')
        if grep { $_ eq $j->{touser} } @{ $self->{cfg}{refused_openids} };
    return $self->_ok($e);
}

# customer-service message: {touser, msgtype: text, text: {content}};
# 45015 for the openids in cfg silent_openids (no message from them within
# 48 hours), 45047 for content over 2048 bytes
sub custom {
    my ($self, $req, $e) = @_;
    if (my $c = $self->_check_token('wx', $req->{query}{access_token})) {
        return _err($e, $c, $c == 42001 ? 'access_token expired'
            : 'invalid credential, access_token is invalid or not latest');
    }
    return $self->_ok($e) unless $self->{cfg}{validate};
    my $j = _json($req) or return _err($e, 47001, 'data format error');
    $e->{json} = $j;
    return _err($e, 40003, 'invalid openid')
        unless ($j->{touser} // '') =~ /^o[A-Za-z0-9_-]{27}$/;
    return _err($e, 40008, 'invalid message type')
        unless ($j->{msgtype} // '') eq 'text';
    my $content = ref $j->{text} eq 'HASH' ? $j->{text}{content} : undef;
    return _err($e, 44003, 'empty news data')
        unless defined $content && !ref $content && length $content;
    my $bytes = $content;
    utf8::encode($bytes) if utf8::is_utf8($bytes);
    return _err($e, 45047, 'out of response count limit')
        if length $bytes > 2048;
    return _err($e, 45015, 'response out of time limit')
        if grep { $_ eq $j->{touser} } @{ $self->{cfg}{silent_openids} || [] };
    return $self->_ok($e);
}

sub template {
    my ($self, $req, $e) = @_;
    if (my $c = $self->_check_token('wx', $req->{query}{access_token})) {
        return _err($e, $c, 'invalid credential');
    }
    my $j = _json($req) or return _err($e, 47001, 'data format error');
    $e->{json} = $j;
    return _err($e, 40003, 'invalid openid')
        unless ($j->{touser} // '') =~ /^o[A-Za-z0-9_-]{27}$/;
    return _err($e, 40037, 'invalid template_id')
        unless grep { $_ eq ($j->{template_id} // '') } @TEMPLATES;
    return _err($e, 43004, 'require subscribe')
        if grep { $_ eq $j->{touser} } @{ $self->{cfg}{unfollowed} };
    # client_msg_id: a repeat is acknowledged, not delivered again
    if (my $id = $j->{client_msg_id}) {
        if ($self->{seen_client_msg}{$id}++) {
            $e->{code} = 0;
            $e->{duplicate} = 1;
            return (200, { errcode => 0, errmsg => 'ok', msgid => 1 });
        }
    }
    return $self->_ok($e);
}

sub sec_check {
    my ($self, $req, $e) = @_;
    if (my $c = $self->_check_token('wx', $req->{query}{access_token})) {
        return _err($e, $c, 'invalid credential');
    }
    my $j = _json($req) or return _err($e, 47001, 'data format error');
    $e->{json} = $j;
    return _err($e, 40003, 'invalid openid')
        unless ($j->{openid} // '') =~ /^o[A-Za-z0-9_-]{27}$/;
    return _err($e, 40003, 'bad version') unless ($j->{version} // 0) == 2;
    my $c = $j->{content} // '';
    utf8::encode($c) if utf8::is_utf8($c);
    my $suggest = $c =~ /炸弹/ ? 'risky' : $c =~ /待审/ ? 'review' : 'pass';
    $e->{code} = 0;
    $e->{delivered} = 1;
    $e->{suggest} = $suggest;
    return (200, { errcode => 0, errmsg => 'ok', result => {
        suggest => $suggest, label => $suggest eq 'pass' ? 100 : 20001 } });
}

sub wecom_send {
    my ($self, $req, $e) = @_;
    if (my $c = $self->_check_token('wecom', $req->{query}{access_token})) {
        return _err($e, $c, $c == 42001 ? 'access_token expired'
            : 'invalid access_token');
    }
    return $self->_ok($e, invaliduser => '') unless $self->{cfg}{validate};
    my $j = _json($req) or return _err($e, 40058, 'data format error');
    $e->{json} = $j;
    return _err($e, 40056, 'invalid agentid')
        unless ($j->{agentid} // 0) == $AGENTID;
    my $content = $j->{text}{content} // '';
    utf8::encode($content) if utf8::is_utf8($content);
    return _err($e, 44004, 'empty content') unless length $content;
    return _err($e, 45002, 'content size out of limit')
        if length $content > 2048;
    return _err($e, 81013, 'user & party & tag all invalid')
        if grep { $_ eq ($j->{touser} // '') }
            @{ $self->{cfg}{wecom_invalid} };
    # enable_duplicate_check: the same message to the same members within
    # duplicate_check_interval (default 1800 s) is not sent again
    if ($j->{enable_duplicate_check}) {
        my $key = join "\0", $j->{touser} // '', $j->{agentid},
            $j->{msgtype} // '', $content;
        my $last = $self->{seen_wecom}{$key};
        if (defined $last
                && time - $last < ($j->{duplicate_check_interval} || 1800)) {
            $e->{code} = 0;
            $e->{duplicate} = 1;
            return (200, { errcode => 0, errmsg => 'ok', invaliduser => '' });
        }
        $self->{seen_wecom}{$key} = time;
    }
    return $self->_ok($e, invaliduser => '');
}

sub sms {
    my ($self, $req, $e) = @_;
    unless ($self->{cfg}{validate}) {
        $e->{code} = 0;
        $e->{delivered} = 1;
        $self->{stats}{sms}{delivered}++;
        return (200, { code => 0, msg => 'ok', id => $e->{n} });
    }
    my $j = _json($req) or do {
        $e->{code} = 400;
        return (400, { code => 400, msg => 'bad request' });
    };
    $e->{json} = $j;
    if (($j->{account} // '') ne $SMS_ACCOUNT
            || ($j->{password} // '') ne $SMS_PASSWORD) {
        $e->{code} = 401;
        return (200, { code => 401, msg => 'auth failed' });
    }
    if (($j->{mobile} // '') !~ /^1[3-9]\d{9}$/) {
        $e->{code} = 1001;
        return (200, { code => 1001, msg => 'bad mobile' });
    }
    # uid (optional): the client's message id; a repeat is acknowledged
    # and not sent again, as gateways with a client message id do
    if (defined $j->{uid} && length $j->{uid}) {
        if ($self->{seen_sms_uid}{ $j->{uid} }++) {
            $e->{code} = 0;
            $e->{duplicate} = 1;
            return (200, { code => 0, msg => 'ok', id => $e->{n} });
        }
    }
    $e->{code} = 0;
    $e->{delivered} = 1;
    $self->{stats}{sms}{delivered}++;
    return (200, { code => 0, msg => 'ok', id => $e->{n} });
}

sub jscode2session {
    my ($self, $req, $e) = @_;
    my $q = $req->{query};
    return _err($e, 40013, 'invalid appid') unless ($q->{appid} // '') eq $APPID;
    return _err($e, 40125, 'invalid appsecret')
        unless ($q->{secret} // '') eq $SECRET;
    return _err($e, 40002, 'invalid grant_type')
        unless ($q->{grant_type} // '') eq 'authorization_code';
    my $code = $q->{js_code} // '';
    return _err($e, 40163, 'code been used')
        if $self->{used_code}{"login $code"}++;
    my ($n) = $code =~ /^c(\d+)-/ or return _err($e, 40029, 'invalid code');
    $e->{code} = 0;
    return (200, { openid => sprintf('oMock%023d', $n),
        session_key => 'MOCKSESSIONKEY' . ('k' x 10) . '==',
        ($code =~ /-union$/ ? (unionid => sprintf('uMock%023d', $n)) : ()) });
}

sub phone {
    my ($self, $req, $e) = @_;
    if (my $c = $self->_check_token('wx', $req->{query}{access_token})) {
        return _err($e, $c, 'invalid credential');
    }
    my $j = _json($req) or return _err($e, 47001, 'data format error');
    my $code = $j->{code} // '';
    return _err($e, 40029, 'invalid code')
        if $self->{used_code}{"phone $code"}++;
    my ($cc, $num);
    if ($code =~ /^p(1\d{10})$/) { ($cc, $num) = ('86', $1) }
    elsif ($code =~ /^hk(\d{8})$/) { ($cc, $num) = ('852', $1) }
    else { return _err($e, 40029, 'invalid code') }
    $e->{code} = 0;
    return (200, { errcode => 0, errmsg => 'ok', phone_info => {
        phoneNumber => $cc eq '86' ? $num : "+$cc $num",
        purePhoneNumber => $num, countryCode => $cc,
        watermark => { timestamp => time, appid => $APPID } } });
}

sub _ok {
    my ($self, $e, %extra) = @_;
    $e->{code} = 0;
    $e->{delivered} = 1;
    $self->{stats}{ $e->{path} }{delivered}++;
    return (200, { errcode => 0, errmsg => 'ok', msgid => $e->{n}, %extra });
}

1;
