#!/usr/bin/perl
# The man pages the packages install: liaison(8) is what scripts/man.pl
# makes from the README now and names every directive of the module;
# liaison-worker(8) every subcommand; all three render without a warning.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Liaison::Test ();

my $ROOT = $Liaison::Test::ROOT;

my $r = Liaison::Test::_run_capture("$ROOT/scripts/man.pl",
    "$ROOT/README.md");
is $r->{rc}, 0, 'scripts/man.pl runs';
is $r->{stdout}, Liaison::Test::_slurp("$ROOT/man/liaison.8"),
    'man/liaison.8 is up to date with the README (scripts/man.pl)';

my $page = Liaison::Test::_slurp("$ROOT/man/liaison.8");
my %dir;
for my $f (glob "$ROOT/ngx_liaison_module/*.c") {
    my $src = Liaison::Test::_slurp($f);
    $dir{$1} = 1 while $src =~ /ngx_string\("(liaison_\w+)"\)/g;
}
ok keys(%dir) >= 20, scalar(keys %dir) . ' directives in the module';
for my $d (sort keys %dir) {
    like $page, qr/^\.SS \Q$d\E$/m, "liaison(8) describes $d";
}

my $worker = Liaison::Test::_slurp("$ROOT/man/liaison-worker.8");
for my $cmd (qw(--check once bulletin migrate metrics)) {
    (my $roff = $cmd) =~ s/-/\\-/g;
    like $worker, qr/^\.B\S*\s+(?:liaison-worker\s+)?\Q$roff\E/m,
        "liaison-worker(8) has $cmd";
}
my $admin = Liaison::Test::_slurp("$ROOT/man/liaison-admin.8");
for my $cmd (qw(hash-password calendar-sql create-staff reset-password
        sign)) {
    like $admin, qr/\Q$cmd\E/, "liaison-admin(8) has $cmd";
}

SKIP: {
    skip 'man is not installed', 3 unless -x '/usr/bin/man';
    for my $p (qw(liaison liaison-worker liaison-admin)) {
        my $m = Liaison::Test::_run_capture('sh', '-c', "MANWIDTH=80 man "
            . "--warnings -l -Tutf8 $ROOT/man/$p.8 2>&1 >/dev/null");
        is $m->{stdout}, '', "$p.8 renders without a warning";
    }
}

done_testing;
