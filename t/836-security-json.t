#!/usr/bin/perl
# Attack suite (issue 14): strict JSON on every endpoint that takes a JSON
# body (the operations of docs/openapi.json), with the token of a role
# that may call it.  Each malformed body (duplicate members that would
# override a checked one, trailing data, comments, non-JSON literals,
# lone surrogates, invalid or overlong UTF-8, raw control characters,
# nesting beyond 16, a non-object, an unknown member, another media type)
# is refused with the documented code (API.md "Conventions") as a JSON
# answer, and nothing is written.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use JSON::PP ();
use Liaison::Test;
use Liaison::Staff;
use Liaison::Litigant;
use Liaison::Security;

my $t = Liaison::Litigant->start(staff => staff_cast());
my $env = $t->env;
my $S = staff_setup($env);
my $lit = $t->login(1);
my $r = $env->req(POST => '/api/v1/tickets', token => $lit,
    body => { channel => 'wechat', category => 'complaint',
              content => '诉求', case_no => CIVIL_CASE });
is $r->status, 201, 'a litigant\'s ticket' or diag $r->summary;
my $no = $r->json->{ticket_no};

my $sec = Liaison::Security->new(tokens => {
    litigant => $lit, map { $_ => tok($env, $_) }
        qw(admin president platform filing) });
my %PATH = (no => $no, case_no => CIVIL_CASE, id => 1, month => '2026-01');

my $deep = ('{"a":' x 40) . '1' . ('}' x 40);
# [ what, bytes (undef: the valid body's own), content type, codes ]
my @BODIES = (
    [ 'trailing data', sub { "$_[0] {}" } ],
    [ 'two objects', sub { "$_[0]$_[0]" } ],
    [ 'a comment', sub { "/* x */$_[0]" } ],
    [ 'a line comment', sub { "$_[0]// x" } ],
    [ 'single quotes', sub { "{'a':1}" } ],
    [ 'NaN', sub { '{"a":NaN}' } ],
    [ 'Infinity', sub { '{"a":-Infinity}' } ],
    [ 'a hex number', sub { '{"a":0x10}' } ],
    [ 'a leading zero', sub { '{"a":01}' } ],
    [ 'a trailing comma', sub { $_[0] =~ s/\}\z/,}/r } ],
    [ 'an unquoted name', sub { '{a:1}' } ],
    [ 'a lone surrogate escape', sub { '{"x":"\ud800"}' } ],
    [ 'a reversed surrogate pair', sub { '{"x":"\udc00\ud800"}' } ],
    [ 'invalid UTF-8', sub { "{\"x\":\"\xff\xfe\"}" } ],
    [ 'overlong UTF-8 for "/"', sub { "{\"x\":\"\xc0\xaf\"}" } ],
    [ 'UTF-8 of a surrogate', sub { "{\"x\":\"\xed\xa0\x80\"}" } ],
    [ 'a raw control character', sub { "{\"x\":\"a\x01b\"}" } ],
    [ 'a raw NUL', sub { "{\"x\":\"a\0b\"}" } ],
    [ 'a byte-order mark', sub { "\xef\xbb\xbf$_[0]" } ],
    [ 'UTF-16', sub { "\xff\xfe{\0}\0" } ],
    [ 'nesting beyond 16', sub { $deep } ],
    [ 'an array', sub { "[$_[0]]" } ],
    [ 'a string', sub { '"x"' } ],
    [ 'null', sub { 'null' } ],
    # well-formed JSON the endpoint does not take: a role that may never
    # call the operation is refused first (403) -- also refused
    [ 'an unknown member', sub { $_[0] =~ s/\A\{/{"is_admin":true,/r }, 1 ],
    [ 'a huge number', sub { $_[0] =~ s/\A\{/{"x":1e99999,/r }, 1 ],
);
my %CODES = (invalid_json => 400, invalid_argument => 400);

sub counts { my $c = $env->counts; join ',', map { "$_=$c->{$_}" } sort keys %$c }
my $before = counts();
for my $op ($sec->operations) {
    # the push callback's bodies are signed XML or JSON: t/834
    next unless $op->{body_schema} && $op->{path} ne '/wx/push';
    my $name = "$op->{method} $op->{path}";
    my $valid = JSON::PP->new->canonical->encode(
        $sec->sample($op->{body_schema}));
    utf8::encode($valid) if utf8::is_utf8($valid);
    for my $who ($sec->callers($op)) {
        my %auth = $who eq 'anon' ? () : (token => $sec->token($who));
        my $url = $sec->url($op, \%PATH);
        my @wrong;
        for my $b (@BODIES) {
            my ($what, $make, $semantic) = @$b;
            my $r = $env->req($op->{method}, $url, %auth,
                body => $make->($valid),
                headers => { 'Content-Type' => 'application/json' });
            my $code = $r->error_code // '';
            push @wrong, "$what: " . $r->summary
                unless (($r->status == 400 && $CODES{$code})
                        || ($semantic && $code eq 'forbidden'))
                    && ($r->header('content-type') // '')
                       =~ m{^application/json};
        }
        for my $ct ('text/plain', 'application/x-www-form-urlencoded',
                    'application/json-patch+json', 'text/json', undef) {
            my $r = $env->req($op->{method}, $url, %auth, body => $valid,
                headers => { 'Content-Type' => $ct });
            push @wrong, 'Content-Type ' . ($ct // 'none') . ': '
                . $r->summary unless $r->status == 415
                    && ($r->error_code // '') eq 'unsupported_media_type';
        }
        my $r = $env->req($op->{method}, $url, %auth,
            body => '{"x":"' . ('a' x 70000) . '"}');
        push @wrong, '70 000 bytes: ' . $r->summary
            unless $r->status == 413;
        ok !@wrong, "$name as $who: every malformed body refused"
            or diag join "\n", @wrong;
    }
}
is counts(), $before,
    'no malformed body wrote anything';

# a duplicate member must not override a checked one: the channel "hall"
# needs a staff token, so a litigant smuggling it in second is refused
$r = $env->req(POST => '/api/v1/tickets', token => $lit,
    body => '{"channel":"wechat","category":"complaint","content":"x",'
        . '"channel":"hall"}');
is $r->status, 400, 'a duplicate member: 400';
is $r->error_code, 'invalid_json', '... invalid_json';

done_testing;
