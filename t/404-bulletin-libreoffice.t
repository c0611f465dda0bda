#!/usr/bin/perl
# The bulletin's CSV opens in a spreadsheet with the Chinese intact: the
# CSV served by GET /staff/reports/monthly?format=csv (UTF-8 with a BOM,
# which Excel reads as UTF-8) is opened by LibreOffice headless as UTF-8
# (the import dialog's choice; LibreOffice 7.4's headless import with no
# filter options reads Windows-1252 whatever the BOM, so the character set
# is given), saved as .xlsx, and the .xlsx converted back to UTF-8 CSV;
# every cell with Chinese text must come back unchanged, the BOM must not
# end up in the first cell, and the .xlsx itself must hold the names.  Skipped when
# `soffice` is missing (Debian: apt-get install libreoffice-calc; it is
# large, so it is not in scripts/packages.txt).

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Staff;
use Liaison::Worker;
use File::Temp qw(tempdir);
use IO::Uncompress::Unzip qw(unzip $UnzipError);

my $SOFFICE = $ENV{LIAISON_SOFFICE} || (grep { -x } map { "$_/soffice" }
    split /:/, $ENV{PATH})[0];
plan skip_all => 'soffice missing: apt-get install libreoffice-calc to run '
    . 'this test' unless $SOFFICE;

my $env = Liaison::Test->start(staff => staff_cast());
my $S = staff_setup($env);

# a small month: a department name with a comma and quotes, to be quoted
$env->sql('UPDATE departments SET name = ? WHERE id = ?',
    '执行局（速裁组, "试点"）', dept_id($env, 'criminal'));
my $n = 0;
for my $d ([ civil => 'contact_judge' ], [ civil => 'complaint' ],
           [ criminal => 'other' ], [ criminal => 'complaint' ],
           [ civil => 'consultation' ]) {
    $n++;
    $env->sql("INSERT INTO tickets (ticket_no, query_code, channel, category, "
        . "track, status, content, contact_phone, department_id, created_at, "
        . "due_at, updated_at, dispatched_at, accept_due_at, accepted_at, "
        . "replied_at) VALUES (?, 'ABCDEFGH23', 'web', ?, ?, 'replied', "
        . "'内容', '13900001111', ?, ?, ?, ?, ?, ?, ?, ?)", "L26000000$n",
        $d->[1], $d->[1] eq 'consultation' ? 'simple' : 'ordinary',
        dept_id($env, $d->[0]), "2026-09-0$n 09:00:00",
        "2026-09-0$n 17:00:00", "2026-09-0$n 09:00:00",
        "2026-09-0$n 09:30:00", "2026-09-0$n 17:30:00",
        "2026-09-0$n 10:00:00", "2026-09-0$n 11:00:00");
}
my $w = Liaison::Worker->new($env, undef, deliver => 'off', ladder => 'off',
    supervision_complaints => 0,
    map { $_ => undef } qw(wx_appid wx_secret_file wecom_corpid
    wecom_secret_file wecom_agentid sms_url sms_account sms_secret_file));
my $r = Liaison::Test::_run_capture($Liaison::Worker::BIN, 'bulletin',
    '--month=2026-09', '-c', $w->conf_file);
is $r->{rc}, 0, 'bulletin --month=2026-09' or diag $r->{output};

$r = $env->req(GET => '/api/v1/staff/reports/monthly?month=2026-09&format=csv',
    token => tok($env, 'filing'));
is $r->status, 200, 'the CSV';
my $dir = tempdir('liaison-lo-XXXXXX', TMPDIR => 1, CLEANUP => 1);
spew("$dir/bulletin.csv", $r->body);
my $orig = $r->body;
ok utf8::decode($orig), 'valid UTF-8';
$orig =~ s/^\x{FEFF}//;
my @want = grep { /\p{Han}/ } map { @$_ } parse_csv($orig);
ok @want > 20, scalar(@want) . ' cells with Chinese text';
ok scalar(grep { $_ eq '执行局（速裁组, "试点"）' } @want),
    'one with a comma and quotes';

# CSV -> xlsx with the default import, xlsx -> UTF-8 CSV
my @lo = ($SOFFICE, "-env:UserInstallation=file://$dir/profile", '--headless',
    '--norestore');
$r = run_timeout(180, @lo, '--infilter=CSV:44,34,76', '--convert-to', 'xlsx',
    '--outdir', "$dir/x", "$dir/bulletin.csv");
ok -s "$dir/x/bulletin.xlsx", 'LibreOffice opened the CSV and saved .xlsx'
    or diag $r;
unzip("$dir/x/bulletin.xlsx" => \my $strings, Name => 'xl/sharedStrings.xml')
    or diag "unzip: $UnzipError";
utf8::decode($strings);
like $strings, qr/民事审判庭/, 'the workbook holds 民事审判庭';
like $strings, qr/广州市南沙区人民法院诉讼服务平台月度通报/, '... and the title';
unlike $strings, qr/Ã|æ°|\x{FEFF}|ï»¿/, '... no mojibake, no BOM in a cell';

$r = run_timeout(180, @lo, '--convert-to',
    'csv:Text - txt - csv (StarCalc):44,34,76,1', '--outdir', "$dir/back",
    "$dir/x/bulletin.xlsx");
ok -s "$dir/back/bulletin.csv", 'and converted it back to UTF-8 CSV' or diag $r;
my $back = slurp("$dir/back/bulletin.csv");
utf8::decode($back);
$back =~ s/^\x{FEFF}//;
my @got = grep { /\p{Han}/ } map { @$_ } parse_csv($back);
is_deeply \@got, \@want, 'every Chinese cell came back unchanged';

done_testing;

sub parse_csv {
    my ($text) = @_;
    my (@rows, @row, $f);
    my $i = 0;
    my $len = length $text;
    while ($i < $len) {
        my $c = substr $text, $i, 1;
        if ($c eq '"') {
            my $j = $i + 1;
            $f = '';
            while ($j < $len) {
                my $d = substr $text, $j, 1;
                if ($d eq '"') {
                    if (substr($text, $j + 1, 1) eq '"') { $f .= '"'; $j += 2; next }
                    last;
                }
                $f .= $d;
                $j++;
            }
            $i = $j + 1;
            next;
        }
        if ($c eq ',') { push @row, $f // ''; $f = undef; $i++; next }
        if ($c eq "\r" || $c eq "\n") {
            push @row, $f // '';
            push @rows, [ @row ] if grep { length } @row;
            @row = (); $f = undef;
            $i++;
            $i++ if $c eq "\r" && substr($text, $i, 1) eq "\n";
            next;
        }
        $f .= $c;
        $i++;
    }
    push @row, $f // '' if defined $f || @row;
    push @rows, [ @row ] if grep { length } @row;
    return @rows;
}

sub spew {
    my ($f, $data) = @_;
    open my $fh, '>:raw', $f or die "$f: $!";
    print $fh $data;
    close $fh;
}

sub slurp {
    my ($f) = @_;
    open my $fh, '<:raw', $f or die "$f: $!";
    local $/;
    return scalar <$fh>;
}

sub run_timeout {
    my ($secs, @cmd) = @_;
    my $out = '';
    my $pid = open my $fh, '-|';
    die "fork: $!" unless defined $pid;
    if (!$pid) {
        open STDERR, '>&', \*STDOUT;
        setpgrp(0, 0);
        exec @cmd or POSIX::_exit(127);
    }
    eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm $secs;
        local $/;
        $out = <$fh> // '';
        alarm 0;
    };
    kill 'KILL', -$pid if $@;
    close $fh;
    return $out;
}
