#!/usr/bin/perl
# POST /api/v1/tickets: every channel, first triage by category, due_at from
# the working-day calendar, case numbers, content limits, text stored
# verbatim.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Tickets;

my $env = Liaison::Test->start(staff => [
    { username => 'platform', role => 'platform_staff', department => 'filing' },
]);
my $token = $env->staff_token('platform');

sub post {
    my ($body, %o) = @_;
    return $env->req(POST => '/api/v1/tickets', body => $body, %o);
}

sub get_ticket {
    my ($j) = @_;
    return $env->req(GET => "/api/v1/tickets/$j->{ticket_no}?query_code="
        . $j->{query_code});
}

# --- litigant channels: no token needed ------------------------------------
for my $ch (qw(wechat web kiosk)) {
    for my $round (1, 2) {
        my $b = ticket_body(channel => $ch);
        check_created($env, post($b), $b, "round $round: $ch intake without token");
    }
}
{
    my $b = ticket_body(channel => 'web', contact => undef);
    my $r = post($b);
    is $r->status, 201, 'web intake without contact is 201' or diag $r->summary;
}

# --- staff channels: hall and hotline ---------------------------------------
for my $ch (qw(hall hotline)) {
    for my $round (1, 2) {
        my $before = $env->counts;
        my $r = post(ticket_body(channel => $ch));
        is $r->status, 401, "round $round: $ch intake without token is 401";
        is $r->error_code, 'unauthenticated', "round $round: ... unauthenticated";
        is_deeply $env->counts, $before, "round $round: ... nothing written";

        my $b = ticket_body(channel => $ch);
        check_created($env, post($b, token => $token), $b,
            "round $round: $ch intake with a staff token");

        for my $case (
            [ 'no contact', { contact => undef }, qr/^contact(?:\.name)?$/ ],
            [ 'contact without name', { contact => { phone => '13800138000' } },
              qr/^contact\.name$/ ],
            [ 'contact without phone', { contact => { name => '李四' } },
              qr/^contact\.phone$/ ],
        ) {
            my ($what, $over, $field) = @$case;
            $before = $env->counts;
            $r = post(ticket_body(channel => $ch, %$over), token => $token);
            is $r->status, 400, "round $round: $ch with $what is 400"
                or diag $r->summary;
            is $r->error_code, 'invalid_argument',
                "round $round: ... invalid_argument";
            like $r->error_field // '', $field, "round $round: ... field named";
            is_deeply $env->counts, $before, "round $round: ... nothing written";
        }
    }
}

# --- first triage by category (A4) ------------------------------------------
for my $cat (@{ +SIMPLE_CATEGORIES }, @{ +ORDINARY_CATEGORIES }) {
    for my $round (1, 2) {
        my $b = ticket_body(category => $cat,
            case_no => '(2020)粤0115民初1234号');
        check_created($env, post($b), $b,
            "round $round: category $cat -> " . track_of($cat));
    }
}
for my $round (1, 2) {
    my $before = $env->counts;
    my $r = post(ticket_body(category => 'contact_judge'));
    is $r->status, 400, "round $round: contact_judge without case_no is 400";
    is $r->error_code, 'invalid_argument', "round $round: ... invalid_argument";
    is $r->error_field, 'case_no', "round $round: ... field case_no";
    is_deeply $env->counts, $before, "round $round: ... nothing written";
}

