package Liaison::Tickets;

# Ticket helpers shared by the intake/status tests: request bodies and one
# thorough check of a 201 intake answer against the contract and the
# database (due_at from the Perl calendar, applied to the ticket's own
# created_at).

use strict;
use warnings;
use utf8;
use Exporter 'import';
use Test::More ();
use Liaison::Calendar;

our @EXPORT = qw(ticket_body check_created SIMPLE_CATEGORIES
    ORDINARY_CATEGORIES track_of);

use constant SIMPLE_CATEGORIES =>
    [qw(case_query consultation document material suggestion)];
use constant ORDINARY_CATEGORIES => [qw(contact_judge complaint other)];

my %TRACK = ((map { $_ => 'simple' } @{ +SIMPLE_CATEGORIES }),
             (map { $_ => 'ordinary' } @{ +ORDINARY_CATEGORIES }));

sub track_of { $TRACK{ $_[0] } }

my $N = 0;

# A valid intake body; %over replaces top-level fields (undef deletes one).
sub ticket_body {
    my (%over) = @_;
    $N++;
    my %b = (
        channel  => 'web',
        category => 'consultation',
        content  => "请问诉状可以手写吗？（测试 $N）",
        contact  => { name => '张三', phone => '13800138000' },
    );
    for my $k (keys %over) {
        if (defined $over{$k}) { $b{$k} = $over{$k} } else { delete $b{$k} }
    }
    return \%b;
}

my $C = 'Liaison::Calendar';

# check_created($env, $r, $body, $name, sla => { simple => 1, ordinary => 2 })
# Runs a subtest; returns the answer's JSON (or undef).
sub check_created {
    my ($env, $r, $body, $name, %o) = @_;
    my $sla = { simple => 1, ordinary => 2, %{ $o{sla} || {} } };
    my $j;
    Test::More::subtest($name => sub {
        Test::More::is($r->status, 201, 'status 201')
            or Test::More::diag($r->summary);
        $j = $r->json;
        Test::More::is(ref $j, 'HASH', 'JSON object answer')
            or return;
        Test::More::like($r->header('content-type') // '',
            qr{^application/json}, 'Content-Type application/json');
        for my $k (qw(ticket_no track status query_code due_at created_at)) {
            Test::More::ok(defined $j->{$k}, "has $k");
        }
        my $no = $j->{ticket_no} // '';
        Test::More::like($no, qr/^\d{13,}$/, 'ticket_no: 13+ digits');
        Test::More::ok(Liaison::Test::luhn_valid($no),
            'ticket_no: Luhn check digit');
        Test::More::ok(Liaison::Test::query_code_valid($j->{query_code}),
            'query_code: 10 chars of 23456789ABCDEFGHJKMNPQRSTUVWXYZ');
        Test::More::is($j->{status}, 'registered', 'status registered');
        my $track = $o{track} // track_of($body->{category});
        Test::More::is($j->{track}, $track, "track $track");

        my $created = $C->parse_rfc3339($j->{created_at});
        my $due = $C->parse_rfc3339($j->{due_at});
        Test::More::like($j->{created_at}, qr/\+08:00$/,
            'created_at RFC 3339 +08:00');
        Test::More::like($j->{due_at}, qr/\+08:00$/, 'due_at RFC 3339 +08:00');
        if (defined $created && defined $due) {
            my $want = $env->calendar->add_working_days($created,
                $sla->{$track});
            Test::More::is($j->{due_at}, $C->format_rfc3339($want),
                "due_at = created_at + $sla->{$track} working day(s)");
            my @f = gmtime $created;
            Test::More::is(substr($no, 0, 6), sprintf('%02d%02d%02d',
                $f[5] % 100, $f[4] + 1, $f[3]),
                'ticket_no starts with YYMMDD of created_at');
        }

        # the database agrees, in one committed piece
        my $rows = $env->sql('SELECT * FROM tickets WHERE ticket_no = ?', $no);
        Test::More::is(scalar @$rows, 1, 'one tickets row') or return;
        my $t = $rows->[0];
        Test::More::is($t->{query_code}, $j->{query_code},
            'row: query_code');
        Test::More::is($t->{channel}, $body->{channel}, 'row: channel');
        Test::More::is($t->{category}, $body->{category}, 'row: category');
        Test::More::is($t->{track}, $track, 'row: track');
        Test::More::is($t->{status}, 'registered', 'row: status');
        Test::More::is($t->{created_at}, $C->format_datetime($created),
            'row: created_at (Beijing time)') if defined $created;
        Test::More::is($t->{due_at}, $C->format_datetime($due),
            'row: due_at (Beijing time)') if defined $due;
        Test::More::is($t->{content}, $body->{content},
            'row: content verbatim');
        # a repeated complaint also gets an internal 'supervised' event (A17)
        my $ev = $env->sql('SELECT * FROM ticket_events WHERE ticket_id = ? '
            . "AND type <> 'supervised' ORDER BY id", $t->{id});
        Test::More::is(scalar @$ev, 1, 'one ticket_events row');
        Test::More::is($ev->[0]{type}, 'registered', 'event: registered')
            if @$ev;
        Test::More::is($ev->[0]{status_to}, 'registered',
            'event: status_to registered') if @$ev;
        $o{more}->($j, $t) if $o{more};
    });
    return $j;
}

1;
