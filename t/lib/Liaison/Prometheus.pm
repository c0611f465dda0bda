package Liaison::Prometheus;

# A strict parser of the Prometheus text exposition format 0.0.4, for the
# metrics tests (t/500-metrics.t, t/504-worker-metrics.t).
#
#   my $m = Liaison::Prometheus->parse($text);   # croaks on any fault
#   $m->value('liaison_http_requests_total', endpoint => 'health',
#             status => 200);                    # undef when absent
#   $m->sum('liaison_http_requests_total', endpoint => 'tickets');
#   $m->type('liaison_db_pool_waiting');         # 'gauge'
#
# Checked: every line is a # HELP, a # TYPE or a sample; names and label
# names are valid; label values are quoted with only \\ \" \n escapes; a
# family has at most one HELP and one TYPE, and its TYPE comes before its
# samples; samples of one family are contiguous; no sample (name + labels)
# twice; values are floats (or +Inf/-Inf/NaN); counters are >= 0;
# histograms have _bucket series with "le", ascending le ending with
# "+Inf", cumulative (non-decreasing) counts, and _count equal to the
# +Inf bucket, and a _sum.

use strict;
use warnings;

use Carp qw(croak);

my $NAME = qr/[a-zA-Z_:][a-zA-Z0-9_:]*/;
my $LABEL = qr/[a-zA-Z_][a-zA-Z0-9_]*/;
my $FLOAT = qr/[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN/;

sub parse {
    my ($class, $text) = @_;
    my $self = bless { samples => {}, types => {}, help => {}, order => [] },
        $class;
    croak 'metrics: empty' unless defined $text && length $text;
    croak 'metrics: the last line does not end with a newline'
        unless $text =~ /\n\z/;
    my ($n, $current, %closed) = (0, undef);
    for my $line (split /\n/, $text) {
        $n++;
        my $where = "metrics line $n ($line)";
        next if $line eq '';
        if ($line =~ /^#\s*(HELP|TYPE)\s+($NAME)(?:\s+(.*))?$/) {
            my ($kw, $name, $rest) = ($1, $2, $3 // '');
            if ($kw eq 'HELP') {
                croak "$where: a second HELP" if exists $self->{help}{$name};
                croak "$where: a HELP escape other than \\\\ or \\n"
                    if $rest =~ /\\[^\\n]/;
                $self->{help}{$name} = $rest;
            } else {
                croak "$where: a second TYPE" if $self->{types}{$name};
                croak "$where: unknown type '$rest'" unless $rest =~
                    /^(?:counter|gauge|histogram|summary|untyped)$/;
                croak "$where: TYPE after samples of $name"
                    if $self->{seen_family}{$name};
                $self->{types}{$name} = $rest;
            }
            next;
        }
        croak "$where: a comment that is neither HELP nor TYPE"
            if $line =~ /^#\s*(?:HELP|TYPE)\b/;
        next if $line =~ /^#/;
        $line =~ /^($NAME)(\{.*\})?[ \t]+($FLOAT)(?:[ \t]+(-?\d+))?$/
            or croak "$where: not a sample";
        my ($name, $lbl, $value) = ($1, $2, $3);
        my %labels = _labels($lbl, $where);
        my $family = $self->_family($name);
        croak "$where: no TYPE for $family before its samples"
            unless $self->{types}{$family};
        if (!defined $current || $current ne $family) {
            croak "$where: samples of $family are not contiguous"
                if $closed{$family};
            $closed{$current} = 1 if defined $current;
            $current = $family;
        }
        $self->{seen_family}{$family} = 1;
        my $key = _key($name, %labels);
        croak "$where: a second sample $key" if exists $self->{samples}{$key};
        my $v = $value =~ /Inf/ ? ($value =~ /^-/ ? -9**9**9 : 9**9**9)
              : $value eq 'NaN' ? 'NaN' : $value + 0;
        croak "$where: a negative counter"
            if $self->{types}{$family} eq 'counter' && $v ne 'NaN' && $v < 0;
        $self->{samples}{$key} = $v;
        push @{ $self->{series}{$name} }, { labels => \%labels, value => $v };
    }
    $self->_check_histograms;
    return $self;
}

sub _labels {
    my ($s, $where) = @_;
    return () unless defined $s;
    my %l;
    my $body = substr $s, 1, -1;
    while (length $body) {
        $body =~ s/^($LABEL)="((?:[^"\\\n]|\\[\\"n])*)"//
            or croak "$where: bad label syntax near '$body'";
        my ($k, $v) = ($1, $2);
        croak "$where: label $k twice" if exists $l{$k};
        $v =~ s/\\n/\n/g;
        $v =~ s/\\(["\\])/$1/g;
        $l{$k} = $v;
        last unless length $body;
        $body =~ s/^,// or croak "$where: labels not separated by commas";
    }
    return %l;
}

sub _family {
    my ($self, $name) = @_;
    for my $suffix (qw(_bucket _sum _count)) {
        (my $base = $name) =~ s/\Q$suffix\E\z// or next;
        my $t = $self->{types}{$base} // '';
        return $base if $t eq 'histogram' || ($t eq 'summary'
            && $suffix ne '_bucket');
    }
    return $name;
}

sub _key {
    my ($name, %labels) = @_;
    return $name . '{' . join(',', map { "$_=\"$labels{$_}\"" }
        sort keys %labels) . '}';
}

sub _check_histograms {
    my ($self) = @_;
    for my $h (grep { $self->{types}{$_} eq 'histogram' }
            keys %{ $self->{types} }) {
        my %groups;
        for my $s (@{ $self->{series}{"${h}_bucket"} || [] }) {
            my %l = %{ $s->{labels} };
            my $le = delete $l{le};
            croak "histogram $h: a bucket without le" unless defined $le;
            push @{ $groups{ _key('', %l) } }, [ $le, $s->{value}, \%l ];
        }
        for my $g (sort keys %groups) {
            my @b = @{ $groups{$g} };
            croak "histogram $h$g: the last bucket is not +Inf"
                unless $b[-1][0] eq '+Inf';
            my ($prev_le, $prev_v) = (-9**9**9, -1);
            for my $b (@b) {
                my $le = $b->[0] eq '+Inf' ? 9**9**9 : $b->[0];
                croak "histogram $h$g: le not ascending at $b->[0]"
                    unless $le > $prev_le;
                croak "histogram $h$g: bucket counts decrease at $b->[0]"
                    if $b->[1] < $prev_v;
                ($prev_le, $prev_v) = ($le, $b->[1]);
            }
            my %l = %{ $b[-1][2] };
            my $count = $self->value("${h}_count", %l);
            croak "histogram $h$g: _count missing" unless defined $count;
            croak "histogram $h$g: _count $count != +Inf bucket $prev_v"
                unless $count == $prev_v;
            croak "histogram $h$g: _sum missing"
                unless defined $self->value("${h}_sum", %l);
        }
    }
}

# the value of one sample (labels exactly), or undef
sub value {
    my ($self, $name, %labels) = @_;
    return $self->{samples}{ _key($name, %labels) };
}

# the sum over samples of name whose labels include %labels (0 if none)
sub sum {
    my ($self, $name, %labels) = @_;
    my $t = 0;
    SAMPLE: for my $s (@{ $self->{series}{$name} || [] }) {
        for my $k (keys %labels) {
            next SAMPLE unless defined $s->{labels}{$k}
                && $s->{labels}{$k} eq $labels{$k};
        }
        $t += $s->{value};
    }
    return $t;
}

# [ { labels => {...}, value => N }, ... ] of a sample name
sub series { @{ $_[0]{series}{ $_[1] } || [] } }

sub type { $_[0]{types}{ $_[1] } }
sub help { $_[0]{help}{ $_[1] } }
sub names { sort keys %{ $_[0]{series} } }

1;
