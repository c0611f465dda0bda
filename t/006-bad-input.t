#!/usr/bin/perl
# Bad input to POST /api/v1/tickets: each a clear JSON error, nothing
# written (tickets, ticket_events, idempotency_keys and sessions are counted
# before and after every request).

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Tickets;

my $env = Liaison::Test->start;

# a valid body as raw JSON text (ASCII only, so byte-level edits stay bytes)
my $valid = '{"channel":"web","category":"consultation",'
    . '"content":"hello","contact":{"name":"Zhang","phone":"13800138000"}}';
sub with_content { '{"channel":"web","category":"consultation","content":'
    . $_[0] . '}' }

my $big_content = 'a' x (70 * 1024);
my $deep = ('[' x 5000) . (']' x 5000);
my $deep_obj = '{"channel":"web","category":"consultation","content":"x",'
    . '"contact":' . ('{"a":' x 3000) . '1' . ('}' x 3000) . '}';

my $ARG = 'invalid_argument';
my $JSON_OR_ARG = qr/^invalid_(?:json|argument)$/;

my @cases = (
    # name, body, headers, status, code, field
    [ 'invalid JSON (truncated)', '{"channel":"web",', {}, 400, 'invalid_json' ],
    [ 'invalid JSON (single quotes)', "{'channel':'web'}", {}, 400,
      'invalid_json' ],
    [ 'invalid JSON (trailing garbage)', "$valid x", {}, 400, 'invalid_json' ],
    [ 'invalid JSON (two objects)', "$valid$valid", {}, 400, 'invalid_json' ],
    [ 'invalid JSON (trailing comma)', '{"channel":"web",}', {}, 400,
      'invalid_json' ],
    [ 'invalid JSON (comment)', "/* c */$valid", {}, 400, 'invalid_json' ],
    [ 'invalid JSON (raw control character in a string)',
      with_content(qq{"a\x01b"}), {}, 400, $JSON_OR_ARG ],
    [ 'empty body', '', {}, 400, 'invalid_json' ],
    [ 'no body at all (no Content-Length)', undef,
      { 'Content-Type' => 'application/json' }, 400, $JSON_OR_ARG ],
    [ 'missing Content-Type', $valid, { 'Content-Type' => undef }, 415,
      'unsupported_media_type' ],
    [ 'Content-Type text/plain', $valid, { 'Content-Type' => 'text/plain' },
      415, 'unsupported_media_type' ],
    [ 'Content-Type form-urlencoded', $valid,
      { 'Content-Type' => 'application/x-www-form-urlencoded' }, 415,
      'unsupported_media_type' ],
    [ 'Content-Type application/jsonx', $valid,
      { 'Content-Type' => 'application/jsonx' }, 415,
      'unsupported_media_type' ],
    [ 'Content-Type multipart', $valid,
      { 'Content-Type' => 'multipart/form-data; boundary=x' }, 415,
      'unsupported_media_type' ],
    [ 'body over liaison_max_body_size (70 KiB > 64k)',
      with_content(qq{"$big_content"}), {}, 413, 'payload_too_large' ],
    [ 'invalid UTF-8 (0xff)', with_content(qq{"ab\xffcd"}), {}, 400,
      $JSON_OR_ARG ],
    [ 'invalid UTF-8 (overlong slash 0xc0 0xaf)',
      with_content(qq{"ab\xc0\xafcd"}), {}, 400, $JSON_OR_ARG ],
    [ 'invalid UTF-8 (truncated sequence)', with_content(qq{"ab\xe4\xb8"}),
      {}, 400, $JSON_OR_ARG ],
    [ 'invalid UTF-8 (encoded surrogate)', with_content(qq{"\xed\xa0\x80"}),
      {}, 400, $JSON_OR_ARG ],
    [ 'invalid UTF-8 in a key', qq{{"chan\xffnel":"web"}}, {}, 400,
      $JSON_OR_ARG ],
    [ 'lone surrogate escape \\ud800', with_content('"a\\ud800b"'), {}, 400,
      $JSON_OR_ARG ],
    [ 'lone low surrogate escape \\udc00', with_content('"a\\udc00b"'), {},
      400, $JSON_OR_ARG ],
    [ 'high surrogate escape followed by \\u0041',
      with_content('"a\\ud800\\u0041"'), {}, 400, $JSON_OR_ARG ],
    [ 'JSON array', '[]', {}, 400, $JSON_OR_ARG ],
    [ 'JSON array of the object', "[$valid]", {}, 400, $JSON_OR_ARG ],
    [ 'JSON string', '"hello"', {}, 400, $JSON_OR_ARG ],
    [ 'JSON number', '42', {}, 400, $JSON_OR_ARG ],
    [ 'JSON null', 'null', {}, 400, $JSON_OR_ARG ],
    [ 'JSON true', 'true', {}, 400, $JSON_OR_ARG ],
    [ 'empty object', '{}', {}, 400, $ARG ],
    [ 'deeply nested arrays', $deep, {}, 400, $JSON_OR_ARG ],
    [ 'deeply nested objects in contact', $deep_obj, {}, 400, $JSON_OR_ARG ],
    [ 'missing channel', '{"category":"consultation","content":"x"}', {},
      400, $ARG, 'channel' ],
    [ 'missing category', '{"channel":"web","content":"x"}', {}, 400, $ARG,
      'category' ],
    [ 'missing content', '{"channel":"web","category":"consultation"}', {},
      400, $ARG, 'content' ],
    [ 'unknown field', '{"channel":"web","category":"consultation",'
      . '"content":"x","priority":"high"}', {}, 400, $ARG, 'priority' ],
    [ 'unknown field inside contact', '{"channel":"web","category":'
      . '"consultation","content":"x","contact":{"name":"a","phone":'
      . '"13800138000","email":"a@b.c"}}', {}, 400, $ARG,
      qr/^(?:contact\.)?email$/ ],
    [ 'unknown field "status" (no status injection)',
      '{"channel":"web","category":"consultation","content":"x",'
      . '"status":"closed"}', {}, 400, $ARG, 'status' ],
    [ 'unknown channel', '{"channel":"fax","category":"consultation",'
      . '"content":"x"}', {}, 400, $ARG, 'channel' ],
    [ 'channel in upper case', '{"channel":"WEB","category":"consultation",'
      . '"content":"x"}', {}, 400, $ARG, 'channel' ],
    [ 'unknown category', '{"channel":"web","category":"gossip",'
      . '"content":"x"}', {}, 400, $ARG, 'category' ],
    [ 'channel is a number', '{"channel":1,"category":"consultation",'
      . '"content":"x"}', {}, 400, $ARG, 'channel' ],
    [ 'channel is null', '{"channel":null,"category":"consultation",'
      . '"content":"x"}', {}, 400, $ARG, 'channel' ],
    [ 'category is an array', '{"channel":"web","category":["consultation"],'
      . '"content":"x"}', {}, 400, $ARG, 'category' ],
    [ 'content is a number', with_content('123'), {}, 400, $ARG, 'content' ],
    [ 'content is true', with_content('true'), {}, 400, $ARG, 'content' ],
    [ 'content is an object', with_content('{"text":"x"}'), {}, 400, $ARG,
      'content' ],
    [ 'content is a huge integer', with_content('1' x 400), {}, 400,
      $JSON_OR_ARG, qr/^(?:content)?$/ ],
    [ 'content is a huge float', with_content('1e999999'), {}, 400,
      $JSON_OR_ARG, qr/^(?:content)?$/ ],
    [ 'content is a negative huge number', with_content('-' . ('9' x 100)),
      {}, 400, $JSON_OR_ARG, qr/^(?:content)?$/ ],
    [ 'case_no is a number', '{"channel":"web","category":"contact_judge",'
      . '"content":"x","case_no":20200115}', {}, 400, $ARG, 'case_no' ],
    [ 'contact is a string', '{"channel":"web","category":"consultation",'
      . '"content":"x","contact":"Zhang 13800138000"}', {}, 400, $ARG,
      'contact' ],
    [ 'contact.phone is a number', '{"channel":"web","category":'
      . '"consultation","content":"x","contact":{"name":"a","phone":'
      . '13800138000}}', {}, 400, $ARG, 'contact.phone' ],
    [ 'contact.name is an array', '{"channel":"web","category":'
      . '"consultation","content":"x","contact":{"name":["a"],"phone":'
      . '"13800138000"}}', {}, 400, $ARG, 'contact.name' ],
    [ 'duplicate key channel', '{"channel":"web","channel":"wechat",'
      . '"category":"consultation","content":"x"}', {}, 400, $JSON_OR_ARG ],
    [ 'duplicate key content', '{"channel":"web","category":"consultation",'
      . '"content":"x","content":"y"}', {}, 400, $JSON_OR_ARG ],
    [ 'duplicate key inside contact', '{"channel":"web","category":'
      . '"consultation","content":"x","contact":{"name":"a","name":"b",'
      . '"phone":"13800138000"}}', {}, 400, $JSON_OR_ARG ],
    [ 'NUL byte escape in content', with_content('"a\\u0000b"'), {}, 400,
      $JSON_OR_ARG, qr/^(?:content)?$/ ],
    [ 'NUL byte escape in contact.name', '{"channel":"web","category":'
      . '"consultation","content":"x","contact":{"name":"a\\u0000",'
      . '"phone":"13800138000"}}', {}, 400, $JSON_OR_ARG ],
);

