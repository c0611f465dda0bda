package Liaison::Duties;

# Helpers of the journeys of recorded duties (t/417-419): what each person
# received through the WeChat/SMS/WeCom mock, and days on the working-day
# calendar.
#
#   my $in = Liaison::Duties->inbox($mock, $worker);
#   my $new = $in->news;     # { mobile or WeCom id => [texts] } since the
#                            # last call
#   my $new = $in->once($now, 'why');   # a worker pass (checked), then news
#   told($new, [qw(13800138001 wujing)], qr/.../, 'what');  # once each
#   my $d = wd_after($cal, '2026-09-28', 5);        # '2026-10-10'
#   my $d = wd_before($cal, '2026-10-12');          # '2026-10-10'
#   my $now = at($d, '08:30');                      # '...T08:30:00+08:00'
#
# LIAISON_SHOW_MESSAGES=1 prints every message as it arrives.

use strict;
use warnings;
use utf8;
use Exporter 'import';
use Test::More ();

use Liaison::Calendar;

our @EXPORT = qw(wd_after wd_before at told);

sub inbox {
    my ($class, $mock, $worker) = @_;
    return bless { mock => $mock, worker => $worker, seen => 0 }, $class;
}

# One worker pass at $now, then what it delivered.
sub once {
    my ($self, $now, $what) = @_;
    my $r = $self->{worker}->once($now);
    Test::More::is($r->{rc}, 0, "worker pass at $now ($what)")
        or Test::More::diag($r->{output});
    return $self->news;
}

# Each of @$who received exactly one message matching $re.
sub told {
    my ($news, $who, $re, $what) = @_;
    for my $r (@$who) {
        my @m = grep { /$re/ } @{ $news->{$r} || [] };
        Test::More::is(scalar @m, 1, "$what: $r told once")
            or Test::More::diag(Test::More::explain($news));
    }
}

# Messages delivered since the last call, by recipient.
sub news {
    my ($self) = @_;
    my (%new, $last);
    $last = $self->{seen};
    for my $c ($self->{mock}->delivered) {
        next if $c->{n} <= $self->{seen};
        $last = $c->{n} if $c->{n} > $last;
        if ($c->{path} eq 'sms') {
            push @{ $new{ $c->{json}{mobile} } }, $c->{json}{content};
        } elsif ($c->{path} eq 'wecom_send') {
            push @{ $new{ $c->{json}{touser} } }, $c->{json}{text}{content};
        }
    }
    $self->{seen} = $last;
    if ($ENV{LIAISON_SHOW_MESSAGES}) {
        Test::More::diag("$_: @{ $new{$_} }") for sort keys %new;
    }
    return \%new;
}

sub _day { Liaison::Calendar::parse_datetime(undef, "$_[0] 00:00:00") }

sub _ymd {
    my @t = gmtime $_[0];
    return sprintf '%04d-%02d-%02d', $t[5] + 1900, $t[4] + 1, $t[3];
}

# The n-th working day after a day (the rule of lsn_duty_due_day()).
sub wd_after {
    my ($cal, $day, $n) = @_;
    return _ymd($cal->add_working_days(_day($day), $n));
}

# The last working day before a day.
sub wd_before {
    my ($cal, $day) = @_;
    my $t = _day($day) - 86400;
    $t -= 86400 until $cal->is_working_day(_ymd($t));
    return _ymd($t);
}

# An instant of a day for `once --now=`.
sub at { "$_[0]T$_[1]:00+08:00" }

1;
