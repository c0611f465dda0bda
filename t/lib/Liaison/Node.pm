package Liaison::Node;

# A second nginx node on the database of a Liaison::Test environment, for
# the several-nodes tests: its own prefix (nginx-NAME/ under the test
# directory), port, workers and error log, the same MariaDB, token secret
# and other secret files.
#
#   my $a = Liaison::Test->start(...);          # node A
#   my $b = Liaison::Node->start($a, 'b');      # node B, same database
#   $b->req(GET => '/api/v1/health');           # everything of Liaison::Test
#   $b->stop;                                   # nginx only; checks its log
#
# Stop the nodes before done_testing (which stops A's database).

use strict;
use warnings;

use File::Path qw(make_path);
use Liaison::Test;

our @ISA = ('Liaison::Test');

my @NODES;

sub start {
    my ($class, $env, $name, %opt) = @_;
    my $self = bless {
        %$env,
        opt        => { %{ $env->{opt} }, %opt },
        allow_log  => [ @{ $env->{allow_log} } ],
        workers    => $opt{workers} // $env->{workers},
        finished   => 0,
        nginx_t_n  => 0,
        node       => $name,
        port       => undef,
        dbh        => undef,
        root_dbh   => undef,
        own_conn   => $env->{own_conn},
        pid_owner  => $$,
    }, $class;
    make_path(map { $self->prefix . "/$_" } qw(logs conf tmp/body tmp/proxy
        tmp/fastcgi tmp/uwsgi tmp/scgi));
    push @NODES, $self;
    $self->_nginx_start;
    return $self;
}

sub prefix { "$_[0]{dir}/nginx-$_[0]{node}" }
sub error_log_file { $_[0]->prefix . '/logs/error.log' }

sub bad_log_lines {
    my ($self) = @_;
    my @bad;
    for my $file ($self->error_log_file, $self->prefix . '/logs/stderr.log') {
        next unless -f $file;
        for my $line (split /\n/, Liaison::Test::_slurp($file)) {
            next unless $line =~ $Liaison::Test::BAD_LOG_RE;
            next if grep { $line =~ $_ } @{ $self->{allow_log} };
            push @bad, $line;
        }
    }
    return @bad;
}

sub _finish {
    my ($self, $assert) = @_;
    return if $self->{finished}++;
    return unless $self->{pid_owner} == $$;
    my $ok = eval { $self->_nginx_stop; 1 };
    my @bad = $self->bad_log_lines;
    if ($assert) {
        Test::More::ok($ok, "node $self->{node}: nginx stopped (SIGQUIT)")
            or Test::More::diag($@);
        Test::More::ok(!@bad, "node $self->{node}: error log is clean")
            or Test::More::diag(join "\n", @bad[0 .. ($#bad < 30 ? $#bad
                : 29)]);
    }
}

END {
    for my $n (grep { !$_->{finished} } @NODES) {
        eval { $n->_finish(0) };
    }
}

1;
