#!/usr/bin/perl
# Attack suite (issue 14): object-level access between litigants (BOLA)
# and query-code probing.  Litigant B holds a valid token and tries every
# litigant endpoint on litigant A's ticket, attachment and case; a caller
# without a token tries query codes: of another ticket, well-formed but
# wrong, malformed, repeated, in other places.  Every refusal is the same
# 404 body as an unknown ticket (nothing to tell a number that exists from
# one that does not), and nothing is written.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Staff;
use Liaison::Litigant;

my $t = Liaison::Litigant->start(staff => staff_cast(), attachments => 1);
my $env = $t->env;
my $S = staff_setup($env);
my $A = $t->login(1);
my $B = $t->login(2);

sub file_ticket {
    my ($token, %o) = @_;
    my $r = $env->req(POST => '/api/v1/tickets', (token => $token) x !!$token,
        body => { channel => $token ? 'wechat' : 'web',
                  category => 'consultation', content => $o{content}
                  // '诉讼费怎么交？', ($token ? () :
                  (contact => { name => '张三', phone => '13800138000' })) });
    is $r->status, 201, 'a ticket filed' or diag $r->summary;
    return $r->json;
}

my $ta = file_ticket($A, content => '甲的诉求：房屋租赁纠纷，请告知进度。');
my $tb = file_ticket($B, content => '乙的诉求');
my $tp = file_ticket(undef, content => '公众诉求');
my ($na, $nb, $np) = map { $_->{ticket_no} } $ta, $tb, $tp;

my $jpeg = "\xff\xd8\xff\xe0\x00\x10JFIF\x00" . ('s' x 500);
my $r = $env->req(POST => "/api/v1/tickets/$na/attachments?filename=a.jpg",
    token => $A, body => $jpeg, headers => { 'Content-Type' => 'image/jpeg' });
is $r->status, 201, 'A uploads an attachment' or diag $r->summary;
my $att = $r->json->{id};

# an unknown number of the right shape (a correct check digit)
my $unknown = substr($na, 0, 6) . '999999';
my @d = reverse split //, $unknown;
my $sum = 0;
for my $i (0 .. $#d) {
    my $x = $d[$i];
    if ($i % 2 == 0) { $x *= 2; $x -= 9 if $x > 9 }
    $sum += $x;
}
$unknown .= (10 - $sum % 10) % 10;
ok Liaison::Test::luhn_valid($unknown), "an unknown number $unknown";

my $nf = $env->req(GET => "/api/v1/tickets/$unknown?query_code=ABCDEFGHJK");
is $nf->status, 404, 'an unknown ticket: 404';
my $NOT_FOUND = $nf->body;
# the attachment endpoints have a 404 of their own, alike for all
my $NOT_FOUND_ATT = $env->req(GET => "/api/v1/tickets/$unknown/attachments/1"
    . '?query_code=ABCDEFGHJK')->body;
like $NOT_FOUND_ATT, qr/"not_found"/, '... and for an attachment';

sub same_404 {
    my ($r, $what, $want) = @_;
    $want //= $NOT_FOUND;
    ok $r->status == 404 && $r->body eq $want,
        "$what: the same 404 as an unknown ticket"
        or diag $r->summary;
}

my %before = %{ $env->counts };
my $atts = $env->sql_one('SELECT COUNT(*) FROM attachments');
my $events = $env->sql_one('SELECT COUNT(*) FROM ticket_events');

# --- B on A's objects -----------------------------------------------------

same_404($env->req(GET => "/api/v1/tickets/$na", token => $B),
    'B reads A\'s ticket');
same_404($env->req(POST => "/api/v1/tickets/$na/messages", token => $B,
    body => { content => '我是乙，冒充甲补充材料' }), 'B adds to A\'s ticket');
same_404($env->req(POST => "/api/v1/tickets/$na/feedback", token => $B,
    body => { rating => 1, comment => '差评' }), 'B rates A\'s ticket');
same_404($env->req(GET => "/api/v1/tickets/$na/attachments/$att",
    token => $B), 'B downloads A\'s attachment', $NOT_FOUND_ATT);
same_404($env->req(GET => "/api/v1/tickets/$nb/attachments/$att",
    token => $B), 'B downloads A\'s attachment under B\'s own ticket',
    $NOT_FOUND_ATT);
same_404($env->req(POST => "/api/v1/tickets/$na/attachments?filename=b.jpg",
    token => $B, body => $jpeg, headers => { 'Content-Type' => 'image/jpeg' }),
    'B uploads to A\'s ticket', $NOT_FOUND_ATT);
same_404($env->req(GET => "/api/v1/tickets/$na?query_code=$tb->{query_code}",
    token => $B), 'B with B\'s own query code on A\'s ticket');

