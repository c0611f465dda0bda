package Liaison::Litigant;

# Helpers for the litigant-side tests (t/2xx-*.t): an environment with the
# WeChat mock behind the module's internal location, the ingest and
# phone-hash keys, WeChat logins, signed ingest requests.
#
#   my $t = Liaison::Litigant->start(triage => 1);
#   my $tok = $t->login(7);                  # litigant openid(7)
#   my $r = $t->ingest('/api/v1/ingest/cases', { cases => [...] });
#   $t->phone_hash('13800138000');
#   $t->env, $t->mock

use strict;
use warnings;
use utf8;

use Carp qw(croak);
use Digest::SHA qw(hmac_sha256_hex);
use File::Temp qw(tempdir);
use JSON::PP ();
use POSIX ();

use Liaison::Test ();
use Liaison::MockWeChat;

our $INGEST_KEY = 'ingest-key-for-tests-0123456789abcdefghijklmnop';
our $PHONE_KEY = 'phone-hash-key-for-tests-0123456789abcdefghijkl';
our $NODE_TEMPLATE = 'TPL_NODE_0123456789';
our $REPLY_TEMPLATE = 'TPL_REPLY_0123456789';

my $CODE_N = 0;

# start(triage => 1, read_timeout => '2s', attachments => 1, http => {...},
#       %start_options); attachments: a store and its internal location
# ($t->files is the store)
sub start {
    my ($class, %o) = @_;
    my $mock = Liaison::MockWeChat->start;
    my $dir = tempdir('liaison-lit-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    # nginx's workers (not root) reach the attachment store through it
    chmod 0711, $dir;
    my $files = delete $o{attachments} ? "$dir/files" : undef;
    if ($files) {
        Liaison::Test->workers_dir($files);
        $o{http}{liaison_attachment_dir} //= $files;
        $o{server_extra} = ($o{server_extra} // '') . <<CONF;
        location /_liaison_files/ {
            internal;
            alias $files/;
        }
CONF
    }
    _spew("$dir/wx_secret", "$Liaison::MockWeChat::SECRET\n");
    _spew("$dir/ingest_key", "$INGEST_KEY\n");
    _spew("$dir/phone_key", "$PHONE_KEY\n");

    my $timeout = delete $o{read_timeout} // '2s';
    my %http = (
        liaison_wx_appid => $Liaison::MockWeChat::APPID,
        liaison_wx_secret_file => "$dir/wx_secret",
        liaison_ingest_key_file => "$dir/ingest_key",
        liaison_phone_hash_key_file => "$dir/phone_key",
        liaison_wx_template => [ "case_node $NODE_TEMPLATE",
                                 "ticket_reply $REPLY_TEMPLATE" ],
    );
    $http{liaison_triage_rules} = "$Liaison::Test::ROOT/data/triage-rules.txt"
        if delete $o{triage};
    %http = (%http, %{ delete $o{http} || {} });

    my $port = $mock->port;
    my $server_extra = <<CONF . (delete $o{server_extra} // '');
        location /_liaison_wx/ {
            internal;
            access_log off;
            proxy_pass http://127.0.0.1:$port/;
            proxy_connect_timeout 2s;
            proxy_read_timeout $timeout;
            proxy_send_timeout $timeout;
            subrequest_output_buffer_size 16k;
        }
CONF
    my $env = Liaison::Test->start(http => \%http,
        server_extra => $server_extra, %o);
    return bless { env => $env, mock => $mock, dir => $dir, files => $files },
        $class;
}

sub env { $_[0]{env} }
sub mock { $_[0]{mock} }
sub dir { $_[0]{dir} }
sub files { $_[0]{files} }

# A fresh js_code for openid($n) (single use, as WeChat's).
sub code {
    my ($self, $n, %o) = @_;
    $CODE_N++;
    return "c$n-$$-$CODE_N" . ($o{union} ? '-union' : '');
}

# Logs litigant openid($n) in; returns the token (croaks unless 200).
sub login {
    my ($self, $n, %o) = @_;
    my $r = $self->{env}->req(POST => '/api/v1/wx/login',
        body => { code => $self->code($n, %o) });
    croak 'wx login: ' . $r->summary
        unless $r->status == 200 && $r->json && $r->json->{token};
    return $r->json->{token};
}

sub litigant_id {
    my ($self, $n) = @_;
    return $self->{env}->sql_one('SELECT id FROM litigants WHERE openid = ?',
        Liaison::MockWeChat->openid($n));
}

sub phone_hash {
    my ($self, $phone, $key) = @_;
    return hmac_sha256_hex($phone, $key // $PHONE_KEY);
}

# POST a signed ingest body (a ref is JSON-encoded).  Options: ts (a Unix
# time), key, signature (given as is), headers.
sub ingest {
    my ($self, $path, $body, %o) = @_;
    $body = Liaison::Test::json_encode($body) if ref $body;
    my $bytes = $body;
    utf8::encode($bytes) if utf8::is_utf8($bytes);
    my $ts = $o{ts} // time;
    my $sig = $o{signature}
        // hmac_sha256_hex("$ts\n$bytes", $o{key} // $INGEST_KEY);
    return $self->{env}->req(POST => $path, body => $bytes,
        headers => { 'X-Liaison-Timestamp' => $ts,
                     'X-Liaison-Signature' => $sig,
                     %{ $o{headers} || {} } });
}

# The mock's current access token, as the worker would store it.
sub store_access_token {
    my ($self, %o) = @_;
    my $tok = $o{token} // $self->{mock}->current_token('wx');
    $self->{env}->sql('REPLACE INTO access_tokens (name, token, expires_at, '
        . 'refreshed_at) VALUES (?, ?, ?, ?)', 'wx_stable', $tok,
        $o{expires_at} // '2099-01-01 00:00:00', '2026-01-05 09:00:00');
    return $tok;
}

# A case as the trial system sends it.
sub case_body {
    my ($self, $case_no, %o) = @_;
    return {
        case_no => $case_no,
        department => $o{department} // 'civil',
        judge => $o{judge} // '李法官',
        (exists $o{judge_username} ? (judge_username => $o{judge_username})
                                   : ()),
        procedure => $o{procedure} // 'ordinary',
        filed_at => $o{filed_at} // '2026-01-05',
        deadline => $o{deadline} // '2026-07-05',
        parties => $o{parties} // [
            { role => 'plaintiff', name => '张三',
              phone_hash => $self->phone_hash('13800138000') },
            { role => 'defendant', name => '某某公司',
              phone_hash => $self->phone_hash('13900139000') },
            { role => 'lawyer', name => '王律师',
              phone_hash => $self->phone_hash('13700137000') },
        ],
    };
}

# A path with a case number, percent-encoded (UTF-8).
sub path {
    my ($self, $path) = @_;
    utf8::encode($path) if utf8::is_utf8($path);
    $path =~ s{([^A-Za-z0-9\-._~/?=&])}{sprintf '%%%02X', ord $1}ge;
    return $path;
}

# A JSON column as DBD::MariaDB returns it (characters) -> Perl data.
sub json_col {
    my ($self, $text) = @_;
    return JSON::PP->new->decode($text);
}

sub _spew {
    my ($f, $data) = @_;
    open my $fh, '>:raw', $f or croak "$f: $!";
    print $fh $data;
    close $fh or croak "$f: $!";
    chmod 0600, $f;
}

1;
