package Liaison::OpenAPI;

# The OpenAPI description (docs/openapi.json) against the module: the
# endpoint tables of the sources (ngx_liaison_module/*.c, every
# *_endpoints[] row) and a small validator of JSON values against the
# description's schemas (the OpenAPI 3.0 subset it uses: $ref, type,
# nullable, enum, required, properties, additionalProperties, items,
# minimum, maximum, minLength, maxLength, maxItems, pattern, format
# date-time and date).
#
#   my $spec = Liaison::OpenAPI->load;
#   my %routes = Liaison::OpenAPI::routes();     # "get /tickets/{no}" => 1
#   my @errors = $spec->validate($value, $schema_or_ref);
#   my @errors = $spec->check_answer('get', '/tickets/{no}', $response);

use strict;
use warnings;
use utf8;
use Carp qw(croak);
use JSON::PP ();

our $ROOT = $Liaison::Test::ROOT // do {
    require Cwd;
    require File::Basename;
    Cwd::abs_path(File::Basename::dirname(Cwd::abs_path(__FILE__)) . '/../../..');
};

sub load {
    my ($class, $file) = @_;
    $file //= "$ROOT/docs/openapi.json";
    open my $fh, '<:raw', $file or croak "$file: $!";
    my $spec = JSON::PP->new->utf8->decode(do { local $/; <$fh> });
    return bless { spec => $spec }, $class;
}

sub spec { $_[0]{spec} }

# Every "method /path" of the endpoint tables: GET also answers HEAD,
# which OpenAPI leaves implied.
sub routes {
    my %r;
    my %m = (NGX_HTTP_LIAISON_GET => 'get', NGX_HTTP_LIAISON_POST => 'post',
             NGX_HTTP_PUT => 'put', NGX_HTTP_DELETE => 'delete');
    for my $file (glob "$ROOT/ngx_liaison_module/ngx_http_liaison_*.c") {
        open my $fh, '<', $file or croak "$file: $!";
        my $src = do { local $/; <$fh> };
        my ($prefix) = $src =~ /ngx_string\("([^"]*)" name\)/;
        while ($src =~ /_endpoints\[\]\s*=\s*\{(.*?)\n\};/sg) {
            my $table = $1;
            while ($table =~ /ngx_string\("([^"]+)"\),\s*([A-Z_|\s]+?),/g) {
                my ($pattern, $methods) = ($1, $2);
                for my $name (split /\s*\|\s*/, $methods) {
                    my $method = $m{$name} or croak "$file: method $name";
                    $r{"$method /$pattern"} = 1;
                }
            }
            $r{"post /$prefix$1"} = 1
                while $prefix && $table =~ /NGX_HTTP_LIAISON_ACTION\("([^"]+)"/g;
        }
    }
    return %r;
}

# "method /path" of the description
sub documented {
    my ($self) = @_;
    my %d;
    for my $path (keys %{ $self->{spec}{paths} }) {
        for my $method (keys %{ $self->{spec}{paths}{$path} }) {
            next if $method eq 'parameters';
            $d{"$method $path"} = 1;
        }
    }
    return %d;
}

