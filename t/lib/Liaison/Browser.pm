package Liaison::Browser;

# The browser tests' side in Perl: skip without Chromium, node or
# playwright-core; run a t/browser/*.mjs script with a time limit and
# turn the JSON lines it prints into tests.
#
#   use Liaison::Browser;
#   browser_required();                      # plan skip_all when missing
#   my $run = browser_run(240, 'console.mjs', @args);
#   $run->{data}, $run->{checks}             # ok() per {"check"} line done
#   browser_finished($run);                  # exited 0, went to the end

use strict;
use warnings;
use utf8;
use Exporter 'import';
use JSON::PP ();
use POSIX ();
use Test::More ();

our @EXPORT = qw(browser_required browser_run browser_finished);

our $CHROMIUM = $ENV{LIAISON_CHROMIUM} || '/usr/bin/chromium';

sub browser_required {
    my $root = $Liaison::Test::ROOT;
    Test::More::plan(skip_all =>
        "$CHROMIUM missing (scripts/packages.txt: chromium)")
        unless -x $CHROMIUM;
    Test::More::plan(skip_all => 'node missing')
        unless system('node --version >/dev/null 2>&1') == 0;
    Test::More::plan(skip_all =>
        't/browser/node_modules missing (make browser-deps)')
        unless -d "$root/t/browser/node_modules/playwright-core";
}

# Runs t/browser/SCRIPT with ARGS (killed after SECS); each {"check"} line
# is a test.  Returns {rc, done, checks, data}.
sub browser_run {
    my ($secs, $script, @args) = @_;
    my ($out, $rc) = _run($secs, 'node',
        "$Liaison::Test::ROOT/t/browser/$script", @args);
    my $run = { rc => $rc, done => 0, checks => 0, data => {} };
    for my $line (split /\n/, $out) {
        my $j = eval { JSON::PP->new->decode($line) };
        if (!$j) {
            Test::More::diag("node: $line");
        } elsif (exists $j->{check}) {
            $run->{checks}++;
            Test::More::ok($j->{ok}, "browser: $j->{check}")
                or Test::More::diag('detail: ' . (ref $j->{detail}
                    ? JSON::PP->new->canonical->encode($j->{detail})
                    : $j->{detail} // ''));
        } elsif ($j->{data}) {
            $run->{data} = $j->{data};
        } elsif ($j->{done}) {
            $run->{done} = 1;
        } elsif ($j->{error}) {
            Test::More::diag("browser run failed: $j->{error}");
        }
    }
    return $run;
}

sub browser_finished {
    my ($run) = @_;
    Test::More::is($run->{rc}, 0, 'the browser run exited 0');
    Test::More::ok($run->{done},
        "the browser run went to the end ($run->{checks} checks)");
}

# a command's output, killed (its process group) after $secs
sub _run {
    my ($secs, @cmd) = @_;
    pipe my $rd, my $wr or die "pipe: $!";
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        close $rd;
        open STDOUT, '>&', $wr or die;
        setpgrp(0, 0);
        exec @cmd or POSIX::_exit(127);
    }
    close $wr;
    my $buf = '';
    eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm $secs;
        while (my $n = sysread $rd, my $chunk, 65536) { $buf .= $chunk }
        alarm 0;
    };
    if ($@) {
        Test::More::diag("browser run: killed after $secs s");
        kill 'KILL', -$pid;
    }
    waitpid $pid, 0;
    utf8::decode($buf);
    return ($buf, $? >> 8);
}

1;
