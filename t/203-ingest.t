#!/usr/bin/perl
# The trial business system's signed ingest: POST /ingest/cases and
# POST /ingest/case-nodes.  Good, bad, stale and replayed signatures;
# replayed event ids change nothing; batches commit whole; phone numbers
# are refused (only keyed hashes).

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Litigant;

my $t = Liaison::Litigant->start(
    location => { liaison_max_body_size => '1m' });
my $env = $t->env;
$env->add_department(code => 'civil', name => '民事审判庭');
$env->add_staff(username => 'judge_li', role => 'judge',
    department => 'civil');

my $C1 = '(2026)粤0115民初101号';
my $C1N = '（2026）粤0115民初101号';

sub snapshot {
    return { map { $_ => $env->sql_one("SELECT COUNT(*) FROM $_") + 0 }
        qw(cases case_parties case_nodes outbox ingest_requests) };
}

# --- cases ---------------------------------------------------------------
my $body = { cases => [
    $t->case_body($C1, judge_username => 'judge_li'),
    $t->case_body('（2025）粤0115民终9号', procedure => 'second_instance',
        parties => [ { role => 'appellant', name => '刘某',
                       phone_hash => uc $t->phone_hash('13600136000') } ]),
    $t->case_body('(2013)广海法初字第438号', parties => []),
] };

my $r = $t->ingest('/api/v1/ingest/cases', $body);
is $r->status, 200, 'signed cases: 200' or diag $r->summary;
is_deeply $r->json, { accepted => 3, parties => 4 }, 'counts';
my $c = $env->sql('SELECT * FROM cases WHERE case_no = ?', $C1N)->[0];
ok $c, 'stored under the normalised number';
is $c->{case_year}, 2026, 'year';
is $c->{court_code}, '粤0115', 'court code';
is $c->{type_code}, '民初', 'type code';
is $c->{serial}, '101', 'serial';
is $c->{legacy}, 0, 'not legacy';
is $c->{department_code}, 'civil', 'department code';
is $c->{department_id}, $env->sql_one("SELECT id FROM departments WHERE "
    . "code = 'civil'"), 'department linked';
is $c->{judge_name}, '李法官', 'judge name';
is $c->{judge_staff_id}, $env->sql_one("SELECT id FROM staff WHERE "
    . "username = 'judge_li'"), 'judge linked by username';
is $c->{procedure_name}, 'ordinary', 'procedure';
is $c->{filed_at}, '2026-01-05', 'filed_at';
is $c->{deadline}, '2026-07-05', 'deadline';
is $env->sql_one('SELECT legacy FROM cases WHERE case_no = ?',
    '（2013）广海法初字第438号'), 1, 'a pre-2016 number is marked legacy';
my $p = $env->sql('SELECT kind, role, name, phone_hash FROM case_parties '
    . 'WHERE case_id = ? ORDER BY id', $c->{id});
is_deeply [ map { "$_->{kind}/$_->{role}/$_->{name}" } @$p ],
    [ 'party/plaintiff/张三', 'party/defendant/某某公司',
      'lawyer/lawyer/王律师' ], 'parties and lawyer with roles';
is $p->[0]{phone_hash}, $t->phone_hash('13800138000'), 'the keyed hash';
is $env->sql_one('SELECT phone_hash FROM case_parties WHERE role = ?',
    'appellant'), $t->phone_hash('13600136000'), 'stored lowercase';

# replayed: the same signed request again changes nothing
my $before = snapshot();
my $updated = $env->sql_one('SELECT updated_at FROM cases WHERE id = ?',
    $c->{id});
sleep 1;
my $ts = time;
$r = $t->ingest('/api/v1/ingest/cases', $body, ts => $ts);
is $r->status, 200, 'a new signature for the same cases: 200';
my $again = $t->ingest('/api/v1/ingest/cases', $body, ts => $ts);
is $again->status, 200, 'the same signed request replayed: 200';
is $again->header('x-liaison-replayed'), '1', '... marked replayed';
is $again->body, $r->body, '... the first answer';
is_deeply snapshot(), { %$before, ingest_requests =>
    $before->{ingest_requests} + 1 }, 'the replay wrote nothing';

# an update replaces the parties
my $b2 = { cases => [ $t->case_body($C1, judge => '陈法官',
    parties => [ { role => 'plaintiff', name => '张三',
                   phone_hash => $t->phone_hash('13800138000') } ]) ] };
$r = $t->ingest('/api/v1/ingest/cases', $b2);
is $r->status, 200, 'update: 200';
is $env->sql_one('SELECT judge_name FROM cases WHERE id = ?', $c->{id}),
    '陈法官', 'judge updated';
