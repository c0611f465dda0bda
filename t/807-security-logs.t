#!/usr/bin/perl
# Attack (issue 14, point 8): query codes in logs.  The access log of the
# local configuration (and of the tests, which use the same format) has
# the path without the query string; the request line nginx adds to error
# log lines (", request: ...") has every *code= value masked (and mobiles,
# their digits percent-encoded or not), including
# lines nginx writes before the module's handler runs (a body too large).

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Tickets;

my $ROOT = $Liaison::Test::ROOT;
my $env = Liaison::Test->start(
    allow_log => [ qr/client intended to send too large body/ ]);

my $t = $env->req(POST => '/api/v1/tickets', body => ticket_body())->json;
my ($no, $code) = @{$t}{qw(ticket_no query_code)};
ok $code, "a ticket $no with its query code";

my $r = $env->req(GET => "/api/v1/tickets/$no?query_code=$code");
is $r->status, 200, 'the status view by query code';
$r = $env->req(GET => "/api/v1/tickets/$no?query_code=" . lc($code)
    . '&x=1');
is $r->status, 200, '... in lower case, with another argument';
$r = $env->req(GET => "/api/v1/tickets/$no?Query_Code=$code");
is $r->status, 200, '... under a name in other case';
# an upload too large: nginx logs the request line before the module runs
$r = $env->req(POST => "/api/v1/tickets/$no/attachments?filename=a.pdf"
    . "&query_code=$code", body => 'x' x (12 * 1024 * 1024),
    headers => { 'Content-Type' => 'application/pdf' });
is $r->status, 413, 'an upload over client_max_body_size: 413';
# a mobile with its digits percent-encoded, as a client may send any byte
$r = $env->req(POST => "/api/v1/tickets/$no/attachments?filename=a.pdf"
    . "&mobile=%31%33%39001%33%39000&query_code=$code",
    body => 'x' x (12 * 1024 * 1024),
    headers => { 'Content-Type' => 'application/pdf' });
is $r->status, 413, '... with a percent-encoded mobile: 413';

my $errors = $env->error_log;
my $access = do {
    open my $fh, '<', $env->prefix . '/logs/access.log' or die $!;
    local $/;
    <$fh>;
};
like $access, qr{"GET /api/v1/tickets/\Q$no\E" 200}, 'the access log has '
    . 'the requests';
unlike $access, qr/\Q$code\E/i, 'no query code in the access log';
unlike $access, qr/\?/, 'no query string at all in the access log';
like $errors, qr/too large body.*request: "POST [^"]*query_code=\*{10}/,
    'the error log line of the refused upload has the code masked';
unlike $errors, qr/\Q$code\E/i, 'no query code in the error log';
like $errors, qr/mobile=%31%33%39\*{3}%2A%39000&/,
    'a percent-encoded mobile is masked too';
unlike $errors, qr/%31%33%39001%33%39000/, '... never in full';

# make run's configuration logs the same way
open my $fh, '<', "$ROOT/conf/nginx-local.conf.in" or die $!;
my $conf = do { local $/; <$fh> };
my ($format) = $conf =~ /log_format\s+liaison\s+((?:'[^']*'\s*)+);/;
ok $format, 'conf/nginx-local.conf.in defines its log format';
unlike $format // '', qr/\$(?:request\b|request_uri|args|query_string|arg_|http_referer)/,
    '... without the query string or the referer';
like $conf, qr/access_log\s+\S+\s+liaison;/, '... and uses it';

done_testing;
