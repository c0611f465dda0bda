package Liaison::Load;

# A load loop of our own for the reload/upgrade tests: N forked clients,
# each sending requests one after another (a new connection each,
# "Connection: close") until stopped, and counting every outcome exactly.
#
#   my $load = Liaison::Load->start($env, clients => 4,
#       requests => [ [GET => '/api/v1/health'],
#                     [POST => '/api/v1/tickets', sub { body }] ]);
#       [, pause => 0.05 ]);  # seconds between a client's requests
#   ... reloads ...
#   my $t = $load->stop;   # { sent, status => { 200 => n, ... },
#                          #   errors => { 'connect: ...' => n },
#                          #   fivexx => { '503 unavailable' => n }, ... }
#
# fivexx names each 5xx answer by its status and the code of its JSON
# error ('503 not-json' when the body is not one; odd holds the first
# such answers of each client).
#
# A request counts as failed when it could not connect, could not be
# written, or got no complete HTTP status line before the connection
# closed; each failure's reason is kept.

use strict;
use warnings;

use Carp qw(croak);
use Errno qw(EINTR);
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(_exit);
use Time::HiRes qw(time sleep);

my $JSON = JSON::PP->new->utf8->canonical;

sub start {
    my ($class, $env, %o) = @_;
    my $self = bless { env => $env, clients => $o{clients} // 4,
        pids => [], dir => $env->dir . '/load-' . int(rand(1e9)) }, $class;
    mkdir $self->{dir} or croak "mkdir $self->{dir}: $!";
    my @reqs = @{ $o{requests} || [ [ GET => '/api/v1/health' ] ] };
    my $port = $o{port} // $env->port;
    for my $c (1 .. $self->{clients}) {
        my $pid = fork;
        croak "fork: $!" unless defined $pid;
        if (!$pid) {
            $SIG{INT} = $SIG{TERM} = 'DEFAULT';
            _client($self->{dir}, $c, $port, \@reqs, $o{pause});
            _exit(0);
        }
        push @{ $self->{pids} }, $pid;
    }
    # every client has sent at least one request
    my $deadline = time + 20;
    while (time < $deadline) {
        last if $self->{clients} == grep { -e "$self->{dir}/up.$_" }
            1 .. $self->{clients};
        sleep 0.02;
    }
    return $self;
}

sub _client {
    my ($dir, $c, $port, $reqs, $pause) = @_;
    my %t = (sent => 0, status => {}, errors => {}, created => [],
        fivexx => {}, odd => []);
    my $i = 0;
    my $stop = "$dir/stop";
    until (-e $stop) {
        my ($method, $path, $body) = @{ $reqs->[ $i++ % @$reqs ] };
        $body = $body->($c, $i) if ref $body eq 'CODE';
        my $bytes = "$method $path HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            . "Connection: close\r\n";
        if (defined $body) {
            my $b = ref $body ? $JSON->encode($body) : $body;
            $bytes .= "Content-Type: application/json\r\nContent-Length: "
                . length($b) . "\r\n\r\n$b";
        } else {
            $bytes .= "\r\n";
        }
        $t{sent}++;
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
            PeerPort => $port, Proto => 'tcp', Timeout => 10);
        if (!$s) {
            $t{errors}{"connect: $!"}++;
            next;
        }
        local $SIG{PIPE} = 'IGNORE';
        my $off = 0;
        my $ok = 1;
        while ($off < length $bytes) {
            my $n = syswrite $s, $bytes, length($bytes) - $off, $off;
            if (!defined $n) { next if $! == EINTR; $ok = 0; last }
            $off += $n;
        }
        if (!$ok) { $t{errors}{"write: $!"}++; close $s; next }
        my $buf = '';
        while (1) {
            my $n = sysread $s, my $chunk, 65536;
            if (!defined $n) {
                next if $! == EINTR;
                $t{errors}{"read: $!"}++ unless $buf =~ m{^HTTP/1\.1 \d{3}};
                last;
            }
            last if $n == 0;
            $buf .= $chunk;
        }
        close $s;
        if ($buf =~ m{^HTTP/1\.1 (\d{3})}) {
            $t{status}{$1}++;
            my $st = $1;
            push @{ $t{created} }, $1
                if $st == 201 && $buf =~ /"ticket_no":"([^"]+)"/;
            if ($st >= 500) {
                my $code = _error_code($buf);
                $t{fivexx}{"$st $code"}++;
                push @{ $t{odd} }, substr($buf, 0, 600)
                    if $code eq 'not-json' && @{ $t{odd} } < 3;
            }
        } elsif (!grep { /^read/ } keys %{ $t{errors} }) {
            $t{errors}{'closed without a status line'}++;
        }
        if ($t{sent} == 1) {
            open my $fh, '>', "$dir/up.$c"; close $fh;
        }
        # a steady rate, not a measure: nothing waits on it
        sleep $pause if $pause;
    }
    open my $fh, '>', "$dir/tally.$c" or _exit(1);
    print $fh $JSON->encode(\%t);
    close $fh;
}

# the code of a JSON error answer, or 'not-json'
sub _error_code {
    my ($buf) = @_;
    my ($head, $body) = split /\r\n\r\n/, $buf, 2;
    return 'not-json' unless defined $body
        && $head =~ m{^Content-Type:\s*application/json}mi;
    my $j = eval { $JSON->decode($body) };
    return 'not-json' unless ref $j eq 'HASH';
    # /health answers {"status": "unavailable", ...}
    return ref $j->{error} eq 'HASH' && defined $j->{error}{code}
        ? $j->{error}{code} : $j->{status} // 'not-json';
}

# stops the clients (after their current request) and sums their tallies
sub stop {
    my ($self) = @_;
    open my $fh, '>', "$self->{dir}/stop" or croak "stop: $!";
    close $fh;
    my %sum = (sent => 0, status => {}, errors => {}, created => [],
        fivexx => {}, odd => []);
    for my $pid (@{ $self->{pids} }) {
        waitpid $pid, 0;
    }
    for my $c (1 .. $self->{clients}) {
        my $f = "$self->{dir}/tally.$c";
        open my $t, '<', $f or croak "client $c left no tally: $!";
        local $/;
        my $j = $JSON->decode(<$t>);
        $sum{sent} += $j->{sent};
        $sum{status}{$_} += $j->{status}{$_} for keys %{ $j->{status} };
        $sum{errors}{$_} += $j->{errors}{$_} for keys %{ $j->{errors} };
        $sum{fivexx}{$_} += $j->{fivexx}{$_} for keys %{ $j->{fivexx} };
        push @{ $sum{odd} }, @{ $j->{odd} };
        push @{ $sum{created} }, @{ $j->{created} };
    }
    $sum{answered} = 0;
    $sum{answered} += $_ for values %{ $sum{status} };
    $sum{failed} = 0;
    $sum{failed} += $_ for values %{ $sum{errors} };
    return \%sum;
}

sub summary {
    my ($t) = @_;
    return "sent $t->{sent}, answered $t->{answered} ("
        . join(', ', map { "$_: $t->{status}{$_}" } sort keys
            %{ $t->{status} }) . "), failed $t->{failed}"
        . (%{ $t->{errors} } ? ' (' . join(', ', map { "$_: $t->{errors}{$_}" }
            sort keys %{ $t->{errors} }) . ')' : '');
}

1;
