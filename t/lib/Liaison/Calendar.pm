package Liaison::Calendar;

# An independent Perl re-implementation of the working-day rules, used by the
# integration tests to check the module's due_at against the ticket's own
# recorded created_at (never against the wall clock).
#
# Calendar file format (data/cn-working-days.txt), one line per year and kind:
#   2020 off: 2020-01-01,2020-01-24..2020-02-02
#   2020 work: 2020-01-19
# A day is a working day when it is (Monday..Friday and not "off") or "work".
#
# Times here are "civil seconds": Beijing civil time (UTC+8) expressed as
# seconds since 1970-01-01 00:00 civil, so gmtime() gives the civil fields.

use strict;
use warnings;
use Carp qw(croak);
use Time::Local qw(timegm);

use constant TZ_OFFSET => 8 * 3600;

sub load {
    my ($class, $file) = @_;
    open my $fh, '<', $file or croak "$file: $!";
    my $self = bless { off => {}, work => {}, years => {}, notice => {} },
        $class;
    while (my $line = <$fh>) {
        $line =~ s/\s+\z//;
        next unless $line =~ /^(\d{4}) (off|work): (.*)$/;
        my ($year, $kind, $list) = ($1, $2, $3);
        $self->{years}{$year} = 1;
        for my $item (split /,/, $list) {
            if ($item =~ /^(\d{4}-\d\d-\d\d)\.\.(\d{4}-\d\d-\d\d)$/) {
                my ($a, $b) = (_day_number($1), _day_number($2));
                croak "bad range $item" if $b < $a;
                for my $n ($a .. $b) {
                    $self->{$kind}{$n} = 1;
                    $self->{notice}{$n} = $year;
                }
            } elsif ($item =~ /^(\d{4}-\d\d-\d\d)$/) {
                my $n = _day_number($1);
                $self->{$kind}{$n} = 1;
                $self->{notice}{$n} = $year;
            } else {
                croak "$file: bad entry '$item'";
            }
        }
    }
    return $self;
}

# days since 1970-01-01 of "YYYY-MM-DD"
sub _day_number {
    my ($s) = @_;
    my ($y, $m, $d) = $s =~ /^(\d{4})-(\d\d)-(\d\d)$/ or croak "bad date $s";
    return int(timegm(0, 0, 0, $d, $m - 1, $y) / 86400);
}

sub _ymd {
    my ($daynum) = @_;
    my @t = gmtime($daynum * 86400);
    return sprintf '%04d-%02d-%02d', $t[5] + 1900, $t[4] + 1, $t[3];
}

# The listed exceptions, for comparing with the calendar_days table:
# { 'YYYY-MM-DD' => 'off'|'work' }
sub exceptions {
    my ($self) = @_;
    my %h;
    $h{ _ymd($_) } = 'off'  for keys %{ $self->{off} };
    $h{ _ymd($_) } = 'work' for keys %{ $self->{work} };
    return \%h;
}

sub years { sort keys %{ $_[0]{years} } }

sub is_working_day {
    my ($self, $date) = @_;       # "YYYY-MM-DD" or a day number
    my $n = $date =~ /-/ ? _day_number($date) : $date;
    return 1 if $self->{work}{$n};
    return 0 if $self->{off}{$n};
    my $wday = (gmtime($n * 86400))[6];
    return ($wday >= 1 && $wday <= 5) ? 1 : 0;
}

# The instant n working days after t (civil seconds).  The clock time of t is
# kept; a t on a non-working day counts from 00:00 of the next working day
# (the rule of lsn_calendar_add_working_days()).
sub add_working_days {
    my ($self, $t, $n) = @_;
    my $day = int($t / 86400);
    my $tod = $t - $day * 86400;
    if (!$self->is_working_day($day)) {
        $day++ until $self->is_working_day($day);
        $tod = 0;
    }
    for (1 .. $n) {
        $day++;
        $day++ until $self->is_working_day($day);
    }
    return $day * 86400 + $tod;
}

# "2026-11-27T09:30:00+08:00" (or Z / other offsets) -> civil seconds
sub parse_rfc3339 {
    my ($class, $s) = @_;
    return undef unless defined $s;
    my ($y, $mo, $d, $h, $mi, $sec, $frac, $tz) = $s =~
        /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/
        or return undef;
    my $utc = timegm($sec, $mi, $h, $d, $mo - 1, $y);
    if ($tz ne 'Z') {
        my ($sign, $oh, $om) = $tz =~ /^([+-])(\d\d):(\d\d)$/;
        my $off = $oh * 3600 + $om * 60;
        $utc -= $sign eq '+' ? $off : -$off;
    }
    return $utc + TZ_OFFSET;
}

# "YYYY-MM-DD HH:MM:SS" (a DATETIME column, Beijing time) -> civil seconds
sub parse_datetime {
    my ($class, $s) = @_;
    my ($y, $mo, $d, $h, $mi, $sec) =
        $s =~ /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)/ or return undef;
    return timegm($sec, $mi, $h, $d, $mo - 1, $y);
}

# civil seconds -> "2026-11-27T09:30:00+08:00"
sub format_rfc3339 {
    my ($class, $t) = @_;
    my @f = gmtime($t);
    return sprintf '%04d-%02d-%02dT%02d:%02d:%02d+08:00',
        $f[5] + 1900, $f[4] + 1, @f[3, 2, 1, 0];
}

# civil seconds -> "YYYY-MM-DD HH:MM:SS"
sub format_datetime {
    my ($class, $t) = @_;
    my @f = gmtime($t);
    return sprintf '%04d-%02d-%02d %02d:%02d:%02d',
        $f[5] + 1900, $f[4] + 1, @f[3, 2, 1, 0];
}

# SQL that loads the calendar like `liaison-admin calendar-sql` (used only
# when that tool has not been built yet).
sub to_sql {
    my ($self, $source) = @_;
    $source //= 'data/cn-working-days.txt';
    my @sql = ('START TRANSACTION;');
    for my $y ($self->years) {
        push @sql, "DELETE FROM calendar_days WHERE year = $y;";
    }
    my %year_of;
    # a day belongs to the notice (year line) that listed it
    for my $kind (qw(off work)) {
        for my $n (sort { $a <=> $b } keys %{ $self->{$kind} }) {
            push @sql, sprintf "INSERT INTO calendar_days (day, kind, year) "
                . "VALUES ('%s', '%s', %d) ON DUPLICATE KEY UPDATE "
                . "kind = VALUES(kind), year = VALUES(year);",
                _ymd($n), $kind, $self->{notice}{$n} // substr(_ymd($n), 0, 4);
        }
    }
    for my $y ($self->years) {
        push @sql, "INSERT INTO calendar_years (year, source, loaded_at) "
            . "VALUES ($y, '$source', '2026-01-01 00:00:00') "
            . "ON DUPLICATE KEY UPDATE source = VALUES(source);";
    }
    push @sql, 'COMMIT;';
    return join "\n", @sql, '';
}

1;