$r = $env->req(GET => '/api/v1/tickets?mine=1&per_page=100', token => $B);
is $r->status, 200, 'B lists B\'s tickets';
is_deeply [ map { $_->{ticket_no} } @{ $r->json->{items} } ], [ $nb ],
    '... only B\'s';
unlike $r->body, qr/甲的诉求/, '... nothing of A\'s text';

$r = $env->req(GET => '/api/v1/notifications', token => $B);
is $r->status, 200, 'B\'s notifications';
unlike $r->body, qr/\Q$na\E/, '... nothing of A\'s ticket';

$r = $env->req(GET => '/api/v1/cases/' . $t->path(CIVIL_CASE) =~ s{^/}{}r
    . '/nodes', token => $B);
is $r->status, 403, 'B reads the nodes of a case B is no party to: 403'
    or diag $r->summary;

# a litigant token is not a staff token, and the other way round
for my $path ('/staff/tickets', '/staff/overview', '/staff/risks',
              '/staff/accounts', "/tickets/$na") {
    my $r = $env->req(GET => "/api/v1$path", token => $A);
    next if $path !~ m{^/staff};
    ok $r->status == 401 || $r->status == 403,
        "a litigant token on $path: refused" or diag $r->summary;
}
$r = $env->req(GET => "/api/v1/tickets?mine=1",
    token => tok($env, "president"));
ok $r->status == 401 || $r->status == 403,
    'a staff token on GET /tickets?mine=1: refused' or diag $r->summary;
$r = $env->req(POST => "/api/v1/tickets/$np/messages",
    token => tok($env, 'platform'),
    body => { content => '员工冒充当事人', query_code => $tp->{query_code} });
is $r->status, 403, 'a staff token posting as the public caller: 403';

# --- query codes ----------------------------------------------------------

my $qp = $tp->{query_code};
$r = $env->req(GET => "/api/v1/tickets/$np?query_code=" . lc $qp);
is $r->status, 200, 'the query code opens its ticket (any case)';

my $wrong = join '', map { substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ',
    (index('23456789ABCDEFGHJKMNPQRSTUVWXYZ', $_) + 1) % 31, 1) }
    split //, $qp;
my @probes = (
    [ 'another ticket\'s code', "$na?query_code=$qp" ],
    [ 'a wrong code of the right shape', "$np?query_code=$wrong" ],
    [ 'one character off', "$np?query_code=" . substr($qp, 0, 9)
          . ($wrong =~ /(.)\z/)[0] ],
    [ 'a code too short', "$np?query_code=" . substr($qp, 0, 9) ],
    [ 'a code too long', "$np?query_code=${qp}2" ],
    [ 'letters outside the alphabet', "$np?query_code=IIIIIIIIII" ],
    [ 'no code', $np ],
    [ 'an empty code', "$np?query_code=" ],
    [ 'the code as another parameter', "$np?code=$qp" ],
    [ 'a wildcard', "$np?query_code=%25" ],
    [ 'SQL', "$np?query_code=%27%20OR%20%271%27%3D%271" ],
    [ 'the code twice, a wrong one first',
      "$np?query_code=$wrong&query_code=$qp" ],
    [ 'the code with spaces', "$np?query_code=%20$qp%20" ],
    [ 'the code of A\'s ticket on the public one',
      "$np?query_code=$ta->{query_code}" ],
);
for my $p (@probes) {
    same_404($env->req(GET => "/api/v1/tickets/$p->[1]"), "probe: $p->[0]");
}

same_404($env->req(GET => "/api/v1/tickets/$na/attachments/$att"
    . "?query_code=$qp"), 'another ticket\'s code on an attachment',
    $NOT_FOUND_ATT);
same_404($env->req(POST => "/api/v1/tickets/$na/messages",
    body => { content => '冒充', query_code => $qp }),
    'another ticket\'s code on a message');
same_404($env->req(POST => "/api/v1/tickets/$np/messages",
    body => { content => '冒充', query_code => $wrong }),
    'a wrong code on a message');
same_404($env->req(POST => "/api/v1/tickets/$np/feedback",
    body => { rating => 5, query_code => $wrong }),
    'a wrong code on feedback');
$r = $env->req(POST => "/api/v1/tickets/$np/messages",
    body => { content => '冒充' });
is $r->status, 401, 'a message with neither token nor code: 401';

# the code is never echoed where it was not asked for
$r = $env->req(GET => "/api/v1/tickets/$np?query_code=$qp");
unlike $r->body, qr/\Q$qp\E/, 'the ticket view does not repeat its code';
unlike $r->body, qr/13800138000/, '... nor the full phone number';

is_deeply $env->counts, \%before, 'nothing was written by any attempt';
is $env->sql_one('SELECT COUNT(*) FROM attachments'), $atts,
    '... no attachment';
is $env->sql_one('SELECT COUNT(*) FROM ticket_events'), $events,
    '... no event either';

done_testing;
