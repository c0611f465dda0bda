#!/usr/bin/perl
# Fails when object files depend on each other in a cycle.
#
#   scripts/cycles.pl [--exempt=SYMBOL ...] [--report] FILE.o ...
#
# A file depends on another when it uses (nm: U) a symbol the other
# defines.  The strongly connected components of that graph with more than
# one file are the cycles; each is printed with the symbols that close it.
# --exempt names symbols every file may use without creating an edge: the
# ngx_module_t variables of an nginx module, which every file names for its
# configuration and context.  --report prints every edge as well.

use strict;
use warnings;
use File::Basename qw(basename);

my (%exempt, $report, @objs);

for (@ARGV) {
    if (/^--exempt=(.+)$/) { $exempt{$1} = 1; next; }
    if ($_ eq '--report')  { $report = 1; next; }
    push @objs, $_;
}

die "usage: $0 [--exempt=SYM ...] [--report] FILE.o ...\n" unless @objs;

my (%defs, %uses);

for my $o (@objs) {
    my $name = basename($o, '.o');
    open(my $nm, '-|', 'nm', '--defined-only', '-g', $o)
        or die "nm $o: $!\n";
    while (<$nm>) {
        my ($sym) = /^\S*\s+[A-Za-z]\s+(\S+)$/ or next;
        $defs{$sym} = $name;
    }
    close $nm;

    open($nm, '-|', 'nm', '-u', $o) or die "nm $o: $!\n";
    while (<$nm>) {
        my ($sym) = /\bU\s+(\S+)$/ or next;
        push @{$uses{$name}}, $sym;
    }
    close $nm;
    $uses{$name} ||= [];
}

# edges: file -> { file it depends on -> [symbols] }
my %edge;
for my $f (keys %uses) {
    for my $sym (@{$uses{$f}}) {
        next if $exempt{$sym};
        my $d = $defs{$sym} or next;
        next if $d eq $f;
        push @{$edge{$f}{$d}}, $sym;
    }
}

if ($report) {
    for my $f (sort keys %edge) {
        print "$f -> ", join(', ', sort keys %{$edge{$f}}), "\n";
    }
}

# Tarjan's strongly connected components
my ($index, @stack, %on, %idx, %low, @sccs) = (0);

sub strong {
    my ($v) = @_;
    $idx{$v} = $low{$v} = $index++;
    push @stack, $v;
    $on{$v} = 1;
    for my $w (sort keys %{$edge{$v} || {}}) {
        if (!defined $idx{$w}) {
            strong($w);
            $low{$v} = $low{$w} if $low{$w} < $low{$v};
        } elsif ($on{$w}) {
            $low{$v} = $idx{$w} if $idx{$w} < $low{$v};
        }
    }
    if ($low{$v} == $idx{$v}) {
        my @c;
        my $w;
        do {
            $w = pop @stack;
            $on{$w} = 0;
            push @c, $w;
        } while ($w ne $v);
        push @sccs, [sort @c] if @c > 1;
    }
}

for my $v (sort keys %uses) {
    strong($v) unless defined $idx{$v};
}

exit 0 unless @sccs;

for my $c (@sccs) {
    my %in = map { $_ => 1 } @$c;
    print STDERR "dependency cycle between ", scalar(@$c), " files: ",
        join(' ', @$c), "\n";
    for my $f (@$c) {
        for my $d (sort keys %{$edge{$f} || {}}) {
            next unless $in{$d};
            my @s = sort @{$edge{$f}{$d}};
            splice(@s, 3, @s - 3, '...') if @s > 4;
            print STDERR "  $f -> $d (", join(', ', @s), ")\n";
        }
    }
}

exit 1;
