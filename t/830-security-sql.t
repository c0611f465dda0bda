#!/usr/bin/perl
# Attack suite (issue 14): SQL metacharacters in every parameter of every
# endpoint.  The route table is docs/openapi.json (t/014-openapi.t holds
# it equal to the module's endpoint tables): each path parameter, query
# parameter, header parameter and top-level JSON body field of each
# operation gets each payload in turn, with the token of a role that may
# call it.  Every answer must be a JSON answer below 500 (an error is
# 400/401/403/404/409/413/415/422/429/503 as API.md says), come back
# before a SLEEP() in the payload would have ended, and leave no SQL
# error in nginx's log; afterwards the canary table and the staff table
# are intact.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use JSON::PP ();
use Time::HiRes qw(time);
use Liaison::Test;
use Liaison::Staff;
use Liaison::Litigant;
use Liaison::Security;

my $t = Liaison::Litigant->start(staff => staff_cast(), attachments => 1,
    triage => 1);
my $env = $t->env;
my $S = staff_setup($env);
my $lit = $t->login(1);

# a ticket of the litigant's, one with a query code, a case, a risk
my $tk = $env->req(POST => '/api/v1/tickets', token => $lit,
    body => { channel => 'wechat', category => 'complaint',
              content => '我要跳楼，法官一直不联系我',
              case_no => CIVIL_CASE });
is $tk->status, 201, 'a litigant\'s ticket' or diag $tk->summary;
my $no = $tk->json->{ticket_no};
my $pub = new_ticket($env, category => 'consultation');

$env->sql('CREATE TABLE sec_canary (id INT PRIMARY KEY)');
$env->sql('INSERT INTO sec_canary VALUES (1)');
my $staff_n = $env->sql_one('SELECT COUNT(*) FROM staff');
# the accounts endpoints act on an account of its own (a password set
# to a payload is a password like any other)
$env->add_staff(username => 'victim', role => 'judge',
    department => 'civil', password => 'victim-password-1');
my $victim = $env->sql_one("SELECT id FROM staff WHERE username = 'victim'");

# payloads: quotes, comments, stacked statements, UNION, time delays,
# backslashes that would eat a closing quote, NUL, LIKE wildcards
my $SLEEP = 4;
my @PAYLOADS = (
    q{'},
    q{"},
    q{' OR '1'='1},
    q{1 OR 1=1},
    q{1' OR SLEEP(4)-- -},
    q{1" OR SLEEP(4)#},
    q{1) OR SLEEP(4)/*},
    q{'; DROP TABLE sec_canary; --},
    q{1; DELETE FROM staff},
    q{' UNION SELECT password_hash FROM staff -- },
    q{\\},
    q{\\'},
    qq{\x{5c}\x{27} OR 1=1 #},
    q{%' OR 1=1 #},
    q{_%},
    q{1e309},
    q{-1},
    q{0x27},
    q{（2026）粤0115民初101号' OR '1'='1},
);

my $sec = Liaison::Security->new(tokens => {
    litigant => $lit, map { $_ => tok($env, $_) }
        qw(admin president platform filing) });

my %PATH = (no => $no, case_no => CIVIL_CASE, id => 1, month => '2026-01');

my ($requests, @bad) = (0);

sub attack {
    my ($what, $method, $path, %o) = @_;
    my $mark = $env->error_log_mark;
    my $t0 = time;
    my $r = $env->req($method, $path, %o);
    my $dt = time - $t0;
    $requests++;
    my $new = $env->error_log_since($mark);
    my $ct = $r->header('content-type') // '';
    my $problem =
        $r->status >= 500 && $r->status != 503 ? 'status ' . $r->status
      : $r->status >= 400 && $ct !~ m{^application/json}
        ? "error answer as $ct"
      : $dt >= $SLEEP - 0.5 ? sprintf('took %.1f s', $dt)
      : $new =~ /^(.*(?:SQL syntax|You have an error|statement \d+ failed: (?!1062)|\[crit\]|\[alert\]).*)$/m
        ? "log: $1" : undef;
    push @bad, "$what: $problem" if $problem;
    return !$problem;
}

for my $op ($sec->operations) {
    my $base_body = $op->{body_schema} ? $sec->sample($op->{body_schema})
        : undef;
    my $before = @bad;
    my $name = "$op->{method} $op->{path}";

    # the places a payload may go: each parameter, each body field
    my @slots = map { [ param => $_ ] } @{ $op->{params} };
    push @slots, map { [ body => $_ ] }
        sort keys %{ $op->{body_schema}{properties} || {} }
        if $op->{body_schema};

    for my $who ($sec->callers($op)) {
        my %auth = $who eq 'anon' ? () : (token => $sec->token($who));
        for my $slot (@slots) {
            my ($kind, $x) = @$slot;
            for my $p (@PAYLOADS) {
                my %path_v = %PATH;
                $path_v{id} = $victim if $op->{path} =~ m{^/staff/accounts};
                my (@query, %headers);
                my %b = %{ $base_body || {} };
                if ($kind eq 'param') {
                    if ($x->{in} eq 'path') {
                        $path_v{ $x->{name} } = $p;
                    } elsif ($x->{in} eq 'query') {
                        push @query, "$x->{name}="
                            . Liaison::Security::enc($p);
                    } elsif ($x->{in} eq 'header') {
                        my $h = $p;
                        utf8::encode($h);
                        $headers{ $x->{name} } = $h;
                    }
                } else {
                    $b{$x} = $p;
                }
                my $body = $base_body
                    ? JSON::PP->new->canonical->encode(\%b) : undef;
                attack("$name $who $kind " . (ref $x ? $x->{name} : $x)
                    . " <$p>", $op->{method},
                    $sec->url($op, \%path_v, @query), %auth,
                    (defined $body ? (body => $body) : ()),
                    headers => \%headers);
            }
        }
    }
    ok @bad == $before, "$name: every parameter with "
        . scalar(@PAYLOADS) . ' payloads'
        or diag join "\n", @bad[$before .. $#bad];
}

# the multipart and raw uploads take their parameters in the query too:
# done above; the push callback's XML elements are t/834's

cmp_ok $requests, '>', 1000, "$requests requests made";
is $env->sql_one('SELECT COUNT(*) FROM sec_canary'), 1,
    'the canary table is still there';
cmp_ok $env->sql_one('SELECT COUNT(*) FROM staff'), '>', $staff_n,
    'no account removed';
is $env->sql_one("SELECT COUNT(*) FROM staff WHERE role = 'sys_admin'"), 1,
    'no account made sys_admin';
unlike $env->error_log, qr/SQL syntax|You have an error in your SQL/,
    'no SQL syntax error in the whole log';

done_testing;