sub resolve {
    my ($self, $s) = @_;
    while ($s && $s->{'$ref'}) {
        my $ref = $s->{'$ref'};
        $ref =~ m{^#/components/schemas/(.+)$} or croak "ref $ref";
        $s = $self->{spec}{components}{schemas}{$1} // croak "no schema $1";
    }
    return $s;
}

# Errors of a value against a schema (empty: valid), each with its path.
sub validate {
    my ($self, $v, $schema, $path) = @_;
    $path //= '$';
    my $s = ref $schema ? $schema : { '$ref' => "#/components/schemas/$schema" };
    $s = $self->resolve($s);
    my @e;
    if (!defined $v) {
        return $s->{nullable} ? () : ("$path: null, not nullable");
    }
    my $t = $s->{type} // '';
    my $isbool = JSON::PP::is_bool($v);
    if ($t eq 'object') {
        return ("$path: not an object") unless ref $v eq 'HASH';
        for my $k (@{ $s->{required} || [] }) {
            push @e, "$path.$k: required" unless exists $v->{$k};
        }
        my $props = $s->{properties} || {};
        for my $k (sort keys %$v) {
            if ($props->{$k}) {
                push @e, $self->validate($v->{$k}, $props->{$k}, "$path.$k");
            } elsif (ref $s->{additionalProperties} eq 'HASH') {
                push @e, $self->validate($v->{$k}, $s->{additionalProperties},
                    "$path.$k");
            } elsif (exists $s->{additionalProperties}
                     && !$s->{additionalProperties}) {
                push @e, "$path.$k: not in the description";
            }
        }
    } elsif ($t eq 'array') {
        return ("$path: not an array") unless ref $v eq 'ARRAY';
        push @e, "$path: more than $s->{maxItems} items"
            if defined $s->{maxItems} && @$v > $s->{maxItems};
        push @e, $self->validate($v->[$_], $s->{items}, "$path\[$_]")
            for 0 .. $#$v;
    } elsif ($t eq 'string') {
        return ("$path: not a string") if ref $v || $isbool || _is_number($v);
        my $n = length $v;
        push @e, "$path: shorter than $s->{minLength}"
            if defined $s->{minLength} && $n < $s->{minLength};
        push @e, "$path: longer than $s->{maxLength}"
            if defined $s->{maxLength} && $n > $s->{maxLength};
        push @e, "$path: '$v' does not match $s->{pattern}"
            if defined $s->{pattern} && $v !~ /$s->{pattern}/;
        push @e, "$path: '$v' is not a date-time"
            if ($s->{format} // '') eq 'date-time'
               && $v !~ /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/;
        push @e, "$path: '$v' is not a date"
            if ($s->{format} // '') eq 'date' && $v !~ /^\d{4}-\d\d-\d\d$/;
    } elsif ($t eq 'integer' || $t eq 'number') {
        return ("$path: not a number") if ref $v || $isbool || !_is_number($v);
        push @e, "$path: $v is not an integer"
            if $t eq 'integer' && $v != int $v;
        push @e, "$path: $v below $s->{minimum}"
            if defined $s->{minimum} && $v < $s->{minimum};
        push @e, "$path: $v above $s->{maximum}"
            if defined $s->{maximum} && $v > $s->{maximum};
    } elsif ($t eq 'boolean') {
        return ("$path: not a boolean") unless $isbool;
    }
    if ($s->{enum} && !ref $v) {
        push @e, "$path: '$v' not one of " . join('|', @{ $s->{enum} })
            unless grep { $_ eq $v } @{ $s->{enum} };
    }
    return @e;
}

# a JSON number, as JSON::PP decoded it (not a string that looks like one)
sub _is_number {
    my ($v) = @_;
    require B;
    my $flags = B::svref_2object(\$v)->FLAGS;
    return ($flags & (B::SVp_IOK() | B::SVp_NOK())) && !($flags & B::SVp_POK());
}

# An answer against its operation's response schema for its status
# ("default" for errors).  Returns the errors.
sub check_answer {
    my ($self, $method, $path, $r) = @_;
    my $op = $self->{spec}{paths}{$path}{$method}
        or return ("$method $path: not in the description");
    my $resp = $op->{responses}{ $r->status } // $op->{responses}{default}
        or return ("$method $path: no response " . $r->status);
    my $type = ($r->header('content-type') // '') =~ s/;.*//r;
    my $content = $resp->{content}{$type}
        or return ("$method $path " . $r->status . ": no content $type");
    return () if $type ne 'application/json';
    my $json = eval { JSON::PP->new->utf8->decode($r->body) };
    return ("$method $path: not JSON") unless defined $json;
    return $self->validate($json, $content->{schema});
}

1;
