#!/usr/bin/perl
# liaison-worker: on and after 1 December, while next year's working-day
# calendar is not loaded (or this year's), the administrators are alerted
# by SMS and WeCom once on every working day, until it is loaded.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::MockWeChat;
use Liaison::Worker;

my $env = Liaison::Test->start(no_nginx => 1);
my $mock = Liaison::MockWeChat->start;
my $w = Liaison::Worker->new($env, $mock,
    alert_roles => 'sys_admin, filing_admin');

my $admin = $env->add_staff(username => 'admin', role => 'sys_admin',
    department => 'trial_mgmt', mobile => '13800138010');
$env->sql("UPDATE staff SET wecom_userid = 'ZhengKai' WHERE id = ?", $admin);
$env->add_staff(username => 'filing', role => 'filing_admin',
    department => 'filing', mobile => '13800138009');
$env->add_staff(username => 'judge1', role => 'judge',
    department => 'civil', mobile => '13800138002');

sub alerts {
    return join ',', map { $_->{day} } @{ $env->sql(
        "SELECT day FROM system_alerts WHERE kind = 'calendar_missing' "
        . 'ORDER BY day') };
}

sub at {
    my ($now) = @_;
    my $r = $w->once($now);
    is $r->{rc}, 0, "once at $now" or diag $r->{output};
}

is $env->sql_one('SELECT MAX(year) FROM calendar_years'), 2026,
    'the test calendar ends with 2026';

at('2026-11-30T09:00:00+08:00');
is alerts(), '', 'no alert in November';

at('2026-12-01T09:00:00+08:00');
is alerts(), '2026-12-01', 'an alert on 1 December (a Tuesday)';
my @sms = $mock->delivered('sms');
is_deeply [ sort map { $_->{json}{mobile} } @sms ],
    [ '13800138009', '13800138010' ], 'both administrators by SMS, '
    . 'not the judge';
like $sms[0]{json}{content}, qr/2027年法定节假日和调休上班安排尚未导入/,
    'the SMS says which year';
is scalar($mock->delivered('wecom_send')), 1, 'and by WeCom where known';
like $w->log_text, qr/\[warn\] the working-day calendar of 2027 is not loaded/,
    'a warning in the log';

at('2026-12-01T16:00:00+08:00');
at('2026-12-01T17:00:00+08:00');
is alerts(), '2026-12-01', 'once a day';
is scalar($mock->delivered('sms')), 2, 'no second SMS that day';

at('2026-12-02T09:00:00+08:00');
at('2026-12-05T09:00:00+08:00');
at('2026-12-06T09:00:00+08:00');
at('2026-12-07T09:00:00+08:00');
is alerts(), '2026-12-01,2026-12-02,2026-12-07',
    'every working day, not on the weekend';

# loaded: the alerts stop
$env->sql("INSERT INTO calendar_years (year, source, loaded_at) VALUES "
    . "(2027, 'test', '2026-12-07 10:00:00')");
at('2026-12-08T09:00:00+08:00');
at('2026-12-31T09:00:00+08:00');
is alerts(), '2026-12-01,2026-12-02,2026-12-07', 'no alert once loaded';

# this year's calendar missing is as bad
$env->sql('DELETE FROM calendar_years WHERE year = 2027');
at('2027-01-04T09:00:00+08:00');
like alerts(), qr/2027-01-04$/, 'this year missing: alerted too';

# switched off
my $w2 = Liaison::Worker->new($env, $mock, calendar_alert => 'off');
$w2->once('2027-01-05T09:00:00+08:00');
unlike alerts(), qr/2027-01-05/, 'calendar_alert = off: none';

done_testing;
