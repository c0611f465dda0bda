#!/usr/bin/perl
# Liaison: the outside world for a `make run` instance — the mock of
# WeChat, WeCom and the SMS gateway the tests use (t/lib/Liaison/
# MockWeChat.pm, which follows shared/reference/wechat-api-facts.md) — in
# the foreground on 127.0.0.1, until Ctrl-C.  Writes the mock's secrets
# under var/secrets/mock/ and prints the settings that point the module
# and the worker at it (README, "WeChat, SMS and WeCom").
#
#   scripts/mock-outside.pl [PORT]        (default 18090)

use strict;
use warnings;
use File::Path qw(make_path);
use FindBin;
use lib "$FindBin::Bin/../t/lib";
use Liaison::MockWeChat;

my $port = shift // 18090;
die "usage: $0 [PORT]\n" unless $port =~ /^\d+$/ && $port < 65536;
my $var = $ENV{LIAISON_VAR} // "$FindBin::Bin/../var";
my $dir = "$var/secrets/mock";
make_path($dir, { mode => 0700 });

my %secret = (wx_secret => $Liaison::MockWeChat::SECRET,
    wecom_secret => $Liaison::MockWeChat::CORPSECRET,
    sms_secret => $Liaison::MockWeChat::SMS_PASSWORD);
for my $k (sort keys %secret) {
    open my $fh, '>', "$dir/$k" or die "$dir/$k: $!\n";
    print $fh "$secret{$k}\n";
    close $fh or die "$dir/$k: $!\n";
    chmod 0600, "$dir/$k";
}

my $m = Liaison::MockWeChat->start(port => $port);
my $url = $m->url;
my %files = (
    "$var/nginx/outside-http.conf" => <<EOT,
# written by scripts/mock-outside.pl: WeChat is the mock at $url
liaison_wx_appid $Liaison::MockWeChat::APPID;
liaison_wx_secret_file $dir/wx_secret;
liaison_wx_template ticket_reply $Liaison::MockWeChat::TEMPLATES[0];
liaison_wx_template case_node $Liaison::MockWeChat::TEMPLATES[1];
EOT
    "$var/nginx/outside-server.conf" => <<EOT,
# written by scripts/mock-outside.pl
location /_liaison_wx/ {
    internal;
    access_log off;
    proxy_pass $url/;
}
EOT
    "$var/liaison-worker-outside.conf" => <<EOT,
# written by scripts/mock-outside.pl: the mock at $url
wx_api_base = $url
wx_appid = $Liaison::MockWeChat::APPID
wx_secret_file = $dir/wx_secret
wecom_api_base = $url
wecom_corpid = $Liaison::MockWeChat::CORPID
wecom_agentid = $Liaison::MockWeChat::AGENTID
wecom_secret_file = $dir/wecom_secret
sms_url = $url/sms/send
sms_account = $Liaison::MockWeChat::SMS_ACCOUNT
sms_secret_file = $dir/sms_secret
sms_ok = "code":0
EOT
);
make_path("$var/nginx");
for my $f (sort keys %files) {
    open my $fh, '>', $f or die "$f: $!\n";
    print $fh $files{$f};
    close $fh or die "$f: $!\n";
}

print <<EOT;
mock of WeChat, WeCom and the SMS gateway: $url

Wrote (run `make run` again to use them; delete them to go back):
  $var/nginx/outside-http.conf     the module's WeChat settings
  $var/nginx/outside-server.conf   its internal location to WeChat
  $var/liaison-worker-outside.conf the worker's WeChat, WeCom and SMS

Every request it received, with its answer: curl -s $url/__mock/log
Ctrl-C stops it.
EOT

$SIG{INT} = $SIG{TERM} = sub { $m->stop; exit 0 };
waitpid $m->{pid}, 0;
