#!/usr/bin/perl
# nginx -t refuses each bad directive with an [emerg] that names it, and
# accepts the good forms.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use File::Path qw(make_path);

my $env = Liaison::Test->start(no_nginx => 1, port => Liaison::Test::free_port());
my $dir = $env->dir;
my $sock = $env->db_socket;
my $pwf = $env->db_password_file;
my $db_rest = "user=liaison password_file=$pwf database=liaison";

# secrets of various lengths
Liaison::Test::_spew("$dir/secrets/short_secret", 'x' x 31, 0600);
Liaison::Test::_spew("$dir/secrets/exact_secret", 'y' x 32, 0600);
Liaison::Test::_spew("$dir/secrets/short_nl_secret", ('z' x 31) . "\n", 0600);
Liaison::Test::_spew("$dir/secrets/empty", '', 0600);
make_path("$dir/secrets/a_directory");

my $ALL_DB = { map { $_ => undef } qw(liaison_db liaison_db_pool_size
    liaison_db_connect_timeout liaison_db_query_timeout liaison_db_queue_size
    liaison_db_queue_timeout) };

my @good = (
    [ 'the default test configuration' => () ],
    [ 'liaison_db over TCP 127.0.0.1:port' =>
        http => { liaison_db => "127.0.0.1:3306 $db_rest" } ],
    [ 'liaison_db over TCP [::1]:port' =>
        http => { liaison_db => "[::1]:3306 $db_rest" } ],
    [ 'liaison_sla simple 0 / ordinary 30 (the bounds)' =>
        http => { liaison_sla => [ 'simple 0', 'ordinary 30' ] } ],
    [ 'a token secret of exactly 32 bytes' =>
        http => { liaison_token_secret_file => "$dir/secrets/exact_secret" } ],
    [ 'liaison_api off' => location => { liaison_api => 'off' } ],
    [ 'pool size 1' => http => { liaison_db_pool_size => 1 } ],
    [ 'no liaison_db anywhere and no liaison_api on' =>
        http => { %$ALL_DB, liaison_token_secret_file => undef,
                  liaison_sla => undef, liaison_token_ttl => undef,
                  liaison_thread_pool => undef },
        location => { liaison_api => undef, liaison_max_body_size => undef } ],
);

for my $g (@good) {
    my ($name, %o) = @$g;
    for my $round (1, 2) {
        my ($rc, $out) = $env->nginx_t(%o);
        is $rc, 0, "round $round: nginx -t accepts $name" or diag $out;
        like $out, qr/test is successful/, "round $round: ... test is successful";
    }
}

