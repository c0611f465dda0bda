#!/usr/bin/perl
# The Debian packages as installed (issue 15): scripts/deb-test.sh installs
# build/deb/*.deb into a throwaway system (this root through an overlay,
# booted by systemd-nspawn), checks conffiles, owners, man pages, starts
# nginx with the module and the worker by their units (the worker under
# its sandboxing) and runs a retention pass with an attachment.  Nothing
# on this machine changes.  Runs when `make deb` has made the packages
# (CI makes them; `make deb-test` makes them and runs this).

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Liaison::Test ();

my $ROOT = $Liaison::Test::ROOT;
my @debs = (glob("$ROOT/build/deb/libnginx-mod-http-liaison_*.deb"),
            glob("$ROOT/build/deb/liaison-worker_*.deb"));

plan skip_all => 'no packages in build/deb (make deb)' unless @debs == 2;
plan skip_all => 'needs root' unless $> == 0;
plan skip_all => 'needs systemd-nspawn (systemd-container)'
    unless -x '/usr/bin/systemd-nspawn';

# the packages must be of this tree: not older than its sources
my $deb_time = (sort { $a <=> $b } map { (stat $_)[9] } @debs)[0];
my @newer = grep { (stat $_)[9] > $deb_time }
    map { glob "$ROOT/$_" } qw(ngx_liaison_module/*.c worker/*.c debian/*
        conf/liaison-worker.service man/*.8);
ok !@newer, 'the packages are newer than the sources (make deb)'
    or diag "newer than the packages: @newer[0 .. ($#newer < 4 ? $#newer : 4)]";

my $before = `dpkg-query -W -f='\${Package} \${Status}\\n' 2>/dev/null | sort`;
my $r = Liaison::Test::_run_capture("$ROOT/scripts/deb-test.sh");
is $r->{rc}, 0, 'scripts/deb-test.sh: the packages run as installed'
    or diag $r->{output};
my @lines = grep { /^deb-test: / } split /\n/, $r->{output};
note $_ for @lines;
for my $want (qr/conffiles: \/etc\/liaison\/liaison-worker\.conf /,
        qr/attachments www-data:liaison 2770, body_temp www-data:www-data 700/,
        qr/man pages: .*liaison\.8/,
        qr/health through Debian's nginx unit: \{"status":"ok"/,
        qr/attachment stored by nginx's workers: www-data:/,
        qr/retention pass under the unit's sandboxing removed/,
        qr/unit: ProtectSystem=strict/,
        qr/outside ReadWritePaths the worker's view is read-only/,
        qr/the worker's metrics over HTTP/,
        qr/^deb-test: ok$/m) {
    like $r->{output}, $want, "says $want";
}
my $after = `dpkg-query -W -f='\${Package} \${Status}\\n' 2>/dev/null | sort`;
is $after, $before, 'the packages of this machine are as they were';
ok !grep({ m{/tmp/liaison-deb-} } split /\n/, `cat /proc/mounts`),
    'no overlay left mounted';

done_testing;
