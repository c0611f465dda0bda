package Liaison::WxPush;

# Messages as WeChat pushes them to GET|POST /api/v1/wx/push: signatures
# (sha1 of the sorted token, timestamp, nonce [, envelope]), safe-mode
# envelopes (AES-256-CBC through the openssl command line, PKCS#7 to 32,
# random(16) + length + message + AppId), XML and JSON bodies.
#
#   my $p = Liaison::WxPush->new(token => 'AAAAA', appid => $APPID,
#                                aes_key => $encoding_aes_key);
#   my $q = $p->query;                          # signature, timestamp, nonce
#   my $xml = $p->xml(FromUserName => $openid, MsgType => 'text', ...);
#   my ($q, $body) = $p->encrypted($xml);       # safe mode

use strict;
use warnings;

use Carp qw(croak);
use Digest::SHA qw(sha1_hex);
use File::Temp qw(tempdir);
use MIME::Base64 qw(encode_base64 decode_base64);

my $NONCE = 0;

sub new {
    my ($class, %o) = @_;
    return bless { %o }, $class;
}

# A random EncodingAESKey (43 characters).
sub new_aes_key {
    my $k = '';
    open my $r, '<:raw', '/dev/urandom' or croak $!;
    read $r, my $bytes, 32;
    $k = encode_base64($bytes, '');
    $k =~ s/=+$//;
    return $k;
}

sub signature {
    my ($self, $ts, $nonce, $enc, $token) = @_;
    return sha1_hex(join '', sort grep { defined } ($token // $self->{token},
        $ts, $nonce, $enc));
}

# The query string of a call: signature/msg_signature, timestamp, nonce.
# Options: ts, nonce, enc (the envelope: safe mode), token, echostr.
sub query {
    my ($self, %o) = @_;
    my $ts = $o{ts} // time;
    my $nonce = $o{nonce} // sprintf '%d%d', $$, ++$NONCE;
    my @q = (timestamp => $ts, nonce => $nonce);
    push @q, signature => $o{signature}
        // $self->signature($ts, $nonce, undef, $o{token});
    if (defined $o{enc}) {
        push @q, encrypt_type => 'aes', msg_signature => $o{msg_signature}
            // $self->signature($ts, $nonce, $o{enc}, $o{token});
    }
    push @q, echostr => $o{echostr} if defined $o{echostr};
    my @pairs;
    while (my ($k, $v) = splice @q, 0, 2) {
        push @pairs, "$k=$v";
    }
    return join '&', @pairs;
}

sub _cdata { my ($v) = @_; return "<![CDATA[$v]]>" }

# WeChat's XML: fields in the order given; a List => [ {..}, .. ] goes
# into the element named by list_in (SubscribeMsgPopupEvent ...).
sub xml {
    my ($self, @f) = @_;
    my $x = "<xml>\n";
    while (my ($k, $v) = splice @f, 0, 2) {
        if ($k eq 'List') {
            my ($wrap, $items) = @$v;
            $x .= "<$wrap>" if $wrap;
            for my $it (@$items) {
                $x .= '<List>' . join('', map {
                    "<$_>" . _cdata($it->{$_}) . "</$_>" } sort keys %$it)
                    . '</List>';
            }
            $x .= "</$wrap>" if $wrap;
            next;
        }
        $x .= $v =~ /^\d+$/ ? "<$k>$v</$k>\n" : "<$k>" . _cdata($v) . "</$k>\n";
    }
    return $x . '</xml>';
}

# The envelope of a message: base64(AES-256-CBC(random16 + len + msg +
# appid)).  Options: key (EncodingAESKey), appid, length (a wrong length
# field), pad (a wrong pad byte).
sub envelope {
    my ($self, $msg, %o) = @_;
    my $eak = $o{key} // $self->{aes_key};
    my $key = decode_base64("$eak=");
    croak 'bad EncodingAESKey' unless length $key == 32;
    utf8::encode($msg) if utf8::is_utf8($msg);
    my $plain = 'R' x 16 . pack('N', $o{length} // length $msg) . $msg
        . ($o{appid} // $self->{appid});
    my $pad = 32 - (length($plain) % 32);
    $plain .= chr($o{pad} // $pad) x $pad;
    my $dir = tempdir('liaison-wxpush-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    open my $fh, '>:raw', "$dir/in" or croak $!;
    print $fh $plain;
    close $fh;
    my $hex = unpack 'H*', $key;
    my $iv = unpack 'H*', substr($key, 0, 16);
    system('openssl', 'enc', '-aes-256-cbc', '-nopad', '-K', $hex,
        '-iv', $iv, '-in', "$dir/in", '-out', "$dir/out") == 0
        or croak 'openssl enc failed';
    open $fh, '<:raw', "$dir/out" or croak $!;
    local $/;
    my $c = <$fh>;
    return encode_base64($c, '');
}

# (query, body) of a safe-mode message; format 'xml' (default) or 'json'.
sub encrypted {
    my ($self, $msg, %o) = @_;
    my $enc = $o{envelope} // $self->envelope($msg, %o);
    my $body = ($o{format} // 'xml') eq 'json'
        ? qq({"ToUserName":"gh_0123456789ab","Encrypt":"$enc"})
        : "<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>"
          . "<Encrypt><![CDATA[$enc]]></Encrypt></xml>";
    return ($self->query(%o, enc => $enc), $body);
}

1;
