#!/usr/bin/perl
# Attack (issues 14, points 6 and 7): the staff login's next= and framing.
# Every page answers with X-Frame-Options DENY and a CSP with
# frame-ancestors 'none' (and no inline script); the login page follows a
# next= only to a path of this site's console: the known bypasses
# (/\host, /%09/host, //host, schemes, encoded slashes, dot segments)
# land on this origin.  The browser-level proof (Chromium refusing a
# frame, the login following next=) is t/392.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use JSON::PP ();
use Liaison::Test;

my $ROOT = $Liaison::Test::ROOT;
my $env = Liaison::Test->start(html_root => "$ROOT/html");

my @pages = map { s{^\Q$ROOT\E/html}{}r }
    glob("$ROOT/html/*.html"), glob("$ROOT/html/staff/*.html");
ok @pages >= 8, scalar(@pages) . ' pages';
for my $page (@pages) {
    my $r = $env->req(GET => $page);
    is $r->status, 200, "$page: 200";
    is $r->header('x-frame-options'), 'DENY', "$page: X-Frame-Options DENY";
    my $csp = $r->header('content-security-policy') // '';
    like $csp, qr/(?:^|;)\s*frame-ancestors 'none'/,
        "$page: CSP frame-ancestors 'none'";
    unlike $csp, qr/script-src[^;]*'unsafe-inline'/,
        "$page: no inline script allowed";
}
my $r = $env->req(GET => '/nonexistent.html');
is $r->header('x-frame-options'), 'DENY', 'a 404 page too (always)';

# next= as an attacker would write it into a link to the login page
SKIP: {
    my ($node) = grep { -x } map { "$_/node" } split /:/, $ENV{PATH};
    skip 'node is not installed', 1 unless $node;
    my $origin = 'https://court.example';
    my @evil = ('/\\evil.example/', "/\t/evil.example", '/%09/evil.example',
        '//evil.example', '///evil.example', 'https://evil.example/',
        '/%2F%2Fevil.example', '/%5Cevil.example', 'javascript:alert(1)',
        'data:text/html,x', '/staff/..%2F..%2F%5Cevil.example',
        '/staff/../\\evil.example', '\\\\evil.example', ' //evil.example',
        "/\n/evil.example", '/staff/../../index.html', 'http:evil.example',
        "\x{3000}//evil.example", '/staff/%2e%2e/%2e%2e/x');
    my @out = map { JSON::PP->new->decode($_) } split /\n/,
        _node($node, "$ROOT/html/assets/common.js", $origin, @evil,
            '/staff/ticket.html?no=T1');
    is scalar @out, @evil + 1, 'every next= evaluated';
    my @left = grep {
        my $u = $_->{target};
        index($u, "$origin/staff/") != 0;
    } @out[0 .. $#evil];
    is_deeply \@left, [], 'no next= leaves the console ('
        . scalar(@evil) . ' forms)' or diag explain \@left;
    is $out[-1]{target}, "$origin/staff/ticket.html?no=T1",
        'a path of the console is followed';
}

sub _node {
    my ($node, @args) = @_;
    open my $fh, '-|', $node, "$ROOT/t/security/safe-next.js", @args
        or die "node: $!";
    local $/;
    my $out = <$fh>;
    close $fh;
    return $out;
}

done_testing;
