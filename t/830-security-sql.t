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

# the token that may call an operation (the widest role for the path)
my %TOKENS = (
    litigant => $lit,
    admin => tok($env, 'admin'),
    president => tok($env, 'president'),
    platform => tok($env, 'platform'),
    filing => tok($env, 'filing'),
);

sub tokens_for {
    my ($path, $op) = @_;
    my @sec = map { keys %$_ } @{ $op->{security} || [] };
    my @t;
    push @t, 'litigant' if grep { $_ eq 'litigantToken' } @sec;
    if (grep { $_ eq 'staffToken' } @sec) {
        push @t, $path =~ m{^/staff/(?:accounts|departments|canned)}
            ? ('admin') : $path =~ m{^/staff/(?:risks|liaison)}
            ? ('filing', 'president') : ('president', 'platform');
    }
    push @t, undef if !@sec || grep { !%$_ } @{ $op->{security} || [] };
    return @t;
}

my $api = JSON::PP->new->decode(do {
    local $/;
    open my $fh, '<:raw', "$Liaison::Test::ROOT/docs/openapi.json" or die $!;
    <$fh>;
});

sub deref {
    my ($s) = @_;
    while ($s && $s->{'$ref'}) {
        my ($name) = $s->{'$ref'} =~ m{/([^/]+)\z};
        $s = $api->{components}{schemas}{$name}
            // $api->{components}{parameters}{$name};
    }
    return $s;
}

# a plausible value of a schema, so that the other fields pass
sub sample {
    my ($s, $name) = @_;
    $s = deref($s) || {};
    return $s->{example} if exists $s->{example};
    return $s->{enum}[0] if $s->{enum};
    my $type = $s->{type} // 'string';
    return 1 if $type eq 'integer' || $type eq 'number';
    return JSON::PP::true if $type eq 'boolean';
    return [] if $type eq 'array';
    if ($type eq 'object') {
        my %o;
        for my $k (@{ $s->{required} || [] }) {
            $o{$k} = sample($s->{properties}{$k}, $k);
        }
        return \%o;
    }
    return '2026-01' if ($name // '') eq 'month';
    return '13800138000' if ($name // '') =~ /phone/;
    return '诉求内容';
}

my %PATH = (no => $no, case_no => CIVIL_CASE, id => 1, month => '2026-01');

sub enc {
    my ($v) = @_;
    utf8::encode($v);
    $v =~ s{([^A-Za-z0-9\-._~])}{sprintf '%%%02X', ord $1}ge;
    return $v;
}

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

for my $path (sort keys %{ $api->{paths} }) {
    for my $method (sort keys %{ $api->{paths}{$path} }) {
        next if $method eq 'parameters';
        my $op = $api->{paths}{$path}{$method};
        my @params = map { deref($_) } (
            @{ $api->{paths}{$path}{parameters} || [] },
            @{ $op->{parameters} || [] });
        my $body_schema;
        if (my $c = $op->{requestBody} && $op->{requestBody}{content}) {
            $body_schema = deref($c->{'application/json'}{schema})
                if $c->{'application/json'};
        }
        my $base_body = $body_schema ? sample($body_schema) : undef;
        my $before = @bad;

        for my $who (tokens_for($path, $op)) {
            my %auth = defined $who ? (token => $TOKENS{$who}) : ();
            # the places a payload may go: each parameter, each body field
            my @slots = map { [ param => $_ ] } @params;
            push @slots, map { [ body => $_ ] }
                sort keys %{ $body_schema->{properties} || {} }
                if $body_schema;

            for my $slot (@slots) {
                for my $p (@PAYLOADS) {
                    my %path_v = %PATH;
                    $path_v{id} = $victim if $path =~ m{^/staff/accounts};
                    my (@query, %headers, $body);
                    $body = JSON::PP->new->canonical->encode($base_body)
                        if $base_body;
                    my ($kind, $x) = @$slot;
                    if ($kind eq 'param') {
                        if ($x->{in} eq 'path') {
                            $path_v{ $x->{name} } = $p;
                        } elsif ($x->{in} eq 'query') {
                            push @query, "$x->{name}=" . enc($p);
                        } elsif ($x->{in} eq 'header') {
                            my $h = $p;
                            utf8::encode($h);
                            $headers{ $x->{name} } = $h;
                        }
                    } else {
                        my %b = %{ $base_body || {} };
                        $b{$x} = $p;
                        $body = JSON::PP->new->canonical->encode(\%b);
                    }
                    (my $url = "/api/v1$path")
                        =~ s/\{(\w+)\}/enc($path_v{$1} \/\/ 1)/ge;
                    $url .= '?' . join '&', @query if @query;
                    my $label = uc($method) . " $path " . ($who // 'anon')
                        . " $kind " . (ref $x ? $x->{name} : $x) . " <$p>";
                    attack($label, uc $method, $url, %auth,
                        (defined $body ? (body => $body) : ()),
                        headers => \%headers);
                }
            }
        }
        ok @bad == $before, uc($method) . " $path: every parameter with "
            . scalar(@PAYLOADS) . ' payloads'
            or diag join "\n", @bad[$before .. $#bad];
    }
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
