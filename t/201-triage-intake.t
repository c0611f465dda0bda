#!/usr/bin/perl
# Triage rules at intake (liaison_triage_rules): the track beyond the
# category (A4/A5), risk flags (A10) with the rules that raised them, the
# content check for WeChat users (outbox), case links; rules loaded at
# start and reload, refused by nginx -t when broken.

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Tickets;
use Liaison::Litigant;

my $t = Liaison::Litigant->start(triage => 1);
my $env = $t->env;
my $tok = $t->login(21);

sub intake {
    my ($body, %o) = @_;
    my $r = $env->req(POST => '/api/v1/tickets', body => $body,
        ($o{token} ? (token => $o{token}) : ()));
    is $r->status, 201, "intake 201: $body->{content}" or diag $r->summary;
    my $j = $r->json || {};
    my $row = $env->sql('SELECT * FROM tickets WHERE ticket_no = ?',
        $j->{ticket_no} // '')->[0] || {};
    my $hits = $env->sql('SELECT rule_id, action, label FROM triage_hits '
        . 'WHERE ticket_id = ? ORDER BY id', $row->{id} // 0);
    return ($j, $row, $hits);
}

subtest 'an ordinary-track rule moves a simple category' => sub {
    my $b = ticket_body(channel => 'web', category => 'consultation',
        content => '对方提交的证据是伪造的，法院会不会采信？');
    my ($j, $row, $hits) = intake($b);
    is $j->{track}, 'ordinary', 'answer: ordinary';
    is $row->{track}, 'ordinary', 'row: ordinary';
    is $row->{triage_rule}, 'ord.facts', 'row: the rule that decided';
    is $row->{risk_flag}, 0, 'no risk';
    is_deeply $hits, [ { rule_id => 'ord.facts', action => 'ordinary',
        label => 'case_facts' } ], 'triage_hits: the rule';
    my $due = Liaison::Calendar->parse_rfc3339($j->{due_at});
    my $created = Liaison::Calendar->parse_rfc3339($j->{created_at});
    is $j->{due_at}, Liaison::Calendar->format_rfc3339(
        $env->calendar->add_working_days($created, 2)),
        'due_at: 2 working days (the ordinary SLA)';
};

subtest 'a simple category without a rule stays simple' => sub {
    my ($j, $row, $hits) = intake(ticket_body(category => 'consultation',
        content => '请问诉讼费怎么交？可以网上支付吗？'));
    is $j->{track}, 'simple', 'simple';
    is $row->{triage_rule}, undef, 'no rule: the category decided';
    is_deeply $hits, [], 'no hits';
};

subtest '"other" made simple by a simple rule' => sub {
    my ($j, $row, $hits) = intake(ticket_body(category => 'other',
        content => '法院几点下班？'));
    is $j->{track}, 'simple', 'simple';
    is $row->{triage_rule}, 'sim.hours', 'sim.hours';
};

subtest '"other" without a rule: ordinary' => sub {
    my ($j, $row) = intake(ticket_body(category => 'other',
        content => '有一件事情想反映一下。'));
    is $j->{track}, 'ordinary', 'ordinary';
    is $row->{triage_rule}, undef, 'by category';
};

my @risks = (
    [ '离婚官司打了两年，我真的不想活了，请问诉讼费是多少？',
      'risk.selfharm', 'simple' ],
    [ '对方律师威胁我，我要杀了他。', 'risk.violence', 'ordinary',
      'complaint' ],
    [ '明天我们三十多个工人一起去法院讨说法。', 'risk.group', 'ordinary',
      'other' ],
    [ '再不处理我就把判决书发到抖音上曝光。', 'risk.media', 'ordinary',
      'other' ],
    [ '我已经走投无路了，请帮帮我。', 'risk.emotion', 'ordinary', 'other' ],
    [ '你们给我等着瞧，后果自负。', 'risk.threat', 'ordinary', 'complaint' ],
    [ '我要跳 楼', 'risk.selfharm', 'ordinary', 'other' ],
);

for my $k (@risks) {
    my ($text, $rule, $track, $cat) = @$k;
    subtest "risk flagged: $rule" => sub {
        my ($j, $row, $hits) = intake(ticket_body(category => $cat
            // 'consultation', content => $text));
        is $j->{track}, $track, "track $track";
        is $row->{risk_flag}, 1, 'risk_flag';
        like $row->{risk_rules} // '', qr/(^|,)\Q$rule\E(,|$)/,
            "risk_rules names $rule";
        ok((grep { $_->{rule_id} eq $rule && $_->{action} eq 'risk' }
            @$hits), 'a triage_hits row for it');
    };
}

like $env->error_log, qr/risk signal "self_harm" \(rule risk\.selfharm\)/,
    'risk signals are logged with their rule (not the text)';
unlike $env->error_log, qr/不想活/, 'the text itself is not logged';

subtest 'content check: a WeChat user\'s text goes to the outbox' => sub {
    my $b = ticket_body(channel => 'wechat', category => 'consultation',
        content => '请问诉讼费怎么交？');
    my ($j, $row) = intake($b, token => $tok);
    is $row->{owner_litigant_id}, $t->litigant_id(21), 'owned';
    is $row->{content_review}, 'pending', 'content_review pending';
    my $o = $env->sql("SELECT * FROM outbox WHERE ticket_id = ? "
        . "AND kind = 'content_check'", $row->{id});
    is scalar @$o, 1, 'one outbox row';
    is $o->[0]{channel}, 'wx_sec_check', 'channel wx_sec_check';
    is $o->[0]{recipient}, Liaison::MockWeChat->openid(21), 'to the openid';
    is $o->[0]{status}, 'pending', 'pending';
    my $p = $t->json_col($o->[0]{payload});
    is $p->{content}, $b->{content}, 'payload: the content';
    is $p->{version}, 2, 'payload: version 2';
    is $p->{scene}, 2, 'payload: scene';
    is $p->{ticket_id}, $row->{id}, 'payload: ticket_id';

    my ($j2, $row2) = intake(ticket_body(channel => 'web'));
    is $row2->{content_review}, undef, 'anonymous: no content check';
    is $env->sql_one("SELECT COUNT(*) FROM outbox WHERE ticket_id = ? "
        . "AND kind = 'content_check'", $row2->{id}), 0,
        '... and no content-check outbox row';
};

subtest 'a known case is linked' => sub {
    my $r = $t->ingest('/api/v1/ingest/cases',
        { cases => [ $t->case_body('(2025)粤0115民初77号') ] });
    is $r->status, 200, 'case ingested' or diag $r->summary;
    my ($j, $row) = intake(ticket_body(category => 'case_query',
        case_no => '（2025）粤0115民初77号', content => '案件进度如何？'));
    is $row->{case_no}, '（2025）粤0115民初77号', 'normalised';
    is $row->{case_id}, $env->sql_one('SELECT id FROM cases WHERE case_no '
        . '= ?', '（2025）粤0115民初77号'), 'case_id';
};

# rules are data: a reload with another file changes the decision
my $dir = $t->dir;
open my $fh, '>:utf8', "$dir/rules2.txt" or die;
print $fh "x.fees ordinary fees_to_judge * 诉讼费\n";
close $fh;
$env->reload(http => { liaison_triage_rules => "$dir/rules2.txt" });
my ($j, $row) = intake(ticket_body(category => 'consultation',
    content => '请问诉讼费怎么交？'));
is $row->{triage_rule}, 'x.fees', 'after a reload the new rules apply';
is $j->{track}, 'ordinary', '... and decide the track';

# nginx -t refuses broken rules, naming the file and line
for my $bad ([ "a risk x * (unclosed\n", qr/rules-bad\.txt:1: rule "a": pattern error/ ],
             [ "# ok\nb bogus x * y\n", qr/rules-bad\.txt:2: unknown action/ ],
             [ "c risk x nocat y\n", qr/invalid categories "nocat"/ ],
             [ "", qr/no rules/ ]) {
    open my $w, '>:utf8', "$dir/rules-bad.txt" or die;
    print $w $bad->[0];
    close $w;
    my ($rc, $out) = $env->nginx_t(
        http => { liaison_triage_rules => "$dir/rules-bad.txt" });
    isnt $rc, 0, 'nginx -t refuses a broken rules file';
    like $out, qr/\[emerg\].*"liaison_triage_rules"/, '... [emerg] names it';
    like $out, $bad->[1], '... and says what';
}
my ($rc, $out) = $env->nginx_t(
    http => { liaison_triage_rules => "$dir/no-such-file.txt" });
like $out, qr/\[emerg\].*no-such-file\.txt: cannot open/,
    'a missing rules file is refused';

done_testing;