my @bad = (
    [ 'liaison_db with a host name' => 'liaison_db',
        http => { liaison_db => "db.example.com:3306 $db_rest" } ],
    [ 'liaison_db with "localhost"' => 'liaison_db',
        http => { liaison_db => "localhost:3306 $db_rest" } ],
    [ 'liaison_db with a bare host name, no port' => 'liaison_db',
        http => { liaison_db => "dbhost $db_rest" } ],
    [ 'liaison_db with a port out of range' => 'liaison_db',
        http => { liaison_db => "127.0.0.1:70000 $db_rest" } ],
    [ 'liaison_db with an empty unix: path' => 'liaison_db',
        http => { liaison_db => "unix: $db_rest" } ],
    [ 'liaison_db without password_file' => 'liaison_db',
        http => { liaison_db => "unix:$sock user=liaison database=liaison" } ],
    [ 'liaison_db with a missing password file' => 'liaison_db',
        http => { liaison_db => "unix:$sock user=liaison "
            . "password_file=$dir/secrets/nope database=liaison" } ],
    [ 'liaison_db with an unreadable password file (a directory)' =>
        'liaison_db',
        http => { liaison_db => "unix:$sock user=liaison "
            . "password_file=$dir/secrets/a_directory database=liaison" } ],
    [ 'liaison_db with an unknown parameter' => 'liaison_db',
        http => { liaison_db => "unix:$sock $db_rest colour=blue" } ],
    [ 'liaison_db twice' => 'liaison_db',
        http => { liaison_db => [ "unix:$sock $db_rest",
                                  "unix:$sock $db_rest" ] } ],
    [ 'liaison_db_pool_size 0' => 'liaison_db_pool_size',
        http => { liaison_db_pool_size => 0 } ],
    [ 'liaison_db_pool_size -1' => 'liaison_db_pool_size',
        http => { liaison_db_pool_size => -1 } ],
    [ 'liaison_db_pool_size abc' => 'liaison_db_pool_size',
        http => { liaison_db_pool_size => 'abc' } ],
    [ 'liaison_db_connect_timeout abc' => 'liaison_db_connect_timeout',
        http => { liaison_db_connect_timeout => 'abc' } ],
    [ 'liaison_db_query_timeout abc' => 'liaison_db_query_timeout',
        http => { liaison_db_query_timeout => 'abc' } ],
    [ 'liaison_db_queue_timeout abc' => 'liaison_db_queue_timeout',
        http => { liaison_db_queue_timeout => 'abc' } ],
    [ 'liaison_db_queue_size abc' => 'liaison_db_queue_size',
        http => { liaison_db_queue_size => 'abc' } ],
    [ 'liaison_sla with an unknown track' => 'liaison_sla',
        http => { liaison_sla => [ 'simple 1', 'urgent 1' ] } ],
    [ 'liaison_sla simple 31' => 'liaison_sla',
        http => { liaison_sla => [ 'simple 31', 'ordinary 2' ] } ],
    [ 'liaison_sla ordinary -1' => 'liaison_sla',
        http => { liaison_sla => [ 'simple 1', 'ordinary -1' ] } ],
    [ 'liaison_sla simple x' => 'liaison_sla',
        http => { liaison_sla => [ 'simple x', 'ordinary 2' ] } ],
    [ 'liaison_sla with one argument' => 'liaison_sla',
        http => { liaison_sla => [ 'simple', 'ordinary 2' ] } ],
    [ 'liaison_token_secret_file that does not exist' =>
        'liaison_token_secret_file',
        http => { liaison_token_secret_file => "$dir/secrets/missing" } ],
    [ 'liaison_token_secret_file of 31 bytes' => 'liaison_token_secret_file',
        http => { liaison_token_secret_file => "$dir/secrets/short_secret" } ],
    [ 'liaison_token_secret_file of 31 bytes and a newline' =>
        'liaison_token_secret_file',
        http => { liaison_token_secret_file =>
            "$dir/secrets/short_nl_secret" } ],
    [ 'liaison_token_secret_file empty' => 'liaison_token_secret_file',
        http => { liaison_token_secret_file => "$dir/secrets/empty" } ],
    [ 'liaison_token_secret_file a directory' => 'liaison_token_secret_file',
        http => { liaison_token_secret_file =>
            "$dir/secrets/a_directory" } ],
    [ 'liaison_token_ttl abc' => 'liaison_token_ttl',
        http => { liaison_token_ttl => 'abc' } ],
    [ 'liaison_api maybe' => 'liaison_api',
        location => { liaison_api => 'maybe' } ],
    [ 'liaison_api with two arguments' => 'liaison_api',
        location => { liaison_api => 'on off' } ],
    [ 'liaison_api on without liaison_db' => qr/liaison_(?:api|db)/,
        http => $ALL_DB ],
    [ 'liaison_max_body_size abc' => 'liaison_max_body_size',
        location => { liaison_max_body_size => 'abc' } ],
    [ 'liaison_thread_pool naming no thread_pool' => qr/liaison_thread_pool|thread pool/,
        http => { liaison_thread_pool => 'no_such_pool' } ],
    [ 'liaison_db inside a location' => 'liaison_db',
        location => { liaison_db => "unix:$sock $db_rest" } ],
);

for my $b (@bad) {
    my ($name, $names, %o) = @$b;
    my $re = ref $names ? $names : qr/\b\Q$names\E\b/;
    for my $round (1, 2) {
        my ($rc, $out) = $env->nginx_t(%o);
        isnt $rc, 0, "round $round: nginx -t refuses $name";
        like $out, qr/\[emerg\]/, "round $round: ... with an [emerg]"
            or diag $out;
        my ($emerg) = $out =~ /(\[emerg\][^\n]*)/;
        like $emerg // '', $re, "round $round: ... naming the directive"
            or diag $out;
        unlike $out, qr/\[(?:alert|crit)\]|exited on signal|Sanitizer/,
            "round $round: ... and nothing worse" or diag $out;
    }
}

done_testing;