is $env->sql_one('SELECT COUNT(*) FROM case_parties WHERE case_id = ?',
    $c->{id}), 1, 'parties replaced';
is $env->sql_one('SELECT COUNT(*) FROM cases WHERE case_no = ?', $C1N), 1,
    'still one case';

# signatures
$before = snapshot();
my @bad_sig = (
    [ 'no signature headers' => sub {
        $env->req(POST => '/api/v1/ingest/cases', body => $body) } ],
    [ 'a wrong signature' => sub {
        $t->ingest('/api/v1/ingest/cases', $body, signature => 'ab' x 32) } ],
    [ 'signed with another key' => sub {
        $t->ingest('/api/v1/ingest/cases', $body,
            key => 'another-key-0123456789abcdefghijklmnopq') } ],
    [ 'a signature of another body' => sub {
        my $sig = Digest::SHA::hmac_sha256_hex(time . "\n{}",
            $Liaison::Litigant::INGEST_KEY);
        $t->ingest('/api/v1/ingest/cases', $body, signature => $sig) } ],
    [ 'a short signature' => sub {
        $t->ingest('/api/v1/ingest/cases', $body, signature => 'abc') } ],
    [ 'stale: 301 s old' => sub {
        $t->ingest('/api/v1/ingest/cases', $body, ts => time - 301) } ],
    [ 'from the future: 301 s ahead' => sub {
        $t->ingest('/api/v1/ingest/cases', $body, ts => time + 301) } ],
    [ 'a timestamp that is not a number' => sub {
        $t->ingest('/api/v1/ingest/cases', $body, ts => '12ab') } ],
    [ 'a stale replay of a good request' => sub {
        $t->ingest('/api/v1/ingest/cases', $body, ts => $ts - 400) } ],
);
for my $b (@bad_sig) {
    for my $round (1, 2) {
        my $r = $b->[1]->();
        is $r->status, 401, "$b->[0] (round $round): 401"
            or diag $r->summary;
        is $r->error_code, 'unauthenticated', '... unauthenticated';
    }
}
is_deeply snapshot(), $before, 'no refused request wrote anything';
like $env->error_log, qr/ingest refused: bad signature/, 'refusals logged';
$r = $t->ingest('/api/v1/ingest/cases', $b2, ts => time - 290);
is $r->status, 200, 'within the window (290 s): 200';

# bad batches write nothing
$before = snapshot();
my @bad = (
    [ 'a phone number' => { cases => [ $t->case_body('(2026)粤0115民初102号',
        parties => [ { role => 'plaintiff', name => '甲',
                       phone => '13800138000' } ]) ] },
      'cases[0].parties[0].phone' ],
    [ 'one bad case number among good ones' => { cases => [
        $t->case_body('(2026)粤0115民初103号'),
        $t->case_body('2026-103') ] }, 'cases[1].case_no' ],
    [ 'a bad phone hash' => { cases => [ $t->case_body(
        '(2026)粤0115民初104号', parties => [ { role => 'plaintiff',
        name => '甲', phone_hash => 'xyz' } ]) ] },
      'cases[0].parties[0].phone_hash' ],
    [ 'an unknown role' => { cases => [ $t->case_body(
        '(2026)粤0115民初105号', parties => [ { role => 'boss',
        name => '甲' } ]) ] }, 'cases[0].parties[0].role' ],
    [ 'an unknown procedure' => { cases => [ $t->case_body(
        '(2026)粤0115民初106号', procedure => 'fast') ] },
      'cases[0].procedure' ],
    [ 'a bad date' => { cases => [ $t->case_body('(2026)粤0115民初107号',
        filed_at => '2026-02-30') ] }, 'cases[0].filed_at' ],
    [ 'the same case twice' => { cases => [
        $t->case_body('(2026)粤0115民初108号'),
        $t->case_body('（2026）粤0115民初108号') ] }, 'cases[1].case_no' ],
    [ 'an unknown member' => { cases => [ { %{ $t->case_body(
        '(2026)粤0115民初109号') }, secret => 1 } ] }, 'cases[0].secret' ],
    [ 'no cases' => { cases => [] }, 'cases' ],
);
for my $b (@bad) {
    my $r = $t->ingest('/api/v1/ingest/cases', $b->[1]);
    is $r->status, 400, "$b->[0]: 400" or diag $r->summary;
    is $r->error_field, $b->[2], "... field $b->[2]";
}
$r = $t->ingest('/api/v1/ingest/cases', 'not json');
is $r->status, 400, 'not JSON: 400';
is_deeply snapshot(), $before, 'no bad batch wrote anything';

# --- case nodes ----------------------------------------------------------
sub ev {
    my ($id, $type, %o) = @_;
    return { event_id => $id, case_no => $o{case_no} // $C1, type => $type,
        occurred_at => $o{at} // '2026-03-02T10:00:00+08:00',
        (exists $o{detail} ? (detail => $o{detail}) : ()) };
}