my $total_before = $env->counts;
for my $c (@cases) {
    my ($name, $body, $headers, $status, $code, $field) = @$c;
    for my $round (1, 2) {
        my $before = $env->counts;
        my $r = $env->req(POST => '/api/v1/tickets', body => $body,
            headers => $headers);
        my $label = "round $round: $name";
        is $r->status, $status, "$label: $status" or diag $r->summary;
        like $r->header('content-type') // '', qr{^application/json},
            "$label: JSON answer";
        if (ref $code) {
            like $r->error_code // '', $code, "$label: error code";
        } else {
            is $r->error_code, $code, "$label: error code $code";
        }
        ok length($r->error_message // ''), "$label: error message";
        if (defined $field) {
            if (ref $field) {
                like $r->error_field // '', $field, "$label: field";
            } else {
                is $r->error_field, $field, "$label: field $field";
            }
        }
        is_deeply $env->counts, $before, "$label: nothing written";
    }
}
is_deeply $env->counts, $total_before, 'no rows at all after all bad requests';

# the server still works after all that
my $b = ticket_body();
my $r = $env->req(POST => '/api/v1/tickets', body => $b);
check_created($env, $r, $b, 'a valid request afterwards is 201');
is $env->req(GET => '/api/v1/health')->status, 200, 'health afterwards 200';

# a Content-Length over the limit is refused without reading the body
{
    my $s = $env->connect;
    print $s "POST /api/v1/tickets HTTP/1.1\r\nHost: localhost\r\n"
        . "Content-Type: application/json\r\nContent-Length: 1000000\r\n"
        . "Connection: close\r\n\r\n{\"channel\":";
    my $p = bless { sock => $s, buf => '', eof => 0, started => 0,
        what => 'announced 1 MB body' }, 'Liaison::Test::Pending';
    my $r = eval { $p->wait(10) };
    ok $r, 'Content-Length 1000000 (body not sent): answered at once'
        or diag $@;
    $r ||= Liaison::Test::Response->parse('');
    is $r->status, 413, 'Content-Length 1000000 (body not sent) is 413'
        or diag $r->summary;
    is $r->error_code, 'payload_too_large', '... payload_too_large';
}

done_testing;