# --- case numbers: accepted forms, stored normalised -------------------------
my @good_case_nos = (
    [ '(2020)粤0115民初1234号',  '（2020）粤0115民初1234号' ],
    [ '（2020）粤0115民初1234号', '（2020）粤0115民初1234号' ],
    [ '（2020)粤0115民初1234号',  '（2020）粤0115民初1234号' ],
    [ ' (2021)粤0115民初56号 ',   '（2021）粤0115民初56号' ],
    [ '(2019)粤01民终30063、30062号', '（2019）粤01民终30063、30062号' ],
    [ '(2020)粤0115民初1234号之一', '（2020）粤0115民初1234号之一' ],
    [ '(2021)最高法民申12号',     '（2021）最高法民申12号' ],
    [ '(2022)粤0115执345号',      '（2022）粤0115执345号' ],
    [ '(2013)广海法初字第438号',  '（2013）广海法初字第438号', 1 ],
);
for my $c (@good_case_nos) {
    my ($in, $norm, $legacy) = @$c;
    for my $round (1, 2) {
        my $b = ticket_body(category => 'contact_judge', case_no => $in);
        my $r = post($b);
        is $r->status, 201, "round $round: case_no '$in' accepted"
            or do { diag $r->summary; next };
        my $j = $r->json;
        my $row = $env->sql('SELECT case_no, case_legacy FROM tickets '
            . 'WHERE ticket_no = ?', $j->{ticket_no})->[0];
        is $row->{case_no}, $norm, "round $round: ... stored as $norm";
        is $row->{case_legacy}, $legacy ? 1 : 0,
            "round $round: ... legacy flag " . ($legacy ? 1 : 0);
        my $g = get_ticket($j);
        is +($g->json // {})->{case_no}, $norm,
            "round $round: ... status answer shows $norm";
    }
}
for my $bad ('2020粤0115民初1234号', 'abc', '(2020)粤0115民初号',
             '(20)粤0115民初1234号', '(2020)粤0115民初1234', '1234',
             '(2020)粤0115民初1234号; DROP TABLE tickets', ' ',
             '(2020)粤0115民初' . ('1' x 200) . '号') {
    for my $round (1, 2) {
        my $before = $env->counts;
        my $r = post(ticket_body(category => 'contact_judge', case_no => $bad));
        is $r->status, 400, "round $round: case_no '$bad' is 400"
            or diag $r->summary;
        is $r->error_code, 'invalid_argument', "round $round: ... invalid_argument";
        is $r->error_field, 'case_no', "round $round: ... field case_no";
        is_deeply $env->counts, $before, "round $round: ... nothing written";
    }
}
{
    my $r = post(ticket_body(category => 'consultation', case_no => 'junk'));
    is $r->status, 400, 'an invalid optional case_no is 400 too';
    is $r->error_field, 'case_no', '... field case_no';
}

# --- content: 1..2000 characters (code points, not bytes) -------------------
for my $c (
    [ '2000 Chinese characters', '中' x 2000, 201 ],
    [ '2001 Chinese characters', '中' x 2001, 400 ],
    [ '2000 ASCII characters', 'a' x 2000, 201 ],
    [ '2001 ASCII characters', 'a' x 2001, 400 ],
    [ '2000 emoji (4 bytes each)', "\x{1F600}" x 2000, 201 ],
    [ '1 character', '问', 201 ],
    [ 'empty content', '', 400 ],
    [ 'white space only', " \t\n ", 400 ],
) {
    my ($what, $content, $want) = @$c;
    for my $round (1, 2) {
        my $before = $env->counts;
        my $b = ticket_body(content => $content);
        my $r = post($b);
        is $r->status, $want, "round $round: $what is $want"
            or diag substr($r->summary, 0, 300);
        if ($want == 201) {
            is $env->sql_one('SELECT CHAR_LENGTH(content) FROM tickets '
                . 'WHERE ticket_no = ?', ($r->json // {})->{ticket_no}),
                length $content, "round $round: ... stored whole";
        } else {
            is $r->error_field, 'content', "round $round: ... field content";
            is_deeply $env->counts, $before, "round $round: ... nothing written";
        }
    }
}

# --- text stored verbatim (SQL-looking, quotes, backslashes, emoji) ---------
my @verbatim = (
    q{'; DROP TABLE tickets; --},
    q{Robert'); DROP TABLE ticket_events;--},
    q{\' OR 1=1 -- \\\\ \\},
    q{C:\Windows\system32\ 反斜杠 \n 不是换行 \0 \x00},
    q{"双引号" and 'single' and `backtick` and ''''},
    q{100% _wild_ LIKE '%' ESCAPE '\'},
    "emoji 😀👍🏻🏛️ 法院 \x{20BB7}",
    q{<script>alert(1)</script> &amp; $(rm -rf /) ${x}},
    "多行\n第二行\t制表符\r\n第三行",
    "/*! 50000 SELECT */ 0x27 CHAR(39) \x{FF07}",
);
for my $text (@verbatim) {
    for my $round (1, 2) {
        my $b = ticket_body(content => $text,
            contact => { name => "O'Brien \\ \"欧阳\"", phone => '13800138000' });
        my $r = post($b);
        (my $label = $text) =~ s/[\r\n\t]/ /g;
        is $r->status, 201, "round $round: content <$label> accepted"
            or do { diag $r->summary; next };
        my $j = $r->json;
        my $row = $env->sql('SELECT content, contact_name FROM tickets '
            . 'WHERE ticket_no = ?', $j->{ticket_no})->[0];
        is $row->{content}, $text, "round $round: ... stored verbatim";
        is $row->{contact_name}, "O'Brien \\ \"欧阳\"",
            "round $round: ... contact name stored verbatim";
        my $g = get_ticket($j);
        is +($g->json // {})->{content}, $text,
            "round $round: ... and read back verbatim";
    }
}
is $env->sql_one("SELECT COUNT(*) FROM information_schema.tables "
    . "WHERE table_schema = 'liaison' AND table_name IN "
    . "('tickets', 'ticket_events')"), 2, 'tickets and ticket_events still exist';

# --- text rejected as invalid ------------------------------------------------
for my $c (
    [ 'a \\u0000 escape', '{"channel":"web","category":"consultation",'
        . '"content":"abc\\u0000def"}' ],
    [ 'a \\u0007 escape (control character)', '{"channel":"web",'
        . '"category":"consultation","content":"abc\\u0007def"}' ],
    [ 'a \\u001b escape (ESC)', '{"channel":"web",'
        . '"category":"consultation","content":"\\u001b[31mred"}' ],
) {
    my ($what, $raw) = @$c;
    for my $round (1, 2) {
        my $before = $env->counts;
        my $r = post($raw);
        is $r->status, 400, "round $round: content with $what is 400"
            or diag $r->summary;
        like $r->error_code // '', qr/^invalid_(?:argument|json)$/,
            "round $round: ... invalid_argument";
        is_deeply $env->counts, $before, "round $round: ... nothing written";
    }
}

# --- phone numbers -----------------------------------------------------------
for my $phone ('13800138000', '020-84688000', '0757-12345678') {
    my $r = post(ticket_body(contact => { name => '张三', phone => $phone }));
    is $r->status, 201, "phone $phone accepted" or diag $r->summary;
}
for my $phone ('12345', '1380013800', '23800138000', 'abc', '13800138000x') {
    for my $round (1, 2) {
        my $r = post(ticket_body(contact => { name => '张三', phone => $phone }));
        is $r->status, 400, "round $round: phone '$phone' is 400";
        like $r->error_field // '', qr/^contact\.phone$/,
            "round $round: ... field contact.phone";
    }
}

# --- transport variants ------------------------------------------------------
{
    my $b = ticket_body();
    my $r = post($b, headers => {
        'Content-Type' => 'application/json; charset=utf-8' });
    check_created($env, $r, $b, 'Content-Type with charset=utf-8 accepted');

    my $json = json_encode($b);
    my $chunked = '';
    for (my $i = 0; $i < length $json; $i += 17) {
        my $part = substr $json, $i, 17;
        $chunked .= sprintf("%x\r\n", length $part) . $part . "\r\n";
    }
    $chunked .= "0\r\n\r\n";
    my $s = $env->connect;
    print $s "POST /api/v1/tickets HTTP/1.1\r\nHost: localhost\r\n"
        . "Connection: close\r\nContent-Type: application/json\r\n"
        . "Transfer-Encoding: chunked\r\n\r\n$chunked";
    my $p = bless { sock => $s, buf => '', eof => 0, started => 0,
        what => 'chunked POST' }, 'Liaison::Test::Pending';
    $r = $p->wait(30);
    is $r->status, 201, 'a chunked request body is accepted' or diag $r->summary;
    is $env->sql_one('SELECT content FROM tickets WHERE ticket_no = ?',
        ($r->json // {})->{ticket_no} // ''), $b->{content},
        '... with the whole body';
}

# --- many tickets: distinct numbers ------------------------------------------
{
    my %nos;
    for (1 .. 30) {
        my $r = post(ticket_body());
        $nos{ ($r->json // {})->{ticket_no} // 'none' }++;
    }
    is scalar(grep { /^\d+$/ } keys %nos), 30, '30 tickets, 30 distinct numbers';
    my %codes = map { $_->{query_code} => 1 }
        @{ $env->sql('SELECT query_code FROM tickets') };
    is scalar keys %codes, $env->sql_one('SELECT COUNT(*) FROM tickets'),
        'every ticket has its own query code';
}

done_testing;