$r = $t->ingest('/api/v1/ingest/case-nodes', { events => [
    ev('E-1', 'filed', at => '2026-01-05T09:00:00+08:00'),
    ev('E-2', 'hearing_scheduled', detail => '2026年3月20日 第三法庭'),
    ev('E-3', 'period_extended', at => '2026-03-02T02:00:00Z',
        detail => '经院长批准延长六个月') ] });
is $r->status, 200, 'nodes: 200' or diag $r->summary;
is_deeply $r->json, { accepted => 3, duplicates => 0 }, '3 new';
my $n = $env->sql('SELECT * FROM case_nodes ORDER BY id');
is scalar @$n, 3, '3 rows';
is $n->[2]{occurred_at}, '2026-03-02 10:00:00', 'UTC converted to Beijing';
is $n->[1]{detail}, '2026年3月20日 第三法庭', 'detail';
is $n->[0]{case_id}, $c->{id}, 'case linked';

$before = snapshot();
$r = $t->ingest('/api/v1/ingest/case-nodes', { events => [
    ev('E-2', 'hearing_scheduled', detail => 'changed?'),
    ev('E-4', 'closed'), ev('E-4', 'closed') ] });
is $r->status, 200, 'replayed ids in a new request: 200';
is_deeply $r->json, { accepted => 1, duplicates => 2 },
    'a replayed id and a repeat in the batch are duplicates';
is $env->sql_one("SELECT detail FROM case_nodes WHERE event_id = 'E-2'"),
    '2026年3月20日 第三法庭', 'the replayed event is unchanged';
is $env->sql_one('SELECT COUNT(*) FROM case_nodes'), 4, 'one more row';

$before = snapshot();
for my $b (
    [ 'an unknown case' => [ ev('E-5', 'filed'),
        ev('E-6', 'filed', case_no => '(2026)粤0115民初999号') ],
      'events[1].case_no' ],
    [ 'an unknown type' => [ ev('E-7', 'teleported') ], 'events[0].type' ],
    [ 'a bad time' => [ ev('E-8', 'filed', at => '2026-03-02 10:00') ],
      'events[0].occurred_at' ],
    [ 'a bad event id' => [ ev('E 9', 'filed') ], 'events[0].event_id' ],
    [ 'a long detail' => [ ev('E-10', 'filed', detail => 'x' x 501) ],
      'events[0].detail' ],
) {
    my $r = $t->ingest('/api/v1/ingest/case-nodes', { events => $b->[1] });
    is $r->status, 400, "nodes, $b->[0]: 400" or diag $r->summary;
    is $r->error_field, $b->[2], "... field $b->[2]";
}
is_deeply snapshot(), $before, 'no bad batch wrote anything';
$r = $t->ingest('/api/v1/ingest/case-nodes', { events => [ ev('E-11',
    'filed') ] }, ts => time - 600);
is $r->status, 401, 'nodes with a stale signature: 401';

# a batch that fails inside the database commits nothing
$env->sql("CREATE TRIGGER boom BEFORE INSERT ON case_nodes FOR EACH ROW "
    . "IF NEW.event_id = 'BOOM' THEN SIGNAL SQLSTATE '45000' "
    . "SET MESSAGE_TEXT = 'boom'; END IF");
$env->allow_log(qr/SIGNAL|boom|statement \d+ failed/);
$before = snapshot();
$r = $t->ingest('/api/v1/ingest/case-nodes', { events => [
    ev('E-20', 'archived'), ev('E-21', 'judgment_effective'),
    ev('BOOM', 'archived') ] });
is $r->status, 500, 'a statement failing in the batch: 500';
is_deeply snapshot(), $before, '... and the whole batch is rolled back';
$env->sql('DROP TRIGGER boom');
$r = $t->ingest('/api/v1/ingest/case-nodes', { events => [
    ev('E-20', 'archived'), ev('E-21', 'judgment_effective') ] });
is_deeply $r->json, { accepted => 2, duplicates => 0 },
    'sent again: all of it applies';

# big batches
my @many = map { ev("BULK-$_", 'served', detail => "送达第 $_ 份文书") }
    1 .. 1000;
$r = $t->ingest('/api/v1/ingest/case-nodes', { events => \@many });
is $r->status, 200, '1000 events in one batch: 200' or diag $r->summary;
is $r->json->{accepted}, 1000, '... all accepted';
$r = $t->ingest('/api/v1/ingest/case-nodes',
    { events => [ @many, ev('X', 'served') ] });
is $r->status, 400, '1001 events: 400';

done_testing;
