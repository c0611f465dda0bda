#!/usr/bin/perl
# nginx -t and the litigant-side directives: liaison_wx_appid,
# liaison_wx_secret_file, liaison_wx_location, liaison_wx_template,
# liaison_ingest_key_file, liaison_phone_hash_key_file (liaison_triage_rules
# in 201).  Each wrong value is refused with an [emerg] naming the
# directive; without them the endpoints answer 503.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Litigant;

my $t = Liaison::Litigant->start;
my $env = $t->env;
my $dir = $t->dir;

sub spew { secret_file($dir, @_) }

my $short = spew('short', 'x' x 31);
my $upper = spew('upper', uc($Liaison::MockWeChat::SECRET) . "\n");
my $long_secret = spew('long', 'a' x 40);
my $good_key = spew('good', 'k' x 32);

my @bad = (
    [ 'an AppID of the wrong shape' => 'liaison_wx_appid',
      { liaison_wx_appid => 'wx123' }, qr/is not a mini-program AppID/ ],
    [ 'an AppID with upper case' => 'liaison_wx_appid',
      { liaison_wx_appid => 'wx0123456789ABCDEF' }, qr/AppID/ ],
    [ 'an AppID without the secret' => 'liaison_wx_appid',
      { liaison_wx_secret_file => undef },
      qr/"liaison_wx_appid" is set but "liaison_wx_secret_file" is not/ ],
    [ 'a secret without the AppID' => 'liaison_wx_secret_file',
      { liaison_wx_appid => undef },
      qr/"liaison_wx_secret_file" is set but "liaison_wx_appid" is not/ ],
    [ 'a missing secret file' => 'liaison_wx_secret_file',
      { liaison_wx_secret_file => "$dir/nope" }, qr/cannot open/ ],
    [ 'a secret that is not 32 lowercase hex' => 'liaison_wx_secret_file',
      { liaison_wx_secret_file => $upper }, qr/not a WeChat AppSecret/ ],
    [ 'a secret of 40 characters' => 'liaison_wx_secret_file',
      { liaison_wx_secret_file => $long_secret },
      qr/not a WeChat AppSecret/ ],
    [ 'a short ingest key' => 'liaison_ingest_key_file',
      { liaison_ingest_key_file => $short }, qr/liaison_ingest_key_file/ ],
    [ 'an ingest key that is a directory' => 'liaison_ingest_key_file',
      { liaison_ingest_key_file => $dir }, qr/not a regular file/ ],
    [ 'a short phone-hash key' => 'liaison_phone_hash_key_file',
      { liaison_phone_hash_key_file => $short },
      qr/liaison_phone_hash_key_file/ ],
    [ 'an unknown template kind' => 'liaison_wx_template',
      { liaison_wx_template => 'ticket_node T1' }, qr/unknown kind/ ],
    [ 'a template id with spaces' => 'liaison_wx_template',
      { liaison_wx_template => 'case_node "T 1"' }, qr/is not a template id/ ],
    [ 'a relative internal location' => 'liaison_wx_location',
      { liaison_wx_location => 'wx' }, qr/is not a URI path/ ],
    [ 'a duplicate AppID' => 'liaison_wx_appid',
      { liaison_wx_appid => [ $Liaison::MockWeChat::APPID,
                              $Liaison::MockWeChat::APPID ] },
      qr/is duplicate/ ],
);

for my $b (@bad) {
    my ($name, $directive, $http, $re) = @$b;
    my ($rc, $out) = $env->nginx_t(http => $http);
    isnt $rc, 0, "nginx -t refuses $name";
    like $out, qr/\[emerg\][^\n]*"\Q$directive\E"/, "... [emerg] names "
        . "$directive" or diag $out;
    like $out, $re, '... and says what is wrong';
}

for my $g ([ 'the test configuration' => {} ],
           [ 'a 32-byte ingest key' => { liaison_ingest_key_file =>
               $good_key } ],
           [ 'a trailing slash on the location' => { liaison_wx_location =>
               '/_liaison_wx/' } ],
           [ 'none of them' => { map { $_ => undef } qw(liaison_wx_appid
               liaison_wx_secret_file liaison_ingest_key_file
               liaison_phone_hash_key_file liaison_wx_template) } ]) {
    my ($rc, $out) = $env->nginx_t(http => $g->[1]);
    is $rc, 0, "nginx -t accepts $g->[0]" or diag $out;
}

# without the directives the endpoints answer 503, nothing else breaks
$env->reload(http => { map { $_ => undef } qw(liaison_wx_appid
    liaison_wx_secret_file liaison_ingest_key_file liaison_phone_hash_key_file
    liaison_wx_template) });
my $r = $env->req(POST => '/api/v1/wx/login', body => { code => 'c1-x' });
is $r->status, 503, 'login without liaison_wx_appid: 503';
$r = $t->ingest('/api/v1/ingest/cases', { cases => [] });
is $r->status, 503, 'ingest without liaison_ingest_key_file: 503';
$r = $env->req(GET => '/api/v1/health');
is $r->status, 200, 'the rest works';

done_testing;
