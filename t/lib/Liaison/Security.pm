package Liaison::Security;
# The route table for the attack suite (t/8NN-security-*.t): the
# operations of docs/openapi.json, the token of a role that may call
# each, and plausible values from their schemas.
#
#   my $sec = Liaison::Security->new(tokens => { litigant => $lit,
#       admin => ..., president => ..., platform => ..., filing => ... });
#   for my $op ($sec->operations) { $op->{method}, $op->{path},
#       $op->{params}, $op->{body_schema}, $op->{security} }
#   $sec->callers($op)        # token names ('anon' for none)
#   $sec->sample($schema)     # a plausible value
#   $sec->url($op, { no => ... }, @query)

use strict;
use warnings;
use utf8;
use Carp qw(croak);
use JSON::PP ();

sub new {
    my ($class, %o) = @_;
    my $file = $o{file} // "$Liaison::Test::ROOT/docs/openapi.json";
    open my $fh, '<:raw', $file or croak "$file: $!";
    my $api = JSON::PP->new->decode(do { local $/; <$fh> });
    return bless { api => $api, tokens => $o{tokens} || {} }, $class;
}

sub deref {
    my ($self, $s) = @_;
    while ($s && $s->{'$ref'}) {
        my ($name) = $s->{'$ref'} =~ m{/([^/]+)\z};
        $s = $self->{api}{components}{schemas}{$name}
            // $self->{api}{components}{parameters}{$name};
    }
    return $s;
}

sub operations {
    my ($self) = @_;
    my $paths = $self->{api}{paths};
    my @ops;
    for my $path (sort keys %$paths) {
        for my $m (sort keys %{ $paths->{$path} }) {
            next if $m eq 'parameters';
            my $op = $paths->{$path}{$m};
            my $body;
            my $c = $op->{requestBody} && $op->{requestBody}{content};
            $body = $self->deref($c->{'application/json'}{schema})
                if $c && $c->{'application/json'};
            push @ops, {
                method => uc $m, path => $path,
                params => [ map { $self->deref($_) } (
                    @{ $paths->{$path}{parameters} || [] },
                    @{ $op->{parameters} || [] }) ],
                body_schema => $body,
                # none: [] or [{}] among the alternatives
                security => [ map { %$_ ? keys %$_ : 'none' }
                    @{ $op->{security} || [] } ? @{ $op->{security} }
                    : ({}) ],
            };
        }
    }
    return @ops;
}

# the callers worth trying: a role that may call the operation
sub callers {
    my ($self, $op) = @_;
    my %sec = map { $_ => 1 } @{ $op->{security} };
    my @c;
    push @c, 'litigant' if $sec{litigantToken};
    if ($sec{staffToken}) {
        push @c, $op->{path} =~ m{^/staff/(?:accounts|departments|canned)}
            ? ('admin') : $op->{path} =~ m{^/staff/(?:risks|liaison)}
            ? ('filing', 'president') : ('president', 'platform');
    }
    push @c, 'anon' if $sec{none};
    return @c;
}

sub token {
    my ($self, $who) = @_;
    return undef if $who eq 'anon';
    return $self->{tokens}{$who} // croak "no token for $who";
}

# a plausible value of a schema, so that the other fields pass
sub sample {
    my ($self, $s, $name) = @_;
    $s = $self->deref($s) || {};
    return $s->{example} if exists $s->{example};
    return $s->{enum}[0] if $s->{enum};
    my $type = $s->{type} // 'string';
    return 1 if $type eq 'integer' || $type eq 'number';
    return JSON::PP::true if $type eq 'boolean';
    return [] if $type eq 'array';
    if ($type eq 'object') {
        my %o;
        for my $k (@{ $s->{required} || [] }) {
            $o{$k} = $self->sample($s->{properties}{$k}, $k);
        }
        return \%o;
    }
    return '2026-01' if ($name // '') eq 'month';
    return '13800138000' if ($name // '') =~ /phone/;
    return '诉求内容';
}

sub enc {
    my ($v) = @_;
    utf8::encode($v) if utf8::is_utf8($v);
    $v =~ s{([^A-Za-z0-9\-._~])}{sprintf '%%%02X', ord $1}ge;
    return $v;
}

# /api/v1 + the path with its parameters (raw values, encoded here)
sub url {
    my ($self, $op, $values, @query) = @_;
    (my $url = "/api/v1$op->{path}")
        =~ s/\{(\w+)\}/enc($values->{$1} \/\/ 1)/ge;
    $url .= '?' . join '&', @query if @query;
    return $url;
}

1;
