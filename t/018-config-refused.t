#!/usr/bin/perl
# Values that cannot work are refused by nginx -t: a time of 0 (a token
# that expires at once, a query or a queue that gives up at once), sizes
# out of their range.  Each error names the directive and points at its
# own line, not at the end of the http block.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;

my $env = Liaison::Test->start(no_nginx => 1,
    port => Liaison::Test::free_port());
my $p = $env->prefix;

# the line of the config file nginx -t just read that holds the directive
sub directive_line {
    my ($name) = @_;
    my $file = "$p/conf/t-$env->{nginx_t_n}.conf";
    open my $fh, '<', $file or die "$file: $!";
    while (my $l = <$fh>) {
        return ($file, $.) if $l =~ /^\s*\Q$name\E\s/;
    }
    return ($file, 0);
}

my @bad = (
    [ liaison_token_ttl => '0', 'http' ],
    [ liaison_token_ttl => '0s', 'http' ],
    [ liaison_token_ttl => '30s', 'http' ],
    [ liaison_token_ttl => '31d', 'http' ],
    [ liaison_db_query_timeout => '0', 'http' ],
    [ liaison_db_query_timeout => '0ms', 'http' ],
    [ liaison_db_query_timeout => '2h', 'http' ],
    [ liaison_db_queue_timeout => '0', 'http' ],
    [ liaison_db_connect_timeout => '0', 'http' ],
    [ liaison_db_connect_timeout => '10m', 'http' ],
    [ liaison_db_check_interval => '0', 'http' ],
    [ liaison_db_check_interval => '2m', 'http' ],
    [ liaison_wx_push_time_window => '5s', 'http' ],
    [ liaison_wx_push_time_window => '0', 'http' ],
    [ liaison_attachment_max_size => '0', 'http' ],
    [ liaison_attachment_max_size => '2g', 'http' ],
    [ liaison_max_body_size => '0', 'location' ],
    [ liaison_max_body_size => '100', 'location' ],
);

for my $b (@bad) {
    my ($name, $value, $where) = @$b;
    my ($rc, $out) = $env->nginx_t($where => { $name => $value });
    isnt $rc, 0, "nginx -t refuses $name $value";
    my ($file, $line) = directive_line($name);
    ok $line > 0, "... the directive is in $file" or next;
    like $out,
        qr/\[emerg\] "\Q$name\E" directive must be from .* in \Q$file\E:$line\b/,
        "... the error names $name and points at its line $line"
        or diag $out;
}

my @good = (
    [ liaison_token_ttl => '1m', 'http' ],
    [ liaison_token_ttl => '30d', 'http' ],
    [ liaison_db_query_timeout => '1ms', 'http' ],
    [ liaison_db_query_timeout => '1h', 'http' ],
    [ liaison_db_queue_timeout => '300s', 'http' ],
    [ liaison_db_connect_timeout => '1ms', 'http' ],
    [ liaison_db_check_interval => '100ms', 'http' ],
    [ liaison_wx_push_time_window => '10s', 'http' ],
    [ liaison_attachment_max_size => '1g', 'http' ],
    [ liaison_max_body_size => '1k', 'location' ],
);

# a flight directive (liaison_db_group_commit, liaison_db_read_batch):
# its own words and bounds, with the directive and line
sub refuses_flight {
    my ($name, $unit, $max) = @_;
    for my $b (['0', qr/is not "off" or a number of $unit from 1 to 1024/],
               ['2000', qr/is not "off" or a number of $unit/],
               ['two', qr/is not "off" or a number of $unit/],
               ['2 1', qr/size "1" is not a number from 2 to $max/],
               ['2 ' . ($max + 1),
                qr/size "@{[ $max + 1 ]}" is not a number from 2 to $max/],
               ['off 4', qr/takes no size when "off"/]) {
        my ($value, $why) = @$b;
        my ($rc, $out) = $env->nginx_t(http => { $name => $value });
        isnt $rc, 0, "nginx -t refuses $name $value";
        my ($file, $line) = directive_line($name);
        like $out, qr/\[emerg\] .*$name.*$why.* in \Q$file\E:$line\b/,
            "... the error says why and points at line $line" or diag $out;
    }
    push @good, map { [ $name => $_, 'http' ] }
        'off', '1', '2 16', "1024 $max";
}
refuses_flight('liaison_db_group_commit', 'transactions', 64);
refuses_flight('liaison_db_read_batch', 'statements', 16);

for my $g (@good) {
    my ($name, $value, $where) = @$g;
    my ($rc, $out) = $env->nginx_t($where => { $name => $value });
    is $rc, 0, "nginx -t accepts $name $value" or diag $out;
}

done_testing;
