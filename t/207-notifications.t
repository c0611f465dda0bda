#!/usr/bin/perl
# The litigant's in-app list (GET /notifications): every subscribe message
# made for them, delivered or not; and when no subscribe consent is left,
# the worker sends an SMS to the mobile the request was filed with.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Tickets;
use Liaison::Litigant;
use Liaison::Worker;

# later than anything the requests below record (they use the real clock)
my $NOW = '2030-01-02T10:00:00+08:00';

my $t = Liaison::Litigant->start(staff => [
    { username => 'platform', role => 'platform_staff',
      department => 'filing' } ]);
my $env = $t->env;
my $owner = $t->login(41);
my $other = $t->login(42);
my $staff = $env->staff_token('platform');

my $r = $env->req(POST => '/api/v1/tickets', token => $owner,
    body => ticket_body(channel => 'wechat', content => '请问诉状可以手写吗？',
        contact => { name => '张三', phone => '13800138001' }));
is $r->status, 201, 'ticket by the WeChat user' or diag $r->summary;
my $no = $r->json->{ticket_no};

for my $round (1, 2) {
    $r = $env->req(GET => '/api/v1/notifications', token => $owner);
    is $r->status, 200, "round $round: 200" or diag $r->summary;
    is $r->json->{total}, 0, 'nothing yet';
}

$r = $env->req(POST => "/api/v1/staff/tickets/$no/reply", token => $staff,
    body => { content => '可以在广州微法院小程序下载诉状模板，手写亦可。' });
is $r->status, 200, 'staff reply' or diag $r->summary;

for my $round (1, 2) {
    $r = $env->req(GET => '/api/v1/notifications', token => $owner);
    is $r->status, 200, "round $round: owner 200";
    is $r->json->{total}, 1, 'the reply is in the list';
    my $it = $r->json->{items}[0];
    is $it->{ticket_no}, $no, 'about the ticket';
    is $it->{kind}, 'ticket_reply', 'a reply';
    ok !$it->{delivered}, 'not delivered yet';
    like $it->{data}{thing3}, qr/^可以在广州微法院/, 'the reply text';
    like $it->{created_at}, qr/\+08:00$/, 'time';

    $r = $env->req(GET => '/api/v1/notifications', token => $other);
    is $r->json->{total}, 0, 'another litigant sees none of it';
    $r = $env->req(GET => '/api/v1/notifications');
    is $r->status, 401, 'no token: 401';
    $r = $env->req(GET => '/api/v1/notifications', token => $staff);
    is $r->status, 403, 'staff: 403';
}

# no consent recorded: the worker records no_consent and falls back to SMS
my $w = Liaison::Worker->new($env, $t->mock, auto_close_days => 0);
my $out = $w->once($NOW);
is $out->{rc}, 0, "worker pass" or diag $out->{output};
my $sub = $env->sql("SELECT * FROM outbox WHERE channel = 'wx_subscribe'");
is $sub->[0]{status}, 'failed', 'subscribe message: failed';
is $sub->[0]{last_code}, 'no_consent', '... for want of consent';
my $sms = $env->sql("SELECT * FROM outbox WHERE kind = 'sms_fallback'");
is scalar @$sms, 1, 'one SMS instead';
is $sms->[0]{recipient}, '13800138001', 'to the mobile of the request';
is $sms->[0]{kind}, 'sms_fallback', 'kind sms_fallback';
like $t->json_col($sms->[0]{payload})->{text}, qr/\Q$no\E/,
    'the text names the ticket';

$out = $w->once($NOW);
is $env->sql_one("SELECT status FROM outbox WHERE kind = 'sms_fallback'"),
    'sent', 'the SMS is delivered by the next pass';
is $env->sql_one("SELECT COUNT(*) FROM outbox WHERE kind = 'sms_fallback'"),
    1, 'and only one';

$r = $env->req(GET => '/api/v1/notifications', token => $owner);
is $r->json->{total}, 1, 'the list still shows the reply';

done_testing;
