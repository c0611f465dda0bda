#!/usr/bin/perl
# Attachments: litigants attach photos and PDFs to their requests and
# follow-ups, staff to replies and material hand-overs.  Types by content,
# size and count limits, stored under a name of the server's outside the
# web root, a SHA-256 checksum, downloads only for who may see the ticket,
# served by nginx from an internal location; nothing left behind by a
# refused upload.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Digest::SHA qw(sha256_hex);
use File::Temp qw(tempdir);
use Liaison::Test;
use Liaison::Tickets;
use Liaison::Litigant;

my $store = tempdir('liaison-attach-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0711, $store;    # nginx's workers (www-data) pass through
my $files = Liaison::Test->workers_dir("$store/files");

my $t = Liaison::Litigant->start(
    http => { liaison_attachment_dir => $files,
              liaison_attachment_max_size => '64k',
              liaison_attachment_max_count => 4 },
    server_extra => <<CONF,
        location /_liaison_files/ {
            internal;
            alias $files/;
            error_page 404 = \@liaison_file_missing;
        }
        location \@liaison_file_missing {
            default_type "application/json; charset=utf-8";
            return 404 '{"error":{"code":"not_found","message":"gone"}}';
        }
CONF
    staff => [
        { username => 'platform', role => 'platform_staff',
          department => 'filing' },
        { username => 'criminal', role => 'dept_staff',
          department => 'criminal' },
        { username => 'admin', role => 'sys_admin' } ]);
my $env = $t->env;
my $tmpdir = $env->prefix . '/tmp/body';

my $owner = $t->login(71);
my $other = $t->login(72);
my $staff = $env->staff_token('platform');
my $outsider = $env->staff_token('criminal');
my $admin = $env->staff_token('admin');

sub new_ticket {
    my ($tok) = @_;
    my $r = $env->req(POST => '/api/v1/tickets', token => $tok,
        body => ticket_body(channel => 'wechat'));
    is $r->status, 201, 'ticket created' or diag $r->summary;
    return $r->json;
}
my $tk = new_ticket($owner);
my $no = $tk->{ticket_no};

sub bytes { my ($head, $n) = @_; return $head . join '', map { chr(($_ * 7 + 3) % 256) } 1 .. ($n // 2000) }
my %file = (
    jpeg => [ 'image/jpeg', bytes("\xff\xd8\xff\xe0\x00\x10JFIF\x00") ],
    png => [ 'image/png', bytes("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR") ],
    pdf => [ 'application/pdf', bytes("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n") ],
);
my $elf = bytes("\x7fELF\x02\x01\x01\x00");

sub upload {
    my (%o) = @_;
    my $path = ($o{staff} ? '/api/v1/staff' : '/api/v1') . "/tickets/"
        . ($o{no} // $no) . '/attachments?filename='
        . ($o{filename} // 'photo.jpg')
        . (defined $o{purpose} ? "&purpose=$o{purpose}" : '');
    return $env->req(POST => $path, token => $o{token}, body => $o{body},
        headers => { 'Content-Type' => $o{type} });
}
sub stored { opendir my $d, $files or die $!; my @f = grep { !/^\./ } readdir $d; return scalar @f }
sub temps { opendir my $d, $tmpdir or return 0; my @f = grep { !/^\./ } readdir $d; return scalar @f }

# --- uploads of each type -------------------------------------------------

my %att;
for my $kind (qw(jpeg png pdf)) {
    my ($type, $data) = @{ $file{$kind} };
    my $name = "证据-$kind.$kind";
    my $r = upload(token => $owner, type => $type, body => $data,
        filename => $t->path($name) =~ s{^/}{}r);
    is $r->status, 201, "$kind upload: 201" or diag $r->summary;
    my $j = $r->json;
    ok $j->{id} > 0, '... an id';
    is $j->{filename}, $name, '... the name as given';
    is $j->{content_type}, $type, '... the type';
    is $j->{size}, length $data, '... the size';
    is $j->{sha256}, sha256_hex($data), '... the SHA-256';
    is $j->{purpose}, 'request', '... purpose request by default';
    my $row = $env->sql('SELECT * FROM attachments WHERE id = ?',
        $j->{id})->[0];
    like $row->{storage_name}, qr/^[0-9a-f]{32}$/, '... stored under 32 '
        . 'random hex digits';
    my $f = "$files/$row->{storage_name}";
    ok -f $f, '... in the store';
    is -s $f, length $data, '... whole';
    $att{$kind} = $j;
}
ok wait_until(sub { temps() == 0 }, 5), 'no temp file left';

# --- refused uploads: nothing left behind ------------------------------------

my $n0 = stored();
my $r = upload(token => $owner, type => 'image/jpeg', body => $elf,
    filename => 'holiday.jpg');
is $r->status, 415, 'an executable named .jpg: 415' or diag $r->summary;
is $r->error_code, 'unsupported_media_type', '... unsupported_media_type';
$r = upload(token => $owner, type => 'image/png', body => $file{jpeg}[1]);
is $r->status, 415, 'a JPEG declared as PNG: 415';
$r = upload(token => $owner, type => 'application/octet-stream',
    body => $file{jpeg}[1]);
is $r->status, 415, 'application/octet-stream: 415';
$r = upload(token => $owner, type => 'image/jpeg',
    body => $file{jpeg}[1] . ('x' x 70000));
is $r->status, 413, 'over liaison_attachment_max_size: 413';
is $r->error_code, 'payload_too_large', '... payload_too_large';
$r = upload(token => $owner, type => 'image/jpeg', body => '');
is $r->status, 400, 'an empty file: 400';
for my $bad ('..%2Fetc%2Fpasswd', '.htaccess', 'a%0Ab.jpg', '') {
    $r = upload(token => $owner, type => 'image/jpeg',
        body => $file{jpeg}[1], filename => $bad);
    is $r->status, 400, "filename '$bad': 400";
    is $r->error_field, 'filename', '... naming filename';
}
$r = upload(token => $owner, type => 'image/jpeg', body => $file{jpeg}[1],
    purpose => 'material');
is $r->status, 400, 'a litigant cannot hand over material: 400';
is stored(), $n0, 'nothing stored by a refused upload';
ok wait_until(sub { temps() == 0 }, 5), 'no temp file left';

# who may upload
$r = upload(token => $other, type => 'image/jpeg', body => $file{jpeg}[1]);
is $r->status, 404, "another litigant's ticket: 404";
$r = upload(type => 'image/jpeg', body => $file{jpeg}[1]);
is $r->status, 401, 'no token: 401';
$r = upload(token => $staff, type => 'image/jpeg', body => $file{jpeg}[1]);
is $r->status, 403, 'staff on the litigant route: 403';
$r = upload(token => $owner, staff => 1, type => 'image/jpeg',
    body => $file{jpeg}[1]);
is $r->status, 403, 'a litigant on the staff route: 403';
$r = upload(token => $outsider, staff => 1, type => 'image/jpeg',
    body => $file{jpeg}[1]);
is $r->status, 404, 'staff out of scope: 404';
is stored(), $n0, 'still nothing stored';

# staff: a material hand-over
$r = upload(token => $staff, staff => 1, type => 'application/pdf',
    body => $file{pdf}[1], filename => 'hand-over.pdf',
    purpose => 'material');
is $r->status, 201, 'staff upload (material): 201' or diag $r->summary;
is $r->json->{purpose}, 'material', '... purpose material';
my $staff_att = $r->json;

# too many: liaison_attachment_max_count 4
$r = upload(token => $owner, type => 'image/jpeg', body => $file{jpeg}[1],
    purpose => 'follow_up');
is $r->status, 409, 'a fifth attachment: 409' or diag $r->summary;
is $r->error_code, 'conflict', '... conflict';
is stored(), $n0 + 1, 'not stored';
ok wait_until(sub { temps() == 0 }, 5), 'no temp file left';

# --- downloads ------------------------------------------------------------

sub download {
    my ($id, %o) = @_;
    return $env->req(GET => "/api/v1/tickets/$no/attachments/$id"
        . ($o{q} // ''), token => $o{token});
}
for my $round (1, 2) {
    for my $kind (qw(jpeg png pdf)) {
        $r = download($att{$kind}{id}, token => $owner);
        is $r->status, 200, "round $round: owner downloads $kind"
            or diag $r->summary;
        ok $r->body eq $file{$kind}[1], '... the same bytes';
        is $r->header('content-type'), $file{$kind}[0], '... its type';
        like $r->header('content-disposition'),
            qr/^attachment; filename\*=UTF-8''%E8%AF%81%E6%8D%AE-$kind\.$kind$/,
            '... as an attachment with its name';
        is $r->header('x-content-type-options'), 'nosniff', '... nosniff';
    }
}
$r = download($staff_att->{id}, token => $staff);
is $r->status, 200, 'staff download (through the internal location): 200';
ok $r->body eq $file{pdf}[1], '... the bytes';
$r = download($att{jpeg}{id}, token => $staff);
ok $r->status == 200 && $r->body eq $file{jpeg}[1],
    "staff in scope download the litigant's file";
$r = download($att{jpeg}{id}, q => "?query_code=$tk->{query_code}");
ok $r->status == 200 && $r->body eq $file{jpeg}[1],
    'with the query code: 200';

for my $case ([ 'another litigant', token => $other ],
              [ 'no token' ], [ 'staff out of scope', token => $outsider ],
              [ 'sys_admin', token => $admin ],
              [ 'a wrong query code', q => '?query_code=ABCDEFGHJK' ]) {
    my ($what, %o) = @$case;
    $r = download($att{jpeg}{id}, %o);
    is $r->status, 404, "$what: 404";
    unlike $r->body, qr/JFIF/, '... no bytes';
}
$r = download(999999, token => $owner);
is $r->status, 404, 'an unknown id: 404';
my $tk2 = new_ticket($other);
$r = $env->req(GET => "/api/v1/tickets/$tk2->{ticket_no}/attachments/"
    . "$att{jpeg}{id}", token => $other);
is $r->status, 404, 'an id under another ticket: 404';
my $sname = $env->sql_one('SELECT storage_name FROM attachments WHERE id = ?',
    $att{jpeg}{id});
$r = $env->req(GET => "/_liaison_files/$sname");
is $r->status, 404, 'the internal location is not reachable from outside';

# a file gone from the store: the JSON 404 of the configuration
my $pname = $env->sql_one('SELECT storage_name FROM attachments WHERE id = ?',
    $att{png}{id});
my ($ppath) = glob("$files/*$pname*");
ok defined $ppath && rename($ppath, "$ppath.away"), 'the PNG taken away';
$r = download($att{png}{id}, token => $owner);
is $r->status, 404, 'a missing file: 404';
is $r->error_code, 'not_found', '... as JSON';
rename "$ppath.away", $ppath if defined $ppath;
$r = download($att{png}{id}, token => $owner);
is $r->status, 200, 'back again: 200';

# --- the ticket view lists them -------------------------------------------

$r = $env->req(GET => "/api/v1/tickets/$no", token => $owner);
is $r->status, 200, 'ticket view';
my @list = @{ $r->json->{attachments} || [] };
is scalar @list, 4, 'lists the 4 attachments';
is_deeply [ map { $_->{id} } @list ],
    [ (map { $att{$_}{id} } qw(jpeg png pdf)), $staff_att->{id} ],
    '... in order';
is $list[0]{sha256}, sha256_hex($file{jpeg}[1]), '... with the checksum';
like $list[0]{created_at}, qr/\+08:00$/, '... and the time';
is $list[3]{uploader}, 'staff', '... and who';
ok !exists $list[0]{storage_name}, '... never the stored name';
is $env->sql_one("SELECT COUNT(*) FROM ticket_events WHERE type = "
    . "'attachment' AND ticket_id = (SELECT id FROM tickets WHERE "
    . "ticket_no = ?)", $no), 4, 'a timeline event each';

# a closed ticket takes no more from the litigant
$env->sql("DELETE FROM attachments WHERE id = ?", $staff_att->{id});
$env->sql("UPDATE tickets SET status = 'closed', closed_at = NOW() "
    . "WHERE ticket_no = ?", $no);
$r = upload(token => $owner, type => 'image/jpeg', body => $file{jpeg}[1]);
is $r->status, 409, 'a closed ticket: 409';

# the row cannot be written once the file is in the store: it goes again
my $tk3 = new_ticket($owner);
$env->sql('ALTER TABLE attachments ADD CONSTRAINT chk_t601 CHECK (filename <> "refuse-me.png")');
my $n1 = stored();
$r = upload(token => $owner, no => $tk3->{ticket_no}, type => 'image/png',
    body => $file{png}[1], filename => 'refuse-me.png');
is $r->status, 500, 'the database refuses the row: 500';
is $r->error_code, 'internal_error', '... internal_error';
ok wait_until(sub { stored() == $n1 }, 5), '... the stored file removed again';
is $env->sql_one('SELECT COUNT(*) FROM ticket_events WHERE type = '
    . "'attachment' AND ticket_id = (SELECT id FROM tickets WHERE "
    . 'ticket_no = ?)', $tk3->{ticket_no}), 0, '... and no event';
$env->sql('ALTER TABLE attachments DROP CONSTRAINT chk_t601');
$r = upload(token => $owner, no => $tk3->{ticket_no}, type => 'image/png',
    body => $file{png}[1]);
is $r->status, 201, 'then it works again';

# --- retention: the worker removes them with the personal data -------------

{
    my $keep = new_ticket($owner);
    $r = upload(token => $owner, no => $keep->{ticket_no}, type => 'image/png',
        body => $file{png}[1]);
    is $r->status, 201, 'an attachment on a ticket that stays';
    my $old = $env->sql('SELECT storage_name FROM attachments a JOIN tickets '
        . 't ON t.id = a.ticket_id WHERE t.ticket_no = ?', $tk3->{ticket_no});
    ok scalar @$old, 'the old ticket has attachments';
    $env->sql("UPDATE tickets SET status = 'closed', closed_at = "
        . "'2020-01-02 10:00:00', created_at = '2019-12-20 10:00:00' "
        . "WHERE ticket_no = ?", $tk3->{ticket_no});
    # a file no row names (a crash between storing and COMMIT): swept once
    # it is an hour old; a fresh one (an upload in progress) is left alone
    my $orphan = "$files/" . ('ab' x 16);
    my $fresh = "$files/" . ('cd' x 16);
    for my $f ($orphan, $fresh) {
        open my $fh, '>', $f or die $!;
        print $fh 'x';
        close $fh;
    }
    utime time - 7200, time - 7200, $orphan;
    require Liaison::Worker;
    my $w = Liaison::Worker->new($env, $t->mock, attachment_dir => $files);
    my $wr = $w->once('2026-11-27T10:00:00+08:00');
    ok !-e $orphan, 'an hour-old file no row names is swept';
    ok -e $fresh, 'a fresh one is left alone';
    unlink $fresh;
    is $wr->{rc}, 0, 'a worker pass with the retention job'
        or diag $wr->{output};
    is $env->sql_one('SELECT COUNT(*) FROM attachments a JOIN tickets t ON '
        . 't.id = a.ticket_id WHERE t.ticket_no = ?', $tk3->{ticket_no}), 0,
        'the closed ticket\'s attachments are gone';
    ok !-e "$files/$_->{storage_name}", '... and the file' for @$old;
    is $env->sql_one('SELECT COUNT(*) FROM attachments a JOIN tickets t ON '
        . 't.id = a.ticket_id WHERE t.ticket_no = ?', $keep->{ticket_no}), 1,
        'an open ticket keeps its attachment';
}

# --- configuration --------------------------------------------------------

for my $bad ([ 'a relative dir', { liaison_attachment_dir => 'files' } ],
             [ 'a missing dir', { liaison_attachment_dir => "$store/none" } ],
             [ 'count 0', { liaison_attachment_max_count => 0 } ],
             [ 'size 10', { liaison_attachment_max_size => 10 } ],
             [ 'a bad location',
               { liaison_attachment_location => 'files' } ]) {
    my ($rc, $out) = $env->nginx_t(http => $bad->[1]);
    isnt $rc, 0, "nginx -t refuses $bad->[0]";
    like $out, qr/\[emerg\].*liaison_attachment/, '... naming the directive';
}

done_testing;
